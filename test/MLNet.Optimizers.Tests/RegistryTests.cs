using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.Tests;

/// <summary>OptimizerRegistry: one list of optimizers that Keras config reading and the tools use.</summary>
[TestClass]
public sealed class RegistryTests
{
    [TestMethod]
    public void Every_optimizer_is_registered_once_with_its_defaults_and_config_reader()
    {
        CollectionAssert.AreEqual(new[] { "Lion", "Adafactor", "AdamW", "SGD" }, OptimizerRegistry.ClassNames.ToArray());
        CollectionAssert.AreEqual(new[] { "lion", "adafactor", "adamw", "sgd" }, OptimizerRegistry.Names.ToArray());
        CollectionAssert.AreEquivalent(OptimizerRegistry.ClassNames.ToArray(), KerasConfig.OptimizerClassNames.ToArray(), "KerasConfig reads exactly the registered classes");
        Assert.AreEqual(LionDefaults.LearningRate, Lion.Info.DefaultLearningRate);
        Assert.AreEqual(LionDefaults.RecommendedLearningRate, Lion.Info.RecommendedLearningRate);
        Assert.AreEqual(AdamWDefaults.RecommendedWeightDecay, AdamW.Info.RecommendedWeightDecay);
        Assert.IsNull(Sgd.Info.RecommendedWeightDecay);
        foreach (OptimizerInfo info in OptimizerRegistry.All)
        {
            Optimizer o = info.Create();
            Assert.AreEqual(info.Type, o.GetType(), info.Name);
            Assert.AreEqual(info.ClassName, o.ClassName, info.Name);
            Assert.AreSame(info, OptimizerRegistry.Of(o));
            Assert.AreSame(info, OptimizerRegistry.Find(info.Name.ToUpperInvariant()), "names ignore case");
            Assert.AreSame(info, OptimizerRegistry.FindByClassName(info.ClassName));
            Assert.AreEqual(o.Serialize().ToJsonString(), info.FromConfig((System.Text.Json.Nodes.JsonObject)o.Serialize()["config"]!).Serialize().ToJsonString(), info.Name + ": FromConfig of its own config");
            Assert.AreEqual(o.Serialize().ToJsonString(), KerasConfig.DeserializeOptimizer(o.Serialize()).Serialize().ToJsonString(), info.Name + ": through KerasConfig");
        }

        Assert.IsNull(OptimizerRegistry.Find("adam"));
        Assert.IsNull(OptimizerRegistry.FindByClassName("lion"), "class names are exact");
        var unknown = Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.OptimizerFromConfig("Adam", new System.Text.Json.Nodes.JsonObject()));
        StringAssert.Contains(unknown.Message, "Lion, Adafactor, AdamW, SGD");
    }
}
