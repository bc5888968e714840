using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Metrics;
using MLNet.Optimizers.Training.Pipelines;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>Turns predictions into the tool's metric lists with the training layer's ML.NET-compatible evaluators (the lists themselves come from <see cref="Evaluation"/>, shared with the report).</summary>
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
                return Evaluation.From(RegressionMetrics.Evaluate(y, predictions.Select(p => (float)p.Value).ToArray()));

            case TaskKind.BinaryClassification:
            {
                float[] s = predictions.Select(p => (float)p.Score).ToArray();
                float[] prob = predictions.Select(p => p.Probabilities[1]).ToArray();
                return Evaluation.From(BinaryClassificationMetrics.Evaluate(y, s, prob), classNames);
            }

            default:
            {
                int k = classNames.Count;
                var prob = new float[n * k];
                for (int i = 0; i < n; i++)
                {
                    predictions[i].Probabilities.AsSpan(0, k).CopyTo(prob.AsSpan(i * k, k));
                }

                return Evaluation.From(MulticlassClassificationMetrics.Evaluate(y, prob, k), classNames);
            }
        }
    }

    /// <summary>The tool's metric list of a pipeline model's evaluation (<see cref="PipelineModel.Evaluate"/>).</summary>
    /// <param name="metrics">The pipeline's metrics.</param>
    /// <param name="classNames">The classes (empty for regression).</param>
    /// <param name="rows">Rows evaluated.</param>
    /// <returns>The metrics, the headline metric first.</returns>
    public static Evaluation FromPipeline(PipelineMetrics metrics, IReadOnlyList<string> classNames, int rows) =>
        Evaluation.From(metrics, classNames) with { Rows = rows };
}
