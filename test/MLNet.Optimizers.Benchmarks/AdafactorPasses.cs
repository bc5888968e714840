using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text;

namespace MLNet.Optimizers.Benchmarks;

/// <summary>
/// Where an Adafactor step spends its time. The library's passes are private, so this times a faithful copy of each
/// pass of <c>src/MLNet.Optimizers/Adafactor.cs</c> (same loops, same NumPy-order pairwise sums) and compares their sum
/// with the measured library step. <c>rms(var)</c> is timed through the public <c>OptimizerKernels.PairwiseSumOfSquares</c>,
/// which is the very kernel the step calls. A "streaming read" lower bound (a sum of squares with four independent
/// Vector512 accumulators, not NumPy-exact) shows what one read of the array costs when only bandwidth limits it.
/// </summary>
internal static unsafe class AdafactorPasses
{
    private const float Eps1 = 1e-30f;

    public static void Run(Options o, int n, int[] matrix)
    {
        (int warm, int reps) = Program.Plan(o, n);
        int rows = matrix[0];
        int cols = matrix[1];
        Program.Log($"Adafactor pass model {Program.ShapeLabel(matrix)} and [{n}]...");
        WarmUp();

        float[] p = Harness.Normals(n, 1, 1f);
        float[] g = Harness.Normals(n, 2, 0.1f);
        float[] v = new float[n];
        float[] r = new float[rows];
        float[] c = new float[cols];
        float[] acc = new float[cols];
        Array.Fill(v, 1e-3f);
        Array.Fill(r, 1e-3f);
        Array.Fill(c, 1e-3f);

        // The library step itself, for reference.
        float[] pLib = (float[])p.Clone();
        var lines = new List<string[]>();
        Measurement stepM = TimeLibrary(new Adafactor(0.001), pLib, g, matrix, warm, reps);
        Measurement stepV = TimeLibrary(new Adafactor(0.001), pLib, g, new[] { n }, warm, reps);
        Measurement copy = Harness.Measure(() => g.AsSpan().CopyTo(pLib), warm, reps);
        Measurement stream = Harness.Measure(() => StreamSumSquares(g), warm, reps);
        Measurement copy512 = Harness.Measure(() => VectorCopy(g, pLib), warm, reps);

        fixed (float* pp = p, pg = g, pv = v, pr = r, pc = c, pacc = acc)
        {
            float* xp = pp, xg = pg, xv = pv, xr = pr, xc = pc, xacc = pacc;
            Measurement p1 = Harness.Measure(() => RowColStats(xg, xr, xc, xacc, rows, cols), warm, reps);
            Measurement p2 = Harness.Measure(() => OptimizerKernels.PairwiseSumOfSquares(new ReadOnlySpan<float>(xp, n)), warm, reps);
            Measurement p3 = Harness.Measure(() => FactoredUSum(xg, xr, xc, rows, cols), warm, reps);
            Measurement p4 = Harness.Measure(() => FactoredApply(xp, xg, xr, xc, rows, cols), warm, reps);
            double sumM = p1.MedianMs + p2.MedianMs + p3.MedianMs + p4.MedianMs;
            lines.Add(Line($"factored {Program.ShapeLabel(matrix)}: 1 row/col stats (pairwise per row + column accumulate)", "g", 4, n, p1, stepM.MedianMs));
            lines.Add(Line("factored: 2 rms(var) = OptimizerKernels.PairwiseSumOfSquares(p)", "p", 4, n, p2, stepM.MedianMs));
            lines.Add(Line("factored: 3 rms(update): pairwise sum of (g/sqrt(rr*c))^2", "g (+c)", 4, n, p3, stepM.MedianMs));
            lines.Add(Line("factored: 4 apply p -= a*(g/sqrt(rr*c))/d (Vector512)", "g, p -> p", 12, n, p4, stepM.MedianMs));
            lines.Add(Line("factored: sum of passes 1-4 (model)", "-", 24, n, new Measurement(sumM, sumM, 0, 0), stepM.MedianMs));
            lines.Add(Line("factored: library Adafactor.Apply (measured)", "-", 24, n, stepM, stepM.MedianMs));
            float s8 = FactoredUSum(xg, xr, xc, rows, cols), s16 = FactoredUSum16(xg, xr, xc, rows, cols);
            if (BitConverter.SingleToInt32Bits(s8) != BitConverter.SingleToInt32Bits(s16))
            {
                Program.Log($"  note: what-if 3' sum {s16:R} differs from the library-order sum {s8:R}");
            }

            Measurement w3 = Harness.Measure(() => FactoredUSum16(xg, xr, xc, rows, cols), warm, reps);
            Measurement w4 = Harness.Measure(() => FactoredApply(xp, xg, xr, xc, rows, cols, divideByD: false), warm, reps);
            lines.Add(Line("what-if 3': u computed 16 at a time (Vector512), summed as two 8-lane halves (same order)", "g (+c)", 4, n, w3, stepM.MedianMs));
            lines.Add(Line("what-if 4': apply without the '/ d' division (bit-identical when d == 1)", "g, p -> p", 12, n, w4, stepM.MedianMs));

            Measurement q1 = Harness.Measure(() => VelocitySums(xg, xp, xv, n), warm, reps);
            Measurement q2 = Harness.Measure(() => VectorApply(xp, xv, xg, n), warm, reps);
            double sumV = q1.MedianMs + q2.MedianMs;
            lines.Add(Line($"rank-1 [{n}]: 1 velocity update + Sum2 (u^2, p^2), Vector256", "g, p, v -> v", 16, n, q1, stepV.MedianMs));
            lines.Add(Line("rank-1: 2 apply p -= a*(g/sqrt(v))/d (Elementwise, Vector512)", "p, v, g -> p", 16, n, q2, stepV.MedianMs));
            lines.Add(Line("rank-1: sum of passes 1-2 (model)", "-", 32, n, new Measurement(sumV, sumV, 0, 0), stepV.MedianMs));
            lines.Add(Line("rank-1: library Adafactor.Apply (measured)", "-", 32, n, stepV, stepV.MedianMs));
        }

        lines.Add(Line("reference: copy g -> p (Span.CopyTo)", "g -> p", 8, n, copy, double.NaN));
        lines.Add(Line("reference: copy g -> p with a Vector512 loop", "g -> p", 8, n, copy512, double.NaN));
        lines.Add(Line("reference: streaming read (4 x Vector512 accumulators)", "g", 4, n, stream, double.NaN));
        Print(o.Markdown, lines);
    }

