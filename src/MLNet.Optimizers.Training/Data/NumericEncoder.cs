using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// How <see cref="NumericEncoder"/> turns each input feature into network inputs (the tabular recipe's input layer).
/// Defaults: <see cref="NumericEncodingDefaults"/>.
/// </summary>
public sealed class NumericEncodingOptions
{
    /// <summary>
    /// Robust scaling of the raw value: <c>(x - median) / (q75 - q25)</c>, or <c>/ ((max - min) / 2)</c> when the
    /// quartiles coincide (binary and one-hot columns), 0 for a constant column. Off: the raw value is passed as it is.
    /// </summary>
    public bool RobustScaling { get; set; } = NumericEncodingDefaults.RobustScaling;

    /// <summary>
    /// Smooth clipping of the (scaled) raw value, <c>x / sqrt(1 + (x / c)^2)</c>: about x near 0, never beyond ±c, so an
    /// outlier cannot drive a ReLU network far out of its training range. 0: off.
    /// </summary>
    public double SmoothClip { get; set; } = NumericEncodingDefaults.SmoothClip;

    /// <summary>
    /// Piecewise-linear encoding (Gorishniy et al., "On embeddings for numerical features in tabular deep learning"):
    /// this many quantile bins per feature, each input <c>clamp((x - e_(t-1)) / (e_t - e_(t-1)), 0, 1)</c>, appended after
    /// the raw values. Duplicate quantiles merge; a feature with fewer than 3 distinct values gets none (its raw value
    /// says everything). 0: off.
    /// </summary>
    public int PiecewiseLinearBins { get; set; } = NumericEncodingDefaults.PiecewiseLinearBins;

    /// <summary>At most this many rows (an evenly spaced subset) are sorted to find quantiles.</summary>
    public int MaxQuantileRows { get; set; } = NumericEncodingDefaults.MaxQuantileRows;

    /// <summary>Whether the encoding changes anything (otherwise the features are used as they are).</summary>
    public bool IsIdentity => !RobustScaling && SmoothClip == 0 && PiecewiseLinearBins == 0;

    /// <summary>Throws when an option is out of range (naming it and the value).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (!(SmoothClip >= 0) || double.IsInfinity(SmoothClip))
        {
            throw new ArgumentOutOfRangeException(nameof(SmoothClip), SmoothClip, $"SmoothClip must be a finite number >= 0 (0: off), got {SmoothClip}.");
        }

        if (PiecewiseLinearBins < 0 || PiecewiseLinearBins == 1 || PiecewiseLinearBins > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(PiecewiseLinearBins), PiecewiseLinearBins, $"PiecewiseLinearBins must be 0 (off) or in 2..1024, got {PiecewiseLinearBins}.");
        }

        if (MaxQuantileRows < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQuantileRows), MaxQuantileRows, $"MaxQuantileRows must be >= 2, got {MaxQuantileRows}.");
        }
    }

    /// <summary>A copy.</summary>
    /// <returns>A new options object with the same values.</returns>
    public NumericEncodingOptions Clone() => new()
    {
        RobustScaling = RobustScaling,
        SmoothClip = SmoothClip,
        PiecewiseLinearBins = PiecewiseLinearBins,
        MaxQuantileRows = MaxQuantileRows,
    };
}

/// <summary>The recommended numeric encoding (measured with the tabular benchmark, docs/quality.md).</summary>
public static class NumericEncodingDefaults
{
    /// <summary>Robust scaling of the raw values: on.</summary>
    public const bool RobustScaling = true;

    /// <summary>Smooth clipping at ±3 (RealMLP's choice, Holzmüller et al. 2024).</summary>
    public const double SmoothClip = 3;

    /// <summary>
    /// 4 piecewise-linear bins per numeric feature: against 8 and 16 on the six public data sets (tabular benchmark,
    /// docs/quality.md) 4 had the best mean over five splits on the three small sets and was within 0.002 of the best
    /// on the three large ones, with the narrowest input layer.
    /// </summary>
    public const int PiecewiseLinearBins = 4;

    /// <summary>Quantiles from at most 100,000 rows.</summary>
    public const int MaxQuantileRows = 100_000;
}

