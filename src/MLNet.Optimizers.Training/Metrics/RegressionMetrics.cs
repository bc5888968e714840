using System;
using System.Globalization;
using System.Text;

namespace MLNet.Optimizers.Training.Metrics;

/// <summary>
/// Regression metrics with the names and definitions of ML.NET's <c>Microsoft.ML.Data.RegressionMetrics</c>
/// (computed as by <c>RegressionEvaluator</c> / <c>RegressionEvaluatorBase</c> in <c>Microsoft.ML.Data</c>).
/// </summary>
/// <remarks>
/// <para>
/// Weights: when example weights are given, <b>every</b> metric is the weighted one (ML.NET's "IsWeighted = true" row of
/// the evaluator output): each example's error, loss, label and label² are multiplied by its weight and the sums are
/// divided by the sum of weights. Without weights every weight is 1. ML.NET's public <c>MLContext.Regression.Evaluate</c>
/// takes no weight column, so it always reports the unweighted numbers.
/// </para>
/// <para>
/// With no examples (or a zero sum of weights) ML.NET reports 0 for every metric; so does this class.
/// </para>
/// </remarks>
public sealed class RegressionMetrics
{
    private RegressionMetrics(double l1, double l2, double rms, double loss, double rSquared, int count, bool weighted)
    {
        MeanAbsoluteError = l1;
        MeanSquaredError = l2;
        RootMeanSquaredError = rms;
        LossFunction = loss;
        RSquared = rSquared;
        ExampleCount = count;
        IsWeighted = weighted;
    }

    /// <summary>
    /// Mean absolute error, Σ wᵢ|yᵢ − ŷᵢ| / Σ wᵢ. Mirrors ML.NET <c>RegressionMetrics.MeanAbsoluteError</c> (evaluator column "L1(avg)").
    /// </summary>
    public double MeanAbsoluteError { get; }

    /// <summary>
    /// Mean squared error, Σ wᵢ(yᵢ − ŷᵢ)² / Σ wᵢ. Mirrors ML.NET <c>RegressionMetrics.MeanSquaredError</c> (evaluator column "L2(avg)").
    /// </summary>
    public double MeanSquaredError { get; }

    /// <summary>
    /// √<see cref="MeanSquaredError"/>. Mirrors ML.NET <c>RegressionMetrics.RootMeanSquaredError</c> (evaluator column "RMS(avg)").
    /// </summary>
    public double RootMeanSquaredError { get; }

    /// <summary>
    /// Weighted average of the loss function over the examples; squared loss (ŷ − y)² computed in single precision, as ML.NET's
    /// <c>SquaredLoss</c>, unless another loss was passed to <see cref="Evaluate"/>. Mirrors ML.NET <c>RegressionMetrics.LossFunction</c>
    /// (evaluator column "Loss-fn(avg)").
    /// </summary>
    public double LossFunction { get; }

    /// <summary>
    /// Coefficient of determination 1 − SSE / SST with SSE = Σ wᵢ(yᵢ − ŷᵢ)² and SST = Σ wᵢyᵢ² − (Σ wᵢyᵢ)² / Σ wᵢ (the weighted
    /// total sum of squares about the weighted mean). NaN when SST is exactly 0 (e.g. a single example or a constant label),
    /// 0 with no examples, as in ML.NET. Mirrors ML.NET <c>RegressionMetrics.RSquared</c> (evaluator column "R Squared").
    /// </summary>
    public double RSquared { get; }

    /// <summary>Number of examples evaluated (not part of ML.NET's metrics class).</summary>
    public int ExampleCount { get; }

    /// <summary>True when example weights were given and the metrics are the weighted ones.</summary>
    public bool IsWeighted { get; }

