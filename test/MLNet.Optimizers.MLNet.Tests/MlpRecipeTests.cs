using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet.Tests;

/// <summary>The recommended MLP's pieces as trainer options (issue 14): defaults, the step budget, the learning-rate curve, validation.</summary>
[TestClass]
public sealed class MlpRecipeTests
{
    [TestMethod]
    public void The_no_argument_options_are_the_documented_recipe()
    {
        var o = new MlpTrainerOptions();
        CollectionAssert.AreEqual(new[] { 128, 64 }, o.HiddenLayers.ToArray());
        Assert.AreEqual(TrainingDefaults.MlpBatchSize, o.BatchSize);
        Assert.AreEqual(NumericEncodingDefaults.RobustScaling, o.RobustScaling);
        Assert.AreEqual(NumericEncodingDefaults.SmoothClip, o.SmoothClip);
        Assert.AreEqual(NumericEncodingDefaults.PiecewiseLinearBins, o.PiecewiseLinearBins);
        Assert.AreEqual(TrainingDefaults.LabelSmoothing, o.LabelSmoothing);
        Assert.AreEqual(LearningRateCurve.WarmupCosine, o.LearningRateCurve);
        Assert.AreEqual(TrainingDefaults.WarmupFraction, o.WarmupFraction);
        Assert.AreEqual(TrainingDefaults.MaxSteps, o.MaxSteps);
        Assert.AreEqual(1, o.EnsembleSize);

        // No optimizer given: the recommended MLP's Lion, weight decay on every parameter.
        Optimizer lion = o.CreateOptimizer();
        Assert.IsInstanceOfType<Lion>(lion);
        Assert.AreEqual((float)LionDefaults.RecommendedMlpLearningRate, lion.LearningRate.ConstantValue);
        Assert.AreEqual(LionDefaults.RecommendedMlpWeightDecay, lion.WeightDecay);
        Assert.AreEqual(0, lion.ExcludedNamePatterns.Count);
        Assert.AreEqual(TrainingDefaults.MlpGlobalClipNorm, lion.GlobalClipNorm);

        // The linear trainers keep the general defaults.
        Assert.AreEqual((float)LionDefaults.RecommendedLearningRate, new OptimizerTrainerOptions().CreateOptimizer().LearningRate.ConstantValue);
        Assert.AreEqual(TrainingDefaults.BatchSize, new OptimizerTrainerOptions().BatchSize);

        MlpTrainerOptions copy = (MlpTrainerOptions)new MlpTrainerOptions { LabelSmoothing = 0.2, PiecewiseLinearBins = 4, EnsembleSize = 3, MaxSteps = 7, WarmupFraction = 0.1, LearningRateCurve = LearningRateCurve.Constant, SmoothClip = 2, RobustScaling = false }.Clone();
        Assert.AreEqual((0.2, 4, 3, 7L, 0.1, LearningRateCurve.Constant, 2.0, false), (copy.LabelSmoothing, copy.PiecewiseLinearBins, copy.EnsembleSize, copy.MaxSteps!.Value, copy.WarmupFraction, copy.LearningRateCurve, copy.SmoothClip, copy.RobustScaling), "Clone copies every recipe option");
    }

