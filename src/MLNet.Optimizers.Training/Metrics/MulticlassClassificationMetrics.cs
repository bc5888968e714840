using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace MLNet.Optimizers.Training.Metrics;

/// <summary>
/// Multiclass-classification metrics with the names and definitions of ML.NET's
/// <c>Microsoft.ML.Data.MulticlassClassificationMetrics</c>, computed as by <c>MulticlassClassificationEvaluator</c> in
/// <c>Microsoft.ML.Data</c> (the score vector being the class probabilities, as ML.NET's multiclass trainers output).
/// </summary>
/// <remarks>
/// <para>
/// Predicted class: the first index with the largest probability. An example is "correct" when its true class is that index,
/// i.e. when the true class has rank 0 — the rank counting the classes with a larger probability plus the classes with an
/// equal probability and a smaller index (ML.NET's tie rule).
/// </para>
/// <para>
/// Weights: when example weights are given, <b>every</b> metric is the weighted one (ML.NET's "IsWeighted = true" row):
/// accuracies, top-K accuracies, log-losses, the prior entropy and the confusion cells all use weight sums.
/// ML.NET's public <c>MLContext.MulticlassClassification.Evaluate</c> takes no weight column, so it always reports the
/// unweighted numbers.
/// </para>
/// <para>
/// With no examples (or a zero sum of weights) the values are those of ML.NET's formulas: accuracies and log-loss 0,
/// log-loss reduction and top-K accuracies NaN.
/// </para>
/// </remarks>
public sealed class MulticlassClassificationMetrics
{
    /// <summary>ML.NET's probability floor for the log-loss, <c>(float)1e-15</c> (<c>MulticlassClassificationEvaluator.Aggregator.Epsilon</c>).</summary>
    public const float LogLossEpsilon = (float)1e-15;

    private MulticlassClassificationMetrics(
        double micro, double macro, double logLoss, double logLossReduction, int topK, double[] topKForAllK,
        double[] perClassLogLoss, ConfusionMatrix confusionMatrix, int count, bool weighted)
    {
        MicroAccuracy = micro;
        MacroAccuracy = macro;
        LogLoss = logLoss;
        LogLossReduction = logLossReduction;
        TopKPredictionCount = topK;
        TopKAccuracyForAllK = Array.AsReadOnly(topKForAllK);
        PerClassLogLoss = Array.AsReadOnly(perClassLogLoss);
        ConfusionMatrix = confusionMatrix;
        ExampleCount = count;
        IsWeighted = weighted;
    }

    /// <summary>
    /// Fraction (weight) of examples whose true class is the predicted class; 0 with no examples. Mirrors ML.NET
    /// <c>MulticlassClassificationMetrics.MicroAccuracy</c> ("Accuracy(micro-avg)").
    /// </summary>
    public double MicroAccuracy { get; }

    /// <summary>
    /// Mean over the classes that occur (non-zero weight) of each class's recall; classes absent from the labels are left out
    /// of the mean. Mirrors ML.NET <c>MulticlassClassificationMetrics.MacroAccuracy</c> ("Accuracy(macro-avg)").
    /// </summary>
    public double MacroAccuracy { get; }

    /// <summary>
    /// Mean of −ln(p_true) in <b>nats</b>, p_true being the probability given to the true class clamped to
    /// [<see cref="LogLossEpsilon"/>, 1] in single precision. Mirrors ML.NET <c>MulticlassClassificationMetrics.LogLoss</c>.
    /// </summary>
    public double LogLoss { get; }

    /// <summary>
    /// (H − <see cref="LogLoss"/>) / H as a <b>fraction</b> (ML.NET ≥ 1.0), H = −Σ_c π_c ln π_c the entropy in nats of the
    /// (weighted) class proportions π_c in these labels. With one class only H is −0 in ML.NET's arithmetic, so the value is +∞
    /// (NaN when <see cref="LogLoss"/> is 0); NaN with no examples. Mirrors ML.NET
    /// <c>MulticlassClassificationMetrics.LogLossReduction</c>.
    /// </summary>
    public double LogLossReduction { get; }

    /// <summary>
    /// <c>TopKAccuracyForAllK[TopKPredictionCount - 1]</c>: the fraction of examples whose true class has rank &lt; K; 0 when
    /// <see cref="TopKPredictionCount"/> is 0. Mirrors ML.NET <c>MulticlassClassificationMetrics.TopKAccuracy</c>.
    /// </summary>
    public double TopKAccuracy => TopKAccuracyForAllK.Count > 0 ? TopKAccuracyForAllK[^1] : 0;

