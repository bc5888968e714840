using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using MLNet.Optimizers.Compute;

namespace MLNet.Optimizers.Benchmarks;

/// <summary>
/// SGEMM GFLOP/s for every provider at 1 and 2 threads, in one run: square 256..2048 and the MLP shapes (batch 256 ×
/// 784 × 256 and 256 × 256 × 10, forward and both backward products). Reports the default (rule) choice against the best
/// provider measured here, the managed provider against the best, and the cost of calling a native provider through
/// the validated API versus its raw function pointer at 256³.
/// </summary>
internal static class GemmBenchmark
{
    private sealed record Shape(string Name, Transpose TA, Transpose TB, int M, int N, int K);

    public static void Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        var shapes = new List<Shape>
        {
            new("256³", Transpose.No, Transpose.No, 256, 256, 256),
            new("512³", Transpose.No, Transpose.No, 512, 512, 512),
            new("1024³", Transpose.No, Transpose.No, 1024, 1024, 1024),
        };
        if (!quick)
        {
            shapes.Add(new("2048³", Transpose.No, Transpose.No, 2048, 2048, 2048));
        }

        shapes.AddRange(new[]
        {
            new Shape("MLP fwd X·W 256×256×784", Transpose.No, Transpose.No, 256, 256, 784),
            new Shape("MLP dW Xᵀ·dY 784×256×256", Transpose.Yes, Transpose.No, 784, 256, 256),
            new Shape("MLP dX dY·Wᵀ 256×784×256", Transpose.No, Transpose.Yes, 256, 784, 256),
            new Shape("MLP fwd 256×10×256", Transpose.No, Transpose.No, 256, 10, 256),
            new Shape("MLP dW 256×10×256 (Aᵀ)", Transpose.Yes, Transpose.No, 256, 10, 256),
            new Shape("MLP dX 256×256×10 (Bᵀ)", Transpose.No, Transpose.Yes, 256, 256, 10),

            // The recommended tabular MLP (batch 64, [128, 64]) on wine's 65 encoded inputs.
            new Shape("tabular fwd 64×128×65", Transpose.No, Transpose.No, 64, 128, 65),
            new Shape("tabular fwd 64×64×128", Transpose.No, Transpose.No, 64, 64, 128),
            new Shape("tabular dW 65×128×64 (Aᵀ)", Transpose.Yes, Transpose.No, 65, 128, 64),
            new Shape("tabular dW 128×64×64 (Aᵀ)", Transpose.Yes, Transpose.No, 128, 64, 64),
            new Shape("tabular dX 64×128×64 (Bᵀ)", Transpose.No, Transpose.Yes, 64, 128, 64),
        });

        Console.WriteLine($"CPU: {Environment.ProcessorCount} logical processors; Vector512 accelerated: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}");
        int maxThreads = Math.Min(2, Environment.ProcessorCount);
        for (int threads = 1; threads <= maxThreads; threads++)
        {
            var providers = new List<BlasProvider>();
            foreach (string name in new[] { "managed", "mkl", "openblas" })
            {
                if (BlasProviders.TryCreate(name, threads, out BlasProvider? p, out string trace))
                {
                    providers.Add(p!);
                    Console.Error.WriteLine($"[{threads} thread(s)] {p!.Description}");
                }
                else
                {
                    Console.Error.WriteLine($"[{threads} thread(s)] {name} unavailable: {trace.Split('\n')[0]}");
                }
            }

            BlasSelection auto = BlasProviders.SelectByRule(threads);
            Console.WriteLine();
            Console.WriteLine($"### {threads} thread(s) — default (rule) choice: {auto.Chosen.Description}");
            Console.WriteLine();
            Console.WriteLine("| shape | " + string.Join(" | ", providers.Select(p => p.Name)) + " | auto | auto / best | managed / best |");
            Console.WriteLine("|:---|" + string.Concat(providers.Select(_ => "---:|")) + ":---|---:|---:|");
            foreach (Shape s in shapes)
            {
                var rates = providers.Select(p => Measure(p, s, quick)).ToArray();
                double best = rates.Max();
                int autoIndex = providers.FindIndex(p => p.Name == auto.Chosen.Name);
                double autoRate = autoIndex >= 0 ? rates[autoIndex] : Measure(auto.Chosen, s, quick);
                best = Math.Max(best, autoRate);
                double managed = rates[providers.FindIndex(p => p.Name == "managed")];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {s.Name} | {string.Join(" | ", rates.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))} | {auto.Chosen.Name} | {autoRate / best:F2} | {managed / best:F2} |"));
            }

            if (threads == 1)
            {
                Overhead(providers.OfType<NativeBlasProvider>());
            }
        }
    }

    private static double Measure(BlasProvider p, Shape s, bool quick)
    {
        int aRows = s.TA == Transpose.No ? s.M : s.K, aCols = s.TA == Transpose.No ? s.K : s.M;
        int bRows = s.TB == Transpose.No ? s.K : s.N, bCols = s.TB == Transpose.No ? s.N : s.K;
        var rng = new Random(1);
        float[] a = Enumerable.Range(0, aRows * aCols).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] b = Enumerable.Range(0, bRows * bCols).Select(_ => (float)rng.NextDouble()).ToArray();
        var c = new float[s.M * s.N];
        double flops = 2.0 * s.M * s.N * s.K;
        int reps = (int)Math.Clamp(2e10 / flops, 3, 200);
        if (quick)
        {
            reps = Math.Max(3, reps / 4);
        }

        for (int i = 0; i < Math.Max(3, reps / 5); i++)
        {
            p.Sgemm(s.TA, s.TB, s.M, s.N, s.K, 1f, a, aCols, b, bCols, 0f, c, s.N);
        }

        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            p.Sgemm(s.TA, s.TB, s.M, s.N, s.K, 1f, a, aCols, b, bCols, 0f, c, s.N);
            times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }

        Array.Sort(times);
        return flops / times[reps / 2] / 1e9;
    }

    private static unsafe void Overhead(IEnumerable<NativeBlasProvider> natives)
    {
        Console.WriteLine();
        Console.WriteLine("| native provider at 256³, 1 thread | through our API (µs) | raw function pointer (µs) | overhead |");
        Console.WriteLine("|:---|---:|---:|---:|");
        const int n = 256;
        var rng = new Random(2);
        float[] a = Enumerable.Range(0, n * n).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] b = Enumerable.Range(0, n * n).Select(_ => (float)rng.NextDouble()).ToArray();
        var c = new float[n * n];
        foreach (NativeBlasProvider p in natives)
        {
            var api = new List<double>();
            var raw = new List<double>();
            fixed (float* pa = a, pb = b, pc = c)
            {
                for (int round = 0; round < 80; round++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    p.Sgemm(Transpose.No, Transpose.No, n, n, n, 1f, a, n, b, n, 0f, c, n);
                    api.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                    t0 = Stopwatch.GetTimestamp();
                    p.SgemmUnchecked(Transpose.No, Transpose.No, n, n, n, 1f, pa, n, pb, n, 0f, pc, n);
                    raw.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                }
            }

            double ma = Median(api.Skip(10)), mr = Median(raw.Skip(10));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {p.Name} | {ma:F1} | {mr:F1} | {((ma / mr) - 1) * 100:+0.0;-0.0}% |"));
        }
    }

    private static double Median(IEnumerable<double> xs)
    {
        double[] s = xs.OrderBy(x => x).ToArray();
        return s[s.Length / 2];
    }
}
