using System;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet.AutoML;

/// <summary>The trainer settings an <see cref="OptimizerSweepableEstimator"/> does not search.</summary>
public sealed class OptimizerSweepableOptions
{
    /// <summary>The label column (float for regression, bool for binary, a key for multiclass).</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The known-size float vector feature column.</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>An optional float weight column.</summary>
    public string? ExampleWeightColumnName { get; set; }

    /// <summary>Passes over the training data per trial.</summary>
    public int NumberOfEpochs { get; set; } = TrainingDefaults.Epochs;

    /// <summary>Rows per step when the model space does not search <c>batch_size</c>.</summary>
    public int BatchSize { get; set; } = TrainingDefaults.BatchSize;

    /// <summary>Units per hidden layer when the model space searches <c>hidden_depth</c> but not <c>hidden_width</c>.</summary>
    public int HiddenWidth { get; set; } = TrainingDefaults.HiddenLayers[0];

    /// <summary>The seed of weight initialization and shuffling, the same for every trial (so trials differ only by their parameters).</summary>
    public ulong Seed { get; set; } = TrainingDefaults.Seed;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A column name is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Epochs or batch size below 1, or hidden width below 2.</exception>
    public void Validate()
    {
        RequireName(LabelColumnName, nameof(LabelColumnName));
        RequireName(FeatureColumnName, nameof(FeatureColumnName));
        if (ExampleWeightColumnName != null)
        {
            RequireName(ExampleWeightColumnName, nameof(ExampleWeightColumnName));
        }

        if (NumberOfEpochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(NumberOfEpochs), NumberOfEpochs, $"NumberOfEpochs must be >= 1, got {NumberOfEpochs}.");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"BatchSize must be >= 1, got {BatchSize}.");
        }

        if (HiddenWidth < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(HiddenWidth), HiddenWidth, $"HiddenWidth must be >= 2, got {HiddenWidth}.");
        }
    }

    /// <summary>A copy.</summary>
    /// <returns>The copy.</returns>
    public OptimizerSweepableOptions Clone() => (OptimizerSweepableOptions)MemberwiseClone();

    private static void RequireName(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{name} must be a column name, got '{value}'.", name);
        }
    }
}
