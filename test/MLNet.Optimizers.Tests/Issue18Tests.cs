using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.TestSupport;

namespace MLNet.Optimizers.Tests;

/// <summary>
/// Regression tests for the defects of issue 18 in core (each named after its number): checkpoint fields that pass the
/// CRC but not their checks, Keras config JSON with duplicate keys, doubles outside float32, schedules that reach NaN
/// or infinity. Each failed before its fix.
/// </summary>
[TestClass]
public sealed class Issue18Tests
{
    private static (Lion Opt, List<Parameter> Vars) Trained()
    {
        var vars = new List<Parameter>
        {
            Parameter.Create("dense/kernel", new[] { 3, 4 }, Enumerable.Range(0, 12).Select(i => (float)Math.Sin(i)).ToArray()),
            Parameter.Create("dense/bias", new[] { 4 }, new float[4]),
        };
        var opt = new Lion(0.01) { WeightDecay = 0.1, UseEma = true };
        opt.ExcludeFromWeightDecay(namePatterns: new[] { "bias" });
        opt.Build(vars);
        opt.Apply(new ReadOnlyMemory<float>?[] { Enumerable.Range(0, 12).Select(i => (float)Math.Cos(i)).ToArray(), new float[] { 1, -1, 2, -2 } });
        return (opt, vars);
    }

    private static byte[] Saved()
    {
        var ms = new MemoryStream();
        Trained().Opt.SaveState(ms);
        return ms.ToArray();
    }

    internal static byte[] Reframed(byte[] file, Func<byte[], byte[]> edit) => Issue18Reframe.Reframed(file, edit);

    /// <summary>Replaces the string field number <paramref name="index"/> (0 = class name, 1 = config JSON) of an optimizer checkpoint payload.</summary>
    private static byte[] WithString(byte[] payload, int index, byte[] encoded)
    {
        using var r = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        for (int i = 0; i < index; i++)
        {
            r.ReadString();
        }

        int start = (int)r.BaseStream.Position;
        r.ReadString();
        int end = (int)r.BaseStream.Position;
        return payload[..start].Concat(encoded).Concat(payload[end..]).ToArray();
    }

    private static byte[] Encoded(string s)
    {
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(s);
        }

