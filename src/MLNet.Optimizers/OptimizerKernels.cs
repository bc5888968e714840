using System;
using MLNet.Optimizers.Kernels;

namespace MLNet.Optimizers;

/// <summary>
/// Span-in, span-out optimizer kernels: validated, allocation-free, one fused pass (Vector512 → Vector256 → scalar tail),
/// bit-identical to the scalar formulas given for each. The optimizers call these same kernels.
/// </summary>
public static class OptimizerKernels
{
    /// <summary>
    /// One Lion step in one pass: <c>var -= lr*sign(m*b1 + g*(1 - b1))</c>, then <c>m = m*b2 + g*(1 - b2)</c>, each
    /// operation rounded to float32 (no fused multiply-add); <c>sign(±0) = 0</c>, <c>sign(NaN) = NaN</c>.
    /// </summary>
    /// <param name="variable">Parameter values, updated.</param>
    /// <param name="momentum">Momentum, updated.</param>
    /// <param name="gradient">The gradient.</param>
    /// <param name="learningRate">float32 learning rate.</param>
    /// <param name="beta1">float32 beta_1.</param>
    /// <param name="beta2">float32 beta_2.</param>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void LionStep(Span<float> variable, Span<float> momentum, ReadOnlySpan<float> gradient, float learningRate, float beta1, float beta2)
    {
        SameLength(variable.Length, momentum.Length, nameof(momentum));
        SameLength(variable.Length, gradient.Length, nameof(gradient));
        LionStepCore(variable, momentum, gradient, learningRate, beta1, beta2, false, 0f, Threading.Serial);
    }

    internal static void LionStepCore(Span<float> variable, Span<float> momentum, ReadOnlySpan<float> gradient, float lr, float b1, float b2, bool decay, float wd, Threading t) =>
        Elementwise.Run(variable, momentum, gradient, new LionOp(lr, b1, 1f - b1, b2, 1f - b2, decay, wd), t);

    /// <summary>Exponential moving average in one pass: <c>average = m*average + (1 - m)*values</c>, <c>1 - m</c> in float32.</summary>
    /// <param name="average">The average, updated.</param>
    /// <param name="values">The current values.</param>
    /// <param name="momentum">float32 momentum.</param>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void EmaUpdate(Span<float> average, ReadOnlySpan<float> values, float momentum)
    {
        SameLength(average.Length, values.Length, nameof(values));
        Elementwise.Run(average, values, new EmaOp(momentum, 1f - momentum));
    }

    /// <summary>Decoupled weight decay as Keras applies it: <c>var = var - (var*wd)*lr</c>.</summary>
    /// <param name="variable">Parameter values, updated.</param>
    /// <param name="weightDecay">float32 weight decay.</param>
    /// <param name="learningRate">float32 learning rate.</param>
    public static void WeightDecay(Span<float> variable, float weightDecay, float learningRate) =>
        Elementwise.Run(variable, variable, new WeightDecayOp(weightDecay, learningRate));

    /// <summary>NumPy's float32 pairwise sum, bit for bit (what <c>np.sum</c> returns for a contiguous float32 array).</summary>
    /// <param name="values">The values.</param>
    /// <returns>The sum.</returns>
    public static float PairwiseSum(ReadOnlySpan<float> values) => Pairwise.Sum(values);

    /// <summary>NumPy's float32 pairwise sum of <c>x*x</c>.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The sum of squares.</returns>
    public static float PairwiseSumOfSquares(ReadOnlySpan<float> values) => Pairwise.SumOfSquares(values);

    /// <summary>Root mean square as Keras's Adafactor computes it: <c>sqrtf(f32(pairwise_sum(x*x) / n))</c>.</summary>
    /// <param name="values">The values (at least one).</param>
    /// <returns>The RMS.</returns>
    /// <exception cref="ArgumentException">The span is empty.</exception>
    public static float Rms(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("RMS of an empty span is undefined.", nameof(values));
        }

        return MathF.Sqrt(Pairwise.SumOfSquares(values) / values.Length);
    }

    private static void SameLength(int expected, int actual, string name)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"{name} has {actual} values; expected {expected} (the variable's length).", name);
        }
    }
}
