using System;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// Mini-batches from a <see cref="DenseTable"/>. Each epoch visits every row exactly once, in table order or (with
/// shuffling) in a permutation drawn from <c>new DeterministicRandom(DeterministicRandom.Derive(seed, epoch))</c>, so the
/// order depends only on the seed and the epoch, and <see cref="Seek"/> restores any position exactly.
/// <see cref="Next"/> copies rows into the caller's <see cref="Batch"/> and applies the optional
/// <see cref="IRowTransform"/> to the copied features in place; it allocates nothing.
/// </summary>
public sealed class InMemoryBatchSource : IBatchSource
{
    private readonly DeterministicRandom _shuffleRandom = new(0);
    private readonly int[] _order;
    private int _epoch = -1;
    private long _position;

    /// <summary>Creates the source.</summary>
    /// <param name="table">The rows (not copied; do not modify them while the source is in use).</param>
    /// <param name="batchSize">Rows per batch (the last batch of an epoch may be smaller; also capped by the batch's capacity).</param>
    /// <param name="shuffle">Whether to visit rows in a new seeded permutation each epoch.</param>
    /// <param name="seed">The shuffle seed.</param>
    /// <param name="transform">An optional in-place featurizer applied to each filled batch (for example a fitted normalizer).</param>
    public InMemoryBatchSource(DenseTable table, int batchSize, bool shuffle, ulong seed, IRowTransform? transform = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Table = table;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        Transform = transform;
        _order = new int[table.RowCount];
    }

    /// <summary>The rows.</summary>
    public DenseTable Table { get; }

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether rows are shuffled each epoch.</summary>
    public bool Shuffle { get; }

    /// <summary>The shuffle seed.</summary>
    public ulong Seed { get; }

    /// <summary>The in-place featurizer applied to each batch, or null.</summary>
    public IRowTransform? Transform { get; }

    /// <summary>The current epoch (-1 before the first <see cref="StartEpoch"/> or <see cref="Next"/>).</summary>
    public int Epoch => _epoch;

    /// <inheritdoc />
    public int FeatureCount => Table.FeatureCount;

    /// <inheritdoc />
    public long? RowCount => Table.RowCount;

    /// <inheritdoc />
    public long Position => _position;

    /// <inheritdoc />
    public void StartEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        if (Shuffle)
        {
            _shuffleRandom.Reseed(DeterministicRandom.Derive(Seed, (ulong)epoch));
            _shuffleRandom.Shuffle(_order);
        }

        _epoch = epoch;
        _position = 0;
    }

    /// <inheritdoc />
    /// <remarks>Starts epoch 0 if no epoch was started.</remarks>
    public bool Next(Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int f = Table.FeatureCount;
        if (batch.FeatureCount != f)
        {
            throw new ArgumentException($"The batch has {batch.FeatureCount} features; the source has {f}.", nameof(batch));
        }

        if (_epoch < 0)
        {
            StartEpoch(0);
        }

        int n = (int)Math.Min(Math.Min(BatchSize, batch.Capacity), _order.Length - _position);
        float[] src = Table.Features;
        float[] labels = Table.Labels;
        float[]? weights = Table.Weights;
        bool hasWeights = false;
        for (int i = 0; i < n; i++)
        {
            int r = _order[_position + i];
            Array.Copy(src, (long)r * f, batch.Features, (long)i * f, f);
            batch.Labels[i] = labels[r];
            float w = weights is null ? 1f : weights[r];
            batch.Weights[i] = w;
            hasWeights |= w != 1f;
        }

        batch.Count = n;
        batch.HasWeights = hasWeights;
        if (n > 0)
        {
            Transform?.Transform(batch.Features.AsSpan(0, n * f), f);
        }

        _position += n;
        return n > 0;
    }

    /// <inheritdoc />
    public void Seek(int epoch, long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, _order.Length);
        StartEpoch(epoch);
        _position = position;
    }
}
