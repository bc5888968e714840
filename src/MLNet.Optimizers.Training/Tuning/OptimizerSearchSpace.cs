using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Tuning;

/// <summary>
/// The search space of one optimizer: ranges over its Keras configuration keys. A sampled point is a JSON object
/// of those keys (for example <c>{"learning_rate": 0.0003, "beta_1": 0.9}</c>); <see cref="CreateOptimizer"/> merges it
/// into the optimizer's default Keras config and rebuilds the optimizer through <see cref="KerasConfig"/>, so every
/// value passes the optimizer's own validation. Free of ML.NET types (the ML.NET bridge maps the ranges onto
/// Microsoft.ML.SearchSpace options).
/// </summary>
public abstract class OptimizerSearchSpace
{
    /// <summary>The Keras class name of the optimizer this space builds (<c>Lion</c>, <c>Adafactor</c>, <c>AdamW</c>, <c>SGD</c>).</summary>
    public abstract string ClassName { get; }

    /// <summary>The ranges, in a fixed order (sampling draws them in this order).</summary>
    public abstract IReadOnlyList<SearchRange> Ranges { get; }

    /// <summary>The default point: every range's default, as the optimizer stores it (see <see cref="Canonicalize"/>).</summary>
    /// <returns>A JSON object of configuration keys.</returns>
    public JsonObject DefaultPoint()
    {
        var point = new JsonObject();
        foreach (SearchRange range in Ranges)
        {
            point[range.Name] = range.DefaultValue;
        }

        return Canonicalize(point);
    }

    /// <summary>Draws one point: one draw per range, in <see cref="Ranges"/> order, as the optimizer stores it.</summary>
    /// <param name="random">The random source.</param>
    /// <returns>A JSON object of configuration keys.</returns>
    public JsonObject Sample(DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var point = new JsonObject();
        foreach (SearchRange range in Ranges)
        {
            point[range.Name] = range.Sample(random);
        }

        return Canonicalize(point);
    }

    /// <summary>
    /// The point with each value replaced by what the optimizer's config reports back (Keras keeps the learning rate
    /// as a float32 variable, so a sampled 0.00123 comes back as the nearest float32); a point that is canonical
    /// rebuilds exactly the optimizer whose config it came from.
    /// </summary>
    /// <param name="point">Configuration keys.</param>
    /// <returns>The canonical point (a new object).</returns>
    /// <exception cref="OptimizerConfigException">A key the optimizer does not have, or a value it rejects.</exception>
    public JsonObject Canonicalize(JsonObject point)
    {
        var config = (JsonObject)CreateSerializedOptimizer(point)["config"]!;
        var canonical = new JsonObject();
        foreach (KeyValuePair<string, JsonNode?> entry in point)
        {
            canonical[entry.Key] = config[entry.Key]?.DeepClone();
        }

        return canonical;
    }

    /// <summary>
    /// The optimizer's serialized Keras form (<c>{"module", "class_name", "config", "registered_name"}</c>) with the
    /// point's keys set in its default config.
    /// </summary>
    /// <param name="point">Configuration keys to set (a subset of the config's keys).</param>
    /// <returns>The serialized optimizer.</returns>
    /// <exception cref="OptimizerConfigException">A key the optimizer does not have, or a value it rejects.</exception>
    public JsonObject CreateSerializedOptimizer(JsonObject point)
    {
        ArgumentNullException.ThrowIfNull(point);
        JsonObject serialized = CreateDefaultOptimizer().Serialize();
        var config = (JsonObject)serialized["config"]!;
        foreach (KeyValuePair<string, JsonNode?> entry in point)
        {
            if (!config.ContainsKey(entry.Key))
            {
                throw new OptimizerConfigException("$.config." + entry.Key, $"{ClassName} has no configuration key '{entry.Key}'.");
            }

            config[entry.Key] = entry.Value?.DeepClone();
        }

        // Rebuild once so that every value passes the optimizer's own validation, then return the canonical form.
        return KerasConfig.DeserializeOptimizer(serialized).Serialize();
    }