    private static string[] Line(string pass, string traffic, int bytes, int n, Measurement m, double stepMs)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        return new[]
        {
            pass,
            traffic,
            m.MedianMs.ToString("F3", c),
            double.IsNaN(stepMs) ? "-" : (100.0 * m.MedianMs / stepMs).ToString("F0", c) + "%",
            bytes.ToString(c),
            Harness.GBs((double)bytes * n, m.MedianMs).ToString("F1", c),
        };
    }

    private static void Print(bool markdown, List<string[]> lines)
    {
        string[] head = { "pass", "traffic", "ms", "% of step", "bytes/param touched", "GB/s (touched)" };
        var sb = new StringBuilder();
        if (markdown)
        {
            sb.AppendLine("| " + string.Join(" | ", head) + " |");
            sb.AppendLine("|:---|:---|---:|---:|---:|---:|");
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

    private static Measurement TimeLibrary(Adafactor opt, float[] values, float[] g, int[] shape, int warm, int reps)
    {
        var prm = new Parameter("p", shape, values);
        opt.Build(new[] { prm });
        var grads = new ReadOnlyMemory<float>?[] { g };
        return Harness.Measure(() => opt.Apply(grads), warm, reps);
    }

    private static void WarmUp()
    {
        const int Rows = 24, Cols = 1000, N = Rows * Cols;
        float[] p = Harness.Normals(N, 3, 1f);
        float[] g = Harness.Normals(N, 4, 0.1f);
        float[] v = new float[N];
        float[] r = new float[Rows];
        float[] c = new float[Cols];
        float[] acc = new float[Cols];
        Array.Fill(v, 1e-3f);
        Array.Fill(r, 1e-3f);
        Array.Fill(c, 1e-3f);
        Harness.JitWarmup(() =>
        {
            fixed (float* pp = p, pg = g, pv = v, pr = r, pc = c, pacc = acc)
            {
                RowColStats(pg, pr, pc, pacc, Rows, Cols);
                FactoredUSum(pg, pr, pc, Rows, Cols);
                FactoredUSum16(pg, pr, pc, Rows, Cols);
                FactoredApply(pp, pg, pr, pc, Rows, Cols);
                FactoredApply(pp, pg, pr, pc, Rows, Cols, divideByD: false);
                VelocitySums(pg, pp, pv, N);
                VectorApply(pp, pv, pg, N);
                StreamSumSquares(g);
                VectorCopy(g, p);
                OptimizerKernels.PairwiseSumOfSquares(p);
            }
        });
    }

    // ---- copies of the library's passes (Adafactor.cs, lead = 1) ----

    private static float RowColStats(float* g, float* r, float* c, float* acc, int rows, int cols)
    {
        const float B2t = 0.5f, Om = 0.5f;
        new Span<float>(acc, cols).Clear();
        for (int i = 0; i < rows; i++)
        {
            var src = new RowSquareSource(g + ((long)i * cols), acc, Eps1, cols > 1);
            float rowMean = PairwiseCopy.Sum(ref src, 0, cols) / cols;
            r[i] = (B2t * r[i]) + (Om * rowMean);
        }

        for (int j = 0; j < cols; j++)
        {
            c[j] = (B2t * c[j]) + (Om * (acc[j] / rows));
        }

        return OptimizerKernels.PairwiseSum(new ReadOnlySpan<float>(r, rows)) / rows;
    }

    private static float FactoredUSum(float* g, float* r, float* c, int rows, int cols)
    {
        float mean = OptimizerKernels.PairwiseSum(new ReadOnlySpan<float>(r, rows)) / rows;
        var src = new FactoredUSource(g, r, c, mean, cols);
        return PairwiseCopy.Sum(ref src, 0, rows * cols);
    }

    private static void FactoredApply(float* v, float* g, float* r, float* c, int rows, int cols, bool divideByD = true)
    {
        float mean = OptimizerKernels.PairwiseSum(new ReadOnlySpan<float>(r, rows)) / rows;
        for (int i = 0; i < rows; i++)
        {
            long off = (long)i * cols;
            if (divideByD)
            {
                FactoredApplyRow(v + off, g + off, c, cols, r[i] / mean, 1e-9f, 1f);
            }
            else
            {
                FactoredApplyRowNoD(v + off, g + off, c, cols, r[i] / mean, 1e-9f);
            }
        }
    }

    /// <summary>What-if: <see cref="FactoredApplyRow"/> when d == 1, where <c>u / d</c> is exactly <c>u</c>.</summary>
    private static void FactoredApplyRowNoD(float* v, float* g, float* c, int cols, float rr, float alpha)
    {
        int j = 0;
        Vector512<float> vrr = Vector512.Create(rr);
        Vector512<float> va = Vector512.Create(alpha);
        for (; j <= cols - 16; j += 16)
        {
            Vector512<float> u = Vector512.Load(g + j) / Vector512.Sqrt(vrr * Vector512.Load(c + j));
            (Vector512.Load(v + j) - (va * u)).Store(v + j);
        }

        for (; j < cols; j++)
        {
            float u = g[j] / MathF.Sqrt(rr * c[j]);
            v[j] -= alpha * u;
        }
    }

    /// <summary>What-if: the rms(update) sum with u computed 16 lanes at a time; the summation order is unchanged.</summary>
    private static float FactoredUSum16(float* g, float* r, float* c, int rows, int cols)
    {
        float mean = OptimizerKernels.PairwiseSum(new ReadOnlySpan<float>(r, rows)) / rows;
        var src = new FactoredUSource(g, r, c, mean, cols);
        return PairwiseCopy.Sum16(ref src, 0, rows * cols);
    }

    private static void FactoredApplyRow(float* v, float* g, float* c, int cols, float rr, float alpha, float d)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vrr = Vector512.Create(rr);
            Vector512<float> va = Vector512.Create(alpha);
            Vector512<float> vd = Vector512.Create(d);
            for (; j <= cols - 16; j += 16)
            {
                Vector512<float> u = Vector512.Load(g + j) / Vector512.Sqrt(vrr * Vector512.Load(c + j));
                (Vector512.Load(v + j) - (va * (u / vd))).Store(v + j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vrr = Vector256.Create(rr);
            Vector256<float> va = Vector256.Create(alpha);
            Vector256<float> vd = Vector256.Create(d);
            for (; j <= cols - 8; j += 8)
            {
                Vector256<float> u = Vector256.Load(g + j) / Vector256.Sqrt(vrr * Vector256.Load(c + j));
                (Vector256.Load(v + j) - (va * (u / vd))).Store(v + j);
            }
        }

        for (; j < cols; j++)
        {
            float u = g[j] / MathF.Sqrt(rr * c[j]);
            v[j] -= alpha * (u / d);
        }
    }

    private static float VelocitySums(float* g, float* x, float* v, int n)
    {
        var src = new VelocitySource(g, x, v, Eps1, 0.999f, 0.001f);
        PairwiseCopy.Sum2(ref src, 0, n, out float a, out float b);
        return a + b;
    }

    /// <summary>The library's Elementwise.Run(a, b, x, op) driver with AdafactorApplyOp inlined (Vector512, then Vector256, then scalar).</summary>
    private static void VectorApply(float* a, float* b, float* x, int n)
    {
        const float Alpha = 1e-9f, D = 1f;
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; k <= n - 16; k += 16)
            {
                Vector512<float> va = Vector512.Load(a + k);
                va -= Vector512.Create(Alpha) * ((Vector512.Load(x + k) / Vector512.Sqrt(Vector512.Load(b + k))) / Vector512.Create(D));
                va.Store(a + k);
            }
        }

        for (; k <= n - 8; k += 8)
        {
            Vector256<float> va = Vector256.Load(a + k);
            va -= Vector256.Create(Alpha) * ((Vector256.Load(x + k) / Vector256.Sqrt(Vector256.Load(b + k))) / Vector256.Create(D));
            va.Store(a + k);
        }

        for (; k < n; k++)
        {
            a[k] -= Alpha * ((x[k] / MathF.Sqrt(b[k])) / D);
        }
    }

    /// <summary>A plain managed copy loop (Vector512 loads and stores), for comparison with Span.CopyTo (native memmove).</summary>
    private static void VectorCopy(float[] source, float[] destination)
    {
        fixed (float* s = source, d = destination)
        {
            int n = source.Length;
            int i = 0;
            for (; i <= n - 16; i += 16)
            {
                Vector512.Load(s + i).Store(d + i);
            }

            for (; i < n; i++)
            {
                d[i] = s[i];
            }
        }
    }

    /// <summary>A bandwidth-only read: sum of squares with four independent Vector512 accumulators.</summary>
    private static float StreamSumSquares(float[] data)
    {
        fixed (float* p = data)
        {
            int n = data.Length;
            Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            int i = 0;
            for (; i <= n - 64; i += 64)
            {
                Vector512<float> a = Vector512.Load(p + i), b = Vector512.Load(p + i + 16), c = Vector512.Load(p + i + 32), d = Vector512.Load(p + i + 48);
                s0 += a * a;
                s1 += b * b;
                s2 += c * c;
                s3 += d * d;
            }

            float s = Vector512.Sum((s0 + s1) + (s2 + s3));
            for (; i < n; i++)
            {
                s += p[i] * p[i];
            }

            return s;
        }
    }

    private readonly struct RowSquareSource(float* g, float* acc, float eps1, bool accumulate) : IFloatSource
    {
        public Vector256<float> Load8(int i)
        {
            Vector256<float> gv = Vector256.Load(g + i);
            Vector256<float> g2 = (gv * gv) + Vector256.Create(eps1);
            if (accumulate)
            {
                (Vector256.Load(acc + i) + g2).Store(acc + i);
            }

            return g2;
        }

        public float Load1(int i)
        {
            float g2 = (g[i] * g[i]) + eps1;
            if (accumulate)
            {
                acc[i] += g2;
            }

            return g2;
        }
    }

    private struct FactoredUSource(float* g, float* r, float* c, float mean, int cols) : IFloatSource16
    {
        private int _row;
        private int _j;
        private float _rr = r[0] / mean;

        public Vector256<float> Load8(int i)
        {
            if (_j + 8 <= cols)
            {
                Vector256<float> u = Vector256.Load(g + i) / Vector256.Sqrt(Vector256.Create(_rr) * Vector256.Load(c + _j));
                _j += 8;
                if (_j == cols)
                {
                    NextRow();
                }

                return u * u;
            }

            float e0 = Load1(i), e1 = Load1(i + 1), e2 = Load1(i + 2), e3 = Load1(i + 3);
            float e4 = Load1(i + 4), e5 = Load1(i + 5), e6 = Load1(i + 6), e7 = Load1(i + 7);
            return Vector256.Create(e0, e1, e2, e3, e4, e5, e6, e7);
        }

        public float Load1(int i)
        {
            float u = g[i] / MathF.Sqrt(_rr * c[_j]);
            _j++;
            if (_j == cols)
            {
                NextRow();
            }

            return u * u;
        }

        public void Load16(int i, out Vector256<float> lo, out Vector256<float> hi)
        {
            if (_j + 16 <= cols)
            {
                Vector512<float> u = Vector512.Load(g + i) / Vector512.Sqrt(Vector512.Create(_rr) * Vector512.Load(c + _j));
                _j += 16;
                if (_j == cols)
                {
                    NextRow();
                }

                Vector512<float> u2 = u * u;
                lo = u2.GetLower();
                hi = u2.GetUpper();
                return;
            }

            lo = Load8(i);
            hi = Load8(i + 8);
        }

        private void NextRow()
        {
            _j = 0;
            _row++;
            _rr = r[_row] / mean;
        }
    }

    private readonly struct VelocitySource(float* g, float* x, float* v, float eps1, float b2t, float om) : IDualSource
    {
        public void Load8(int i, out Vector256<float> a, out Vector256<float> b)
        {
            Vector256<float> gv = Vector256.Load(g + i);
            Vector256<float> g2 = (gv * gv) + Vector256.Create(eps1);
            Vector256<float> vn = (Vector256.Create(b2t) * Vector256.Load(v + i)) + (Vector256.Create(om) * g2);
            vn.Store(v + i);
            Vector256<float> u = gv / Vector256.Sqrt(vn);
            a = u * u;
            Vector256<float> xv = Vector256.Load(x + i);
            b = xv * xv;
        }

        public void Load1(int i, out float a, out float b)
        {
            float gv = g[i];
            float g2 = (gv * gv) + eps1;
            float vn = (b2t * v[i]) + (om * g2);
            v[i] = vn;
            float u = gv / MathF.Sqrt(vn);
            a = u * u;
            b = x[i] * x[i];
        }
    }
}