    /// <summary>
    /// The K of <see cref="TopKAccuracy"/>; 0 when top-K accuracy was not requested. Mirrors ML.NET
    /// <c>MulticlassClassificationMetrics.TopKPredictionCount</c>.
    /// </summary>
    public int TopKPredictionCount { get; }

    /// <summary>
    /// Top-k accuracy for k = 1 … <see cref="TopKPredictionCount"/> (entry k − 1; entry 0 equals <see cref="MicroAccuracy"/>).
    /// Empty when K is 0 (ML.NET returns null there). Mirrors ML.NET <c>MulticlassClassificationMetrics.TopKAccuracyForAllK</c>.
    /// </summary>
    public IReadOnlyList<double> TopKAccuracyForAllK { get; }

    /// <summary>
    /// For each class c, the mean of −ln(p_true) over the examples whose true class is c (0 for a class with no examples).
    /// This is what ML.NET computes (<c>Counters.PerClassLogLoss</c>); its XML doc's mention of "1 − p" for other classes does not
    /// match its code. Mirrors ML.NET <c>MulticlassClassificationMetrics.PerClassLogLoss</c>.
    /// </summary>
    public IReadOnlyList<double> PerClassLogLoss { get; }

    /// <summary>
    /// K×K confusion matrix, <c>Counts[true class][predicted class]</c>, class names "0" … "K−1". Mirrors ML.NET
    /// <c>MulticlassClassificationMetrics.ConfusionMatrix</c> (weighted cells when weights are given).
    /// </summary>
    public ConfusionMatrix ConfusionMatrix { get; }

    /// <summary>Number of examples evaluated (not part of ML.NET's metrics class).</summary>
    public int ExampleCount { get; }

    /// <summary>True when example weights were given and the metrics are the weighted ones.</summary>
    public bool IsWeighted { get; }

    /// <summary>Evaluates multiclass-classification predictions.</summary>
    /// <param name="labels">True class indices 0 … <paramref name="classCount"/> − 1 stored as floats (ML.NET skips NaN, negative and
    /// non-integer labels and scores out-of-range ones as unknown classes; here all of these are errors).</param>
    /// <param name="probabilities">Row-major n × <paramref name="classCount"/> class probabilities, each in [0, 1] (rows need not sum to 1).</param>
    /// <param name="classCount">Number of classes K, at least 2 (ML.NET requires a score vector of two or more items).</param>
    /// <param name="topK">K for the top-K accuracy, 0 … <paramref name="classCount"/>; 0 (ML.NET's default) computes none.</param>
    /// <param name="weights">Optional example weights (finite, ≥ 0), one per label; empty for unweighted metrics.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="classCount"/> &lt; 2, <paramref name="topK"/> out of range, lengths disagree, a label is not a class index in
    /// range, a probability is outside [0, 1] or NaN, or a weight is negative or not finite.
    /// </exception>
    public static MulticlassClassificationMetrics Evaluate(
        ReadOnlySpan<float> labels,
        ReadOnlySpan<float> probabilities,
        int classCount,
        int topK = 0,
        ReadOnlySpan<float> weights = default)
    {
        if (classCount < 2)
        {
            throw new ArgumentException($"classCount must be >= 2, got {classCount.ToString(CultureInfo.InvariantCulture)}.", nameof(classCount));
        }

        if (topK < 0 || topK > classCount)
        {
            throw new ArgumentException(
                $"topK must be in [0, classCount = {classCount.ToString(CultureInfo.InvariantCulture)}], got {topK.ToString(CultureInfo.InvariantCulture)}.",
                nameof(topK));
        }

        int n = labels.Length;
        if (probabilities.Length != (long)n * classCount)
        {
            throw new ArgumentException(
                $"probabilities has {probabilities.Length.ToString(CultureInfo.InvariantCulture)} values; {n.ToString(CultureInfo.InvariantCulture)} labels x classCount {classCount.ToString(CultureInfo.InvariantCulture)} need {((long)n * classCount).ToString(CultureInfo.InvariantCulture)}.",
                nameof(probabilities));
        }

        bool weighted = MetricsInput.CheckWeights(weights, n);
        for (int i = 0; i < n; i++)
        {
            float label = labels[i];
            if (!(label >= 0 && label < classCount) || label != MathF.Floor(label))
            {
                throw MetricsInput.Bad(nameof(labels), i,
                    $"a class index in 0..{(classCount - 1).ToString(CultureInfo.InvariantCulture)}", label);
            }
        }

        for (int j = 0; j < probabilities.Length; j++)
        {
            MetricsInput.CheckProbability(probabilities[j], j, nameof(probabilities));
        }

        // Counters as ML.NET MulticlassClassificationEvaluator.Aggregator.ProcessRow + Counters.Update.
        double numInstances = 0, numCorrect = 0, totalLogLoss = 0;
        var sumWeightsOfClass = new double[classCount];
        var totalPerClassLogLoss = new double[classCount];
        var seenRanks = new double[classCount + 1];
        var confusion = new double[classCount][];
        for (int c = 0; c < classCount; c++)
        {
            confusion[c] = new double[classCount];
        }

        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = probabilities.Slice(i * classCount, classCount);
            int label = (int)labels[i];
            float weight = weighted ? weights[i] : 1f;

            float p = Math.Min(1f, Math.Max(LogLossEpsilon, row[label]));
            double logLoss = -Math.Log(p);

            float correct = row[label];
            int rank = 0;
            int assigned = 0;
            for (int c = 0; c < classCount; c++)
            {
                if (row[c] > correct || (row[c] == correct && c < label))
                {
                    rank++;
                }

                if (row[assigned] < row[c])
                {
                    assigned = c;
                }
            }

            numInstances += weight;
            sumWeightsOfClass[label] += weight;
            totalLogLoss += logLoss * weight;
            totalPerClassLogLoss[label] += logLoss * weight;
            seenRanks[rank] += weight;
            if (rank == 0)
            {
                numCorrect += weight;
                confusion[label][label] += weight;
            }
            else
            {
                confusion[label][assigned] += weight;
            }
        }

