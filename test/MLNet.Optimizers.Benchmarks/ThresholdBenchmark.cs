using System;
using System.Globalization;

namespace MLNet.Optimizers.Benchmarks;

/// <summary>
/// Where splitting a step across two threads starts to pay: Lion and Adafactor (vector and matrix) steps at sizes from
/// 16K to 2M values, on one thread and split on two (MinParallelLength = 1), timed alternately in one run. The default
/// <see cref="OptimizerDefaults.MinParallelLength"/> is the smallest size from which two threads were faster for every
/// case here.
/// </summary>
internal static class ThresholdBenchmark
{
    public static void Run()
    {
        Program.Log("warming up the JIT (tier 1)...");
        Program.JitWarmup();
        Console.WriteLine($"load average before: {MlpBenchmark.LoadAverage()}; current default MinParallelLength = {OptimizerDefaults.MinParallelLength:N0}");
        Console.WriteLine("| values | Lion 1 thread (µs) | Lion 2 threads (µs) | ratio | Adafactor vector 1 / 2 (µs) | ratio | Adafactor matrix 1 / 2 (µs) | ratio |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        CultureInfo c = CultureInfo.InvariantCulture;
        for (int n = 1 << 14; n <= 1 << 21; n *= 2)
        {
            float[] init = Harness.Normals(n, 1, 1f);
            float[] grad = Harness.Normals(n, 2, 0.1f);
            (double l1, double l2) = Pair(() => new Lion(0.001), new[] { n }, init, grad);
            (double v1, double v2) = Pair(() => new Adafactor(0.001), new[] { n }, init, grad);
            int rows = 1 << ((BitLength(n) - 1) / 2);
            (double m1, double m2) = Pair(() => new Adafactor(0.001), new[] { rows, n / rows }, init, grad);
            Console.WriteLine(string.Create(c, $"| {n:N0} | {l1:F1} | {l2:F1} | {l1 / l2:F2} | {v1:F1} / {v2:F1} | {v1 / v2:F2} | {m1:F1} / {m2:F1} | {m1 / m2:F2} |"));
        }

        Console.WriteLine($"load average after: {MlpBenchmark.LoadAverage()}");
    }

    private static int BitLength(int n)
    {
        int b = 0;
        while (n > 0)
        {
            b++;
            n >>= 1;
        }

        return b;
    }

    private static (double One, double Two) Pair(Func<Optimizer> create, int[] shape, float[] init, float[] grad)
    {
        Action Step(int threads)
        {
            Optimizer o = create();
            o.NumThreads = threads;
            o.MinParallelLength = 1;
            var p = new Parameter("p", shape, (float[])init.Clone());
            o.Build(new[] { p });
            var g = new ReadOnlyMemory<float>?[] { grad };
            return () => o.Apply(g);
        }

        int reps = Math.Max(21, (int)(2e7 / init.Length));
        (Measurement a, Measurement b) = Harness.MeasureInterleaved(Step(1), Step(2), 20, reps);
        return (a.MedianMs * 1000, b.MedianMs * 1000);
    }
}
