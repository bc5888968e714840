using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNet.Optimizers.Kernels;

/// <summary>EMA: <c>avg = mom*avg + (1 - mom)*var</c> (a = avg, x = var).</summary>
internal readonly struct EmaOp(float mom, float oneMinusMom) : IOp1
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float a, float x) => (mom * a) + (oneMinusMom * x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> x) => (Vector128.Create(mom) * a) + (Vector128.Create(oneMinusMom) * x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> x) => (Vector256.Create(mom) * a) + (Vector256.Create(oneMinusMom) * x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> x) => (Vector512.Create(mom) * a) + (Vector512.Create(oneMinusMom) * x);
}

/// <summary>Accumulation: <c>acc = g + acc</c>, or <c>acc = g/S + acc</c> when a loss scale is undone (a = acc, x = g).</summary>
internal readonly struct AccumulateOp(bool divide, float scale) : IOp1
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float a, float x) => (divide ? x / scale : x) + a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> x) => (divide ? x / Vector128.Create(scale) : x) + a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> x) => (divide ? x / Vector256.Create(scale) : x) + a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> x) => (divide ? x / Vector512.Create(scale) : x) + a;
}

/// <summary>Accumulation update call: <c>acc = (g[/S] + acc) / n</c> (a = acc, x = g).</summary>
internal readonly struct AccumulateAverageOp(bool divide, float scale, float n) : IOp1
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float a, float x) => ((divide ? x / scale : x) + a) / n;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> x) => ((divide ? x / Vector128.Create(scale) : x) + a) / Vector128.Create(n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> x) => ((divide ? x / Vector256.Create(scale) : x) + a) / Vector256.Create(n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> x) => ((divide ? x / Vector512.Create(scale) : x) + a) / Vector512.Create(n);
}

/// <summary>How a gradient is clipped once its norm is known.</summary>
internal enum ClipMode
{
    None,

    /// <summary><c>(g*c)/d</c>.</summary>
    Norm,

    /// <summary><c>g*s</c>.</summary>
    Scale,

    /// <summary><c>clip(g, -v, v)</c>.</summary>
    Value,
}

/// <summary>
/// The gradient transform Keras applies before the update: undo the loss scale (<c>g/S</c>), then one clip
/// (a = destination, x = source gradient; a's old value is ignored).
/// </summary>
internal readonly struct GradientTransformOp(bool divide, float scale, ClipMode mode, float p, float q) : IOp1
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float a, float x)
    {
        float t = divide ? x / scale : x;
        return mode switch
        {
            ClipMode.Norm => (t * p) / q,
            ClipMode.Scale => t * p,
            ClipMode.Value => float.IsNaN(t) ? t : MathF.Min(MathF.Max(t, -p), p),
            _ => t,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> x)
    {
        Vector128<float> t = divide ? x / Vector128.Create(scale) : x;
        switch (mode)
        {
            case ClipMode.Norm:
                return (t * Vector128.Create(p)) / Vector128.Create(q);
            case ClipMode.Scale:
                return t * Vector128.Create(p);
            case ClipMode.Value:
                Vector128<float> c = Vector128.Min(Vector128.Max(t, Vector128.Create(-p)), Vector128.Create(p));
                return Vector128.ConditionalSelect(Vector128.Equals(t, t), c, t);
            default:
                return t;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> x)
    {
        Vector256<float> t = divide ? x / Vector256.Create(scale) : x;
        switch (mode)
        {
            case ClipMode.Norm:
                return (t * Vector256.Create(p)) / Vector256.Create(q);
            case ClipMode.Scale:
                return t * Vector256.Create(p);
            case ClipMode.Value:
                Vector256<float> c = Vector256.Min(Vector256.Max(t, Vector256.Create(-p)), Vector256.Create(p));
                return Vector256.ConditionalSelect(Vector256.Equals(t, t), c, t);
            default:
                return t;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> x)
    {
        Vector512<float> t = divide ? x / Vector512.Create(scale) : x;
        switch (mode)
        {
            case ClipMode.Norm:
                return (t * Vector512.Create(p)) / Vector512.Create(q);
            case ClipMode.Scale:
                return t * Vector512.Create(p);
            case ClipMode.Value:
                Vector512<float> c = Vector512.Min(Vector512.Max(t, Vector512.Create(-p)), Vector512.Create(p));
                return Vector512.ConditionalSelect(Vector512.Equals(t, t), c, t);
            default:
                return t;
        }
    }
}

/// <summary>Decoupled weight decay: <c>var = var - (var*wd)*lr</c> (a = var; x unused, pass var).</summary>
internal readonly struct WeightDecayOp(float wd, float lr) : IOp1
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float a, float x) => a - ((a * wd) * lr);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> x) => a - ((a * Vector128.Create(wd)) * Vector128.Create(lr));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> x) => a - ((a * Vector256.Create(wd)) * Vector256.Create(lr));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> x) => a - ((a * Vector512.Create(wd)) * Vector512.Create(lr));
}

/// <summary>Copy: a = x.</summary>
internal readonly struct CopyOp : IOp1
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float a, float x) => x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> x) => x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> x) => x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> x) => x;
}

/// <summary>Finiteness test used by the non-finite gradient policies.</summary>
internal static class Finite
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool All(ReadOnlySpan<float> x)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i <= x.Length - 8; i += 8)
            {
                Vector256<float> v = Vector256.Create(x.Slice(i, 8));
                acc += v - v;
            }

            if (!Vector256.EqualsAll(acc, Vector256<float>.Zero))
            {
                return false;
            }
        }

        for (; i < x.Length; i++)
        {
            if (!float.IsFinite(x[i]))
            {
                return false;
            }
        }

        return true;
    }
}
