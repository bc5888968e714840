using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.Tests;

/// <summary>
/// Runs every golden case file recorded from Keras 3.16 (TestData/golden, plus MLNET_OPTIMIZERS_GOLDEN_DIR when set)
/// and checks variables, every slot, the learning rate, iterations and EMA values after every step, and the Keras
/// config round trip — all bit for bit (no tolerance; the cosine schedules use NumPy's own float32 cos).
/// </summary>
[TestClass]
public sealed class GoldenCaseTests
{
    public static IEnumerable<object[]> Cases() => GoldenCase.CaseFiles().Select(p => new object[] { p });

    public static string CaseName(MethodInfo method, object[] data) => Path.GetFileNameWithoutExtension((string)data[0]);

    public static IEnumerable<object[]> AdafactorCases() =>
        GoldenCase.CaseFiles().Where(p => GoldenCase.Load(p).OptimizerClass == "Adafactor").Select(p => new object[] { p });

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public void Case(string path) => Run(path, kerasZeroMoment: false);

    /// <summary>
    /// Every Adafactor case also with <see cref="Adafactor.ZeroMomentNaN"/> on: no golden case has a zero second moment
    /// (the NaN of adafactor_overflow_grads_1e20 comes from inf/inf, which both modes keep), so both modes give Keras's
    /// bits on all of them.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(AdafactorCases), DynamicDataDisplayName = nameof(CaseName))]
    public void CaseWithKerasZeroMomentNaN(string path) => Run(path, kerasZeroMoment: true);

    private static void Run(string path, bool kerasZeroMoment)
    {
        GoldenCase gc = GoldenCase.Load(path);
        Assert.AreEqual(Path.GetFileNameWithoutExtension(path), gc.Name, "the case name must match its file name");

        // The constructor kwargs rebuild the optimizer Keras used; its config must be exactly what Keras wrote (plus
        // the library's own zero_moment_nan key when that option is on).
        Optimizer opt = gc.CreateOptimizer();
        JsonObject expectedConfig = gc.KerasConfig;
        if (kerasZeroMoment)
        {
            ((Adafactor)opt).ZeroMomentNaN = true;
            expectedConfig = (JsonObject)gc.KerasConfig.DeepClone();
            expectedConfig[Adafactor.ZeroMomentNaNKey] = true;
        }

        string? diff = JsonCompare.Difference(expectedConfig, opt.GetConfig());
        Assert.IsNull(diff, "get_config() differs from Keras's: " + diff);

        // keras_config loads and rebuilds the same optimizer (round trip exact).
        Optimizer fromConfig = KerasConfig.OptimizerFromConfig(gc.OptimizerClass, expectedConfig, new KerasConfigOptions { CallableResolver = gc.Resolver() });
        Assert.IsNull(JsonCompare.Difference(expectedConfig, fromConfig.GetConfig()), "FromConfig(keras_config).GetConfig() round trip");

        List<Parameter> vars = gc.CreateParameters();
        opt.Build(vars);
        var failures = new StringBuilder();
        int checkedValues = 0;
        foreach (JsonNode? step in gc.Root["steps"]!.AsArray())
        {
            int k = step!["step"]!.GetValue<int>();
            Assert.AreEqual(step["iterations_before"]!.GetValue<long>(), opt.RawIterations, $"step {k}: iterations before");
            opt.Apply(GoldenCase.Gradients(step));

            JsonArray calls = step["update_step_calls"]!.AsArray();
            if (calls.Count > 0)
            {
                float expectedLr = GoldenCase.F(calls[0]!["learning_rate"]!["value"]);
                Compare(failures, ref checkedValues, $"step {k} learning_rate", new[] { expectedLr }, new[] { opt.LastLearningRate });
            }

            Assert.AreEqual(step["iterations_after"]!.GetValue<long>(), opt.RawIterations, $"step {k}: iterations after");
            Assert.AreEqual(step["effective_iterations_after"]!.GetValue<long>(), opt.Iterations, $"step {k}: effective iterations after");
            JsonArray varsAfter = step["variables_after"]!.AsArray();
            JsonArray slotsAfter = step["slots_after"]!.AsArray();
            for (int i = 0; i < vars.Count; i++)
            {
                string where = $"step {k} '{vars[i].Name}'";
                Compare(failures, ref checkedValues, where + " variable", GoldenCase.Floats(varsAfter[i]), vars[i].Value.ToArray());
                foreach (KeyValuePair<string, JsonNode?> slot in slotsAfter[i]!.AsObject())
                {
                    float[] expected = GoldenCase.Floats(slot.Value);
                    float[]? actual = ActualSlot(opt, i, vars[i], slot.Key, expected);
                    if (actual != null)
                    {
                        Compare(failures, ref checkedValues, $"{where} slot '{slot.Key}'", expected, actual);
                    }
                }

                if (step["ema_variables_after"] is JsonArray ema)
                {
                    Compare(failures, ref checkedValues, where + " EMA", GoldenCase.Floats(ema[i]), opt.GetAverage(i).ToArray());
                }
            }
        }

        if (gc.Root["finalized_variables"] is JsonArray finalized)
        {
            opt.FinalizeVariableValues();
            for (int i = 0; i < vars.Count; i++)
            {
                Compare(failures, ref checkedValues, $"finalized '{vars[i].Name}'", GoldenCase.Floats(finalized[i]), vars[i].Value.ToArray());
            }
        }

        Assert.IsTrue(checkedValues > 0, "nothing was compared");
        Assert.AreEqual(0, failures.Length, $"{gc.Name} (bit-exact), {checkedValues} values checked:\n{failures}");
    }

    private static float[]? ActualSlot(Optimizer opt, int i, Parameter p, string key, float[] expected)
    {
        switch (key)
        {
            case "average":
                return opt.GetAverage(i).ToArray();
            case "gradient_accumulator":
            case "momentum":
                return opt.GetSlot(i, key).ToArray();
            case "r":
            case "c":
                if (p.Rank < 2)
                {
                    // Keras keeps int32 placeholders of value 0 for rank < 2; this port keeps no such state.
                    Assert.IsTrue(expected.Length == 1 && expected[0] == 0f, $"'{p.Name}' {key}: Keras placeholder should be [0]");
                    CollectionAssert.DoesNotContain(opt.GetSlotNames(i).ToList(), key, "no placeholder state is kept for rank < 2");
                    return null;
                }

                return opt.GetSlot(i, key).ToArray();
            case "v":
                var v = new float[p.Length];
                ((Adafactor)opt).CopyVelocity(i, v);
                return v;
            default:
                Assert.Fail($"unknown slot key '{key}' in the golden file");
                return null;
        }
    }

    private static void Compare(StringBuilder failures, ref int count, string what, float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length)
        {
            failures.AppendLine($"{what}: {expected.Length} values expected, {actual.Length} found");
            return;
        }

        for (int j = 0; j < expected.Length; j++)
        {
            count++;
            float e = expected[j];
            float a = actual[j];
            if (!FloatCompare.SameBits(e, a) && failures.Length < 4000)
            {
                failures.AppendLine($"{what}[{j}]: expected {GoldenCase.S(e)}, got {GoldenCase.S(a)} ({FloatCompare.Ulps(e, a)} ulp)");
            }
        }
    }
}
