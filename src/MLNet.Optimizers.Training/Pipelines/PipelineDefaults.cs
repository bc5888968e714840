using System;
using System.Collections.Generic;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>
/// Every default of the pipeline configuration, in one place: the value a key takes when a JSON document leaves it out,
/// the initial value of the matching property, and the choices of <see cref="PipelineConfig.CreateDefault(DataConfig)"/>.
/// </summary>
public static class PipelineDefaults
{
    /// <summary>The configuration format version this build writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary><c>seed</c>: the pipeline seed from which the validation split, weight initialization, shuffling and dropout seeds are derived.</summary>
    public const ulong Seed = 42;

    /// <summary><c>data.separator</c>.</summary>
    public const char Separator = ',';

    /// <summary><c>data.has_header</c>.</summary>
    public const bool HasHeader = true;

    /// <summary><c>featurizers[].mode</c> of <c>replace_missing</c>.</summary>
    public const ReplacementMode ReplaceMissingMode = ReplacementMode.Mean;

    /// <summary><c>featurizers[].kind</c> of <c>normalize</c>.</summary>
    public const NormalizerKind NormalizerKind = Pipelines.NormalizerKind.MinMax;

    /// <summary><c>featurizers[].fix_zero</c> of <c>normalize</c> (ML.NET's default for both kinds: zero stays zero).</summary>
    public const bool FixZero = true;

    /// <summary><c>trainer.model.type</c>.</summary>
    public const ModelType ModelType = Pipelines.ModelType.Linear;

    /// <summary><c>trainer.model.activation</c> (MLP only).</summary>
    public const Activation Activation = Models.Activation.ReLU;

    /// <summary><c>trainer.model.dropout</c> (MLP only).</summary>
    public const double Dropout = 0;

    /// <summary><c>trainer.model.initializer</c>.</summary>
    public const WeightInitializer Initializer = WeightInitializer.Auto;

    /// <summary><c>trainer.model.loss</c> (regression only).</summary>
    public const RegressionLoss Loss = RegressionLoss.Squared;

    /// <summary><c>trainer.model.huber_delta</c> (regression with Huber loss only).</summary>
    public const double HuberDelta = 1.0;

    /// <summary><c>trainer.epochs</c>.</summary>
    public const int Epochs = 10;

    /// <summary><c>trainer.batch_size</c>.</summary>
    public const int BatchSize = 32;

    /// <summary><c>trainer.shuffle</c>.</summary>
    public const bool Shuffle = true;

    /// <summary><c>trainer.validation_fraction</c> (0: no validation split).</summary>
    public const double ValidationFraction = 0;

    /// <summary><c>trainer.early_stopping_metric</c>.</summary>
    public const ValidationMetric EarlyStoppingMetric = ValidationMetric.Loss;

    /// <summary><c>trainer.min_delta</c>.</summary>
    public const double MinDelta = 0;

    /// <summary><c>trainer.restore_best_weights</c>.</summary>
    public const bool RestoreBestWeights = true;

    /// <summary><c>trainer.standardize_label</c> (regression only).</summary>
    public const bool StandardizeLabel = true;

    /// <summary><c>trainer.exclude_from_weight_decay</c>: parameter-name patterns exempt from weight decay (biases).</summary>
    public static IReadOnlyList<string> ExcludeFromWeightDecay { get; } = Array.AsReadOnly(new[] { "bias" });

    /// <summary><c>trainer.optimizer</c> when it is left out: Lion with Keras's defaults (learning rate 0.001).</summary>
    /// <returns>A new optimizer.</returns>
    public static Optimizer CreateOptimizer() => new Lion();

    /// <summary><see cref="PipelineConfig.CreateDefault(DataConfig)"/>: the MLP's hidden layer widths.</summary>
    public static IReadOnlyList<int> DefaultHiddenLayers { get; } = Array.AsReadOnly(new[] { 64 });

    /// <summary><see cref="PipelineConfig.CreateDefault(DataConfig)"/>: Lion's learning rate.</summary>
    public const double DefaultLearningRate = 3e-3;

    /// <summary><see cref="PipelineConfig.CreateDefault(DataConfig)"/>: Lion's decoupled weight decay (biases excluded).</summary>
    public const double DefaultWeightDecay = 0.1;

    /// <summary><see cref="PipelineConfig.CreateDefault(DataConfig)"/>: epochs.</summary>
    public const int DefaultEpochs = 50;

    /// <summary><see cref="PipelineConfig.CreateDefault(DataConfig)"/>: the share of the training rows held out for early stopping.</summary>
    public const double DefaultValidationFraction = 0.1;

    /// <summary><see cref="PipelineConfig.CreateDefault(DataConfig)"/>: early-stopping patience in epochs.</summary>
    public const int DefaultEarlyStoppingPatience = 10;
}
