using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>Every trainer checkpoint records the compute provenance; a resume under another provider warns or throws.</summary>
[TestClass]
public sealed class TrainerProvenanceTests
{
    private static readonly BlasProvider Managed = new ManagedBlasProvider();

    private static (NeuralModel Model, Optimizer Opt, IBatchSource Source) Setup(ulong seed)
    {
        DenseTable data = TrainerTests.Synthetic(TaskKind.BinaryClassification, 120, 3);
        var model = new NeuralModel(data.FeatureCount, new ModelOptions { Task = TaskKind.BinaryClassification, HiddenLayers = new[] { 8 } }, seed);
        return (model, new Lion(1e-3), new InMemoryBatchSource(data, 16, shuffle: true, seed: 2));
    }

    private static TrainerOptions Options(BlasProvider blas, string? checkpoint = null, string? resume = null, int epochs = 2) => new()
    {
        Epochs = epochs,
        BatchSize = 16,
        Seed = 4,
        Blas = blas,
        CheckpointPath = checkpoint,
        ResumeFrom = resume,
    };

    [TestMethod]
    public void ResultAndCheckpointRecordTheProvider()
    {
        using var dir = new TempFolder();
        (NeuralModel m, Optimizer o, IBatchSource s) = Setup(1);
        TrainingResult r = Trainer.Fit(m, o, s, null, Options(Managed, dir["a.ckpt"]));
        Assert.AreEqual(Managed.Provenance, r.Compute);
        Assert.IsEmpty(r.Warnings);

        // Resuming under the same provider is silent.
        (m, o, s) = Setup(1);
        TrainingResult again = Trainer.Fit(m, o, s, null, Options(Managed, resume: dir["a.ckpt"], epochs: 3));
        Assert.IsEmpty(again.Warnings, string.Join("\n", again.Warnings));
    }

    [TestMethod]
    public void ResumeUnderAnotherProviderWarnsByDefault()
    {
        using var dir = new TempFolder();
        (NeuralModel m, Optimizer o, IBatchSource s) = Setup(1);
        Trainer.Fit(m, o, s, null, Options(Managed, dir["a.ckpt"]));

        var other = new RenamedProvider(Managed);
        var seen = new List<string>();
        (m, o, s) = Setup(1);
        TrainerOptions options = Options(other, resume: dir["a.ckpt"], epochs: 3);
        options.OnWarning = seen.Add;
        TrainingResult r = Trainer.Fit(m, o, s, null, options);
        Assert.HasCount(1, r.Warnings);
        CollectionAssert.AreEqual(r.Warnings.ToArray(), seen);
        StringAssert.Contains(r.Warnings[0], "another compute provider");
        StringAssert.Contains(r.Warnings[0], "provider: the checkpoint 'managed', this run 'renamed'");
        Assert.AreEqual(other.Provenance, r.Compute);
    }

    [TestMethod]
    public void ResumeUnderAnotherProviderThrowsWhenAskedAndChangesNothing()
    {
        using var dir = new TempFolder();
        (NeuralModel m, Optimizer o, IBatchSource s) = Setup(1);
        Trainer.Fit(m, o, s, null, Options(Managed, dir["a.ckpt"]));

        (m, o, s) = Setup(77);
        o.Build(m.Parameters);
        float[][] before = m.Parameters.Select(p => p.Value.ToArray()).ToArray();
        TrainerOptions options = Options(new RenamedProvider(Managed), resume: dir["a.ckpt"], epochs: 3);
        options.ComputeMismatch = ComputeMismatchPolicy.Throw;
        ComputeMismatchException e = Assert.ThrowsExactly<ComputeMismatchException>(() => Trainer.Fit(m, o, s, null, options));
        Assert.AreEqual(Managed.Provenance, e.Recorded);
        Assert.AreEqual("renamed", e.Current.Provider);
        Assert.AreEqual(0, o.Iterations, "the optimizer was not restored");
        for (int i = 0; i < before.Length; i++)
        {
            CollectionAssert.AreEqual(before[i], m.Parameters[i].Value.ToArray(), "the weights were not restored");
        }
    }

    /// <summary>The managed provider's arithmetic under another name: same bits, different provenance.</summary>
    private sealed class RenamedProvider(BlasProvider inner) : BlasProvider
    {
        public override string Name => "renamed";

        public override int NumThreads { get => inner.NumThreads; set => inner.NumThreads = value; }

        protected override void SgemmCore(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
            inner.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        protected override void SgemvCore(Transpose transA, int m, int n, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> x, float beta, Span<float> y) =>
            inner.Sgemv(transA, m, n, alpha, a, lda, x, beta, y);

        protected override void SaxpyCore(float alpha, ReadOnlySpan<float> x, Span<float> y) => inner.Saxpy(alpha, x, y);

        protected override float SdotCore(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => inner.Sdot(x, y);

        protected override float Snrm2Core(ReadOnlySpan<float> x) => inner.Snrm2(x);
    }
}

/// <summary>A temporary folder deleted on dispose; <c>this[name]</c> is a path inside it.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mlnopt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, true);
        }
        catch (IOException)
        {
        }
    }
}
