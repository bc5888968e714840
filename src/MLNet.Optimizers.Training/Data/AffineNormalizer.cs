using System;
using System.Collections.Generic;
using System.Numerics;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// A fitted per-feature affine featurizer, <c>y = (x - offset) * scale</c> (ML.NET's affine normalizer form), produced by
/// <see cref="MinMaxNormalizer"/> or <see cref="MeanVarianceNormalizer"/> from training data only and then applied to
/// training, validation and test rows alike. A constant feature has scale 0 and offset 0, so it maps to 0 (never NaN).
/// </summary>
public sealed class AffineNormalizer : IRowTransform
{
    private readonly float[] _offsets;
    private readonly float[] _scales;

    /// <summary>Creates the transform from its parameters (for example when restoring a persisted model).</summary>
    /// <param name="offsets">Per-feature offsets (copied).</param>
    /// <param name="scales">Per-feature scales (copied).</param>
    /// <exception cref="ArgumentException">The lengths differ or are 0, or a value is not finite.</exception>
    public AffineNormalizer(IReadOnlyList<float> offsets, IReadOnlyList<float> scales)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(scales);
        if (offsets.Count == 0 || offsets.Count != scales.Count)
        {
            throw new ArgumentException($"offsets ({offsets.Count}) and scales ({scales.Count}) must have the same, non-zero length.", nameof(scales));
        }

        _offsets = new float[offsets.Count];
        _scales = new float[scales.Count];
        for (int i = 0; i < _offsets.Length; i++)
        {
            _offsets[i] = offsets[i];
            _scales[i] = scales[i];
            if (!float.IsFinite(_offsets[i]) || !float.IsFinite(_scales[i]))
            {
                throw new ArgumentException($"offset {_offsets[i]} and scale {_scales[i]} of feature {i} must be finite.", nameof(offsets));
            }
        }

        Offsets = Array.AsReadOnly(_offsets);
        Scales = Array.AsReadOnly(_scales);
    }

    /// <summary>Features per row.</summary>
    public int FeatureCount => _offsets.Length;

    /// <summary>Per-feature offsets (subtracted first).</summary>
    public IReadOnlyList<float> Offsets { get; }

    /// <summary>Per-feature scales (multiplied after the offset is subtracted).</summary>
    public IReadOnlyList<float> Scales { get; }

    /// <summary>Transforms every row of <paramref name="features"/> in place, allocation-free.</summary>
    /// <param name="features">Row-major features; the length is a multiple of <paramref name="featureCount"/>.</param>
    /// <param name="featureCount">Features per row; must equal <see cref="FeatureCount"/>.</param>
    /// <exception cref="ArgumentException">The feature count differs, or the length is not a multiple of it.</exception>
    public void Transform(Span<float> features, int featureCount)
    {
        int f = _offsets.Length;
        if (featureCount != f)
        {
            throw new ArgumentException($"The normalizer was fitted on {f} features; got {featureCount}.", nameof(featureCount));
        }

        if (features.Length % f != 0)
        {
            throw new ArgumentException($"features has {features.Length} values, not a multiple of {f}.", nameof(features));
        }

        ReadOnlySpan<float> off = _offsets;
        ReadOnlySpan<float> sc = _scales;
        int w = Vector<float>.Count;
        for (int start = 0; start < features.Length; start += f)
        {
            Span<float> row = features.Slice(start, f);
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; j <= f - w; j += w)
                {
                    var x = new Vector<float>(row.Slice(j));
                    ((x - new Vector<float>(off.Slice(j))) * new Vector<float>(sc.Slice(j))).CopyTo(row.Slice(j));
                }
            }

            for (; j < f; j++)
            {
                row[j] = (row[j] - off[j]) * sc[j];
            }
        }
    }

    /// <summary>A new table with transformed features (labels, weights and names are shared with <paramref name="table"/>, not copied).</summary>
    /// <param name="table">The table.</param>
    /// <returns>The normalized table.</returns>
    public DenseTable Apply(DenseTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var features = (float[])table.Features.Clone();
        Transform(features, table.FeatureCount);
        return new DenseTable(features, table.FeatureCount, table.Labels, table.Weights, table.FeatureNames);
    }

    /// <summary>A callback that reads one row.</summary>
    internal delegate void RowAction(ReadOnlySpan<float> row);

    /// <summary>Runs <paramref name="accumulate"/> over every row of a table or of one epoch of a batch source.</summary>
    internal static void ForEachRow(DenseTable? table, IBatchSource? source, int featureCount, RowAction accumulate)
    {
        if (table != null)
        {
            if (table.RowCount == 0)
            {
                throw new ArgumentException("Cannot fit a normalizer on an empty table.", nameof(table));
            }

            for (int r = 0; r < table.RowCount; r++)
            {
                accumulate(table.Row(r));
            }

            return;
        }

        var batch = new Batch(1024, featureCount);
        source!.StartEpoch(0);
        long rows = 0;
        while (source.Next(batch))
        {
            for (int r = 0; r < batch.Count; r++)
            {
                accumulate(batch.Features.AsSpan(r * featureCount, featureCount));
            }

            rows += batch.Count;
        }

        if (rows == 0)
        {
            throw new ArgumentException("Cannot fit a normalizer on an empty source.", nameof(source));
        }
    }
}
