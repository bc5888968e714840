using System;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.Tests;

/// <summary>Options switched on after Build behave exactly like options set before it; config errors name the right path.</summary>
[TestClass]
public sealed class LateOptionTests
{
    [TestMethod]
    [DataRow("clipnorm", DisplayName = "clipnorm set after Build")]
    [DataRow("clipvalue", DisplayName = "clipvalue set after Build")]
    [DataRow("global_clipnorm", DisplayName = "global_clipnorm set after Build")]
    [DataRow("loss_scale_factor", DisplayName = "loss_scale_factor set after Build")]
    public void OptionSetAfterBuildMatchesOptionSetBefore(string option)
    {
        float[] Run(bool late)
        {
            var p = Parameter.Create("w", new[] { 4 }, new float[] { 1, 2, 3, 4 });
            var o = new Sgd(0.1);
            if (!late)
            {
                Set(o, option);
            }

            o.Build(new[] { p });

            // With a loss scale from the start, the first gradient arrives scaled too (by 8, a power of two: exact).
            float f = !late && option == "loss_scale_factor" ? 8f : 1f;
            o.Apply(new ReadOnlyMemory<float>?[] { new float[] { 0.1f * f, 0.2f * f, 0.3f * f, 0.4f * f } });
            if (late)
            {
                Set(o, option);
            }

            o.Apply(new ReadOnlyMemory<float>?[] { new float[] { 10, 20, 30, 40 } });
            return p.Value.ToArray();
        }

        float[] unclipped;
        {
            var p = Parameter.Create("w", new[] { 4 }, new float[] { 1, 2, 3, 4 });
            var o = new Sgd(0.1);
            o.Build(new[] { p });
            o.Apply(new ReadOnlyMemory<float>?[] { new float[] { 0.1f, 0.2f, 0.3f, 0.4f } });
            o.Apply(new ReadOnlyMemory<float>?[] { new float[] { 10, 20, 30, 40 } });
            unclipped = p.Value.ToArray();
        }

        float[] early = Run(false);
        float[] lateRun = Run(true);
        CollectionAssert.AreNotEqual(unclipped, lateRun, "the option must change the second step");
        CollectionAssert.AreEqual(early, lateRun);
    }

    private static void Set(Optimizer o, string option)
    {
        switch (option)
        {
            case "clipnorm": o.ClipNorm = 1.0; break;
            case "clipvalue": o.ClipValue = 0.5; break;
            case "global_clipnorm": o.GlobalClipNorm = 1.0; break;
            default: o.LossScaleFactor = 8.0; break;
        }
    }

    [TestMethod]
    public void UnknownOptimizerClassNamesClassNamePath()
    {
        var e = Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer("{\"module\":\"keras.optimizers\",\"class_name\":\"Nope\",\"config\":{},\"registered_name\":null}"));
        Assert.AreEqual("$.class_name", e.JsonPath);
        StringAssert.Contains(e.Message, "Nope");
    }

    [TestMethod]
    public void UnknownScheduleClassNamesClassNamePath()
    {
        var config = new JsonObject
        {
            ["learning_rate"] = new JsonObject { ["module"] = "keras.optimizers.schedules", ["class_name"] = "Warp", ["config"] = new JsonObject(), ["registered_name"] = null },
        };
        var e = Assert.ThrowsExactly<OptimizerConfigException>(() => Lion.FromConfig(config));
        Assert.AreEqual("$.learning_rate.class_name", e.JsonPath);
        StringAssert.Contains(e.Message, "Warp");
    }

    [TestMethod]
    public void FailedExclusionAddsNothing()
    {
        var o = new Lion();
        Assert.ThrowsExactly<ArgumentException>(() => o.ExcludeFromWeightDecay(namePatterns: new[] { "bias", "[" }));
        Assert.IsEmpty(o.ExcludedNamePatterns);
    }
}
