using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace MLNet.Optimizers.Cli.Settings;

/// <summary>
/// An optimizer as the command line names it: <c>NAME[:KEY=VALUE,...]</c>, for example <c>lion</c> or
/// <c>adamw:lr=0.003,wd=0.01</c>. The tool builds it with its defaults and these overrides for a run's number of steps
/// (<see cref="Backend.OptimizerFactory"/>); a config file's optimizer is used as written instead.
/// </summary>
internal sealed record OptimizerSpec
{
    /// <summary>The optimizers the tool knows (<see cref="OptimizerRegistry.Names"/>), in the order <c>compare</c> runs them by default.</summary>
    public static readonly IReadOnlyList<string> Names = OptimizerRegistry.Names;

    /// <summary>Keys every optimizer accepts.</summary>
    private static readonly string[] CommonKeys = { "lr", "wd", "warmup", "clipnorm" };

    private static readonly Dictionary<string, string[]> ExtraKeys = new(StringComparer.Ordinal)
    {
        ["lion"] = new[] { "beta1", "beta2" },
        ["adafactor"] = new[] { "beta2_decay", "epsilon1", "epsilon2", "clip_threshold" },
        ["adamw"] = new[] { "beta1", "beta2", "epsilon" },
        ["sgd"] = new[] { "momentum", "nesterov" },
    };

    /// <summary>Lion with the tool's defaults.</summary>
    public static OptimizerSpec Default { get; } = new() { Name = "lion" };

    /// <summary>The lower-case name: lion, adafactor, adamw or sgd.</summary>
    public required string Name { get; init; }

    /// <summary>Hyperparameters given on the command line (key → value); the rest take the tool's defaults.</summary>
    public IReadOnlyDictionary<string, double> Overrides { get; init; } = new Dictionary<string, double>();

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

    /// <summary>The lower-case name of a Keras class name (Lion, Adafactor, AdamW, SGD).</summary>
    /// <param name="className">The Keras class name.</param>
    /// <returns>The name, or null when unknown.</returns>
    public static string? NameOfKerasClass(string className) => OptimizerRegistry.FindByClassName(className)?.Name;

    /// <summary>Parses <c>NAME[:KEY=VALUE,...]</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="flag">The flag it came from (for messages).</param>
    /// <returns>The spec.</returns>
    /// <exception cref="CliException">Unknown name or key, or a value that is not a finite number (exit code 64).</exception>
    public static OptimizerSpec Parse(string text, string flag)
    {
        string t = (text ?? string.Empty).Trim();
        int colon = t.IndexOf(':', StringComparison.Ordinal);
        string name = (colon < 0 ? t : t[..colon]).Trim().ToLowerInvariant();
        if (!Names.Contains(name))
        {
            throw CliException.Usage($"{flag}: unknown optimizer '{(colon < 0 ? t : t[..colon])}'; expected one of {string.Join(", ", Names)} (optionally with settings, e.g. adamw:lr=0.003,wd=0.01).");
        }

        var overrides = new Dictionary<string, double>(StringComparer.Ordinal);
        string rest = colon < 0 ? string.Empty : t[(colon + 1)..].Trim();
        if (rest.Length > 0)
        {
            string[] allowed = CommonKeys.Concat(ExtraKeys[name]).ToArray();
            foreach (string part in rest.Split(',', StringSplitOptions.TrimEntries))
            {
                int eq = part.IndexOf('=', StringComparison.Ordinal);
                string key = eq < 0 ? part : part[..eq].Trim().ToLowerInvariant();
                if (eq < 0 || !allowed.Contains(key))
                {
                    throw CliException.Usage($"{flag}: '{part}' in '{t}' is not a KEY=VALUE setting of {DisplayNameOf(name)}; its keys are {string.Join(", ", allowed)}.");
                }

                string value = part[(eq + 1)..].Trim();
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                {
                    throw CliException.Usage($"{flag}: {key} in '{t}' must be a number, got '{value}'.");
                }

                if (!overrides.TryAdd(key, v))
                {
                    throw CliException.Usage($"{flag}: {key} is given twice in '{t}'.");
                }
            }
        }

        return new OptimizerSpec { Name = name, Overrides = overrides, OverrideText = rest };
    }

    /// <summary>This spec with more overrides (flags such as <c>--learning-rate</c>).</summary>
    /// <param name="extra">The overrides to add or replace.</param>
    /// <returns>The new spec.</returns>
    public OptimizerSpec With(IReadOnlyDictionary<string, double> extra)
    {
        if (extra.Count == 0)
        {
            return this;
        }

        var merged = new Dictionary<string, double>(Overrides, StringComparer.Ordinal);
        foreach (KeyValuePair<string, double> kv in extra)
        {
            merged[kv.Key] = kv.Value;
        }

        string text = string.Join(",", merged.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value.ToString("G6", CultureInfo.InvariantCulture)));
        return this with { Overrides = merged, OverrideText = text };
    }
}
