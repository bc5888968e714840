using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using MLNet.Optimizers.Kernels;

namespace MLNet.Optimizers.Benchmarks;

/// <summary>
/// Where an Adafactor step spends its time: each pass of <c>Adafactor.UpdateStep</c>, timed by calling the library's
/// own kernels (<see cref="AdafactorKernels"/>, visible to this project), once with the divider's square root and once
/// with the Newton square root (<see cref="ExactMath"/>), next to the measured library step and bandwidth references.
/// </summary>
internal static unsafe class AdafactorPasses
{
    private const float Eps1 = 1e-30f;
    private const float B2t = 0.9f;
    private const float Om = 0.1f;

    private static bool warmedUp;

    public static void Run(Options o, int n, int[] matrix)
    {
        if (!warmedUp)
        {
            // The same passes on a small tensor until the JIT has installed optimized code for all of them.
            warmedUp = true;
            var quiet = new Options { Quick = true, Markdown = o.Markdown, SmallWarmup = true };
            Harness.JitWarmup(() => Run(quiet, 24 * 1000, new[] { 24, 1000 }), rounds: 4, callsPerRound: 3);
        }

        (int warm, int reps) = Program.Plan(o, n);
        int rows = matrix[0];
        int cols = matrix[1];
        if (!o.SmallWarmup)
        {
            Program.Log($"Adafactor passes {Program.ShapeLabel(matrix)} and [{n}]...");
        }


        float[] p = Harness.Normals(n, 1, 1f);
        float[] g = Harness.Normals(n, 2, 0.1f);
        float[] v = new float[n];
        float[] r = new float[rows];
        float[] c = new float[cols];
        float[] acc = new float[cols];
        float[] mean = new float[1];
        float[] range = new float[2];
        float[] buffer = new float[AdafactorKernels.WorkspaceFloats];
        Array.Fill(v, 1e-2f);
        Array.Fill(r, 1e-2f);
        Array.Fill(c, 1e-2f);

        var lines = new List<string[]>();
        float[] pLib = (float[])p.Clone();
        Measurement stepM = TimeLibrary(pLib, g, matrix, warm, reps);
        Measurement stepV = TimeLibrary(pLib, g, new[] { n }, warm, reps);
        Measurement copy = Harness.Measure(() => g.AsSpan().CopyTo(pLib), warm, reps);
        Measurement stream = Harness.Measure(() => StreamSum(g), warm, reps);

        var paths = new List<KernelPath> { new(KernelPath.Best.Width, false) };
        if (KernelPath.Best.Newton)
        {
            paths.Add(KernelPath.Best);
        }

        fixed (float* pp = p, pg = g, pv = v, pr = r, pc = c, pacc = acc, pmean = mean, prange = range, pbuf = buffer)
        {
            float* xp = pp, xg = pg, xv = pv, xr = pr, xc = pc, xacc = pacc, xmean = pmean, xrange = prange, xbuf = pbuf;
            Measurement p1 = Harness.Measure(
                () =>
                {
                    AdafactorKernels.FactoredStatistics(xg, rows, cols, xr, xc, xacc, Eps1, B2t, Om, out xrange[0], out xrange[1]);
                    xmean[0] = Pairwise.Sum(new ReadOnlySpan<float>(xr, rows)) / rows;
                },
                warm,
                reps);
            lines.Add(Line($"factored {Program.ShapeLabel(matrix)}: 1 row/column statistics", "g", 4, n, p1, stepM.MedianMs));
            foreach (KernelPath path in paths)
            {
                Measurement p2 = Harness.Measure(() => AdafactorKernels.FactoredSums(xg, xp, xr, xc, xmean, xrange, xrange + 1, rows, cols, n, xbuf, path, true, out _, out _), warm, reps);
                Measurement p3 = Harness.Measure(() => FactoredApply(xp, xg, xr, xc, xmean[0], xrange, rows, cols, 1.01f, path), warm, reps);
                Measurement p3d1 = Harness.Measure(() => FactoredApply(xp, xg, xr, xc, xmean[0], xrange, rows, cols, 1f, path), warm, reps);
                lines.Add(Line($"  2 sums of u^2 and x^2 ({path})", "g, x", 8, n, p2, stepM.MedianMs));
                lines.Add(Line($"  3 apply x -= a*(u/d), d = 1.01 ({path})", "g, x -> x", 12, n, p3, stepM.MedianMs));
                lines.Add(Line($"  3 apply, d = 1: no division by d ({path})", "g, x -> x", 12, n, p3d1, stepM.MedianMs));
            }

            lines.Add(Line("  library Adafactor step (measured)", "-", 24, n, stepM, stepM.MedianMs));
            if (KernelThreads.ProcessorCount >= 2)
            {
                // The split passes on one thread and on two, timed alternately (same parts; only the thread count differs).
                float[] work = new float[AdafactorKernels.ParallelWorkspaceFloats(rows)];
                fixed (float* pw = work)
                {
                    float* xw = pw, xpart = pw + ((long)AdafactorKernels.MaxSumParts * Pairwise.ChunkSize);
                    KernelPath best = KernelPath.Best;
                    foreach ((string pass, int bytes, Func<Threading, Action> f) in new (string, int, Func<Threading, Action>)[]
                    {
                        ("split 1 statistics", 4, t => () => AdafactorKernels.FactoredStatisticsSplit(xg, rows, cols, xr, xc, xacc, Eps1, B2t, Om, out xrange[0], out xrange[1], xpart, t)),
                        ("split 2 sums", 8, t => () => AdafactorKernels.FactoredSumsSplit(xg, xp, xr, xc, xmean, xrange, xrange + 1, rows, cols, n, xw, best, true, t, out _, out _)),
                        ("split 3 apply", 12, t => () => AdafactorKernels.FactoredApplySplit(xp, xg, xr, xc, xmean, xrange, xrange + 1, 1, rows, cols, 1e-9f, 1.01f, best, true, t)),
                    })
                    {
                        var t1 = new Threading(1, OptimizerDefaults.MinParallelLength, 1 << 15, Simd.BestWidth);
                        (Measurement m1, Measurement m2) = Harness.MeasureInterleaved(f(t1), f(t1 with { Threads = 2 }), warm, reps);
                        lines.Add(Line($"  {pass}, 1 thread ({best})", "-", bytes, n, m1, stepM.MedianMs));
                        lines.Add(Line($"  {pass}, 2 threads: {m1.MedianMs / m2.MedianMs:F2}x", "-", bytes, n, m2, stepM.MedianMs));
                    }
                }
            }

            foreach (KernelPath path in paths)
            {
                Measurement q1 = Harness.Measure(() => AdafactorKernels.VelocitySums(xg, xp, xv, n, Eps1, 1f, 0f, xbuf, path, guard: false, out _, out _), warm, reps);
                Measurement q2 = Harness.Measure(() => AdafactorKernels.VelocityApply(xp, xv, xg, n, 1e-9f, 1.01f, path, path.Newton ? AdafactorKernels.SqrtUnchecked : AdafactorKernels.SqrtHardware), warm, reps);
                lines.Add(Line($"rank-1 [{n}]: 1 velocity update + sums ({path})", "g, x, v -> v", 16, n, q1, stepV.MedianMs));
                lines.Add(Line($"  2 apply x -= a*(u/d), d = 1.01 ({path})", "g, v, x -> x", 16, n, q2, stepV.MedianMs));
            }

            lines.Add(Line("  library Adafactor step (measured)", "-", 32, n, stepV, stepV.MedianMs));
        }

        lines.Add(Line("reference: copy g -> p (Span.CopyTo)", "g -> p", 8, n, copy, double.NaN));
        lines.Add(Line("reference: streaming read (Vector512, 4 accumulators)", "g", 4, n, stream, double.NaN));
        if (!o.SmallWarmup)
        {
            Print(o.Markdown, lines);
        }
    }

