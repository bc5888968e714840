using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Pipelines;

namespace MLNet.Optimizers.Cli.Settings;

/// <summary>How features are scaled before the model (<c>--normalize</c>).</summary>
internal enum NormalizeKind
{
    /// <summary>z-score: mean 0, variance 1 (fitted on the training rows): a <c>normalize</c> featurizer, <c>mean_variance</c>, <c>fix_zero</c> false.</summary>
    MeanVariance,

    /// <summary>Scaled by the training rows' minimum and maximum: a <c>normalize</c> featurizer, <c>min_max</c>, <c>fix_zero</c> true.</summary>
    MinMax,

    /// <summary>Features used as they are: no <c>normalize</c> featurizer.</summary>
    None,
}

/// <summary>The spellings of enumerated flag values.</summary>
internal static class Names
{
    /// <summary>Task spellings ("auto" is null).</summary>
    public static readonly IReadOnlyList<(string Name, TaskKind? Value)> Tasks = new (string, TaskKind?)[]
    {
        ("auto", null),
        ("regression", TaskKind.Regression),
        ("binary", TaskKind.BinaryClassification),
        ("multiclass", TaskKind.MulticlassClassification),
    };

    /// <summary>Normalization spellings.</summary>
    public static readonly IReadOnlyList<(string Name, NormalizeKind Value)> Normalizations = new[]
    {
        ("mean-variance", NormalizeKind.MeanVariance),
        ("min-max", NormalizeKind.MinMax),
        ("none", NormalizeKind.None),
    };

    /// <summary>Model spellings.</summary>
    public static readonly IReadOnlyList<(string Name, ModelType Value)> Models = new[]
    {
        ("mlp", ModelType.Mlp),
        ("linear", ModelType.Linear),
    };

    /// <summary>Activation spellings.</summary>
    public static readonly IReadOnlyList<(string Name, Activation Value)> Activations = new[]
    {
        ("relu", Activation.ReLU),
        ("gelu", Activation.Gelu),
        ("tanh", Activation.Tanh),
        ("sigmoid", Activation.Sigmoid),
    };

    /// <summary>Missing-value policy spellings.</summary>
    public static readonly IReadOnlyList<(string Name, MissingValuePolicy Value)> Imputations = new[]
    {
        ("fail", MissingValuePolicy.Fail),
        ("mean", MissingValuePolicy.Mean),
        ("zero", MissingValuePolicy.Zero),
    };

    /// <summary>Compute provider spellings.</summary>
    public static readonly IReadOnlyList<string> ComputeProviders = new[] { "auto", "managed", "mkl", "openblas" };

    /// <summary>Looks a spelling up.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="table">The spellings.</param>
    /// <param name="text">The text (case-insensitive).</param>
    /// <param name="value">The value.</param>
    /// <returns>Whether it was found.</returns>
    public static bool TryParse<T>(IReadOnlyList<(string Name, T Value)> table, string? text, out T value)
    {
        foreach ((string name, T v) in table)
        {
            if (string.Equals(name, text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }

        value = default!;
        return false;
    }

    /// <summary>The spelling of a value.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="table">The spellings.</param>
    /// <param name="value">The value.</param>
    /// <returns>The spelling.</returns>
    public static string Format<T>(IReadOnlyList<(string Name, T Value)> table, T value) =>
        table.First(e => EqualityComparer<T>.Default.Equals(e.Value, value)).Name;

    /// <summary>The spellings, comma-separated (for messages).</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="table">The spellings.</param>
    /// <returns>The list.</returns>
    public static string List<T>(IReadOnlyList<(string Name, T Value)> table) => string.Join(", ", table.Select(e => e.Name));

    /// <summary>A task in words ("multiclass classification").</summary>
    /// <param name="task">The task.</param>
    /// <returns>The words.</returns>
    public static string Describe(TaskKind task) => task switch
    {
        TaskKind.Regression => "regression",
        TaskKind.BinaryClassification => "binary classification",
        _ => "multiclass classification",
    };

    /// <summary>Parses a separator: one character, or "tab" / "\t".</summary>
    /// <param name="text">The text.</param>
    /// <param name="separator">The character.</param>
    /// <returns>Whether it is valid (not a quote, CR or LF).</returns>
    public static bool TryParseSeparator(string? text, out char separator)
    {
        separator = ',';
        if (text is "tab" or "\\t" or "\t")
        {
            separator = '\t';
            return true;
        }

        if (text is null || text.Length != 1 || text[0] is '"' or '\r' or '\n')
        {
            return false;
        }

        separator = text[0];
        return true;
    }
}
