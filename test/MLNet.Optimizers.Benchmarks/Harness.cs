using System;
using System.Diagnostics;
using System.Threading;

namespace MLNet.Optimizers.Benchmarks;

/// <summary>The timing of one case: median and minimum of single-step repetitions, and the bytes allocated per step.</summary>
internal readonly record struct Measurement(double MedianMs, double MinMs, double AllocatedBytesPerStep, int Repetitions);

/// <summary>A minimal Stopwatch harness: warm up, then time K single steps and keep the median.</summary>
internal static class Harness
{
    /// <summary>Runs <paramref name="step"/> <paramref name="warmup"/> times, then times <paramref name="reps"/> single calls.</summary>
    /// <param name="step">One step. The delegate is created by the caller, outside the timed region.</param>
    /// <param name="warmup">Untimed calls first (touch the pages, fill the caches, let the JIT settle).</param>
    /// <param name="reps">Timed calls; the median is reported.</param>
    /// <returns>The measurement.</returns>
    public static Measurement Measure(Action step, int warmup, int reps)
    {
        for (int i = 0; i < warmup; i++)
        {
            step();
        }

        long[] ticks = new long[reps];
        long allocBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < reps; r++)
        {
            long start = Stopwatch.GetTimestamp();
            step();
            ticks[r] = Stopwatch.GetTimestamp() - start;
        }

        long allocAfter = GC.GetAllocatedBytesForCurrentThread();
        return Summarize(ticks, allocAfter - allocBefore);
    }

    /// <summary>
    /// Times two steps alternately (a, b, a, b, ...) so that both medians come from the same stretch of time: on a shared
    /// or throttling machine their ratio is then more trustworthy than two measurements taken seconds apart.
    /// </summary>
    /// <param name="a">The first step (the baseline).</param>
    /// <param name="b">The second step.</param>
    /// <param name="warmup">Untimed calls of each first.</param>
    /// <param name="reps">Timed calls of each.</param>
    /// <returns>The two measurements.</returns>
    public static (Measurement A, Measurement B) MeasureInterleaved(Action a, Action b, int warmup, int reps)
    {
        for (int i = 0; i < warmup; i++)
        {
            a();
            b();
        }

        long[] ta = new long[reps];
        long[] tb = new long[reps];
        long allocA = 0;
        long allocB = 0;
        for (int r = 0; r < reps; r++)
        {
            long m0 = GC.GetAllocatedBytesForCurrentThread();
            long s0 = Stopwatch.GetTimestamp();
            a();
            long s1 = Stopwatch.GetTimestamp();
            long m1 = GC.GetAllocatedBytesForCurrentThread();
            long s2 = Stopwatch.GetTimestamp();
            b();
            long s3 = Stopwatch.GetTimestamp();
            long m2 = GC.GetAllocatedBytesForCurrentThread();
            ta[r] = s1 - s0;
            tb[r] = s3 - s2;
            allocA += m1 - m0;
            allocB += m2 - m1;
        }

        return (Summarize(ta, allocA), Summarize(tb, allocB));
    }

    private static Measurement Summarize(long[] ticks, long allocated)
    {
        int reps = ticks.Length;
        Array.Sort(ticks);
        double toMs = 1000.0 / Stopwatch.Frequency;
        double median = (reps % 2 == 1)
            ? ticks[reps / 2] * toMs
            : 0.5 * (ticks[(reps / 2) - 1] + ticks[reps / 2]) * toMs;
        return new Measurement(median, ticks[0] * toMs, (double)allocated / reps, reps);
    }

    /// <summary>
    /// Brings a delegate's code to tier 1: calls it in rounds separated by pauses, so that call counting (which starts
    /// after the tiering delay) sees enough calls and the background compiler installs the optimized code (with PGO,
    /// after an instrumented tier). After the given rounds it keeps going (up to 40 rounds) until a whole round compiles
    /// no new method, so that on a busy machine, where the background compiler runs late, nothing is timed at tier 0.
    /// </summary>
    /// <param name="step">A small-size instance of the step to warm.</param>
    /// <param name="rounds">Rounds of calls at least.</param>
    /// <param name="callsPerRound">Calls in each round.</param>
    public static void JitWarmup(Action step, int rounds = 4, int callsPerRound = 40)
    {
        long compiled = -1;
        for (int r = 0; r < 40; r++)
        {
            for (int i = 0; i < callsPerRound; i++)
            {
                step();
            }

            Thread.Sleep(120);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (r >= rounds - 1 && now == compiled)
            {
                return;
            }

            compiled = now;
        }
    }

    private unsafe struct CopyContext
    {
        public float* Src;
        public float* Dst;
        public long N;
        public int Parts;
    }

    /// <summary>A copy split into <paramref name="threads"/> equal contiguous parts on the kernel threads (the 2-thread copy baseline).</summary>
    public static unsafe void ParallelCopy(float[] src, float[] dst, int threads)
    {
        fixed (float* ps = src)
        fixed (float* pd = dst)
        {
            var c = new CopyContext { Src = ps, Dst = pd, N = src.Length, Parts = threads };
            global::MLNet.Optimizers.Kernels.KernelThreads.Run(threads, threads, &CopyPart, &c);
        }
    }

    private static unsafe void CopyPart(void* context, int part)
    {
        ref CopyContext c = ref *(CopyContext*)context;
        long s = c.N * part / c.Parts;
        long e = c.N * (part + 1) / c.Parts;
        new ReadOnlySpan<float>(c.Src + s, (int)(e - s)).CopyTo(new Span<float>(c.Dst + s, (int)(e - s)));
    }

    /// <summary>Effective throughput in GB/s (10^9 bytes per second).</summary>
    /// <param name="bytes">Bytes moved per step.</param>
    /// <param name="ms">Milliseconds per step.</param>
    /// <returns>GB/s.</returns>
    public static double GBs(double bytes, double ms) => ms > 0 ? bytes / (ms * 1e6) : double.NaN;

    /// <summary>Fills an array with normal random values (Box-Muller, fixed seed), which also touches every page.</summary>
    /// <param name="n">The length.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="scale">The standard deviation.</param>
    /// <returns>The array.</returns>
    public static float[] Normals(int n, int seed, float scale)
    {
        var rng = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            double rad = Math.Sqrt(-2.0 * Math.Log(u1));
            double th = 2.0 * Math.PI * u2;
            a[i] = (float)(rad * Math.Cos(th)) * scale;
            if (i + 1 < n)
            {
                a[i + 1] = (float)(rad * Math.Sin(th)) * scale;
            }
        }

        return a;
    }

    /// <summary>Whether every value is finite (a sanity check after the timed steps).</summary>
    /// <param name="a">The values.</param>
    /// <returns>True when no NaN or infinity is present.</returns>
    public static bool AllFinite(ReadOnlySpan<float> a)
    {
        foreach (float x in a)
        {
            if (!float.IsFinite(x))
            {
                return false;
            }
        }

        return true;
    }
}
