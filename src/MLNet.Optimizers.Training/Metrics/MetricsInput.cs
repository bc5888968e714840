using System;
using System.Globalization;

namespace MLNet.Optimizers.Training.Metrics;

/// <summary>Argument checks shared by the evaluators; every failure is an <see cref="ArgumentException"/> naming the argument and the value.</summary>
internal static class MetricsInput
{
    internal static string R(double v) =>
        double.IsNaN(v) ? "NaN"
        : double.IsPositiveInfinity(v) ? "+Infinity"
        : double.IsNegativeInfinity(v) ? "-Infinity"
        : v.ToString("R", CultureInfo.InvariantCulture);

    internal static string R(float v) =>
        float.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : R((double)v);

    internal static void CheckSameLength(int expected, int actual, string paramName, string expectedWhat)
    {
        if (actual != expected)
        {
            throw new ArgumentException(
                $"{paramName} has {actual.ToString(CultureInfo.InvariantCulture)} values; {expectedWhat} {expected.ToString(CultureInfo.InvariantCulture)}.",
                paramName);
        }
    }

    /// <summary>Weights are optional (empty = unweighted); otherwise one finite, non-negative weight per example.</summary>
    /// <returns>True when the evaluation is weighted.</returns>
    internal static bool CheckWeights(ReadOnlySpan<float> weights, int count)
    {
        if (weights.IsEmpty)
        {
            return false;
        }

        CheckSameLength(count, weights.Length, "weights", "there are labels for");
        for (int i = 0; i < weights.Length; i++)
        {
            float w = weights[i];
            if (!(w >= 0) || float.IsPositiveInfinity(w))
            {
                throw new ArgumentException(
                    $"weights[{i.ToString(CultureInfo.InvariantCulture)}] must be a finite number >= 0, got {R(w)}.", "weights");
            }
        }

        return true;
    }

    internal static void CheckProbability(float p, int index, string paramName)
    {
        if (!(p >= 0f && p <= 1f))
        {
            throw new ArgumentException(
                $"{paramName}[{index.ToString(CultureInfo.InvariantCulture)}] must be a probability in [0, 1], got {R(p)}.", paramName);
        }
    }

    internal static ArgumentException Bad(string paramName, int index, string requirement, float value) =>
        new($"{paramName}[{index.ToString(CultureInfo.InvariantCulture)}] must be {requirement}, got {R(value)}.", paramName);
}
