using System;
using System.Collections.Generic;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Models;

/// <summary>Hidden-layer activation functions.</summary>
public enum Activation
{
    /// <summary><c>max(x, 0)</c>.</summary>
    ReLU,

    /// <summary>Gaussian error linear unit, <c>0.5 x (1 + erf(x / sqrt 2))</c> (Keras's default, not the tanh approximation).</summary>
    Gelu,

    /// <summary>Hyperbolic tangent.</summary>
    Tanh,

    /// <summary>Logistic sigmoid.</summary>
    Sigmoid,
}

/// <summary>Weight initialization.</summary>
public enum WeightInitializer
{
    /// <summary>He et al. for ReLU/GELU, Glorot for tanh/sigmoid and the output layer.</summary>
    Auto,

    /// <summary>Glorot (Xavier) uniform: U(-l, l), <c>l = sqrt(6 / (fan_in + fan_out))</c> (Keras's default).</summary>
    GlorotUniform,

    /// <summary>He normal: N(0, 2 / fan_in), truncated at two standard deviations like Keras's <c>he_normal</c>.</summary>
    HeNormal,
}

/// <summary>The regression loss.</summary>
public enum RegressionLoss
{
    /// <summary>Mean squared error.</summary>
    Squared,

    /// <summary>Huber loss with <see cref="ModelOptions.HuberDelta"/>: quadratic within delta, linear beyond.</summary>
    Huber,
}

/// <summary>Describes a linear model (no hidden layers) or an MLP for one of the three tasks.</summary>
public sealed class ModelOptions
{
    /// <summary>The task: it fixes the head (identity, sigmoid, softmax) and the loss.</summary>
    public TaskKind Task { get; set; } = TaskKind.Regression;

    /// <summary>Classes for multiclass classification (at least 2); ignored otherwise.</summary>
    public int ClassCount { get; set; } = 2;

    /// <summary>Hidden layer widths; empty for a linear model.</summary>
    public IReadOnlyList<int> HiddenLayers { get; set; } = Array.Empty<int>();

    /// <summary>Hidden-layer activation.</summary>
    public Activation Activation { get; set; } = Activation.ReLU;

    /// <summary>Dropout rate on hidden activations during training, in [0, 1).</summary>
    public double Dropout { get; set; }

    /// <summary>Weight initialization.</summary>
    public WeightInitializer Initializer { get; set; } = WeightInitializer.Auto;

    /// <summary>The regression loss.</summary>
    public RegressionLoss RegressionLoss { get; set; } = RegressionLoss.Squared;

    /// <summary>Huber's delta (regression with <see cref="RegressionLoss.Huber"/>), &gt; 0.</summary>
    public double HuberDelta { get; set; } = 1.0;

    /// <summary>
    /// Classification only: label smoothing eps in [0, 1): the loss is the cross-entropy against
    /// <c>(1 - eps) * onehot(y) + eps / k</c> (k classes; binary: the target <c>y * (1 - eps) + eps / 2</c>). 0: off.
    /// </summary>
    public double LabelSmoothing { get; set; }

    /// <summary>
    /// Members of a packed ensemble trained at once (1 to 64; 1: a plain network): k MLPs of the same shape sharing
    /// nothing but the input, each with its own loss; the model's output is the mean of theirs (see <see cref="NeuralModel"/>).
    /// </summary>
    public int EnsembleSize { get; set; } = 1;

    /// <summary>Outputs of the last layer: 1 for regression and binary, <see cref="ClassCount"/> for multiclass.</summary>
    public int OutputCount => Task == TaskKind.MulticlassClassification ? ClassCount : 1;

    /// <summary>Throws when an option is out of range (naming it and the value).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (Task == TaskKind.MulticlassClassification && ClassCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(ClassCount), ClassCount, $"ClassCount must be >= 2 for multiclass classification, got {ClassCount}.");
        }

        for (int i = 0; i < HiddenLayers.Count; i++)
        {
            if (HiddenLayers[i] < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(HiddenLayers), HiddenLayers[i], $"HiddenLayers[{i}] must be >= 1, got {HiddenLayers[i]}.");
            }
        }

        if (!(Dropout >= 0 && Dropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, $"Dropout must be in [0, 1), got {Dropout}.");
        }

        if (EnsembleSize < 1 || EnsembleSize > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(EnsembleSize), EnsembleSize, $"EnsembleSize must be in 1..64, got {EnsembleSize}.");
        }

        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, $"LabelSmoothing must be in [0, 1), got {LabelSmoothing}.");
        }

        if (!(HuberDelta > 0) || double.IsInfinity(HuberDelta))
        {
            throw new ArgumentOutOfRangeException(nameof(HuberDelta), HuberDelta, $"HuberDelta must be a finite number > 0, got {HuberDelta}.");
        }
    }

    /// <summary>A copy.</summary>
    /// <returns>A new options object with the same values.</returns>
    public ModelOptions Clone() => new()
    {
        Task = Task,
        ClassCount = ClassCount,
        HiddenLayers = new List<int>(HiddenLayers),
        Activation = Activation,
        Dropout = Dropout,
        Initializer = Initializer,
        RegressionLoss = RegressionLoss,
        HuberDelta = HuberDelta,
        LabelSmoothing = LabelSmoothing,
        EnsembleSize = EnsembleSize,
    };
}
