using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>Optimizers in words, from their Keras config (console lines, reports and the leaderboard).</summary>
internal static class OptimizerText
{
    /// <summary>One line describing an optimizer: class, learning rate or schedule, weight decay, moments.</summary>
    /// <param name="serialized">Keras's serialized optimizer (<c>{"class_name", "config"}</c>).</param>
    /// <returns>The description.</returns>
    public static string Describe(JsonObject serialized)
    {
        string cls = serialized["class_name"]?.GetValue<string>() ?? "?";
        var c = serialized["config"] as JsonObject ?? new JsonObject();
        var parts = new List<string> { "lr " + LearningRate(serialized, G) };
        if (c["weight_decay"] is JsonValue wd && wd.TryGetValue(out double w))
        {
            parts.Add("weight decay " + G(w));
        }

        foreach ((string key, string label) in new[] { ("beta_1", "β1"), ("beta_2", "β2"), ("momentum", "momentum"), ("beta_2_decay", "β2 decay"), ("epsilon_1", "ε1") })
        {
            if (c[key] is JsonValue v && v.TryGetValue(out double d) && !(key == "momentum" && d == 0))
            {
                parts.Add($"{label} {G(d)}");
            }
        }

        if (c["nesterov"] is JsonValue n && n.TryGetValue(out bool nesterov) && nesterov)
        {
            parts.Add("Nesterov");
        }

        if (c["clipnorm"] is JsonValue cn && cn.TryGetValue(out double clip))
        {
            parts.Add("clipnorm " + G(clip));
        }

        if (c["global_clipnorm"] is JsonValue gcn && gcn.TryGetValue(out double globalClip))
        {
            parts.Add("global clipnorm " + G(globalClip));
        }

        return $"{cls}: {string.Join(", ", parts)}";
    }

    /// <summary>The learning rate: a number ("0.002"), or a schedule's peak and kind ("0.002 cosine").</summary>
    /// <param name="serialized">The optimizer.</param>
    /// <param name="format">How numbers are written.</param>
    /// <returns>The text.</returns>
    public static string LearningRate(JsonObject serialized, Func<double, string> format)
    {
        JsonNode? lr = serialized["config"]?["learning_rate"];
        if (lr is JsonValue v && v.TryGetValue(out double d))
        {
            return format(d);
        }

        if (lr is JsonObject o && o["config"] is JsonObject c)
        {
            string cls = o["class_name"]?.GetValue<string>() ?? "schedule";
            double? peak = c["warmup_target"] is JsonValue t && t.TryGetValue(out double tv) ? tv
                : c["initial_learning_rate"] is JsonValue i && i.TryGetValue(out double iv) ? iv : null;
            return peak is double p ? $"{format(p)} {(cls == "CosineDecay" ? "cosine" : cls)}" : cls;
        }

        return "?";
    }

    /// <summary>The decoupled weight decay, or "none".</summary>
    /// <param name="serialized">The optimizer.</param>
    /// <param name="format">How numbers are written.</param>
    /// <returns>The text.</returns>
    public static string WeightDecay(JsonObject serialized, Func<double, string> format) =>
        serialized["config"]?["weight_decay"] is JsonValue v && v.TryGetValue(out double d) ? format(d) : "none";

    /// <summary>A number with four significant digits ("0.002", "3.162e-05").</summary>
    /// <param name="d">The number.</param>
    /// <returns>The text.</returns>
    public static string G(double d) => d.ToString("G4", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    /// <summary>A number with three significant digits ("0.002", "3.16e-05").</summary>
    /// <param name="d">The number.</param>
    /// <returns>The text.</returns>
    public static string G3(double d) => d.ToString("G3", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    /// <summary>A number with every digit.</summary>
    /// <param name="d">The number.</param>
    /// <returns>The text.</returns>
    public static string R(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
