using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Metrics;
using MLNet.Optimizers.Training.Pipelines;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>Turns predictions into the tool's metric lists with the training layer's ML.NET-compatible evaluators.</summary>
internal static class MetricsCalculator
{
    /// <summary>Evaluates predictions.</summary>
    /// <param name="task">The task.</param>
    /// <param name="classNames">The classes (empty for regression).</param>
    /// <param name="labels">Class indices or values.</param>
    /// <param name="predictions">One per label.</param>
    /// <returns>The metrics, the headline metric first.</returns>
    public static Evaluation Evaluate(TaskKind task, IReadOnlyList<string> classNames, IReadOnlyList<float> labels, IReadOnlyList<Prediction> predictions)
    {
        int n = labels.Count;
        if (predictions.Count != n)
        {
            throw new ArgumentException($"{predictions.Count} predictions for {n} labels.", nameof(predictions));
        }

        float[] y = labels.ToArray();
        switch (task)
        {
            case TaskKind.Regression:
                return Regression(RegressionMetrics.Evaluate(y, predictions.Select(p => (float)p.Value).ToArray()), n);
            case TaskKind.BinaryClassification:
                return Binary(BinaryClassificationMetrics.Evaluate(y, predictions.Select(p => (float)p.Score).ToArray(), predictions.Select(p => p.Probabilities[1]).ToArray()), classNames, n);
            default:
            {
                int k = classNames.Count;
                var prob = new float[n * k];
                for (int i = 0; i < n; i++)
                {
                    predictions[i].Probabilities.AsSpan(0, k).CopyTo(prob.AsSpan(i * k, k));
                }

                return Multiclass(MulticlassClassificationMetrics.Evaluate(y, prob, k), classNames, n);
            }
        }
    }

    /// <summary>The tool's metric list of a pipeline model's evaluation (<see cref="PipelineModel.Evaluate"/>).</summary>
    /// <param name="metrics">The pipeline's metrics.</param>
    /// <param name="classNames">The classes (empty for regression).</param>
    /// <param name="rows">Rows evaluated.</param>
    /// <returns>The metrics, the headline metric first.</returns>
    public static Evaluation FromPipeline(PipelineMetrics metrics, IReadOnlyList<string> classNames, int rows) =>
        metrics.Regression != null ? Regression(metrics.Regression, rows)
        : metrics.Binary != null ? Binary(metrics.Binary, classNames, rows)
        : Multiclass(metrics.Multiclass!, classNames, rows);

    private static Evaluation Regression(RegressionMetrics m, int n) =>
        new(TaskKind.Regression, n, new[]
        {
            new Metric("r_squared", "R²", m.RSquared, true),
            new Metric("rmse", "RMSE", m.RootMeanSquaredError, false),
            new Metric("mae", "MAE", m.MeanAbsoluteError, false),
            new Metric("mse", "MSE", m.MeanSquaredError, false),
        }, null);

    private static Evaluation Binary(BinaryClassificationMetrics m, IReadOnlyList<string> classNames, int n)
    {
        IReadOnlyList<IReadOnlyList<double>> c = m.ConfusionMatrix.Counts; // [[TP, FN], [FP, TN]], positive = class 1
        var counts = new IReadOnlyList<double>[]
        {
            new[] { c[1][1], c[1][0] }, // actual class 0: predicted 0 (TN), predicted 1 (FP)
            new[] { c[0][1], c[0][0] }, // actual class 1: predicted 0 (FN), predicted 1 (TP)
        };
        return new Evaluation(TaskKind.BinaryClassification, n, new[]
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

    private static Evaluation Multiclass(MulticlassClassificationMetrics m, IReadOnlyList<string> classNames, int n)
    {
        IReadOnlyList<IReadOnlyList<double>> counts = m.ConfusionMatrix.Counts;
        return new Evaluation(TaskKind.MulticlassClassification, n, new[]
        {
            new Metric("accuracy", "accuracy", m.MicroAccuracy, true),
            new Metric("macro_accuracy", "macro accuracy", m.MacroAccuracy, true),
            new Metric("log_loss", "log-loss", m.LogLoss, false),
            new Metric("log_loss_reduction", "log-loss reduction", m.LogLossReduction, true),
        }, new ConfusionTable(classNames.ToArray(), counts.Select(r => (IReadOnlyList<double>)r.ToArray()).ToArray()));
    }
}
