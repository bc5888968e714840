using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MLNet.Optimizers.Kernels;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Models;

/// <summary>
/// The non-GEMM work of a dense layer's training step, in one place: bias and activation (forward), activation and
/// dropout derivative (backward), the bias gradient, dropout, the softmax cross-entropy head and the prediction heads.
/// Pointer in, pointer out, allocation-free; each element function is written once over <see cref="ISimd{TSelf}"/> and
/// runs as 512-, 256- and 128-bit vectors with a scalar tail, every width giving the same bits (the tests force each
/// width and compare with a separate scalar reference). Large inputs are split into parts fixed by their size (rows,
/// columns or elements) and run on <see cref="KernelThreads"/>, so the result is the same for any thread count.
/// </summary>
/// <remarks>
/// The transcendental functions are float32 formulas of plain IEEE operations (no fused multiply-add, no library
/// call), so that the vector and scalar forms agree bit for bit: <see cref="Exp{T}"/> is Cody-Waite range reduction
/// with a degree-6 polynomial (within 2 ulp of <c>exp</c> over the float range), and sigmoid, tanh, erf (GELU) are built
/// on it.
/// </remarks>
internal static unsafe class LayerKernels
{
    /// <summary>Below this many elements a kernel runs on the calling thread.</summary>
    public const int MinParallelElements = 1 << 17;

    /// <summary>Elements per part when a kernel is split (a multiple of 16).</summary>
    public const int PartElements = 1 << 14;

    // --------------------------------------------------------------------------------------------- element functions

    /// <summary><c>e^x</c> in float32 (NaN stays NaN; overflow is +∞; below ln(2^-150), +0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp<T>(T x)
        where T : struct, ISimd<T>
    {
        T hi = T.Splat(88.7228317f);
        T lo = T.Splat(-103.972084f);
        T xc = Simd.Min(Simd.Max(x, lo), hi);
        T k = T.Floor(T.Add(T.Mul(xc, T.Splat(1.44269504f)), T.Splat(0.5f)));
        T r = T.Sub(T.Sub(xc, T.Mul(k, T.Splat(0.693359375f))), T.Mul(k, T.Splat(-2.12194440e-4f)));
        T p = T.Splat(1.9875691500e-4f);
        p = T.Add(T.Mul(p, r), T.Splat(1.3981999507e-3f));
        p = T.Add(T.Mul(p, r), T.Splat(8.3334519073e-3f));
        p = T.Add(T.Mul(p, r), T.Splat(4.1665795894e-2f));
        p = T.Add(T.Mul(p, r), T.Splat(1.6666665459e-1f));
        p = T.Add(T.Mul(p, r), T.Splat(5.0000001201e-1f));
        T y = T.Add(T.Add(T.Mul(p, T.Mul(r, r)), r), T.Splat(1f));
        T e = T.ScaleByPowerOfTwo(y, k);
        e = T.Select(T.GreaterThan(x, hi), T.Splat(float.PositiveInfinity), e);
        e = T.Select(T.LessThan(x, lo), T.Splat(0f), e);
        return T.Select(T.IsNotNaN(x), e, x);
    }

    /// <summary>Logistic sigmoid <c>1 / (1 + e^-x)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T x)
        where T : struct, ISimd<T>
    {
        T one = T.Splat(1f);
        return T.Div(one, T.Add(one, Exp(T.Sub(T.Splat(0f), x))));
    }

    /// <summary>Hyperbolic tangent: an odd polynomial below 0.625 in magnitude, <c>1 - 2/(e^(2|x|) + 1)</c> with the sign of x above.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Tanh<T>(T x)
        where T : struct, ISimd<T>
    {
        T a = Simd.Abs(x);
        T z = T.Mul(x, x);
        T p = T.Splat(-5.70498872745e-3f);
        p = T.Add(T.Mul(p, z), T.Splat(2.06390887954e-2f));
        p = T.Add(T.Mul(p, z), T.Splat(-5.37397155531e-2f));
        p = T.Add(T.Mul(p, z), T.Splat(1.33314422036e-1f));
        p = T.Add(T.Mul(p, z), T.Splat(-3.33332819422e-1f));
        T small = T.Add(T.Mul(T.Mul(p, z), x), x);
        T one = T.Splat(1f);
        T e = Exp(T.Add(a, a));
        T large = Simd.CopySign(T.Sub(one, T.Div(T.Splat(2f), T.Add(e, one))), x);
        return T.Select(T.LessThan(a, T.Splat(0.625f)), small, large);
    }

