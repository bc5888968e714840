using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNet.Optimizers.Kernels;

/// <summary>An element function on one in-out value and one input (scalar, 256- and 512-bit forms give identical bits).</summary>
internal interface IOp1
{
    float Invoke(float a, float x);

    Vector128<float> Invoke(Vector128<float> a, Vector128<float> x);

    Vector256<float> Invoke(Vector256<float> a, Vector256<float> x);

    Vector512<float> Invoke(Vector512<float> a, Vector512<float> x);
}

/// <summary>An element function on two in-out values and one input.</summary>
internal interface IOp2
{
    void Invoke(ref float a, ref float b, float x);

    void Invoke(ref Vector128<float> a, ref Vector128<float> b, Vector128<float> x);

    void Invoke(ref Vector256<float> a, ref Vector256<float> b, Vector256<float> x);

    void Invoke(ref Vector512<float> a, ref Vector512<float> b, Vector512<float> x);
}

/// <summary>An element function on three in-out values and one input.</summary>
internal interface IOp3
{
    void Invoke(ref float a, ref float b, ref float c, float x);

    void Invoke(ref Vector128<float> a, ref Vector128<float> b, ref Vector128<float> c, Vector128<float> x);

    void Invoke(ref Vector256<float> a, ref Vector256<float> b, ref Vector256<float> c, Vector256<float> x);

    void Invoke(ref Vector512<float> a, ref Vector512<float> b, ref Vector512<float> c, Vector512<float> x);
}

/// <summary>
/// How an element kernel may be split: up to <see cref="Threads"/> threads for inputs of at least
/// <see cref="MinLength"/> elements, in parts of <see cref="PartLength"/> elements (the last part takes the rest). The
/// parts depend on the length only, and an element's value does not depend on its part, so every setting gives the
/// same bits. <see cref="Width"/> caps the register width (512, 256, 128, or 0 for scalar; tests force each).
/// </summary>
internal readonly record struct Threading(int Threads, long MinLength, int PartLength, int Width)
{
    /// <summary>One thread, widest registers.</summary>
    public static Threading Serial { get; } = new(1, long.MaxValue, 1 << 15, Simd.BestWidth);

    /// <summary>The parts of an input of <paramref name="n"/> elements.</summary>
    public int Parts(long n) => Threads <= 1 ? 1 : KernelThreads.PartsFor(n, MinLength, PartLength);

    /// <summary>The element range of part <paramref name="part"/> of <paramref name="parts"/>.</summary>
    public void Range(long n, int part, int parts, out long start, out long end)
    {
        start = parts == 1 ? 0 : (long)part * PartLength;
        end = parts == 1 || part == parts - 1 ? n : start + PartLength;
    }

    /// <summary>The same setting on one thread.</summary>
    public Threading OneThread => this with { Threads = 1 };
}

/// <summary>
/// Fused single-pass drivers: Vector512, Vector256 and Vector128 where accelerated (down to the width cap), then a
/// scalar tail. The caller has checked lengths; every element is computed by the same float32 operations in every
/// path. Large inputs are split into parts on <see cref="KernelThreads"/> (<see cref="Threading"/>).
/// </summary>
internal static unsafe class Elementwise
{
    public static void Run<T>(Span<float> a, ReadOnlySpan<float> x, T op)
        where T : unmanaged, IOp1 => Run(a, x, op, Threading.Serial);

    public static void Run<T>(Span<float> a, Span<float> b, ReadOnlySpan<float> x, T op)
        where T : unmanaged, IOp2 => Run(a, b, x, op, Threading.Serial);

    public static void Run<T>(Span<float> a, Span<float> b, Span<float> c, ReadOnlySpan<float> x, T op)
        where T : unmanaged, IOp3 => Run(a, b, c, x, op, Threading.Serial);

    private struct Context<T>
        where T : unmanaged
    {
        public float* A;
        public float* B;
        public float* C;
        public float* X;
        public long N;
        public int Parts;
        public Threading Threading;
        public T Op;
    }

    public static void Run<T>(Span<float> a, ReadOnlySpan<float> x, T op, Threading t)
        where T : unmanaged, IOp1
    {
        fixed (float* pa = a)
        fixed (float* px = x)
        {
            int parts = t.Parts(a.Length);
            var c = new Context<T> { A = pa, X = px, N = a.Length, Parts = parts, Threading = t, Op = op };
            if (parts == 1)
            {
                Range1(pa, px, a.Length, op, t.Width);
                return;
            }

            KernelThreads.Run(parts, t.Threads, &Part1<T>, &c);
        }
    }