        return ms.ToArray();
    }

    /// <summary>Replaces the first weight-decay exclusion pattern of an optimizer checkpoint payload.</summary>
    private static byte[] WithPattern(byte[] payload, string pattern)
    {
        using var r = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        r.ReadString();
        r.ReadString();
        r.ReadInt32();
        int start = (int)r.BaseStream.Position;
        r.ReadString();
        int end = (int)r.BaseStream.Position;
        return payload[..start].Concat(Encoded(pattern)).Concat(payload[end..]).ToArray();
    }

    [TestMethod]
    [DataRow("1", DisplayName = "defect 2: embedded config 1")]
    [DataRow("[]", DisplayName = "defect 2: embedded config []")]
    [DataRow("null", DisplayName = "defect 2: embedded config null")]
    [DataRow("\"Lion\"", DisplayName = "defect 2: embedded config a string")]
    public void Defect2_LoadCheckpointWithAConfigThatIsNotAnObjectIsInvalidData(string config)
    {
        byte[] bad = Reframed(Saved(), p => WithString(p, 1, Encoded(config)));
        List<Parameter> vars = Trained().Vars;
        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => Optimizer.LoadCheckpoint(new MemoryStream(bad), vars));
        StringAssert.Contains(e.Message, "'config'");
        InvalidDataException e2 = Assert.ThrowsExactly<InvalidDataException>(() => Trained().Opt.LoadState(new MemoryStream(bad)));
        StringAssert.Contains(e2.Message, "'config'");
    }

    public static IEnumerable<object[]> Defect3Cases()
    {
        yield return new object[] { "class name with an over-long 7-bit length", new Func<byte[], byte[]>(p => new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }.Concat(p).ToArray()), "'class_name'" };
        yield return new object[] { "class name with a negative length", new Func<byte[], byte[]>(p => new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F }.Concat(p).ToArray()), "'class_name'" };
        yield return new object[] { "class name that is not UTF-8", new Func<byte[], byte[]>(p => WithString(p, 0, new byte[] { 4, 0xC3, 0x28, 0xFF, 0xFE })), "'class_name'" };
        yield return new object[] { "config that is not JSON", new Func<byte[], byte[]>(p => WithString(p, 1, Encoded("{\"name\": "))), "'config'" };
        yield return new object[] { "config with a duplicate key", new Func<byte[], byte[]>(p => WithString(p, 1, Encoded("{\"name\": \"lion\", \"name\": \"lion\"}"))), "'config'" };
        yield return new object[] { "config nested too deep", new Func<byte[], byte[]>(p => WithString(p, 1, Encoded(new string('[', 5000) + new string(']', 5000)))), "'config'" };
        yield return new object[] { "an invalid weight-decay pattern", new Func<byte[], byte[]>(p => WithPattern(p, "(bias")), "'exclude_from_weight_decay.var_names" };
    }

    public static string Defect3Name(System.Reflection.MethodInfo m, object[] d) => "defect 3: " + d[0];

    [TestMethod]
    [DynamicData(nameof(Defect3Cases), DynamicDataDisplayName = nameof(Defect3Name))]
    public void Defect3_CheckpointFieldsThatFailTheirReaderAreInvalidDataNamingTheField(string name, Func<byte[], byte[]> edit, string field)
    {
        byte[] bad = Reframed(Saved(), edit);
        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => Optimizer.LoadCheckpoint(new MemoryStream(bad), Trained().Vars), name);
        StringAssert.Contains(e.Message, field, name);

        // LoadState reads the same fields: same type, and the optimizer is unchanged field by field.
        Lion target = Trained().Opt;
        string before = StateSnapshot.Of(target);
        InvalidDataException e2 = Assert.ThrowsExactly<InvalidDataException>(() => target.LoadState(new MemoryStream(bad)), name);
        StringAssert.Contains(e2.Message, "Checkpoint field", name);
        Assert.IsNull(StateSnapshot.FirstDifference(before, StateSnapshot.Of(target)), name);
    }

    [TestMethod]
    [DataRow("{\"module\": \"keras.optimizers\", \"module\": \"keras.optimizers\", \"class_name\": \"Lion\", \"config\": {}}", "$.module", DisplayName = "defect 4: duplicate key at the top")]
    [DataRow("{\"class_name\": \"Lion\", \"config\": {\"beta_1\": 0.9, \"beta_1\": 0.8}}", "$.config.beta_1", DisplayName = "defect 4: duplicate key in config")]
    [DataRow("{\"class_name\": \"Lion\", \"config\": {\"learning_rate\": {\"class_name\": \"CosineDecay\", \"config\": {\"initial_learning_rate\": 0.1, \"decay_steps\": 5, \"decay_steps\": 6}}}}", "$.config.learning_rate.config.decay_steps", DisplayName = "defect 4: duplicate key in a schedule")]
    [DataRow("{\"class_name\": \"Lion\", \"config\": {\"learning_rate\": {\"module\": \"builtins\", \"module\": \"builtins\", \"config\": \"f\"}}}", "$.config.learning_rate.module", DisplayName = "defect 4: duplicate key in a callable")]
    public void Defect4_DuplicateKeysInAKerasConfigAreOptimizerConfigExceptionsWithThePath(string json, string path)
    {
        OptimizerConfigException e = Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer(json));
        Assert.AreEqual(path, e.JsonPath, e.Message);
        StringAssert.Contains(e.Message, "duplicate");

        // The JsonObject overload, given an object parsed elsewhere, says the same.
        JsonObject parsed = (JsonObject)JsonNode.Parse(json)!;
        OptimizerConfigException e2 = Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer(parsed));
        Assert.AreEqual(path, e2.JsonPath, e2.Message);
    }

    [TestMethod]
    [DataRow("learning_rate", "1e39", DisplayName = "defect 5: learning_rate 1e39")]
    [DataRow("weight_decay", "1e39", DisplayName = "defect 5: weight_decay 1e39")]
    [DataRow("clipnorm", "-1e39", DisplayName = "defect 5: clipnorm -1e39")]
    [DataRow("loss_scale_factor", "1e-50", DisplayName = "defect 5: loss_scale_factor 1e-50 (0 in float32)")]
    [DataRow("learning_rate", "{\"class_name\": \"ExponentialDecay\", \"config\": {\"initial_learning_rate\": 1e39, \"decay_steps\": 5, \"decay_rate\": 0.5}}", DisplayName = "defect 5: schedule initial_learning_rate 1e39")]
    [DataRow("learning_rate", "{\"class_name\": \"ExponentialDecay\", \"config\": {\"initial_learning_rate\": 0.1, \"decay_steps\": 5, \"decay_rate\": 1e40}}", DisplayName = "defect 5: decay_rate 1e40")]
    [DataRow("learning_rate", "{\"class_name\": \"PolynomialDecay\", \"config\": {\"initial_learning_rate\": 0.1, \"decay_steps\": 5, \"power\": -1}}", DisplayName = "defect 5: polynomial power -1 (infinite at decay_steps)")]
    [DataRow("learning_rate", "{\"class_name\": \"CosineDecayRestarts\", \"config\": {\"initial_learning_rate\": 0.1, \"first_decay_steps\": 5, \"t_mul\": 0.5}}", DisplayName = "defect 5: restarts t_mul 0.5 (NaN after 10 steps)")]
    [DataRow("learning_rate", "{\"class_name\": \"PiecewiseConstantDecay\", \"config\": {\"boundaries\": [3], \"values\": [0.1, 1e300]}}", DisplayName = "defect 5: piecewise value 1e300")]
    public void Defect5_ValuesThatAreNotFiniteInFloat32AreRejectedWithTheirPath(string key, string value)
    {
        string json = $"{{\"class_name\": \"Lion\", \"config\": {{\"{key}\": {value}}}}}";
        OptimizerConfigException e = Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer(json));
        StringAssert.StartsWith(e.JsonPath, "$.config." + key, e.Message);
    }

    [TestMethod]
    public void Defect5_ConstructorsRejectDoublesOutsideFloat32()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Lion(1e39));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Lion(0.1) { WeightDecay = 4e38 });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdamW(0.1) { Epsilon = 1e-50 });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineDecay(1e39, 10));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PolynomialDecay(0.1, 10, power: -0.5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineDecayRestarts(0.1, 10, tMul: 0.9));
    }

    [TestMethod]
    public void Defect5_AScheduleThatOverflowsStopsTheStepBeforeAnythingChanges()
    {
        // Growth is a valid Keras schedule (decay_rate > 1) until it overflows float32: 0.1 * 1e30^(step / 1).
        var vars = new List<Parameter> { Parameter.Create("w", new[] { 2 }, new float[] { 1, 2 }) };
        var opt = new Lion(new ExponentialDecay(0.1, 1, 1e30));
        opt.Build(vars);
        ReadOnlyMemory<float>?[] g = { new float[] { 1, -1 } };
        opt.Apply(g);
        opt.Apply(g);
        string before = StateSnapshot.Of(opt);
        float[] weights = vars[0].Value.ToArray();
        InvalidOperationException e = Assert.ThrowsExactly<InvalidOperationException>(() => opt.Apply(g));
        StringAssert.Contains(e.Message, "learning rate");
        StringAssert.Contains(e.Message, "iteration 2");
        CollectionAssert.AreEqual(weights, vars[0].Value.ToArray());
        Assert.IsNull(StateSnapshot.FirstDifference(before, StateSnapshot.Of(opt)));
    }

    [TestMethod]
    public void Defect5_AnOptimizerThatLoadedSerializesAndSaves()
    {
        // Anything a config can set survives Serialize and SaveState (no float32 infinity reaches the JSON writer).
        Optimizer o = KerasConfig.DeserializeOptimizer("{\"class_name\": \"Lion\", \"config\": {\"learning_rate\": 3.4e38, \"weight_decay\": 3.4e38}}");
        JsonObject s = o.Serialize();
        Assert.AreEqual(o.GetConfig().ToJsonString(), KerasConfig.DeserializeOptimizer(s).GetConfig().ToJsonString());
        o.Build(new[] { Parameter.Zeros("w", 2) });
        o.SaveState(new MemoryStream());
    }
}
