using System;
using System.Globalization;
using System.Text;

namespace MLNet.Optimizers.Training.Metrics;

/// <summary>
/// Binary-classification metrics with the names and definitions of ML.NET's
/// <c>Microsoft.ML.Data.CalibratedBinaryClassificationMetrics</c> (which extends <c>BinaryClassificationMetrics</c>), computed
/// as by <c>BinaryClassifierEvaluator</c> and <c>AucAggregator</c> in <c>Microsoft.ML.Data</c> with the arguments
/// <c>MLContext.BinaryClassification.Evaluate</c> uses.
/// </summary>
/// <remarks>
/// <para>
/// Predicted label: positive iff the raw score is <b>strictly greater than 0</b> (ML.NET's default
/// <c>UseRawScoreThreshold = true</c>, <c>Threshold = 0</c>); the probabilities are used only for the log-loss metrics.
/// </para>
/// <para>
/// Weights: when example weights are given, <b>every</b> metric is the weighted one (ML.NET's "IsWeighted = true" row):
/// confusion cells are weight sums, AUC counts each (positive, negative) pair with weight w₊·w₋, AUPRC uses weighted
/// precision/recall, log-loss and entropy use weighted averages/proportions. ML.NET's public
/// <c>MLContext.BinaryClassification.Evaluate</c> takes no weight column, so it always reports the unweighted numbers.
/// </para>
/// <para>
/// Only one class present: ML.NET's evaluator throws (<c>ArgumentOutOfRangeException</c>, "AUC is not defined when there is no
/// positive/negative class in the data"). Here <see cref="AreaUnderRocCurve"/> is NaN instead and every other metric has the
/// value ML.NET's formulas give (e.g. <see cref="LogLossReduction"/> = −∞ when the log-loss is positive).
/// </para>
/// </remarks>
public sealed class BinaryClassificationMetrics
{
    private BinaryClassificationMetrics(
        double auc, double accuracy, double positivePrecision, double positiveRecall, double negativePrecision,
        double negativeRecall, double f1, double auprc, double logLoss, double logLossReduction, double entropy,
        ConfusionMatrix confusionMatrix, int count, bool weighted)
    {
        AreaUnderRocCurve = auc;
        Accuracy = accuracy;
        PositivePrecision = positivePrecision;
        PositiveRecall = positiveRecall;
        NegativePrecision = negativePrecision;
        NegativeRecall = negativeRecall;
        F1Score = f1;
        AreaUnderPrecisionRecallCurve = auprc;
        LogLoss = logLoss;
        LogLossReduction = logLossReduction;
        Entropy = entropy;
        ConfusionMatrix = confusionMatrix;
        ExampleCount = count;
        IsWeighted = weighted;
    }

    /// <summary>
    /// Area under the ROC curve: the probability that a random positive scores higher than a random negative, a tie counting
    /// one half, i.e. (Σ over pairs [s₊ &gt; s₋] + ½[s₊ = s₋]) / (P·N) — ML.NET's exact (non-sampled, <c>MaxAucExamples = -1</c>)
    /// computation in <c>UnweightedAucAggregator</c>/<c>WeightedAucAggregator</c>. Uses the raw scores. NaN when only one class is
    /// present (ML.NET throws). Mirrors ML.NET <c>BinaryClassificationMetrics.AreaUnderRocCurve</c> ("AUC").
    /// </summary>
    public double AreaUnderRocCurve { get; }

    /// <summary>
    /// (TP + TN) / (TP + TN + FN + FP); NaN with no examples. Mirrors ML.NET <c>BinaryClassificationMetrics.Accuracy</c>.
    /// </summary>
    public double Accuracy { get; }

    /// <summary>TP / (TP + FP), 0 when nothing is predicted positive. Mirrors ML.NET <c>BinaryClassificationMetrics.PositivePrecision</c>.</summary>
    public double PositivePrecision { get; }

    /// <summary>TP / (TP + FN), 0 when there are no positives. Mirrors ML.NET <c>BinaryClassificationMetrics.PositiveRecall</c>.</summary>
    public double PositiveRecall { get; }

    /// <summary>TN / (TN + FN), 0 when nothing is predicted negative. Mirrors ML.NET <c>BinaryClassificationMetrics.NegativePrecision</c>.</summary>
    public double NegativePrecision { get; }

