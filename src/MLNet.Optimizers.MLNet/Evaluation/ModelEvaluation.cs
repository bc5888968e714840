using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.MLNet.Evaluation;

/// <summary>One metric: a finite value, or n/a with the reason.</summary>
/// <param name="Name">The metric's name (snake_case, as in metrics files: <c>accuracy</c>, <c>log_loss</c>, <c>r_squared</c>, ...).</param>
/// <param name="Value">The value, finite; null when the metric is undefined for these rows.</param>
/// <param name="Unit">The unit where there is one (<c>bits</c>, <c>nats</c>, <c>label units</c>), else null.</param>
/// <param name="Reason">Why the value is n/a (null when there is a value).</param>
public sealed record MetricValue(string Name, double? Value, string? Unit, string? Reason)
{
    /// <summary><c>0.9500</c>, <c>0.1234 bits</c>, or <c>n/a (reason)</c>.</summary>
    /// <param name="format">The number format.</param>
    /// <returns>The text.</returns>
    public string Display(string format = "0.0000") =>
        Value is double v ? v.ToString(format, CultureInfo.InvariantCulture) + (Unit is null ? string.Empty : " " + Unit) : "n/a (" + Reason + ")";
}

/// <summary>The metrics of a scored data set, from ML.NET's evaluators, every one finite or n/a with its reason.</summary>
public sealed class EvaluationReport
{
    internal EvaluationReport(TaskKind task, long rows, IReadOnlyList<MetricValue> metrics, IReadOnlyList<string> notes, string primary)
    {
        Task = task;
        Rows = rows;
        Metrics = metrics;
        Notes = notes;
        PrimaryMetricName = primary;
    }

    /// <summary>The task.</summary>
    public TaskKind Task { get; }

    /// <summary>Rows evaluated.</summary>
    public long Rows { get; }

    /// <summary>The metrics, in a fixed order per task.</summary>
    public IReadOnlyList<MetricValue> Metrics { get; }

    /// <summary>One line each about the rows (for example that they hold a single class).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The task's metric (accuracy, micro accuracy, R²): what the epoch rule <c>best_metric</c> and the tuner rank by.</summary>
    public string PrimaryMetricName { get; }

    /// <summary>The task's metric.</summary>
    public MetricValue Primary => this[PrimaryMetricName];

    /// <summary>The metric named <paramref name="name"/>.</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="KeyNotFoundException">No such metric for this task.</exception>
    public MetricValue this[string name] => Metrics.FirstOrDefault(m => m.Name == name) ?? throw new KeyNotFoundException($"No metric '{name}' for {Task}; the metrics are {string.Join(", ", Metrics.Select(m => m.Name))}.");
}

/// <summary>
/// Evaluates scored data with ML.NET's evaluators and makes every metric finite or explicitly n/a with the reason:
/// binary log-loss with probabilities clamped to [1e-15, 1 − 1e-15] as ML.NET's multiclass evaluator clamps them
/// (ML.NET's binary evaluator does not, so one confident mistake gives infinity); precision and recall without a row
/// to divide by, AUC and log-loss reduction on rows of a single class, R² of a constant label: n/a with the reason, and
/// a single class said in one note.
/// </summary>
public static class ModelEvaluation
{
    /// <summary>The probability clamp of log-loss (ML.NET's multiclass evaluator's epsilon).</summary>
    public const double ProbabilityEpsilon = 1e-15;

