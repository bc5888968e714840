using System;
using System.Collections.Generic;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.Training.Training;

/// <summary>
/// The one default set of training (the trainer settings and the recommended model), used by the ML.NET catalog
/// overloads and options classes, the recipes, the command-line tool and the search spaces alike. Per-optimizer
/// hyperparameter defaults live with each optimizer (<see cref="LionDefaults"/>, <see cref="AdafactorDefaults"/>, ...,
/// listed by <see cref="OptimizerRegistry"/>). The early-stopping values are measured on the data sets of samples/data
/// (docs/early-stopping.md); the recommended MLP (<see cref="HiddenLayers"/>, <see cref="Activation"/>,
/// <see cref="Dropout"/>, <see cref="CreateOptimizer"/>) is the one home of the recommended model.
/// </summary>
public static class TrainingDefaults
{
    /// <summary>The seed of a run: weight initialization, shuffling, dropout and the selection split derive from it.</summary>
    public const ulong Seed = 42;

    /// <summary>The most epochs a run trains (early stopping usually ends it sooner).</summary>
    public const int Epochs = 100;

    /// <summary>Rows per mini-batch.</summary>
    public const int BatchSize = 32;

    /// <summary>Whether rows are visited in a new seeded order each epoch.</summary>
    public const bool Shuffle = true;

    /// <summary>Rows held in the streaming shuffle buffer (when the data is not read into memory).</summary>
    public const int ShuffleBufferRows = 4096;

    /// <summary>Whether the training rows are read into memory once (full shuffle each epoch) rather than streamed each epoch.</summary>
    public const bool MaterializeInMemory = true;

    /// <summary>
    /// The share of the training rows split off (seeded; stratified by class for classification) as selection rows, on
    /// which early stopping chooses the epoch; 0: none (every epoch is run and the last is kept).
    /// </summary>
    public const double SelectionFraction = 0.1;

    /// <summary>The share of a data set's rows held out (seeded, stratified for classification) to evaluate the trained model on rows that chose nothing.</summary>
    public const double HoldoutFraction = 0.2;

    /// <summary>Epochs without an improvement of the selection loss after which a run stops.</summary>
    public const int EarlyStoppingPatience = 10;

    /// <summary>The smallest change of the watched selection value that counts as an improvement.</summary>
    public const double MinDelta = 0;

    /// <summary>Which epoch a run with selection rows keeps.</summary>
    public const EpochRule EpochRule = Training.EpochRule.BestLoss;

    /// <summary>
    /// Whether, after early stopping has chosen the epoch count on the selection rows, a new model is trained on all
    /// training rows (selection rows included) for that many epochs.
    /// </summary>
    public const bool RefitOnAllRows = false;

    /// <summary>Regression: train on the label standardized with its training mean and standard deviation (folded back into the output layer).</summary>
    public const bool StandardizeLabel = true;

    /// <summary>Weight initialization.</summary>
    public const WeightInitializer Initializer = WeightInitializer.Auto;

    /// <summary>The regression loss.</summary>
    public const RegressionLoss RegressionLoss = Models.RegressionLoss.Squared;

    /// <summary>Huber's delta (with <see cref="Models.RegressionLoss.Huber"/>).</summary>
    public const double HuberDelta = 1.0;

    /// <summary>The recommended MLP's hidden-layer activation.</summary>
    public const Activation Activation = Models.Activation.ReLU;

    /// <summary>The recommended MLP's dropout rate on hidden activations.</summary>
    public const double Dropout = 0;

    /// <summary>The recommended MLP's label smoothing (classification; see <see cref="ModelOptions.LabelSmoothing"/>).</summary>
    public const double LabelSmoothing = 0.1;

    /// <summary>The recommended MLP's learning-rate curve over a run.</summary>
    public const LearningRateCurve Curve = LearningRateCurve.WarmupCosine;

    /// <summary>The share of a run's steps spent warming the learning rate up from 0 (with <see cref="LearningRateCurve.WarmupCosine"/>).</summary>
    public const double WarmupFraction = 0.05;

    /// <summary>
    /// The recommended MLP's step budget: the epochs of a run are cut so that it takes about this many optimizer steps
    /// (small data sets still stop at <see cref="Epochs"/>; large ones train fewer epochs).
    /// </summary>
    public const long MaxSteps = 6000;

    /// <summary>The recommended MLP's packed-ensemble size (1: one network).</summary>
    public const int EnsembleSize = 1;

    /// <summary>The recommended MLP's rows per mini-batch.</summary>
    public const int MlpBatchSize = 64;

    /// <summary>
    /// The recommended MLP's hidden layer widths: a 128-64 funnel. Measured on all six public data sets (docs/quality.md):
    /// the same verdicts as [128, 128] on quality (the five-split means of the small sets within 0.2 points of it, two of
    /// three higher) at 60-85 % of its multiply-adds (60 % on diamonds), which is what brings the larger sets' fit time
    /// near LightGBM's; a second layer narrower than 64 cost LetterRecognition more than a point, a single hidden layer
    /// cost digits 1.6-2.7 points (five-split means).
    /// </summary>
    public static IReadOnlyList<int> HiddenLayers { get; } = Array.AsReadOnly(new[] { 128, 64 });

    /// <summary>Parameter-name patterns (regular expressions) exempt from weight decay: the biases.</summary>
    public static IReadOnlyList<string> ExcludeFromWeightDecay { get; } = Array.AsReadOnly(new[] { "bias" });

    /// <summary>
    /// The recommended optimizer when none is given: Lion with <see cref="LionDefaults.RecommendedLearningRate"/> and
    /// <see cref="LionDefaults.RecommendedWeightDecay"/> (biases exempt: <see cref="ExcludeFromWeightDecay"/>).
    /// </summary>
    /// <returns>A new, unbuilt optimizer.</returns>
    public static Optimizer CreateOptimizer()
    {
        var lion = new Lion(LionDefaults.RecommendedLearningRate) { WeightDecay = LionDefaults.RecommendedWeightDecay };
        lion.ExcludeFromWeightDecay(namePatterns: ExcludeFromWeightDecay);
        return lion;
    }

    /// <summary>
    /// The recommended MLP's global gradient clipping norm (Keras's <c>global_clipnorm</c>): on the three small public
    /// data sets it raised the mean accuracy over six splits by 0.5-2 points and changed nothing on the large ones
    /// (docs/quality.md).
    /// </summary>
    public const double MlpGlobalClipNorm = 3;

    /// <summary>
    /// The recommended MLP's optimizer when none is given: Lion with <see cref="LionDefaults.RecommendedMlpLearningRate"/>
    /// (the peak of the run's warmup and cosine decay), <see cref="LionDefaults.RecommendedMlpWeightDecay"/> on every
    /// parameter, biases included (Keras's default; exempting the biases measured worse on the small public data sets,
    /// docs/quality.md), and <see cref="MlpGlobalClipNorm"/>.
    /// </summary>
    /// <returns>A new, unbuilt optimizer.</returns>
    public static Optimizer CreateMlpOptimizer() => new Lion(LionDefaults.RecommendedMlpLearningRate)
    {
        WeightDecay = LionDefaults.RecommendedMlpWeightDecay,
        GlobalClipNorm = MlpGlobalClipNorm,
    };
}
