using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Cli.Settings;

/// <summary>The spellings of enumerated flag values (each the recipe's own value with '-' for '_').</summary>
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

    /// <summary>Normalizer spellings (<c>normalize</c> step's <c>method</c>; null: no step).</summary>
    public static readonly IReadOnlyList<(string Name, NormalizeMethod? Value)> Normalizations = new (string, NormalizeMethod?)[]
    {
        ("mean-variance", NormalizeMethod.MeanVariance),
        ("min-max", NormalizeMethod.MinMax),
        ("robust", NormalizeMethod.RobustScaling),
        ("none", null),
    };

    /// <summary>Model spellings.</summary>
    public static readonly IReadOnlyList<(string Name, RecipeModelType Value)> Models = new[]
    {
        ("mlp", RecipeModelType.Mlp),
        ("linear", RecipeModelType.Linear),
    };

    /// <summary>Activation spellings (those an ML.NET model can score).</summary>
    public static readonly IReadOnlyList<(string Name, Activation Value)> Activations = new[]
    {
        ("relu", Activation.ReLU),
        ("tanh", Activation.Tanh),
        ("sigmoid", Activation.Sigmoid),
    };

    /// <summary>Missing-value replacement spellings (<c>replace_missing</c> step's <c>mode</c>; null: no step, a missing feature is an error).</summary>
    public static readonly IReadOnlyList<(string Name, MissingReplacement? Value)> Imputations = new (string, MissingReplacement?)[]
    {
        ("mean", MissingReplacement.Mean),
        ("zero", MissingReplacement.Zero),
        ("minimum", MissingReplacement.Minimum),
        ("maximum", MissingReplacement.Maximum),
        ("none", null),
    };

    /// <summary>Epoch-rule spellings (<c>trainer.early_stopping.keep</c>).</summary>
    public static readonly IReadOnlyList<(string Name, EpochRule Value)> EpochRules = new[]
    {
        ("best-loss", EpochRule.BestLoss),
        ("best-metric", EpochRule.BestMetric),
        ("last", EpochRule.Last),
    };

    /// <summary>Compute provider spellings.</summary>
    public static readonly IReadOnlyList<string> ComputeProviders = new[] { "auto", "managed", "mkl", "openblas" };

    /// <summary>Looks a spelling up (case-insensitive; '_' and '-' alike).</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="table">The spellings.</param>
    /// <param name="text">The text.</param>
    /// <param name="value">The value.</param>
    /// <returns>Whether it was found.</returns>
    public static bool TryParse<T>(IReadOnlyList<(string Name, T Value)> table, string? text, out T value)
    {
        string? t = text?.Trim().Replace('_', '-');
        foreach ((string name, T v) in table)
        {
            if (string.Equals(name, t, StringComparison.OrdinalIgnoreCase))
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
    /// <returns>Whether it is one character (the recipe checks which characters it accepts).</returns>
    public static bool TryParseSeparator(string? text, out char separator)
    {
        separator = ',';
        if (text is "tab" or "\\t" or "\t")
        {
            separator = '\t';
            return true;
        }

        if (text is null || text.Length != 1)
        {
            return false;
        }

        separator = text[0];
        return true;
    }

    /// <summary>A separator as written in messages: <c>','</c>, <c>tab</c>.</summary>
    /// <param name="c">The separator.</param>
    /// <returns>The text.</returns>
    public static string Printable(char c) => c == '\t' ? "tab" : "'" + c + "'";
}
