using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Metrics;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>
/// Binary metrics against hand-computed values (ML.NET BinaryClassifierEvaluator / AucAggregator definitions), plus an
/// independent brute-force AUC. Expected values are derived in the comments from the inputs.
/// </summary>
[TestClass]
public sealed class MetricsBinaryTests
{
    private const double Tol = 1e-12;

    // row: label score prob
    //  0:   1     2.0  0.8   predicted + (TP)
    //  1:   1    -1.0  0.25  predicted - (FN)
    //  2:   0     0.5  0.5   predicted + (FP)
    //  3:   0    -2.0  0.2   predicted - (TN)
    //  4:   1     0.0  0.5   score 0 is NOT > 0 -> predicted - (FN)
    //  5:   0    -1.0  0.25  predicted - (TN); ties row 1's score
    private static readonly float[] Labels = { 1, 1, 0, 0, 1, 0 };
    private static readonly float[] Scores = { 2, -1, 0.5f, -2, 0, -1 };
    private static readonly float[] Probs = { 0.8f, 0.25f, 0.5f, 0.2f, 0.5f, 0.25f };

    [TestMethod]
    public void Counts_Rates_F1_HandComputed()
    {
        // TP 1, FN 2, FP 1, TN 2
        var m = BinaryClassificationMetrics.Evaluate(Labels, Scores, Probs);
        Assert.AreEqual(3.0 / 6.0, m.Accuracy, Tol);
        Assert.AreEqual(1.0 / 2.0, m.PositivePrecision, Tol);   // TP/(TP+FP)
        Assert.AreEqual(1.0 / 3.0, m.PositiveRecall, Tol);      // TP/(TP+FN)
        Assert.AreEqual(2.0 / 4.0, m.NegativePrecision, Tol);   // TN/(TN+FN)
        Assert.AreEqual(2.0 / 3.0, m.NegativeRecall, Tol);      // TN/(TN+FP)
        Assert.AreEqual(0.4, m.F1Score, Tol);                   // 2·(1/2)(1/3)/(1/2+1/3) = (1/3)/(5/6)
        Assert.AreEqual(6, m.ExampleCount);
        Assert.IsFalse(m.IsWeighted);
    }

