using System;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// Fits ML.NET's min-max normalizer (<c>NormalizeMinMax</c>) on training data. Fit only on the training split, then
/// apply the returned <see cref="AffineNormalizer"/> to every split.
/// </summary>
/// <remarks>
/// <para>
/// With <c>fixZero: true</c> (ML.NET's default, and the default here) the offset is 0 and the scale
/// <c>1 / max(|min|, |max|)</c>: zero stays zero (sparsity is kept) and values land in [-1, 1] — in [0, 1] for
/// non-negative features such as pixel counts or one-hot columns (which stay 0/1).
/// With <c>fixZero: false</c> the offset is <c>min</c> and the scale <c>1 / (max - min)</c>: training values land in [0, 1].
/// </para>
/// <para>A constant feature (max ≤ min) gets scale 0 and offset 0 (ML.NET's rule): it maps to 0, never NaN.</para>
/// <para>Statistics are computed in double precision; offsets and scales are stored as float. Example weights are ignored (as in ML.NET).</para>
/// </remarks>
public static class MinMaxNormalizer
{
    /// <summary>Fits on every row of <paramref name="train"/>.</summary>
    /// <param name="train">The training rows.</param>
    /// <param name="fixZero">Keep 0 at 0 (scale by the largest magnitude) rather than map [min, max] to [0, 1].</param>
    /// <returns>The fitted transform.</returns>
    public static AffineNormalizer Fit(DenseTable train, bool fixZero = true)
    {
        ArgumentNullException.ThrowIfNull(train);
        return FitCore(train, null, train.FeatureCount, fixZero);
    }

    /// <summary>Fits on epoch 0 of <paramref name="source"/> (which should have no transform attached); the source is left at the end of that epoch.</summary>
    /// <param name="source">The training rows.</param>
    /// <param name="fixZero">Keep 0 at 0 rather than map [min, max] to [0, 1].</param>
    /// <returns>The fitted transform.</returns>
    public static AffineNormalizer Fit(IBatchSource source, bool fixZero = true)
    {
        ArgumentNullException.ThrowIfNull(source);
        return FitCore(null, source, source.FeatureCount, fixZero);
    }

    /// <summary>ML.NET's scale and offset for a feature with the given range.</summary>
    /// <param name="min">The smallest training value.</param>
    /// <param name="max">The largest training value.</param>
    /// <param name="fixZero">Whether zero stays zero.</param>
    /// <returns>The offset and scale.</returns>
    public static (double Offset, double Scale) ComputeOffsetAndScale(double min, double max, bool fixZero)
    {
        if (!(max > min))
        {
            return (0, 0);
        }

        if (fixZero)
        {
            return (0, 1 / Math.Max(Math.Abs(max), Math.Abs(min)));
        }

        double scale = 1 / (max - min);
        return scale == 0 ? (0, 0) : (min, scale);
    }

    private static AffineNormalizer FitCore(DenseTable? table, IBatchSource? source, int f, bool fixZero)
    {
        var min = new double[f];
        var max = new double[f];
        Array.Fill(min, double.PositiveInfinity);
        Array.Fill(max, double.NegativeInfinity);
        AffineNormalizer.ForEachRow(table, source, f, row =>
        {
            for (int j = 0; j < f; j++)
            {
                double v = row[j];
                if (v < min[j])
                {
                    min[j] = v;
                }

                if (v > max[j])
                {
                    max[j] = v;
                }
            }
        });

        var offsets = new float[f];
        var scales = new float[f];
        for (int j = 0; j < f; j++)
        {
            (double o, double s) = ComputeOffsetAndScale(min[j], max[j], fixZero);
            offsets[j] = (float)o;
            scales[j] = (float)s;
        }

        return new AffineNormalizer(offsets, scales);
    }
}
