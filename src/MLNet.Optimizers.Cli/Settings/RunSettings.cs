using System;
using System.Collections.Generic;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.Cli.Settings;

/// <summary>The model family.</summary>
internal enum ModelKind
{
    /// <summary>A multi-layer perceptron (hidden layers).</summary>
    Mlp,

    /// <summary>A linear model (no hidden layers): linear / logistic / softmax regression.</summary>
    Linear,
}

/// <summary>How features are scaled before the model.</summary>
internal enum NormalizeKind
{
    /// <summary>z-score: mean 0, variance 1 (fitted on the training rows).</summary>
    MeanVariance,

    /// <summary>Scaled into [0, 1] by the training rows' minimum and maximum.</summary>
    MinMax,

    /// <summary>Features used as they are.</summary>
    None,
}

/// <summary>
/// Everything one training run needs, independent of how it is carried out: where the data is and how to read it,
/// the model, the optimizer, the trainer settings and the seed. Built from a config file and/or flags; the training
/// backend turns it into a trained model and writes the config file that repeats it.
/// </summary>
internal sealed record RunSettings
{
    /// <summary>The default seed: runs are reproducible unless a seed is given.</summary>
    public const ulong DefaultSeed = 42;

    /// <summary>The CSV file.</summary>
    public string? DataPath { get; init; }

    /// <summary>The label column.</summary>
    public string? Label { get; init; }

    /// <summary>The task, or null to infer it from the label column.</summary>
    public TaskKind? Task { get; init; }

    /// <summary>The field separator.</summary>
    public char Separator { get; init; } = ',';

    /// <summary>Columns that are categorical whatever their values look like.</summary>
    public IReadOnlyList<string> Categorical { get; init; } = Array.Empty<string>();

    /// <summary>Columns that become no features.</summary>
    public IReadOnlyList<string> Ignore { get; init; } = Array.Empty<string>();

    /// <summary>Values that mean "missing" besides the empty field.</summary>
    public IReadOnlyList<string> MissingValues { get; init; } = Array.Empty<string>();

    /// <summary>What a missing feature value becomes.</summary>
    public MissingValuePolicy Imputation { get; init; } = MissingValuePolicy.Fail;

    /// <summary>The share of rows held out for validation (0: none; then metrics are on the training rows).</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>Feature scaling.</summary>
    public NormalizeKind Normalize { get; init; } = NormalizeKind.MeanVariance;

    /// <summary>The model family.</summary>
    public ModelKind Model { get; init; } = ModelKind.Mlp;

    /// <summary>Hidden layer widths of the MLP (ignored for a linear model).</summary>
    public IReadOnlyList<int> Hidden { get; init; } = new[] { 64 };

    /// <summary>Hidden-layer activation.</summary>
    public Activation Activation { get; init; } = Activation.ReLU;

    /// <summary>Dropout on hidden activations during training.</summary>
    public double Dropout { get; init; }

    /// <summary>The optimizer.</summary>
    public OptimizerSpec Optimizer { get; init; } = OptimizerSpec.Default;

    /// <summary>Epochs, or null to choose them from the data size.</summary>
    public int? Epochs { get; init; }

    /// <summary>Rows per mini-batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Stop after this many epochs without validation improvement (restoring the best weights); null: never.</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>
    /// Whether to end with the weights of the epoch with the lowest validation loss (Keras's restore_best_weights; needs
    /// validation rows) rather than those of the last epoch.
    /// </summary>
    public bool RestoreBest { get; init; } = true;

    /// <summary>The seed of the split, the initial weights, the shuffling and dropout.</summary>
    public ulong Seed { get; init; } = DefaultSeed;

    /// <summary>The compute provider: auto, managed, mkl or openblas.</summary>
    public string Compute { get; init; } = "auto";

    /// <summary>The hidden layers actually used: none for a linear model.</summary>
    public IReadOnlyList<int> EffectiveHidden => Model == ModelKind.Linear ? Array.Empty<int>() : Hidden;
}