/// <summary>
/// A fitted numeric encoding: for each input feature a raw value <c>smoothclip(a_j * x_j + b_j)</c> (robust scaling
/// and smooth clipping), followed by piecewise-linear bins <c>clamp(a_t * x_j + b_t, 0, 1)</c>. Every output is one
/// affine function of one input and then one fixed element function, so the encoding is exactly two sparse linear
/// layers and two expressions: the ML.NET bridge exports it as ML.NET's own components. <see cref="Encode(ReadOnlySpan{float}, Span{float})"/>
/// computes each output with the same float32 operations in the same order (<c>b + a * x</c>; the clip
/// <c>v / sqrt(1 + v * v / c^2)</c>; <c>min(max(v, 0), 1)</c>).
/// </summary>
public sealed class NumericEncoder
{
    private readonly float[] _rawScale;
    private readonly float[] _rawOffset;
    private readonly int[] _binFeature;
    private readonly float[] _binScale;
    private readonly float[] _binOffset;

    private NumericEncoder(int inputCount, float[] rawScale, float[] rawOffset, float clip, int[] binFeature, float[] binScale, float[] binOffset)
    {
        InputCount = inputCount;
        _rawScale = rawScale;
        _rawOffset = rawOffset;
        SmoothClipSquared = clip * clip;
        SmoothClip = clip;
        _binFeature = binFeature;
        _binScale = binScale;
        _binOffset = binOffset;
    }

    /// <summary>Features in.</summary>
    public int InputCount { get; }

    /// <summary>Raw outputs (one per input feature), first in the encoded row.</summary>
    public int RawCount => InputCount;

    /// <summary>Piecewise-linear outputs, after the raw ones.</summary>
    public int BinCount => _binFeature.Length;

    /// <summary>Features out: <see cref="RawCount"/> + <see cref="BinCount"/>.</summary>
    public int OutputCount => RawCount + BinCount;

    /// <summary>The smooth-clip limit c (0: no clipping).</summary>
    public float SmoothClip { get; }

    /// <summary>c², the constant of the clip expression.</summary>
    public float SmoothClipSquared { get; }

    /// <summary>Raw output j is <c>RawOffset[j] + RawScale[j] * x_j</c> before the clip.</summary>
    public IReadOnlyList<float> RawScale => _rawScale;

    /// <summary>See <see cref="RawScale"/>.</summary>
    public IReadOnlyList<float> RawOffset => _rawOffset;

    /// <summary>The input feature of each bin.</summary>
    public IReadOnlyList<int> BinFeature => _binFeature;

    /// <summary>Bin t is <c>clamp(BinOffset[t] + BinScale[t] * x_(BinFeature[t]), 0, 1)</c>.</summary>
    public IReadOnlyList<float> BinScale => _binScale;

    /// <summary>See <see cref="BinScale"/>.</summary>
    public IReadOnlyList<float> BinOffset => _binOffset;

    /// <summary>Fits the encoding on the rows of <paramref name="table"/> (finite values only).</summary>
    /// <param name="table">The training rows.</param>
    /// <param name="options">The encoding.</param>
    /// <returns>The fitted encoder.</returns>
    /// <exception cref="ArgumentException">The table has no rows.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static NumericEncoder Fit(DenseTable table, NumericEncodingOptions options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (table.RowCount == 0)
        {
            throw new ArgumentException("The table has no rows to fit the numeric encoding on.", nameof(table));
        }

