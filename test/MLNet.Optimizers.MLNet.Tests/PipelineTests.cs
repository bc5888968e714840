using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.MLNet.Tests;

// Quality and ML.NET integration on real data (samples/data), through ML.NET's own pipelines and evaluators.
// Splits: mlContext.Data.TrainTestSplit(testFraction 0.2, seed 42). Bars are well below what the settings reach
// (reported in README, "ML.NET bridge"), so they catch a broken trainer, not noise.
[TestClass]
public sealed class PipelineTests
{
    [TestMethod]
    public void Binary_Linear_Lion_after_NormalizeMeanVariance_evaluates_with_MLNet()
    {
        var ml = new MLContext(seed: 1);
        var split = ml.Data.TrainTestSplit(SampleData.BreastCancer(ml), 0.2, seed: 42);
        var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.Optimizers().BinaryClassification.Linear(new Lion(5e-3) { WeightDecay = 1.2 }, numberOfEpochs: 40, batchSize: 16));
        var model = pipeline.Fit(split.TrainSet);
        CalibratedBinaryClassificationMetrics m = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet));
        Assert.IsGreaterThanOrEqualTo(0.95, m.Accuracy, $"accuracy {m.Accuracy}");
        Assert.IsGreaterThanOrEqualTo(0.98, m.AreaUnderRocCurve, $"AUC {m.AreaUnderRocCurve}");
        Assert.IsLessThan(0.3, m.LogLoss, $"log loss {m.LogLoss}");
    }

    [TestMethod]
    public void Multiclass_Mlp_after_MapValueToKey_and_NormalizeMinMax_evaluates_with_MLNet()
    {
        var ml = new MLContext(seed: 1);
        var split = ml.Data.TrainTestSplit(SampleData.Wine(ml), 0.2, seed: 42);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Cultivar")
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.Optimizers().MulticlassClassification.Mlp())
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedCultivar", "PredictedLabel"));
        var model = pipeline.Fit(split.TrainSet);
        IDataView scored = model.Transform(split.TestSet);
        MulticlassClassificationMetrics m = ml.MulticlassClassification.Evaluate(scored);
        Assert.IsGreaterThanOrEqualTo(0.9, m.MicroAccuracy, $"accuracy {m.MicroAccuracy}");
        string[] truth = scored.GetColumn<string>("Cultivar").ToArray();
        string[] predicted = scored.GetColumn<string>("PredictedCultivar").ToArray();
        Assert.AreEqual(m.MicroAccuracy, truth.Zip(predicted).Count(p => p.First == p.Second) / (double)truth.Length, 1e-12, "MapKeyToValue after the trainer gives the classes' names");
    }

    [TestMethod]
    public void Regression_Linear_after_OneHot_Concatenate_Normalize_evaluates_with_MLNet()
    {
        var ml = new MLContext(seed: 1);
        var split = ml.Data.TrainTestSplit(SampleData.Diamonds(ml, 6000), 0.2, seed: 42);
        var pipeline = ml.Transforms.Expression("Label", "x => ln(x)", "price")
            .Append(ml.Transforms.Categorical.OneHotEncoding(new[] { new InputOutputColumnPair("cut"), new InputOutputColumnPair("color"), new InputOutputColumnPair("clarity") }))
            .Append(ml.Transforms.Concatenate("Features", "carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z"))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.Optimizers().Regression.Linear(new OptimizerTrainerOptions { Optimizer = new Lion(new CosineDecay(0.02, 20 * 75)), NumberOfEpochs = 20, BatchSize = 64 }));
        var model = pipeline.Fit(split.TrainSet);
        RegressionMetrics m = ml.Regression.Evaluate(model.Transform(split.TestSet));
        Assert.IsGreaterThanOrEqualTo(0.9, m.RSquared, $"R² {m.RSquared}");
    }

    [TestMethod]
    public void Regression_Mlp_with_Adafactor_beats_the_linear_model()
    {
        var ml = new MLContext(seed: 1);
        var split = ml.Data.TrainTestSplit(SampleData.Diamonds(ml, 6000), 0.2, seed: 42);
        var features = ml.Transforms.Expression("Label", "x => ln(x)", "price")
            .Append(ml.Transforms.Categorical.OneHotEncoding(new[] { new InputOutputColumnPair("cut"), new InputOutputColumnPair("color"), new InputOutputColumnPair("clarity") }))
            .Append(ml.Transforms.Concatenate("Features", "carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z"))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"));
        var mlp = features.Append(ml.Optimizers().Regression.Mlp(new MlpTrainerOptions { Optimizer = new Adafactor(0.3), HiddenLayers = new[] { 32 }, Activation = Activation.Sigmoid, NumberOfEpochs = 15, BatchSize = 64 })).Fit(split.TrainSet);
        var linear = features.Append(ml.Optimizers().Regression.Linear(new Adafactor(0.5), numberOfEpochs: 10, batchSize: 64)).Fit(split.TrainSet);
        double rMlp = ml.Regression.Evaluate(mlp.Transform(split.TestSet)).RSquared;
        double rLinear = ml.Regression.Evaluate(linear.Transform(split.TestSet)).RSquared;
        Assert.IsGreaterThanOrEqualTo(0.95, rMlp, $"MLP R² {rMlp}");
        Assert.IsGreaterThan(rLinear, rMlp, $"MLP R² {rMlp} vs linear {rLinear}");
    }

    [TestMethod]
    public void CrossValidate_refits_the_estimator_per_fold()
    {
        var ml = new MLContext(seed: 1);
        var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.Optimizers().BinaryClassification.Linear(new Lion(5e-3) { WeightDecay = 1.2 }, numberOfEpochs: 40, batchSize: 16));
        var folds = ml.BinaryClassification.CrossValidate(SampleData.BreastCancer(ml), pipeline, numberOfFolds: 3, seed: 5);
        Assert.HasCount(3, folds);
        foreach (var f in folds)
        {
            Assert.IsGreaterThanOrEqualTo(0.9, f.Metrics.Accuracy, $"fold {f.Fold}: accuracy {f.Metrics.Accuracy}");
        }

        Assert.AreEqual(3, folds.Select(f => f.Model).Distinct().Count(), "each fold has its own model");
    }

    [TestMethod]
    public void PredictionEngine_matches_batch_scoring_bit_for_bit()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = SampleData.BreastCancer(ml);
        var model = ml.Transforms.NormalizeMinMax("Features")
            .Append(ml.Optimizers().BinaryClassification.Linear(new Lion(1e-3), numberOfEpochs: 5))
            .Fit(data);
        IDataView scored = model.Transform(data);
        float[] scores = TestData.Floats(scored, "Score");
        float[] probabilities = TestData.Floats(scored, "Probability");
        bool[] labels = scored.GetColumn<bool>("PredictedLabel").ToArray();
        BreastCancerRow[] rows = ml.Data.CreateEnumerable<BreastCancerRow>(data, reuseRowObject: false).ToArray();
        var engine = ml.Model.CreatePredictionEngine<BreastCancerRow, BinaryPrediction>(model);
        for (int i = 0; i < rows.Length; i++)
        {
            BinaryPrediction p = engine.Predict(rows[i]);
            Assert.AreEqual(BitConverter.SingleToInt32Bits(scores[i]), BitConverter.SingleToInt32Bits(p.Score), $"row {i} score");
            Assert.AreEqual(BitConverter.SingleToInt32Bits(probabilities[i]), BitConverter.SingleToInt32Bits(p.Probability), $"row {i} probability");
            Assert.AreEqual(labels[i], p.PredictedLabel, $"row {i} label");
            Assert.AreEqual(p.Score > 0, p.PredictedLabel, $"row {i}: the threshold is 0 on the score");
            Assert.AreEqual(1 / (1 + Math.Exp(-p.Score)), p.Probability, 1e-6, $"row {i}: the probability is the logistic function of the score");
        }
    }

    public sealed class BreastCancerRow
    {
        [VectorType(30)]
        public float[] Features { get; set; } = Array.Empty<float>();

        public bool Label { get; set; }
    }

    public sealed class BinaryPrediction
    {
        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }
}
