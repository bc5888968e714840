using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNet.Optimizers.Kernels;

/// <summary>
/// One register of float32 lanes, so that a kernel's element function is written once and instantiated for 512-, 256-
/// and 128-bit vectors and for a single float (the scalar tail and the reference of the same formula). Every operation
/// is an IEEE float32 operation per lane (no fused multiply-add) or a bit operation, so every width gives the same bits.
/// Comparisons return lane masks (all ones or zero); <c>Simd.Min</c> and <c>Simd.Max</c> are defined by comparison
/// and select, with the same NaN and signed-zero behaviour on every width and processor.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
internal interface ISimd<TSelf>
    where TSelf : struct, ISimd<TSelf>
{
    /// <summary>Lanes per register.</summary>
    static abstract int Count { get; }

    /// <summary>Whether this width runs on vector hardware here (the scalar form always does).</summary>
    static abstract bool IsAccelerated { get; }

    static abstract TSelf Load(ref float p, nuint i);

    static abstract void Store(TSelf v, ref float p, nuint i);

    static abstract TSelf Splat(float x);

    static abstract TSelf Add(TSelf a, TSelf b);

    static abstract TSelf Sub(TSelf a, TSelf b);

    static abstract TSelf Mul(TSelf a, TSelf b);

    static abstract TSelf Div(TSelf a, TSelf b);

    static abstract TSelf Floor(TSelf a);

    /// <summary>Lane mask of <c>a &gt; b</c> (false for NaN).</summary>
    static abstract TSelf GreaterThan(TSelf a, TSelf b);

    /// <summary>Lane mask of <c>a &lt; b</c> (false for NaN).</summary>
    static abstract TSelf LessThan(TSelf a, TSelf b);

    /// <summary>Lane mask of <c>a == a</c> (false only for NaN).</summary>
    static abstract TSelf IsNotNaN(TSelf a);

    static abstract TSelf And(TSelf a, TSelf b);

    static abstract TSelf Or(TSelf a, TSelf b);

    static abstract TSelf AndNot(TSelf a, TSelf mask);

    /// <summary><c>mask ? a : b</c> per lane (mask lanes all ones or zero).</summary>
    static abstract TSelf Select(TSelf mask, TSelf a, TSelf b);

    /// <summary><c>y * 2^k</c> for integral-valued k in [-252, 254], as two exact power-of-two factors (so results in the subnormal range round once, at the second product).</summary>
    static abstract TSelf ScaleByPowerOfTwo(TSelf y, TSelf k);
}