        int d = table.FeatureCount;
        int n = table.RowCount;
        int take = Math.Min(n, options.MaxQuantileRows);
        var rawScale = new float[d];
        var rawOffset = new float[d];
        var binFeature = new List<int>();
        var binScale = new List<float>();
        var binOffset = new List<float>();
        var column = new float[take];
        var keys = new uint[take];
        var other = new uint[take];
        var edges = new List<float>();
        for (int j = 0; j < d; j++)
        {
            int m = 0;
            for (int s = 0; s < take; s++)
            {
                // An evenly spaced subset when the table is larger than MaxQuantileRows.
                int r = (int)((long)s * n / take);
                float v = table.Features[((long)r * d) + j];
                if (float.IsFinite(v))
                {
                    column[m++] = v;
                }
            }

            Span<float> sorted = column.AsSpan(0, m);
            FloatSort.Sort(sorted, keys, other);
            if (options.RobustScaling && m > 0)
            {
                float median = Quantile(sorted, 0.5);
                float range = Quantile(sorted, 0.75) - Quantile(sorted, 0.25);
                if (!(range > 0))
                {
                    range = 0.5f * (sorted[m - 1] - sorted[0]);
                }

                float a = range > 0 && float.IsFinite(1f / range) ? 1f / range : 0f;
                rawScale[j] = a;
                rawOffset[j] = a == 0 ? 0f : -median * a;
            }
            else
            {
                rawScale[j] = options.RobustScaling ? 0f : 1f;
                rawOffset[j] = 0f;
            }

            if (options.PiecewiseLinearBins > 0 && m > 0)
            {
                int bins = options.PiecewiseLinearBins;
                edges.Clear();
                for (int t = 0; t <= bins; t++)
                {
                    float q = sorted[(int)((long)t * (m - 1) / bins)];
                    if (edges.Count == 0 || q > edges[^1])
                    {
                        edges.Add(q);
                    }
                }

                if (CountDistinct(sorted, 3) >= 3)
                {
                    for (int t = 1; t < edges.Count; t++)
                    {
                        float width = edges[t] - edges[t - 1];
                        float a = 1f / width;
                        if (!float.IsFinite(a) || a == 0)
                        {
                            continue;
                        }

                        binFeature.Add(j);
                        binScale.Add(a);
                        binOffset.Add(-edges[t - 1] * a);
                    }
                }
            }
        }

        float clip = (float)options.SmoothClip;
        return new NumericEncoder(d, rawScale, rawOffset, clip, binFeature.ToArray(), binScale.ToArray(), binOffset.ToArray());
    }

    /// <summary>The q-quantile of sorted values, as the value at index floor(q * (n - 1)).</summary>
    private static float Quantile(ReadOnlySpan<float> sorted, double q) => sorted[(int)(q * (sorted.Length - 1))];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CountDistinct(ReadOnlySpan<float> sorted, int stopAt)
    {
        int count = sorted.Length > 0 ? 1 : 0;
        for (int i = 1; i < sorted.Length && count < stopAt; i++)
        {
            if (sorted[i] != sorted[i - 1])
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The smooth clip <c>v / sqrt(1 + v * v / c2)</c> in float32, in that order.</summary>
    /// <param name="v">The value.</param>
    /// <param name="c2">The squared limit.</param>
    /// <returns>The clipped value.</returns>
    public static float Clip(float v, float c2) => v / MathF.Sqrt(1f + (v * v / c2));

    /// <summary>Encodes one row.</summary>
    /// <param name="x"><see cref="InputCount"/> features.</param>
    /// <param name="y"><see cref="OutputCount"/> outputs.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Encode(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != InputCount || y.Length != OutputCount)
        {
            throw new ArgumentException($"Encode takes {InputCount} features into {OutputCount} outputs, got {x.Length} into {y.Length}.", nameof(y));
        }

        bool clip = SmoothClip > 0;
        float c2 = SmoothClipSquared;
        for (int j = 0; j < InputCount; j++)
        {
            float v = _rawOffset[j] + (_rawScale[j] * x[j]);
            y[j] = clip ? Clip(v, c2) : v;
        }

        Span<float> bins = y[InputCount..];
        for (int t = 0; t < bins.Length; t++)
        {
            float v = _binOffset[t] + (_binScale[t] * x[_binFeature[t]]);
            bins[t] = MathF.Min(MathF.Max(v, 0f), 1f);
        }
    }

    /// <summary>Encodes every row of a table (labels and weights are shared, not copied).</summary>
    /// <param name="table">The rows.</param>
    /// <returns>A table of <see cref="OutputCount"/> features.</returns>
    /// <exception cref="ArgumentException">The table has another feature count.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public DenseTable Encode(DenseTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.FeatureCount != InputCount)
        {
            throw new ArgumentException($"The table has {table.FeatureCount} features; the encoder was fitted on {InputCount}.", nameof(table));
        }

        int k = OutputCount;
        var f = new float[(long)table.RowCount * k];
        for (int r = 0; r < table.RowCount; r++)
        {
            Encode(table.Row(r), f.AsSpan(r * k, k));
        }

        var names = new string[k];
        for (int j = 0; j < InputCount; j++)
        {
            names[j] = table.FeatureNames[j];
        }

        for (int t = 0; t < BinCount; t++)
        {
            names[InputCount + t] = table.FeatureNames[_binFeature[t]] + "#bin" + t.ToString(CultureInfo.InvariantCulture);
        }

        return new DenseTable(f, k, table.Labels, table.Weights, names);
    }
}