    private static void FactoredApply(float* x, float* g, float* r, float* c, float mean, float* range, int rows, int cols, float d, KernelPath path)
    {
        for (int i = 0; i < rows; i++)
        {
            long off = (long)i * cols;
            float rr = r[i] / mean;
            AdafactorKernels.FactoredApplyRow(x + off, g + off, c, cols, rr, 1e-9f, d, path, AdafactorKernels.RowSqrtMode(path, rr, range[0], range[1], true));
        }
    }

    private static string[] Line(string pass, string traffic, int bytes, int n, Measurement m, double stepMs)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        return new[]
        {
            pass,
            traffic,
            m.MedianMs.ToString("F3", c),
            m.MinMs.ToString("F3", c),
            double.IsNaN(stepMs) ? "-" : (100.0 * m.MedianMs / stepMs).ToString("F0", c) + "%",
            bytes.ToString(c),
            Harness.GBs((double)bytes * n, m.MedianMs).ToString("F1", c),
        };
    }

    private static void Print(bool markdown, List<string[]> lines)
    {
        string[] head = { "pass", "traffic", "ms", "min ms", "% of step", "bytes/param", "GB/s" };
        var sb = new StringBuilder();
        if (markdown)
        {
            sb.AppendLine("| " + string.Join(" | ", head) + " |");
            sb.AppendLine("|:---|:---|---:|---:|---:|---:|---:|");
            foreach (string[] l in lines)
            {
                sb.AppendLine("| " + string.Join(" | ", l) + " |");
            }
        }
        else
        {
            int[] w = new int[head.Length];
            var all = new List<string[]> { head };
            all.AddRange(lines);
            foreach (string[] l in all)
            {
                for (int i = 0; i < l.Length; i++)
                {
                    w[i] = Math.Max(w[i], l[i].Length);
                }
            }

            foreach (string[] l in all)
            {
                for (int i = 0; i < l.Length; i++)
                {
                    sb.Append(i < 2 ? l[i].PadRight(w[i]) : l[i].PadLeft(w[i]));
                    sb.Append(i == l.Length - 1 ? string.Empty : " | ");
                }

                sb.AppendLine();
            }
        }

        Console.WriteLine(sb.ToString());
    }

    private static Measurement TimeLibrary(float[] values, float[] g, int[] shape, int warm, int reps)
    {
        var opt = new Adafactor(0.001);
        var prm = new Parameter("p", shape, values);
        opt.Build(new[] { prm });
        var grads = new ReadOnlyMemory<float>?[] { g };
        return Harness.Measure(() => opt.Apply(grads), warm, reps);
    }

    /// <summary>A bandwidth-only read: a sum with four independent Vector512 accumulators (not NumPy's order).</summary>
    private static float StreamSum(float[] data)
    {
        fixed (float* p = data)
        {
            int n = data.Length;
            var s0 = System.Runtime.Intrinsics.Vector512<float>.Zero;
            var s1 = s0;
            var s2 = s0;
            var s3 = s0;
            int i = 0;
            for (; i <= n - 64; i += 64)
            {
                s0 += System.Runtime.Intrinsics.Vector512.Load(p + i);
                s1 += System.Runtime.Intrinsics.Vector512.Load(p + i + 16);
                s2 += System.Runtime.Intrinsics.Vector512.Load(p + i + 32);
                s3 += System.Runtime.Intrinsics.Vector512.Load(p + i + 48);
            }

            float s = System.Runtime.Intrinsics.Vector512.Sum((s0 + s1) + (s2 + s3));
            for (; i < n; i++)
            {
                s += p[i];
            }

            return s;
        }
    }
}
