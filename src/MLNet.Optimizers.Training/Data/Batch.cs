using System;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// A reusable mini-batch buffer: up to <see cref="Capacity"/> rows of features, labels and weights. A batch source
/// fills it in place, so training allocates nothing per step.
/// </summary>
public sealed class Batch
{
    /// <summary>Creates an empty batch buffer.</summary>
    /// <param name="capacity">Maximum rows.</param>
    /// <param name="featureCount">Features per row.</param>
    public Batch(int capacity, int featureCount)
    {
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity must be >= 1, got {capacity}.");
        }

        if (featureCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, $"featureCount must be >= 1, got {featureCount}.");
        }

        Capacity = capacity;
        FeatureCount = featureCount;
        Features = new float[capacity * featureCount];
        Labels = new float[capacity];
        Weights = new float[capacity];
    }

    /// <summary>Maximum rows.</summary>
    public int Capacity { get; }

    /// <summary>Features per row.</summary>
    public int FeatureCount { get; }

    /// <summary>Rows currently filled (0 = the source is exhausted for this epoch).</summary>
    public int Count { get; set; }

    /// <summary>Row-major features (the first <see cref="Count"/> rows are valid).</summary>
    public float[] Features { get; }

    /// <summary>Labels (the first <see cref="Count"/> are valid).</summary>
    public float[] Labels { get; }

    /// <summary>Example weights (the first <see cref="Count"/> are valid; 1 when the data has none).</summary>
    public float[] Weights { get; }

    /// <summary>Whether any weight differs from 1 in this batch.</summary>
    public bool HasWeights { get; set; }
}
