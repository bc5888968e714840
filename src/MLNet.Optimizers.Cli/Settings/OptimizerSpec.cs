using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Cli.Settings;

/// <summary>
/// An optimizer as the command line names it: <c>NAME[:KEY=VALUE,...]</c>, for example <c>lion</c> or
/// <c>adamw:lr=0.003,wd=0.01</c>. NAME is a registered optimizer (<see cref="OptimizerRegistry"/>); KEY is one of its
/// Keras configuration keys (<c>learning_rate</c>, <c>beta_1</c>, ...), written with or without the underscores
/// (<c>beta1</c>), or <c>lr</c> / <c>wd</c>. It becomes the recipe's <c>trainer.optimizer</c>: the recommended optimizer
/// of the recipe's model (<see cref="TrainingDefaults.CreateMlpOptimizer"/> for an MLP,
/// <see cref="TrainingDefaults.CreateOptimizer"/> for a linear model) when it is of that class, otherwise the optimizer with its tabular
/// recommendations, with the keys given set in its Keras config.
/// </summary>
internal sealed record OptimizerSpec
{
    /// <summary>Configuration keys a spec may not set (they are not hyperparameters of a run).</summary>
    private static readonly string[] Hidden = { "name", "loss_scale_factor", "gradient_accumulation_steps", "ema_overwrite_frequency" };

    /// <summary>The optimizers the tool knows, in the order <c>compare</c> runs them by default.</summary>
    public static IReadOnlyList<string> Names => OptimizerRegistry.Names;

    /// <summary>The lower-case name: lion, adafactor, adamw or sgd.</summary>
    public required string Name { get; init; }

    /// <summary>Keras configuration keys given on the command line (key → JSON value).</summary>
    public IReadOnlyDictionary<string, JsonNode> Overrides { get; init; } = new Dictionary<string, JsonNode>();

    /// <summary>The text after the name as given (for labels), or empty.</summary>
    public string OverrideText { get; init; } = string.Empty;

    /// <summary>The display name: Lion, Adafactor, AdamW or SGD.</summary>
    public string DisplayName => DisplayNameOf(Name);

    /// <summary>A label that tells apart two specs of the same optimizer: <c>Lion</c>, <c>Lion (lr=3e-4)</c>.</summary>
    public string Label => OverrideText.Length == 0 ? DisplayName : $"{DisplayName} ({OverrideText})";

    /// <summary>Display name of a lower-case optimizer name.</summary>
    /// <param name="name">lion, adafactor, adamw or sgd.</param>
    /// <returns>The display name.</returns>
    public static string DisplayNameOf(string name) => OptimizerRegistry.Find(name)?.ClassName ?? name;

    /// <summary>The Keras configuration keys a spec of <paramref name="name"/> may set.</summary>
    /// <param name="name">A registered optimizer's name.</param>
    /// <returns>The keys, in the config's order.</returns>
    public static IReadOnlyList<string> KeysOf(string name) =>
        ((JsonObject)OptimizerRegistry.Find(name)!.Create().Serialize()["config"]!).Select(kv => kv.Key).Where(k => !Hidden.Contains(k)).ToArray();

    /// <summary>Parses <c>NAME[:KEY=VALUE,...]</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="flag">The flag it came from (for messages).</param>
    /// <returns>The spec.</returns>
    /// <exception cref="CliException">Unknown name or key, or a value of the wrong kind (exit code 64).</exception>
    public static OptimizerSpec Parse(string text, string flag)
    {
        string t = (text ?? string.Empty).Trim();
        int colon = t.IndexOf(':', StringComparison.Ordinal);
        string given = (colon < 0 ? t : t[..colon]).Trim();
        OptimizerInfo info = OptimizerRegistry.Find(given)
            ?? throw CliException.Usage($"{flag}: unknown optimizer '{given}'; expected one of {string.Join(", ", Names)}{Suggest.DidYouMean(given, Names)} (optionally with settings, e.g. adamw:lr=0.003,wd=0.01).");
        var overrides = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        string rest = colon < 0 ? string.Empty : t[(colon + 1)..].Trim();
        if (rest.Length > 0)
        {
            var config = (JsonObject)info.Create().Serialize()["config"]!;
            IReadOnlyList<string> keys = KeysOf(info.Name);
            foreach (string part in rest.Split(',', StringSplitOptions.TrimEntries))
            {
                int eq = part.IndexOf('=', StringComparison.Ordinal);
                string raw = eq < 0 ? part : part[..eq].Trim();
                string? key = eq < 0 ? null : Resolve(raw.ToLowerInvariant(), keys);
                if (key is null)
                {
                    throw CliException.Usage($"{flag}: '{part}' in '{t}' is not a KEY=VALUE setting of {info.ClassName}; its keys are lr, wd, {string.Join(", ", keys)}{Suggest.DidYouMean(raw, keys)}.");
                }

                string value = part[(eq + 1)..].Trim();
                JsonNode node = config[key] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False
                    ? Bool(value) is bool b ? JsonValue.Create(b) : throw CliException.Usage($"{flag}: {raw} in '{t}' must be true or false (or 1 / 0), got '{value}'.")
                    : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)
                        ? JsonValue.Create(d)
                        : throw CliException.Usage($"{flag}: {raw} in '{t}' must be a number, got '{value}'.");
                if (!overrides.TryAdd(key, node))
                {
                    throw CliException.Usage($"{flag}: {key} is given twice in '{t}'.");
                }
            }
        }

