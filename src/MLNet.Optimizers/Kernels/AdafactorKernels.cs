using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Optimizers.Kernels;

/// <summary>
/// Which instructions compute Adafactor's element functions: 512-bit, 256-bit or scalar, with the divider's square
/// root or the Newton square root and quotient of <see cref="ExactMath"/>. Every path gives the same bits.
/// </summary>
/// <param name="Width">512, 256, 128 or 0 (scalar). The 128-bit path (ARM64 and other processors without 256-bit vectors) uses the divider.</param>
/// <param name="Newton">Square roots (and the division by the clipping denominator) on the FMA units.</param>
internal readonly record struct KernelPath(int Width, bool Newton)
{
    /// <summary>The fastest path on this processor.</summary>
    public static KernelPath Best { get; } =
        Vector512.IsHardwareAccelerated ? new KernelPath(512, ExactMath.Fast512)
        : Vector256.IsHardwareAccelerated ? new KernelPath(256, ExactMath.Fast256)
        : Vector128.IsHardwareAccelerated ? new KernelPath(128, false)
        : new KernelPath(0, false);

    /// <summary>Every path this processor can run (the tests compare them all).</summary>
    public static IEnumerable<KernelPath> All()
    {
        yield return new KernelPath(0, false);
        if (Vector128.IsHardwareAccelerated)
        {
            yield return new KernelPath(128, false);
        }

        yield return new KernelPath(256, false);
        if (ExactMath.Fast256)
        {
            yield return new KernelPath(256, true);
        }

        yield return new KernelPath(512, false);
        if (ExactMath.Fast512)
        {
            yield return new KernelPath(512, true);
        }
    }

    /// <inheritdoc />
    public override string ToString() => (Width == 0 ? "scalar" : "Vector" + Width) + (Newton ? " Newton" : " divider");
}

/// <summary>
/// Adafactor's passes (INDEX.md G), each element computed with exactly Keras's float32 operations: <c>u = g /
/// sqrtf(v)</c>, <c>u_hat = u / d</c>, <c>var - alpha*u_hat</c>, pairwise sums in NumPy's order.
/// </summary>
internal static unsafe partial class AdafactorKernels
{
    /// <summary>Workspace floats of the sums: one chunk of computed values.</summary>
    public const int WorkspaceFloats = Pairwise.ChunkSize;

    // ------------------------------------------------------------------------------------------- element functions

    /// <summary>Square roots by the divider.</summary>
    public const int SqrtHardware = 0;

    /// <summary>Newton square roots, each vector range-checked (out-of-range vectors use the divider).</summary>
    public const int SqrtChecked = 1;

    /// <summary>Newton square roots without the check: every input is known to be in [2^-102, float.MaxValue].</summary>
    public const int SqrtUnchecked = 2;

