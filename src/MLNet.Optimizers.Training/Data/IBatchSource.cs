namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// Mini-batches for training, in memory or streamed from disk (training memory O(batch + model)). A source is
/// deterministic: the same seed and epoch give the same batches, and its position can be saved in a checkpoint and
/// restored so that a resumed run sees exactly the batches an uninterrupted run would.
/// </summary>
public interface IBatchSource
{
    /// <summary>Features per row.</summary>
    int FeatureCount { get; }

    /// <summary>Rows per epoch, when known (null for a stream of unknown length).</summary>
    long? RowCount { get; }

    /// <summary>Starts epoch <paramref name="epoch"/> (0-based): rewinds, and reshuffles with a seed derived from the source's seed and the epoch.</summary>
    /// <param name="epoch">The epoch number.</param>
    void StartEpoch(int epoch);

    /// <summary>Fills <paramref name="batch"/> with the next rows of the current epoch; returns false (Count = 0) at the end.</summary>
    /// <param name="batch">The buffer to fill (its FeatureCount must match).</param>
    /// <returns>True when at least one row was filled.</returns>
    bool Next(Batch batch);

    /// <summary>Rows delivered so far in the current epoch (a checkpoint stores it).</summary>
    long Position { get; }

    /// <summary>Moves to <paramref name="position"/> rows into epoch <paramref name="epoch"/>, as if <see cref="StartEpoch"/> and that many rows had been read.</summary>
    /// <param name="epoch">The epoch.</param>
    /// <param name="position">Rows already delivered in that epoch.</param>
    void Seek(int epoch, long position);
}
