using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.TestSupport;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>Regression tests for the defects of issue 18 in the engine (each named after its number); each failed before its fix.</summary>
[TestClass]
public sealed class Issue18Tests
{
    private static readonly BlasProvider Managed = new ManagedBlasProvider();

    private static (NeuralModel Model, Optimizer Opt, InMemoryBatchSource Source, DenseTable Valid) Setup(ulong seed)
    {
        DenseTable all = TrainerTests.Synthetic(TaskKind.MulticlassClassification, 160, 5);
        (DenseTable train, DenseTable valid) = DataSplit.TrainTest(all, 0.25, 3);
        var model = new NeuralModel(all.FeatureCount, new ModelOptions { Task = TaskKind.MulticlassClassification, ClassCount = 3, HiddenLayers = new[] { 8 }, Dropout = 0.1 }, seed);
        var opt = new Lion(1e-3) { WeightDecay = 0.01 };
        return (model, opt, new InMemoryBatchSource(train, 16, shuffle: true, seed: 2), valid);
    }

    private static TrainerOptions Options(string? checkpoint = null, string? resume = null) => new()
    {
        Epochs = 3,
        BatchSize = 16,
        Seed = 4,
        Blas = Managed,
        EarlyStoppingPatience = 2,
        CheckpointPath = checkpoint,
        CheckpointEverySteps = 4,
        ResumeFrom = resume,
    };

    /// <summary>Offsets of the trainer checkpoint's fields in its payload (format version 2).</summary>
    private static Dictionary<string, int> Offsets(byte[] payload)
    {
        var at = new Dictionary<string, int>(StringComparer.Ordinal);
        using var r = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        r.ReadString();
        r.ReadString();
        r.ReadString();
        r.ReadInt32();
        void Mark(string name, int size)
        {
            at[name] = (int)r.BaseStream.Position;
            r.BaseStream.Position += size;
        }

        Mark("epoch", 4);
        Mark("position", 8);
        Mark("steps", 8);
        Mark("epoch_loss_sum", 8);
        Mark("epoch_batches", 8);
        Mark("best_metric", 8);
        Mark("best_epoch", 4);
        Mark("bad_epochs", 4);
        Mark("stopped_early", 1);
        Mark("last_validation_loss", 8);
        Mark("last_validation_quality", 8);
        Mark("dropout_state", 32);
        at["history_count"] = (int)r.BaseStream.Position;
        int history = r.ReadInt32();
        at["history[0].epoch"] = (int)r.BaseStream.Position;
        r.BaseStream.Position += history * 36;
        at["parameter_count"] = (int)r.BaseStream.Position;
        r.ReadInt32();
        r.ReadString();
        int len = r.ReadInt32();
        r.BaseStream.Position += len * 4;
        at["parameters[0].has_best"] = (int)r.BaseStream.Position;
        return at;
    }

    public static IEnumerable<object[]> Defect1Cases()
    {
        yield return new object[] { "epoch -1", "epoch", BitConverter.GetBytes(-1), "'epoch'" };
        yield return new object[] { "position -5", "position", BitConverter.GetBytes(-5L), "'position'" };
        yield return new object[] { "position beyond the epoch", "position", BitConverter.GetBytes(1_000_000L), "'position'" };
        yield return new object[] { "steps -9.2e18", "steps", BitConverter.GetBytes(long.MinValue + 7), "'steps'" };
        yield return new object[] { "epoch batches -1", "epoch_batches", BitConverter.GetBytes(-1L), "'epoch_batches'" };
        yield return new object[] { "epoch batches above the steps", "epoch_batches", BitConverter.GetBytes(1L << 40), "'epoch_batches'" };
        yield return new object[] { "best epoch after the epoch", "best_epoch", BitConverter.GetBytes(99), "'best_epoch'" };
        yield return new object[] { "bad epochs -3", "bad_epochs", BitConverter.GetBytes(-3), "'bad_epochs'" };
        yield return new object[] { "stopped early byte 7", "stopped_early", new byte[] { 7 }, "'stopped_early'" };
        yield return new object[] { "an all-zero dropout state", "dropout_state", new byte[32], "'dropout_state'" };
        yield return new object[] { "more history than epochs", "history_count", BitConverter.GetBytes(2), "'history_count'" };
        yield return new object[] { "a history epoch out of order", "history[0].epoch", BitConverter.GetBytes(7), "'history[0]" };
        yield return new object[] { "a best-weights flag of 2", "parameters[0].has_best", new byte[] { 2 }, "'parameters[0]" };
    }

    public static string Defect1Name(System.Reflection.MethodInfo m, object[] d) => "defect 1: " + d[0];

