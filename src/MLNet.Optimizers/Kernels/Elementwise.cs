using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNet.Optimizers.Kernels;

/// <summary>An element function on one in-out value and one input (scalar, 256- and 512-bit forms give identical bits).</summary>
internal interface IOp1
{
    float Invoke(float a, float x);

    Vector256<float> Invoke(Vector256<float> a, Vector256<float> x);

    Vector512<float> Invoke(Vector512<float> a, Vector512<float> x);
}

/// <summary>An element function on two in-out values and one input.</summary>
internal interface IOp2
{
    void Invoke(ref float a, ref float b, float x);

    void Invoke(ref Vector256<float> a, ref Vector256<float> b, Vector256<float> x);

    void Invoke(ref Vector512<float> a, ref Vector512<float> b, Vector512<float> x);
}

/// <summary>An element function on three in-out values and one input.</summary>
internal interface IOp3
{
    void Invoke(ref float a, ref float b, ref float c, float x);

    void Invoke(ref Vector256<float> a, ref Vector256<float> b, ref Vector256<float> c, Vector256<float> x);

    void Invoke(ref Vector512<float> a, ref Vector512<float> b, ref Vector512<float> c, Vector512<float> x);
}

/// <summary>
/// Fused single-pass drivers: Vector512 when accelerated, then Vector256, then a scalar tail. The caller has checked
/// lengths; every element is computed by the same float32 operations in every path.
/// </summary>
internal static class Elementwise
{
    public static void Run<T>(Span<float> a, ReadOnlySpan<float> x, T op)
        where T : struct, IOp1
    {
        int n = a.Length;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rx = ref MemoryMarshal.GetReference(x);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                nuint k = (nuint)i;
                op.Invoke(Vector512.LoadUnsafe(ref ra, k), Vector512.LoadUnsafe(ref rx, k)).StoreUnsafe(ref ra, k);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                nuint k = (nuint)i;
                op.Invoke(Vector256.LoadUnsafe(ref ra, k), Vector256.LoadUnsafe(ref rx, k)).StoreUnsafe(ref ra, k);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ra, i) = op.Invoke(Unsafe.Add(ref ra, i), Unsafe.Add(ref rx, i));
        }
    }

    public static void Run<T>(Span<float> a, Span<float> b, ReadOnlySpan<float> x, T op)
        where T : struct, IOp2
    {
        int n = a.Length;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float rx = ref MemoryMarshal.GetReference(x);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                nuint k = (nuint)i;
                Vector512<float> va = Vector512.LoadUnsafe(ref ra, k);
                Vector512<float> vb = Vector512.LoadUnsafe(ref rb, k);
                op.Invoke(ref va, ref vb, Vector512.LoadUnsafe(ref rx, k));
                va.StoreUnsafe(ref ra, k);
                vb.StoreUnsafe(ref rb, k);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                nuint k = (nuint)i;
                Vector256<float> va = Vector256.LoadUnsafe(ref ra, k);
                Vector256<float> vb = Vector256.LoadUnsafe(ref rb, k);
                op.Invoke(ref va, ref vb, Vector256.LoadUnsafe(ref rx, k));
                va.StoreUnsafe(ref ra, k);
                vb.StoreUnsafe(ref rb, k);
            }
        }

        for (; i < n; i++)
        {
            op.Invoke(ref Unsafe.Add(ref ra, i), ref Unsafe.Add(ref rb, i), Unsafe.Add(ref rx, i));
        }
    }

    public static void Run<T>(Span<float> a, Span<float> b, Span<float> c, ReadOnlySpan<float> x, T op)
        where T : struct, IOp3
    {
        int n = a.Length;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float rc = ref MemoryMarshal.GetReference(c);
        ref float rx = ref MemoryMarshal.GetReference(x);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                nuint k = (nuint)i;
                Vector512<float> va = Vector512.LoadUnsafe(ref ra, k);
                Vector512<float> vb = Vector512.LoadUnsafe(ref rb, k);
                Vector512<float> vc = Vector512.LoadUnsafe(ref rc, k);
                op.Invoke(ref va, ref vb, ref vc, Vector512.LoadUnsafe(ref rx, k));
                va.StoreUnsafe(ref ra, k);
                vb.StoreUnsafe(ref rb, k);
                vc.StoreUnsafe(ref rc, k);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                nuint k = (nuint)i;
                Vector256<float> va = Vector256.LoadUnsafe(ref ra, k);
                Vector256<float> vb = Vector256.LoadUnsafe(ref rb, k);
                Vector256<float> vc = Vector256.LoadUnsafe(ref rc, k);
                op.Invoke(ref va, ref vb, ref vc, Vector256.LoadUnsafe(ref rx, k));
                va.StoreUnsafe(ref ra, k);
                vb.StoreUnsafe(ref rb, k);
                vc.StoreUnsafe(ref rc, k);
            }
        }

        for (; i < n; i++)
        {
            op.Invoke(ref Unsafe.Add(ref ra, i), ref Unsafe.Add(ref rb, i), ref Unsafe.Add(ref rc, i), Unsafe.Add(ref rx, i));
        }
    }

    /// <summary>Keras's <c>sign</c>: +1, -1, 0 for ±0, NaN for NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sign(float x) => x > 0f ? 1f : x < 0f ? -1f : x == 0f ? 0f : x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sign(Vector256<float> x)
    {
        Vector256<float> pos = Vector256.GreaterThan(x, Vector256<float>.Zero) & Vector256.Create(1f);
        Vector256<float> neg = Vector256.LessThan(x, Vector256<float>.Zero) & Vector256.Create(-1f);
        Vector256<float> nan = ~Vector256.Equals(x, x) & x;
        return pos | neg | nan;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sign(Vector512<float> x)
    {
        Vector512<float> pos = Vector512.GreaterThan(x, Vector512<float>.Zero) & Vector512.Create(1f);
        Vector512<float> neg = Vector512.LessThan(x, Vector512<float>.Zero) & Vector512.Create(-1f);
        Vector512<float> nan = ~Vector512.Equals(x, x) & x;
        return pos | neg | nan;
    }
}
