using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet.Recipes;

/// <summary>The model of a recipe's trainer.</summary>
public enum RecipeModelType
{
    /// <summary>No hidden layers: linear, logistic or softmax regression. JSON <c>"linear"</c>.</summary>
    Linear,

    /// <summary>A multilayer perceptron. JSON <c>"mlp"</c>.</summary>
    Mlp,
}

/// <summary>
/// <c>trainer.early_stopping</c>: selection rows split off the training rows choose the epoch. JSON keys (all
/// optional, defaults from <see cref="TrainingDefaults"/>): <c>selection_fraction</c> (in (0, 1)),
/// <c>patience</c> (epochs, or null to run every epoch), <c>min_delta</c>, <c>keep</c> (<c>"best_loss"</c>,
/// <c>"best_metric"</c>, <c>"last"</c>: <see cref="EpochRule"/>), <c>refit</c> (train again on all training rows for
/// the epoch count found). <c>"early_stopping": null</c> turns it off: every epoch runs and the last is kept.
/// </summary>
public sealed class RecipeEarlyStopping : IEquatable<RecipeEarlyStopping>
{
    /// <summary>The share of the training rows split off as selection rows, in (0, 1).</summary>
    public double SelectionFraction { get; set; } = TrainingDefaults.SelectionFraction;

    /// <summary>Epochs without improvement before the run stops; null: run every epoch.</summary>
    public int? Patience { get; set; } = TrainingDefaults.EarlyStoppingPatience;

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinDelta { get; set; } = TrainingDefaults.MinDelta;

    /// <summary>Which epoch is kept.</summary>
    public EpochRule Keep { get; set; } = TrainingDefaults.EpochRule;

    /// <summary>Whether to refit on all training rows for the epoch count found.</summary>
    public bool Refit { get; set; } = TrainingDefaults.RefitOnAllRows;

    /// <summary>A copy.</summary>
    /// <returns>The copy.</returns>
    public RecipeEarlyStopping Clone() => (RecipeEarlyStopping)MemberwiseClone();

    /// <inheritdoc />
    public bool Equals(RecipeEarlyStopping? other) => other is not null && SelectionFraction.Equals(other.SelectionFraction) && Patience == other.Patience && MinDelta.Equals(other.MinDelta) && Keep == other.Keep && Refit == other.Refit;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RecipeEarlyStopping);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(SelectionFraction, Patience, MinDelta, Keep, Refit);

    internal static RecipeEarlyStopping Read(RecipeReader r)
    {
        var e = new RecipeEarlyStopping
        {
            SelectionFraction = r.Double("selection_fraction", TrainingDefaults.SelectionFraction, 0, 1, minInclusive: false, maxInclusive: false),
            Patience = r.NullableInt("patience", TrainingDefaults.EarlyStoppingPatience, 1, int.MaxValue),
            MinDelta = r.Double("min_delta", TrainingDefaults.MinDelta, 0, double.MaxValue),
            Keep = r.Enum("keep", RecipeNames.EpochRules, TrainingDefaults.EpochRule),
            Refit = r.Bool("refit", TrainingDefaults.RefitOnAllRows),
        };
        r.Done();
        return e;
    }

    internal JsonObject Write() => new()
    {
        ["selection_fraction"] = SelectionFraction,
        ["patience"] = Patience,
        ["min_delta"] = MinDelta,
        ["keep"] = RecipeJson.NameOf(RecipeNames.EpochRules, Keep),
        ["refit"] = Refit,
    };

    internal void Validate(string path)
    {
        if (!(SelectionFraction > 0 && SelectionFraction < 1))
        {
            throw new RecipeException(RecipeJson.Property(path, "selection_fraction"), $"must be a number in (0, 1), got {RecipeJson.Num(SelectionFraction)} (use \"early_stopping\": null for none).");
        }

        if (Patience is int p && p < 1)
        {
            throw new RecipeException(RecipeJson.Property(path, "patience"), $"must be an integer >= 1 or null, got {p}.");
        }

        if (!(MinDelta >= 0) || double.IsInfinity(MinDelta))
        {
            throw new RecipeException(RecipeJson.Property(path, "min_delta"), $"must be a finite number >= 0, got {RecipeJson.Num(MinDelta)}.");
        }

        if (!RecipeJson.IsDefined(RecipeNames.EpochRules, Keep))
        {
            throw new RecipeException(RecipeJson.Property(path, "keep"), $"expected {RecipeJson.Choices(RecipeNames.EpochRules)}, got {(int)Keep}.");
        }
    }
}

