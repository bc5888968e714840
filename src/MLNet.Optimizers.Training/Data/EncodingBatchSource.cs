using System;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// Streams the batches of another source through a fitted <see cref="NumericEncoder"/>: each batch is read from the
/// inner source into a raw batch and encoded row by row into the caller's batch (no allocation once created).
/// </summary>
public sealed class EncodingBatchSource : IBatchSource
{
    private readonly IBatchSource _inner;
    private readonly NumericEncoder _encoder;
    private Batch? _raw;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The source of raw features.</param>
    /// <param name="encoder">An encoder fitted on <paramref name="inner"/>'s feature count.</param>
    /// <exception cref="ArgumentException">The feature counts differ.</exception>
    public EncodingBatchSource(IBatchSource inner, NumericEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(encoder);
        if (inner.FeatureCount != encoder.InputCount)
        {
            throw new ArgumentException($"The source has {inner.FeatureCount} features; the encoder was fitted on {encoder.InputCount}.", nameof(encoder));
        }

        _inner = inner;
        _encoder = encoder;
    }

    /// <inheritdoc />
    public int FeatureCount => _encoder.OutputCount;

    /// <inheritdoc />
    public long? RowCount => _inner.RowCount;

    /// <inheritdoc />
    public long Position => _inner.Position;

    /// <inheritdoc />
    public void StartEpoch(int epoch) => _inner.StartEpoch(epoch);

    /// <inheritdoc />
    public void Seek(int epoch, long position) => _inner.Seek(epoch, position);

    /// <inheritdoc />
    public bool Next(Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.FeatureCount != FeatureCount)
        {
            throw new ArgumentException($"The batch has {batch.FeatureCount} features; this source gives {FeatureCount}.", nameof(batch));
        }

        if (_raw is null || _raw.Capacity != batch.Capacity)
        {
            _raw = new Batch(batch.Capacity, _inner.FeatureCount);
        }

        if (!_inner.Next(_raw))
        {
            batch.Count = 0;
            return false;
        }

        int d = _raw.FeatureCount, k = FeatureCount;
        for (int r = 0; r < _raw.Count; r++)
        {
            _encoder.Encode(_raw.Features.AsSpan(r * d, d), batch.Features.AsSpan(r * k, k));
        }

        _raw.Labels.AsSpan(0, _raw.Count).CopyTo(batch.Labels);
        _raw.Weights.AsSpan(0, _raw.Count).CopyTo(batch.Weights);
        batch.HasWeights = _raw.HasWeights;
        batch.Count = _raw.Count;
        return true;
    }
}
