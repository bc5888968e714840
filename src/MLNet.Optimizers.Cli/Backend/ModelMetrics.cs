using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.MLNet.Evaluation;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>
/// The metrics the tool prints and writes: the library's <see cref="ModelEvaluation"/> (ML.NET's evaluators, every value
/// finite or n/a with its reason, units named) as the report's <see cref="Evaluation"/>, with display names and, for
/// classification, the confusion matrix in class order.
/// </summary>
internal static class ModelMetrics
{
    private static readonly Dictionary<string, (string Name, bool HigherIsBetter)> Display = new(StringComparer.Ordinal)
    {
        ["accuracy"] = ("accuracy", true),
        ["micro_accuracy"] = ("accuracy", true),
        ["macro_accuracy"] = ("macro accuracy", true),
        ["auc"] = ("AUC", true),
        ["auprc"] = ("AUPRC", true),
        ["f1"] = ("F1", true),
        ["positive_precision"] = ("precision", true),
        ["positive_recall"] = ("recall", true),
        ["negative_precision"] = ("negative precision", true),
        ["negative_recall"] = ("negative recall", true),
        ["log_loss"] = ("log-loss", false),
        ["log_loss_reduction"] = ("log-loss reduction", true),
        ["r_squared"] = ("R²", true),
        ["rmse"] = ("RMSE", false),
        ["mae"] = ("MAE", false),
        ["mse"] = ("MSE", false),
    };

    /// <summary>Evaluates scored rows.</summary>
    /// <param name="ml">The context.</param>
    /// <param name="scored">The model's output on rows read with the recipe's columns.</param>
    /// <param name="recipe">The recipe the model was trained from.</param>
    /// <returns>The evaluation, the headline metric first.</returns>
    /// <exception cref="ArgumentException">There are no rows, or a column is missing.</exception>
    public static Evaluation Evaluate(MLContext ml, IDataView scored, Recipe recipe)
    {
        EvaluationReport report = ModelEvaluation.Evaluate(ml, scored, recipe);
        Func<string, string> words = s => s;
        (string negative, string positive) = recipe.Trainer.Task == TaskKind.BinaryClassification ? BinaryClasses(scored, recipe) : (string.Empty, string.Empty);
        if (recipe.Trainer.Task == TaskKind.BinaryClassification)
        {
            // The library says true and false; the tool names the classes the label column spells.
            words = s => s.Replace("× true)", $"× '{positive}')", StringComparison.Ordinal).Replace("× false)", $"× '{negative}')", StringComparison.Ordinal)
                .Replace("(all true)", $"(all '{positive}')", StringComparison.Ordinal).Replace("(all false)", $"(all '{negative}')", StringComparison.Ordinal)
                .Replace("predicted true", $"predicted '{positive}'", StringComparison.Ordinal).Replace("predicted false", $"predicted '{negative}'", StringComparison.Ordinal)
                .Replace("row is true", $"row is '{positive}'", StringComparison.Ordinal).Replace("row is false", $"row is '{negative}'", StringComparison.Ordinal);
        }

        var metrics = report.Metrics
            .OrderBy(m => m.Name == report.PrimaryMetricName ? 0 : 1)
            .Select(m =>
            {
                (string name, bool higher) = Display.TryGetValue(m.Name, out var d) ? d : (m.Name.Replace('_', ' '), true);
                return new Metric(m.Name, name, m.Value ?? double.NaN, higher) { Unit = m.Unit, Reason = m.Value is null ? words(m.Reason ?? "undefined for these rows") : null };
            })
            .ToArray();
        var notes = report.Notes.Select(words).ToList();
        ConfusionTable? confusion = null;
        switch (recipe.Trainer.Task)
        {
            case TaskKind.BinaryClassification:
                confusion = BinaryConfusion(scored, negative, positive);
                break;
            case TaskKind.MulticlassClassification:
                confusion = MulticlassConfusion(scored);
                break;
        }

        return new Evaluation(recipe.Trainer.Task, report.Rows, metrics, confusion) { Notes = notes };
    }

    /// <summary>The unit of the training loss the trainer reports per epoch (natural logarithms for classification).</summary>
    /// <param name="recipe">The recipe.</param>
    /// <returns>For example "cross-entropy, nats".</returns>
    public static string LossName(Recipe recipe) => recipe.Trainer.Task switch
    {
        TaskKind.Regression => (recipe.Trainer.Loss == Training.Models.RegressionLoss.Huber ? "Huber loss" : "squared error")
            + (recipe.Trainer.StandardizeLabel ? ", standardized label units" : ", label units") + (recipe.Label.Transform == LabelTransform.None ? string.Empty : " of the transformed label"),
        TaskKind.BinaryClassification => "log-loss, nats",
        _ => "cross-entropy, nats",
    };

    private static ConfusionTable BinaryConfusion(IDataView scored, string negative, string positive)
    {
        bool[] truth = scored.GetColumn<bool>(RecipeDefaults.LabelColumn).ToArray();
        bool[] predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        var counts = new double[2, 2];
        for (int i = 0; i < truth.Length; i++)
        {
            counts[truth[i] ? 1 : 0, predicted[i] ? 1 : 0]++;
        }

        return new ConfusionTable(new[] { negative, positive }, new[] { new[] { counts[0, 0], counts[0, 1] }, new[] { counts[1, 0], counts[1, 1] } });
    }

    private static ConfusionTable MulticlassConfusion(IDataView scored)
    {
        DataViewSchema.Column label = scored.Schema[RecipeDefaults.LabelColumn];
        VBuffer<ReadOnlyMemory<char>> keys = default;
        label.GetKeyValues(ref keys);
        string[] classes = keys.DenseValues().Select(k => k.ToString()).ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < classes.Length; i++)
        {
            index[classes[i]] = i;
        }

        uint[] truth = scored.GetColumn<uint>(label).ToArray();
        string[] predicted = scored.GetColumn<string>("PredictedLabel").ToArray();
        var counts = Enumerable.Range(0, classes.Length).Select(_ => new double[classes.Length]).ToArray();
        for (int i = 0; i < truth.Length; i++)
        {
            if (truth[i] > 0 && index.TryGetValue(predicted[i], out int p))
            {
                counts[truth[i] - 1][p]++;
            }
        }

        return new ConfusionTable(classes, counts.Select(r => (IReadOnlyList<double>)r).ToArray());
    }

    /// <summary>The two classes of a binary model: the negative one and the positive one, as the label column spells them.</summary>
    private static (string Negative, string Positive) BinaryClasses(IDataView scored, Recipe recipe)
    {
        if (recipe.Label.PositiveClass is string positive)
        {
            string? other = scored.Schema.GetColumnOrNull(recipe.Label.Column) is DataViewSchema.Column c && c.Type is TextDataViewType
                ? scored.GetColumn<string>(c).FirstOrDefault(v => v != positive)
                : null;
            return (other ?? "not " + positive, positive);
        }

        return ("false", "true");
    }
}
