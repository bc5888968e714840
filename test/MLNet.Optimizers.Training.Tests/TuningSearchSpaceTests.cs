using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Tuning;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>Search ranges, optimizer and model search spaces, and the successive-halving schedule.</summary>
[TestClass]
public sealed class TuningSearchSpaceTests
{
    public static IEnumerable<object[]> Spaces() => new[]
    {
        new object[] { "Lion", new LionSearchSpace() },
        new object[] { "Adafactor", new AdafactorSearchSpace() },
        new object[] { "AdamW", new AdamWSearchSpace() },
        new object[] { "SGD", new SgdSearchSpace() },
    };

    public static string SpaceName(System.Reflection.MethodInfo method, object[] data) => $"{method.Name}({data[0]})";

    [TestMethod]
    [DynamicData(nameof(Spaces), DynamicDataDisplayName = nameof(SpaceName))]
    public void DefaultPointIsTheKerasDefaultOptimizer(string className, OptimizerSearchSpace space)
    {
        space.Validate();
        Assert.AreEqual(className, space.ClassName);
        Optimizer built = space.CreateOptimizer(space.DefaultPoint());
        Assert.AreEqual(className, built.ClassName);
        JsonObject keras = KerasConfig.DeserializeOptimizer(space.CreateSerializedOptimizer(new JsonObject())).GetConfig();
        JsonObject config = built.GetConfig();
        foreach (SearchRange range in space.Ranges)
        {
            Assert.AreEqual(space.DefaultPoint()[range.Name]!.ToJsonString(), config[range.Name]!.ToJsonString(), range.Name);
            Assert.AreEqual(range.DefaultValue.GetValue<double>(), config[range.Name]!.GetValue<double>(), Math.Abs(range.DefaultValue.GetValue<double>()) * 1e-7, range.Name);
            if (range.Name != "weight_decay")
            {
                // Every default except Lion's weight decay (Keras has none) is the optimizer's own Keras default.
                Assert.AreEqual(keras[range.Name]!.ToJsonString(), config[range.Name]!.ToJsonString(), range.Name);
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(Spaces), DynamicDataDisplayName = nameof(SpaceName))]
    public void SamplesStayInRangeAndBuildValidOptimizers(string className, OptimizerSearchSpace space)
    {
        var random = new DeterministicRandom(7);
        for (int i = 0; i < 200; i++)
        {
            JsonObject point = space.Sample(random);
            foreach (SearchRange range in space.Ranges)
            {
                double v = point[range.Name]!.GetValue<double>();
                var fr = (FloatRange)range;
                Assert.IsTrue(v >= fr.Min && v <= fr.Max, $"{className}.{range.Name} = {v} outside [{fr.Min}, {fr.Max}]");
            }

            JsonObject config = space.CreateOptimizer(point).GetConfig();
            foreach (SearchRange range in space.Ranges)
            {
                Assert.AreEqual(point[range.Name]!.GetValue<double>(), config[range.Name]!.GetValue<double>(), $"a sampled point is canonical: {range.Name}");
            }

            Assert.AreEqual((double)(float)point["learning_rate"]!.GetValue<double>(), point["learning_rate"]!.GetValue<double>(), "learning rate held as float32");
        }
    }

    [TestMethod]
    public void LionSpaceEncodesTheAdamWGuidance()
    {
        var adamW = new AdamWSearchSpace
        {
            LearningRate = new FloatRange("learning_rate", 1e-3, 3e-2, 3e-3, SearchScale.Log),
            WeightDecay = new FloatRange("weight_decay", 1e-3, 1e-2, 2e-3, SearchScale.Log),
        };
        LionSearchSpace lion = LionSearchSpace.FromAdamW(adamW);
        Assert.AreEqual(1e-3 / 10, lion.LearningRate.Min, 1e-18, "lr 10x smaller at the low end");
        Assert.AreEqual(3e-2 / 3, lion.LearningRate.Max, 1e-15, "lr 3x smaller at the high end");
        Assert.AreEqual(1e-3 * 3, lion.WeightDecay!.Min, 1e-15, "wd 3x larger at the low end");
        Assert.AreEqual(1e-2 * 10, lion.WeightDecay.Max, 1e-15, "wd 10x larger at the high end");
        Assert.AreEqual(SearchScale.Log, lion.LearningRate.Scale);

        var defaults = new LionSearchSpace();
        var defaultAdamW = new AdamWSearchSpace();
        Assert.AreEqual(defaultAdamW.LearningRate.Min / 10, defaults.LearningRate.Min, 1e-18);
        Assert.AreEqual(defaultAdamW.WeightDecay!.Max * 10, defaults.WeightDecay!.Max, 1e-12);
        Assert.AreEqual(LionDefaults.LearningRate, defaults.LearningRate.Default);
    }

    [TestMethod]
    public void SameSeedSameSamplesDifferentSeedDifferent()
    {
        var space = new LionSearchSpace();
        string a = Draw(space, 11);
        string b = Draw(space, 11);
        string c = Draw(space, 12);
        Assert.AreEqual(a, b);
        Assert.AreNotEqual(a, c);

        static string Draw(OptimizerSearchSpace s, ulong seed)
        {
            var r = new DeterministicRandom(seed);
            return string.Join(";", Enumerable.Range(0, 10).Select(_ => s.Sample(r).ToJsonString()));
        }
    }

    [TestMethod]
    public void LogScaleSpreadsOverDecades()
    {
        var range = new FloatRange("learning_rate", 1e-5, 1e-1, 1e-3, SearchScale.Log);
        var random = new DeterministicRandom(3);
        int[] perDecade = new int[4];
        for (int i = 0; i < 4000; i++)
        {
            double v = range.SampleValue(random);
            perDecade[Math.Clamp((int)Math.Floor(Math.Log10(v) + 5), 0, 3)]++;
        }

        foreach (int n in perDecade)
        {
            Assert.IsTrue(n > 850 && n < 1150, $"each decade should get about 1000 of 4000 draws, got [{string.Join(", ", perDecade)}]");
        }
    }

    [TestMethod]
    public void IntegerRangesCoverBothEnds()
    {
        var linear = new IntegerRange("hidden_depth", 0, 3, 1);
        var log = new IntegerRange("batch_size", 16, 256, 32, SearchScale.Log);
        var random = new DeterministicRandom(5);
        var seenLinear = new HashSet<int>();
        int lo = int.MaxValue, hi = int.MinValue;
        for (int i = 0; i < 2000; i++)
        {
            seenLinear.Add(linear.SampleValue(random));
            int b = log.SampleValue(random);
            lo = Math.Min(lo, b);
            hi = Math.Max(hi, b);
        }

        CollectionAssert.AreEquivalent(new[] { 0, 1, 2, 3 }, seenLinear.ToArray());
        Assert.IsTrue(lo >= 16 && lo < 18 && hi <= 256 && hi > 240, $"log range drew [{lo}, {hi}]");
    }

    [TestMethod]
    [DataRow("reversed bounds", "max", "0.0001", DisplayName = "reversed bounds")]
    [DataRow("log from zero", "min", "got 0", DisplayName = "log range starting at 0")]
    [DataRow("default outside", "defaultValue", "0.95", DisplayName = "default outside the range")]
    [DataRow("NaN bound", "min", "NaN", DisplayName = "NaN bound")]
    public void InvalidFloatRangesFailNamingTheArgument(string @case, string parameter, string valueText)
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _ = @case switch
        {
            "reversed bounds" => new FloatRange("learning_rate", 1e-2, 1e-4, 1e-3, SearchScale.Log),
            "log from zero" => new FloatRange("weight_decay", 0, 1, 0.1, SearchScale.Log),
            "default outside" => new FloatRange("beta_1", 0.8, 0.9, 0.95),
            _ => new FloatRange("beta_1", double.NaN, 0.9, 0.85),
        });
        Assert.AreEqual(parameter, ex.ParamName);
        StringAssert.Contains(ex.Message, valueText);
    }

    [TestMethod]
    public void InvalidChoicesAndSpacesFail()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new ChoiceRange("activation", Array.Empty<string>(), "relu"));
        Assert.ThrowsExactly<ArgumentException>(() => new ChoiceRange("activation", new[] { "relu", "relu" }, "relu"));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new ChoiceRange("activation", new[] { "relu", "tanh" }, "gelu"));
        StringAssert.Contains(ex.Message, "gelu");

        var duplicate = new LionSearchSpace { Beta1 = new FloatRange("learning_rate", 0.8, 0.9, 0.85) };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(duplicate.Validate).Message, "'learning_rate' twice");

        var badKey = new SgdSearchSpace { Momentum = new FloatRange("beta_1", 0.8, 0.9, 0.85) };
        var config = Assert.ThrowsExactly<OptimizerConfigException>(badKey.Validate);
        StringAssert.Contains(config.Message, "beta_1");

        var badValue = new LionSearchSpace { Beta1 = new FloatRange("beta_1", 0.5, 1.5, 1.2) };
        var value = Assert.ThrowsExactly<OptimizerConfigException>(badValue.Validate);
        StringAssert.Contains(value.Message, "beta_1");
    }
}