        return new OptimizerSpec { Name = info.Name, Overrides = overrides, OverrideText = rest };
    }

    /// <summary>This spec with more keys set (flags such as <c>--learning-rate</c>).</summary>
    /// <param name="extra">Keras keys and values to add or replace.</param>
    /// <returns>The new spec.</returns>
    public OptimizerSpec With(IReadOnlyDictionary<string, double> extra)
    {
        if (extra.Count == 0)
        {
            return this;
        }

        var merged = new Dictionary<string, JsonNode>(Overrides.Select(kv => KeyValuePair.Create(kv.Key, kv.Value.DeepClone())), StringComparer.Ordinal);
        foreach (KeyValuePair<string, double> kv in extra)
        {
            merged[kv.Key] = JsonValue.Create(kv.Value);
        }

        string text = string.Join(",", merged.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => Short(kv.Key) + "=" + kv.Value.ToJsonString()));
        return this with { Overrides = merged, OverrideText = text };
    }

    private static readonly string[] ClipKeys = { "clipnorm", "clipvalue", "global_clipnorm" };

    /// <summary>
    /// The recipe's <c>trainer.optimizer</c> for this spec: <paramref name="recommended"/> (the model's default optimizer,
    /// <c>RecipeTrainer.CreateDefaultOptimizer</c>) when it is of this class, else the optimizer with its recommended
    /// learning rate and weight decay; then the keys given.
    /// </summary>
    /// <param name="flag">The flag the spec came from (for messages).</param>
    /// <param name="recommended">The recommended optimizer of the recipe's model (not changed).</param>
    /// <returns><c>{"class_name", "config"}</c>.</returns>
    /// <exception cref="CliException">A value the optimizer rejects (exit code 64).</exception>
    public JsonObject ToKerasObject(string flag, Optimizer recommended)
    {
        ArgumentNullException.ThrowIfNull(recommended);
        OptimizerInfo info = OptimizerRegistry.Find(Name)!;
        Optimizer start;
        if (recommended.ClassName == info.ClassName)
        {
            start = recommended;
        }
        else
        {
            start = info.Create();
            start.LearningRate = info.RecommendedLearningRate;
            if (info.RecommendedWeightDecay is double wd)
            {
                start.WeightDecay = wd;
            }

            if (start is Sgd sgd)
            {
                sgd.Momentum = SgdDefaults.RecommendedMomentum;
            }
        }

        JsonObject s = start.Serialize();
        var config = (JsonObject)s["config"]!.DeepClone();

        // Keras allows one of the three clipping keys: a clipping key given replaces the starting point's (the
        // recommended MLP optimizer starts with global_clipnorm), it is not added beside it.
        if (ClipKeys.Any(k => Overrides.TryGetValue(k, out JsonNode? v) && v is not null))
        {
            foreach (string k in ClipKeys)
            {
                config[k] = null;
            }
        }

        foreach (KeyValuePair<string, JsonNode> kv in Overrides)
        {
            config[kv.Key] = kv.Value.DeepClone();
        }

        var result = new JsonObject { ["class_name"] = info.ClassName, ["config"] = config };
        try
        {
            KerasConfig.DeserializeOptimizer((JsonObject)result.DeepClone());
        }
        catch (Exception e) when (e is OptimizerConfigException or ArgumentException)
        {
            string reason = e is OptimizerConfigException oc ? $"{oc.JsonPath.Replace("$.config.", string.Empty, StringComparison.Ordinal)}: {oc.Reason}" : e.Message;
            throw CliException.Usage($"{flag}: {Label}: {CliException.OneLine(reason)}");
        }

        return result;
    }

    /// <summary>The display name of a recipe's optimizer object (its Keras class name).</summary>
    /// <param name="optimizer">The <c>{"class_name", "config"}</c> object.</param>
    /// <returns>The name.</returns>
    public static string DisplayNameOf(JsonObject optimizer) => optimizer["class_name"]?.GetValue<string>() ?? "optimizer";

    private static string? Resolve(string key, IReadOnlyList<string> keys)
    {
        if (key == "lr")
        {
            return "learning_rate";
        }

        if (key == "wd")
        {
            return "weight_decay";
        }

        string bare = key.Replace("_", string.Empty, StringComparison.Ordinal);
        return keys.FirstOrDefault(k => k == key || k.Replace("_", string.Empty, StringComparison.Ordinal) == bare);
    }

    private static string Short(string key) => key switch
    {
        "learning_rate" => "lr",
        "weight_decay" => "wd",
        _ => key,
    };

    private static bool? Bool(string v) => v.ToLowerInvariant() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => null,
    };
}
