using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>
/// The metrics the tool prints and writes, from ML.NET's evaluators on rows a recipe's model scored: every value finite
/// or n/a with its reason, log-loss with its unit, and for classification the confusion matrix in class order.
/// </summary>
internal static class ModelMetrics
{
    /// <summary>Evaluates scored rows.</summary>
    /// <param name="ml">The context.</param>
    /// <param name="scored">The model's output on rows read with the recipe's columns.</param>
    /// <param name="recipe">The recipe the model was trained from.</param>
    /// <returns>The evaluation, the headline metric first.</returns>
    /// <exception cref="ArgumentException">There are no rows.</exception>
    public static Evaluation Evaluate(MLContext ml, IDataView scored, Recipe recipe)
    {
        TaskKind task = recipe.Trainer.Task;
        return task switch
        {
            TaskKind.Regression => Regression(ml, scored),
            TaskKind.BinaryClassification => Binary(ml, scored, recipe),
            _ => Multiclass(ml, scored),
        };
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

    private static Evaluation Regression(MLContext ml, IDataView scored)
    {
        float[] y = scored.GetColumn<float>(RecipeDefaults.LabelColumn).ToArray();
        Rows(y.Length);
        RegressionMetrics m = ml.Regression.Evaluate(scored);
        bool constant = y.All(v => v == y[0]);
        string undefined = constant ? "the label has a single value in these rows" : "undefined for these rows";
        var notes = constant ? new[] { $"the label is {y[0].ToString("R", CultureInfo.InvariantCulture)} in every evaluated row: R² is n/a" } : Array.Empty<string>();
        return new Evaluation(TaskKind.Regression, y.Length, new[]
        {
            Finite("r_squared", "R²", m.RSquared, true, null, undefined),
            Finite("rmse", "RMSE", m.RootMeanSquaredError, false, null, "undefined for these rows"),
            Finite("mae", "MAE", m.MeanAbsoluteError, false, null, "undefined for these rows"),
            Finite("mse", "MSE", m.MeanSquaredError, false, null, "undefined for these rows"),
        }, null) { Notes = notes };
    }

    private static Evaluation Binary(MLContext ml, IDataView scored, Recipe recipe)
    {
        bool[] truth = scored.GetColumn<bool>(RecipeDefaults.LabelColumn).ToArray();
        bool[] predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        float[] probability = scored.GetColumn<float>("Probability").ToArray();
        Rows(truth.Length);
        (string negative, string positive) = BinaryClasses(scored, recipe);
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

            // Probabilities clamped as ML.NET's multiclass evaluator clamps them, so one confident mistake is not infinity.
            double p = Math.Clamp(truth[i] ? probability[i] : 1 - probability[i], 1e-15, 1);
            logLoss -= Math.Log2(p);
        }

        logLoss /= truth.Length;
        long positives = tp + fn, negatives = tn + fp;
        bool single = positives == 0 || negatives == 0;
        string singleClass = single ? $"the rows hold a single class ('{(positives == 0 ? negative : positive)}')" : string.Empty;
        double auc = double.NaN, auprc = double.NaN, reduction = double.NaN;
        if (!single)
        {
            CalibratedBinaryClassificationMetrics m = ml.BinaryClassification.Evaluate(scored);
            auc = m.AreaUnderRocCurve;
            auprc = m.AreaUnderPrecisionRecallCurve;
            double prior = positives / (double)truth.Length;
            double entropy = -((prior * Math.Log2(prior)) + ((1 - prior) * Math.Log2(1 - prior)));
            reduction = (entropy - logLoss) / entropy;
        }

        double precision = tp + fp > 0 ? tp / (double)(tp + fp) : double.NaN;
        double recall = positives > 0 ? tp / (double)positives : double.NaN;
        double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : double.NaN;
        var counts = new IReadOnlyList<double>[] { new double[] { tn, fp }, new double[] { fn, tp } };
        return new Evaluation(TaskKind.BinaryClassification, truth.Length, new[]
        {
            Finite("accuracy", "accuracy", (tp + tn) / (double)truth.Length, true, null, "undefined"),
            Finite("auc", "AUC", auc, true, null, single ? singleClass : "undefined for these rows"),
            Finite("f1", "F1", f1, true, null, tp + fp == 0 ? $"no row was predicted '{positive}'" : positives == 0 ? $"no row is '{positive}'" : "precision and recall are 0"),
            Finite("auprc", "AUPRC", auprc, true, null, single ? singleClass : "undefined for these rows"),
            Finite("precision", "precision", precision, true, null, $"no row was predicted '{positive}'"),
            Finite("recall", "recall", recall, true, null, $"no row is '{positive}'"),
            Finite("log_loss", "log-loss", logLoss, false, "bits", "undefined"),
            Finite("log_loss_reduction", "log-loss reduction", reduction, true, null, single ? singleClass : "undefined for these rows"),
        }, new ConfusionTable(new[] { negative, positive }, counts)) { Notes = single ? new[] { singleClass + ": AUC, AUPRC and log-loss reduction are n/a" } : Array.Empty<string>() };
    }

    private static Evaluation Multiclass(MLContext ml, IDataView scored)
    {
        DataViewSchema.Column label = scored.Schema[RecipeDefaults.LabelColumn];
        VBuffer<ReadOnlyMemory<char>> keys = default;
        label.GetKeyValues(ref keys);
        string[] classes = keys.DenseValues().Select(k => k.ToString()).ToArray();
        uint[] truth = scored.GetColumn<uint>(label).ToArray();
        Rows(truth.Length);
        MulticlassClassificationMetrics m = ml.MulticlassClassification.Evaluate(scored);
        int present = truth.Where(t => t > 0).Distinct().Count();
        string single = present == 1 ? $"the rows hold a single class ('{classes[truth.First(t => t > 0) - 1]}')" : string.Empty;
        int k = classes.Length;
        var counts = new double[k][];
        for (int r = 0; r < k; r++)
        {
            counts[r] = m.ConfusionMatrix.Counts.Count > r ? m.ConfusionMatrix.Counts[r].Take(k).Concat(Enumerable.Repeat(0.0, Math.Max(0, k - m.ConfusionMatrix.Counts[r].Count))).ToArray() : new double[k];
        }

        return new Evaluation(TaskKind.MulticlassClassification, truth.Length, new[]
        {
            Finite("micro_accuracy", "accuracy", m.MicroAccuracy, true, null, "undefined"),
            Finite("macro_accuracy", "macro accuracy", m.MacroAccuracy, true, null, "undefined"),
            Finite("log_loss", "log-loss", m.LogLoss, false, "nats", "undefined"),
            Finite("log_loss_reduction", "log-loss reduction", present == 1 ? double.NaN : m.LogLossReduction, true, null, present == 1 ? single : "undefined for these rows"),
        }, new ConfusionTable(classes, counts.Select(r => (IReadOnlyList<double>)r).ToArray())) { Notes = present == 1 ? new[] { single + ": log-loss reduction is n/a" } : Array.Empty<string>() };
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

    private static void Rows(int n)
    {
        if (n == 0)
        {
            throw new ArgumentException("There are no rows to evaluate.");
        }
    }

    private static Metric Finite(string key, string name, double value, bool higherIsBetter, string? unit, string reason) =>
        double.IsFinite(value) ? new Metric(key, name, value, higherIsBetter) { Unit = unit } : new Metric(key, name, double.NaN, higherIsBetter) { Reason = reason };
}
