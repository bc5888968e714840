using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Metrics;
using MLNet.Optimizers.Training.Pipelines;

namespace MLNet.Optimizers.Reports;

/// <summary>One metric.</summary>
/// <param name="Key">A stable identifier (for JSON): accuracy, auc, r_squared, ...</param>
/// <param name="Name">The display name.</param>
/// <param name="Value">The value.</param>
/// <param name="HigherIsBetter">Whether larger values are better.</param>
public sealed record Metric(string Key, string Name, double Value, bool HigherIsBetter)
{
    /// <summary>The index of the best value, NaN values skipped (-1 when there is none).</summary>
    /// <param name="values">The values.</param>
    /// <param name="higherIsBetter">Direction.</param>
    /// <returns>The index of the first best value, or -1.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static int BestIndex(IReadOnlyList<double> values, bool higherIsBetter)
    {
        ArgumentNullException.ThrowIfNull(values);
        int best = -1;
        for (int i = 0; i < values.Count; i++)
        {
            if (double.IsNaN(values[i]))
            {
                continue;
            }

            if (best < 0 || (higherIsBetter ? values[i] > values[best] : values[i] < values[best]))
            {
                best = i;
            }
        }

        return best;
    }
}

/// <summary>A confusion matrix in class order: <c>Counts[actual][predicted]</c>.</summary>
/// <param name="ClassNames">The classes.</param>
/// <param name="Counts">The cells.</param>
public sealed record ConfusionTable(IReadOnlyList<string> ClassNames, IReadOnlyList<IReadOnlyList<double>> Counts);

/// <summary>Metrics of a model on some rows, as the report and <c>mlnet-opt</c> show them.</summary>
/// <param name="Task">The task.</param>
/// <param name="Rows">Rows evaluated.</param>
/// <param name="Metrics">The metrics, the headline one first.</param>
/// <param name="Confusion">The confusion matrix (classification only).</param>
public sealed record Evaluation(TaskKind Task, int Rows, IReadOnlyList<Metric> Metrics, ConfusionTable? Confusion)
{
    /// <summary>The metrics of a fitted pipeline (<see cref="PipelineModel.Evaluate"/>).</summary>
    /// <param name="metrics">The pipeline's metrics.</param>
    /// <param name="classNames">The classes in index order (<see cref="PipelineModel.ClassNames"/>); empty for regression.</param>
    /// <returns>The evaluation.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The number of class names does not match the metrics.</exception>
    public static Evaluation From(PipelineMetrics metrics, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return metrics.Task switch
        {
            TaskKind.Regression => From(metrics.Regression!),
            TaskKind.BinaryClassification => From(metrics.Binary!, classNames),
            _ => From(metrics.Multiclass!, classNames),
        };
    }

    /// <summary>Regression: R² (headline), RMSE, MAE, MSE.</summary>
    /// <param name="m">The metrics.</param>
    /// <returns>The evaluation.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="m"/> is null.</exception>
    public static Evaluation From(RegressionMetrics m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new Evaluation(TaskKind.Regression, m.ExampleCount, new[]
        {
            new Metric("r_squared", "R²", m.RSquared, true),
            new Metric("rmse", "RMSE", m.RootMeanSquaredError, false),
            new Metric("mae", "MAE", m.MeanAbsoluteError, false),
            new Metric("mse", "MSE", m.MeanSquaredError, false),
        }, null);
    }

    /// <summary>Binary classification: accuracy (headline), AUC, F1, AUPRC, precision, recall, log-loss, log-loss reduction, and the confusion matrix in class order.</summary>
    /// <param name="m">The metrics (class 1 is the positive class).</param>
    /// <param name="classNames">The two classes: class 0 (negative), class 1 (positive).</param>
    /// <returns>The evaluation.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="classNames"/> does not hold exactly two names.</exception>
    public static Evaluation From(BinaryClassificationMetrics m, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(m);
        CheckClasses(classNames, 2);
        IReadOnlyList<IReadOnlyList<double>> c = m.ConfusionMatrix.Counts; // [[TP, FN], [FP, TN]], positive = class 1
        var counts = new IReadOnlyList<double>[]
        {
            new[] { c[1][1], c[1][0] }, // actual class 0: predicted 0 (TN), predicted 1 (FP)
            new[] { c[0][1], c[0][0] }, // actual class 1: predicted 0 (FN), predicted 1 (TP)
        };
        return new Evaluation(TaskKind.BinaryClassification, m.ExampleCount, new[]
        {
            new Metric("accuracy", "accuracy", m.Accuracy, true),
            new Metric("auc", "AUC", m.AreaUnderRocCurve, true),
            new Metric("f1", "F1", m.F1Score, true),
            new Metric("auprc", "AUPRC", m.AreaUnderPrecisionRecallCurve, true),
            new Metric("precision", "precision", m.PositivePrecision, true),
            new Metric("recall", "recall", m.PositiveRecall, true),
            new Metric("log_loss", "log-loss", m.LogLoss, false),
            new Metric("log_loss_reduction", "log-loss reduction", m.LogLossReduction, true),
        }, new ConfusionTable(classNames.ToArray(), counts));
    }

    /// <summary>Multiclass classification: micro accuracy (headline), macro accuracy, log-loss, log-loss reduction, and the confusion matrix.</summary>
    /// <param name="m">The metrics.</param>
    /// <param name="classNames">The classes in index order, as many as the metrics have.</param>
    /// <returns>The evaluation.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The number of class names differs from the metrics' number of classes.</exception>
    public static Evaluation From(MulticlassClassificationMetrics m, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(m);
        CheckClasses(classNames, m.ConfusionMatrix.NumberOfClasses);
        IReadOnlyList<IReadOnlyList<double>> counts = m.ConfusionMatrix.Counts;
        return new Evaluation(TaskKind.MulticlassClassification, m.ExampleCount, new[]
        {
            new Metric("accuracy", "accuracy", m.MicroAccuracy, true),
            new Metric("macro_accuracy", "macro accuracy", m.MacroAccuracy, true),
            new Metric("log_loss", "log-loss", m.LogLoss, false),
            new Metric("log_loss_reduction", "log-loss reduction", m.LogLossReduction, true),
        }, new ConfusionTable(classNames.ToArray(), counts.Select(r => (IReadOnlyList<double>)r.ToArray()).ToArray()));
    }

    private static void CheckClasses(IReadOnlyList<string> classNames, int expected)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count != expected)
        {
            throw new ArgumentException($"Expected {expected} class names (one per class of the metrics), got {classNames.Count}.", nameof(classNames));
        }
    }
}
