using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Metrics;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>
/// Multiclass metrics against hand-computed values (ML.NET MulticlassClassificationEvaluator definitions). Expected values are
/// derived in the comments from the inputs.
/// </summary>
[TestClass]
public sealed class MetricsMulticlassTests
{
    private const double Tol = 1e-12;

    // K = 3.  row: label, probabilities -> predicted (first argmax), rank of the true class (ties: smaller index ranks first)
    //  0: 0 [0.7 , 0.2 , 0.1 ] -> 0, rank 0
    //  1: 1 [0.5 , 0.4 , 0.1 ] -> 0, rank 1
    //  2: 2 [0.2 , 0.3 , 0.5 ] -> 2, rank 0
    //  3: 2 [0.4 , 0.4 , 0.2 ] -> 0 (first of the tied maxima), rank 2
    //  4: 1 [0.25, 0.25, 0.5 ] -> 2, rank 2 (0.5 above; class 0 ties 0.25 and has the smaller index)
    //  5: 0 [0.3 , 0.3 , 0.4 ] -> 2, rank 1 (0.4 above; class 1 ties but has the larger index)
    private static readonly float[] Labels = { 0, 1, 2, 2, 1, 0 };
    private static readonly float[] Probs =
    {
        0.7f, 0.2f, 0.1f,
        0.5f, 0.4f, 0.1f,
        0.2f, 0.3f, 0.5f,
        0.4f, 0.4f, 0.2f,
        0.25f, 0.25f, 0.5f,
        0.3f, 0.3f, 0.4f,
    };

    private static double Ln(float p) => Math.Log(p);

    [TestMethod]
    public void Accuracies_TopK_ConfusionMatrix_HandComputed()
    {
        var m = MulticlassClassificationMetrics.Evaluate(Labels, Probs, classCount: 3, topK: 3);
        // correct (rank 0): rows 0 and 2 -> micro 2/6
        Assert.AreEqual(2.0 / 6.0, m.MicroAccuracy, Tol);
        // confusion [truth][predicted]: class 0 -> {0, 2}, class 1 -> {0, 2}, class 2 -> {2, 0}
        CollectionAssert.AreEqual(new[] { 1.0, 0.0, 1.0 }, m.ConfusionMatrix.Counts[0].ToArray());
        CollectionAssert.AreEqual(new[] { 1.0, 0.0, 1.0 }, m.ConfusionMatrix.Counts[1].ToArray());
        CollectionAssert.AreEqual(new[] { 1.0, 0.0, 1.0 }, m.ConfusionMatrix.Counts[2].ToArray());
        // recall 1/2, 0, 1/2 -> macro (1/2 + 0 + 1/2)/3 = 1/3; precision: col 0 1/3, col 1 never predicted -> 0, col 2 1/3
        Assert.AreEqual(1.0 / 3.0, m.MacroAccuracy, Tol);
        CollectionAssert.AreEqual(new[] { 0.5, 0.0, 0.5 }, m.ConfusionMatrix.PerClassRecall.ToArray());
        Assert.AreEqual(1.0 / 3.0, m.ConfusionMatrix.PerClassPrecision[0], Tol);
        Assert.AreEqual(0.0, m.ConfusionMatrix.PerClassPrecision[1]);
        Assert.AreEqual(1.0 / 3.0, m.ConfusionMatrix.PerClassPrecision[2], Tol);
        CollectionAssert.AreEqual(new[] { "0", "1", "2" }, m.ConfusionMatrix.ClassNames.ToArray());
        Assert.IsFalse(m.ConfusionMatrix.IsBinary);
        // ranks 0,1,0,2,2,1 -> two of each: top-1 2/6, top-2 4/6, top-3 6/6
        Assert.AreEqual(3, m.TopKPredictionCount);
        Assert.AreEqual(3, m.TopKAccuracyForAllK.Count);
        Assert.AreEqual(2.0 / 6.0, m.TopKAccuracyForAllK[0], Tol);
        Assert.AreEqual(4.0 / 6.0, m.TopKAccuracyForAllK[1], Tol);
        Assert.AreEqual(1.0, m.TopKAccuracyForAllK[2], Tol);
        Assert.AreEqual(1.0, m.TopKAccuracy, Tol);

        var top2 = MulticlassClassificationMetrics.Evaluate(Labels, Probs, classCount: 3, topK: 2);
        Assert.AreEqual(4.0 / 6.0, top2.TopKAccuracy, Tol);
        Assert.AreEqual(2, top2.TopKAccuracyForAllK.Count);
    }

