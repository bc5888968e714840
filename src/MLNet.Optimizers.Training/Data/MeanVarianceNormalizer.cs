using System;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// Fits a mean-variance normalizer (ML.NET's <c>NormalizeMeanVariance</c> with <c>useCdf: false</c>) on training data.
/// Fit only on the training split, then apply the returned <see cref="AffineNormalizer"/> to every split.
/// </summary>
/// <remarks>
/// <para>
/// With <c>fixZero: false</c> (the default here — note ML.NET's default is true) this is the z-score
/// <c>(x - mean) / std</c>: offset = mean, scale = 1 / std, where std is the population standard deviation
/// (divide by n, as ML.NET does).
/// With <c>fixZero: true</c> (ML.NET's default) the offset is 0 and the scale <c>1 / sqrt(variance + mean²)</c>
/// (1 / root-mean-square), so zero stays zero.
/// </para>
/// <para>A constant feature (variance 0) gets scale 0 and offset 0 (ML.NET's rule): it maps to 0, never NaN.</para>
/// <para>Statistics use Welford's algorithm in double precision; offsets and scales are stored as float. Example weights are ignored.</para>
/// </remarks>
public static class MeanVarianceNormalizer
{
    /// <summary>Fits on every row of <paramref name="train"/>.</summary>
    /// <param name="train">The training rows.</param>
    /// <param name="fixZero">Keep 0 at 0 (scale by 1 / RMS) rather than subtract the mean.</param>
    /// <returns>The fitted transform.</returns>
    public static AffineNormalizer Fit(DenseTable train, bool fixZero = false)
    {
        ArgumentNullException.ThrowIfNull(train);
        return FitCore(train, null, train.FeatureCount, fixZero);
    }

    /// <summary>Fits on epoch 0 of <paramref name="source"/> (which should have no transform attached); the source is left at the end of that epoch.</summary>
    /// <param name="source">The training rows.</param>
    /// <param name="fixZero">Keep 0 at 0 rather than subtract the mean.</param>
    /// <returns>The fitted transform.</returns>
    public static AffineNormalizer Fit(IBatchSource source, bool fixZero = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        return FitCore(null, source, source.FeatureCount, fixZero);
    }

    /// <summary>The scale and offset for a feature with the given mean and population variance.</summary>
    /// <param name="mean">The training mean.</param>
    /// <param name="variance">The training population variance (sum of squared deviations / n).</param>
    /// <param name="fixZero">Whether zero stays zero.</param>
    /// <returns>The offset and scale.</returns>
    public static (double Offset, double Scale) ComputeOffsetAndScale(double mean, double variance, bool fixZero)
    {
        if (!(variance > 0))
        {
            return (0, 0);
        }

        if (fixZero)
        {
            return (0, 1 / Math.Sqrt(variance + (mean * mean)));
        }

        double scale = 1 / Math.Sqrt(variance);
        return scale == 0 ? (0, 0) : (mean, scale);
    }

    private static AffineNormalizer FitCore(DenseTable? table, IBatchSource? source, int f, bool fixZero)
    {
        var mean = new double[f];
        var m2 = new double[f];
        long n = 0;
        AffineNormalizer.ForEachRow(table, source, f, row =>
        {
            n++;
            for (int j = 0; j < f; j++)
            {
                double x = row[j];
                double delta = x - mean[j];
                mean[j] += delta / n;
                m2[j] += delta * (x - mean[j]);
            }
        });

        var offsets = new float[f];
        var scales = new float[f];
        for (int j = 0; j < f; j++)
        {
            (double o, double s) = ComputeOffsetAndScale(mean[j], m2[j] / n, fixZero);
            offsets[j] = (float)o;
            scales[j] = (float)s;
        }

        return new AffineNormalizer(offsets, scales);
    }
}
