using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.AutoML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Tuning;
using MlParameter = Microsoft.ML.SearchSpace.Parameter;

namespace MLNet.Optimizers.MLNet.AutoML.Tests;

[TestClass]
public sealed class SweepableEstimatorTests
{
    public static IEnumerable<object[]> OptimizerByTask()
    {
        var spaces = new (string Name, Func<OptimizerSearchSpace> Make)[]
        {
            ("Lion", () => new LionSearchSpace()),
            ("Adafactor", () => new AdafactorSearchSpace()),
            ("AdamW", () => new AdamWSearchSpace()),
            ("SGD", () => new SgdSearchSpace()),
        };
        foreach (TaskKind task in Enum.GetValues<TaskKind>())
        {
            foreach (var (name, make) in spaces)
            {
                yield return new object[] { name, task, make() };
            }
        }
    }

    public static string Name(MethodInfo method, object[] data) => $"{method.Name}({data[0]}, {data[1]})";

    [TestMethod]
    [DynamicData(nameof(OptimizerByTask), DynamicDataDisplayName = nameof(Name))]
    public void DefaultParameterBuildsATrainerThatLearns(string name, TaskKind task, OptimizerSearchSpace space)
    {
        var ml = new MLContext(seed: 1);
        OptimizerSweepableEstimator sweepable = Sweepable(ml, task, space, null);

        // The default parameter: every range at its default, so one hidden layer of 64 ReLU units.
        MlParameter parameter = sweepable.SearchSpace.SampleFromFeatureSpace(sweepable.SearchSpace.Default);
        Assert.IsTrue(JsonNode.DeepEquals(space.DefaultPoint(), space.Canonicalize(sweepable.ReadOptimizerPoint(parameter))), name);
        Assert.AreEqual(1, sweepable.ReadModelPoint(parameter)["hidden_depth"]!.GetValue<int>());
        IEstimator<ITransformer> estimator = sweepable.BuildFromOption(ml, parameter);
        Assert.IsInstanceOfType<OptimizerMlpTrainer>(estimator);
        Assert.AreEqual(task, ((OptimizerMlpTrainer)estimator).Task);

        // The defaults are cautious (Adafactor's relative step barely moves in 20 epochs); high in the learning rate
        // range every optimizer must fit the data clearly better than a constant prediction.
        AssertLearns(ml, task, sweepable.BuildFromOption(ml, WithHighLearningRate(space, parameter, 0.8)), name);
    }

    [TestMethod]
    [DataRow(TaskKind.Regression, typeof(OptimizerRegressionTrainer), DisplayName = "Regression")]
    [DataRow(TaskKind.BinaryClassification, typeof(OptimizerBinaryTrainer), DisplayName = "BinaryClassification")]
    [DataRow(TaskKind.MulticlassClassification, typeof(OptimizerMulticlassTrainer), DisplayName = "MulticlassClassification")]
    public void DepthZeroBuildsTheLinearTrainer(TaskKind task, Type expected)
    {
        var ml = new MLContext(seed: 1);
        OptimizerSweepableEstimator sweepable = Sweepable(ml, task, new LionSearchSpace(), new ModelSearchSpace
        {
            Activation = new ChoiceRange("activation", new[] { "relu", "tanh" }, "relu"),
            HiddenDepth = new IntegerRange("hidden_depth", 0, 2, 0),
        });
        MlParameter parameter = sweepable.SearchSpace.SampleFromFeatureSpace(sweepable.SearchSpace.Default);
        Assert.AreEqual(0, sweepable.ReadModelPoint(parameter)["hidden_depth"]!.GetValue<int>());
        IEstimator<ITransformer> estimator = sweepable.BuildFromOption(ml, parameter);
        Assert.IsInstanceOfType(estimator, expected);
        AssertLearns(ml, task, sweepable.BuildFromOption(ml, WithHighLearningRate(sweepable.OptimizerSpace, parameter, 1.0)), task.ToString());
    }