    /// <summary>erf(x) to about 1e-7 absolute (the Numerical Recipes erfc form: fractional error below 1.2e-7), in float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Erf<T>(T x)
        where T : struct, ISimd<T>
    {
        T z = Simd.Abs(x);
        T one = T.Splat(1f);
        T t = T.Div(one, T.Add(one, T.Mul(T.Splat(0.5f), z)));
        T p = T.Splat(0.17087277f);
        p = T.Add(T.Mul(p, t), T.Splat(-0.82215223f));
        p = T.Add(T.Mul(p, t), T.Splat(1.48851587f));
        p = T.Add(T.Mul(p, t), T.Splat(-1.13520398f));
        p = T.Add(T.Mul(p, t), T.Splat(0.27886807f));
        p = T.Add(T.Mul(p, t), T.Splat(-0.18628806f));
        p = T.Add(T.Mul(p, t), T.Splat(0.09678418f));
        p = T.Add(T.Mul(p, t), T.Splat(0.37409196f));
        p = T.Add(T.Mul(p, t), T.Splat(1.00002368f));
        p = T.Add(T.Mul(p, t), T.Splat(-1.26551223f));
        T r = T.Mul(t, Exp(T.Sub(p, T.Mul(z, z))));
        return T.Select(T.LessThan(x, T.Splat(0f)), T.Sub(r, one), T.Sub(one, r));
    }

    private const float InvSqrt2 = 0.707106781f;
    private const float InvSqrt2Pi = 0.398942280f;

    /// <summary>GELU, <c>0.5 x (1 + erf(x / √2))</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Gelu<T>(T x)
        where T : struct, ISimd<T>
    {
        T cdf = T.Mul(T.Splat(0.5f), T.Add(T.Splat(1f), Erf(T.Mul(x, T.Splat(InvSqrt2)))));
        return T.Mul(x, cdf);
    }

    /// <summary>GELU's derivative, <c>Φ(x) + x φ(x)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T GeluDerivative<T>(T x)
        where T : struct, ISimd<T>
    {
        T cdf = T.Mul(T.Splat(0.5f), T.Add(T.Splat(1f), Erf(T.Mul(x, T.Splat(InvSqrt2)))));
        T pdf = T.Mul(T.Splat(InvSqrt2Pi), Exp(T.Mul(T.Splat(-0.5f), T.Mul(x, x))));
        return T.Add(cdf, T.Mul(x, pdf));
    }

    /// <summary>The scalar sigmoid (the binary head).</summary>
    public static float Sigmoid(float x) => Sigmoid(new S1(x)).V;

    // --------------------------------------------------------------------------------------------- activations as types

    /// <summary>An activation and its derivative (from the pre-activation z and the activation h).</summary>
    private interface IActivation
    {
        static abstract T Forward<T>(T z)
            where T : struct, ISimd<T>;

        /// <summary>delta * f'(z).</summary>
        static abstract T Backward<T>(T z, T h, T delta)
            where T : struct, ISimd<T>;
    }

