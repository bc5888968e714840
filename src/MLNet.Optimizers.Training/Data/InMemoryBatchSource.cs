using System;
using System.Runtime.CompilerServices;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// Mini-batches from a <see cref="DenseTable"/>. Each epoch visits every row exactly once, in table order or (with
/// shuffling) in a permutation drawn from <c>new DeterministicRandom(DeterministicRandom.Derive(seed, epoch))</c>, so the
/// order depends only on the seed and the epoch, and <see cref="Seek"/> restores any position exactly.
/// <see cref="Next"/> copies rows into the caller's <see cref="Batch"/>; it allocates nothing. Featurization (normalizers,
/// one-hot encoding) happens before, in ML.NET's transforms (the bridge) or by whoever builds the table.
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
    public InMemoryBatchSource(DenseTable table, int batchSize, bool shuffle, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Table = table;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
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

    /// <summary>The current epoch (-1 before the first <see cref="StartEpoch"/> or <see cref="Next"/>).</summary>
    public int Epoch => _epoch;

    /// <inheritdoc />
    public int FeatureCount => Table.FeatureCount;

    /// <inheritdoc />
    public long? RowCount => Table.RowCount;

    /// <inheritdoc />
    public long Position => _position;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        CopyRows(src, f, _order.AsSpan((int)_position, n), batch.Features);
        for (int i = 0; i < n; i++)
        {
            int r = _order[_position + i];
            batch.Labels[i] = labels[r];
            float w = weights is null ? 1f : weights[r];
            batch.Weights[i] = w;
            hasWeights |= w != 1f;
        }

        batch.Count = n;
        batch.HasWeights = hasWeights;
        _position += n;
        return n > 0;
    }

    /// <summary>Rows per part of the gather (about 64 KB of features each).</summary>
    private const int PartFloats = 1 << 14;

    /// <summary>Batches of fewer feature values are gathered on the calling thread (as the layer kernels' threshold).</summary>
    private const int MinParallelFloats = 1 << 17;

    private unsafe struct GatherContext
    {
        public float* Source;
        public float* Destination;
        public int* Rows;
        public int Count;
        public int Features;
        public int RowsPerPart;
    }

    /// <summary>Copies the selected rows into the batch, split into parts of whole rows on the kernel threads (a copy: the same bytes whoever runs it).</summary>
    private static unsafe void CopyRows(float[] src, int f, ReadOnlySpan<int> rows, float[] dst)
    {
        fixed (float* ps = src)
        fixed (float* pd = dst)
        fixed (int* pr = rows)
        {
            var c = new GatherContext { Source = ps, Destination = pd, Rows = pr, Count = rows.Length, Features = f, RowsPerPart = Math.Max(1, PartFloats / f) };
            int parts = (rows.Length + c.RowsPerPart - 1) / c.RowsPerPart;
            MLNet.Optimizers.Kernels.KernelThreads.Run(parts, (long)rows.Length * f >= MinParallelFloats ? MLNet.Optimizers.Kernels.KernelThreads.ProcessorCount : 1, &GatherPart, &c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GatherPart(void* context, int part)
    {
        ref GatherContext c = ref *(GatherContext*)context;
        int i0 = part * c.RowsPerPart;
        int i1 = Math.Min(c.Count, i0 + c.RowsPerPart);
        for (int i = i0; i < i1; i++)
        {
            // The rows are scattered over the table (shuffled): ask for the next row's cache lines while this one is
            // copied, so the gather is not one memory latency per row (the hardware prefetcher cannot guess the next row).
            if (i + 1 < c.Count && System.Runtime.Intrinsics.X86.Sse.IsSupported)
            {
                byte* next = (byte*)(c.Source + ((long)c.Rows[i + 1] * c.Features));
                long bytes = Math.Min((long)c.Features * sizeof(float), 8192);
                for (long o = 0; o < bytes; o += 64)
                {
                    System.Runtime.Intrinsics.X86.Sse.Prefetch0(next + o);
                }

                // A row that does not start on a cache line ends on one the loop above did not reach.
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(next + bytes - 1);
            }

            new ReadOnlySpan<float>(c.Source + ((long)c.Rows[i] * c.Features), c.Features).CopyTo(new Span<float>(c.Destination + ((long)i * c.Features), c.Features));
        }
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