    [TestMethod]
    public void TopKZero_IsMlNetDefault_EmptyList()
    {
        var m = MulticlassClassificationMetrics.Evaluate(Labels, Probs, classCount: 3);
        Assert.AreEqual(0, m.TopKPredictionCount);
        Assert.AreEqual(0, m.TopKAccuracyForAllK.Count);
        Assert.AreEqual(0.0, m.TopKAccuracy);
    }

    [TestMethod]
    public void LogLoss_Nats_PerClass_Reduction_HandComputed()
    {
        // -ln of the true-class probability: .7, .4, .5, .2, .25, .3
        double total = -(Ln(0.7f) + Ln(0.4f) + Ln(0.5f) + Ln(0.2f) + Ln(0.25f) + Ln(0.3f));
        var m = MulticlassClassificationMetrics.Evaluate(Labels, Probs, classCount: 3);
        Assert.AreEqual(total / 6, m.LogLoss, 1e-12);
        Assert.AreEqual(1.027636, m.LogLoss, 1e-5); // (0.356675 + 0.916291 + 0.693147 + 1.609438 + 1.386294 + 1.203973)/6 = 6.165818/6
        // per class: mean over that class's rows only
        Assert.AreEqual(-(Ln(0.7f) + Ln(0.3f)) / 2, m.PerClassLogLoss[0], 1e-12);
        Assert.AreEqual(-(Ln(0.4f) + Ln(0.25f)) / 2, m.PerClassLogLoss[1], 1e-12);
        Assert.AreEqual(-(Ln(0.5f) + Ln(0.2f)) / 2, m.PerClassLogLoss[2], 1e-12);
        // prior: 2 of 6 in each class -> entropy ln 3; reduction (ln 3 - LogLoss)/ln 3 (a fraction)
        Assert.AreEqual((Math.Log(3) - (total / 6)) / Math.Log(3), m.LogLossReduction, 1e-9);
    }

    [TestMethod]
    public void LogLoss_ClampsAtEpsilon()
    {
        // true class gets probability 0 -> clamped to (float)1e-15 -> -ln(1e-15) = 15 ln 10 ≈ 34.538776
        var m = MulticlassClassificationMetrics.Evaluate(new float[] { 0 }, new float[] { 0, 1 }, classCount: 2);
        Assert.AreEqual(15 * Math.Log(10), m.LogLoss, 1e-5);
    }

    [TestMethod]
    public void PerfectAndInverse()
    {
        var perfect = MulticlassClassificationMetrics.Evaluate(new float[] { 0, 1, 2 }, new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, 3, topK: 1);
        Assert.AreEqual(1.0, perfect.MicroAccuracy);
        Assert.AreEqual(1.0, perfect.MacroAccuracy);
        Assert.AreEqual(0.0, perfect.LogLoss);
        Assert.AreEqual(1.0, perfect.LogLossReduction, Tol); // (ln 3 - 0)/ln 3
        Assert.AreEqual(1.0, perfect.TopKAccuracy);

        // each example puts all mass on the next class: micro 0, log-loss -ln(1e-15) each, reduction (ln3 - 34.54)/ln3 < 0
        var inverse = MulticlassClassificationMetrics.Evaluate(new float[] { 0, 1, 2 }, new float[] { 0, 1, 0, 0, 0, 1, 1, 0, 0 }, 3);
        Assert.AreEqual(0.0, inverse.MicroAccuracy);
        Assert.AreEqual(0.0, inverse.MacroAccuracy);
        Assert.AreEqual(15 * Math.Log(10), inverse.LogLoss, 1e-5);
        Assert.AreEqual((Math.Log(3) - (15 * Math.Log(10))) / Math.Log(3), inverse.LogLossReduction, 1e-5);
    }