    private readonly struct IdentityAct : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Forward<T>(T z)
            where T : struct, ISimd<T> => z;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Backward<T>(T z, T h, T delta)
            where T : struct, ISimd<T> => delta;
    }

    private readonly struct ReluAct : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Forward<T>(T z)
            where T : struct, ISimd<T> => T.Select(T.GreaterThan(z, T.Splat(0f)), z, T.Splat(0f));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Backward<T>(T z, T h, T delta)
            where T : struct, ISimd<T> => T.Select(T.GreaterThan(z, T.Splat(0f)), delta, T.Splat(0f));
    }

    private readonly struct TanhAct : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Forward<T>(T z)
            where T : struct, ISimd<T> => Tanh(z);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Backward<T>(T z, T h, T delta)
            where T : struct, ISimd<T> => T.Mul(delta, T.Sub(T.Splat(1f), T.Mul(h, h)));
    }

    private readonly struct SigmoidAct : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Forward<T>(T z)
            where T : struct, ISimd<T> => Sigmoid(z);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Backward<T>(T z, T h, T delta)
            where T : struct, ISimd<T> => T.Mul(delta, T.Mul(h, T.Sub(T.Splat(1f), h)));
    }

    private readonly struct GeluAct : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Forward<T>(T z)
            where T : struct, ISimd<T> => Gelu(z);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Backward<T>(T z, T h, T delta)
            where T : struct, ISimd<T> => T.Mul(delta, GeluDerivative(z));
    }

    // --------------------------------------------------------------------------------------------- bias + activation

    private struct BiasContext
    {
        public float* Z;
        public float* H;
        public float* Bias;
        public int Rows;
        public int Cols;
        public int RowsPerPart;
        public int Width;
    }

    /// <summary>
    /// <c>z[r, j] += bias[j]</c>, then <c>h = f(z)</c> (<paramref name="activation"/> null: <c>h = z</c>), for a
    /// row-major [rows, cols] block.
    /// </summary>
    public static void BiasActivation(Span<float> z, Span<float> h, ReadOnlySpan<float> bias, int rows, int cols, Activation? activation, int threads, int width = -1)
    {
        Check(z.Length >= (long)rows * cols && h.Length >= (long)rows * cols && bias.Length >= cols);
        fixed (float* pz = z)
        fixed (float* ph = h)
        fixed (float* pb = bias)
        {
            var c = new BiasContext { Z = pz, H = ph, Bias = pb, Rows = rows, Cols = cols, Width = width < 0 ? Simd.BestWidth : width };
            int parts = RowParts(rows, cols, out c.RowsPerPart);
            delegate*<void*, int, void> body = activation switch
            {
                null => &BiasPart<IdentityAct>,
                Activation.ReLU => &BiasPart<ReluAct>,
                Activation.Tanh => &BiasPart<TanhAct>,
                Activation.Sigmoid => &BiasPart<SigmoidAct>,
                _ => &BiasPart<GeluAct>,
            };
            KernelThreads.Run(parts, threads, body, &c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BiasPart<TAct>(void* context, int part)
        where TAct : struct, IActivation
    {
        ref BiasContext c = ref *(BiasContext*)context;
        int r0 = part * c.RowsPerPart;
        int r1 = Math.Min(c.Rows, r0 + c.RowsPerPart);
        ref float b = ref *c.Bias;
        for (int r = r0; r < r1; r++)
        {
            ref float z = ref c.Z[(long)r * c.Cols];
            ref float h = ref c.H[(long)r * c.Cols];
            int j = 0;
            if (c.Width >= 512 && V512.IsAccelerated)
            {
                j = BiasRow<TAct, V512>(ref z, ref h, ref b, j, c.Cols);
            }

            if (c.Width >= 256 && V256.IsAccelerated)
            {
                j = BiasRow<TAct, V256>(ref z, ref h, ref b, j, c.Cols);
            }

            if (c.Width >= 128 && V128.IsAccelerated)
            {
                j = BiasRow<TAct, V128>(ref z, ref h, ref b, j, c.Cols);
            }

            BiasRow<TAct, S1>(ref z, ref h, ref b, j, c.Cols);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BiasRow<TAct, T>(ref float z, ref float h, ref float b, int j, int n)
        where TAct : struct, IActivation
        where T : struct, ISimd<T>
    {
        for (; j <= n - T.Count; j += T.Count)
        {
            nuint k = (nuint)j;
            T v = T.Add(T.Load(ref z, k), T.Load(ref b, k));
            T.Store(v, ref z, k);
            T.Store(TAct.Forward(v), ref h, k);
        }

        return j;
    }

    // --------------------------------------------------------------------------------------------- activation backward

    private struct BackwardContext
    {
        public float* Z;
        public float* H;
        public float* Delta;
        public float* Mask;
        public long Length;
        public int Width;
    }

    /// <summary>
    /// The backward pass through a hidden layer's dropout and activation, in place: <c>delta = (delta * mask) * f'(z)</c>
    /// (without the mask when <paramref name="mask"/> is empty).
    /// </summary>
    public static void ActivationBackward(Activation activation, ReadOnlySpan<float> z, ReadOnlySpan<float> h, Span<float> delta, ReadOnlySpan<float> mask, int threads, int width = -1)
    {
        long n = delta.Length;
        Check(z.Length >= n && h.Length >= n && (mask.IsEmpty || mask.Length >= n));
        fixed (float* pz = z)
        fixed (float* ph = h)
        fixed (float* pd = delta)
        fixed (float* pm = mask)
        {
            var c = new BackwardContext { Z = pz, H = ph, Delta = pd, Mask = mask.IsEmpty ? null : pm, Length = n, Width = width < 0 ? Simd.BestWidth : width };
            int parts = KernelThreads.PartsFor(n, MinParallelElements, PartElements);
            delegate*<void*, int, void> body = activation switch
            {
                Activation.ReLU => &BackwardPart<ReluAct>,
                Activation.Tanh => &BackwardPart<TanhAct>,
                Activation.Sigmoid => &BackwardPart<SigmoidAct>,
                _ => &BackwardPart<GeluAct>,
            };
            KernelThreads.Run(parts, threads, body, &c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardPart<TAct>(void* context, int part)
        where TAct : struct, IActivation
    {
        ref BackwardContext c = ref *(BackwardContext*)context;
        PartRange(c.Length, part, out long start, out long end);
        ref float z = ref c.Z[start];
        ref float h = ref c.H[start];
        ref float d = ref c.Delta[start];
        int n = (int)(end - start);
        int i = 0;
        if (c.Mask is null)
        {
            if (c.Width >= 512 && V512.IsAccelerated)
            {
                i = BackwardRange<TAct, V512>(ref z, ref h, ref d, i, n);
            }

            if (c.Width >= 256 && V256.IsAccelerated)
            {
                i = BackwardRange<TAct, V256>(ref z, ref h, ref d, i, n);
            }

            if (c.Width >= 128 && V128.IsAccelerated)
            {
                i = BackwardRange<TAct, V128>(ref z, ref h, ref d, i, n);
            }

            BackwardRange<TAct, S1>(ref z, ref h, ref d, i, n);
            return;
        }

        ref float m = ref c.Mask[start];
        if (c.Width >= 512 && V512.IsAccelerated)
        {
            i = BackwardMaskedRange<TAct, V512>(ref z, ref h, ref d, ref m, i, n);
        }

        if (c.Width >= 256 && V256.IsAccelerated)
        {
            i = BackwardMaskedRange<TAct, V256>(ref z, ref h, ref d, ref m, i, n);
        }

        if (c.Width >= 128 && V128.IsAccelerated)
        {
            i = BackwardMaskedRange<TAct, V128>(ref z, ref h, ref d, ref m, i, n);
        }

        BackwardMaskedRange<TAct, S1>(ref z, ref h, ref d, ref m, i, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BackwardRange<TAct, T>(ref float z, ref float h, ref float d, int i, int n)
        where TAct : struct, IActivation
        where T : struct, ISimd<T>
    {
        for (; i <= n - T.Count; i += T.Count)
        {
            nuint k = (nuint)i;
            T.Store(TAct.Backward(T.Load(ref z, k), T.Load(ref h, k), T.Load(ref d, k)), ref d, k);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BackwardMaskedRange<TAct, T>(ref float z, ref float h, ref float d, ref float m, int i, int n)
        where TAct : struct, IActivation
        where T : struct, ISimd<T>
    {
        for (; i <= n - T.Count; i += T.Count)
        {
            nuint k = (nuint)i;
            T delta = T.Mul(T.Load(ref d, k), T.Load(ref m, k));
            T.Store(TAct.Backward(T.Load(ref z, k), T.Load(ref h, k), delta), ref d, k);
        }

        return i;
    }

    // --------------------------------------------------------------------------------------------- bias gradient

    private struct ColumnContext
    {
        public float* Src;
        public float* Dst;
        public int Rows;
        public int Cols;
        public int ColsPerPart;
        public int Width;
    }

    /// <summary>
    /// Column sums of a row-major [rows, cols] block: <c>dst[j] = ((0 + src[0, j]) + src[1, j]) + ...</c>, rows in order
    /// (the bias gradient). Split by columns, so every sum keeps its order whatever the threads.
    /// </summary>
    public static void ColumnSums(ReadOnlySpan<float> src, int rows, int cols, Span<float> dst, int threads, int width = -1)
    {
        Check(src.Length >= (long)rows * cols && dst.Length >= cols);
        fixed (float* ps = src)
        fixed (float* pd = dst)
        {
            var c = new ColumnContext { Src = ps, Dst = pd, Rows = rows, Cols = cols, Width = width < 0 ? Simd.BestWidth : width };
            int parts = 1;
            c.ColsPerPart = cols;
            if ((long)rows * cols >= MinParallelElements && cols >= 128)
            {
                parts = Math.Min(cols / 64, (int)Math.Max(1, (long)rows * cols / PartElements));
                c.ColsPerPart = (((cols + parts - 1) / parts) + 15) & ~15;
                parts = (cols + c.ColsPerPart - 1) / c.ColsPerPart;
            }

            KernelThreads.Run(parts, threads, &ColumnPart, &c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnPart(void* context, int part)
    {
        ref ColumnContext c = ref *(ColumnContext*)context;
        int j = part * c.ColsPerPart;
        int end = Math.Min(c.Cols, j + c.ColsPerPart);
        if (c.Width >= 512 && V512.IsAccelerated)
        {
            j = ColumnRange<V512>(ref c, j, end);
        }

        if (c.Width >= 256 && V256.IsAccelerated)
        {
            j = ColumnRange<V256>(ref c, j, end);
        }

        if (c.Width >= 128 && V128.IsAccelerated)
        {
            j = ColumnRange<V128>(ref c, j, end);
        }

        ColumnRange<S1>(ref c, j, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ColumnRange<T>(ref ColumnContext c, int j, int end)
        where T : struct, ISimd<T>
    {
        ref float src = ref *c.Src;
        ref float dst = ref *c.Dst;
        nuint cols = (nuint)c.Cols;

        // Four registers of columns at a time: four independent sums in flight.
        for (; j <= end - (4 * T.Count); j += 4 * T.Count)
        {
            T a0 = T.Splat(0f), a1 = a0, a2 = a0, a3 = a0;
            nuint k = (nuint)j;
            for (int r = 0; r < c.Rows; r++, k += cols)
            {
                a0 = T.Add(a0, T.Load(ref src, k));
                a1 = T.Add(a1, T.Load(ref src, k + (nuint)T.Count));
                a2 = T.Add(a2, T.Load(ref src, k + (nuint)(2 * T.Count)));
                a3 = T.Add(a3, T.Load(ref src, k + (nuint)(3 * T.Count)));
            }

            T.Store(a0, ref dst, (nuint)j);
            T.Store(a1, ref dst, (nuint)(j + T.Count));
            T.Store(a2, ref dst, (nuint)(j + (2 * T.Count)));
            T.Store(a3, ref dst, (nuint)(j + (3 * T.Count)));
        }

        for (; j <= end - T.Count; j += T.Count)
        {
            T a = T.Splat(0f);
            nuint k = (nuint)j;
            for (int r = 0; r < c.Rows; r++, k += cols)
            {
                a = T.Add(a, T.Load(ref src, k));
            }

            T.Store(a, ref dst, (nuint)j);
        }

        return j;
    }

    // --------------------------------------------------------------------------------------------- exp over a span

    /// <summary><c>x = e^x</c> in place (one thread: the callers split by rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ExpInPlace(Span<float> x, int width = -1)
    {
        if (width < 0)
        {
            width = Simd.BestWidth;
        }

        ref float p = ref MemoryMarshal.GetReference(x);
        int n = x.Length;
        int i = 0;
        if (width >= 512 && V512.IsAccelerated)
        {
            i = ExpRange<V512>(ref p, i, n);
        }

        if (width >= 256 && V256.IsAccelerated)
        {
            i = ExpRange<V256>(ref p, i, n);
        }

        if (width >= 128 && V128.IsAccelerated)
        {
            i = ExpRange<V128>(ref p, i, n);
        }

        ExpRange<S1>(ref p, i, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ExpRange<T>(ref float p, int i, int n)
        where T : struct, ISimd<T>
    {
        for (; i <= n - T.Count; i += T.Count)
        {
            nuint k = (nuint)i;
            T.Store(Exp(T.Load(ref p, k)), ref p, k);
        }

        return i;
    }

    /// <summary><c>x = sigmoid(x)</c> in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SigmoidInPlace(Span<float> x, int width = -1)
    {
        if (width < 0)
        {
            width = Simd.BestWidth;
        }

        ref float p = ref MemoryMarshal.GetReference(x);
        int n = x.Length;
        int i = 0;
        if (width >= 512 && V512.IsAccelerated)
        {
            i = SigmoidRange<V512>(ref p, i, n);
        }

        if (width >= 256 && V256.IsAccelerated)
        {
            i = SigmoidRange<V256>(ref p, i, n);
        }

        if (width >= 128 && V128.IsAccelerated)
        {
            i = SigmoidRange<V128>(ref p, i, n);
        }

        SigmoidRange<S1>(ref p, i, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SigmoidRange<T>(ref float p, int i, int n)
        where T : struct, ISimd<T>
    {
        for (; i <= n - T.Count; i += T.Count)
        {
            nuint k = (nuint)i;
            T.Store(Sigmoid(T.Load(ref p, k)), ref p, k);
        }

        return i;
    }

    // --------------------------------------------------------------------------------------------- softmax heads

    private struct SoftmaxContext
    {
        public float* Logits;
        public float* Delta;
        public float* Labels;
        public float* Weights;
        public double* RowLoss;
        public int Rows;
        public int K;
        public float Inv;
        public float Smoothing;
        public int RowsPerPart;
        public int Width;
    }

    /// <summary>
    /// The softmax cross-entropy head per row r (weight w, label y, <c>wi = w * inv</c>): <c>m = max(l)</c>,
    /// <c>e_j = exp(l_j - m)</c>, <c>s = Σ e_j</c> (left to right), <c>rowLoss[r] = w * (ln s + m - l_y)</c> (double),
    /// <c>delta_j = e_j * (wi / s)</c>, then <c>delta_y -= wi</c>. Labels must already be valid class indices.
    /// With label smoothing <c>eps &gt; 0</c> the target is <c>(1 - eps) * onehot(y) + eps / k</c>:
    /// <c>rowLoss[r] = w * ((ln s + m) - (1 - eps) * l_y - (eps / k) * Σ l_j)</c>, <c>delta_j = e_j * (wi / s) - wi * (eps / k)</c>,
    /// then <c>delta_y -= wi * (1 - eps)</c> (all float32 but the loss; eps = 0 is exactly the plain head).
    /// </summary>
    public static void SoftmaxCrossEntropy(ReadOnlySpan<float> logits, Span<float> delta, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights, Span<double> rowLoss, int rows, int k, float inv, int threads, int width = -1, float smoothing = 0f)
    {
        Check(logits.Length >= (long)rows * k && delta.Length >= (long)rows * k && labels.Length >= rows && (weights.IsEmpty || weights.Length >= rows) && rowLoss.Length >= rows);
        fixed (float* pl = logits)
        fixed (float* pd = delta)
        fixed (float* py = labels)
        fixed (float* pw = weights)
        fixed (double* pr = rowLoss)
        {
            var c = new SoftmaxContext
            {
                Logits = pl, Delta = pd, Labels = py, Weights = weights.IsEmpty ? null : pw, RowLoss = pr, Rows = rows, K = k, Inv = inv, Smoothing = smoothing,
                Width = width < 0 ? Simd.BestWidth : width,
            };
            int parts = RowParts(rows, k, out c.RowsPerPart);
            KernelThreads.Run(parts, threads, &SoftmaxPart, &c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxPart(void* context, int part)
    {
        ref SoftmaxContext c = ref *(SoftmaxContext*)context;
        int r0 = part * c.RowsPerPart;
        int r1 = Math.Min(c.Rows, r0 + c.RowsPerPart);
        int k = c.K;
        for (int r = r0; r < r1; r++)
        {
            float* l = c.Logits + ((long)r * k);
            float* d = c.Delta + ((long)r * k);
            float max = RowMax(l, k);
            for (int j = 0; j < k; j++)
            {
                d[j] = l[j] - max;
            }
        }

        ExpInPlace(new Span<float>(c.Delta + ((long)r0 * k), (r1 - r0) * k), c.Width);
        for (int r = r0; r < r1; r++)
        {
            float* l = c.Logits + ((long)r * k);
            float* d = c.Delta + ((long)r * k);
            float max = RowMax(l, k);
            float sum = 0f;
            for (int j = 0; j < k; j++)
            {
                sum += d[j];
            }

            int label = (int)c.Labels[r];
            float w = c.Weights is null ? 1f : c.Weights[r];
            float wi = w * c.Inv;
            float scale = wi / sum;
            if (c.Smoothing > 0f)
            {
                float eps = c.Smoothing;
                float share = eps / k;
                double logitSum = 0;
                for (int j = 0; j < k; j++)
                {
                    logitSum += l[j];
                }

                c.RowLoss[r] = w * ((Math.Log(sum) + max) - ((1.0 - eps) * l[label]) - (share * logitSum));
                float off = wi * share;
                for (int j = 0; j < k; j++)
                {
                    d[j] = (d[j] * scale) - off;
                }

                d[label] -= wi * (1f - eps);
                continue;
            }

            c.RowLoss[r] = w * ((Math.Log(sum) + max) - l[label]);
            for (int j = 0; j < k; j++)
            {
                d[j] *= scale;
            }

            d[label] -= wi;
        }
    }

    /// <summary>Softmax of each row of a row-major [rows, k] block, in place: <c>e_j / Σ e</c> with <c>e_j = exp(x_j - max)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxRows(Span<float> x, int rows, int k, int width = -1)
    {
        Check(x.Length >= (long)rows * k);
        fixed (float* p = x)
        {
            for (int r = 0; r < rows; r++)
            {
                float* v = p + ((long)r * k);
                float max = RowMax(v, k);
                for (int j = 0; j < k; j++)
                {
                    v[j] -= max;
                }
            }

            ExpInPlace(x[..(rows * k)], width);
            for (int r = 0; r < rows; r++)
            {
                float* v = p + ((long)r * k);
                float sum = 0f;
                for (int j = 0; j < k; j++)
                {
                    sum += v[j];
                }

                for (int j = 0; j < k; j++)
                {
                    v[j] /= sum;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float RowMax(float* v, int k)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < k; j++)
        {
            max = MathF.Max(max, v[j]);
        }

        return max;
    }

    // --------------------------------------------------------------------------------------------- dropout

    /// <summary>
    /// The keep threshold of a 24-bit uniform: <c>u &lt; threshold</c> exactly when <c>u * 2^-24 &lt; keep</c> (what
    /// <see cref="DeterministicRandom.NextSingle"/> <c>&lt; keep</c> tests).
    /// </summary>
    public static uint DropoutThreshold(float keep) => (uint)MathF.Ceiling(keep * 16777216f);

    /// <summary>
    /// Draws an inverted-dropout mask: <c>mask[i] = rng.NextSingle() &lt; keep ? 1/keep : 0</c>, in element order (the
    /// generator's stream is sequential, so the draws stay on the calling thread; the same masks as every earlier
    /// version for the same seed). The comparison is done on the 24 random bits as an integer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DrawDropoutMask(Span<float> mask, DeterministicRandom rng, float keep)
    {
        uint threshold = DropoutThreshold(keep);
        float scale = 1f / keep;
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = (uint)(rng.NextUInt64() >> 40) < threshold ? scale : 0f;
        }
    }

    private struct MultiplyContext
    {
        public float* H;
        public float* Mask;
        public long Length;
        public int Width;
    }

    /// <summary><c>h[i] *= mask[i]</c> (applying a dropout mask).</summary>
    public static void Multiply(Span<float> h, ReadOnlySpan<float> mask, int threads, int width = -1)
    {
        long n = h.Length;
        Check(mask.Length >= n);
        fixed (float* ph = h)
        fixed (float* pm = mask)
        {
            var c = new MultiplyContext { H = ph, Mask = pm, Length = n, Width = width < 0 ? Simd.BestWidth : width };
            int parts = KernelThreads.PartsFor(n, MinParallelElements, PartElements);
            KernelThreads.Run(parts, threads, &MultiplyPart, &c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyPart(void* context, int part)
    {
        ref MultiplyContext c = ref *(MultiplyContext*)context;
        PartRange(c.Length, part, out long start, out long end);
        ref float h = ref c.H[start];
        ref float m = ref c.Mask[start];
        int n = (int)(end - start);
        int i = 0;
        if (c.Width >= 512 && V512.IsAccelerated)
        {
            i = MultiplyRange<V512>(ref h, ref m, i, n);
        }

        if (c.Width >= 256 && V256.IsAccelerated)
        {
            i = MultiplyRange<V256>(ref h, ref m, i, n);
        }

        if (c.Width >= 128 && V128.IsAccelerated)
        {
            i = MultiplyRange<V128>(ref h, ref m, i, n);
        }

        MultiplyRange<S1>(ref h, ref m, i, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MultiplyRange<T>(ref float h, ref float m, int i, int n)
        where T : struct, ISimd<T>
    {
        for (; i <= n - T.Count; i += T.Count)
        {
            nuint k = (nuint)i;
            T.Store(T.Mul(T.Load(ref h, k), T.Load(ref m, k)), ref h, k);
        }

        return i;
    }

    // --------------------------------------------------------------------------------------------- partitions

    /// <summary>Parts of whole rows holding about <see cref="PartElements"/> elements each (one part below the threshold).</summary>
    private static int RowParts(int rows, int cols, out int rowsPerPart)
    {
        long n = (long)rows * cols;
        if (n < MinParallelElements || rows < 2)
        {
            rowsPerPart = Math.Max(1, rows);
            return rows == 0 ? 0 : 1;
        }

        rowsPerPart = (int)Math.Max(1, PartElements / Math.Max(1, cols));
        return (rows + rowsPerPart - 1) / rowsPerPart;
    }

    /// <summary>The element range of part <paramref name="part"/> under <see cref="KernelThreads.PartsFor"/>'s partition.</summary>
    private static void PartRange(long length, int part, out long start, out long end)
    {
        int parts = KernelThreads.PartsFor(length, MinParallelElements, PartElements);
        if (parts == 1)
        {
            start = 0;
            end = length;
            return;
        }

        start = (long)part * PartElements;
        end = part == parts - 1 ? length : start + PartElements;
    }

    private static void Check(bool ok)
    {
        if (!ok)
        {
            throw new ArgumentException("A buffer is shorter than the shape it is used with.");
        }
    }
}
