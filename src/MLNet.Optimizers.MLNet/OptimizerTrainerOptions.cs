using System;
using System.Collections.Generic;
using Microsoft.ML;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet;

/// <summary>
/// Options of the linear trainers (<see cref="OptimizerRegressionTrainer"/>, <see cref="OptimizerBinaryTrainer"/>,
/// <see cref="OptimizerMulticlassTrainer"/>) and the base of <see cref="MlpTrainerOptions"/>.
/// </summary>
public class OptimizerTrainerOptions
{
    /// <summary>The label column: <see cref="float"/> (regression), <see cref="bool"/> (binary) or a key (multiclass).</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The feature column: a known-size vector of <see cref="float"/>.</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>An optional <see cref="float"/> example-weight column (finite, &gt;= 0).</summary>
    public string? ExampleWeightColumnName { get; set; }

    /// <summary>
    /// The optimizer (Lion, Adafactor, SGD, AdamW from MLNet.Optimizers) used as a template: every <c>Fit</c> trains
    /// with a fresh copy rebuilt from its Keras config (plus its weight-decay exclusion name patterns and non-finite
    /// gradient policy), so the estimator can be fitted many times (cross-validation). Set this or
    /// <see cref="OptimizerConfig"/>.
    /// </summary>
    public Optimizer? Optimizer { get; set; }

    /// <summary>
    /// The optimizer as Keras's serialized JSON (<c>{"class_name": "Lion", "config": {...}}</c>, as written by
    /// <see cref="Optimizers.Optimizer.Serialize"/> or Keras's <c>keras.optimizers.serialize</c>). Set this or <see cref="Optimizer"/>.
    /// </summary>
    public string? OptimizerConfig { get; set; }

    /// <summary>Passes over the training data (at least 1).</summary>
    public int NumberOfEpochs { get; set; } = 10;

    /// <summary>Rows per mini-batch (at least 1).</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Seed of the weight initialization, the shuffling and dropout: the same seed gives the same model bits.</summary>
    public ulong Seed { get; set; }

    /// <summary>Whether to shuffle rows each epoch (through a buffer of <see cref="ShuffleBufferRows"/> rows, or fully when materialized).</summary>
    public bool Shuffle { get; set; } = true;

    /// <summary>Rows held in the streaming shuffle buffer (at least 1). A buffer at least as large as the data gives a full shuffle.</summary>
    public int ShuffleBufferRows { get; set; } = 4096;

    /// <summary>
    /// Read the whole training set into memory once and train from there (fully shuffled each epoch). Off by default:
    /// training streams over the data view's cursors, one epoch per pass.
    /// </summary>
    public bool MaterializeInMemory { get; set; }

    /// <summary>Validation data for early stopping (read into memory); null for none.</summary>
    public IDataView? ValidationData { get; set; }

    /// <summary>With <see cref="ValidationData"/>: stop after this many epochs without improvement of the validation loss, keeping the best weights; null: never.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Weight initialization (see <see cref="WeightInitializer"/>).</summary>
    public WeightInitializer Initializer { get; set; } = WeightInitializer.Auto;

    /// <summary>Regression only: the loss (squared or Huber).</summary>
    public RegressionLoss RegressionLoss { get; set; } = RegressionLoss.Squared;

    /// <summary>Regression with <see cref="RegressionLoss.Huber"/> only: Huber's delta (&gt; 0).</summary>
    public double HuberDelta { get; set; } = 1.0;

    /// <summary>The compute provider for matrix work; null: <see cref="BlasProviders.Default"/>.</summary>
    public BlasProvider? Blas { get; set; }