    /// <summary>TN / (TN + FP), 0 when there are no negatives. Mirrors ML.NET <c>BinaryClassificationMetrics.NegativeRecall</c>.</summary>
    public double NegativeRecall { get; }

    /// <summary>
    /// 2·P·R / (P + R) of <see cref="PositivePrecision"/> and <see cref="PositiveRecall"/>, 0 when both are 0. Mirrors ML.NET
    /// <c>BinaryClassificationMetrics.F1Score</c>.
    /// </summary>
    public double F1Score { get; }

    /// <summary>
    /// Area under the precision/recall curve by ML.NET's "lower trapezoid" estimator (<c>UnweightedAuPrcAggregator</c> /
    /// <c>WeightedAuPrcAggregator</c>): examples are taken one at a time in descending score order (ties in input order, as
    /// ML.NET's stable sort of its sample); each positive adds (ΔRecall)·(Precision_min_before + Precision_now)/2, where
    /// Precision_min_before is the precision after the last example. 0 when there are no positives. ML.NET computes it on a
    /// reservoir sample of at most 100 000 examples (<c>NumAuPrcExamples</c>); here always on all examples, which is identical
    /// up to 100 000 examples. Mirrors ML.NET <c>BinaryClassificationMetrics.AreaUnderPrecisionRecallCurve</c> ("AUPRC").
    /// </summary>
    public double AreaUnderPrecisionRecallCurve { get; }

    /// <summary>
    /// Mean log-loss in <b>bits</b>: −log₂(p) for a positive, −log₂(1 − p) for a negative, p the given probability. ML.NET's
    /// binary evaluator does <b>not</b> clamp p (unlike the multiclass one), so a confident wrong prediction (p = 0 for a positive
    /// or p = 1 for a negative) gives +∞. 0 with no examples. Mirrors ML.NET <c>CalibratedBinaryClassificationMetrics.LogLoss</c>.
    /// </summary>
    public double LogLoss { get; }

    /// <summary>
    /// Relative log-loss reduction over the prior, as a <b>fraction</b> (ML.NET ≥ 1.0; it was a percentage before
    /// dotnet/machinelearning#2697): (H(prior) − <see cref="LogLoss"/>) / H(prior), where H(prior) is the binary entropy in bits of
    /// the (weighted) positive fraction. 0 with no examples; −∞ (or NaN for a perfect log-loss) when one class only. Mirrors ML.NET
    /// <c>CalibratedBinaryClassificationMetrics.LogLossReduction</c>.
    /// </summary>
    public double LogLossReduction { get; }

    /// <summary>
    /// Test-set entropy in bits, −p·log₂p − (1 − p)·log₂(1 − p) with p the (weighted) fraction of positive examples; 0 when p is 0
    /// or 1, NaN with no examples. Mirrors ML.NET <c>CalibratedBinaryClassificationMetrics.Entropy</c>.
    /// </summary>
    public double Entropy { get; }

    /// <summary>
    /// 2×2 confusion matrix in ML.NET's binary layout: index 0 = positive, 1 = negative; <c>Counts = [[TP, FN], [FP, TN]]</c>.
    /// Mirrors ML.NET <c>BinaryClassificationMetrics.ConfusionMatrix</c> (weighted cells when weights are given).
    /// </summary>
    public ConfusionMatrix ConfusionMatrix { get; }

    /// <summary>Number of examples evaluated (not part of ML.NET's metrics class).</summary>
    public int ExampleCount { get; }

    /// <summary>True when example weights were given and the metrics are the weighted ones.</summary>
    public bool IsWeighted { get; }