    [TestMethod]
    public void LinearModelSpaceSearchesOnlyTheBatchSize()
    {
        var ml = new MLContext(seed: 1);
        OptimizerSweepableEstimator sweepable = ml.Auto().Optimizers().BinaryClassification(new SgdSearchSpace(), OptimizerSweepableCatalog.LinearModelSpace);
        for (int k = 0; k < 5; k++)
        {
            MlParameter p = sweepable.SearchSpace.SampleFromFeatureSpace(Enumerable.Repeat((k + 0.5) / 5, sweepable.SearchSpace.FeatureSpaceDim).ToArray());
            CollectionAssert.AreEqual(new[] { "batch_size" }, sweepable.ReadModelPoint(p).Select(kv => kv.Key).ToArray());
            Assert.IsInstanceOfType<OptimizerBinaryTrainer>(sweepable.BuildFromOption(ml, p));
        }
    }

    [TestMethod]
    public void SampledParametersReachTheTrainer()
    {
        var ml = new MLContext(seed: 1);
        OptimizerSweepableEstimator sweepable = ml.Auto().Optimizers().MulticlassClassification(new AdamWSearchSpace(), OptimizerSweepableCatalog.DefaultModelSpace, new OptimizerSweepableOptions { NumberOfEpochs = 3 });
        IDataView data = TestData.Wine(ml);

        // The same sampled parameter twice gives the same model bit for bit; another parameter gives another model.
        double[] feature = Enumerable.Range(0, sweepable.SearchSpace.FeatureSpaceDim).Select(i => 0.2 + (0.6 * i / sweepable.SearchSpace.FeatureSpaceDim)).ToArray();
        MlParameter p = sweepable.SearchSpace.SampleFromFeatureSpace(feature);
        MlParameter q = sweepable.SearchSpace.SampleFromFeatureSpace(feature.Select(x => 1 - x).ToArray());
        float[] a = Scores(ml, sweepable.BuildFromOption(ml, p), data);
        float[] b = Scores(ml, sweepable.BuildFromOption(ml, p), data);
        float[] c = Scores(ml, sweepable.BuildFromOption(ml, q), data);
        CollectionAssert.AreEqual(a, b, "same parameter, same model");
        CollectionAssert.AreNotEqual(a, c, "another parameter, another model");
    }