    [TestMethod]
    public void MacroAccuracy_SkipsAbsentClasses()
    {
        // K = 3, labels only 0 and 1. class 0: 2 rows, 1 correct -> 1/2; class 1: 1 row correct -> 1; class 2 absent.
        // macro = (1/2 + 1)/2 = 3/4 (not divided by 3); micro = 2/3
        float[] probs = { 0.6f, 0.3f, 0.1f, 0.1f, 0.2f, 0.7f, 0.2f, 0.5f, 0.3f };
        var m = MulticlassClassificationMetrics.Evaluate(new float[] { 0, 0, 1 }, probs, 3);
        Assert.AreEqual(0.75, m.MacroAccuracy, Tol);
        Assert.AreEqual(2.0 / 3.0, m.MicroAccuracy, Tol);
        Assert.AreEqual(0.0, m.PerClassLogLoss[2]);
        Assert.AreEqual(0.0, m.ConfusionMatrix.PerClassRecall[2]);
    }

    [TestMethod]
    public void Weighted_HandComputed()
    {
        // weights 2,1,1,1,1,1 (total 7): correct rows 0 (w 2) and 2 (w 1) -> micro 3/7
        // class weights 3, 2, 2: recall class 0 = 2/3, class 1 = 0, class 2 = 1/2 -> macro (2/3 + 0 + 1/2)/3 = 7/18
        // ranks 0(w2),1,0,2,2,1 -> top-1 3/7, top-2 5/7, top-3 7/7
        // log-loss: (2·(-ln .7) - ln .4 - ln .5 - ln .2 - ln .25 - ln .3)/7; class 0: (2·(-ln .7) - ln .3)/3
        // prior entropy: -(3/7 ln 3/7 + 2·2/7 ln 2/7)
        float[] weights = { 2, 1, 1, 1, 1, 1 };
        var m = MulticlassClassificationMetrics.Evaluate(Labels, Probs, 3, topK: 3, weights: weights);
        Assert.IsTrue(m.IsWeighted);
        Assert.AreEqual(3.0 / 7.0, m.MicroAccuracy, Tol);
        Assert.AreEqual(7.0 / 18.0, m.MacroAccuracy, Tol);
        Assert.AreEqual(3.0 / 7.0, m.TopKAccuracyForAllK[0], Tol);
        Assert.AreEqual(5.0 / 7.0, m.TopKAccuracyForAllK[1], Tol);
        Assert.AreEqual(1.0, m.TopKAccuracyForAllK[2], Tol);
        double ll = -((2 * Ln(0.7f)) + Ln(0.4f) + Ln(0.5f) + Ln(0.2f) + Ln(0.25f) + Ln(0.3f)) / 7;
        Assert.AreEqual(ll, m.LogLoss, 1e-12);
        Assert.AreEqual(-((2 * Ln(0.7f)) + Ln(0.3f)) / 3, m.PerClassLogLoss[0], 1e-12);
        double h = -(((3.0 / 7) * Math.Log(3.0 / 7)) + (2 * (2.0 / 7) * Math.Log(2.0 / 7)));
        Assert.AreEqual((h - ll) / h, m.LogLossReduction, 1e-9);
        Assert.AreEqual(2.0, m.ConfusionMatrix.Counts[0][0]);
        Assert.IsTrue(m.ConfusionMatrix.IsWeighted);

        var unweighted = MulticlassClassificationMetrics.Evaluate(Labels, Probs, 3);
        Assert.AreEqual(2.0 / 6.0, unweighted.MicroAccuracy, Tol);
    }

    [TestMethod]
    public void SingleClass_MlNetArithmetic()
    {
        // Only class 0 present: prior entropy is -0 in ML.NET's formula (0 / -n), so reduction = (-0 - LL)/(-0) = +∞ when LL > 0
        // and NaN when LL = 0. Micro/macro still defined: row 1 predicts class 0 (0.8 > 0.2), row 0 ties 0.5/0.5 -> first index 0.
        var m = MulticlassClassificationMetrics.Evaluate(new float[] { 0, 0 }, new float[] { 0.5f, 0.5f, 0.8f, 0.2f }, 2);
        Assert.AreEqual(1.0, m.MicroAccuracy);
        Assert.AreEqual(1.0, m.MacroAccuracy);
        Assert.AreEqual(-(Ln(0.5f) + Ln(0.8f)) / 2, m.LogLoss, 1e-12);
        Assert.IsTrue(double.IsPositiveInfinity(m.LogLossReduction));

        var perfect = MulticlassClassificationMetrics.Evaluate(new float[] { 1, 1 }, new float[] { 0, 1, 0, 1 }, 2);
        Assert.AreEqual(0.0, perfect.LogLoss);
        Assert.IsTrue(double.IsNaN(perfect.LogLossReduction));
    }

