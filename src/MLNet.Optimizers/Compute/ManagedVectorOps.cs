using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Optimizers.Compute;

/// <summary>
/// The managed provider's level-1/2 kernels (SGEMV, SAXPY, SDOT, SNRM2): <see cref="Vector512{T}"/> loops when
/// accelerated, then <see cref="Vector256{T}"/>, then scalar tails. Callers have validated every length.
/// </summary>
internal static unsafe class ManagedVectorOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> MulAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> MulAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

    /// <summary><c>y = alpha·A·x + beta·y</c> (A m×n, row stride lda).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GemvNoTrans(int m, int n, float alpha, float* a, int lda, float* x, float beta, float* y)
    {
        if (alpha == 0f || n == 0)
        {
            ScaleVector(y, m, beta);
            return;
        }

        int i = 0;
        for (; i <= m - 4; i += 4)
        {
            float* a0 = a + ((nint)i * lda);
            Dot4(a0, a0 + lda, a0 + (2 * (nint)lda), a0 + (3 * (nint)lda), x, n, out float s0, out float s1, out float s2, out float s3);
            y[i] = Combine(alpha, s0, beta, y[i]);
            y[i + 1] = Combine(alpha, s1, beta, y[i + 1]);
            y[i + 2] = Combine(alpha, s2, beta, y[i + 2]);
            y[i + 3] = Combine(alpha, s3, beta, y[i + 3]);
        }

        for (; i < m; i++)
        {
            y[i] = Combine(alpha, Dot(a + ((nint)i * lda), x, n), beta, y[i]);
        }
    }

    /// <summary><c>y = alpha·Aᵀ·x + beta·y</c> (A m×n, row stride lda; x has m values, y n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GemvTrans(int m, int n, float alpha, float* a, int lda, float* x, float beta, float* y)
    {
        ScaleVector(y, n, beta);
        if (alpha == 0f)
        {
            return;
        }

        int i = 0;
        for (; i <= m - 4; i += 4)
        {
            float* a0 = a + ((nint)i * lda);
            float* a1 = a0 + lda;
            float* a2 = a1 + lda;
            float* a3 = a2 + lda;
            float s0 = alpha * x[i], s1 = alpha * x[i + 1], s2 = alpha * x[i + 2], s3 = alpha * x[i + 3];
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> v0 = Vector512.Create(s0), v1 = Vector512.Create(s1), v2 = Vector512.Create(s2), v3 = Vector512.Create(s3);
                for (; j <= n - 16; j += 16)
                {
                    Vector512<float> acc = Vector512.Load(y + j);
                    acc = MulAdd(Vector512.Load(a0 + j), v0, acc);
                    acc = MulAdd(Vector512.Load(a1 + j), v1, acc);
                    acc = MulAdd(Vector512.Load(a2 + j), v2, acc);
                    acc = MulAdd(Vector512.Load(a3 + j), v3, acc);
                    Vector512.Store(acc, y + j);
                }
            }

            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<float> v0 = Vector256.Create(s0), v1 = Vector256.Create(s1), v2 = Vector256.Create(s2), v3 = Vector256.Create(s3);
                for (; j <= n - 8; j += 8)
                {
                    Vector256<float> acc = Vector256.Load(y + j);
                    acc = MulAdd(Vector256.Load(a0 + j), v0, acc);
                    acc = MulAdd(Vector256.Load(a1 + j), v1, acc);
                    acc = MulAdd(Vector256.Load(a2 + j), v2, acc);
                    acc = MulAdd(Vector256.Load(a3 + j), v3, acc);
                    Vector256.Store(acc, y + j);
                }
            }

            for (; j < n; j++)
            {
                y[j] = y[j] + (a0[j] * s0) + (a1[j] * s1) + (a2[j] * s2) + (a3[j] * s3);
            }
        }

        for (; i < m; i++)
        {
            Axpy(alpha * x[i], a + ((nint)i * lda), y, n);
        }
    }

    /// <summary><c>y = alpha·x + y</c> over n values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy(float alpha, float* x, float* y, int n)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> va = Vector512.Create(alpha);
            for (; j <= n - 16; j += 16)
            {
                Vector512.Store(MulAdd(Vector512.Load(x + j), va, Vector512.Load(y + j)), y + j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> va = Vector256.Create(alpha);
            for (; j <= n - 8; j += 8)
            {
                Vector256.Store(MulAdd(Vector256.Load(x + j), va, Vector256.Load(y + j)), y + j);
            }
        }

        for (; j < n; j++)
        {
            y[j] += alpha * x[j];
        }
    }

    /// <summary>The dot product of n values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* x, float* y, int n)
    {
        int j = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (; j <= n - 64; j += 64)
            {
                s0 = MulAdd(Vector512.Load(x + j), Vector512.Load(y + j), s0);
                s1 = MulAdd(Vector512.Load(x + j + 16), Vector512.Load(y + j + 16), s1);
                s2 = MulAdd(Vector512.Load(x + j + 32), Vector512.Load(y + j + 32), s2);
                s3 = MulAdd(Vector512.Load(x + j + 48), Vector512.Load(y + j + 48), s3);
            }

            for (; j <= n - 16; j += 16)
            {
                s0 = MulAdd(Vector512.Load(x + j), Vector512.Load(y + j), s0);
            }

            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (; j <= n - 32; j += 32)
            {
                s0 = MulAdd(Vector256.Load(x + j), Vector256.Load(y + j), s0);
                s1 = MulAdd(Vector256.Load(x + j + 8), Vector256.Load(y + j + 8), s1);
                s2 = MulAdd(Vector256.Load(x + j + 16), Vector256.Load(y + j + 16), s2);
                s3 = MulAdd(Vector256.Load(x + j + 24), Vector256.Load(y + j + 24), s3);
            }

            for (; j <= n - 8; j += 8)
            {
                s0 = MulAdd(Vector256.Load(x + j), Vector256.Load(y + j), s0);
            }

            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }

        for (; j < n; j++)
        {
            sum += x[j] * y[j];
        }

        return sum;
    }

    /// <summary>The Euclidean norm, with squares summed in double (no overflow or underflow for any float input).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Nrm2(float* x, int n)
    {
        int j = 0;
        double sum = 0d;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<double> s0 = Vector512<double>.Zero, s1 = s0;
            for (; j <= n - 16; j += 16)
            {
                Vector512<float> v = Vector512.Load(x + j);
                Vector512<double> lo = Vector512.WidenLower(v);
                Vector512<double> hi = Vector512.WidenUpper(v);
                s0 = MulAdd(lo, lo, s0);
                s1 = MulAdd(hi, hi, s1);
            }

            sum = Vector512.Sum(s0 + s1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<double> s0 = Vector256<double>.Zero, s1 = s0;
            for (; j <= n - 8; j += 8)
            {
                Vector256<float> v = Vector256.Load(x + j);
                Vector256<double> lo = Vector256.WidenLower(v);
                Vector256<double> hi = Vector256.WidenUpper(v);
                s0 = MulAdd(lo, lo, s0);
                s1 = MulAdd(hi, hi, s1);
            }

            sum = Vector256.Sum(s0 + s1);
        }

        for (; j < n; j++)
        {
            double d = x[j];
            sum += d * d;
        }

        return (float)Math.Sqrt(sum);
    }

    /// <summary><c>y = beta·y</c>; beta = 0 writes zeros without reading y.</summary>
    private static void ScaleVector(float* y, int n, float beta)
    {
        if (beta == 0f)
        {
            new Span<float>(y, n).Clear();
        }
        else if (beta != 1f)
        {
            ManagedGemm.ScaleC(y, n, 1, n, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Combine(float alpha, float s, float beta, float y) =>
        beta == 0f ? alpha * s : (alpha * s) + (beta * y);

    /// <summary>Four dot products of n values against one shared x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4(float* a0, float* a1, float* a2, float* a3, float* x, int n, out float s0, out float s1, out float s2, out float s3)
    {
        int j = 0;
        s0 = 0f;
        s1 = 0f;
        s2 = 0f;
        s3 = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> v0 = Vector512<float>.Zero, v1 = v0, v2 = v0, v3 = v0;
            for (; j <= n - 16; j += 16)
            {
                Vector512<float> xv = Vector512.Load(x + j);
                v0 = MulAdd(Vector512.Load(a0 + j), xv, v0);
                v1 = MulAdd(Vector512.Load(a1 + j), xv, v1);
                v2 = MulAdd(Vector512.Load(a2 + j), xv, v2);
                v3 = MulAdd(Vector512.Load(a3 + j), xv, v3);
            }

            s0 = Vector512.Sum(v0);
            s1 = Vector512.Sum(v1);
            s2 = Vector512.Sum(v2);
            s3 = Vector512.Sum(v3);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> v0 = Vector256<float>.Zero, v1 = v0, v2 = v0, v3 = v0;
            for (; j <= n - 8; j += 8)
            {
                Vector256<float> xv = Vector256.Load(x + j);
                v0 = MulAdd(Vector256.Load(a0 + j), xv, v0);
                v1 = MulAdd(Vector256.Load(a1 + j), xv, v1);
                v2 = MulAdd(Vector256.Load(a2 + j), xv, v2);
                v3 = MulAdd(Vector256.Load(a3 + j), xv, v3);
            }

            s0 = Vector256.Sum(v0);
            s1 = Vector256.Sum(v1);
            s2 = Vector256.Sum(v2);
            s3 = Vector256.Sum(v3);
        }

        for (; j < n; j++)
        {
            float xj = x[j];
            s0 += a0[j] * xj;
            s1 += a1[j] * xj;
            s2 += a2[j] * xj;
            s3 += a3[j] * xj;
        }
    }
}