    /// <summary>Evaluates rows scored by a model of <paramref name="task"/> (ML.NET's columns: <c>Label</c>, <c>Score</c>, <c>Probability</c>, <c>PredictedLabel</c>).</summary>
    /// <param name="ml">The context.</param>
    /// <param name="scored">The scored rows.</param>
    /// <param name="task">The task.</param>
    /// <param name="labelColumnName">The label column (binary: Boolean; multiclass: a key; regression: Single).</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, or there are no rows.</exception>
    public static EvaluationReport Evaluate(MLContext ml, IDataView scored, TaskKind task, string labelColumnName = "Label")
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(scored);
        return task switch
        {
            TaskKind.Regression => Regression(ml, scored, labelColumnName),
            TaskKind.BinaryClassification => Binary(ml, scored, labelColumnName),
            TaskKind.MulticlassClassification => Multiclass(ml, scored, labelColumnName),
            _ => throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown task."),
        };
    }

    /// <summary>Evaluates rows scored by a model trained from <paramref name="recipe"/> (its task; the label in its own units).</summary>
    /// <param name="ml">The context.</param>
    /// <param name="scored">The scored rows (the model's <c>Transform</c> of rows the recipe's loader read).</param>
    /// <param name="recipe">The recipe.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, or there are no rows.</exception>
    public static EvaluationReport Evaluate(MLContext ml, IDataView scored, Recipes.Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return Evaluate(ml, scored, recipe.Trainer.Task, Recipes.RecipeDefaults.LabelColumn);
    }

    private static EvaluationReport Regression(MLContext ml, IDataView scored, string label)
    {
        float[] y = scored.GetColumn<float>(Column(scored, label)).ToArray();
        if (y.Length == 0)
        {
            throw new ArgumentException("There are no rows to evaluate.", nameof(scored));
        }

        RegressionMetrics m = ml.Regression.Evaluate(scored, label);
        bool constant = y.All(v => v == y[0]);
        var metrics = new List<MetricValue>
        {
            Finite("r_squared", m.RSquared, null, constant ? "the label has a single value in these rows" : "undefined for these rows"),
            Finite("rmse", m.RootMeanSquaredError, "label units", "undefined for these rows"),
            Finite("mae", m.MeanAbsoluteError, "label units", "undefined for these rows"),
            Finite("mse", m.MeanSquaredError, "label units²", "undefined for these rows"),
        };
        var notes = new List<string>();
        if (constant)
        {
            notes.Add($"the label is {y[0].ToString("R", CultureInfo.InvariantCulture)} in every evaluated row: R² is undefined");
        }

        return new EvaluationReport(TaskKind.Regression, y.Length, metrics, notes, "r_squared");
    }

    private static EvaluationReport Binary(MLContext ml, IDataView scored, string label)
    {
        bool[] truth = scored.GetColumn<bool>(Column(scored, label)).ToArray();
        bool[] predicted = scored.GetColumn<bool>(Column(scored, "PredictedLabel")).ToArray();
        float[] probability = scored.GetColumn<float>(Column(scored, "Probability")).ToArray();
        if (truth.Length == 0)
        {
            throw new ArgumentException("There are no rows to evaluate.", nameof(scored));
        }

        long tp = 0, fp = 0, tn = 0, fn = 0;
        double logLoss = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            (tp, fp, tn, fn) = (truth[i], predicted[i]) switch
            {
                (true, true) => (tp + 1, fp, tn, fn),
                (false, true) => (tp, fp + 1, tn, fn),
                (false, false) => (tp, fp, tn + 1, fn),
                _ => (tp, fp, tn, fn + 1),
            };
            double p = Math.Clamp(probability[i], ProbabilityEpsilon, 1 - ProbabilityEpsilon);
            logLoss -= Math.Log2(truth[i] ? p : 1 - p);
        }

        long n = truth.Length, positives = tp + fn, negatives = tn + fp;
        logLoss /= n;
        double prior = positives / (double)n;
        double priorLogLoss = -(prior * Math.Log2(Math.Max(prior, ProbabilityEpsilon))) - ((1 - prior) * Math.Log2(Math.Max(1 - prior, ProbabilityEpsilon)));
        bool single = positives == 0 || negatives == 0;
        string singleReason = $"a single class in these rows (all {(positives == 0 ? "false" : "true")})";
        double? auc = null, auprc = null, f1 = null;
        if (!single)
        {
            CalibratedBinaryClassificationMetrics m = ml.BinaryClassification.Evaluate(scored, label);
            auc = m.AreaUnderRocCurve;
            auprc = m.AreaUnderPrecisionRecallCurve;
            f1 = tp == 0 ? null : m.F1Score;
        }

        var metrics = new List<MetricValue>
        {
            new("accuracy", (tp + tn) / (double)n, null, null),
            Value("auc", auc, singleReason),
            Value("auprc", auprc, singleReason),
            Value("f1", f1, single ? singleReason : "no true positive (precision and recall are 0 or undefined)"),
            Ratio("positive_precision", tp, tp + fp, "no row was predicted true"),
            Ratio("positive_recall", tp, tp + fn, "no row is true"),
            Ratio("negative_precision", tn, tn + fn, "no row was predicted false"),
            Ratio("negative_recall", tn, tn + fp, "no row is false"),
            new("log_loss", logLoss, "bits", null),
            Value("log_loss_reduction", single ? null : (priorLogLoss - logLoss) / priorLogLoss, singleReason),
        };
        var notes = new List<string>();
        if (single)
        {
            notes.Add($"the evaluation rows hold a single class ({n} × {(positives == 0 ? "false" : "true")}): AUC, AUPRC and log-loss reduction are undefined");
        }

        return new EvaluationReport(TaskKind.BinaryClassification, n, metrics, notes, "accuracy");
    }

    private static EvaluationReport Multiclass(MLContext ml, IDataView scored, string label)
    {
        uint[] keys = scored.GetColumn<uint>(Column(scored, label)).ToArray();
        if (keys.Length == 0)
        {
            throw new ArgumentException("There are no rows to evaluate.", nameof(scored));
        }

        MulticlassClassificationMetrics m = ml.MulticlassClassification.Evaluate(scored, label);
        int present = keys.Where(k => k != 0).Distinct().Count();
        bool single = present < 2;
        var metrics = new List<MetricValue>
        {
            Finite("micro_accuracy", m.MicroAccuracy, null, "undefined for these rows"),
            Finite("macro_accuracy", m.MacroAccuracy, null, "undefined for these rows"),
            Finite("log_loss", m.LogLoss, "nats", "undefined for these rows"),
            single ? new MetricValue("log_loss_reduction", null, null, "a single class in these rows") : Finite("log_loss_reduction", m.LogLossReduction, null, "undefined for these rows"),
        };
        var notes = new List<string>();
        if (single)
        {
            notes.Add($"the evaluation rows hold a single class ({keys.Length} rows): log-loss reduction is undefined and the accuracies say only how often that class was predicted");
        }

        long unknown = keys.LongCount(k => k == 0);
        if (unknown > 0)
        {
            notes.Add($"{unknown} evaluated row(s) have a class the model was not trained on");
        }

        return new EvaluationReport(TaskKind.MulticlassClassification, keys.Length, metrics, notes, "micro_accuracy");
    }

    private static DataViewSchema.Column Column(IDataView data, string name) =>
        data.Schema.GetColumnOrNull(name) ?? throw new ArgumentException($"The scored data has no column '{name}'.", nameof(data));

    private static MetricValue Finite(string name, double value, string? unit, string reason) =>
        double.IsFinite(value) ? new MetricValue(name, value, unit, null) : new MetricValue(name, null, unit, reason);

    private static MetricValue Value(string name, double? value, string reason) =>
        value is double v && double.IsFinite(v) ? new MetricValue(name, v, null, null) : new MetricValue(name, null, null, reason);

    private static MetricValue Ratio(string name, long numerator, long denominator, string reason) =>
        denominator == 0 ? new MetricValue(name, null, null, reason) : new MetricValue(name, numerator / (double)denominator, null, null);
}