/// <summary>A copy of the library's internal IFloatSource (for the pass model).</summary>
internal interface IFloatSource
{
    Vector256<float> Load8(int i);

    float Load1(int i);
}

/// <summary>What-if: a source that can produce 16 values (two 8-lane halves) at once.</summary>
internal interface IFloatSource16 : IFloatSource
{
    void Load16(int i, out Vector256<float> lo, out Vector256<float> hi);
}

/// <summary>A copy of the library's internal IDualSource (for the pass model).</summary>
internal interface IDualSource
{
    void Load8(int i, out Vector256<float> a, out Vector256<float> b);

    void Load1(int i, out float a, out float b);
}

/// <summary>A copy of the library's NumPy-order pairwise sum (src/MLNet.Optimizers/Kernels/Pairwise.cs).</summary>
internal static class PairwiseCopy
{
    private const int BlockSize = 128;

    public static float Sum<T>(ref T src, int start, int n)
        where T : struct, IFloatSource
    {
        if (n <= BlockSize)
        {
            return Leaf(ref src, start, n);
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        return Sum(ref src, start, n2) + Sum(ref src, start + n2, n - n2);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static float Leaf<T>(ref T src, int start, int n)
        where T : struct, IFloatSource
    {
        float res;
        if (n < 8)
        {
            res = 0f;
            for (int k = 0; k < n; k++)
            {
                res += src.Load1(start + k);
            }

            return res;
        }

        Vector256<float> r = src.Load8(start);
        int i = 8;
        int lim = n - (n % 8);
        for (; i < lim; i += 8)
        {
            r += src.Load8(start + i);
        }

        res = Combine(r);
        for (; i < n; i++)
        {
            res += src.Load1(start + i);
        }

        return res;
    }

    /// <summary>What-if: <see cref="Sum{T}"/> with leaves that take 16 values at a time, added as two halves (same order).</summary>
    public static float Sum16<T>(ref T src, int start, int n)
        where T : struct, IFloatSource16
    {
        if (n <= BlockSize)
        {
            if (n < 16)
            {
                return Leaf(ref src, start, n);
            }

            src.Load16(start, out Vector256<float> r, out Vector256<float> h);
            r += h;
            int i = 16;
            int lim = n - (n % 8);
            for (; i + 16 <= lim; i += 16)
            {
                src.Load16(start + i, out Vector256<float> lo, out Vector256<float> hi);
                r += lo;
                r += hi;
            }

            for (; i < lim; i += 8)
            {
                r += src.Load8(start + i);
            }

            float res = Combine(r);
            for (; i < n; i++)
            {
                res += src.Load1(start + i);
            }

            return res;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        return Sum16(ref src, start, n2) + Sum16(ref src, start + n2, n - n2);
    }

    public static void Sum2<T>(ref T src, int start, int n, out float a, out float b)
        where T : struct, IDualSource
    {
        if (n <= BlockSize)
        {
            Leaf2(ref src, start, n, out a, out b);
            return;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        Sum2(ref src, start, n2, out float a1, out float b1);
        Sum2(ref src, start + n2, n - n2, out float a2, out float b2);
        a = a1 + a2;
        b = b1 + b2;
    }

    private static void Leaf2<T>(ref T src, int start, int n, out float a, out float b)
        where T : struct, IDualSource
    {
        if (n < 8)
        {
            a = 0f;
            b = 0f;
            for (int k = 0; k < n; k++)
            {
                src.Load1(start + k, out float x, out float y);
                a += x;
                b += y;
            }

            return;
        }

        src.Load8(start, out Vector256<float> ra, out Vector256<float> rb);
        int i = 8;
        int lim = n - (n % 8);
        for (; i < lim; i += 8)
        {
            src.Load8(start + i, out Vector256<float> xa, out Vector256<float> xb);
            ra += xa;
            rb += xb;
        }

        a = Combine(ra);
        b = Combine(rb);
        for (; i < n; i++)
        {
            src.Load1(start + i, out float x, out float y);
            a += x;
            b += y;
        }
    }

    private static float Combine(Vector256<float> r) =>
        ((r.GetElement(0) + r.GetElement(1)) + (r.GetElement(2) + r.GetElement(3)))
        + ((r.GetElement(4) + r.GetElement(5)) + (r.GetElement(6) + r.GetElement(7)));
}