    [TestMethod]
    [DataRow(2, 20L, 2, DisplayName = "the budget allows more epochs than asked: NumberOfEpochs")]
    [DataRow(50, 20L, 3, DisplayName = "20 steps at 7 per epoch: 3 epochs")]
    [DataRow(50, 1L, 1, DisplayName = "a budget below one epoch: one epoch")]
    [DataRow(5, null, 5, DisplayName = "no budget: NumberOfEpochs")]
    public void The_step_budget_cuts_the_epochs(int epochs, long? maxSteps, int expected)
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.TakeRows(NativeModelTests.Prepared(ml, "binary"), 400);
        OptimizerTrainingReport? report = null;
        var o = new MlpTrainerOptions { HiddenLayers = new[] { 4 }, NumberOfEpochs = epochs, MaxSteps = maxSteps, SelectionFraction = 0, TrainingCompleted = r => report = r };
        ml.Optimizers().BinaryClassification.Mlp(o).Fit(data);
        Assert.AreEqual(expected, report!.EpochsRun, "400 rows, batch 64: 7 steps per epoch");
    }

    [TestMethod]
    public void The_warmup_cosine_curve_shapes_a_constant_rate_and_leaves_a_schedule_alone()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.TakeRows(NativeModelTests.Prepared(ml, "binary"), 300);
        float[] Scores(Optimizer optimizer, LearningRateCurve curve)
        {
            var o = new MlpTrainerOptions { Optimizer = optimizer, HiddenLayers = new[] { 6 }, NumberOfEpochs = 3, SelectionFraction = 0, LearningRateCurve = curve };
            return TestData.Floats(ml.Optimizers().BinaryClassification.Mlp(o).Fit(data).Transform(data), "Score");
        }

        float[] constant = Scores(new Lion(1e-3), LearningRateCurve.Constant);
        float[] shaped = Scores(new Lion(1e-3), LearningRateCurve.WarmupCosine);
        Assert.IsFalse(constant.SequenceEqual(shaped), "a constant rate is reshaped: another model");

        // An optimizer with its own schedule trains the same bits under either curve.
        TestData.AssertBitsEqual(Scores(new Lion(new ExponentialDecay(1e-3, 10, 0.9)), LearningRateCurve.Constant), Scores(new Lion(new ExponentialDecay(1e-3, 10, 0.9)), LearningRateCurve.WarmupCosine), "a schedule is kept");
    }

    [TestMethod]
    public void The_recipe_is_deterministic_with_every_piece_on()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = NativeModelTests.Prepared(ml, "multiclass");
        float[] Run() => TestData.Vectors(ml.Optimizers().MulticlassClassification.Mlp(new MlpTrainerOptions { HiddenLayers = new[] { 8, 8 }, EnsembleSize = 2, NumberOfEpochs = 4 }).Fit(data).Transform(data), "Score").SelectMany(v => v).ToArray();
        TestData.AssertBitsEqual(Run(), Run(), "same seed, same bits");
    }

    public static IEnumerable<object[]> BadOptions()
    {
        yield return new object[] { "LabelSmoothing", (Action<MlpTrainerOptions>)(o => o.LabelSmoothing = -0.1) };
        yield return new object[] { "LabelSmoothing", (Action<MlpTrainerOptions>)(o => o.LabelSmoothing = 1) };
        yield return new object[] { "WarmupFraction", (Action<MlpTrainerOptions>)(o => o.WarmupFraction = 1) };
        yield return new object[] { "MaxSteps", (Action<MlpTrainerOptions>)(o => o.MaxSteps = 0) };
        yield return new object[] { "EnsembleSize", (Action<MlpTrainerOptions>)(o => o.EnsembleSize = 0) };
        yield return new object[] { "EnsembleSize", (Action<MlpTrainerOptions>)(o => o.EnsembleSize = 65) };
        yield return new object[] { "PiecewiseLinearBins", (Action<MlpTrainerOptions>)(o => o.PiecewiseLinearBins = 1) };
        yield return new object[] { "SmoothClip", (Action<MlpTrainerOptions>)(o => o.SmoothClip = -1) };
        yield return new object[] { "LearningRateCurve", (Action<MlpTrainerOptions>)(o => o.LearningRateCurve = (LearningRateCurve)7) };
    }

    public static string BadOptionName(System.Reflection.MethodInfo method, object[] data) => $"bad {data[0]} is rejected, naming it";

    [TestMethod]
    [DynamicData(nameof(BadOptions), DynamicDataDisplayName = nameof(BadOptionName))]
    public void Bad_recipe_options_throw_naming_the_option(string name, Action<MlpTrainerOptions> set)
    {
        var o = new MlpTrainerOptions();
        set(o);
        var ml = new MLContext(seed: 1);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Optimizers().BinaryClassification.Mlp(o));
        Assert.AreEqual(name, e.ParamName);
    }
}
