using System;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Metrics;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>
/// Regression metrics against hand-computed values (ML.NET RegressionEvaluator definitions); every expected value is derived
/// in the comments from the inputs, none is copied from the implementation's output.
/// </summary>
[TestClass]
public sealed class MetricsRegressionTests
{
    private const double Tol = 1e-12;

    [TestMethod]
    public void Unweighted_HandComputed()
    {
        // errors y - ŷ: -0.5, 0, 1, -1          -> |e| sum 2.5, e² sum 0.25 + 0 + 1 + 1 = 2.25
        // MAE = 2.5/4 = 0.625, MSE = 2.25/4 = 0.5625, RMSE = 0.75, squared loss = MSE
        // mean label 2.5, SST = 1.5² + 0.5² + 0.5² + 1.5² = 5  -> R² = 1 - 2.25/5 = 0.55
        var m = RegressionMetrics.Evaluate(new float[] { 1, 2, 3, 4 }, new float[] { 1.5f, 2, 2, 5 });
        Assert.AreEqual(0.625, m.MeanAbsoluteError, Tol);
        Assert.AreEqual(0.5625, m.MeanSquaredError, Tol);
        Assert.AreEqual(0.75, m.RootMeanSquaredError, Tol);
        Assert.AreEqual(0.5625, m.LossFunction, Tol);
        Assert.AreEqual(0.55, m.RSquared, Tol);
        Assert.AreEqual(4, m.ExampleCount);
        Assert.IsFalse(m.IsWeighted);
    }

    [TestMethod]
    public void Weighted_HandComputed()
    {
        // weights 2, 1, 1, 0 (sum 4): Σw|e| = 1 + 0 + 1 + 0 = 2 -> MAE 0.5; Σw e² = 0.5 + 0 + 1 + 0 = 1.5 -> MSE 0.375
        // Σwy = 2 + 2 + 3 = 7, Σwy² = 2 + 4 + 9 = 15, SST = 15 - 49/4 = 2.75 -> R² = 1 - 1.5/2.75 = 5/11
        var m = RegressionMetrics.Evaluate(new float[] { 1, 2, 3, 4 }, new float[] { 1.5f, 2, 2, 5 }, new float[] { 2, 1, 1, 0 });
        Assert.AreEqual(0.5, m.MeanAbsoluteError, Tol);
        Assert.AreEqual(0.375, m.MeanSquaredError, Tol);
        Assert.AreEqual(Math.Sqrt(0.375), m.RootMeanSquaredError, Tol);
        Assert.AreEqual(0.375, m.LossFunction, Tol);
        Assert.AreEqual(5.0 / 11.0, m.RSquared, Tol);
        Assert.IsTrue(m.IsWeighted);
    }

    [TestMethod]
    public void IntegerWeight_EqualsDuplicatedExample()
    {
        float[] y = { 0.5f, -1.25f, 3, 7.5f, 2 };
        float[] s = { 1, -1, 2.5f, 6, 2.25f };
        var weighted = RegressionMetrics.Evaluate(y, s, new float[] { 1, 3, 1, 2, 1 });
        var duplicated = RegressionMetrics.Evaluate(
            new[] { y[0], y[1], y[1], y[1], y[2], y[3], y[3], y[4] },
            new[] { s[0], s[1], s[1], s[1], s[2], s[3], s[3], s[4] });
        Assert.AreEqual(duplicated.MeanAbsoluteError, weighted.MeanAbsoluteError, 1e-12);
        Assert.AreEqual(duplicated.MeanSquaredError, weighted.MeanSquaredError, 1e-12);
        Assert.AreEqual(duplicated.RSquared, weighted.RSquared, 1e-12);
        var unweighted = RegressionMetrics.Evaluate(y, s);
        Assert.AreNotEqual(unweighted.MeanSquaredError, weighted.MeanSquaredError, 1e-6, "the weights must matter");
    }

    [TestMethod]
    public void CustomLoss_IsAveraged()
    {
        // loss(score, label) = |score - label| (a Poisson/absolute-style user loss): average is the MAE, 0.625
        var m = RegressionMetrics.Evaluate(new float[] { 1, 2, 3, 4 }, new float[] { 1.5f, 2, 2, 5 },
            lossFunction: (score, label) => Math.Abs(score - label));
        Assert.AreEqual(0.625, m.LossFunction, Tol);
        Assert.AreEqual(0.5625, m.MeanSquaredError, Tol);
    }

    [TestMethod]
    public void PerfectPrediction()
    {
        var m = RegressionMetrics.Evaluate(new float[] { -1, 0, 2 }, new float[] { -1, 0, 2 });
        Assert.AreEqual(0.0, m.MeanAbsoluteError);
        Assert.AreEqual(0.0, m.RootMeanSquaredError);
        Assert.AreEqual(1.0, m.RSquared);
    }

