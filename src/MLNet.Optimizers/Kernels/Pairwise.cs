using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Optimizers.Kernels;

/// <summary>A sequence of float32 values read by index (a span plus an element function, or a computed tensor).</summary>
internal interface IFloatSource
{
    /// <summary>Elements i .. i+7.</summary>
    Vector256<float> Load8(int i);

    /// <summary>Elements i .. i+7 as two 128-bit halves (the 128-bit tier: the same values, lanes 0-3 and 4-7).</summary>
    void Load8Halves(int i, out Vector128<float> lo, out Vector128<float> hi);

    /// <summary>Element i.</summary>
    float Load1(int i);
}

/// <summary>Two sequences read together, summed with one traversal.</summary>
internal interface IDualSource
{
    void Load8(int i, out Vector256<float> a, out Vector256<float> b);

    /// <summary>Elements i .. i+7 of both sequences as 128-bit halves.</summary>
    void Load8Halves(int i, out Vector128<float> aLo, out Vector128<float> aHi, out Vector128<float> bLo, out Vector128<float> bHi);

    void Load1(int i, out float a, out float b);
}

/// <summary>
/// A <see cref="IDualSource"/> that can also produce 16 consecutive values of each sequence at once (two 8-value groups,
/// lower half first), so that the values are computed with 512-bit instructions.
/// </summary>
internal interface IWideDualSource : IDualSource
{
    void Load16(int i, out Vector512<float> a, out Vector512<float> b);
}

/// <summary>Computes the values of a pairwise sum, a contiguous run at a time.</summary>
internal unsafe interface ILeafProducer
{
    /// <summary>
    /// Writes values start .. start+count-1 to <paramref name="dst"/>; called in increasing order of start. While it
    /// reads its own inputs it should prefetch <paramref name="touch"/>[0 .. count) (the other sum's data), so that both
    /// streams are in flight together.
    /// </summary>
    void Produce(int start, int count, float* dst, float* touch);
}

/// <summary>
/// NumPy's float32 pairwise summation, bit for bit: blocks of at most 128 values are summed with eight running
/// accumulators (one <see cref="Vector256{T}"/>), combined as <c>((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))</c>, then the tail
/// is added left to right; longer inputs split at <c>n/2</c> rounded down to a multiple of 8. Fewer than 8 values are
/// summed left to right starting from +0.
/// </summary>
internal static class Pairwise
{
    public const int BlockSize = 128;

    /// <summary>
    /// Forces the 128-bit tier on this thread (tests: the tier that ARM64 and other processors without 256-bit vectors
    /// run; the same eight running sums, held as two 128-bit registers, so the same bits).
    /// </summary>
    internal static bool ForceVector128
    {
        get => t_force128;
        set
        {
            t_force128 = value;
            s_everForced |= value;
        }
    }

    [ThreadStatic]
    private static bool t_force128;

    /// <summary>Whether any thread ever forced the tier (so that normal runs never read the thread-static flag).</summary>
    private static bool s_everForced;

    private static readonly bool Prefer128 = !Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated;

    private static bool Use128 => Prefer128 || (s_everForced && t_force128);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