/// <summary>
/// The <c>trainer</c> section of a recipe: the task, the model, the optimizer as its Keras config and the training
/// settings. JSON keys: <c>task</c> (required: <c>"regression"</c>, <c>"binary_classification"</c>,
/// <c>"multiclass_classification"</c>); <c>model</c> (<c>{"type": "linear"}</c> or <c>{"type": "mlp", "hidden_layers":
/// [128, 64], "activation": "relu", "dropout": 0, "ensemble_size": 1, "numeric_encoding": {"robust_scaling": true,
/// "smooth_clip": 3, "piecewise_linear_bins": 4}}</c>); <c>optimizer</c> (Keras's <c>{"class_name", "config"}</c>, as
/// <c>keras.optimizers.serialize</c> writes it; <c>module</c> and <c>registered_name</c> are accepted and dropped);
/// <c>exclude_from_weight_decay</c> (parameter-name regular expressions); <c>epochs</c>; <c>batch_size</c>;
/// <c>shuffle</c>; <c>in_memory</c>; <c>shuffle_buffer_rows</c>; <c>initializer</c>; for an MLP
/// <c>learning_rate_curve</c> (<c>"constant"</c>, <c>"warmup_cosine"</c>), <c>warmup_fraction</c> (with
/// <c>"warmup_cosine"</c>), <c>max_steps</c> (or null) and, for a classifier, <c>label_smoothing</c>; for regression
/// <c>loss</c>, <c>huber_delta</c> (with <c>"huber"</c>) and <c>standardize_label</c>; <c>early_stopping</c>
/// (<see cref="RecipeEarlyStopping"/> or null). Every key but <c>task</c> is optional (defaults:
/// <see cref="TrainingDefaults"/> and <see cref="NumericEncodingDefaults"/>: an MLP without <c>optimizer</c> or
/// <c>batch_size</c> gets the recommended MLP's, <see cref="TrainingDefaults.CreateMlpOptimizer"/> and
/// <see cref="TrainingDefaults.MlpBatchSize"/>; a linear model <see cref="TrainingDefaults.CreateOptimizer"/> and
/// <see cref="TrainingDefaults.BatchSize"/>); a key that does not apply (an MLP key on a linear model, a regression key
/// on a classifier, a classification key on a regression) is an error.
/// </summary>
public sealed class RecipeTrainer : IEquatable<RecipeTrainer>
{
    /// <summary>The task.</summary>
    public TaskKind Task { get; set; }

    /// <summary>Linear or MLP.</summary>
    public RecipeModelType Model { get; set; } = RecipeModelType.Mlp;

    /// <summary>MLP: hidden layer widths (at least one, each at least 2); ignored for a linear model.</summary>
    public List<int> HiddenLayers { get; set; } = new(TrainingDefaults.HiddenLayers);

    /// <summary>MLP: hidden activation (ReLU, Tanh or Sigmoid: those ML.NET's expression language can score).</summary>
    public Activation Activation { get; set; } = TrainingDefaults.Activation;

    /// <summary>MLP: dropout rate on hidden activations during training, in [0, 1).</summary>
    public double Dropout { get; set; } = TrainingDefaults.Dropout;

    /// <summary>MLP: members of the packed ensemble (<see cref="MlpTrainerOptions.EnsembleSize"/>), 1 to 64. JSON <c>model.ensemble_size</c>.</summary>
    public int EnsembleSize { get; set; } = TrainingDefaults.EnsembleSize;

    /// <summary>MLP: robust scaling of each feature (<see cref="MlpTrainerOptions.RobustScaling"/>). JSON <c>model.numeric_encoding.robust_scaling</c>.</summary>
    public bool RobustScaling { get; set; } = NumericEncodingDefaults.RobustScaling;

    /// <summary>MLP: smooth clipping at ±this value, 0: off (<see cref="MlpTrainerOptions.SmoothClip"/>). JSON <c>model.numeric_encoding.smooth_clip</c>.</summary>
    public double SmoothClip { get; set; } = NumericEncodingDefaults.SmoothClip;

    /// <summary>MLP: piecewise-linear bins per numeric feature, 0 (off) or 2 to 1024 (<see cref="MlpTrainerOptions.PiecewiseLinearBins"/>). JSON <c>model.numeric_encoding.piecewise_linear_bins</c>.</summary>
    public int PiecewiseLinearBins { get; set; } = NumericEncodingDefaults.PiecewiseLinearBins;

    /// <summary>MLP classifiers: label smoothing in [0, 1) (<see cref="MlpTrainerOptions.LabelSmoothing"/>). JSON <c>label_smoothing</c>.</summary>
    public double LabelSmoothing { get; set; } = TrainingDefaults.LabelSmoothing;

    /// <summary>MLP: how a constant learning rate is shaped over a run (<see cref="MlpTrainerOptions.LearningRateCurve"/>). JSON <c>learning_rate_curve</c>.</summary>
    public LearningRateCurve LearningRateCurve { get; set; } = TrainingDefaults.Curve;

    /// <summary>MLP with <see cref="LearningRateCurve.WarmupCosine"/>: the warmup's share of the steps, in [0, 1). JSON <c>warmup_fraction</c>.</summary>
    public double WarmupFraction { get; set; } = TrainingDefaults.WarmupFraction;

    /// <summary>MLP: the step budget (<see cref="MlpTrainerOptions.MaxSteps"/>), or null for none. JSON <c>max_steps</c>.</summary>
    public long? MaxSteps { get; set; } = TrainingDefaults.MaxSteps;

    /// <summary>
    /// The optimizer as Keras's serialized form <c>{"class_name", "config"}</c> (kept as given; a partial config is
    /// completed with Keras's defaults when the optimizer is built). Default: <see cref="DefaultOptimizer"/> of the model.
    /// </summary>
    public JsonObject Optimizer { get; set; } = DefaultOptimizer(RecipeModelType.Mlp);