    /// <summary>Evaluates binary-classification predictions.</summary>
    /// <param name="labels">True labels, each exactly 0 or 1 (ML.NET treats label &gt; 0 as positive; other values are rejected here).</param>
    /// <param name="scores">Raw margins (pre-sigmoid), one per label, finite (ML.NET skips non-finite scores; here an error).
    /// Used for the predicted label (score &gt; 0), AUC and AUPRC.</param>
    /// <param name="probabilities">Calibrated probabilities of the positive class in [0, 1], one per label; used for the log-loss metrics.</param>
    /// <param name="weights">Optional example weights (finite, ≥ 0), one per label; empty for unweighted metrics.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentException">
    /// Lengths differ, a label is not 0/1, a score is not finite, a probability is outside [0, 1] or NaN, or a weight is negative or not finite.
    /// </exception>
    public static BinaryClassificationMetrics Evaluate(
        ReadOnlySpan<float> labels,
        ReadOnlySpan<float> scores,
        ReadOnlySpan<float> probabilities,
        ReadOnlySpan<float> weights = default)
    {
        int n = labels.Length;
        MetricsInput.CheckSameLength(n, scores.Length, nameof(scores), "labels has");
        MetricsInput.CheckSameLength(n, probabilities.Length, nameof(probabilities), "labels has");
        bool weighted = MetricsInput.CheckWeights(weights, n);
        for (int i = 0; i < n; i++)
        {
            if (labels[i] != 0f && labels[i] != 1f)
            {
                throw MetricsInput.Bad(nameof(labels), i, "0 or 1", labels[i]);
            }

            if (!float.IsFinite(scores[i]))
            {
                throw MetricsInput.Bad(nameof(scores), i, "a finite number", scores[i]);
            }

            MetricsInput.CheckProbability(probabilities[i], i, nameof(probabilities));
        }

        // Counters as ML.NET BinaryClassifierEvaluator.Aggregator.Counters.Update (threshold: raw score > 0).
        double tp = 0, tn = 0, fp = 0, fn = 0;
        double logLossPositives = 0, logLossNegatives = 0, logLossSum = 0;
        for (int i = 0; i < n; i++)
        {
            float weight = weighted ? weights[i] : 1f;
            bool positive = labels[i] > 0;
            bool predictPositive = scores[i] > 0f;
            float prob = probabilities[i];
            double logLoss = positive ? -Math.Log(prob, 2) : -Math.Log(1.0 - prob, 2);
            if (positive)
            {
                if (predictPositive)
                {
                    tp += weight;
                }
                else
                {
                    fn += weight;
                }

                logLossPositives += weight;
            }
            else
            {
                if (predictPositive)
                {
                    fp += weight;
                }
                else
                {
                    tn += weight;
                }

                logLossNegatives += weight;
            }

            logLossSum += logLoss * weight;
        }

        double accuracy = (tn + tp) / (tp + tn + fn + fp);
        double recallPos = tp + fn > 0 ? tp / (tp + fn) : 0;
        double precisionPos = tp + fp > 0 ? tp / (tp + fp) : 0;
        double recallNeg = tn + fp > 0 ? tn / (tn + fp) : 0;
        double precisionNeg = tn + fn > 0 ? tn / (tn + fn) : 0;
        double entropy = BinaryEntropyBits((tp + fn) / (tp + tn + fn + fp));
        double f1 = precisionPos + recallPos == 0 ? 0 : 2 * precisionPos * recallPos / (precisionPos + recallPos);

        double logLossTotalWeight = logLossPositives + logLossNegatives;
        double meanLogLoss = double.IsNaN(logLossSum) ? double.NaN : logLossTotalWeight > 0 ? logLossSum / logLossTotalWeight : 0;
        double logLossReduction = 0;
        if (logLossTotalWeight != 0)
        {
            double ll = logLossSum / logLossTotalWeight;
            double prior = BinaryEntropyBits(logLossPositives / logLossTotalWeight);
            logLossReduction = (prior - ll) / prior;
        }

        int[] order = ScoreOrder.Descending(scores, out float[] sortedScores);
        double auc = AreaUnderRoc(order, sortedScores, labels, weights, weighted);
        double auprc = AreaUnderPrecisionRecall(order, labels, weights, weighted);

        var confusion = new ConfusionMatrix(
            new[] { new[] { tp, fn }, new[] { fp, tn } },
            new[] { "positive", "negative" },
            isBinary: true,
            isWeighted: weighted);

        return new BinaryClassificationMetrics(auc, accuracy, precisionPos, recallPos, precisionNeg, recallNeg, f1, auprc,
            meanLogLoss, logLossReduction, entropy, confusion, n, weighted);
    }

    /// <summary>ML.NET <c>MathUtils.Entropy(p)</c> (log base 2): NaN outside [0, 1], 0 at 0 and 1.</summary>
    private static double BinaryEntropyBits(double p)
    {
        if (p < 0 || p > 1)
        {
            return double.NaN;
        }

        if (p == 0.0 || p == 1.0)
        {
            return 0.0;
        }

        return (-p * Math.Log(p, 2)) - ((1 - p) * Math.Log(1 - p, 2));
    }