/// <summary>Helpers on top of <see cref="ISimd{TSelf}"/>.</summary>
internal static class Simd
{
    /// <summary>All bits set in a float lane.</summary>
    public static readonly float AllOnes = BitConverter.Int32BitsToSingle(-1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Min<T>(T a, T b)
        where T : struct, ISimd<T> => T.Select(T.LessThan(b, a), b, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Max<T>(T a, T b)
        where T : struct, ISimd<T> => T.Select(T.GreaterThan(b, a), b, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Abs<T>(T a)
        where T : struct, ISimd<T> => T.AndNot(a, T.Splat(-0f));

    /// <summary>The magnitude of <paramref name="magnitude"/> with the sign of <paramref name="sign"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T CopySign<T>(T magnitude, T sign)
        where T : struct, ISimd<T> => T.Or(T.AndNot(magnitude, T.Splat(-0f)), T.And(sign, T.Splat(-0f)));

    /// <summary>The register widths a kernel may be forced to (tests run each; 0 is the scalar form).</summary>
    public static readonly int[] Widths = { 512, 256, 128, 0 };

    /// <summary>The widest accelerated width here (512, 256, 128, or 0 when none is).</summary>
    public static int BestWidth { get; } =
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
}

/// <summary>A single float lane: the scalar tail, and the scalar form of every formula.</summary>
internal readonly struct S1 : ISimd<S1>
{
    public readonly float V;

    public S1(float v) => V = v;

    public static int Count => 1;

    public static bool IsAccelerated => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 Load(ref float p, nuint i) => new(Unsafe.Add(ref p, i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(S1 v, ref float p, nuint i) => Unsafe.Add(ref p, i) = v.V;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 Splat(float x) => new(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 Add(S1 a, S1 b) => new(a.V + b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 Sub(S1 a, S1 b) => new(a.V - b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 Mul(S1 a, S1 b) => new(a.V * b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 Div(S1 a, S1 b) => new(a.V / b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 Floor(S1 a) => new(MathF.Floor(a.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 GreaterThan(S1 a, S1 b) => Mask(a.V > b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 LessThan(S1 a, S1 b) => Mask(a.V < b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 IsNotNaN(S1 a) => Mask(!float.IsNaN(a.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 And(S1 a, S1 b) => Bits(Int(a) & Int(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 Or(S1 a, S1 b) => Bits(Int(a) | Int(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 AndNot(S1 a, S1 mask) => Bits(Int(a) & ~Int(mask));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 Select(S1 mask, S1 a, S1 b) => Bits((Int(mask) & Int(a)) | (~Int(mask) & Int(b)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static S1 ScaleByPowerOfTwo(S1 y, S1 k)
    {
        int ki = (int)k.V;
        int k1 = ki >> 1;
        int k2 = ki - k1;
        return new((y.V * BitConverter.Int32BitsToSingle((k1 + 127) << 23)) * BitConverter.Int32BitsToSingle((k2 + 127) << 23));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static S1 Mask(bool b) => Bits(b ? -1 : 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Int(S1 a) => BitConverter.SingleToInt32Bits(a.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static S1 Bits(int b) => new(BitConverter.Int32BitsToSingle(b));
}

/// <summary>128-bit lanes.</summary>
internal readonly struct V128 : ISimd<V128>
{
    public readonly Vector128<float> V;

    public V128(Vector128<float> v) => V = v;

    public static int Count => 4;

    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Load(ref float p, nuint i) => new(Vector128.LoadUnsafe(ref p, i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V128 v, ref float p, nuint i) => v.V.StoreUnsafe(ref p, i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Splat(float x) => new(Vector128.Create(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Add(V128 a, V128 b) => new(a.V + b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Sub(V128 a, V128 b) => new(a.V - b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Mul(V128 a, V128 b) => new(a.V * b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Div(V128 a, V128 b) => new(a.V / b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Floor(V128 a) => new(Vector128.Floor(a.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 GreaterThan(V128 a, V128 b) => new(Vector128.GreaterThan(a.V, b.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 LessThan(V128 a, V128 b) => new(Vector128.LessThan(a.V, b.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 IsNotNaN(V128 a) => new(Vector128.Equals(a.V, a.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 And(V128 a, V128 b) => new(a.V & b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Or(V128 a, V128 b) => new(a.V | b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 AndNot(V128 a, V128 mask) => new(Vector128.AndNot(a.V, mask.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Select(V128 mask, V128 a, V128 b) => new(Vector128.ConditionalSelect(mask.V, a.V, b.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 ScaleByPowerOfTwo(V128 y, V128 k)
    {
        Vector128<int> ki = Vector128.ConvertToInt32(k.V);
        Vector128<int> k1 = Vector128.ShiftRightArithmetic(ki, 1);
        Vector128<int> k2 = ki - k1;
        Vector128<int> bias = Vector128.Create(127);
        return new((y.V * Vector128.ShiftLeft(k1 + bias, 23).AsSingle()) * Vector128.ShiftLeft(k2 + bias, 23).AsSingle());
    }
}

/// <summary>256-bit lanes.</summary>
internal readonly struct V256 : ISimd<V256>
{
    public readonly Vector256<float> V;

    public V256(Vector256<float> v) => V = v;

    public static int Count => 8;

    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Load(ref float p, nuint i) => new(Vector256.LoadUnsafe(ref p, i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V256 v, ref float p, nuint i) => v.V.StoreUnsafe(ref p, i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Splat(float x) => new(Vector256.Create(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Add(V256 a, V256 b) => new(a.V + b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Sub(V256 a, V256 b) => new(a.V - b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Mul(V256 a, V256 b) => new(a.V * b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Div(V256 a, V256 b) => new(a.V / b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Floor(V256 a) => new(Vector256.Floor(a.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 GreaterThan(V256 a, V256 b) => new(Vector256.GreaterThan(a.V, b.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 LessThan(V256 a, V256 b) => new(Vector256.LessThan(a.V, b.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 IsNotNaN(V256 a) => new(Vector256.Equals(a.V, a.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 And(V256 a, V256 b) => new(a.V & b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Or(V256 a, V256 b) => new(a.V | b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 AndNot(V256 a, V256 mask) => new(Vector256.AndNot(a.V, mask.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Select(V256 mask, V256 a, V256 b) => new(Vector256.ConditionalSelect(mask.V, a.V, b.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 ScaleByPowerOfTwo(V256 y, V256 k)
    {
        Vector256<int> ki = Vector256.ConvertToInt32(k.V);
        Vector256<int> k1 = Vector256.ShiftRightArithmetic(ki, 1);
        Vector256<int> k2 = ki - k1;
        Vector256<int> bias = Vector256.Create(127);
        return new((y.V * Vector256.ShiftLeft(k1 + bias, 23).AsSingle()) * Vector256.ShiftLeft(k2 + bias, 23).AsSingle());
    }
}

/// <summary>512-bit lanes.</summary>
internal readonly struct V512 : ISimd<V512>
{
    public readonly Vector512<float> V;

    public V512(Vector512<float> v) => V = v;

    public static int Count => 16;

    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Load(ref float p, nuint i) => new(Vector512.LoadUnsafe(ref p, i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V512 v, ref float p, nuint i) => v.V.StoreUnsafe(ref p, i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Splat(float x) => new(Vector512.Create(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Add(V512 a, V512 b) => new(a.V + b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Sub(V512 a, V512 b) => new(a.V - b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Mul(V512 a, V512 b) => new(a.V * b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Div(V512 a, V512 b) => new(a.V / b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Floor(V512 a) => new(Vector512.Floor(a.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 GreaterThan(V512 a, V512 b) => new(Vector512.GreaterThan(a.V, b.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 LessThan(V512 a, V512 b) => new(Vector512.LessThan(a.V, b.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 IsNotNaN(V512 a) => new(Vector512.Equals(a.V, a.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 And(V512 a, V512 b) => new(a.V & b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Or(V512 a, V512 b) => new(a.V | b.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 AndNot(V512 a, V512 mask) => new(Vector512.AndNot(a.V, mask.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Select(V512 mask, V512 a, V512 b) => new(Vector512.ConditionalSelect(mask.V, a.V, b.V));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 ScaleByPowerOfTwo(V512 y, V512 k)
    {
        Vector512<int> ki = Vector512.ConvertToInt32(k.V);
        Vector512<int> k1 = Vector512.ShiftRightArithmetic(ki, 1);
        Vector512<int> k2 = ki - k1;
        Vector512<int> bias = Vector512.Create(127);
        return new((y.V * Vector512.ShiftLeft(k1 + bias, 23).AsSingle()) * Vector512.ShiftLeft(k2 + bias, 23).AsSingle());
    }
}