    /// <summary>Parameter-name patterns (regular expressions) exempt from weight decay. Default: <see cref="DefaultExcludeFromWeightDecay"/> of the model.</summary>
    public List<string> ExcludeFromWeightDecay { get; set; } = DefaultExcludeFromWeightDecay(RecipeModelType.Mlp);

    /// <summary>The most epochs.</summary>
    public int Epochs { get; set; } = TrainingDefaults.Epochs;

    /// <summary>Rows per mini-batch. Default: <see cref="DefaultBatchSize"/> of the model.</summary>
    public int BatchSize { get; set; } = DefaultBatchSize(RecipeModelType.Mlp);

    /// <summary>Whether rows are shuffled each epoch.</summary>
    public bool Shuffle { get; set; } = TrainingDefaults.Shuffle;

    /// <summary>Whether the training rows are read into memory (full shuffle) rather than streamed each epoch.</summary>
    public bool InMemory { get; set; } = TrainingDefaults.MaterializeInMemory;

    /// <summary>Rows of the streaming shuffle buffer (when not in memory).</summary>
    public int ShuffleBufferRows { get; set; } = TrainingDefaults.ShuffleBufferRows;

    /// <summary>Weight initialization.</summary>
    public WeightInitializer Initializer { get; set; } = TrainingDefaults.Initializer;

    /// <summary>Regression: the loss.</summary>
    public RegressionLoss Loss { get; set; } = TrainingDefaults.RegressionLoss;

    /// <summary>Regression with Huber loss: delta (in standard deviations of the label when it is standardized).</summary>
    public double HuberDelta { get; set; } = TrainingDefaults.HuberDelta;

    /// <summary>Regression: train on the standardized label.</summary>
    public bool StandardizeLabel { get; set; } = TrainingDefaults.StandardizeLabel;

    /// <summary>Early stopping on selection rows, or null for none.</summary>
    public RecipeEarlyStopping? EarlyStopping { get; set; } = new();

    /// <summary>
    /// The optimizer of a recipe that names none: for an MLP the recommended MLP's
    /// (<see cref="TrainingDefaults.CreateMlpOptimizer"/>, as <c>Mlp()</c> with no arguments), for a linear model
    /// <see cref="TrainingDefaults.CreateOptimizer"/>.
    /// </summary>
    /// <param name="model">The model type.</param>
    /// <returns>A new <c>{"class_name", "config"}</c> object.</returns>
    public static JsonObject DefaultOptimizer(RecipeModelType model) => Serialized(CreateDefaultOptimizer(model));

    /// <summary>
    /// The optimizer object behind <see cref="DefaultOptimizer"/>: <see cref="TrainingDefaults.CreateMlpOptimizer"/> for
    /// an MLP, <see cref="TrainingDefaults.CreateOptimizer"/> for a linear model.
    /// </summary>
    /// <param name="model">The model type.</param>
    /// <returns>A new, unbuilt optimizer.</returns>
    public static Optimizer CreateDefaultOptimizer(RecipeModelType model) => model == RecipeModelType.Mlp ? TrainingDefaults.CreateMlpOptimizer() : TrainingDefaults.CreateOptimizer();

    /// <summary>The weight-decay exclusions of a recipe that names none: those of <see cref="DefaultOptimizer"/> (an MLP: none; a linear model: the bias).</summary>
    /// <param name="model">The model type.</param>
    /// <returns>A new list.</returns>
    public static List<string> DefaultExcludeFromWeightDecay(RecipeModelType model) => new(CreateDefaultOptimizer(model).ExcludedNamePatterns);

    /// <summary>The batch size of a recipe that names none: <see cref="TrainingDefaults.MlpBatchSize"/> for an MLP, <see cref="TrainingDefaults.BatchSize"/> for a linear model.</summary>
    /// <param name="model">The model type.</param>
    /// <returns>Rows per mini-batch.</returns>
    public static int DefaultBatchSize(RecipeModelType model) => model == RecipeModelType.Mlp ? TrainingDefaults.MlpBatchSize : TrainingDefaults.BatchSize;

    /// <summary>
    /// Switches the model type (a sweep's depth 0, the tool's <c>--model</c>). The optimizer, its weight-decay
    /// exclusions and the batch size follow the model where they are the old model's defaults (values set otherwise
    /// stay); a linear model gets no hidden layers, an MLP without any gets <see cref="TrainingDefaults.HiddenLayers"/>.
    /// </summary>
    /// <param name="model">The new model type.</param>
    public void SetModel(RecipeModelType model)
    {
        if (model == Model)
        {
            return;
        }

        RecipeModelType old = Model;
        Model = model;
        if (Optimizer is not null && JsonNode.DeepEquals(Optimizer, DefaultOptimizer(old)))
        {
            Optimizer = DefaultOptimizer(model);
        }

        if (ExcludeFromWeightDecay is not null && ExcludeFromWeightDecay.SequenceEqual(DefaultExcludeFromWeightDecay(old), StringComparer.Ordinal))
        {
            ExcludeFromWeightDecay = DefaultExcludeFromWeightDecay(model);
        }

        if (BatchSize == DefaultBatchSize(old))
        {
            BatchSize = DefaultBatchSize(model);
        }

        if (model == RecipeModelType.Linear)
        {
            HiddenLayers = new List<int>();
        }
        else if (HiddenLayers is null || HiddenLayers.Count == 0)
        {
            HiddenLayers = new List<int>(TrainingDefaults.HiddenLayers);
        }
    }