    [TestMethod]
    public void ConfusionMatrix_MlNetBinaryLayout()
    {
        // ML.NET: row/column 0 = positive, 1 = negative; Counts[truth][predicted] = [[TP, FN], [FP, TN]] = [[1, 2], [1, 2]]
        ConfusionMatrix cm = BinaryClassificationMetrics.Evaluate(Labels, Scores, Probs).ConfusionMatrix;
        Assert.AreEqual(2, cm.NumberOfClasses);
        Assert.IsTrue(cm.IsBinary);
        CollectionAssert.AreEqual(new[] { "positive", "negative" }, cm.ClassNames.ToArray());
        CollectionAssert.AreEqual(new[] { 1.0, 2.0 }, cm.Counts[0].ToArray());
        CollectionAssert.AreEqual(new[] { 1.0, 2.0 }, cm.Counts[1].ToArray());
        Assert.AreEqual(2.0, cm.GetCountForClassPair(predictedClassIndicatorIndex: 1, actualClassIndicatorIndex: 0)); // FN
        Assert.AreEqual(1.0, cm.GetCountForClassPair(predictedClassIndicatorIndex: 0, actualClassIndicatorIndex: 1)); // FP
        // precision = diagonal / column sum: positive 1/(1+1), negative 2/(2+2); recall = diagonal / row sum: 1/3, 2/3
        Assert.AreEqual(0.5, cm.PerClassPrecision[0], Tol);
        Assert.AreEqual(0.5, cm.PerClassPrecision[1], Tol);
        Assert.AreEqual(1.0 / 3.0, cm.PerClassRecall[0], Tol);
        Assert.AreEqual(2.0 / 3.0, cm.PerClassRecall[1], Tol);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => cm.GetCountForClassPair(2, 0));
        string table = cm.GetFormattedConfusionTable();
        Assert.Contains("positive", table);
        Assert.Contains("Recall", table);
        Assert.Contains("Precision", table);
        Assert.Contains("0.6667", table);
    }

    [TestMethod]
    public void Auc_WithTie_HandComputed()
    {
        // positives: 2.0, -1.0, 0.0; negatives 0.5, -2.0, -1.0; 9 pairs
        // 2.0 beats all 3 -> 3; 0.0 beats -2, -1 -> 2; -1.0 beats -2 (1) and ties -1 (0.5) -> 1.5; AUC = 6.5/9 = 13/18
        var m = BinaryClassificationMetrics.Evaluate(Labels, Scores, Probs);
        Assert.AreEqual(13.0 / 18.0, m.AreaUnderRocCurve, Tol);
    }

    [TestMethod]
    public void Auprc_LowerTrapezoid_HandComputed_AndTieOrderMatters()
    {
        // descending score, ties in input order: r0 P, r2 N, r4 P, r1 P, r5 N, r3 N; 3 positives; start prevRecall 0, pMin 1
        // r0 P: recall 1/3, precision 1    -> += (1/3)(1 + 1)/2   = 1/3;   pMin 1
        // r2 N: pMin = 1/2
        // r4 P: recall 2/3, precision 2/3  -> += (1/3)(1/2 + 2/3)/2 = 7/36; pMin 2/3
        // r1 P: recall 1,   precision 3/4  -> += (1/3)(2/3 + 3/4)/2 = 17/72
        // AUPRC = 24/72 + 14/72 + 17/72 = 55/72
        var m = BinaryClassificationMetrics.Evaluate(Labels, Scores, Probs);
        Assert.AreEqual(55.0 / 72.0, m.AreaUnderPrecisionRecallCurve, Tol);

        // Swap rows 1 and 5 (same tie at -1, negative now first): ... r4 P (pMin 2/3), r5 N: pMin 2/4,
        // r1 P: recall 1, precision 3/5 -> += (1/3)(1/2 + 3/5)/2 = 11/60; AUPRC = 1/3 + 7/36 + 11/60 = 32/45 (ML.NET's stable order).
        float[] labels = { 1, 0, 0, 0, 1, 1 };
        float[] scores = { 2, -1, 0.5f, -2, 0, -1 };
        float[] probs = { 0.8f, 0.25f, 0.5f, 0.2f, 0.5f, 0.25f };
        var swapped = BinaryClassificationMetrics.Evaluate(labels, scores, probs);
        Assert.AreEqual(32.0 / 45.0, swapped.AreaUnderPrecisionRecallCurve, Tol);
        Assert.AreEqual(13.0 / 18.0, swapped.AreaUnderRocCurve, Tol, "AUC does not depend on tie order");
    }

    [TestMethod]
    public void LogLoss_Bits_Entropy_Reduction_HandComputed()
    {
        // bits: r0 -log2 .8, r1 -log2 .25 = 2, r2 -log2(1-.5) = 1, r3 -log2(1-.2) = -log2 .8, r4 1, r5 -log2 .75
        // mean = (4 - 2 log2 .8 - log2 .75)/6 ≈ (4 + 0.643856 + 0.415037)/6 ≈ 0.843149
        // prior: 3 of 6 positive -> entropy 1 bit; reduction = (1 - LogLoss)/1 (a fraction, not a percentage)
        double expected = (4 - (2 * Math.Log2(0.8)) - Math.Log2(0.75)) / 6;
        var m = BinaryClassificationMetrics.Evaluate(Labels, Scores, Probs);
        Assert.AreEqual(expected, m.LogLoss, 1e-6);
        Assert.AreEqual(0.843149, m.LogLoss, 1e-6);
        Assert.AreEqual(1.0, m.Entropy, Tol);
        Assert.AreEqual(1 - expected, m.LogLossReduction, 1e-6);
    }

    [TestMethod]
    public void PerfectClassifier()
    {
        var m = BinaryClassificationMetrics.Evaluate(new float[] { 1, 1, 0, 0 }, new float[] { 3, 1, -1, -2 }, new float[] { 1, 1, 0, 0 });
        Assert.AreEqual(1.0, m.Accuracy);
        Assert.AreEqual(1.0, m.AreaUnderRocCurve);
        Assert.AreEqual(1.0, m.AreaUnderPrecisionRecallCurve);
        Assert.AreEqual(1.0, m.F1Score);
        Assert.AreEqual(0.0, m.LogLoss);
        Assert.AreEqual(1.0, m.LogLossReduction); // (1 - 0)/1
    }

    [TestMethod]
    public void InverseClassifier_NoProbabilityClamp()
    {
        // labels 0,0,1,1 scored 2,1,-1,-3: every prediction wrong; AUC 0.
        // AUPRC: N (pMin 0), N (pMin 0), P: recall 1/2, precision 1/3 -> += (1/2)(0 + 1/3)/2 = 1/12;
        //        P: recall 1, precision 2/4 -> += (1/2)(1/3 + 1/2)/2 = 5/24; total 7/24
        // Probabilities 1,1,0,0 are certain and wrong: ML.NET's binary log-loss has no epsilon clamp -> +∞, reduction -∞.
        var m = BinaryClassificationMetrics.Evaluate(new float[] { 0, 0, 1, 1 }, new float[] { 2, 1, -1, -3 }, new float[] { 1, 1, 0, 0 });
        Assert.AreEqual(0.0, m.Accuracy);
        Assert.AreEqual(0.0, m.AreaUnderRocCurve);
        Assert.AreEqual(7.0 / 24.0, m.AreaUnderPrecisionRecallCurve, Tol);
        Assert.AreEqual(0.0, m.F1Score);
        Assert.AreEqual(0.0, m.PositivePrecision);
        Assert.IsTrue(double.IsPositiveInfinity(m.LogLoss));
        Assert.IsTrue(double.IsNegativeInfinity(m.LogLossReduction));

        // one certain, wrong positive is enough: -log2(0) = +∞ (no clamp on either branch)
        var onePositive = BinaryClassificationMetrics.Evaluate(new float[] { 1, 0 }, new float[] { -1, -1 }, new float[] { 0, 0.5f });
        Assert.IsTrue(double.IsPositiveInfinity(onePositive.LogLoss));
    }

    [TestMethod]
    public void AllScoresTied_AucIsHalf()
    {
        var m = BinaryClassificationMetrics.Evaluate(new float[] { 1, 0, 1, 0, 0 }, new float[] { 0.3f, 0.3f, 0.3f, 0.3f, 0.3f }, new float[] { 0.5f, 0.5f, 0.5f, 0.5f, 0.5f });
        Assert.AreEqual(0.5, m.AreaUnderRocCurve, Tol);
        // -0 and +0 are the same score (ties), as ML.NET's == comparison has it: pairs (+0 pos, -0 neg) -> 1/2
        var zeros = BinaryClassificationMetrics.Evaluate(new float[] { 1, 0 }, new float[] { 0f, -0f }, new float[] { 0.5f, 0.5f });
        Assert.AreEqual(0.5, zeros.AreaUnderRocCurve, Tol);

        // ... and they stay in input order for AUPRC: negative (-0) first, then positive (+0):
        // N: pMin 0/1 = 0; P: recall 1, precision 1/2 -> (1 - 0)(0 + 1/2)/2 = 1/4  (it would be 1 if +0 sorted above -0)
        var signedZeros = BinaryClassificationMetrics.Evaluate(new float[] { 0, 1 }, new float[] { -0f, 0f }, new float[] { 0.5f, 0.5f });
        Assert.AreEqual(0.25, signedZeros.AreaUnderPrecisionRecallCurve, Tol);
    }

    [TestMethod]
    public void Weighted_HandComputed()
    {
        // row: label score weight -> r0 P 1 w3 (TP), r1 N 2 w1 (FP), r2 P -1 w1 (FN), r3 N -2 w2 (TN); total weight 7
        // Accuracy (3+2)/7; PosPrec 3/(3+1); PosRecall 3/(3+1); NegPrec 2/(2+1); NegRecall 2/(2+1); F1 3/4
        // AUC: pairs (r0,r3) 3·2 = 6, (r2,r3) 1·2 = 2, others 0 -> 8 / (Wp 4 · Wn 3) = 2/3   (unweighted: 2/4)
        // AUPRC: r1 N (pMin 0); r0 P: recall 3/4, precision 3/4 -> (3/4)(0 + 3/4)/2 = 9/32;
        //        r2 P: recall 1, precision 4/5 -> (1/4)(3/4 + 4/5)/2 = 31/160; total 45/160 + 31/160 = 76/160 = 19/40
        // every probability 0.5 -> 1 bit each -> LogLoss 1; positive fraction 4/7 -> entropy H(4/7); reduction (H - 1)/H
        float[] labels = { 1, 0, 1, 0 };
        float[] scores = { 1, 2, -1, -2 };
        float[] probs = { 0.5f, 0.5f, 0.5f, 0.5f };
        float[] weights = { 3, 1, 1, 2 };
        var m = BinaryClassificationMetrics.Evaluate(labels, scores, probs, weights);
        Assert.IsTrue(m.IsWeighted);
        Assert.AreEqual(5.0 / 7.0, m.Accuracy, Tol);
        Assert.AreEqual(0.75, m.PositivePrecision, Tol);
        Assert.AreEqual(0.75, m.PositiveRecall, Tol);
        Assert.AreEqual(2.0 / 3.0, m.NegativePrecision, Tol);
        Assert.AreEqual(2.0 / 3.0, m.NegativeRecall, Tol);
        Assert.AreEqual(0.75, m.F1Score, Tol);
        Assert.AreEqual(2.0 / 3.0, m.AreaUnderRocCurve, Tol);
        Assert.AreEqual(19.0 / 40.0, m.AreaUnderPrecisionRecallCurve, Tol);
        double h = (-(4.0 / 7) * Math.Log2(4.0 / 7)) - ((3.0 / 7) * Math.Log2(3.0 / 7));
        Assert.AreEqual(1.0, m.LogLoss, Tol);
        Assert.AreEqual(h, m.Entropy, Tol);
        Assert.AreEqual((h - 1) / h, m.LogLossReduction, Tol);
        Assert.IsTrue(m.ConfusionMatrix.IsWeighted);
        CollectionAssert.AreEqual(new[] { 3.0, 1.0 }, m.ConfusionMatrix.Counts[0].ToArray()); // [TP, FN]
        CollectionAssert.AreEqual(new[] { 1.0, 2.0 }, m.ConfusionMatrix.Counts[1].ToArray()); // [FP, TN]

        var unweighted = BinaryClassificationMetrics.Evaluate(labels, scores, probs);
        Assert.AreEqual(0.5, unweighted.Accuracy, Tol);
        Assert.AreEqual(0.5, unweighted.AreaUnderRocCurve, Tol);
    }

    [TestMethod]
    public void IntegerWeights_EqualDuplicatedExamples_ExceptAuprc()
    {
        var rng = new Random(7);
        int n = 40;
        float[] labels = new float[n], scores = new float[n], probs = new float[n], weights = new float[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = rng.Next(2);
            scores[i] = rng.Next(-4, 5) * 0.5f; // coarse grid: many ties
            probs[i] = (float)rng.NextDouble();
            weights[i] = rng.Next(0, 4);
        }

        var dl = labels.SelectMany((v, i) => Enumerable.Repeat(v, (int)weights[i])).ToArray();
        var ds = scores.SelectMany((v, i) => Enumerable.Repeat(v, (int)weights[i])).ToArray();
        var dp = probs.SelectMany((v, i) => Enumerable.Repeat(v, (int)weights[i])).ToArray();
        var w = BinaryClassificationMetrics.Evaluate(labels, scores, probs, weights);
        var d = BinaryClassificationMetrics.Evaluate(dl, ds, dp);
        Assert.AreEqual(d.Accuracy, w.Accuracy, 1e-12);
        Assert.AreEqual(d.AreaUnderRocCurve, w.AreaUnderRocCurve, 1e-12);
        Assert.AreEqual(d.F1Score, w.F1Score, 1e-12);
        Assert.AreEqual(d.LogLoss, w.LogLoss, 1e-9);
        Assert.AreEqual(d.LogLossReduction, w.LogLossReduction, 1e-9);
        Assert.AreEqual(d.Entropy, w.Entropy, 1e-12);
    }

    [TestMethod]
    public void Auc_MatchesBruteForcePairCount_WeightedAndUnweighted()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = rng.Next(2, 60);
            float[] labels = new float[n], scores = new float[n], probs = new float[n], weights = new float[n];
            for (int i = 0; i < n; i++)
            {
                labels[i] = i < 2 ? i : rng.Next(2); // both classes present
                scores[i] = trial % 2 == 0 ? rng.Next(-3, 4) : (float)(rng.NextDouble() - 0.5);
                probs[i] = 0.5f;
                weights[i] = (float)rng.NextDouble() * 3;
            }

            foreach (bool weighted in new[] { false, true })
            {
                double num = 0, wp = 0, wn = 0;
                for (int i = 0; i < n; i++)
                {
                    double wi = weighted ? weights[i] : 1;
                    if (labels[i] == 1)
                    {
                        wp += wi;
                    }
                    else
                    {
                        wn += wi;
                    }

                    for (int j = 0; j < n; j++)
                    {
                        if (labels[i] == 1 && labels[j] == 0)
                        {
                            double pair = wi * (weighted ? weights[j] : 1);
                            num += scores[i] > scores[j] ? pair : scores[i] == scores[j] ? 0.5 * pair : 0;
                        }
                    }
                }

                var m = weighted
                    ? BinaryClassificationMetrics.Evaluate(labels, scores, probs, weights)
                    : BinaryClassificationMetrics.Evaluate(labels, scores, probs);
                Assert.AreEqual(num / (wp * wn), m.AreaUnderRocCurve, 1e-12, $"trial {trial}, weighted {weighted}");
            }
        }
    }

    [TestMethod]
    public void SingleClass_AucNaN_OtherMetricsFromMlNetFormulas()
    {
        // Only positives: ML.NET throws ("AUC is not defined when there is no negative class"); here AUC = NaN.
        // TP 1 (score 1), FN 1 (score -1). NegativePrecision TN/(TN+FN) = 0/1 = 0; NegativeRecall 0 (no negatives).
        // AUPRC: P recall 1/2 precision 1 -> 1/2; P recall 1 precision 1 -> 1/2; total 1.
        // Entropy H(1) = 0; LogLoss = (-log2 .9 - log2 .4)/2 > 0; reduction (0 - LL)/0 = -∞.
        var m = BinaryClassificationMetrics.Evaluate(new float[] { 1, 1 }, new float[] { 1, -1 }, new float[] { 0.9f, 0.4f });
        Assert.IsTrue(double.IsNaN(m.AreaUnderRocCurve));
        Assert.AreEqual(0.5, m.Accuracy, Tol);
        Assert.AreEqual(0.0, m.NegativePrecision);
        Assert.AreEqual(0.0, m.NegativeRecall);
        Assert.AreEqual(1.0, m.AreaUnderPrecisionRecallCurve, Tol);
        Assert.AreEqual(0.0, m.Entropy);
        Assert.AreEqual((-Math.Log2(0.9) - Math.Log2(0.4)) / 2, m.LogLoss, 1e-6);
        Assert.IsTrue(double.IsNegativeInfinity(m.LogLossReduction));

        // Only negatives: no positive ever -> AUPRC 0, AUC NaN.
        var neg = BinaryClassificationMetrics.Evaluate(new float[] { 0, 0 }, new float[] { 1, -1 }, new float[] { 0.5f, 0.5f });
        Assert.IsTrue(double.IsNaN(neg.AreaUnderRocCurve));
        Assert.AreEqual(0.0, neg.AreaUnderPrecisionRecallCurve);
        Assert.AreEqual(0.0, neg.PositivePrecision); // TP + FP = 1 > 0 -> 0/1
        Assert.AreEqual(0.0, neg.PositiveRecall);    // no positives -> 0
    }

    [TestMethod]
    public void Empty_ValuesOfMlNetFormulas()
    {
        // Accuracy 0/0 = NaN, entropy of NaN = NaN, log-loss 0 and reduction 0 (no log-loss examples), AUPRC 0, AUC NaN.
        var m = BinaryClassificationMetrics.Evaluate(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty);
        Assert.IsTrue(double.IsNaN(m.Accuracy));
        Assert.IsTrue(double.IsNaN(m.Entropy));
        Assert.IsTrue(double.IsNaN(m.AreaUnderRocCurve));
        Assert.AreEqual(0.0, m.LogLoss);
        Assert.AreEqual(0.0, m.LogLossReduction);
        Assert.AreEqual(0.0, m.AreaUnderPrecisionRecallCurve);
        Assert.AreEqual(0, m.ExampleCount);
    }

    [TestMethod]
    public void ToString_ListsMetricsAndConfusionTable()
    {
        string text = BinaryClassificationMetrics.Evaluate(Labels, Scores, Probs).ToString();
        foreach (string name in new[] { "Accuracy", "AreaUnderRocCurve", "AreaUnderPrecisionRecallCurve", "F1Score", "PositivePrecision",
                     "PositiveRecall", "NegativePrecision", "NegativeRecall", "LogLoss", "LogLossReduction", "Entropy", "Confusion table" })
        {
            Assert.Contains(name, text);
        }

        Assert.Contains("0.722222", text); // AUC 13/18
    }

    [TestMethod]
    public void Validation()
    {
        float[] two = { 0.5f, 0.5f };
        MetricsTestUtil.AssertArgument(() => BinaryClassificationMetrics.Evaluate(new float[] { 1, 0 }, new float[] { 1 }, two), "scores", "1");
        MetricsTestUtil.AssertArgument(() => BinaryClassificationMetrics.Evaluate(new float[] { 1, 0 }, two, new float[] { 0.5f, 0.5f, 0.5f }), "probabilities", "3");
        MetricsTestUtil.AssertArgument(() => BinaryClassificationMetrics.Evaluate(new float[] { 1, 2 }, two, two), "labels", "2");
        MetricsTestUtil.AssertArgument(() => BinaryClassificationMetrics.Evaluate(new float[] { 1, -1 }, two, two), "labels", "-1");
        MetricsTestUtil.AssertArgument(() => BinaryClassificationMetrics.Evaluate(new float[] { float.NaN, 1 }, two, two), "labels", "NaN");
        MetricsTestUtil.AssertArgument(() => BinaryClassificationMetrics.Evaluate(new float[] { 1, 0 }, new float[] { 1, float.PositiveInfinity }, two), "scores", "Infinity");
        MetricsTestUtil.AssertArgument(() => BinaryClassificationMetrics.Evaluate(new float[] { 1, 0 }, two, new float[] { 0.5f, 1.5f }), "probabilities", "1.5");
        MetricsTestUtil.AssertArgument(() => BinaryClassificationMetrics.Evaluate(new float[] { 1, 0 }, two, new float[] { -0.25f, 0.5f }), "probabilities", "-0.25");
        MetricsTestUtil.AssertArgument(() => BinaryClassificationMetrics.Evaluate(new float[] { 1, 0 }, two, new float[] { float.NaN, 0.5f }), "probabilities", "NaN");
        MetricsTestUtil.AssertArgument(() => BinaryClassificationMetrics.Evaluate(new float[] { 1, 0 }, two, two, new float[] { 1, float.PositiveInfinity }), "weights", "Infinity");
    }
}
