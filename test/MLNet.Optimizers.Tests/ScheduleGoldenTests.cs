using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.Tests;

/// <summary>Every schedule in schedules/lr_schedules.json: config as Keras writes it, and schedule(step) for step 0..24.</summary>
[TestClass]
public sealed class ScheduleGoldenTests
{
    private static JsonArray Table() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(System.AppContext.BaseDirectory, "TestData", "golden", "schedules", "lr_schedules.json")))!["schedules"]!.AsArray();

    public static IEnumerable<object[]> Schedules() => Table().Select((s, i) => new object[] { i });

    public static string ScheduleName(MethodInfo m, object[] data)
    {
        JsonNode s = Table()[(int)data[0]]!["schedule"]!;
        return $"{data[0]:00} {s["class"]} {s["config"]!.ToJsonString()}";
    }

    [TestMethod]
    [DynamicData(nameof(Schedules), DynamicDataDisplayName = nameof(ScheduleName))]
    public void Schedule(int index)
    {
        JsonNode entry = Table()[index]!;
        JsonNode kwargs = entry["schedule"]!;
        string cls = (string)kwargs["class"]!;
        LearningRateSchedule s = KerasConfig.ScheduleFromConfig(cls, kwargs["config"]!.AsObject());
        Assert.AreEqual(cls, s.ClassName);
        JsonObject kerasConfig = entry["keras_config"]!.AsObject();
        Assert.IsNull(JsonCompare.Difference(kerasConfig, s.GetConfig()), "config as Keras writes it");
        Assert.IsNull(JsonCompare.Difference(kerasConfig, KerasConfig.ScheduleFromConfig(cls, kerasConfig).GetConfig()), "config round trip");

        long[] steps = entry["steps"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
        float[] expected = GoldenCase.Floats(entry["values_float32"]);
        var failures = new StringBuilder();
        for (int k = 0; k < steps.Length; k++)
        {
            float actual = s.Evaluate(steps[k]);
            if (!FloatCompare.SameBits(expected[k], actual))
            {
                failures.AppendLine($"step {steps[k]}: expected {GoldenCase.S(expected[k])}, got {GoldenCase.S(actual)} ({FloatCompare.Ulps(expected[k], actual)} ulp)");
            }
        }

        Assert.AreEqual(0, failures.Length, "bit-exact:\n" + failures);
    }
}