    /// <summary>Progress reports during training, or null.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Throws when an option is out of range or inconsistent (naming it and the value).</summary>
    /// <exception cref="ArgumentException">A column name is empty, or neither or both optimizer options are set.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of range.</exception>
    public virtual void Validate()
    {
        RequireName(LabelColumnName, nameof(LabelColumnName));
        RequireName(FeatureColumnName, nameof(FeatureColumnName));
        if (ExampleWeightColumnName != null)
        {
            RequireName(ExampleWeightColumnName, nameof(ExampleWeightColumnName));
        }

        if ((Optimizer is null) == (OptimizerConfig is null))
        {
            throw new ArgumentException($"Set exactly one of Optimizer and OptimizerConfig; got Optimizer = {(Optimizer is null ? "null" : Optimizer.ClassName)}, OptimizerConfig = {(OptimizerConfig is null ? "null" : "set")}.", Optimizer is null ? nameof(Optimizer) : nameof(OptimizerConfig));
        }

        if (NumberOfEpochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(NumberOfEpochs), NumberOfEpochs, $"NumberOfEpochs must be >= 1, got {NumberOfEpochs}.");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"BatchSize must be >= 1, got {BatchSize}.");
        }

        if (ShuffleBufferRows < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ShuffleBufferRows), ShuffleBufferRows, $"ShuffleBufferRows must be >= 1, got {ShuffleBufferRows}.");
        }

        if (EarlyStoppingPatience is int p && p < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), p, $"EarlyStoppingPatience must be null or >= 1, got {p}.");
        }

        if (EarlyStoppingPatience != null && ValidationData is null)
        {
            throw new ArgumentException("EarlyStoppingPatience needs ValidationData.", nameof(EarlyStoppingPatience));
        }

        if (!(HuberDelta > 0) || double.IsInfinity(HuberDelta))
        {
            throw new ArgumentOutOfRangeException(nameof(HuberDelta), HuberDelta, $"HuberDelta must be a finite number > 0, got {HuberDelta}.");
        }

        if (OptimizerConfig != null)
        {
            // Parse once now so a bad config fails when the estimator is made, naming the JSON path.
            KerasConfig.DeserializeOptimizer(OptimizerConfig);
        }
    }

    /// <summary>A new optimizer for one training run: a copy of <see cref="Optimizer"/> rebuilt from its config, or the parsed <see cref="OptimizerConfig"/>.</summary>
    /// <returns>An optimizer that is not built yet.</returns>
    public Optimizer CreateOptimizer()
    {
        if (OptimizerConfig != null)
        {
            return KerasConfig.DeserializeOptimizer(OptimizerConfig);
        }

        Optimizer template = Optimizer ?? throw new ArgumentException("Set Optimizer or OptimizerConfig.", nameof(Optimizer));
        Optimizer copy = KerasConfig.DeserializeOptimizer(template.Serialize());
        copy.NonFiniteGradientPolicy = template.NonFiniteGradientPolicy;
        if (template.ExcludedNamePatterns.Count > 0)
        {
            copy.ExcludeFromWeightDecay(namePatterns: template.ExcludedNamePatterns);
        }

        return copy;
    }

    /// <summary>A shallow copy (the optimizer template, validation data, provider and progress are shared).</summary>
    /// <returns>The copy.</returns>
    public virtual OptimizerTrainerOptions Clone() => CopyTo(new OptimizerTrainerOptions());

    /// <summary>Copies the base options into <paramref name="target"/>.</summary>
    /// <typeparam name="T">The options type.</typeparam>
    /// <param name="target">The copy.</param>
    /// <returns><paramref name="target"/>.</returns>
    protected T CopyTo<T>(T target)
        where T : OptimizerTrainerOptions
    {
        ArgumentNullException.ThrowIfNull(target);
        target.LabelColumnName = LabelColumnName;
        target.FeatureColumnName = FeatureColumnName;
        target.ExampleWeightColumnName = ExampleWeightColumnName;
        target.Optimizer = Optimizer;
        target.OptimizerConfig = OptimizerConfig;
        target.NumberOfEpochs = NumberOfEpochs;
        target.BatchSize = BatchSize;
        target.Seed = Seed;
        target.Shuffle = Shuffle;
        target.ShuffleBufferRows = ShuffleBufferRows;
        target.MaterializeInMemory = MaterializeInMemory;
        target.ValidationData = ValidationData;
        target.EarlyStoppingPatience = EarlyStoppingPatience;
        target.Initializer = Initializer;
        target.RegressionLoss = RegressionLoss;
        target.HuberDelta = HuberDelta;
        target.Blas = Blas;
        target.Progress = Progress;
        return target;
    }

    private static void RequireName(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{name} must name a column, got '{value}'.", name);
        }
    }
}

/// <summary>Options of the MLP trainer (<see cref="OptimizerMlpTrainer"/>).</summary>
public sealed class MlpTrainerOptions : OptimizerTrainerOptions
{
    /// <summary>Hidden layer widths (at least one layer, each at least 2 wide).</summary>
    public IReadOnlyList<int> HiddenLayers { get; set; } = new[] { 64 };

    /// <summary>Hidden-layer activation: ReLU, Tanh or Sigmoid (ML.NET's expression language has no erf, so GELU cannot become a native model).</summary>
    public Activation Activation { get; set; } = Activation.ReLU;

    /// <summary>Dropout rate on hidden activations during training, in [0, 1).</summary>
    public double Dropout { get; set; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (HiddenLayers is null || HiddenLayers.Count == 0)
        {
            throw new ArgumentException("HiddenLayers must list at least one layer; use the linear trainers for none.", nameof(HiddenLayers));
        }

        for (int i = 0; i < HiddenLayers.Count; i++)
        {
            if (HiddenLayers[i] < 2)
            {
                throw new ArgumentOutOfRangeException(nameof(HiddenLayers), HiddenLayers[i], $"HiddenLayers[{i}] must be >= 2, got {HiddenLayers[i]}.");
            }
        }

        if (Activation == Activation.Gelu || !Enum.IsDefined(Activation))
        {
            throw new ArgumentOutOfRangeException(nameof(Activation), Activation, $"Activation must be ReLU, Tanh or Sigmoid for ML.NET models, got {Activation}.");
        }

        if (!(Dropout >= 0 && Dropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, $"Dropout must be in [0, 1), got {Dropout}.");
        }
    }

    /// <inheritdoc />
    public override OptimizerTrainerOptions Clone()
    {
        MlpTrainerOptions c = CopyTo(new MlpTrainerOptions());
        c.HiddenLayers = new List<int>(HiddenLayers);
        c.Activation = Activation;
        c.Dropout = Dropout;
        return c;
    }
}