    /// <summary>Evaluates regression predictions.</summary>
    /// <param name="labels">True values; each must be finite (ML.NET silently skips NaN labels; here they are an error).</param>
    /// <param name="scores">Predicted values, one per label; NaN is rejected (ML.NET skips such rows as "bad scores").</param>
    /// <param name="weights">Optional example weights (finite, ≥ 0), one per label; empty for unweighted metrics.</param>
    /// <param name="lossFunction">
    /// Loss for <see cref="LossFunction"/> as <c>loss(score, label)</c> (ML.NET's <c>IRegressionLoss.Loss(output, label)</c>);
    /// null for ML.NET's default squared loss.
    /// </param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentException">Lengths differ, a label is not finite, a score is NaN, or a weight is negative or not finite.</exception>
    public static RegressionMetrics Evaluate(
        ReadOnlySpan<float> labels,
        ReadOnlySpan<float> scores,
        ReadOnlySpan<float> weights = default,
        Func<float, float, double>? lossFunction = null)
    {
        int n = labels.Length;
        MetricsInput.CheckSameLength(n, scores.Length, nameof(scores), "labels has");
        bool weighted = MetricsInput.CheckWeights(weights, n);
        for (int i = 0; i < n; i++)
        {
            if (!float.IsFinite(labels[i]))
            {
                throw MetricsInput.Bad(nameof(labels), i, "a finite number", labels[i]);
            }

            if (float.IsNaN(scores[i]))
            {
                throw MetricsInput.Bad(nameof(scores), i, "a number (not NaN)", scores[i]);
            }
        }

        // Accumulated exactly as ML.NET's RegressionAggregatorBase.CountersBase.Update + RegressionEvaluator Counters.UpdateCore:
        // the label products are single precision, the errors double precision.
        double sumWeights = 0;
        double totalLabelW = 0;
        double totalLabelSquaredW = 0;
        double totalL1 = 0;
        double totalL2 = 0;
        double totalLoss = 0;
        for (int i = 0; i < n; i++)
        {
            float label = labels[i];
            float score = scores[i];
            float weight = weighted ? weights[i] : 1f;
            double loss = lossFunction is null ? SquaredLoss(score, label) : lossFunction(score, label);

            sumWeights += weight;
            totalLabelW += label * weight;
            totalLabelSquaredW += label * label * weight;
            double absError = Math.Abs((double)label - score);
            totalL1 += absError * weight;
            totalL2 += absError * absError * weight;
            totalLoss += loss * weight;
        }

        double l1 = 0, l2 = 0, rms = 0, lossAvg = 0, rSquared = 0;
        if (sumWeights > 0)
        {
            l1 = totalL1 / sumWeights;
            l2 = totalL2 / sumWeights;
            rms = Math.Sqrt(totalL2 / sumWeights);
            lossAvg = totalLoss / sumWeights;
            double sst = totalLabelSquaredW - (totalLabelW * totalLabelW / sumWeights);
            rSquared = sst == 0 ? double.NaN : 1 - (totalL2 / sst);
        }

        return new RegressionMetrics(l1, l2, rms, lossAvg, rSquared, n, weighted);
    }

    /// <summary>ML.NET's <c>SquaredLoss.Loss</c>: the difference and its square in single precision.</summary>
    private static double SquaredLoss(float score, float label)
    {
        float diff = score - label;
        return diff * diff;
    }

    /// <summary>A compact two-column table of the metrics.</summary>
    /// <returns>The table, one metric per line.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("Regression metrics (").Append(ExampleCount.ToString(CultureInfo.InvariantCulture))
          .Append(IsWeighted ? " examples, weighted)" : " examples)").AppendLine();
        MetricsFormat.Line(sb, nameof(MeanAbsoluteError), MeanAbsoluteError);
        MetricsFormat.Line(sb, nameof(MeanSquaredError), MeanSquaredError);
        MetricsFormat.Line(sb, nameof(RootMeanSquaredError), RootMeanSquaredError);
        MetricsFormat.Line(sb, nameof(LossFunction), LossFunction);
        MetricsFormat.Line(sb, nameof(RSquared), RSquared);
        return sb.ToString();
    }
}
