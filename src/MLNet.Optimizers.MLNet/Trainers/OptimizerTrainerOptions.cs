using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.ML;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.Training.Data;
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
    /// <see cref="OptimizerConfig"/>, or neither for the recommended optimizer (<see cref="TrainingDefaults.CreateOptimizer"/>).
    /// </summary>
    public Optimizer? Optimizer { get; set; }

    /// <summary>
    /// The optimizer as Keras's serialized JSON (<c>{"class_name": "Lion", "config": {...}}</c>, as written by
    /// <see cref="Optimizers.Optimizer.Serialize"/> or Keras's <c>keras.optimizers.serialize</c>). Set this or <see cref="Optimizer"/>.
    /// </summary>
    public string? OptimizerConfig { get; set; }

    /// <summary>Passes over the training data (at least 1); with selection rows, the most epochs (early stopping usually ends sooner).</summary>
    public int NumberOfEpochs { get; set; } = TrainingDefaults.Epochs;

    /// <summary>Rows per mini-batch (at least 1).</summary>
    public int BatchSize { get; set; } = TrainingDefaults.BatchSize;

    /// <summary>Seed of the weight initialization, the shuffling, dropout and the selection split: the same seed gives the same model bits.</summary>
    public ulong Seed { get; set; } = TrainingDefaults.Seed;

    /// <summary>Whether to shuffle rows each epoch (through a buffer of <see cref="ShuffleBufferRows"/> rows, or fully when materialized).</summary>
    public bool Shuffle { get; set; } = TrainingDefaults.Shuffle;

    /// <summary>Rows held in the streaming shuffle buffer (at least 1). A buffer at least as large as the data gives a full shuffle.</summary>
    public int ShuffleBufferRows { get; set; } = TrainingDefaults.ShuffleBufferRows;

    /// <summary>
    /// Read the training rows into memory once and train from there, fully shuffled each epoch (the default). False:
    /// training streams over the data view's cursors, one pass per epoch, through the shuffle buffer (for data larger
    /// than memory).
    /// </summary>
    public bool MaterializeInMemory { get; set; } = TrainingDefaults.MaterializeInMemory;

    /// <summary>
    /// The share of the training rows split off (seeded by <see cref="Seed"/>; stratified by class for classification)
    /// as selection rows: early stopping watches them and <see cref="EpochRule"/> picks the epoch kept on them; the
    /// model never trains on them (unless <see cref="RefitOnAllRows"/>). In [0, 1); 0: no selection rows (every epoch
    /// runs, the last is kept). Ignored when <see cref="ValidationData"/> is given.
    /// </summary>
    public double SelectionFraction { get; set; } = TrainingDefaults.SelectionFraction;

    /// <summary>Explicit selection rows instead of a split of the training data (read into memory); null for none.</summary>
    public IDataView? ValidationData { get; set; }

    /// <summary>With selection rows: stop after this many epochs without improvement of the watched selection value; null: run every epoch.</summary>
    public int? EarlyStoppingPatience { get; set; } = TrainingDefaults.EarlyStoppingPatience;

    /// <summary>The smallest change of the watched selection value that counts as an improvement (finite, &gt;= 0).</summary>
    public double MinDelta { get; set; } = TrainingDefaults.MinDelta;

    /// <summary>With selection rows: which epoch's weights are kept (and what early stopping watches).</summary>
    public EpochRule EpochRule { get; set; } = TrainingDefaults.EpochRule;

    /// <summary>
    /// With selection rows split off the training data: after the run has chosen its epoch count, train a new model on
    /// all training rows for that many epochs (same seeds) and return it instead.
    /// </summary>
    public bool RefitOnAllRows { get; set; } = TrainingDefaults.RefitOnAllRows;

    /// <summary>Weight initialization (see <see cref="WeightInitializer"/>).</summary>
    public WeightInitializer Initializer { get; set; } = TrainingDefaults.Initializer;

    /// <summary>Regression only: the loss (squared or Huber).</summary>
    public RegressionLoss RegressionLoss { get; set; } = TrainingDefaults.RegressionLoss;

    /// <summary>Regression with <see cref="RegressionLoss.Huber"/> only: Huber's delta (&gt; 0), in units of the label's standard deviation when <see cref="StandardizeLabel"/>.</summary>
    public double HuberDelta { get; set; } = TrainingDefaults.HuberDelta;

    /// <summary>
    /// Regression only: train on the label standardized with the training rows' mean and standard deviation, then fold
    /// the scaling into the output layer, so the model scores on the label's own scale. Training and selection losses
    /// are then on the standardized scale. Lion moves each weight by about the learning rate per step and cannot reach
    /// large label values without it.
    /// </summary>
    public bool StandardizeLabel { get; set; } = TrainingDefaults.StandardizeLabel;

    /// <summary>The compute provider for matrix work; null: <see cref="BlasProviders.Default"/>.</summary>
    public BlasProvider? Blas { get; set; }

    /// <summary>Progress reports during training, or null (a refit on all rows reports again from epoch 1).</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Called at the end of every <c>Fit</c> with what the run did (epochs, kept epoch, selection rows), or null.</summary>
    public Action<OptimizerTrainingReport>? TrainingCompleted { get; set; }

    /// <summary>Cancels training between steps (<c>Fit</c> throws <see cref="OperationCanceledException"/>).</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// Where the run that chooses the epoch writes trainer checkpoints (atomically, at every epoch end and every
    /// <see cref="CheckpointEverySteps"/> steps); null: none. A refit on all rows (<see cref="RefitOnAllRows"/>) is not
    /// checkpointed.
    /// </summary>
    public string? CheckpointPath { get; set; }

    /// <summary>With <see cref="CheckpointPath"/>: also write a checkpoint every this many steps (0: at epoch ends only).</summary>
    public int CheckpointEverySteps { get; set; }

    /// <summary>
    /// Resume the run that chooses the epoch from this trainer checkpoint (written by a fit with the same data, options
    /// and seed): the result is bit-identical to a run that never stopped. Null: start from scratch.
    /// </summary>
    public string? ResumeFrom { get; set; }

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

        if (Optimizer is not null && OptimizerConfig is not null)
        {
            throw new ArgumentException($"Set at most one of Optimizer and OptimizerConfig; got Optimizer = {Optimizer.ClassName} and OptimizerConfig set.", nameof(OptimizerConfig));
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

        if (!(SelectionFraction >= 0 && SelectionFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(SelectionFraction), SelectionFraction, $"SelectionFraction must be in [0, 1), got {SelectionFraction}.");
        }

        if (!(MinDelta >= 0) || double.IsInfinity(MinDelta))
        {
            throw new ArgumentOutOfRangeException(nameof(MinDelta), MinDelta, $"MinDelta must be a finite number >= 0, got {MinDelta}.");
        }

        if (!Enum.IsDefined(EpochRule))
        {
            throw new ArgumentOutOfRangeException(nameof(EpochRule), EpochRule, $"EpochRule must be BestLoss, BestMetric or Last, got {(int)EpochRule}.");
        }

        if (!Enum.IsDefined(Initializer))
        {
            throw new ArgumentOutOfRangeException(nameof(Initializer), Initializer, $"Initializer must be a defined WeightInitializer, got {(int)Initializer}.");
        }

        if (!Enum.IsDefined(RegressionLoss))
        {
            throw new ArgumentOutOfRangeException(nameof(RegressionLoss), RegressionLoss, $"RegressionLoss must be Squared or Huber, got {(int)RegressionLoss}.");
        }

        if (!(HuberDelta > 0) || double.IsInfinity(HuberDelta))
        {
            throw new ArgumentOutOfRangeException(nameof(HuberDelta), HuberDelta, $"HuberDelta must be a finite number > 0, got {HuberDelta}.");
        }

        if (CheckpointEverySteps < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointEverySteps), CheckpointEverySteps, $"CheckpointEverySteps must be >= 0, got {CheckpointEverySteps}.");
        }

        if (OptimizerConfig != null)
        {
            // Parse once now so a bad config fails when the estimator is made, naming the JSON path.
            KerasConfig.DeserializeOptimizer(OptimizerConfig);
        }
    }

    /// <summary>
    /// A new optimizer for one training run: a copy of <see cref="Optimizer"/> rebuilt from its config, the parsed
    /// <see cref="OptimizerConfig"/>, or (neither set) <see cref="TrainingDefaults.CreateOptimizer"/>.
    /// </summary>
    /// <returns>An optimizer that is not built yet.</returns>
    public Optimizer CreateOptimizer()
    {
        if (OptimizerConfig != null)
        {
            return KerasConfig.DeserializeOptimizer(OptimizerConfig);
        }

        if (Optimizer is null)
        {
            return DefaultOptimizer();
        }

        Optimizer template = Optimizer;
        Optimizer copy = KerasConfig.DeserializeOptimizer(template.Serialize());
        copy.NonFiniteGradientPolicy = template.NonFiniteGradientPolicy;
        if (template.ExcludedNamePatterns.Count > 0)
        {
            copy.ExcludeFromWeightDecay(namePatterns: template.ExcludedNamePatterns);
        }

        return copy;
    }

    /// <summary>The optimizer when neither <see cref="Optimizer"/> nor <see cref="OptimizerConfig"/> is set: <see cref="TrainingDefaults.CreateOptimizer"/>.</summary>
    /// <returns>A new, unbuilt optimizer.</returns>
    protected virtual Optimizer DefaultOptimizer() => TrainingDefaults.CreateOptimizer();

    /// <summary>A shallow copy (the optimizer template, validation data, provider, progress and callback are shared).</summary>
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
        target.SelectionFraction = SelectionFraction;
        target.ValidationData = ValidationData;
        target.EarlyStoppingPatience = EarlyStoppingPatience;
        target.MinDelta = MinDelta;
        target.EpochRule = EpochRule;
        target.RefitOnAllRows = RefitOnAllRows;
        target.Initializer = Initializer;
        target.RegressionLoss = RegressionLoss;
        target.HuberDelta = HuberDelta;
        target.StandardizeLabel = StandardizeLabel;
        target.Blas = Blas;
        target.Progress = Progress;
        target.TrainingCompleted = TrainingCompleted;
        target.CancellationToken = CancellationToken;
        target.CheckpointPath = CheckpointPath;
        target.CheckpointEverySteps = CheckpointEverySteps;
        target.ResumeFrom = ResumeFrom;
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
    /// <summary>Creates the recommended MLP's options: the base defaults with <see cref="TrainingDefaults.MlpBatchSize"/> rows per batch.</summary>
    public MlpTrainerOptions()
    {
        BatchSize = TrainingDefaults.MlpBatchSize;
    }

    /// <summary>Hidden layer widths (at least one layer, each at least 2 wide).</summary>
    public IReadOnlyList<int> HiddenLayers { get; set; } = TrainingDefaults.HiddenLayers;

    /// <summary>Hidden-layer activation: ReLU, Tanh or Sigmoid (ML.NET's expression language has no erf, so GELU cannot become a native model).</summary>
    public Activation Activation { get; set; } = TrainingDefaults.Activation;

    /// <summary>Dropout rate on hidden activations during training, in [0, 1).</summary>
    public double Dropout { get; set; } = TrainingDefaults.Dropout;

    /// <summary>
    /// Robust scaling of each feature before the network (median and quartiles of the training rows; see
    /// <see cref="NumericEncodingOptions.RobustScaling"/>). Part of the model: exported as an ML.NET sparse linear layer.
    /// </summary>
    public bool RobustScaling { get; set; } = NumericEncodingDefaults.RobustScaling;

    /// <summary>
    /// Smooth clipping of each scaled feature at ±this value, <c>x / sqrt(1 + (x / c)^2)</c> (0: off). Exported as an
    /// ML.NET <c>Expression</c> transform.
    /// </summary>
    public double SmoothClip { get; set; } = NumericEncodingDefaults.SmoothClip;

    /// <summary>
    /// Piecewise-linear encoding of each numeric feature with this many quantile bins, appended to the scaled features
    /// (0: off; see <see cref="NumericEncodingOptions.PiecewiseLinearBins"/>). Exported as an ML.NET sparse linear layer
    /// and an <c>Expression</c> clamp.
    /// </summary>
    public int PiecewiseLinearBins { get; set; } = NumericEncodingDefaults.PiecewiseLinearBins;

    /// <summary>Classification only: label smoothing in [0, 1) (the loss's target is <c>(1 - eps) * onehot + eps / k</c>); 0: off.</summary>
    public double LabelSmoothing { get; set; } = TrainingDefaults.LabelSmoothing;

    /// <summary>How a constant learning rate is shaped over each run (an optimizer with its own schedule keeps it).</summary>
    public LearningRateCurve LearningRateCurve { get; set; } = TrainingDefaults.Curve;

    /// <summary>The warmup's share of a run's steps with <see cref="LearningRateCurve.WarmupCosine"/>, in [0, 1).</summary>
    public double WarmupFraction { get; set; } = TrainingDefaults.WarmupFraction;

    /// <summary>
    /// A step budget: a run trains at most <see cref="OptimizerTrainerOptions.NumberOfEpochs"/> epochs and no more
    /// epochs than it takes to reach about this many optimizer steps (at least one epoch). Null: no budget.
    /// </summary>
    public long? MaxSteps { get; set; } = TrainingDefaults.MaxSteps;

    /// <summary>The settings of the recipe beyond the base options, as the engine takes them.</summary>
    internal BridgeEngine.NetworkSettings Network() => new(NumericEncoding(), LabelSmoothing, LearningRateCurve == LearningRateCurve.WarmupCosine, WarmupFraction, MaxSteps, EnsembleSize);

    /// <summary>
    /// Members of a packed ensemble trained at once (1 to 64; 1: one network): independent MLPs of
    /// <see cref="HiddenLayers"/> that share the input, each trained on its own loss; the model predicts the mean of
    /// their outputs. Exported as ML.NET layers: one dense first layer, block-diagonal (sparse) later layers and one
    /// averaging head.
    /// </summary>
    public int EnsembleSize { get; set; } = TrainingDefaults.EnsembleSize;

    /// <summary>The recommended MLP's optimizer when none is set: <see cref="TrainingDefaults.CreateMlpOptimizer"/>.</summary>
    /// <returns>A new, unbuilt optimizer.</returns>
    protected override Optimizer DefaultOptimizer() => TrainingDefaults.CreateMlpOptimizer();

    /// <summary>The numeric encoding these options describe.</summary>
    /// <returns>A new options object.</returns>
    public NumericEncodingOptions NumericEncoding() => new() { RobustScaling = RobustScaling, SmoothClip = SmoothClip, PiecewiseLinearBins = PiecewiseLinearBins };

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        NumericEncoding().Validate();
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, $"LabelSmoothing must be in [0, 1), got {LabelSmoothing}.");
        }

        if (!Enum.IsDefined(LearningRateCurve))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRateCurve), LearningRateCurve, $"LearningRateCurve must be Constant or WarmupCosine, got {(int)LearningRateCurve}.");
        }

        if (!(WarmupFraction >= 0 && WarmupFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(WarmupFraction), WarmupFraction, $"WarmupFraction must be in [0, 1), got {WarmupFraction}.");
        }

        if (EnsembleSize < 1 || EnsembleSize > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(EnsembleSize), EnsembleSize, $"EnsembleSize must be in 1..64, got {EnsembleSize}.");
        }

        if (MaxSteps is long m && m < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSteps), m, $"MaxSteps must be null or >= 1, got {m}.");
        }
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
        c.RobustScaling = RobustScaling;
        c.SmoothClip = SmoothClip;
        c.PiecewiseLinearBins = PiecewiseLinearBins;
        c.LabelSmoothing = LabelSmoothing;
        c.LearningRateCurve = LearningRateCurve;
        c.WarmupFraction = WarmupFraction;
        c.MaxSteps = MaxSteps;
        c.EnsembleSize = EnsembleSize;
        return c;
    }
}
