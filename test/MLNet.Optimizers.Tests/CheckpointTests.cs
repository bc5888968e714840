using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.Tests;

/// <summary>Save / load of the full optimizer state: resuming is bit-identical; mismatched or damaged checkpoints fail loudly.</summary>
[TestClass]
public sealed class CheckpointTests
{
    public static IEnumerable<object[]> Cases() => GoldenCase.CaseFiles().Select(p => new object[] { p });

    public static string CaseName(MethodInfo method, object[] data) => "resume " + Path.GetFileNameWithoutExtension((string)data[0]);

    /// <summary>Every golden case, interrupted after each step in turn, resumes to the same bits as an uninterrupted run.</summary>
    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public void ResumeIsBitIdentical(string path)
    {
        GoldenCase gc = GoldenCase.Load(path);
        JsonArray steps = gc.Root["steps"]!.AsArray();
        (float[][] refVars, float[][][] refSlots) = Run(gc, steps.Count, stopAfter: -1, viaStatic: false);
        for (int stop = 0; stop < steps.Count; stop++)
        {
            foreach (bool viaStatic in new[] { false, true })
            {
                (float[][] vars, float[][][] slots) = Run(gc, steps.Count, stop, viaStatic);
                for (int i = 0; i < vars.Length; i++)
                {
                    AssertBits(refVars[i], vars[i], $"{gc.Name}: stop after step {stop} ({(viaStatic ? "LoadCheckpoint" : "LoadState")}), variable {i}");
                    for (int k = 0; k < slots[i].Length; k++)
                    {
                        AssertBits(refSlots[i][k], slots[i][k], $"{gc.Name}: stop after step {stop}, variable {i} slot {k}");
                    }
                }
            }
        }
    }

