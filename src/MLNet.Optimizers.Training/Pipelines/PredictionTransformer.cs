using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Metrics;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>
/// The fitted trainer: scores the feature columns with the trained <see cref="NeuralModel"/> and adds ML.NET's output
/// columns — regression: <c>Score</c> (the prediction); binary: <c>Score</c> (the raw margin), <c>Probability</c>
/// (P(class 1)) and <c>PredictedLabel</c> (class 1 when the score is &gt; 0); multiclass: <c>Score</c> (a vector of class
/// probabilities, slots named by class) and <c>PredictedLabel</c> (the most probable class, the first on ties).
/// Existing columns of those names are replaced. Not thread-safe.
/// </summary>
public sealed class PredictionTransformer : ITabularTransformer
{
    /// <summary>The score column's name.</summary>
    public const string ScoreColumn = "Score";

    /// <summary>The probability column's name (binary classification).</summary>
    public const string ProbabilityColumn = "Probability";

    /// <summary>The predicted-label column's name (classification).</summary>
    public const string PredictedLabelColumn = "PredictedLabel";

    internal PredictionTransformer(NeuralModel model, TaskKind task, IReadOnlyList<string> classNames, FeatureLayout layout)
    {
        Model = model;
        Task = task;
        ClassNames = Array.AsReadOnly(classNames.ToArray());
        Layout = layout;
    }

    /// <summary>The trained network.</summary>
    public NeuralModel Model { get; }

    /// <summary>The task.</summary>
    public TaskKind Task { get; }

    /// <summary>The classes in index order (empty for regression): numerically sorted numeric labels, ordinally sorted text labels.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The model's input features in order (<c>column</c>, or <c>column=category</c> for one-hot slots).</summary>
    public IReadOnlyList<string> FeatureNames => Layout.FeatureNames;

    /// <summary>The compute provider for scoring; null: <see cref="BlasProviders.Default"/>.</summary>
    public BlasProvider? Blas { get; set; }

    internal FeatureLayout Layout { get; }

    /// <summary>Adds the output columns.</summary>
    /// <param name="data">The featurized table.</param>
    /// <returns>The table with <c>Score</c> (and <c>Probability</c>, <c>PredictedLabel</c> for classification).</returns>
    /// <exception cref="ArgumentException">A feature column is absent, has another shape, or has a missing value.</exception>
    public TabularData Transform(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int n = data.RowCount;
        float[] scores = RawScores(data);
        switch (Task)
        {
            case TaskKind.Regression:
                return data.WithColumn(new NumericColumn(ScoreColumn, scores));
            case TaskKind.BinaryClassification:
            {
                var p = (float[])scores.Clone();
                Model.ApplyHead(p, n);
                var labels = new string?[n];
                for (int i = 0; i < n; i++)
                {
                    labels[i] = ClassNames[scores[i] > 0 ? 1 : 0];
                }

                return data.WithColumn(new NumericColumn(ScoreColumn, scores))
                    .WithColumn(new NumericColumn(ProbabilityColumn, p))
                    .WithColumn(new TextColumn(PredictedLabelColumn, labels));
            }

            default:
            {
                int k = Model.OutputCount;
                Model.ApplyHead(scores, n);
                var labels = new string?[n];
                for (int i = 0; i < n; i++)
                {
                    labels[i] = ClassNames[ArgMax(scores.AsSpan(i * k, k))];
                }

                return data.WithColumn(new NumericColumn(ScoreColumn, scores, ClassNames))
                    .WithColumn(new TextColumn(PredictedLabelColumn, labels));
            }
        }
    }

    /// <summary>The raw network outputs (regression value, binary logit, multiclass logits), rows × outputs.</summary>
    internal float[] RawScores(TabularData data)
    {
        float[] x = Layout.Assemble(data, "trainer");
        var scores = new float[data.RowCount * Model.OutputCount];
        Model.Score(Blas ?? BlasProviders.Default, x, data.RowCount, scores);
        return scores;
    }

    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        int arg = 0;
        for (int j = 1; j < values.Length; j++)
        {
            if (values[j] > values[arg])
            {
                arg = j;
            }
        }

        return arg;
    }
}

/// <summary>The prediction for one row (<see cref="PipelineModel.Predict"/>): the values of the output columns.</summary>
public sealed class Prediction
{
    internal Prediction(TaskKind task, float[] score, float? probability, string? predictedLabel)
    {
        Task = task;
        Score = Array.AsReadOnly(score);
        Probability = probability;
        PredictedLabel = predictedLabel;
    }

    /// <summary>The task.</summary>
    public TaskKind Task { get; }

    /// <summary>The <c>Score</c> column: one value (the regression prediction, or the binary raw margin), or the class probabilities (multiclass, in <see cref="PipelineModel.ClassNames"/> order).</summary>
    public IReadOnlyList<float> Score { get; }

    /// <summary>P(class 1) for binary classification; null otherwise.</summary>
    public float? Probability { get; }

    /// <summary>The predicted class name for classification; null for regression.</summary>
    public string? PredictedLabel { get; }

    /// <summary>The prediction as text, e.g. <c>PredictedLabel=malignant, Probability=0.97, Score=3.51</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (PredictedLabel != null)
        {
            sb.Append("PredictedLabel=").Append(PredictedLabel).Append(", ");
        }

        if (Probability is float p)
        {
            sb.Append("Probability=").Append(p.ToString("R", CultureInfo.InvariantCulture)).Append(", ");
        }

        sb.Append("Score=").Append(string.Join(' ', Score.Select(s => s.ToString("R", CultureInfo.InvariantCulture))));
        return sb.ToString();
    }
}

/// <summary>The task's metrics from <see cref="PipelineModel.Evaluate"/>, with one headline number for comparing models.</summary>
public sealed class PipelineMetrics
{
    internal PipelineMetrics(TaskKind task, RegressionMetrics? regression, BinaryClassificationMetrics? binary, MulticlassClassificationMetrics? multiclass)
    {
        Task = task;
        Regression = regression;
        Binary = binary;
        Multiclass = multiclass;
    }

    /// <summary>The task.</summary>
    public TaskKind Task { get; }

    /// <summary>Regression metrics (MAE, MSE, RMSE, R², loss), or null.</summary>
    public RegressionMetrics? Regression { get; }

    /// <summary>Binary-classification metrics (accuracy, AUC, F1, log loss, ...), or null.</summary>
    public BinaryClassificationMetrics? Binary { get; }

    /// <summary>Multiclass metrics (micro/macro accuracy, log loss, ...), or null.</summary>
    public MulticlassClassificationMetrics? Multiclass { get; }

    /// <summary>The headline metric's name: <c>r_squared</c>, <c>accuracy</c> or <c>micro_accuracy</c>.</summary>
    public string PrimaryMetricName => PrimaryMetricNameOf(Task);

    /// <summary>The headline metric (higher is better): R² for regression, accuracy for binary, micro-accuracy for multiclass.</summary>
    public double PrimaryMetric => Regression?.RSquared ?? Binary?.Accuracy ?? Multiclass!.MicroAccuracy;

    /// <summary>The name <see cref="PrimaryMetricName"/> has for <paramref name="task"/>.</summary>
    internal static string PrimaryMetricNameOf(TaskKind task) => task switch
    {
        TaskKind.Regression => "r_squared",
        TaskKind.BinaryClassification => "accuracy",
        _ => "micro_accuracy",
    };

    /// <summary>The metrics as text.</summary>
    /// <returns>The text of the task's metrics object.</returns>
    public override string ToString() => (Regression?.ToString() ?? Binary?.ToString() ?? Multiclass!.ToString())!;
}