    /// <summary>Builds the optimizer for a point.</summary>
    /// <param name="point">Configuration keys to set.</param>
    /// <returns>A new, unbuilt optimizer.</returns>
    /// <exception cref="OptimizerConfigException">A key the optimizer does not have, or a value it rejects.</exception>
    public Optimizer CreateOptimizer(JsonObject point) => KerasConfig.DeserializeOptimizer(CreateSerializedOptimizer(point));

    /// <summary>Checks the space: at least one range, distinct names, and a default point the optimizer accepts.</summary>
    /// <exception cref="ArgumentException">The space is empty, repeats a name, or its default point is invalid.</exception>
    public void Validate()
    {
        if (Ranges.Count == 0)
        {
            throw new ArgumentException($"The {ClassName} search space is empty: give it at least one range.", nameof(Ranges));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SearchRange range in Ranges)
        {
            if (!names.Add(range.Name))
            {
                throw new ArgumentException($"The {ClassName} search space names '{range.Name}' twice.", nameof(Ranges));
            }
        }

        CreateOptimizer(DefaultPoint());
    }

    /// <summary>A new optimizer of this space's class with Keras defaults (from <see cref="OptimizerRegistry"/>).</summary>
    /// <returns>The optimizer.</returns>
    /// <exception cref="InvalidOperationException"><see cref="ClassName"/> is not a registered optimizer.</exception>
    protected virtual Optimizer CreateDefaultOptimizer() =>
        (OptimizerRegistry.FindByClassName(ClassName) ?? throw new InvalidOperationException($"The search space's optimizer class '{ClassName}' is not registered; registered: {string.Join(", ", OptimizerRegistry.ClassNames)}.")).Create();

    /// <summary>Collects the non-null ranges in order.</summary>
    /// <param name="ranges">The ranges, null for "not searched".</param>
    /// <returns>The list.</returns>
    protected static IReadOnlyList<SearchRange> Collect(params SearchRange?[] ranges)
    {
        var list = new List<SearchRange>(ranges.Length);
        foreach (SearchRange? r in ranges)
        {
            if (r is not null)
            {
                list.Add(r);
            }
        }

        return list;
    }
}

/// <summary>
/// Search ranges shared by the optimizer spaces, in one place. The AdamW ranges are the usual tabular ones; the Lion
/// ranges are derived from them by the Lion paper's guidance (Chen et al., 2023): a learning rate 3-10× smaller than
/// AdamW's and a weight decay 3-10× larger. Every range's default is the optimizer's Keras default from
/// <see cref="LionDefaults"/>, <see cref="AdafactorDefaults"/>, <see cref="AdamWDefaults"/> and <see cref="SgdDefaults"/>.
/// </summary>
public static class SearchSpaceDefaults
{
    /// <summary>Smallest AdamW learning rate searched.</summary>
    public const double AdamWLearningRateMin = 1e-4;

    /// <summary>Largest AdamW learning rate searched.</summary>
    public const double AdamWLearningRateMax = 1e-2;

    /// <summary>Smallest AdamW weight decay searched.</summary>
    public const double AdamWWeightDecayMin = 1e-4;

    /// <summary>Largest AdamW weight decay searched.</summary>
    public const double AdamWWeightDecayMax = 1e-1;

    /// <summary>The smaller factor of the Lion guidance (learning rate ÷ 3..10, weight decay × 3..10).</summary>
    public const double LionFactorMin = 3;

    /// <summary>The larger factor of the Lion guidance.</summary>
    public const double LionFactorMax = 10;

    /// <summary>
    /// Lion's default weight decay in its search space: AdamW's Keras default (0.004) times the smaller guidance factor
    /// (Keras's Lion itself has no weight decay by default, and a log range cannot hold 0).
    /// </summary>
    public const double LionWeightDecay = AdamWDefaults.WeightDecay * LionFactorMin;