        double micro = numInstances > 0 ? numCorrect / numInstances : 0;

        double macro = 0;
        if (numInstances != 0)
        {
            int nonEmpty = 0;
            for (int c = 0; c < classCount; c++)
            {
                if (sumWeightsOfClass[c] > 0)
                {
                    nonEmpty++;
                    macro += confusion[c][c] / sumWeightsOfClass[c];
                }
            }

            macro = nonEmpty > 0 ? macro / nonEmpty : 0;
        }

        double meanLogLoss = numInstances > 0 ? totalLogLoss / numInstances : 0;

        // Prior log-loss = entropy of the class proportions (nats); written as ML.NET does, so that a single class gives -0 and
        // the reduction +Infinity, and no examples give NaN.
        double entropy = 0;
        for (int c = 0; c < classCount; c++)
        {
            if (sumWeightsOfClass[c] != 0)
            {
                entropy += sumWeightsOfClass[c] * Math.Log(sumWeightsOfClass[c] / numInstances);
            }
        }

        entropy /= -numInstances;
        double reduction = (entropy - meanLogLoss) / entropy;

        var allTopK = new double[topK];
        double cumulative = 0;
        for (int k = 0; k < topK; k++)
        {
            cumulative += seenRanks[k] / numInstances;
            allTopK[k] = cumulative;
        }

        var perClass = new double[classCount];
        for (int c = 0; c < classCount; c++)
        {
            perClass[c] = sumWeightsOfClass[c] > 0 ? totalPerClassLogLoss[c] / sumWeightsOfClass[c] : 0;
        }

        var names = new string[classCount];
        for (int c = 0; c < classCount; c++)
        {
            names[c] = c.ToString(CultureInfo.InvariantCulture);
        }

        var matrix = new ConfusionMatrix(confusion, names, isBinary: false, isWeighted: weighted);
        return new MulticlassClassificationMetrics(micro, macro, meanLogLoss, reduction, topK, allTopK, perClass, matrix, n, weighted);
    }

    /// <summary>A compact table of the metrics, the per-class log-loss and the confusion matrix.</summary>
    /// <returns>The table.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("Multiclass classification metrics (").Append(ExampleCount.ToString(CultureInfo.InvariantCulture))
          .Append(IsWeighted ? " examples, weighted)" : " examples)").AppendLine();
        MetricsFormat.Line(sb, nameof(MicroAccuracy), MicroAccuracy);
        MetricsFormat.Line(sb, nameof(MacroAccuracy), MacroAccuracy);
        MetricsFormat.Line(sb, nameof(LogLoss), LogLoss);
        MetricsFormat.Line(sb, nameof(LogLossReduction), LogLossReduction);
        for (int k = 0; k < TopKAccuracyForAllK.Count; k++)
        {
            MetricsFormat.Line(sb, "Top" + (k + 1).ToString(CultureInfo.InvariantCulture) + "Accuracy", TopKAccuracyForAllK[k]);
        }

        for (int c = 0; c < PerClassLogLoss.Count; c++)
        {
            MetricsFormat.Line(sb, "PerClassLogLoss[" + c.ToString(CultureInfo.InvariantCulture) + "]", PerClassLogLoss[c]);
        }

        sb.Append(ConfusionMatrix.GetFormattedConfusionTable());
        return sb.ToString();
    }
}