        if (Use128)
        {
            return Leaf128(ref src, start, n);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Leaf128<T>(ref T src, int start, int n)
        where T : struct, IFloatSource
    {
        src.Load8Halves(start, out Vector128<float> lo, out Vector128<float> hi);
        int i = 8;
        int lim = n - (n % 8);
        for (; i < lim; i += 8)
        {
            src.Load8Halves(start + i, out Vector128<float> xl, out Vector128<float> xh);
            lo += xl;
            hi += xh;
        }

        float res = Combine(lo, hi);
        for (; i < n; i++)
        {
            res += src.Load1(start + i);
        }

        return res;
    }

    /// <summary><see cref="Combine(Vector256{float})"/> of the eight sums held as two halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Combine(Vector128<float> lo, Vector128<float> hi) =>
        ((lo.GetElement(0) + lo.GetElement(1)) + (lo.GetElement(2) + lo.GetElement(3)))
        + ((hi.GetElement(0) + hi.GetElement(1)) + (hi.GetElement(2) + hi.GetElement(3)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        if (Use128)
        {
            Leaf2Of128(ref src, start, n, out a, out b);
            return;
        }

        // Temporaries for the out arguments: the running sums themselves must not have their address taken, or the
        // JIT keeps them in memory and every add waits for a store.
        src.Load8(start, out Vector256<float> a0, out Vector256<float> b0);
        Vector256<float> ra = a0;
        Vector256<float> rb = b0;
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Leaf2Of128<T>(ref T src, int start, int n, out float a, out float b)
        where T : struct, IDualSource
    {
        src.Load8Halves(start, out Vector128<float> al0, out Vector128<float> ah0, out Vector128<float> bl0, out Vector128<float> bh0);
        Vector128<float> al = al0, ah = ah0, bl = bl0, bh = bh0;
        int i = 8;
        int lim = n - (n % 8);
        for (; i < lim; i += 8)
        {
            src.Load8Halves(start + i, out Vector128<float> xal, out Vector128<float> xah, out Vector128<float> xbl, out Vector128<float> xbh);
            al += xal;
            ah += xah;
            bl += xbl;
            bh += xbh;
        }

        a = Combine(al, ah);
        b = Combine(bl, bh);
        for (; i < n; i++)
        {
            src.Load1(start + i, out float x, out float y);
            a += x;
            b += y;
        }
    }

    /// <summary>
    /// <see cref="Sum2{T}"/> for a source that computes 16 values at a time: the 8 running sums still add one 8-value
    /// group after the other (lower half, then upper half), so the result is the same bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sum2Wide<T>(ref T src, int start, int n, out float a, out float b)
        where T : struct, IWideDualSource
    {
        if (!Vector512.IsHardwareAccelerated || Use128)
        {
            Sum2(ref src, start, n, out a, out b);
            return;
        }

        if (n <= BlockSize)
        {
            Leaf2Wide(ref src, start, n, out a, out b);
            return;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        Sum2Wide(ref src, start, n2, out float a1, out float b1);
        Sum2Wide(ref src, start + n2, n - n2, out float a2, out float b2);
        a = a1 + a2;
        b = b1 + b2;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Leaf2Wide<T>(ref T src, int start, int n, out float a, out float b)
        where T : struct, IWideDualSource
    {
        if (n < 8)
        {
            Leaf2(ref src, start, n, out a, out b);
            return;
        }

        int lim = n - (n % 8);
        int i;
        Vector256<float> ra, rb;
        if (lim >= 16)
        {
            src.Load16(start, out Vector512<float> wa, out Vector512<float> wb);
            ra = wa.GetLower() + wa.GetUpper();
            rb = wb.GetLower() + wb.GetUpper();
            i = 16;
        }
        else
        {
            src.Load8(start, out Vector256<float> a0, out Vector256<float> b0);
            ra = a0;
            rb = b0;
            i = 8;
        }

        for (; i + 16 <= lim; i += 16)
        {
            src.Load16(start + i, out Vector512<float> wa, out Vector512<float> wb);
            ra += wa.GetLower();
            rb += wb.GetLower();
            ra += wa.GetUpper();
            rb += wb.GetUpper();
        }

        if (i < lim)
        {
            src.Load8(start + i, out Vector256<float> xa, out Vector256<float> xb);
            ra += xa;
            rb += xb;
            i += 8;
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

    /// <summary>Values a producer computes at once, ahead of their pairwise sum (<see cref="SumProducedAndSquares{T}"/>).</summary>
    public const int ChunkSize = 1024;

    /// <summary>
    /// Two pairwise sums in one traversal: of values a producer computes into <paramref name="buffer"/> (at least
    /// <see cref="ChunkSize"/> floats), and of <c>x*x</c>. The producer fills whole subtrees of at most
    /// <see cref="ChunkSize"/> values at a time (long loops for the producer), then the subtree is summed from the
    /// buffer by leaf loops without calls, so the running sums stay in registers and independent leaves overlap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void SumProducedAndSquares<T>(ref T producer, float* x, float* buffer, int start, int n, out float a, out float b)
        where T : struct, ILeafProducer
    {
        if (n <= ChunkSize)
        {
            producer.Produce(start, n, buffer, x + start);
            SumAndSquares(buffer, x + start, n, out a, out b);
            return;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        SumProducedAndSquares(ref producer, x, buffer, start, n2, out float a1, out float b1);
        SumProducedAndSquares(ref producer, x, buffer, start + n2, n - n2, out float a2, out float b2);
        a = a1 + a2;
        b = b1 + b2;
    }

    /// <summary>Pairwise sums of <c>p</c> and of <c>x*x</c> (two arrays of length n) in one traversal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void SumAndSquares(float* p, float* x, int n, out float a, out float b)
    {
        if (n <= BlockSize)
        {
            LeafAndSquares(p, x, n, out a, out b);
            return;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        if (n - n2 <= BlockSize && Vector512.IsHardwareAccelerated && !Use128)
        {
            // Both halves are leaves: sum them in one loop, so that their dependency chains overlap.
            LeafPairAndSquares(p, x, n2, n - n2, out float la, out float lb, out float ra, out float rb);
            a = la + ra;
            b = lb + rb;
            return;
        }

        SumAndSquares(p, x, n2, out float a1, out float b1);
        SumAndSquares(p + n2, x + n2, n - n2, out float a2, out float b2);
        a = a1 + a2;
        b = b1 + b2;
    }

    /// <summary>
    /// Two adjacent leaves, [0, n1) and [n1, n1 + n2) with n1 a multiple of 8 and both at least 16 long, each summed
    /// exactly as <see cref="LeafAndSquares"/> sums it; the loop advances both at once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void LeafPairAndSquares(float* p, float* x, int n1, int n2, out float a1, out float b1, out float a2, out float b2)
    {
        float* q = p + n1;
        float* y = x + n1;
        int lim2 = n2 - (n2 % 8);
        Vector512<float> wa = Vector512.Load(p);
        Vector512<float> wx = Vector512.Load(x);
        Vector512<float> wb = wx * wx;
        Vector512<float> va = Vector512.Load(q);
        Vector512<float> vy = Vector512.Load(y);
        Vector512<float> vb = vy * vy;
        Vector256<float> ra1 = wa.GetLower() + wa.GetUpper();
        Vector256<float> rb1 = wb.GetLower() + wb.GetUpper();
        Vector256<float> ra2 = va.GetLower() + va.GetUpper();
        Vector256<float> rb2 = vb.GetLower() + vb.GetUpper();
        int common = Math.Min(n1, lim2);
        int i = 16;
        for (; i + 16 <= common; i += 16)
        {
            wa = Vector512.Load(p + i);
            wx = Vector512.Load(x + i);
            va = Vector512.Load(q + i);
            vy = Vector512.Load(y + i);
            wb = wx * wx;
            vb = vy * vy;
            ra1 += wa.GetLower();
            rb1 += wb.GetLower();
            ra2 += va.GetLower();
            rb2 += vb.GetLower();
            ra1 += wa.GetUpper();
            rb1 += wb.GetUpper();
            ra2 += va.GetUpper();
            rb2 += vb.GetUpper();
        }

        int j = i;
        for (; i < n1; i += 8)
        {
            Vector256<float> x8 = Vector256.Load(x + i);
            ra1 += Vector256.Load(p + i);
            rb1 += x8 * x8;
        }

        for (; j < lim2; j += 8)
        {
            Vector256<float> y8 = Vector256.Load(y + j);
            ra2 += Vector256.Load(q + j);
            rb2 += y8 * y8;
        }

        a1 = Combine(ra1);
        b1 = Combine(rb1);
        a2 = Combine(ra2);
        b2 = Combine(rb2);
        for (; j < n2; j++)
        {
            a2 += q[j];
            b2 += y[j] * y[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void LeafAndSquares(float* p, float* x, int n, out float a, out float b)
    {
        if (n < 8)
        {
            a = 0f;
            b = 0f;
            for (int k = 0; k < n; k++)
            {
                a += p[k];
                b += x[k] * x[k];
            }

            return;
        }

        if (Use128)
        {
            LeafAndSquares128(p, x, n, out a, out b);
            return;
        }

        int lim = n - (n % 8);
        int i;
        Vector256<float> ra, rb;
        if (Vector512.IsHardwareAccelerated && lim >= 16)
        {
            Vector512<float> wa = Vector512.Load(p);
            Vector512<float> wx = Vector512.Load(x);
            Vector512<float> wb = wx * wx;
            ra = wa.GetLower() + wa.GetUpper();
            rb = wb.GetLower() + wb.GetUpper();
            for (i = 16; i + 16 <= lim; i += 16)
            {
                wa = Vector512.Load(p + i);
                wx = Vector512.Load(x + i);
                wb = wx * wx;
                ra += wa.GetLower();
                rb += wb.GetLower();
                ra += wa.GetUpper();
                rb += wb.GetUpper();
            }
        }
        else
        {
            Vector256<float> x8 = Vector256.Load(x);
            ra = Vector256.Load(p);
            rb = x8 * x8;
            i = 8;
        }

        for (; i < lim; i += 8)
        {
            Vector256<float> x8 = Vector256.Load(x + i);
            ra += Vector256.Load(p + i);
            rb += x8 * x8;
        }

        a = Combine(ra);
        b = Combine(rb);
        for (; i < n; i++)
        {
            a += p[i];
            b += x[i] * x[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void LeafAndSquares128(float* p, float* x, int n, out float a, out float b)
    {
        int lim = n - (n % 8);
        Vector128<float> xl = Vector128.Load(x), xh = Vector128.Load(x + 4);
        Vector128<float> al = Vector128.Load(p), ah = Vector128.Load(p + 4);
        Vector128<float> bl = xl * xl, bh = xh * xh;
        int i = 8;
        for (; i < lim; i += 8)
        {
            xl = Vector128.Load(x + i);
            xh = Vector128.Load(x + i + 4);
            al += Vector128.Load(p + i);
            ah += Vector128.Load(p + i + 4);
            bl += xl * xl;
            bh += xh * xh;
        }

        a = Combine(al, ah);
        b = Combine(bl, bh);
        for (; i < n; i++)
        {
            a += p[i];
            b += x[i] * x[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Combine(Vector256<float> r)
    {
        if (Avx.IsSupported)
        {
            // The same additions, same operand order, in-register: lanes (0+1), (2+3), (4+5), (6+7), then
            // (01+23) and (45+67), then the two halves.
            Vector256<float> t = r + Avx.Permute(r, 0xB1);
            Vector256<float> u = t + Avx.Permute(t, 0x4E);
            return u.ToScalar() + u.GetUpper().ToScalar();
        }

        return ((r.GetElement(0) + r.GetElement(1)) + (r.GetElement(2) + r.GetElement(3)))
            + ((r.GetElement(4) + r.GetElement(5)) + (r.GetElement(6) + r.GetElement(7)));
    }

    /// <summary>Pairwise sum of a span.</summary>
    public static unsafe float Sum(ReadOnlySpan<float> x)
    {
        fixed (float* p = x)
        {
            var s = new SpanSource(p);
            return Sum(ref s, 0, x.Length);
        }
    }

    /// <summary>Pairwise sum of <c>x*x</c> (each square rounded to float32).</summary>
    public static unsafe float SumOfSquares(ReadOnlySpan<float> x)
    {
        fixed (float* p = x)
        {
            var s = new SquareSource(p);
            return Sum(ref s, 0, x.Length);
        }
    }

    /// <summary>Pairwise sum of <c>x*x</c>, split across threads where the pairwise tree splits (same bits as one thread).</summary>
    public static unsafe float SumOfSquares(ReadOnlySpan<float> x, Threading t)
    {
        fixed (float* p = x)
        {
            var s = new SquareSource(p);
            return SumParallel(ref s, x.Length, t);
        }
    }

    /// <summary><see cref="SumOfSquaresDivided(ReadOnlySpan{float}, float)"/> split across threads where the tree splits.</summary>
    public static unsafe float SumOfSquaresDivided(ReadOnlySpan<float> x, float divisor, Threading t)
    {
        fixed (float* p = x)
        {
            var s = new DividedSquareSource(p, divisor);
            return SumParallel(ref s, x.Length, t);
        }
    }

    /// <summary>The most subtrees a split reduction uses (a power of two).</summary>
    public const int MaxSubtrees = 64;

    /// <summary>
    /// The depth at which a reduction over <paramref name="n"/> values is split: the largest d with
    /// <c>2^d &lt;= min(MaxSubtrees, n / partLength)</c>, 0 (no split) below the threshold or on one thread. A function of n
    /// and the settings only; the sum is the same bits at every depth, because each subtree is summed exactly as the
    /// serial recursion sums it and the subtree results are then added in the tree's order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int SplitDepth(long n, Threading t)
    {
        if (t.Parts(n) <= 1)
        {
            return 0;
        }

        long target = Math.Min(MaxSubtrees, n / Math.Max(1, t.PartLength));
        int d = 0;
        while ((2L << d) <= target)
        {
            d++;
        }

        return d;
    }

    /// <summary>
    /// Lists the subtrees of [start, start + n) at <paramref name="depth"/> (fewer where a node is a leaf first), in
    /// order; returns the next free index.
    /// </summary>
    public static int Subtrees(int start, int n, int depth, int leaf, Span<int> starts, Span<int> lengths, int index)
    {
        if (depth == 0 || n <= leaf)
        {
            starts[index] = start;
            lengths[index] = n;
            return index + 1;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        index = Subtrees(start, n2, depth - 1, leaf, starts, lengths, index);
        return Subtrees(start + n2, n - n2, depth - 1, leaf, starts, lengths, index);
    }

    /// <summary>Adds subtree results in the order the recursion would (the inverse of <see cref="Subtrees"/>).</summary>
    public static float Combine(int n, int depth, int leaf, ReadOnlySpan<float> results, ref int index)
    {
        if (depth == 0 || n <= leaf)
        {
            return results[index++];
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        float a = Combine(n2, depth - 1, leaf, results, ref index);
        float b = Combine(n - n2, depth - 1, leaf, results, ref index);
        return a + b;
    }

    private unsafe struct SumContext<T>
        where T : unmanaged, IFloatSource
    {
        public T Source;
        public fixed int Starts[MaxSubtrees];
        public fixed int Lengths[MaxSubtrees];
        public fixed float Results[MaxSubtrees];
    }

    private static unsafe float SumParallel<T>(ref T src, int n, Threading t)
        where T : unmanaged, IFloatSource
    {
        int depth = SplitDepth(n, t);
        if (depth == 0)
        {
            return Sum(ref src, 0, n);
        }

        var c = new SumContext<T> { Source = src };
        int parts = Subtrees(0, n, depth, BlockSize, new Span<int>(c.Starts, MaxSubtrees), new Span<int>(c.Lengths, MaxSubtrees), 0);
        KernelThreads.Run(parts, t.Threads, &SumPart<T>, &c);
        int index = 0;
        return Combine(n, depth, BlockSize, new ReadOnlySpan<float>(c.Results, MaxSubtrees), ref index);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SumPart<T>(void* context, int part)
        where T : unmanaged, IFloatSource
    {
        ref SumContext<T> c = ref *(SumContext<T>*)context;
        T src = c.Source;
        c.Results[part] = Sum(ref src, c.Starts[part], c.Lengths[part]);
    }

    /// <summary>Pairwise sum of <c>(x/d)*(x/d)</c>: the squared norm of a loss-scaled gradient after the scale is undone.</summary>
    public static unsafe float SumOfSquaresDivided(ReadOnlySpan<float> x, float divisor)
    {
        fixed (float* p = x)
        {
            var s = new DividedSquareSource(p, divisor);
            return Sum(ref s, 0, x.Length);
        }
    }

    /// <summary>Mean as NumPy computes it: <c>f32(pairwise_sum / n)</c>; a single value is itself.</summary>
    public static float Mean(ReadOnlySpan<float> x) => x.Length == 1 ? x[0] : Sum(x) / x.Length;

    /// <summary>Root mean square as Keras's Adafactor computes it: <c>sqrtf(mean(x*x))</c>.</summary>
    public static float Rms(ReadOnlySpan<float> x)
    {
        float ms = x.Length == 1 ? x[0] * x[0] : SumOfSquares(x) / x.Length;
        return MathF.Sqrt(ms);
    }

    private readonly unsafe struct SpanSource(float* p) : IFloatSource
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Load8(int i) => Vector256.Load(p + i);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load8Halves(int i, out Vector128<float> lo, out Vector128<float> hi)
        {
            lo = Vector128.Load(p + i);
            hi = Vector128.Load(p + i + 4);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Load1(int i) => p[i];
    }

    private readonly unsafe struct SquareSource(float* p) : IFloatSource
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Load8(int i)
        {
            Vector256<float> v = Vector256.Load(p + i);
            return v * v;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load8Halves(int i, out Vector128<float> lo, out Vector128<float> hi)
        {
            Vector128<float> l = Vector128.Load(p + i);
            Vector128<float> h = Vector128.Load(p + i + 4);
            lo = l * l;
            hi = h * h;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Load1(int i) => p[i] * p[i];
    }

    private readonly unsafe struct DividedSquareSource(float* p, float d) : IFloatSource
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Load8(int i)
        {
            Vector256<float> v = Vector256.Load(p + i) / Vector256.Create(d);
            return v * v;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load8Halves(int i, out Vector128<float> lo, out Vector128<float> hi)
        {
            Vector128<float> l = Vector128.Load(p + i) / Vector128.Create(d);
            Vector128<float> h = Vector128.Load(p + i + 4) / Vector128.Create(d);
            lo = l * l;
            hi = h * h;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Load1(int i)
        {
            float v = p[i] / d;
            return v * v;
        }
    }
}