    public static void Run<T>(Span<float> a, Span<float> b, ReadOnlySpan<float> x, T op, Threading t)
        where T : unmanaged, IOp2
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* px = x)
        {
            int parts = t.Parts(a.Length);
            var c = new Context<T> { A = pa, B = pb, X = px, N = a.Length, Parts = parts, Threading = t, Op = op };
            if (parts == 1)
            {
                Range2(pa, pb, px, a.Length, op, t.Width);
                return;
            }

            KernelThreads.Run(parts, t.Threads, &Part2<T>, &c);
        }
    }

    public static void Run<T>(Span<float> a, Span<float> b, Span<float> c3, ReadOnlySpan<float> x, T op, Threading t)
        where T : unmanaged, IOp3
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c3)
        fixed (float* px = x)
        {
            int parts = t.Parts(a.Length);
            var c = new Context<T> { A = pa, B = pb, C = pc, X = px, N = a.Length, Parts = parts, Threading = t, Op = op };
            if (parts == 1)
            {
                Range3(pa, pb, pc, px, a.Length, op, t.Width);
                return;
            }

            KernelThreads.Run(parts, t.Threads, &Part3<T>, &c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Part1<T>(void* context, int part)
        where T : unmanaged, IOp1
    {
        ref Context<T> c = ref *(Context<T>*)context;
        c.Threading.Range(c.N, part, c.Parts, out long s, out long e);
        Range1(c.A + s, c.X + s, e - s, c.Op, c.Threading.Width);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Part2<T>(void* context, int part)
        where T : unmanaged, IOp2
    {
        ref Context<T> c = ref *(Context<T>*)context;
        c.Threading.Range(c.N, part, c.Parts, out long s, out long e);
        Range2(c.A + s, c.B + s, c.X + s, e - s, c.Op, c.Threading.Width);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Part3<T>(void* context, int part)
        where T : unmanaged, IOp3
    {
        ref Context<T> c = ref *(Context<T>*)context;
        c.Threading.Range(c.N, part, c.Parts, out long s, out long e);
        Range3(c.A + s, c.B + s, c.C + s, c.X + s, e - s, c.Op, c.Threading.Width);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Range1<T>(float* a, float* x, long n, T op, int width)
        where T : unmanaged, IOp1
    {
        long i = 0;
        if (width >= 512 && Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                op.Invoke(Vector512.Load(a + i), Vector512.Load(x + i)).Store(a + i);
            }
        }

        if (width >= 256 && Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                op.Invoke(Vector256.Load(a + i), Vector256.Load(x + i)).Store(a + i);
            }
        }

        if (width >= 128 && Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 4; i += 4)
            {
                op.Invoke(Vector128.Load(a + i), Vector128.Load(x + i)).Store(a + i);
            }
        }

        for (; i < n; i++)
        {
            a[i] = op.Invoke(a[i], x[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Range2<T>(float* a, float* b, float* x, long n, T op, int width)
        where T : unmanaged, IOp2
    {
        long i = 0;
        if (width >= 512 && Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                Vector512<float> va = Vector512.Load(a + i);
                Vector512<float> vb = Vector512.Load(b + i);
                op.Invoke(ref va, ref vb, Vector512.Load(x + i));
                va.Store(a + i);
                vb.Store(b + i);
            }
        }

        if (width >= 256 && Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                Vector256<float> va = Vector256.Load(a + i);
                Vector256<float> vb = Vector256.Load(b + i);
                op.Invoke(ref va, ref vb, Vector256.Load(x + i));
                va.Store(a + i);
                vb.Store(b + i);
            }
        }

        if (width >= 128 && Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 4; i += 4)
            {
                Vector128<float> va = Vector128.Load(a + i);
                Vector128<float> vb = Vector128.Load(b + i);
                op.Invoke(ref va, ref vb, Vector128.Load(x + i));
                va.Store(a + i);
                vb.Store(b + i);
            }
        }

        for (; i < n; i++)
        {
            op.Invoke(ref a[i], ref b[i], x[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Range3<T>(float* a, float* b, float* c, float* x, long n, T op, int width)
        where T : unmanaged, IOp3
    {
        long i = 0;
        if (width >= 512 && Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                Vector512<float> va = Vector512.Load(a + i);
                Vector512<float> vb = Vector512.Load(b + i);
                Vector512<float> vc = Vector512.Load(c + i);
                op.Invoke(ref va, ref vb, ref vc, Vector512.Load(x + i));
                va.Store(a + i);
                vb.Store(b + i);
                vc.Store(c + i);
            }
        }

        if (width >= 256 && Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                Vector256<float> va = Vector256.Load(a + i);
                Vector256<float> vb = Vector256.Load(b + i);
                Vector256<float> vc = Vector256.Load(c + i);
                op.Invoke(ref va, ref vb, ref vc, Vector256.Load(x + i));
                va.Store(a + i);
                vb.Store(b + i);
                vc.Store(c + i);
            }
        }

        if (width >= 128 && Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 4; i += 4)
            {
                Vector128<float> va = Vector128.Load(a + i);
                Vector128<float> vb = Vector128.Load(b + i);
                Vector128<float> vc = Vector128.Load(c + i);
                op.Invoke(ref va, ref vb, ref vc, Vector128.Load(x + i));
                va.Store(a + i);
                vb.Store(b + i);
                vc.Store(c + i);
            }
        }

        for (; i < n; i++)
        {
            op.Invoke(ref a[i], ref b[i], ref c[i], x[i]);
        }
    }

    /// <summary>Keras's <c>sign</c>: +1, -1, 0 for ±0, NaN for NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sign(float x) => x > 0f ? 1f : x < 0f ? -1f : x == 0f ? 0f : x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sign(Vector128<float> x)
    {
        Vector128<float> pos = Vector128.GreaterThan(x, Vector128<float>.Zero) & Vector128.Create(1f);
        Vector128<float> neg = Vector128.LessThan(x, Vector128<float>.Zero) & Vector128.Create(-1f);
        Vector128<float> nan = ~Vector128.Equals(x, x) & x;
        return pos | neg | nan;
    }

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