    /// <summary>Smallest SGD learning rate searched.</summary>
    public const double SgdLearningRateMin = 1e-3;

    /// <summary>Largest SGD learning rate searched.</summary>
    public const double SgdLearningRateMax = 0.3;

    /// <summary>Smallest Adafactor learning rate searched (Adafactor scales its step by the parameter's RMS).</summary>
    public const double AdafactorLearningRateMin = 1e-4;

    /// <summary>Largest Adafactor learning rate searched.</summary>
    public const double AdafactorLearningRateMax = 1e-1;
}

/// <summary>
/// Lion's search space. Encodes the known guidance: Lion needs a learning rate 3-10× smaller than AdamW's and a weight
/// decay 3-10× larger, so <see cref="FromAdamW"/> derives it from an AdamW space by dividing the learning-rate bounds
/// by 10 and 3 and multiplying the weight-decay bounds by 3 and 10. The default space is derived from the default
/// <see cref="AdamWSearchSpace"/> that way.
/// </summary>
public sealed class LionSearchSpace : OptimizerSearchSpace
{
    private static readonly AdamWSearchSpace DefaultAdamW = new();

    /// <summary>Learning rate, log scale; default Keras's 0.001.</summary>
    public FloatRange LearningRate { get; init; } = LionLearningRate(DefaultAdamW.LearningRate);

    /// <summary>beta_1 (interpolation of the update direction), linear; default Keras's 0.9.</summary>
    public FloatRange? Beta1 { get; init; } = new("beta_1", 0.8, 0.95, LionDefaults.Beta1);

    /// <summary>beta_2 (momentum decay), linear; default Keras's 0.99.</summary>
    public FloatRange? Beta2 { get; init; } = new("beta_2", 0.95, 0.999, LionDefaults.Beta2);

    /// <summary>Decoupled weight decay, log scale; null to leave it off.</summary>
    public FloatRange? WeightDecay { get; init; } = LionWeightDecay(DefaultAdamW.WeightDecay!);

    /// <inheritdoc />
    public override string ClassName => "Lion";

    /// <inheritdoc />
    public override IReadOnlyList<SearchRange> Ranges => Collect(LearningRate, Beta1, Beta2, WeightDecay);

    /// <summary>Derives Lion's space from an AdamW space by the 3-10× guidance (betas keep their Lion defaults).</summary>
    /// <param name="adamW">The AdamW space.</param>
    /// <returns>Lion's space.</returns>
    public static LionSearchSpace FromAdamW(AdamWSearchSpace adamW)
    {
        ArgumentNullException.ThrowIfNull(adamW);
        return new LionSearchSpace
        {
            LearningRate = LionLearningRate(adamW.LearningRate),
            WeightDecay = adamW.WeightDecay is null ? null : LionWeightDecay(adamW.WeightDecay),
        };
    }

    private static FloatRange LionLearningRate(FloatRange adamW)
    {
        double min = adamW.Min / SearchSpaceDefaults.LionFactorMax, max = adamW.Max / SearchSpaceDefaults.LionFactorMin;
        return new FloatRange("learning_rate", min, max, Math.Clamp(LionDefaults.LearningRate, min, max), SearchScale.Log);
    }

    private static FloatRange LionWeightDecay(FloatRange adamW)
    {
        double min = adamW.Min * SearchSpaceDefaults.LionFactorMin, max = adamW.Max * SearchSpaceDefaults.LionFactorMax;
        return new FloatRange("weight_decay", min, max, Math.Clamp(SearchSpaceDefaults.LionWeightDecay, min, max), SearchScale.Log);
    }
}

