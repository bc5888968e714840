using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>
/// <c>trainer</c>: the model, the optimizer (Keras's serialized form, schedules included) and the training settings.
/// </summary>
/// <remarks>
/// JSON keys (all optional): <c>model</c> (<see cref="ModelConfig"/>), <c>optimizer</c> (Keras's
/// <c>{"module", "class_name", "config", "registered_name"}</c>, read by <see cref="KerasConfig.DeserializeOptimizer(JsonObject, KerasConfigOptions)"/>),
/// <c>exclude_from_weight_decay</c>, <c>epochs</c>, <c>batch_size</c>, <c>shuffle</c>, <c>validation_fraction</c>,
/// <c>early_stopping_patience</c>, <c>early_stopping_metric</c>, <c>min_delta</c>, <c>restore_best_weights</c>, and for
/// regression <c>standardize_label</c>. Defaults are in <see cref="PipelineDefaults"/>.
/// </remarks>
public sealed class TrainerConfig : IEquatable<TrainerConfig>
{
    /// <summary>The network.</summary>
    public ModelConfig Model { get; set; } = new();

    /// <summary>
    /// The optimizer in Keras's serialized form (<c>{"module": "keras.optimizers", "class_name": "Lion", "config": {...},
    /// "registered_name": null}</c>), as <see cref="Optimizer.Serialize"/> writes it. Kept as given: a partial
    /// <c>config</c> is completed with Keras's defaults when the optimizer is built, not rewritten.
    /// </summary>
    public JsonObject Optimizer { get; set; } = PipelineDefaults.CreateOptimizer().Serialize();

    /// <summary>Parameter-name patterns (regular expressions, as <see cref="Optimizer.ExcludeFromWeightDecay"/> takes them) exempt from weight decay.</summary>
    public List<string> ExcludeFromWeightDecay { get; set; } = new(PipelineDefaults.ExcludeFromWeightDecay);

    /// <summary>Passes over the training data (≥ 1).</summary>
    public int Epochs { get; set; } = PipelineDefaults.Epochs;

    /// <summary>Rows per mini-batch (≥ 1).</summary>
    public int BatchSize { get; set; } = PipelineDefaults.BatchSize;

    /// <summary>Whether rows are visited in a new seeded order each epoch.</summary>
    public bool Shuffle { get; set; } = PipelineDefaults.Shuffle;

    /// <summary>The share of the rows given to <see cref="Pipeline.Fit(TabularData, TabularData, IProgress{TrainingProgress}, System.Threading.CancellationToken)"/> held out (seeded) as validation data, in [0, 1); 0: none.</summary>
    public double ValidationFraction { get; set; } = PipelineDefaults.ValidationFraction;

    /// <summary>Stop after this many epochs without improvement of the validation metric (needs validation data); null: never.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>What early stopping watches: the validation loss, or the validation quality (accuracy or R²).</summary>
    public ValidationMetric EarlyStoppingMetric { get; set; } = PipelineDefaults.EarlyStoppingMetric;

    /// <summary>The smallest change that counts as an improvement (≥ 0).</summary>
    public double MinDelta { get; set; } = PipelineDefaults.MinDelta;

    /// <summary>With early stopping: end with the weights of the best validation epoch.</summary>
    public bool RestoreBestWeights { get; set; } = PipelineDefaults.RestoreBestWeights;

    /// <summary>
    /// Regression only: train on the label standardized with the training mean and standard deviation, then fold the
    /// scaling into the output layer, so the model predicts on the original scale. Leave it on unless labels are
    /// already near unit scale: Lion moves each weight by about the learning rate per step and cannot reach large
    /// label values. Must stay true (its default) for classification.
    /// </summary>
    public bool StandardizeLabel { get; set; } = PipelineDefaults.StandardizeLabel;

    /// <summary>Stores <paramref name="optimizer"/>'s Keras serialized form as <see cref="Optimizer"/>.</summary>
    /// <param name="optimizer">An optimizer (only its configuration is kept; it need not be built).</param>
    public void SetOptimizer(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer.Serialize();
    }