    /// <summary>
    /// AUC with ties counted ½, accumulating in the order ML.NET's <c>WeightedAucAggregator</c> merge of the sorted positive and
    /// negative lists does (so the weighted sums round the same way): a score value held by positives only adds them one by one,
    /// by negatives only adds each negative's w₋·(positive weight above); a value held by both adds group totals.
    /// </summary>
    private static double AreaUnderRoc(int[] order, float[] sortedScores, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights, bool weighted)
    {
        double cumPos = 0, cumNeg = 0, cumAuc = 0;
        int posCount = 0, negCount = 0;
        int start = 0;
        while (start < order.Length)
        {
            float score = sortedScores[start];
            int end = start;
            int groupPos = 0, groupNeg = 0;
            while (end < order.Length && sortedScores[end] == score)
            {
                if (labels[order[end]] > 0)
                {
                    groupPos++;
                }
                else
                {
                    groupNeg++;
                }

                end++;
            }

            if (groupPos > 0 && groupNeg > 0)
            {
                double groupPosW = 0, groupNegW = 0;
                for (int j = start; j < end; j++)
                {
                    int i = order[j];
                    float w = weighted ? weights[i] : 1f;
                    if (labels[i] > 0)
                    {
                        groupPosW += w;
                    }
                    else
                    {
                        groupNegW += w;
                    }
                }

                cumAuc += cumPos * groupNegW;
                cumAuc += 0.5 * groupPosW * groupNegW;
                cumPos += groupPosW;
                cumNeg += groupNegW;
            }
            else
            {
                for (int j = start; j < end; j++)
                {
                    int i = order[j];
                    float w = weighted ? weights[i] : 1f;
                    if (labels[i] > 0)
                    {
                        cumPos += w;
                    }
                    else
                    {
                        cumAuc += cumPos * w;
                        cumNeg += w;
                    }
                }
            }

            posCount += groupPos;
            negCount += groupNeg;
            start = end;
        }

        if (posCount == 0 || negCount == 0)
        {
            return double.NaN; // ML.NET: "AUC is not defined when there is no positive/negative class in the data" (throws).
        }

        return cumAuc / (cumPos * cumNeg);
    }

    /// <summary>ML.NET's lower-trapezoid AUPRC (one example at a time, descending score, ties in input order).</summary>
    private static double AreaUnderPrecisionRecall(int[] order, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights, bool weighted)
    {
        double posWeight = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] > 0)
            {
                posWeight += weighted ? weights[i] : 1f;
            }
        }

        double prevRecall = 0, prevPrecisionMin = 1, truePos = 0, falsePos = 0, cum = 0;
        foreach (int i in order)
        {
            float w = weighted ? weights[i] : 1f;
            if (labels[i] > 0)
            {
                truePos += w;
                double recall = truePos / posWeight;
                double precision = truePos / (truePos + falsePos);
                cum += (recall - prevRecall) * (prevPrecisionMin + precision) / 2;
                prevPrecisionMin = precision;
                prevRecall = recall;
            }
            else
            {
                falsePos += w;
                prevPrecisionMin = truePos / (truePos + falsePos);
            }
        }

        return cum;
    }

    /// <summary>A compact table of the metrics followed by the confusion matrix.</summary>
    /// <returns>The table.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("Binary classification metrics (").Append(ExampleCount.ToString(CultureInfo.InvariantCulture))
          .Append(IsWeighted ? " examples, weighted)" : " examples)").AppendLine();
        MetricsFormat.Line(sb, nameof(Accuracy), Accuracy);
        MetricsFormat.Line(sb, nameof(AreaUnderRocCurve), AreaUnderRocCurve);
        MetricsFormat.Line(sb, nameof(AreaUnderPrecisionRecallCurve), AreaUnderPrecisionRecallCurve);
        MetricsFormat.Line(sb, nameof(F1Score), F1Score);
        MetricsFormat.Line(sb, nameof(PositivePrecision), PositivePrecision);
        MetricsFormat.Line(sb, nameof(PositiveRecall), PositiveRecall);
        MetricsFormat.Line(sb, nameof(NegativePrecision), NegativePrecision);
        MetricsFormat.Line(sb, nameof(NegativeRecall), NegativeRecall);
        MetricsFormat.Line(sb, nameof(LogLoss), LogLoss);
        MetricsFormat.Line(sb, nameof(LogLossReduction), LogLossReduction);
        MetricsFormat.Line(sb, nameof(Entropy), Entropy);
        sb.Append(ConfusionMatrix.GetFormattedConfusionTable());
        return sb.ToString();
    }
}