    /// <summary>
    /// Square roots by the divider, and a zero second moment gives a zero quotient: <c>u = v == 0 ? 0 : g / sqrtf(v)</c>
    /// (Keras computes 0/0 = NaN or g/0 = ±inf there). Chosen only where a zero second moment is possible and
    /// <see cref="Adafactor.ZeroMomentNaN"/> is off; elsewhere every mode gives Keras's bits.
    /// </summary>
    public const int SqrtGuarded = 3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Sqrt(Vector512<float> v, int mode) =>
        mode == SqrtUnchecked ? ExactMath.SqrtNewton(v) : mode == SqrtChecked ? ExactMath.Sqrt(v) : Vector512.Sqrt(v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Sqrt(Vector256<float> v, int mode) =>
        mode == SqrtUnchecked ? ExactMath.SqrtNewton(v) : mode == SqrtChecked ? ExactMath.Sqrt(v) : Vector256.Sqrt(v);

    /// <summary><c>g / s</c>, <c>s = sqrtf(v)</c>; in <see cref="SqrtGuarded"/> mode 0 where <c>s == 0</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Quotient(Vector512<float> g, Vector512<float> s, int mode)
    {
        Vector512<float> u = g / s;
        return mode == SqrtGuarded ? Vector512.AndNot(u, Vector512.Equals(s, Vector512<float>.Zero)) : u;
    }

    /// <summary>The 256-bit form of <see cref="Quotient(Vector512{float}, Vector512{float}, int)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Quotient(Vector256<float> g, Vector256<float> s, int mode)
    {
        Vector256<float> u = g / s;
        return mode == SqrtGuarded ? Vector256.AndNot(u, Vector256.Equals(s, Vector256<float>.Zero)) : u;
    }

    /// <summary>The 128-bit form of <see cref="Quotient(Vector512{float}, Vector512{float}, int)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Quotient(Vector128<float> g, Vector128<float> s, int mode)
    {
        Vector128<float> u = g / s;
        return mode == SqrtGuarded ? Vector128.AndNot(u, Vector128.Equals(s, Vector128<float>.Zero)) : u;
    }

    /// <summary>The scalar form of <see cref="Quotient(Vector512{float}, Vector512{float}, int)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Quotient(float g, float s, int mode) => mode == SqrtGuarded && s == 0f ? 0f : g / s;

    /// <summary>
    /// A row's factor <c>rr = r_i / mean(r)</c>. Guarded, a zero mean (every <c>r</c> of the block is 0, possible only
    /// with <c>epsilon_1 = 0</c>) gives 0 instead of Keras's 0/0 = NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RowFactor(float r, float mean, bool guard) => guard && mean == 0f ? 0f : r / mean;

    /// <summary>
    /// The square-root mode for one row of the factored second moment, <c>v_j = RN(rr * c_j)</c>: rounding is monotonic,
    /// so every <c>v_j</c> lies in [RN(rr * cMin), RN(rr * cMax)]; when that interval is inside the Newton range the
    /// per-vector check is skipped. (NaN fails both comparisons and keeps the check.) With <paramref name="guard"/>, a row
    /// where some <c>v_j</c> can be 0 (<c>RN(rr * cMin) == 0</c>, again by monotonic rounding) gets
    /// <see cref="SqrtGuarded"/>; no other row can have a zero second moment, so no other row changes.
    /// </summary>
    public static int RowSqrtMode(KernelPath path, float rr, float cMin, float cMax, bool guard)
    {
        if (guard && rr * cMin == 0f)
        {
            return SqrtGuarded;
        }

        if (!path.Newton)
        {
            return SqrtHardware;
        }

        return rr * cMin >= BitConverter.UInt32BitsToSingle(ExactMath.SqrtMinBits) && rr * cMax <= float.MaxValue ? SqrtUnchecked : SqrtChecked;
    }

    /// <summary>The square-root mode for values of unknown range.</summary>
    private static int AnySqrtMode(KernelPath path) => path.Newton ? SqrtChecked : SqrtHardware;

    /// <summary><c>u / d</c> (skipped when <c>d == 1</c>, where it is exactly <c>u</c>).</summary>
    private readonly struct Denominator
    {
        public readonly bool Divide;
        public readonly bool Newton;
        public readonly float D;
        public readonly float High;
        public readonly float Low;

        public Denominator(float d, bool newton)
        {
            D = d;
            Divide = d != 1f;
            Newton = newton && ExactMath.DivisorInRange(d);
            (High, Low) = ExactMath.SplitReciprocal(d);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Scale(Vector512<float> u, in Denominator d)
    {
        if (!d.Divide)
        {
            return u;
        }

        return d.Newton ? ExactMath.Divide(u, Vector512.Create(d.D), Vector512.Create(d.High), Vector512.Create(d.Low)) : u / Vector512.Create(d.D);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Scale(Vector256<float> u, in Denominator d)
    {
        if (!d.Divide)
        {
            return u;
        }

        return d.Newton ? ExactMath.Divide(u, Vector256.Create(d.D), Vector256.Create(d.High), Vector256.Create(d.Low)) : u / Vector256.Create(d.D);
    }

    /// <summary>The 128-bit form (always the divider).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Scale(Vector128<float> u, in Denominator d) => d.Divide ? u / Vector128.Create(d.D) : u;

    // ------------------------------------------------------------------------------------------- factored (rank >= 2)

    /// <summary>
    /// Row and column statistics of one [rows, cols] block: <c>r = b2t*r + om*mean(g*g + eps1, axis=-1)</c> (pairwise per
    /// row), <c>c = b2t*c + om*mean(g*g + eps1, axis=-2)</c> (left to right over the rows; pairwise when cols == 1).
    /// <c>cMin</c> and <c>cMax</c> receive the range of the updated <c>c</c> (<c>cMax</c> is +infinity if any is NaN or
    /// infinite), for <see cref="RowSqrtMode"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FactoredStatistics(float* g, int rows, int cols, float* r, float* c, float* acc, float eps1, float b2t, float om, out float cMin, out float cMax)
    {
        new Span<float>(acc, cols).Clear();
        int i = 0;
        if (cols > 1)
        {
            // Two rows per traversal: two independent pairwise chains, and the column sums still add row i before
            // row i+1, element by element, as NumPy does.
            for (; i + 1 < rows; i += 2)
            {
                var pairSrc = new RowPairSquares(g + ((long)i * cols), cols, acc, eps1, Ahead);
                Pairwise.Sum2Wide(ref pairSrc, 0, cols, out float s0, out float s1);
                r[i] = (b2t * r[i]) + (om * (s0 / cols));
                r[i + 1] = (b2t * r[i + 1]) + (om * (s1 / cols));
            }
        }

        for (; i < rows; i++)
        {
            var rowSrc = new RowSquares(g + ((long)i * cols), acc, eps1, accumulate: cols > 1);
            float rowMean = Pairwise.Sum(ref rowSrc, 0, cols) / cols;
            r[i] = (b2t * r[i]) + (om * rowMean);
        }

        if (cols == 1)
        {
            var colSrc = new RowSquares(g, acc, eps1, accumulate: false);
            acc[0] = Pairwise.Sum(ref colSrc, 0, rows);
        }

        UpdateColumns(c, acc, rows, cols, b2t, om, out cMin, out cMax);
    }

    /// <summary><c>c = b2t*c + om*(acc/rows)</c>, with the range of the result (see <see cref="FactoredStatistics"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdateColumns(float* c, float* acc, int rows, int cols, float b2t, float om, out float cMin, out float cMax)
    {
        float lo = float.PositiveInfinity;
        float hi = 0f;
        bool finite = true;
        for (int j = 0; j < cols; j++)
        {
            float cj = (b2t * c[j]) + (om * (acc[j] / rows));
            c[j] = cj;
            lo = cj < lo ? cj : lo;
            hi = cj > hi ? cj : hi;
            finite &= cj <= float.MaxValue;
        }

        cMin = lo;
        cMax = finite ? hi : float.PositiveInfinity;
    }

    /// <summary>
    /// Pairwise sums of <c>u*u</c> (<c>u = g / sqrtf((r_i/mean(r)) * c_j)</c>) and of <c>x*x</c> over the flattened
    /// tensor, in one traversal.
    /// </summary>
    public static void FactoredSums(float* g, float* x, float* r, float* c, float* rowMeans, float* colMin, float* colMax, int rows, int cols, long n, float* buffer, KernelPath path, bool guard, out float sumU, out float sumX)
    {
        var producer = new FactoredProducer(g, r, c, rowMeans, colMin, colMax, rows, cols, path, guard);
        Pairwise.SumProducedAndSquares(ref producer, x, buffer, 0, (int)n, out sumU, out sumX);
    }

    /// <summary>
    /// The factored update of a whole tensor, <c>x -= alpha * ((g / sqrtf(rr_i * c_j)) / d)</c>, <c>rr_i = r_i /
    /// mean(r)</c> per block. Rows are independent, so row i of the first half and row i of the second half are
    /// updated in one loop: twice the memory streams in flight (faster when the tensor is not in cache).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FactoredApply(float* x, float* g, float* r, float* c, float* rowMeans, float* colMin, float* colMax, int lead, int rows, int cols, float alpha, float d, KernelPath path, bool guard)
    {
        var den = new Denominator(d, path.Newton);
        int total = lead * rows;
        int half = path.Width == 512 && cols >= 64 ? total / 2 : 0;
        for (int i = 0; i < half; i++)
        {
            int k = i + half;
            float rr1 = RowFactor(r[i], rowMeans[i / rows], guard);
            float rr2 = RowFactor(r[k], rowMeans[k / rows], guard);
            int m1 = RowSqrtMode(path, rr1, colMin[i / rows], colMax[i / rows], guard);
            int m2 = RowSqrtMode(path, rr2, colMin[k / rows], colMax[k / rows], guard);
            float* c1 = c + ((long)(i / rows) * cols);
            float* c2 = c + ((long)(k / rows) * cols);
            long o1 = (long)i * cols;
            long o2 = (long)k * cols;
            int done = ApplyRowPair512(x + o1, g + o1, c1, rr1, m1, x + o2, g + o2, c2, rr2, m2, cols, alpha, den);
            FactoredApplyRow(x + o1, g + o1, c1, cols, rr1, alpha, den, path, m1, done);
            FactoredApplyRow(x + o2, g + o2, c2, cols, rr2, alpha, den, path, m2, done);
        }

        for (int i = 2 * half; i < total; i++)
        {
            int b = i / rows;
            float rr = RowFactor(r[i], rowMeans[b], guard);
            long off = (long)i * cols;
            FactoredApplyRow(x + off, g + off, c + ((long)b * cols), cols, rr, alpha, den, path, RowSqrtMode(path, rr, colMin[b], colMax[b], guard), 0);
        }
    }

    /// <summary>One row of the factored update: <c>x -= alpha * ((g / sqrtf(rr * c)) / d)</c>.</summary>
    public static void FactoredApplyRow(float* x, float* g, float* c, int cols, float rr, float alpha, float d, KernelPath path, int sqrtMode) =>
        FactoredApplyRow(x, g, c, cols, rr, alpha, new Denominator(d, path.Newton), path, sqrtMode, 0);

    /// <summary>One row of the factored update, from column <paramref name="start"/> on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FactoredApplyRow(float* x, float* g, float* c, int cols, float rr, float alpha, in Denominator den, KernelPath path, int sqrtMode, int start)
    {
        int j = start;
        if (path.Width == 512 && cols - j >= 16)
        {
            // Software-pipelined: the square root of the next vector is issued before this vector's division, so
            // fewer operations wait in the scheduler for the long sqrt -> divide -> scale chain (in cache, about 1.4x
            // faster than the plain loop).
            Vector512<float> vrr = Vector512.Create(rr);
            Vector512<float> va = Vector512.Create(alpha);
            Vector512<float> s = Sqrt(vrr * Vector512.Load(c + j), sqrtMode);
            for (; j <= cols - 32; j += 16)
            {
                Vector512<float> next = Sqrt(vrr * Vector512.Load(c + j + 16), sqrtMode);
                Vector512<float> u = Quotient(Vector512.Load(g + j), s, sqrtMode);
                Touch(g + j + Ahead);
                Touch(x + j + Ahead);
                (Vector512.Load(x + j) - (va * Scale(u, den))).Store(x + j);
                s = next;
            }

            Vector512<float> last = Quotient(Vector512.Load(g + j), s, sqrtMode);
            (Vector512.Load(x + j) - (va * Scale(last, den))).Store(x + j);
            j += 16;
        }

        if (path.Width >= 256)
        {
            Vector256<float> vrr = Vector256.Create(rr);
            Vector256<float> va = Vector256.Create(alpha);
            for (; j <= cols - 8; j += 8)
            {
                Vector256<float> u = Quotient(Vector256.Load(g + j), Sqrt(vrr * Vector256.Load(c + j), sqrtMode), sqrtMode);
                (Vector256.Load(x + j) - (va * Scale(u, den))).Store(x + j);
            }
        }

        if (path.Width == 128)
        {
            Vector128<float> vrr = Vector128.Create(rr);
            Vector128<float> va = Vector128.Create(alpha);
            for (; j <= cols - 4; j += 4)
            {
                Vector128<float> u = Quotient(Vector128.Load(g + j), Vector128.Sqrt(vrr * Vector128.Load(c + j)), sqrtMode);
                (Vector128.Load(x + j) - (va * Scale(u, den))).Store(x + j);
            }
        }

        for (; j < cols; j++)
        {
            float u = Quotient(g[j], MathF.Sqrt(rr * c[j]), sqrtMode);
            x[j] -= alpha * (u / den.D);
        }
    }

    /// <summary>The 512-bit part of two rows in one software-pipelined loop; returns the columns done (a multiple of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ApplyRowPair512(float* x1, float* g1, float* c1, float rr1, int m1, float* x2, float* g2, float* c2, float rr2, int m2, int cols, float alpha, in Denominator den)
    {
        Vector512<float> vrr1 = Vector512.Create(rr1);
        Vector512<float> vrr2 = Vector512.Create(rr2);
        Vector512<float> va = Vector512.Create(alpha);
        Vector512<float> s1 = Sqrt(vrr1 * Vector512.Load(c1), m1);
        Vector512<float> s2 = Sqrt(vrr2 * Vector512.Load(c2), m2);
        int j = 0;
        for (; j <= cols - 32; j += 16)
        {
            Vector512<float> next1 = Sqrt(vrr1 * Vector512.Load(c1 + j + 16), m1);
            Vector512<float> next2 = Sqrt(vrr2 * Vector512.Load(c2 + j + 16), m2);
            Vector512<float> u1 = Quotient(Vector512.Load(g1 + j), s1, m1);
            Vector512<float> u2 = Quotient(Vector512.Load(g2 + j), s2, m2);
            Touch(g1 + j + Ahead);
            Touch(g2 + j + Ahead);
            Touch(x1 + j + Ahead);
            Touch(x2 + j + Ahead);
            (Vector512.Load(x1 + j) - (va * Scale(u1, den))).Store(x1 + j);
            (Vector512.Load(x2 + j) - (va * Scale(u2, den))).Store(x2 + j);
            s1 = next1;
            s2 = next2;
        }

        Vector512<float> last1 = Quotient(Vector512.Load(g1 + j), s1, m1);
        Vector512<float> last2 = Quotient(Vector512.Load(g2 + j), s2, m2);
        (Vector512.Load(x1 + j) - (va * Scale(last1, den))).Store(x1 + j);
        (Vector512.Load(x2 + j) - (va * Scale(last2, den))).Store(x2 + j);
        return j + 16;
    }

    /// <summary><c>dst = (g / sqrtf(rr * c))^2</c> for one row segment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FactoredUSquaresRow(float* g, float* c, float rr, int len, float* dst, float* touch, KernelPath path, int sqrtMode)
    {
        int j = 0;
        if (path.Width == 512 && len >= 16)
        {
            // Software-pipelined like FactoredApplyRow: the next vector's square root before this one's division.
            Vector512<float> vrr = Vector512.Create(rr);
            Vector512<float> s = Sqrt(vrr * Vector512.Load(c), sqrtMode);
            for (; j <= len - 32; j += 16)
            {
                Vector512<float> next = Sqrt(vrr * Vector512.Load(c + j + 16), sqrtMode);
                Vector512<float> u = Quotient(Vector512.Load(g + j), s, sqrtMode);
                (u * u).Store(dst + j);
                Touch(touch + j);
                Touch(g + j + Ahead);
                s = next;
            }

            Vector512<float> last = Quotient(Vector512.Load(g + j), s, sqrtMode);
            (last * last).Store(dst + j);
            j += 16;
        }

        if (path.Width >= 256)
        {
            Vector256<float> vrr = Vector256.Create(rr);
            for (; j <= len - 8; j += 8)
            {
                Vector256<float> u = Quotient(Vector256.Load(g + j), Sqrt(vrr * Vector256.Load(c + j), sqrtMode), sqrtMode);
                (u * u).Store(dst + j);
            }
        }

        if (path.Width == 128)
        {
            Vector128<float> vrr = Vector128.Create(rr);
            for (; j <= len - 4; j += 4)
            {
                Vector128<float> u = Quotient(Vector128.Load(g + j), Vector128.Sqrt(vrr * Vector128.Load(c + j)), sqrtMode);
                (u * u).Store(dst + j);
            }
        }

        for (; j < len; j++)
        {
            float u = Quotient(g[j], MathF.Sqrt(rr * c[j]), sqrtMode);
            dst[j] = u * u;
        }
    }

    // ------------------------------------------------------------------------------------------- full velocity (rank < 2)

    /// <summary>
    /// Updates the second moment in place, <c>v = b2t*v + om*(g*g + eps1)</c>, and returns the pairwise sums of
    /// <c>u*u</c> (<c>u = g / sqrtf(v)</c>) and of <c>x*x</c>, in one traversal.
    /// </summary>
    /// <remarks>
    /// With <paramref name="guard"/>, when a zero second moment is possible (<c>RN(om * eps1) == 0</c>: otherwise every
    /// updated <c>v &gt;= RN(om * eps1) &gt; 0</c> by monotonic rounding) the quotient is guarded (<see cref="SqrtGuarded"/>).
    /// </remarks>
    /// <returns>The square-root mode for <see cref="VelocityApply"/>: unchecked when every updated v is in the Newton range.</returns>
    public static int VelocitySums(float* g, float* x, float* v, int n, float eps1, float b2t, float om, float* buffer, KernelPath path, bool guard, out float sumU, out float sumX)
    {
        bool guarded = guard && om * eps1 == 0f;
        var producer = new VelocityProducer(g, v, eps1, b2t, om, path, guarded);
        Pairwise.SumProducedAndSquares(ref producer, x, buffer, 0, n, out sumU, out sumX);
        return guarded ? SqrtGuarded : !path.Newton ? SqrtHardware : producer.Outside ? SqrtChecked : SqrtUnchecked;
    }

    /// <summary>The non-factored update: <c>x -= alpha * ((g / sqrtf(v)) / d)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void VelocityApply(float* x, float* v, float* g, int n, float alpha, float d, KernelPath path, int mode)
    {
        var den = new Denominator(d, path.Newton);
        int j = 0;
        if (path.Width == 512 && n >= 64)
        {
            // The two halves in one software-pipelined loop: twice the memory streams in flight.
            int h = (n / 2) & ~15;
            float* x2 = x + h;
            float* v2 = v + h;
            float* g2 = g + h;
            Vector512<float> va = Vector512.Create(alpha);
            Vector512<float> s1 = Sqrt(Vector512.Load(v), mode);
            Vector512<float> s2 = Sqrt(Vector512.Load(v2), mode);
            for (; j <= h - 32; j += 16)
            {
                Vector512<float> next1 = Sqrt(Vector512.Load(v + j + 16), mode);
                Vector512<float> next2 = Sqrt(Vector512.Load(v2 + j + 16), mode);
                Vector512<float> u1 = Quotient(Vector512.Load(g + j), s1, mode);
                Vector512<float> u2 = Quotient(Vector512.Load(g2 + j), s2, mode);
                Touch(g + j + Ahead);
                Touch(g2 + j + Ahead);
                Touch(v + j + Ahead);
                Touch(v2 + j + Ahead);
                Touch(x + j + Ahead);
                Touch(x2 + j + Ahead);
                (Vector512.Load(x + j) - (va * Scale(u1, den))).Store(x + j);
                (Vector512.Load(x2 + j) - (va * Scale(u2, den))).Store(x2 + j);
                s1 = next1;
                s2 = next2;
            }

            Vector512<float> last1 = Quotient(Vector512.Load(g + j), s1, mode);
            Vector512<float> last2 = Quotient(Vector512.Load(g2 + j), s2, mode);
            (Vector512.Load(x + j) - (va * Scale(last1, den))).Store(x + j);
            (Vector512.Load(x2 + j) - (va * Scale(last2, den))).Store(x2 + j);
            j = 2 * h;
        }

        if (path.Width == 512 && n - j >= 16)
        {
            // Software-pipelined like FactoredApplyRow.
            Vector512<float> va = Vector512.Create(alpha);
            Vector512<float> s = Sqrt(Vector512.Load(v + j), mode);
            for (; j <= n - 32; j += 16)
            {
                Vector512<float> next = Sqrt(Vector512.Load(v + j + 16), mode);
                Vector512<float> u = Quotient(Vector512.Load(g + j), s, mode);
                (Vector512.Load(x + j) - (va * Scale(u, den))).Store(x + j);
                s = next;
            }

            Vector512<float> last = Quotient(Vector512.Load(g + j), s, mode);
            (Vector512.Load(x + j) - (va * Scale(last, den))).Store(x + j);
            j += 16;
        }

        if (path.Width >= 256)
        {
            Vector256<float> va = Vector256.Create(alpha);
            for (; j <= n - 8; j += 8)
            {
                Vector256<float> u = Quotient(Vector256.Load(g + j), Sqrt(Vector256.Load(v + j), mode), mode);
                (Vector256.Load(x + j) - (va * Scale(u, den))).Store(x + j);
            }
        }

        if (path.Width == 128)
        {
            Vector128<float> va = Vector128.Create(alpha);
            for (; j <= n - 4; j += 4)
            {
                Vector128<float> u = Quotient(Vector128.Load(g + j), Vector128.Sqrt(Vector128.Load(v + j)), mode);
                (Vector128.Load(x + j) - (va * Scale(u, den))).Store(x + j);
            }
        }

        for (; j < n; j++)
        {
            x[j] -= alpha * (Quotient(g[j], MathF.Sqrt(v[j]), mode) / d);
        }
    }

    /// <summary>
    /// <c>v = b2t*v + om*(g*g + eps1)</c> stored, and <c>dst = (g / sqrtf(v))^2</c>. Returns true when some updated
    /// <c>v</c> was outside the Newton range (so the update pass must keep checking).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool VelocityUSquares(float* g, float* v, int len, float eps1, float b2t, float om, float* dst, float* touch, KernelPath path, bool guarded)
    {
        int mode = guarded ? SqrtGuarded : AnySqrtMode(path);
        bool outside = false;
        int j = 0;
        if (path.Width == 512)
        {
            Vector512<float> e = Vector512.Create(eps1);
            Vector512<float> vb = Vector512.Create(b2t);
            Vector512<float> vo = Vector512.Create(om);
            if (len >= 16)
            {
                // Software-pipelined like FactoredApplyRow: the next vector's second moment and square root first.
                Vector512<float> gv = Vector512.Load(g);
                Vector512<float> vn = (vb * Vector512.Load(v)) + (vo * ((gv * gv) + e));
                vn.Store(v);
                Vector512<float> s = SqrtNoting(vn, mode, ref outside);
                for (; j <= len - 32; j += 16)
                {
                    Vector512<float> gNext = Vector512.Load(g + j + 16);
                    Vector512<float> vNext = (vb * Vector512.Load(v + j + 16)) + (vo * ((gNext * gNext) + e));
                    vNext.Store(v + j + 16);
                    Vector512<float> sNext = SqrtNoting(vNext, mode, ref outside);
                    Vector512<float> u = Quotient(gv, s, mode);
                    (u * u).Store(dst + j);
                    Touch(touch + j);
                    Touch(g + j + Ahead);
                    Touch(v + j + Ahead);
                    gv = gNext;
                    s = sNext;
                }

                Vector512<float> last = Quotient(gv, s, mode);
                (last * last).Store(dst + j);
                j += 16;
            }
        }

        if (path.Width >= 256)
        {
            Vector256<float> e = Vector256.Create(eps1);
            Vector256<float> vb = Vector256.Create(b2t);
            Vector256<float> vo = Vector256.Create(om);
            for (; j <= len - 8; j += 8)
            {
                Vector256<float> gv = Vector256.Load(g + j);
                Vector256<float> vn = (vb * Vector256.Load(v + j)) + (vo * ((gv * gv) + e));
                vn.Store(v + j);
                Vector256<float> u = Quotient(gv, SqrtNoting(vn, mode, ref outside), mode);
                (u * u).Store(dst + j);
            }
        }

        if (path.Width == 128)
        {
            // The 128-bit tier always uses the divider's square root (no Newton form at this width).
            Vector128<float> e = Vector128.Create(eps1);
            Vector128<float> vb = Vector128.Create(b2t);
            Vector128<float> vo = Vector128.Create(om);
            for (; j <= len - 4; j += 4)
            {
                Vector128<float> gv = Vector128.Load(g + j);
                Vector128<float> vn = (vb * Vector128.Load(v + j)) + (vo * ((gv * gv) + e));
                vn.Store(v + j);
                Vector128<float> u = Quotient(gv, Vector128.Sqrt(vn), mode);
                (u * u).Store(dst + j);
            }
        }

        for (; j < len; j++)
        {
            float gv = g[j];
            float vn = (b2t * v[j]) + (om * ((gv * gv) + eps1));
            v[j] = vn;
            outside |= BitConverter.SingleToUInt32Bits(vn) - ExactMath.SqrtMinBits > ExactMath.SqrtSpan;
            float u = Quotient(gv, MathF.Sqrt(vn), mode);
            dst[j] = u * u;
        }

        return outside;
    }

    /// <summary><see cref="Sqrt(Vector512{float}, int)"/> that also notes whether a lane was outside the Newton range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SqrtNoting(Vector512<float> v, int mode, ref bool outside)
    {
        if (mode != SqrtChecked)
        {
            return Vector512.Sqrt(v);
        }

        Vector512<float> s = ExactMath.SqrtNewton(v);
        if (Vector512.GreaterThanAny(v.AsUInt32() - Vector512.Create(ExactMath.SqrtMinBits), Vector512.Create(ExactMath.SqrtSpan)))
        {
            s = Vector512.Sqrt(v);
            outside = true;
        }

        return s;
    }

    /// <summary>The 256-bit form of <see cref="SqrtNoting(Vector512{float}, int, ref bool)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SqrtNoting(Vector256<float> v, int mode, ref bool outside)
    {
        if (mode != SqrtChecked)
        {
            return Vector256.Sqrt(v);
        }

        Vector256<float> s = ExactMath.SqrtNewton(v);
        if (Vector256.GreaterThanAny(v.AsUInt32() - Vector256.Create(ExactMath.SqrtMinBits), Vector256.Create(ExactMath.SqrtSpan)))
        {
            s = Vector256.Sqrt(v);
            outside = true;
        }

        return s;
    }

    /// <summary>
    /// How far ahead (in floats, 4 KB) the streaming loops ask for their inputs: a single-core pass over memory is
    /// bound by how many cache misses are in flight, and the hardware prefetcher alone keeps too few (a row-statistics
    /// pass over 200 MB took 24 ms without, 15 ms with).
    /// </summary>
    private const int Ahead = 1024;

    /// <summary>A prefetch hint for the cache line at p (never faults, even past the end of an array).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Touch(float* p)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(p);
        }
    }

    // ------------------------------------------------------------------------------------------- sources

    /// <summary>Produces <c>u*u</c> of the factored second moment over the flattened tensor, keeping a row cursor.</summary>
    private struct FactoredProducer(float* g, float* r, float* c, float* rowMeans, float* colMin, float* colMax, int rows, int cols, KernelPath path, bool guard) : ILeafProducer
    {
        private int _pos;
        private int _row;
        private int _col;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Produce(int start, int count, float* dst, float* touch)
        {
            if (start != _pos)
            {
                _row = start / cols;
                _col = start - (_row * cols);
            }

            int p = start;
            int end = start + count;
            while (p < end)
            {
                int len = Math.Min(end - p, cols - _col);
                int block = _row / rows;
                float rr = RowFactor(r[_row], rowMeans[block], guard);
                int mode = RowSqrtMode(path, rr, colMin[block], colMax[block], guard);
                FactoredUSquaresRow(g + p, c + ((long)block * cols) + _col, rr, len, dst, touch, path, mode);
                dst += len;
                touch += len;
                p += len;
                _col += len;
                if (_col == cols)
                {
                    _col = 0;
                    _row++;
                }
            }

            _pos = end;
        }
    }

    /// <summary>Updates the full second moment and produces <c>u*u</c>.</summary>
    private struct VelocityProducer(float* g, float* v, float eps1, float b2t, float om, KernelPath path, bool guarded) : ILeafProducer
    {
        /// <summary>True once some updated v was outside the Newton square root's range.</summary>
        public bool Outside;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Produce(int start, int count, float* dst, float* touch) => Outside |= VelocityUSquares(g + start, v + start, count, eps1, b2t, om, dst, touch, path, guarded);
    }

    /// <summary>A row of <c>g*g + eps1</c>; optionally adds each value into the column accumulator as it is read.</summary>
    private readonly struct RowSquares(float* g, float* acc, float eps1, bool accumulate) : IFloatSource
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load8Halves(int i, out Vector128<float> lo, out Vector128<float> hi)
        {
            Vector128<float> e = Vector128.Create(eps1);
            Vector128<float> gl = Vector128.Load(g + i);
            Vector128<float> gh = Vector128.Load(g + i + 4);
            lo = (gl * gl) + e;
            hi = (gh * gh) + e;
            if (accumulate)
            {
                (Vector128.Load(acc + i) + lo).Store(acc + i);
                (Vector128.Load(acc + i + 4) + hi).Store(acc + i + 4);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

    /// <summary>Rows i and i+1 of <c>g*g + eps1</c>, read together; adds row i then row i+1 into the column sums.</summary>
    /// <remarks>
    /// <paramref name="ahead"/>: how far ahead (in floats) to prefetch each of the two rows: <see cref="Ahead"/> when a
    /// pass streams whole rows; <c>2 * cols</c> (the same columns of the next row pair) when a split pass reads one
    /// column range of every row, where 4 KB ahead would fetch another range's columns instead of its own next ones.
    /// </remarks>
    private readonly struct RowPairSquares(float* g, int cols, float* acc, float eps1, long ahead) : IWideDualSource
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load16(int i, out Vector512<float> a, out Vector512<float> b)
        {
            Vector512<float> e = Vector512.Create(eps1);
            Vector512<float> g0 = Vector512.Load(g + i);
            Vector512<float> g1 = Vector512.Load(g + cols + i);
            Touch(g + i + ahead);
            Touch(g + cols + i + ahead);
            a = (g0 * g0) + e;
            b = (g1 * g1) + e;
            ((Vector512.Load(acc + i) + a) + b).Store(acc + i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load8(int i, out Vector256<float> a, out Vector256<float> b)
        {
            Vector256<float> e = Vector256.Create(eps1);
            Vector256<float> g0 = Vector256.Load(g + i);
            Vector256<float> g1 = Vector256.Load(g + cols + i);
            a = (g0 * g0) + e;
            b = (g1 * g1) + e;
            ((Vector256.Load(acc + i) + a) + b).Store(acc + i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load8Halves(int i, out Vector128<float> aLo, out Vector128<float> aHi, out Vector128<float> bLo, out Vector128<float> bHi)
        {
            Vector128<float> e = Vector128.Create(eps1);
            Vector128<float> g0l = Vector128.Load(g + i);
            Vector128<float> g0h = Vector128.Load(g + i + 4);
            Vector128<float> g1l = Vector128.Load(g + cols + i);
            Vector128<float> g1h = Vector128.Load(g + cols + i + 4);
            aLo = (g0l * g0l) + e;
            aHi = (g0h * g0h) + e;
            bLo = (g1l * g1l) + e;
            bHi = (g1h * g1h) + e;
            ((Vector128.Load(acc + i) + aLo) + bLo).Store(acc + i);
            ((Vector128.Load(acc + i + 4) + aHi) + bHi).Store(acc + i + 4);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load1(int i, out float a, out float b)
        {
            float g0 = g[i];
            float g1 = g[cols + i];
            a = (g0 * g0) + eps1;
            b = (g1 * g1) + eps1;
            acc[i] = (acc[i] + a) + b;
        }
    }
}