    private static (float[][] Vars, float[][][] Slots) Run(GoldenCase gc, int stepCount, int stopAfter, bool viaStatic)
    {
        List<Parameter> vars = gc.CreateParameters();
        Optimizer opt = gc.CreateOptimizer();
        opt.Build(vars);
        JsonArray steps = gc.Root["steps"]!.AsArray();
        for (int k = 0; k < stepCount; k++)
        {
            opt.Apply(GoldenCase.Gradients(steps[k]!));
            if (k == stopAfter)
            {
                var ms = new MemoryStream();
                opt.SaveState(ms);
                float[][] saved = vars.Select(v => v.Value.ToArray()).ToArray();

                // A new process: fresh parameters holding the saved values, a fresh optimizer, the saved state.
                vars = gc.CreateParameters();
                for (int i = 0; i < vars.Count; i++)
                {
                    saved[i].CopyTo(vars[i].Value);
                }

                ms.Position = 0;
                if (viaStatic)
                {
                    opt = Optimizer.LoadCheckpoint(ms, vars, new KerasConfigOptions { CallableResolver = gc.Resolver() });
                }
                else
                {
                    opt = gc.CreateOptimizer();
                    opt.Build(vars);
                    opt.LoadState(ms);
                }
            }
        }

        opt.FinalizeVariableValues();
        float[][][] slots = vars.Select((v, i) => opt.GetSlotNames(i).Select(n => opt.GetSlot(i, n).ToArray()).ToArray()).ToArray();
        return (vars.Select(v => v.Value.ToArray()).ToArray(), slots);
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int j = 0; j < expected.Length; j++)
        {
            Assert.IsTrue(FloatCompare.SameBits(expected[j], actual[j]), $"{what}[{j}]: expected {expected[j]:R}, got {actual[j]:R}");
        }
    }

    private static (Lion Opt, List<Parameter> Vars) Trained()
    {
        var vars = new List<Parameter>
        {
            Parameter.Create("w", new[] { 3, 4 }, Enumerable.Range(0, 12).Select(i => (float)Math.Sin(i)).ToArray()),
            Parameter.Create("b", new[] { 4 }, new float[4]),
        };
        var opt = new Lion(0.01) { WeightDecay = 0.1, UseEma = true };
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

    private static InvalidDataException LoadFails(byte[] bytes, Optimizer? into = null)
    {
        Optimizer target = into ?? Trained().Opt;
        return Assert.ThrowsExactly<InvalidDataException>(() => target.LoadState(new MemoryStream(bytes)));
    }

    [TestMethod]
    public void WrongMagicFails()
    {
        byte[] b = Saved();
        b[0] = (byte)'X';
        StringAssert.Contains(LoadFails(b).Message, "'magic'");
    }

    [TestMethod]
    public void WrongVersionFails()
    {
        byte[] b = Saved();
        BitConverter.GetBytes(99).CopyTo(b, 8);
        StringAssert.Contains(LoadFails(b).Message, "'version'");
        StringAssert.Contains(LoadFails(b).Message, "99");
    }

    [TestMethod]
    public void TruncatedStreamFailsAtEveryLength()
    {
        byte[] b = Saved();
        foreach (int len in new[] { 0, 5, 19, 20, 40, b.Length / 2, b.Length - 5, b.Length - 1 })
        {
            InvalidDataException e = LoadFails(b.AsSpan(0, len).ToArray());
            StringAssert.Contains(e.Message, "Checkpoint field", $"length {len}");
        }
    }

    [TestMethod]
    public void CorruptedByteFailsWithCrc()
    {
        byte[] b = Saved();
        b[b.Length - 20] ^= 0x40;
        StringAssert.Contains(LoadFails(b).Message, "'crc32'");
    }

    [TestMethod]
    public void FailedLoadChangesNothing()
    {
        (Lion opt, List<Parameter> vars) = Trained();
        float[] before = opt.GetSlot(0, "momentum").ToArray();
        long it = opt.RawIterations;
        byte[] b = Saved();
        b[b.Length - 20] ^= 0x40;
        LoadFails(b, opt);
        CollectionAssert.AreEqual(before, opt.GetSlot(0, "momentum").ToArray());
        Assert.AreEqual(it, opt.RawIterations);
    }

    [TestMethod]
    public void OtherOptimizerClassFails()
    {
        (_, List<Parameter> vars) = Trained();
        var other = new Adafactor();
        other.Build(vars);
        StringAssert.Contains(LoadFails(Saved(), other).Message, "'class_name'");
    }

    [TestMethod]
    public void OtherConfigFails()
    {
        (_, List<Parameter> vars) = Trained();
        var other = new Lion(0.01) { WeightDecay = 0.2, UseEma = true };
        other.Build(vars);
        InvalidDataException e = LoadFails(Saved(), other);
        StringAssert.Contains(e.Message, "config.weight_decay");
    }

    [TestMethod]
    public void ParameterCountNameAndShapeMismatchesFail()
    {
        byte[] saved = Saved();
        var fewer = new List<Parameter> { Parameter.Zeros("w", 3, 4) };
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Optimizer.LoadCheckpoint(new MemoryStream(saved), fewer)).Message, "'parameter_count'");

        var renamed = new List<Parameter> { Parameter.Zeros("w", 3, 4), Parameter.Zeros("bias", 4) };
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Optimizer.LoadCheckpoint(new MemoryStream(saved), renamed)).Message, "'parameters[1].name'");

        var reshaped = new List<Parameter> { Parameter.Zeros("w", 4, 3), Parameter.Zeros("b", 4) };
        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => Optimizer.LoadCheckpoint(new MemoryStream(saved), reshaped));
        StringAssert.Contains(e.Message, "'parameters[0].shape'");
        StringAssert.Contains(e.Message, "[3, 4]");
    }

    [TestMethod]
    public void FileSaveIsAtomicAndLoads()
    {
        (Lion opt, List<Parameter> vars) = Trained();
        string dir = Path.Combine(Path.GetTempPath(), "mlnopt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "opt.ckpt");
            opt.SaveState(file);
            opt.SaveState(file);
            CollectionAssert.AreEqual(new[] { "opt.ckpt" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray(), "no temporary file is left behind");
            var copy = new Lion(0.01) { WeightDecay = 0.1, UseEma = true };
            copy.Build(vars);
            copy.LoadState(file);
            CollectionAssert.AreEqual(opt.GetSlot(0, "momentum").ToArray(), copy.GetSlot(0, "momentum").ToArray());
            Assert.AreEqual(1L, copy.RawIterations);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