    /// <summary>A new optimizer built from <see cref="Optimizer"/>, with <see cref="ExcludeFromWeightDecay"/> applied.</summary>
    /// <returns>The optimizer (not built).</returns>
    /// <exception cref="PipelineConfigException">The optimizer configuration or a pattern is invalid (path under <c>$.trainer</c>).</exception>
    public Optimizer CreateOptimizer() => CreateOptimizer("$.trainer");

    internal Optimizer CreateOptimizer(string path)
    {
        string op = JsonPaths.Property(path, "optimizer");
        if (Optimizer is null)
        {
            throw new PipelineConfigException(op, "expected a serialized Keras optimizer, got null.");
        }

        Optimizer o;
        try
        {
            o = KerasConfig.DeserializeOptimizer((JsonObject)Optimizer.DeepClone(), new KerasConfigOptions { Path = op });
        }
        catch (OptimizerConfigException e)
        {
            throw new PipelineConfigException(e.JsonPath, e.Reason, e);
        }

        string ep = JsonPaths.Property(path, "exclude_from_weight_decay");
        if (ExcludeFromWeightDecay is null)
        {
            throw new PipelineConfigException(ep, "expected an array of regular expressions, got null.");
        }

        for (int i = 0; i < ExcludeFromWeightDecay.Count; i++)
        {
            string? p = ExcludeFromWeightDecay[i];
            if (p is null)
            {
                throw new PipelineConfigException(JsonPaths.Index(ep, i), "expected a regular expression, got null.");
            }

            try
            {
                _ = new Regex(p, RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                throw new PipelineConfigException(JsonPaths.Index(ep, i), $"\"{p}\" is not a valid regular expression: {e.Message}", e);
            }
        }

        if (ExcludeFromWeightDecay.Count > 0)
        {
            o.ExcludeFromWeightDecay(namePatterns: ExcludeFromWeightDecay);
        }

        return o;
    }

    /// <summary>A deep copy.</summary>
    /// <returns>A new object with the same values.</returns>
    public TrainerConfig Clone() => new()
    {
        Model = Model.Clone(),
        Optimizer = (JsonObject)Optimizer.DeepClone(),
        ExcludeFromWeightDecay = new List<string>(ExcludeFromWeightDecay),
        Epochs = Epochs,
        BatchSize = BatchSize,
        Shuffle = Shuffle,
        ValidationFraction = ValidationFraction,
        EarlyStoppingPatience = EarlyStoppingPatience,
        EarlyStoppingMetric = EarlyStoppingMetric,
        MinDelta = MinDelta,
        RestoreBestWeights = RestoreBestWeights,
        StandardizeLabel = StandardizeLabel,
    };

    /// <inheritdoc />
    public bool Equals(TrainerConfig? other) =>
        other is not null
        && Equals(Model, other.Model)
        && JsonNode.DeepEquals(Optimizer, other.Optimizer)
        && ExcludeFromWeightDecay.SequenceEqual(other.ExcludeFromWeightDecay, StringComparer.Ordinal)
        && Epochs == other.Epochs
        && BatchSize == other.BatchSize
        && Shuffle == other.Shuffle
        && ValidationFraction.Equals(other.ValidationFraction)
        && EarlyStoppingPatience == other.EarlyStoppingPatience
        && EarlyStoppingMetric == other.EarlyStoppingMetric
        && MinDelta.Equals(other.MinDelta)
        && RestoreBestWeights == other.RestoreBestWeights
        && StandardizeLabel == other.StandardizeLabel;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TrainerConfig);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Model, Epochs, BatchSize, Shuffle, ValidationFraction, EarlyStoppingPatience, MinDelta, StandardizeLabel);

    internal static TrainerConfig Read(JsonConfigReader r, TaskKind task)
    {
        var t = new TrainerConfig();
        JsonObject? model = r.OptionalObject("model");
        if (model != null)
        {
            t.Model = ModelConfig.Read(new JsonConfigReader(model, r.PathOf("model")), task);
        }

        if (r.Has("optimizer"))
        {
            t.Optimizer = (JsonObject)(r.OptionalObject("optimizer") ?? throw r.WrongKey("optimizer", "a serialized Keras optimizer object", null)).DeepClone();
        }

        t.ExcludeFromWeightDecay = r.StringList("exclude_from_weight_decay", nullAllowed: false) ?? new List<string>(PipelineDefaults.ExcludeFromWeightDecay);
        t.Epochs = r.Int("epochs", PipelineDefaults.Epochs);
        t.BatchSize = r.Int("batch_size", PipelineDefaults.BatchSize);
        t.Shuffle = r.Bool("shuffle", PipelineDefaults.Shuffle);
        t.ValidationFraction = r.Double("validation_fraction", PipelineDefaults.ValidationFraction);
        t.EarlyStoppingPatience = r.NullableInt("early_stopping_patience", null);
        t.EarlyStoppingMetric = r.Enum("early_stopping_metric", JsonNames.ValidationMetrics, PipelineDefaults.EarlyStoppingMetric);
        t.MinDelta = r.Double("min_delta", PipelineDefaults.MinDelta);
        t.RestoreBestWeights = r.Bool("restore_best_weights", PipelineDefaults.RestoreBestWeights);
        if (task == TaskKind.Regression)
        {
            t.StandardizeLabel = r.Bool("standardize_label", PipelineDefaults.StandardizeLabel);
        }
        else if (r.Has("standardize_label"))
        {
            throw new PipelineConfigException(r.PathOf("standardize_label"), "applies to regression only (classification labels are class indices).");
        }

        r.EnsureNoUnknownKeys("model, optimizer, exclude_from_weight_decay, epochs, batch_size, shuffle, validation_fraction, early_stopping_patience, early_stopping_metric, min_delta, restore_best_weights" + (task == TaskKind.Regression ? " or standardize_label" : string.Empty));
        return t;
    }

    internal JsonObject Write(TaskKind task)
    {
        var o = new JsonObject
        {
            ["model"] = Model.Write(task),
            ["optimizer"] = Optimizer.DeepClone(),
            ["exclude_from_weight_decay"] = FeaturizerConfig.ToArray(ExcludeFromWeightDecay),
            ["epochs"] = Epochs,
            ["batch_size"] = BatchSize,
            ["shuffle"] = Shuffle,
            ["validation_fraction"] = ValidationFraction,
            ["early_stopping_patience"] = EarlyStoppingPatience,
            ["early_stopping_metric"] = JsonNames.NameOf(JsonNames.ValidationMetrics, EarlyStoppingMetric),
            ["min_delta"] = MinDelta,
            ["restore_best_weights"] = RestoreBestWeights,
        };
        if (task == TaskKind.Regression)
        {
            o["standardize_label"] = StandardizeLabel;
        }

        return o;
    }

    internal void Validate(string path, TaskKind task)
    {
        string P(string key) => JsonPaths.Property(path, key);
        if (Model is null)
        {
            throw new PipelineConfigException(P("model"), "expected a model object, got null.");
        }

        Model.Validate(P("model"), task);
        _ = CreateOptimizer(path);
        if (Epochs < 1)
        {
            throw new PipelineConfigException(P("epochs"), $"must be >= 1, got {Epochs}.");
        }

        if (BatchSize < 1)
        {
            throw new PipelineConfigException(P("batch_size"), $"must be >= 1, got {BatchSize}.");
        }

        if (!(ValidationFraction >= 0 && ValidationFraction < 1))
        {
            throw new PipelineConfigException(P("validation_fraction"), $"must be in [0, 1), got {JsonPaths.Num(ValidationFraction)}.");
        }

        if (EarlyStoppingPatience is int p && p < 1)
        {
            throw new PipelineConfigException(P("early_stopping_patience"), $"must be null or >= 1, got {p}.");
        }

        if (JsonNames.NameOf(JsonNames.ValidationMetrics, EarlyStoppingMetric) is null)
        {
            throw new PipelineConfigException(P("early_stopping_metric"), $"expected {JsonNames.Choices(JsonNames.ValidationMetrics)}, got {(int)EarlyStoppingMetric} (not a ValidationMetric).");
        }

        if (!(MinDelta >= 0) || double.IsInfinity(MinDelta))
        {
            throw new PipelineConfigException(P("min_delta"), $"must be a finite number >= 0, got {JsonPaths.Num(MinDelta)}.");
        }

        if (task != TaskKind.Regression && !StandardizeLabel)
        {
            throw new PipelineConfigException(P("standardize_label"), "applies to regression only (classification labels are class indices); leave it true, got false.");
        }
    }
}