    [TestMethod]
    [DynamicData(nameof(Defect1Cases), DynamicDataDisplayName = nameof(Defect1Name))]
    public void Defect1_AFailedTrainerResumeChangesNothing(string name, string field, byte[] value, string expected)
    {
        using var dir = new TempFolder();
        (NeuralModel m, Optimizer o, InMemoryBatchSource s, DenseTable v) = Setup(1);
        TrainerOptions first = Options(dir["a.ckpt"]);
        first.Epochs = 1;
        Trainer.Fit(m, o, s, v, first);
        byte[] file = File.ReadAllBytes(dir["a.ckpt"]);
        byte[] bad = MLNet.Optimizers.Tests.Issue18Reframe.Reframed(file, p =>
        {
            int at = Offsets(p)[field];
            value.CopyTo(p, at);
            return p;
        });
        File.WriteAllBytes(dir["bad.ckpt"], bad);

        (m, o, s, v) = Setup(77);
        o.Build(m.Parameters);
        o.Apply(m.Parameters.Select(p => (ReadOnlyMemory<float>?)new float[p.Length]).ToArray());
        string model = StateSnapshot.Of(m);
        string optimizer = StateSnapshot.Of(o);
        string source = StateSnapshot.Of(s);
        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => Trainer.Fit(m, o, s, v, Options(resume: dir["bad.ckpt"])), name);
        StringAssert.Contains(e.Message, expected, name);
        Assert.IsNull(StateSnapshot.FirstDifference(model, StateSnapshot.Of(m)), name + ": the model changed");
        Assert.IsNull(StateSnapshot.FirstDifference(optimizer, StateSnapshot.Of(o)), name + ": the optimizer changed");
        Assert.IsNull(StateSnapshot.FirstDifference(source, StateSnapshot.Of(s)), name + ": the batch source changed");
    }

    [TestMethod]
    public void Defect1_AResumeWhoseOptimizerStateDoesNotMatchChangesNothing()
    {
        using var dir = new TempFolder();
        (NeuralModel m, Optimizer o, InMemoryBatchSource s, DenseTable v) = Setup(1);
        Trainer.Fit(m, o, s, v, Options(dir["a.ckpt"]));
        (m, _, s, v) = Setup(77);
        var other = new Lion(1e-3) { WeightDecay = 0.5 };
        other.Build(m.Parameters);
        string model = StateSnapshot.Of(m);
        string optimizer = StateSnapshot.Of(other);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Trainer.Fit(m, other, s, v, Options(resume: dir["a.ckpt"]))).Message, "weight_decay");
        Assert.IsNull(StateSnapshot.FirstDifference(model, StateSnapshot.Of(m)));
        Assert.IsNull(StateSnapshot.FirstDifference(optimizer, StateSnapshot.Of(other)));
    }

    private static byte[] Idx(int magic, int[] dims, int payloadBytes, bool gzip)
    {
        var ms = new MemoryStream();
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, magic);
        ms.Write(four);
        foreach (int d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(four, d);
            ms.Write(four);
        }

        ms.Write(new byte[payloadBytes]);
        if (!gzip)
        {
            return ms.ToArray();
        }

        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(ms.ToArray());
        }

        return gz.ToArray();
    }

    [TestMethod]
    [DataRow(int.MaxValue, int.MaxValue, 4, 4, false, DisplayName = "defect 6: image sizes whose product overflows 64 bits")]
    [DataRow(65536, 65536, 65536, 16, false, DisplayName = "defect 6: image sizes whose product is above the array limit")]
    [DataRow(2097152, 2097152, 4194304, 0, false, DisplayName = "defect 6: image sizes whose product wraps to 0")]
    [DataRow(1, 65536, 65536, 16, false, DisplayName = "defect 6: rows x columns above the int range")]
    [DataRow(1_000_000, 28, 28, 16, false, DisplayName = "defect 6: a 16-byte plain file promising 784 MB")]
    [DataRow(1_000_000, 28, 28, 16, true, DisplayName = "defect 6: a gzip file promising 784 MB")]
    public void Defect6_TheIdxImageHeaderIsCheckedBeforeAllocating(int count, int rows, int cols, int payload, bool gzip)
    {
        using var dir = new TempFolder();
        string path = dir["img.idx"];
        File.WriteAllBytes(path, Idx(IdxLoader.ImagesMagic, new[] { count, rows, cols }, payload, gzip));
        long before = GC.GetAllocatedBytesForCurrentThread();
        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.ReadImages(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        StringAssert.StartsWith(e.Message, path + ":");
        Assert.IsLessThan(64L << 20, allocated, $"allocated {allocated} bytes before failing: {e.Message}");
    }

    [TestMethod]
    [DataRow(0x7FFFFFFF, false, DisplayName = "defect 6: a label count of 0x7FFFFFFF in a 9-byte file")]
    [DataRow(0x7FFFFFFF, true, DisplayName = "defect 6: a label count of 0x7FFFFFFF in a gzip file")]
    [DataRow(500_000_000, false, DisplayName = "defect 6: a label count of 5e8 in a 9-byte file")]
    public void Defect6_TheIdxLabelCountIsCheckedBeforeAllocating(int count, bool gzip)
    {
        using var dir = new TempFolder();
        string path = dir["lbl.idx"];
        File.WriteAllBytes(path, Idx(IdxLoader.LabelsMagic, new[] { count }, 1, gzip));
        long before = GC.GetAllocatedBytesForCurrentThread();
        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.ReadLabels(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        StringAssert.Contains(e.Message, "truncated");
        Assert.IsLessThan(64L << 20, allocated, $"allocated {allocated} bytes before failing: {e.Message}");
    }

    [TestMethod]
    public void Defect8_StaleTemporaryFilesAreRemovedByTheNextTrainerCheckpoint()
    {
        using var dir = new TempFolder();
        string target = dir["a.ckpt"];
        string stale = target + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(stale, new byte[1000]);
        string unrelated = dir["a.ckpt.notours.tmp"];
        File.WriteAllBytes(unrelated, new byte[10]);
        (NeuralModel m, Optimizer o, InMemoryBatchSource s, DenseTable v) = Setup(1);
        Trainer.Fit(m, o, s, v, Options(target));
        Assert.IsFalse(File.Exists(stale), "the stale temporary file of the checkpoint was removed");
        Assert.IsTrue(File.Exists(unrelated), "a file that is not one of its temporaries is kept");
        CollectionAssert.AreEquivalent(new[] { "a.ckpt", "a.ckpt.notours.tmp" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName).ToArray());
    }
}
