using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNet.Optimizers.Kernels;

/// <summary>A sequence of float32 values read by index (a span plus an element function, or a computed tensor).</summary>
internal interface IFloatSource
{
    /// <summary>Elements i .. i+7.</summary>
    Vector256<float> Load8(int i);

    /// <summary>Element i.</summary>
    float Load1(int i);
}

/// <summary>Two sequences read together, summed with one traversal.</summary>
internal interface IDualSource
{
    void Load8(int i, out Vector256<float> a, out Vector256<float> b);

    void Load1(int i, out float a, out float b);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Combine(Vector256<float> r) =>
        ((r.GetElement(0) + r.GetElement(1)) + (r.GetElement(2) + r.GetElement(3)))
        + ((r.GetElement(4) + r.GetElement(5)) + (r.GetElement(6) + r.GetElement(7)));

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
        public Vector256<float> Load8(int i) => Vector256.Load(p + i);

        public float Load1(int i) => p[i];
    }

    private readonly unsafe struct SquareSource(float* p) : IFloatSource
    {
        public Vector256<float> Load8(int i)
        {
            Vector256<float> v = Vector256.Load(p + i);
            return v * v;
        }

        public float Load1(int i) => p[i] * p[i];
    }

    private readonly unsafe struct DividedSquareSource(float* p, float d) : IFloatSource
    {
        public Vector256<float> Load8(int i)
        {
            Vector256<float> v = Vector256.Load(p + i) / Vector256.Create(d);
            return v * v;
        }

        public float Load1(int i)
        {
            float v = p[i] / d;
            return v * v;
        }
    }
}