    [TestMethod]
    public void PredictingTheMean_GivesZeroRSquared_AndWorseGivesNegative()
    {
        // labels 1, 3 (mean 2, SST 2). Predicting 2 for both: SSE 2 -> R² 0. Predicting 3, 1: SSE 8 -> R² = 1 - 4 = -3.
        Assert.AreEqual(0.0, RegressionMetrics.Evaluate(new float[] { 1, 3 }, new float[] { 2, 2 }).RSquared, Tol);
        Assert.AreEqual(-3.0, RegressionMetrics.Evaluate(new float[] { 1, 3 }, new float[] { 3, 1 }).RSquared, Tol);
    }

    [TestMethod]
    public void Degenerate_SingleExampleOrConstantLabel_RSquaredIsNaN()
    {
        // ML.NET RegressionEvaluator.Counters.RSquared: SST == 0 -> NaN (not -Infinity).
        var one = RegressionMetrics.Evaluate(new float[] { 3 }, new float[] { 1 });
        Assert.IsTrue(double.IsNaN(one.RSquared));
        Assert.AreEqual(2.0, one.MeanAbsoluteError);
        var constant = RegressionMetrics.Evaluate(new float[] { 5, 5, 5 }, new float[] { 4, 5, 7 });
        Assert.IsTrue(double.IsNaN(constant.RSquared));
        Assert.AreEqual(5.0 / 3.0, constant.MeanSquaredError, Tol); // (1 + 0 + 4)/3
    }

    [TestMethod]
    public void Degenerate_EmptyOrZeroWeights_AllZero()
    {
        // ML.NET: SumWeights == 0 -> every metric reports 0 (R² included).
        var empty = RegressionMetrics.Evaluate(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty);
        Assert.AreEqual(0.0, empty.MeanAbsoluteError);
        Assert.AreEqual(0.0, empty.RSquared);
        var zero = RegressionMetrics.Evaluate(new float[] { 1, 2 }, new float[] { 3, 5 }, new float[] { 0, 0 });
        Assert.AreEqual(0.0, zero.MeanSquaredError);
        Assert.AreEqual(0.0, zero.RootMeanSquaredError);
        Assert.AreEqual(0.0, zero.RSquared);
    }

    [TestMethod]
    public void ToString_ListsEveryMetric()
    {
        string text = RegressionMetrics.Evaluate(new float[] { 1, 2, 3, 4 }, new float[] { 1.5f, 2, 2, 5 }).ToString();
        foreach (string name in new[] { "MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError", "LossFunction", "RSquared" })
        {
            Assert.Contains(name, text);
        }

        Assert.Contains("0.625000", text);
        Assert.Contains("0.550000", text);
    }

    [TestMethod]
    public void Validation()
    {
        MetricsTestUtil.AssertArgument(() => RegressionMetrics.Evaluate(new float[] { 1, 2 }, new float[] { 1 }), "scores", "1");
        MetricsTestUtil.AssertArgument(() => RegressionMetrics.Evaluate(new float[] { 1, float.NaN }, new float[] { 1, 2 }), "labels", "NaN");
        MetricsTestUtil.AssertArgument(() => RegressionMetrics.Evaluate(new float[] { 1, float.PositiveInfinity }, new float[] { 1, 2 }), "labels", "Infinity");
        MetricsTestUtil.AssertArgument(() => RegressionMetrics.Evaluate(new float[] { 1, 2 }, new float[] { float.NaN, 2 }), "scores", "NaN");
        MetricsTestUtil.AssertArgument(() => RegressionMetrics.Evaluate(new float[] { 1, 2 }, new float[] { 1, 2 }, new float[] { 1 }), "weights", "1");
        MetricsTestUtil.AssertArgument(() => RegressionMetrics.Evaluate(new float[] { 1, 2 }, new float[] { 1, 2 }, new float[] { 1, -0.5f }), "weights", "-0.5");
        MetricsTestUtil.AssertArgument(() => RegressionMetrics.Evaluate(new float[] { 1, 2 }, new float[] { 1, 2 }, new float[] { float.NaN, 1 }), "weights", "NaN");
    }
}

/// <summary>Helpers for the Metrics*Tests classes.</summary>
internal static class MetricsTestUtil
{
    /// <summary>
    /// The call throws an <see cref="ArgumentException"/> (not a subclass such as ArgumentNullException) whose ParamName is
    /// <paramref name="paramName"/> and whose own message names the argument and shows <paramref name="valueText"/>.
    /// </summary>
    internal static void AssertArgument(Action call, string paramName, string valueText)
    {
        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(call);
        Assert.AreEqual(paramName, e.ParamName, "ParamName");
        string own = e.Message;
        int k = own.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (k >= 0)
        {
            own = own[..k];
        }

        Assert.Contains(paramName, own, "the message names the argument");
        Assert.Contains(valueText, own, "the message shows the value received");
    }
}