    [TestMethod]
    public void GeluIsRejectedWithTheBridgeActivations()
    {
        var ml = new MLContext();
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Auto().Optimizers().Regression(new LionSearchSpace(), new ModelSearchSpace()));
        StringAssert.Contains(e.Message, "'gelu'");
        StringAssert.Contains(e.Message, "relu, tanh, sigmoid");
    }

    [TestMethod]
    public void AKeyTheOptimizerDoesNotHaveIsRejectedWithItsJsonPath()
    {
        var ml = new MLContext();
        var e = Assert.ThrowsExactly<OptimizerConfigException>(() => ml.Auto().Optimizers().BinaryClassification(new LionSearchSpace { Beta1 = new FloatRange("momentum", 0.0, 0.9, 0.5) }));
        StringAssert.Contains(e.Message, "$.config.momentum");
    }

    [TestMethod]
    public void ADefaultTheOptimizerRejectsIsRejected()
    {
        var ml = new MLContext();
        var e = Assert.ThrowsExactly<OptimizerConfigException>(() => ml.Auto().Optimizers().BinaryClassification(new AdamWSearchSpace { Beta1 = new FloatRange("beta_1", 0.5, 1.5, 1.2) }));
        StringAssert.Contains(e.Message, "beta_1");
    }

    [TestMethod]
    public void ARepeatedRangeNameIsRejected()
    {
        var ml = new MLContext();
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Auto().Optimizers().Regression(new SgdSearchSpace { Momentum = new FloatRange("learning_rate", 0.01, 0.1, 0.05) }));
        StringAssert.Contains(e.Message, "'learning_rate' twice");
    }

    [TestMethod]
    public void AOneUnitLayerIsRejected()
    {
        var ml = new MLContext();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Auto().Optimizers().Regression(new SgdSearchSpace(), new ModelSearchSpace { Activation = null, HiddenWidth = new IntegerRange("hidden_width", 1, 8, 4) }));
        StringAssert.Contains(e.Message, "hidden_width");
        Assert.AreEqual(1, e.ActualValue);
    }

    [TestMethod]
    public void BadFixedSettingsAreRejected()
    {
        var ml = new MLContext();
        var epochs = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Auto().Optimizers().Regression(new SgdSearchSpace(), null, new OptimizerSweepableOptions { NumberOfEpochs = 0 }));
        Assert.AreEqual("NumberOfEpochs", epochs.ParamName);
        var label = Assert.ThrowsExactly<ArgumentException>(() => ml.Auto().Optimizers().Regression(new SgdSearchSpace(), null, new OptimizerSweepableOptions { LabelColumnName = " " }));
        Assert.AreEqual("LabelColumnName", label.ParamName);
    }

    [TestMethod]
    public void AParameterFromAnotherSpaceIsRejected()
    {
        var ml = new MLContext();
        OptimizerSweepableEstimator adafactor = ml.Auto().Optimizers().Regression(new AdafactorSearchSpace());
        OptimizerSweepableEstimator sgd = ml.Auto().Optimizers().Regression(new SgdSearchSpace());
        MlParameter p = sgd.SearchSpace.SampleFromFeatureSpace(sgd.SearchSpace.Default);
        var e = Assert.ThrowsExactly<ArgumentException>(() => adafactor.BuildFromOption(ml, p));
        StringAssert.Contains(e.Message, "'beta_2_decay'");
        var flat = Assert.ThrowsExactly<ArgumentException>(() => adafactor.BuildFromOption(ml, p["optimizer"]));
        StringAssert.Contains(flat.Message, "'optimizer'");
    }

    private static OptimizerSweepableEstimator Sweepable(MLContext ml, TaskKind task, OptimizerSearchSpace space, ModelSearchSpace? model)
    {
        var options = new OptimizerSweepableOptions { NumberOfEpochs = 20 };
        OptimizerSweepableCatalog catalog = ml.Auto().Optimizers();
        return task switch
        {
            TaskKind.Regression => catalog.Regression(space, model, options),
            TaskKind.BinaryClassification => catalog.BinaryClassification(space, model, options),
            _ => catalog.MulticlassClassification(space, model, options),
        };
    }

    // The learning rate at a fraction of its (log) range; at 0.8: SGD 0.096, Lion 0.001, AdamW 0.004, Adafactor 0.025.
    private static MlParameter WithHighLearningRate(OptimizerSearchSpace space, MlParameter parameter, double fraction)
    {
        FloatRange lr = space.Ranges.OfType<FloatRange>().Single(r => r.Name == "learning_rate");
        parameter[OptimizerSweepableEstimator.OptimizerKey]["learning_rate"] = MlParameter.FromDouble(lr.Min * Math.Pow(lr.Max / lr.Min, fraction));
        return parameter;
    }

    private static void AssertLearns(MLContext ml, TaskKind task, IEstimator<ITransformer> estimator, string what)
    {
        switch (task)
        {
            // Constant predictions: R² 0; accuracy 0.63 on breast_cancer and 0.40 on wine (the majority class).
            case TaskKind.Regression:
            {
                IDataView data = TestData.Diamonds(ml);
                RegressionMetrics m = ml.Regression.Evaluate(estimator.Fit(data).Transform(data));
                Assert.IsGreaterThan(0.3, m.RSquared, $"{what}: R² {m.RSquared}");
                break;
            }

            case TaskKind.BinaryClassification:
            {
                IDataView data = TestData.BreastCancer(ml);
                BinaryClassificationMetrics m = ml.BinaryClassification.Evaluate(estimator.Fit(data).Transform(data));
                Assert.IsGreaterThan(0.8, m.Accuracy, $"{what}: accuracy {m.Accuracy}");
                break;
            }

            default:
            {
                IDataView data = TestData.Wine(ml);
                MulticlassClassificationMetrics m = ml.MulticlassClassification.Evaluate(estimator.Fit(data).Transform(data));
                Assert.IsGreaterThan(0.7, m.MicroAccuracy, $"{what}: accuracy {m.MicroAccuracy}");
                break;
            }
        }
    }

    private static float[] Scores(MLContext ml, IEstimator<ITransformer> estimator, IDataView data)
        => estimator.Fit(data).Transform(data).GetColumn<float[]>("Score").SelectMany(s => s).ToArray();
}
