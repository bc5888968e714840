using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.MLNet.Evaluation;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.MLNet.Tests;

// Every metric finite or n/a with the reason; a single class said in one line.
[TestClass]
public sealed class EvaluationTests
{
    [TestMethod]
    public void A_confident_mistake_gives_a_finite_clamped_log_loss_where_MLNet_gives_infinity()
    {
        var ml = new MLContext(seed: 1);
        IDataView scored = ml.Data.LoadFromEnumerable(new[]
        {
            new BinaryRow { Label = true, Score = -200, Probability = 0, PredictedLabel = false },
            new BinaryRow { Label = true, Score = 3, Probability = 0.95f, PredictedLabel = true },
            new BinaryRow { Label = false, Score = -3, Probability = 0.05f, PredictedLabel = false },
            new BinaryRow { Label = false, Score = -2, Probability = 0.1f, PredictedLabel = false },
        });
        Assert.IsTrue(double.IsPositiveInfinity(ml.BinaryClassification.Evaluate(scored).LogLoss), "ML.NET's binary evaluator does not clamp");
        EvaluationReport r = ModelEvaluation.Evaluate(ml, scored, TaskKind.BinaryClassification);
        double expected = (-Math.Log2(1e-15) - Math.Log2(0.95f) - Math.Log2(1 - 0.05f) - Math.Log2(1 - 0.1f)) / 4;
        Assert.AreEqual(expected, r["log_loss"].Value!.Value, 1e-6);
        Assert.AreEqual("bits", r["log_loss"].Unit);
        Assert.IsTrue(r.Metrics.All(m => m.Value is double v ? double.IsFinite(v) : m.Reason != null), "finite or n/a with a reason");
        Assert.AreEqual(0.75, r.Primary.Value);
        Assert.AreEqual(ml.BinaryClassification.Evaluate(scored).AreaUnderRocCurve, r["auc"].Value, "other metrics are ML.NET's");
        Assert.IsEmpty(r.Notes);
    }

    [TestMethod]
    public void A_single_class_is_said_in_one_line_and_its_undefined_metrics_are_na()
    {
        var ml = new MLContext(seed: 1);
        Recipe recipe = Recipe.Parse(RecipeTests.BreastCancerJson);
        IDataView all = recipe.LoadData(ml, SampleData.PathOf("breast_cancer.csv"));
        ITransformer model = recipe.Fit(ml, all).Model;
        IDataView malignant = ml.Data.FilterByCustomPredicate<DiagnosisRow>(all, r => r.diagnosis != "malignant");
        EvaluationReport r = ModelEvaluation.Evaluate(ml, model.Transform(malignant), recipe);
        Assert.HasCount(1, r.Notes);
        StringAssert.Contains(r.Notes[0], "single class");
        Assert.IsNull(r["auc"].Value);
        StringAssert.Contains(r["auc"].Display(), "n/a (a single class in these rows (all true))");
        Assert.IsNull(r["log_loss_reduction"].Value);
        Assert.IsNull(r["negative_recall"].Value, "no row is false");
        Assert.IsGreaterThan(0.8, r["accuracy"].Value!.Value);
        Assert.IsTrue(r.Metrics.All(m => m.Value is double v ? double.IsFinite(v) : m.Reason != null));

        Recipe iris = Recipe.Parse(RecipeTests.IrisJson);
        IDataView irisData = iris.LoadData(ml, SampleData.PathOf("iris.csv"));
        ITransformer irisModel = iris.Fit(ml, irisData).Model;
        IDataView setosa = ml.Data.FilterByCustomPredicate<SpeciesRow>(irisData, r => r.species != "setosa");
        EvaluationReport m = ModelEvaluation.Evaluate(ml, irisModel.Transform(setosa), iris);
        StringAssert.Contains(m.Notes.Single(), "single class");
        Assert.IsNull(m["log_loss_reduction"].Value);
        Assert.AreEqual("nats", m["log_loss"].Unit);
        Assert.IsTrue(m.Metrics.All(x => x.Value is double v ? double.IsFinite(v) : x.Reason != null));
    }

    [TestMethod]
    public void A_constant_regression_label_makes_R2_na()
    {
        var ml = new MLContext(seed: 1);
        IDataView scored = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 5).Select(i => new RegressionRow { Label = 2, Score = 2 + (0.1f * i) }));
        EvaluationReport r = ModelEvaluation.Evaluate(ml, scored, TaskKind.Regression);
        Assert.IsNull(r["r_squared"].Value);
        StringAssert.Contains(r["r_squared"].Reason!, "single value");
        Assert.AreEqual(ml.Regression.Evaluate(scored).RootMeanSquaredError, r["rmse"].Value);
        Assert.HasCount(1, r.Notes);
    }

    public sealed class BinaryRow
    {
        public bool Label { get; set; }

        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }

    public sealed class RegressionRow
    {
        public float Label { get; set; }

        public float Score { get; set; }
    }

    public sealed class DiagnosisRow
    {
        public string diagnosis { get; set; } = string.Empty;
    }

    public sealed class SpeciesRow
    {
        public string species { get; set; } = string.Empty;
    }
}