    /// <summary>
    /// Sets <see cref="Optimizer"/> from an optimizer object (its Keras config); its weight-decay name patterns replace
    /// <see cref="ExcludeFromWeightDecay"/> when it has any (otherwise the recipe's stay: by default the biases).
    /// </summary>
    /// <param name="optimizer">The optimizer (not built or changed).</param>
    public void SetOptimizer(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = Serialized(optimizer);
        if (optimizer.ExcludedNamePatterns.Count > 0)
        {
            ExcludeFromWeightDecay = new List<string>(optimizer.ExcludedNamePatterns);
        }
    }

    /// <summary>A new optimizer built from <see cref="Optimizer"/>, with <see cref="ExcludeFromWeightDecay"/> applied.</summary>
    /// <returns>The optimizer (not built).</returns>
    /// <exception cref="RecipeException">The optimizer config or a pattern is invalid.</exception>
    public Optimizer CreateOptimizer() => CreateOptimizer("$.trainer");

    /// <summary>A deep copy.</summary>
    /// <returns>The copy.</returns>
    public RecipeTrainer Clone()
    {
        var c = (RecipeTrainer)MemberwiseClone();
        c.HiddenLayers = new List<int>(HiddenLayers);
        c.Optimizer = (JsonObject)Optimizer.DeepClone();
        c.ExcludeFromWeightDecay = new List<string>(ExcludeFromWeightDecay);
        c.EarlyStopping = EarlyStopping?.Clone();
        return c;
    }

