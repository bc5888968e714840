using System;

namespace MLNet.Optimizers.Training.Data;

/// <summary>Reads the next row of a stream straight into <paramref name="features"/>; false at the end of the stream.</summary>
/// <param name="features">Where the row's features go (exactly the source's feature count).</param>
/// <param name="label">The row's label.</param>
/// <param name="weight">The row's example weight (1 when the data has none).</param>
/// <returns>True when a row was read.</returns>
public delegate bool RowReader(Span<float> features, out float label, out float weight);

/// <summary>
/// The streaming shuffle of the batch sources that read a stream (like <c>tf.data.Dataset.shuffle</c>): a buffer of
/// <see cref="Capacity"/> rows is filled from the stream; each row taken is drawn uniformly from the buffer with
/// <c>new DeterministicRandom(seed)</c>'s <see cref="DeterministicRandom.NextInt"/> and its slot is refilled, in place,
/// with the next row of the stream; once the stream ends the buffer drains in random order (the last slot moves into
/// the emptied one). The order depends only on the seed and the stream's row order, so it is bit-for-bit reproducible;
/// a buffer at least as large as the stream gives a uniform shuffle. Rows are read straight into the buffer and copied
/// once, into the caller's destination; nothing is allocated after construction.
/// </summary>
public sealed class ShuffleBuffer
{
    private readonly RowReader _read;
    private readonly float[] _features;
    private readonly float[] _labels;
    private readonly float[] _weights;
    private readonly DeterministicRandom _random = new(0);
    private int _count;
    private bool _streamDone = true;

    /// <summary>Creates an empty buffer.</summary>
    /// <param name="capacity">Rows held (at least 1).</param>
    /// <param name="featureCount">Features per row (at least 1).</param>
    /// <param name="read">Reads the next row of the stream (called from <see cref="Start"/> and <see cref="Take"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> or <paramref name="featureCount"/> is below 1, or the buffer would exceed 2^31 values.</exception>
    public ShuffleBuffer(int capacity, int featureCount, RowReader read)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        if ((long)capacity * featureCount > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"A shuffle buffer of {capacity} rows × {featureCount} features exceeds {Array.MaxLength} values; use fewer rows.");
        }

        _read = read;
        Capacity = capacity;
        FeatureCount = featureCount;
        _features = new float[(long)capacity * featureCount];
        _labels = new float[capacity];
        _weights = new float[capacity];
    }

    /// <summary>Rows held.</summary>
    public int Capacity { get; }

    /// <summary>Features per row.</summary>
    public int FeatureCount { get; }

    /// <summary>Rows in the buffer now.</summary>
    public int Count => _count;

    /// <summary>Starts a pass over a (rewound) stream: empties the buffer, seeds the draws and fills the buffer from the stream.</summary>
    /// <param name="seed">The seed of the pass (a batch source derives it from its seed and the epoch).</param>
    public void Start(ulong seed)
    {
        _random.Reseed(seed);
        _count = 0;
        while (_count < Capacity && _read(Slot(_count), out _labels[_count], out _weights[_count]))
        {
            _count++;
        }

        _streamDone = _count < Capacity;
    }

    /// <summary>Takes the next row of the shuffled order into <paramref name="destination"/>; false once the stream and the buffer are empty.</summary>
    /// <param name="destination">Where the row's features go.</param>
    /// <param name="label">The row's label.</param>
    /// <param name="weight">The row's weight.</param>
    /// <returns>True when a row was taken.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not <see cref="FeatureCount"/> long.</exception>
    public bool Take(Span<float> destination, out float label, out float weight)
    {
        if (destination.Length != FeatureCount)
        {
            throw new ArgumentException($"destination has {destination.Length} values; a row has {FeatureCount}.", nameof(destination));
        }

        if (_count == 0)
        {
            label = 0;
            weight = 1;
            return false;
        }

        int j = _random.NextInt(_count);
        Span<float> slot = Slot(j);
        slot.CopyTo(destination);
        label = _labels[j];
        weight = _weights[j];
        if (_streamDone || !_read(slot, out _labels[j], out _weights[j]))
        {
            _streamDone = true;
            int last = _count - 1;
            if (j != last)
            {
                Slot(last).CopyTo(slot);
                _labels[j] = _labels[last];
                _weights[j] = _weights[last];
            }

            _count--;
        }

        return true;
    }

    private Span<float> Slot(int row) => _features.AsSpan(row * FeatureCount, FeatureCount);
}