    [TestMethod]
    public void Empty_ValuesOfMlNetFormulas()
    {
        var m = MulticlassClassificationMetrics.Evaluate(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, 3, topK: 2);
        Assert.AreEqual(0.0, m.MicroAccuracy);
        Assert.AreEqual(0.0, m.MacroAccuracy);
        Assert.AreEqual(0.0, m.LogLoss);
        Assert.IsTrue(double.IsNaN(m.LogLossReduction));
        Assert.IsTrue(double.IsNaN(m.TopKAccuracy)); // 0/0
        CollectionAssert.AreEqual(new[] { 0.0, 0.0, 0.0 }, m.PerClassLogLoss.ToArray());
    }

    [TestMethod]
    public void ToString_ListsMetricsAndConfusionTable()
    {
        string text = MulticlassClassificationMetrics.Evaluate(Labels, Probs, 3, topK: 2).ToString();
        foreach (string name in new[] { "MicroAccuracy", "MacroAccuracy", "LogLoss", "LogLossReduction", "Top2Accuracy", "PerClassLogLoss[2]", "Confusion table", "Precision" })
        {
            Assert.Contains(name, text);
        }

        Assert.Contains("0.333333", text);
        Assert.Contains("0.666667", text);
    }

    [TestMethod]
    public void Validation()
    {
        float[] p2 = { 0.5f, 0.5f, 0.5f, 0.5f };
        MetricsTestUtil.AssertArgument(() => MulticlassClassificationMetrics.Evaluate(new float[] { 0, 1 }, p2, 1), "classCount", "1");
        MetricsTestUtil.AssertArgument(() => MulticlassClassificationMetrics.Evaluate(new float[] { 0, 1 }, p2, 2, topK: 3), "topK", "3");
        MetricsTestUtil.AssertArgument(() => MulticlassClassificationMetrics.Evaluate(new float[] { 0, 1 }, p2, 2, topK: -1), "topK", "-1");
        MetricsTestUtil.AssertArgument(() => MulticlassClassificationMetrics.Evaluate(new float[] { 0, 1 }, new float[] { 0.5f, 0.5f, 0.5f }, 2), "probabilities", "3");
        MetricsTestUtil.AssertArgument(() => MulticlassClassificationMetrics.Evaluate(new float[] { 0, 2 }, p2, 2), "labels", "2");
        MetricsTestUtil.AssertArgument(() => MulticlassClassificationMetrics.Evaluate(new float[] { 0, -1 }, p2, 2), "labels", "-1");
        MetricsTestUtil.AssertArgument(() => MulticlassClassificationMetrics.Evaluate(new float[] { 0, 0.5f }, p2, 2), "labels", "0.5");
        MetricsTestUtil.AssertArgument(() => MulticlassClassificationMetrics.Evaluate(new float[] { float.NaN, 1 }, p2, 2), "labels", "NaN");
        MetricsTestUtil.AssertArgument(() => MulticlassClassificationMetrics.Evaluate(new float[] { 0, 1 }, new float[] { 0.5f, 0.5f, 1.25f, 0 }, 2), "probabilities", "1.25");
        MetricsTestUtil.AssertArgument(() => MulticlassClassificationMetrics.Evaluate(new float[] { 0, 1 }, new float[] { 0.5f, float.NaN, 0.5f, 0.5f }, 2), "probabilities", "NaN");
        MetricsTestUtil.AssertArgument(() => MulticlassClassificationMetrics.Evaluate(new float[] { 0, 1 }, p2, 2, weights: new float[] { 1, -2 }), "weights", "-2");
    }
}