    /// <inheritdoc />
    public bool Equals(RecipeTrainer? other) =>
        other is not null && Task == other.Task && Model == other.Model
        && (Model == RecipeModelType.Linear || (HiddenLayers.SequenceEqual(other.HiddenLayers) && Activation == other.Activation && Dropout.Equals(other.Dropout)
            && EnsembleSize == other.EnsembleSize && RobustScaling == other.RobustScaling && SmoothClip.Equals(other.SmoothClip) && PiecewiseLinearBins == other.PiecewiseLinearBins
            && LabelSmoothing.Equals(other.LabelSmoothing) && LearningRateCurve == other.LearningRateCurve && WarmupFraction.Equals(other.WarmupFraction) && MaxSteps == other.MaxSteps))
        && JsonNode.DeepEquals(Optimizer, other.Optimizer) && ExcludeFromWeightDecay.SequenceEqual(other.ExcludeFromWeightDecay, StringComparer.Ordinal)
        && Epochs == other.Epochs && BatchSize == other.BatchSize && Shuffle == other.Shuffle && InMemory == other.InMemory && ShuffleBufferRows == other.ShuffleBufferRows
        && Initializer == other.Initializer && Loss == other.Loss && HuberDelta.Equals(other.HuberDelta) && StandardizeLabel == other.StandardizeLabel && Equals(EarlyStopping, other.EarlyStopping);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RecipeTrainer);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Task, Model, Model == RecipeModelType.Linear ? 0 : HiddenLayers.Count, Epochs, BatchSize);

    /// <summary>The bridge trainer options this section describes.</summary>
    internal OptimizerTrainerOptions ToOptions(ulong seed)
    {
        OptimizerTrainerOptions o = Model == RecipeModelType.Mlp
            ? new MlpTrainerOptions
            {
                HiddenLayers = HiddenLayers.ToArray(),
                Activation = Activation,
                Dropout = Dropout,
                EnsembleSize = EnsembleSize,
                RobustScaling = RobustScaling,
                SmoothClip = SmoothClip,
                PiecewiseLinearBins = PiecewiseLinearBins,
                LabelSmoothing = LabelSmoothing,
                LearningRateCurve = LearningRateCurve,
                WarmupFraction = WarmupFraction,
                MaxSteps = MaxSteps,
            }
            : new OptimizerTrainerOptions();
        o.Optimizer = CreateOptimizer();
        o.NumberOfEpochs = Epochs;
        o.BatchSize = BatchSize;
        o.Seed = seed;
        o.Shuffle = Shuffle;
        o.MaterializeInMemory = InMemory;
        o.ShuffleBufferRows = ShuffleBufferRows;
        o.Initializer = Initializer;
        o.RegressionLoss = Loss;
        o.HuberDelta = HuberDelta;
        o.StandardizeLabel = StandardizeLabel;
        o.SelectionFraction = EarlyStopping?.SelectionFraction ?? 0;
        o.EarlyStoppingPatience = EarlyStopping?.Patience;
        o.MinDelta = EarlyStopping?.MinDelta ?? TrainingDefaults.MinDelta;
        o.EpochRule = EarlyStopping?.Keep ?? EpochRule.Last;
        o.RefitOnAllRows = EarlyStopping?.Refit ?? false;
        return o;
    }

    internal static RecipeTrainer Read(RecipeReader r, TaskKind task)
    {
        var t = new RecipeTrainer { Task = task };
        r.Known("task");
        RecipeReader? model = r.NullableObject("model");
        if (model != null)
        {
            t.Model = model.RequiredEnum("type", RecipeNames.ModelTypes);
            if (t.Model == RecipeModelType.Mlp)
            {
                JsonElement.ArrayEnumerator? layers = model.Array("hidden_layers", required: false);
                if (layers != null)
                {
                    t.HiddenLayers = new List<int>();
                    int i = 0;
                    foreach (JsonElement e in layers.Value)
                    {
                        t.HiddenLayers.Add(RecipeJson.AsInt(e, RecipeJson.Index(model.PathOf("hidden_layers"), i++), 2, RecipeLimits.MaxLayerWidth));
                    }
                }

                t.Activation = model.Enum("activation", RecipeNames.Activations, TrainingDefaults.Activation);
                t.Dropout = model.Double("dropout", TrainingDefaults.Dropout, 0, 1, maxInclusive: false);
                t.EnsembleSize = model.Int("ensemble_size", TrainingDefaults.EnsembleSize, 1, RecipeLimits.MaxEnsembleSize);
                JsonElement? encoding = model.Get("numeric_encoding");
                if (encoding != null)
                {
                    var enc = new RecipeReader(encoding.Value, model.PathOf("numeric_encoding"));
                    t.RobustScaling = enc.Bool("robust_scaling", NumericEncodingDefaults.RobustScaling);
                    t.SmoothClip = enc.Double("smooth_clip", NumericEncodingDefaults.SmoothClip, 0, float.MaxValue);
                    t.PiecewiseLinearBins = enc.Int("piecewise_linear_bins", NumericEncodingDefaults.PiecewiseLinearBins, 0, RecipeLimits.MaxPiecewiseLinearBins);
                    if (t.PiecewiseLinearBins == 1)
                    {
                        throw new RecipeException(enc.PathOf("piecewise_linear_bins"), "must be 0 (off) or an integer in [2, " + RecipeLimits.MaxPiecewiseLinearBins.ToString(System.Globalization.CultureInfo.InvariantCulture) + "], got 1.", "1");
                    }

                    enc.Done();
                }
            }
            else
            {
                foreach (string k in MlpModelKeys)
                {
                    if (model.Has(k))
                    {
                        throw new RecipeException(model.PathOf(k), "applies to \"mlp\" models only; this model is \"linear\".");
                    }
                }

                t.HiddenLayers = new List<int>();
            }

            model.Done();
        }

        RecipeReader? optimizer = r.NullableObject("optimizer");
        if (r.Has("optimizer") && optimizer is null)
        {
            throw new RecipeException(r.PathOf("optimizer"), "expected a Keras optimizer {\"class_name\", \"config\"}, got null.", "null");
        }

        if (optimizer != null)
        {
            t.Optimizer = ReadOptimizer(r.Get("optimizer")!.Value, r.PathOf("optimizer"));
        }
        else
        {
            t.Optimizer = DefaultOptimizer(t.Model);
        }

        t.ExcludeFromWeightDecay = r.StringList("exclude_from_weight_decay", required: false, allowEmptyList: true) ?? DefaultExcludeFromWeightDecay(t.Model);
        t.Epochs = r.Int("epochs", TrainingDefaults.Epochs, 1, RecipeLimits.MaxEpochs);
        t.BatchSize = r.Int("batch_size", DefaultBatchSize(t.Model), 1, RecipeLimits.MaxBatchSize);
        t.Shuffle = r.Bool("shuffle", TrainingDefaults.Shuffle);
        t.InMemory = r.Bool("in_memory", TrainingDefaults.MaterializeInMemory);
        t.ShuffleBufferRows = r.Int("shuffle_buffer_rows", TrainingDefaults.ShuffleBufferRows, 1, RecipeLimits.MaxShuffleBufferRows);
        t.Initializer = r.Enum("initializer", RecipeNames.Initializers, TrainingDefaults.Initializer);
        if (t.Model == RecipeModelType.Mlp)
        {
            t.LearningRateCurve = r.Enum("learning_rate_curve", RecipeNames.LearningRateCurves, TrainingDefaults.Curve);
            if (t.LearningRateCurve == LearningRateCurve.WarmupCosine)
            {
                t.WarmupFraction = r.Double("warmup_fraction", TrainingDefaults.WarmupFraction, 0, 1, maxInclusive: false);
            }
            else if (r.Has("warmup_fraction"))
            {
                throw new RecipeException(r.PathOf("warmup_fraction"), "applies only with \"learning_rate_curve\": \"warmup_cosine\".");
            }

            t.MaxSteps = r.NullableInt("max_steps", (int)TrainingDefaults.MaxSteps, 1, RecipeLimits.MaxSteps);
            if (task != TaskKind.Regression)
            {
                t.LabelSmoothing = r.Double("label_smoothing", TrainingDefaults.LabelSmoothing, 0, 1, maxInclusive: false);
            }
            else if (r.Has("label_smoothing"))
            {
                throw new RecipeException(r.PathOf("label_smoothing"), "applies to classification only.");
            }
        }
        else
        {
            foreach (string k in MlpTrainerKeys)
            {
                if (r.Has(k))
                {
                    throw new RecipeException(r.PathOf(k), "applies to \"mlp\" models only; this model is \"linear\".");
                }
            }
        }

        if (task == TaskKind.Regression)
        {
            t.Loss = r.Enum("loss", RecipeNames.Losses, TrainingDefaults.RegressionLoss);
            if (t.Loss == RegressionLoss.Huber)
            {
                t.HuberDelta = r.Double("huber_delta", TrainingDefaults.HuberDelta, 0, float.MaxValue, minInclusive: false);
            }
            else if (r.Has("huber_delta"))
            {
                throw new RecipeException(r.PathOf("huber_delta"), "applies only with \"loss\": \"huber\".");
            }

            t.StandardizeLabel = r.Bool("standardize_label", TrainingDefaults.StandardizeLabel);
        }
        else
        {
            foreach (string k in new[] { "loss", "huber_delta", "standardize_label" })
            {
                if (r.Has(k))
                {
                    throw new RecipeException(r.PathOf(k), "applies to regression only.");
                }
            }
        }

        if (r.Has("early_stopping"))
        {
            RecipeReader? es = r.NullableObject("early_stopping");
            t.EarlyStopping = es is null ? null : RecipeEarlyStopping.Read(es);
        }

        r.Done();
        t.Validate(r.Path);
        return t;
    }

    internal JsonObject Write()
    {
        var model = new JsonObject { ["type"] = RecipeJson.NameOf(RecipeNames.ModelTypes, Model) };
        if (Model == RecipeModelType.Mlp)
        {
            var layers = new JsonArray();
            foreach (int w in HiddenLayers)
            {
                layers.Add(w);
            }

            model["hidden_layers"] = layers;
            model["activation"] = RecipeJson.NameOf(RecipeNames.Activations, Activation);
            model["dropout"] = Dropout;
            model["ensemble_size"] = EnsembleSize;
            model["numeric_encoding"] = new JsonObject
            {
                ["robust_scaling"] = RobustScaling,
                ["smooth_clip"] = SmoothClip,
                ["piecewise_linear_bins"] = PiecewiseLinearBins,
            };
        }

        var o = new JsonObject
        {
            ["task"] = RecipeJson.NameOf(RecipeNames.Tasks, Task),
            ["model"] = model,
            ["optimizer"] = Optimizer.DeepClone(),
            ["exclude_from_weight_decay"] = RecipeJson.Array(ExcludeFromWeightDecay),
            ["epochs"] = Epochs,
            ["batch_size"] = BatchSize,
            ["shuffle"] = Shuffle,
            ["in_memory"] = InMemory,
            ["shuffle_buffer_rows"] = ShuffleBufferRows,
            ["initializer"] = RecipeJson.NameOf(RecipeNames.Initializers, Initializer),
        };
        if (Model == RecipeModelType.Mlp)
        {
            o["learning_rate_curve"] = RecipeJson.NameOf(RecipeNames.LearningRateCurves, LearningRateCurve);
            if (LearningRateCurve == LearningRateCurve.WarmupCosine)
            {
                o["warmup_fraction"] = WarmupFraction;
            }

            o["max_steps"] = MaxSteps;
            if (Task != TaskKind.Regression)
            {
                o["label_smoothing"] = LabelSmoothing;
            }
        }

        if (Task == TaskKind.Regression)
        {
            o["loss"] = RecipeJson.NameOf(RecipeNames.Losses, Loss);
            if (Loss == RegressionLoss.Huber)
            {
                o["huber_delta"] = HuberDelta;
            }

            o["standardize_label"] = StandardizeLabel;
        }

        o["early_stopping"] = EarlyStopping?.Write();
        return o;
    }

    internal void Validate(string path)
    {
        string P(string key) => RecipeJson.Property(path, key);
        string M(string key) => RecipeJson.Property(P("model"), key);
        if (!RecipeJson.IsDefined(RecipeNames.Tasks, Task))
        {
            throw new RecipeException(P("task"), $"expected {RecipeJson.Choices(RecipeNames.Tasks)}, got {(int)Task}.");
        }

        if (!RecipeJson.IsDefined(RecipeNames.ModelTypes, Model))
        {
            throw new RecipeException(M("type"), $"expected {RecipeJson.Choices(RecipeNames.ModelTypes)}, got {(int)Model}.");
        }

        if (HiddenLayers is null)
        {
            throw new RecipeException(M("hidden_layers"), "expected an array of layer widths, got null.");
        }

        if (Model == RecipeModelType.Mlp)
        {
            if (HiddenLayers.Count == 0 || HiddenLayers.Count > RecipeLimits.MaxLayers)
            {
                throw new RecipeException(M("hidden_layers"), $"an MLP needs 1 to {RecipeLimits.MaxLayers} hidden layers, got {HiddenLayers.Count} (use \"type\": \"linear\" for none).");
            }

            for (int i = 0; i < HiddenLayers.Count; i++)
            {
                if (HiddenLayers[i] < 2 || HiddenLayers[i] > RecipeLimits.MaxLayerWidth)
                {
                    throw new RecipeException(RecipeJson.Index(M("hidden_layers"), i), $"must be an integer in [2, {RecipeLimits.MaxLayerWidth}], got {HiddenLayers[i]}.");
                }
            }

            if (!RecipeJson.IsDefined(RecipeNames.Activations, Activation))
            {
                throw new RecipeException(M("activation"), $"expected {RecipeJson.Choices(RecipeNames.Activations)} (activations ML.NET can score), got {Activation}.");
            }

            if (!(Dropout >= 0 && Dropout < 1))
            {
                throw new RecipeException(M("dropout"), $"must be a number in [0, 1), got {RecipeJson.Num(Dropout)}.");
            }

            CheckInt(M("ensemble_size"), EnsembleSize, 1, RecipeLimits.MaxEnsembleSize);
            string enc = M("numeric_encoding");
            if (!(SmoothClip >= 0 && SmoothClip <= float.MaxValue))
            {
                throw new RecipeException(RecipeJson.Property(enc, "smooth_clip"), $"must be a finite number >= 0 (0: off), got {RecipeJson.Num(SmoothClip)}.");
            }

            if (PiecewiseLinearBins < 0 || PiecewiseLinearBins == 1 || PiecewiseLinearBins > RecipeLimits.MaxPiecewiseLinearBins)
            {
                throw new RecipeException(RecipeJson.Property(enc, "piecewise_linear_bins"), $"must be 0 (off) or an integer in [2, {RecipeLimits.MaxPiecewiseLinearBins}], got {PiecewiseLinearBins}.");
            }

            if (!RecipeJson.IsDefined(RecipeNames.LearningRateCurves, LearningRateCurve))
            {
                throw new RecipeException(P("learning_rate_curve"), $"expected {RecipeJson.Choices(RecipeNames.LearningRateCurves)}, got {(int)LearningRateCurve}.");
            }

            if (!(WarmupFraction >= 0 && WarmupFraction < 1))
            {
                throw new RecipeException(P("warmup_fraction"), $"must be a number in [0, 1), got {RecipeJson.Num(WarmupFraction)}.");
            }

            if (LearningRateCurve != LearningRateCurve.WarmupCosine && !WarmupFraction.Equals(TrainingDefaults.WarmupFraction))
            {
                throw new RecipeException(P("warmup_fraction"), "applies only with \"learning_rate_curve\": \"warmup_cosine\".");
            }

            if (MaxSteps is long steps && (steps < 1 || steps > RecipeLimits.MaxSteps))
            {
                throw new RecipeException(P("max_steps"), $"must be an integer in [1, {RecipeLimits.MaxSteps}] or null, got {steps}.");
            }

            if (!(LabelSmoothing >= 0 && LabelSmoothing < 1))
            {
                throw new RecipeException(P("label_smoothing"), $"must be a number in [0, 1), got {RecipeJson.Num(LabelSmoothing)}.");
            }

            if (Task == TaskKind.Regression && !LabelSmoothing.Equals(TrainingDefaults.LabelSmoothing))
            {
                throw new RecipeException(P("label_smoothing"), "applies to classification only; leave it at its default.");
            }
        }

        if (Optimizer is null)
        {
            throw new RecipeException(P("optimizer"), "expected a Keras optimizer {\"class_name\", \"config\"}, got null.");
        }

        CreateOptimizer(path);
        CheckInt(P("epochs"), Epochs, 1, RecipeLimits.MaxEpochs);
        CheckInt(P("batch_size"), BatchSize, 1, RecipeLimits.MaxBatchSize);
        CheckInt(P("shuffle_buffer_rows"), ShuffleBufferRows, 1, RecipeLimits.MaxShuffleBufferRows);
        if (!RecipeJson.IsDefined(RecipeNames.Initializers, Initializer))
        {
            throw new RecipeException(P("initializer"), $"expected {RecipeJson.Choices(RecipeNames.Initializers)}, got {(int)Initializer}.");
        }

        if (!RecipeJson.IsDefined(RecipeNames.Losses, Loss))
        {
            throw new RecipeException(P("loss"), $"expected {RecipeJson.Choices(RecipeNames.Losses)}, got {(int)Loss}.");
        }

        if (!(HuberDelta > 0 && HuberDelta <= float.MaxValue))
        {
            throw new RecipeException(P("huber_delta"), $"must be a finite number > 0 (within float32), got {RecipeJson.Num(HuberDelta)}.");
        }

        if (Task != TaskKind.Regression && (Loss != TrainingDefaults.RegressionLoss || !HuberDelta.Equals(TrainingDefaults.HuberDelta) || StandardizeLabel != TrainingDefaults.StandardizeLabel))
        {
            throw new RecipeException(P(Loss != TrainingDefaults.RegressionLoss ? "loss" : !HuberDelta.Equals(TrainingDefaults.HuberDelta) ? "huber_delta" : "standardize_label"), "applies to regression only; leave it at its default.");
        }

        if (Loss != RegressionLoss.Huber && !HuberDelta.Equals(TrainingDefaults.HuberDelta))
        {
            throw new RecipeException(P("huber_delta"), "applies only with \"loss\": \"huber\".");
        }

        EarlyStopping?.Validate(P("early_stopping"));
    }

    internal Optimizer CreateOptimizer(string path)
    {
        string op = RecipeJson.Property(path, "optimizer");
        Optimizer o;
        try
        {
            CheckFloat32(Optimizer, op + ".config", Optimizer["config"]);
            o = KerasConfig.DeserializeOptimizer((JsonObject)Optimizer.DeepClone(), new KerasConfigOptions { Path = op });
        }
        catch (OptimizerConfigException e)
        {
            throw new RecipeException(e.JsonPath, e.Reason, null, e);
        }
        catch (Exception e) when (e is not RecipeException && e is ArgumentException or InvalidOperationException or OverflowException or FormatException)
        {
            throw new RecipeException(op, "the optimizer cannot be built: " + e.Message, RecipeJson.Describe(Optimizer), e);
        }

        string ep = RecipeJson.Property(path, "exclude_from_weight_decay");
        if (ExcludeFromWeightDecay is null)
        {
            throw new RecipeException(ep, "expected an array of regular expressions, got null.");
        }

        for (int i = 0; i < ExcludeFromWeightDecay.Count; i++)
        {
            string? p = ExcludeFromWeightDecay[i];
            if (string.IsNullOrEmpty(p))
            {
                throw new RecipeException(RecipeJson.Index(ep, i), "expected a regular expression, got " + (p is null ? "null." : "\"\"."));
            }

            try
            {
                _ = new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new RecipeException(RecipeJson.Index(ep, i), $"\"{p}\" is not a valid regular expression: {e.Message}", RecipeJson.Quote(p), e);
            }
        }

        if (ExcludeFromWeightDecay.Count > 0)
        {
            o.ExcludeFromWeightDecay(namePatterns: ExcludeFromWeightDecay);
        }

        return o;
    }

    /// <summary>The keys of <c>trainer.model</c> that apply to an MLP only.</summary>
    private static readonly string[] MlpModelKeys = { "hidden_layers", "activation", "dropout", "ensemble_size", "numeric_encoding" };

    /// <summary>The keys of <c>trainer</c> that apply to an MLP only.</summary>
    private static readonly string[] MlpTrainerKeys = { "label_smoothing", "learning_rate_curve", "warmup_fraction", "max_steps" };


    private static JsonObject ReadOptimizer(JsonElement e, string path)
    {
        var r = new RecipeReader(e, path);
        string className = r.RequiredString("class_name");
        JsonElement config = r.Get("config") ?? throw r.Missing("config", "the optimizer's Keras config object");
        if (config.ValueKind != JsonValueKind.Object)
        {
            throw RecipeReader.Wrong(r.PathOf("config"), "an object", config);
        }

        string module = r.String("module", "keras.optimizers");
        if (module != "keras.optimizers")
        {
            throw new RecipeException(r.PathOf("module"), $"expected \"keras.optimizers\", got {RecipeJson.Quote(module)}.", RecipeJson.Quote(module));
        }

        r.Get("registered_name");
        r.Done();
        if (OptimizerRegistry.FindByClassName(className) is null)
        {
            string? near = RecipeJson.Closest(className, OptimizerRegistry.ClassNames);
            throw new RecipeException(r.PathOf("class_name"), $"unknown optimizer \"{className}\"; expected one of {string.Join(", ", OptimizerRegistry.ClassNames)}" + (near is null ? "." : $"; did you mean \"{near}\"?"), RecipeJson.Quote(className));
        }

        return new JsonObject { ["class_name"] = className, ["config"] = JsonNode.Parse(config.GetRawText()) };
    }

    private static JsonObject Serialized(Optimizer optimizer)
    {
        JsonObject s = optimizer.Serialize();
        var config = (JsonObject)s["config"]!.DeepClone();

        // Keras reports a constant learning rate as the float32 it keeps (0.0020000000949949026); written as that
        // float's shortest text (0.002) it reads back to the same float32, so the recipe shows what was typed.
        if (config["learning_rate"] is JsonValue lr && lr.GetValueKind() == JsonValueKind.Number && lr.TryGetValue(out double d) && (double)(float)d == d)
        {
            config["learning_rate"] = JsonNode.Parse(((float)d).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        }

        return new JsonObject { ["class_name"] = s["class_name"]!.DeepClone(), ["config"] = config };
    }

    /// <summary>Rejects a number in the optimizer config that float32 cannot hold (the optimizers compute in float32).</summary>
    private static void CheckFloat32(JsonObject optimizer, string path, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (KeyValuePair<string, JsonNode?> kv in o)
                {
                    CheckFloat32(optimizer, RecipeJson.Property(path, kv.Key), kv.Value);
                }

                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                {
                    CheckFloat32(optimizer, RecipeJson.Index(path, i), a[i]);
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                string raw = v.ToJsonString();
                if (!double.TryParse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d) || Math.Abs(d) > float.MaxValue)
                {
                    throw new RecipeException(path, $"{raw} is outside the float32 range (±{float.MaxValue.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}) the optimizer computes in.", raw);
                }

                break;
        }
    }

    private static void CheckInt(string path, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            throw new RecipeException(path, $"must be an integer in [{min}, {max}], got {value}.");
        }
    }
}

/// <summary>Upper bounds of recipe values (a recipe past them is a typo or an attack, not a model).</summary>
internal static class RecipeLimits
{
    public const int MaxEpochs = 1_000_000;
    public const int MaxBatchSize = 1 << 20;
    public const int MaxShuffleBufferRows = 1 << 24;
    public const int MaxLayers = 64;
    public const int MaxLayerWidth = 1 << 16;
    public const int MaxEnsembleSize = 64;
    public const int MaxPiecewiseLinearBins = 1024;
    public const int MaxSteps = int.MaxValue;
}