/// <summary>AdamW's search space (the baseline Lion's guidance is stated against).</summary>
public sealed class AdamWSearchSpace : OptimizerSearchSpace
{
    /// <summary>Learning rate, log scale [1e-4, 1e-2]; default Keras's 0.001.</summary>
    public FloatRange LearningRate { get; init; } = new("learning_rate", SearchSpaceDefaults.AdamWLearningRateMin, SearchSpaceDefaults.AdamWLearningRateMax, AdamWDefaults.LearningRate, SearchScale.Log);

    /// <summary>beta_1, linear; default Keras's 0.9.</summary>
    public FloatRange? Beta1 { get; init; } = new("beta_1", 0.8, 0.95, AdamWDefaults.Beta1);

    /// <summary>beta_2, linear; default Keras's 0.999.</summary>
    public FloatRange? Beta2 { get; init; } = new("beta_2", 0.99, 0.9999, AdamWDefaults.Beta2);

    /// <summary>Decoupled weight decay, log scale [1e-4, 0.1]; default Keras's 0.004.</summary>
    public FloatRange? WeightDecay { get; init; } = new("weight_decay", SearchSpaceDefaults.AdamWWeightDecayMin, SearchSpaceDefaults.AdamWWeightDecayMax, AdamWDefaults.WeightDecay, SearchScale.Log);

    /// <inheritdoc />
    public override string ClassName => "AdamW";

    /// <inheritdoc />
    public override IReadOnlyList<SearchRange> Ranges => Collect(LearningRate, Beta1, Beta2, WeightDecay);
}

/// <summary>
/// Adafactor's search space: learning rate, the second-moment decay exponent <c>beta_2_decay</c>, the update clip
/// threshold and (optionally) weight decay. <c>relative_step</c> stays at Keras's default (on).
/// </summary>
public sealed class AdafactorSearchSpace : OptimizerSearchSpace
{
    /// <summary>Learning rate, log scale; default Keras's 0.001.</summary>
    public FloatRange LearningRate { get; init; } = new("learning_rate", SearchSpaceDefaults.AdafactorLearningRateMin, SearchSpaceDefaults.AdafactorLearningRateMax, AdafactorDefaults.LearningRate, SearchScale.Log);

    /// <summary>beta_2_decay (decay-rate exponent), linear [-1, -0.5]; default Keras's -0.8.</summary>
    public FloatRange? Beta2Decay { get; init; } = new("beta_2_decay", -1.0, -0.5, AdafactorDefaults.Beta2Decay);

    /// <summary>clip_threshold (RMS clip of the update), log [0.5, 4]; default Keras's 1.</summary>
    public FloatRange? ClipThreshold { get; init; } = new("clip_threshold", 0.5, 4.0, AdafactorDefaults.ClipThreshold, SearchScale.Log);

    /// <summary>Decoupled weight decay; not searched by default (null).</summary>
    public FloatRange? WeightDecay { get; init; }

    /// <inheritdoc />
    public override string ClassName => "Adafactor";

    /// <inheritdoc />
    public override IReadOnlyList<SearchRange> Ranges => Collect(LearningRate, Beta2Decay, ClipThreshold, WeightDecay);
}

/// <summary>SGD's search space: learning rate and momentum (Nesterov off, as Keras's default).</summary>
public sealed class SgdSearchSpace : OptimizerSearchSpace
{
    /// <summary>Learning rate, log scale [1e-3, 0.3]; default Keras's 0.01.</summary>
    public FloatRange LearningRate { get; init; } = new("learning_rate", SearchSpaceDefaults.SgdLearningRateMin, SearchSpaceDefaults.SgdLearningRateMax, SgdDefaults.LearningRate, SearchScale.Log);

    /// <summary>Momentum, linear [0, 0.95]; default Keras's 0.</summary>
    public FloatRange? Momentum { get; init; } = new("momentum", 0.0, 0.95, SgdDefaults.Momentum);

    /// <inheritdoc />
    public override string ClassName => "SGD";

    /// <inheritdoc />
    public override IReadOnlyList<SearchRange> Ranges => Collect(LearningRate, Momentum);
}
