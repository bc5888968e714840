using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>The JSON spellings of the enums a pipeline configuration uses (snake_case).</summary>
internal static class JsonNames
{
    public static readonly IReadOnlyList<(TaskKind Value, string Name)> Tasks = new[]
    {
        (TaskKind.Regression, "regression"),
        (TaskKind.BinaryClassification, "binary_classification"),
        (TaskKind.MulticlassClassification, "multiclass_classification"),
    };

    public static readonly IReadOnlyList<(ColumnType Value, string Name)> ColumnTypes = new[]
    {
        (ColumnType.Numeric, "numeric"),
        (ColumnType.Text, "text"),
    };

    public static readonly IReadOnlyList<(ReplacementMode Value, string Name)> ReplacementModes = new[]
    {
        (ReplacementMode.Mean, "mean"),
        (ReplacementMode.Zero, "zero"),
    };

    public static readonly IReadOnlyList<(NormalizerKind Value, string Name)> NormalizerKinds = new[]
    {
        (NormalizerKind.MinMax, "min_max"),
        (NormalizerKind.MeanVariance, "mean_variance"),
    };

    public static readonly IReadOnlyList<(ModelType Value, string Name)> ModelTypes = new[]
    {
        (ModelType.Linear, "linear"),
        (ModelType.Mlp, "mlp"),
    };

    public static readonly IReadOnlyList<(Activation Value, string Name)> Activations = new[]
    {
        (Activation.ReLU, "relu"),
        (Activation.Gelu, "gelu"),
        (Activation.Tanh, "tanh"),
        (Activation.Sigmoid, "sigmoid"),
    };

    public static readonly IReadOnlyList<(WeightInitializer Value, string Name)> Initializers = new[]
    {
        (WeightInitializer.Auto, "auto"),
        (WeightInitializer.GlorotUniform, "glorot_uniform"),
        (WeightInitializer.HeNormal, "he_normal"),
    };

    public static readonly IReadOnlyList<(RegressionLoss Value, string Name)> Losses = new[]
    {
        (RegressionLoss.Squared, "squared"),
        (RegressionLoss.Huber, "huber"),
    };

    public static readonly IReadOnlyList<(ValidationMetric Value, string Name)> ValidationMetrics = new[]
    {
        (ValidationMetric.Loss, "loss"),
        (ValidationMetric.Quality, "quality"),
    };

    /// <summary>The JSON name of <paramref name="value"/>, or null when the value is not a defined member.</summary>
    public static string? NameOf<T>(IReadOnlyList<(T Value, string Name)> table, T value)
        where T : struct, Enum
    {
        foreach ((T v, string n) in table)
        {
            if (EqualityComparer<T>.Default.Equals(v, value))
            {
                return n;
            }
        }

        return null;
    }

    /// <summary>The value named <paramref name="name"/>, or null.</summary>
    public static T? Parse<T>(IReadOnlyList<(T Value, string Name)> table, string name)
        where T : struct, Enum
    {
        foreach ((T v, string n) in table)
        {
            if (n == name)
            {
                return v;
            }
        }

        return null;
    }

    /// <summary><c>"a", "b" or "c"</c>.</summary>
    public static string Choices<T>(IReadOnlyList<(T Value, string Name)> table)
        where T : struct, Enum
    {
        string[] names = table.Select(t => "\"" + t.Name + "\"").ToArray();
        return names.Length == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
    }
}
