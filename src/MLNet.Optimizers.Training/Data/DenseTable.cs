using System;
using System.Collections.Generic;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// An in-memory data set: float32 features row-major (<see cref="RowCount"/> × <see cref="FeatureCount"/>), one label
/// per row (regression value, 0/1 for binary, class index for multiclass) and optional example weights.
/// </summary>
public sealed class DenseTable
{
    /// <summary>Creates a table over existing arrays (not copied).</summary>
    /// <param name="features">Row-major features; length must be rows × featureCount.</param>
    /// <param name="featureCount">Features per row (at least 1).</param>
    /// <param name="labels">One label per row.</param>
    /// <param name="weights">One non-negative weight per row, or null for all 1.</param>
    /// <param name="featureNames">Names of the features, or null for f0, f1, ...</param>
    /// <exception cref="ArgumentException">Lengths disagree, or a weight is negative or not finite.</exception>
    public DenseTable(float[] features, int featureCount, float[] labels, float[]? weights = null, IReadOnlyList<string>? featureNames = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (featureCount < 1)
        {
            throw new ArgumentException($"featureCount must be >= 1, got {featureCount}.", nameof(featureCount));
        }

        if (features.Length != (long)labels.Length * featureCount)
        {
            throw new ArgumentException($"features has {features.Length} values; {labels.Length} rows x {featureCount} features need {(long)labels.Length * featureCount}.", nameof(features));
        }

        if (weights != null)
        {
            if (weights.Length != labels.Length)
            {
                throw new ArgumentException($"weights has {weights.Length} values; there are {labels.Length} rows.", nameof(weights));
            }

            for (int i = 0; i < weights.Length; i++)
            {
                if (!(weights[i] >= 0) || float.IsInfinity(weights[i]))
                {
                    throw new ArgumentException($"weights[{i}] must be a finite number >= 0, got {weights[i]}.", nameof(weights));
                }
            }
        }

        if (featureNames != null && featureNames.Count != featureCount)
        {
            throw new ArgumentException($"featureNames has {featureNames.Count} names; there are {featureCount} features.", nameof(featureNames));
        }

        Features = features;
        FeatureCount = featureCount;
        Labels = labels;
        Weights = weights;
        var names = new string[featureCount];
        for (int i = 0; i < featureCount; i++)
        {
            names[i] = featureNames?[i] ?? "f" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        FeatureNames = names;
    }

    /// <summary>Row-major features.</summary>
    public float[] Features { get; }

    /// <summary>Features per row.</summary>
    public int FeatureCount { get; }

    /// <summary>Labels, one per row.</summary>
    public float[] Labels { get; }

    /// <summary>Example weights, or null (all 1).</summary>
    public float[]? Weights { get; }

    /// <summary>Feature names (after one-hot expansion: <c>color=red</c>).</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Number of rows.</summary>
    public int RowCount => Labels.Length;

    /// <summary>The features of row <paramref name="row"/>.</summary>
    /// <param name="row">The row index.</param>
    /// <returns>A view of that row.</returns>
    public ReadOnlySpan<float> Row(int row) => Features.AsSpan(row * FeatureCount, FeatureCount);

    /// <summary>A new table with the given rows, in that order (features, labels and weights copied).</summary>
    /// <param name="rows">Row indices.</param>
    /// <returns>The subset.</returns>
    public DenseTable Select(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var f = new float[(long)rows.Count * FeatureCount];
        var l = new float[rows.Count];
        float[]? w = Weights is null ? null : new float[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            int r = rows[i];
            if ((uint)r >= (uint)RowCount)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), r, $"row {r} is outside 0..{RowCount - 1}.");
            }

            Row(r).CopyTo(f.AsSpan(i * FeatureCount, FeatureCount));
            l[i] = Labels[r];
            if (w != null)
            {
                w[i] = Weights![r];
            }
        }

        return new DenseTable(f, FeatureCount, l, w, FeatureNames);
    }
}
