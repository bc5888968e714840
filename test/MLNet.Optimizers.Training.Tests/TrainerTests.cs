using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Tests;

[TestClass]
public sealed class TrainerTests
{
    private static readonly BlasProvider Blas = new ManagedBlasProvider();

    /// <summary>A synthetic task: y depends non-linearly on 6 features; labels per task.</summary>
    internal static DenseTable Synthetic(TaskKind task, int rows, ulong seed, int classes = 3)
    {
        var rng = new DeterministicRandom(seed);
        const int f = 6;
        var x = new float[rows * f];
        var y = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            double s = 0;
            for (int j = 0; j < f; j++)
            {
                x[(i * f) + j] = (float)rng.NextGaussian();
                s += (j % 2 == 0 ? 1 : -0.5) * x[(i * f) + j];
            }

            s += 0.5 * x[i * f] * x[(i * f) + 1];
            y[i] = task switch
            {
                TaskKind.Regression => (float)(s + (0.1 * rng.NextGaussian())),
                TaskKind.BinaryClassification => s > 0 ? 1f : 0f,
                _ => s < -0.7 ? 0f : s < 0.7 ? 1f : Math.Min(classes - 1, 2),
            };
        }

        return new DenseTable(x, f, y);
    }

    private static ModelOptions Options(TaskKind task, Activation act = Activation.ReLU, double dropout = 0, params int[] hidden) =>
        new() { Task = task, ClassCount = 3, HiddenLayers = hidden, Activation = act, Dropout = dropout };

    [TestMethod]
    [DataRow(TaskKind.Regression, Activation.ReLU, DisplayName = "gradient check: regression ReLU")]
    [DataRow(TaskKind.Regression, Activation.Gelu, DisplayName = "gradient check: regression GELU")]
    [DataRow(TaskKind.BinaryClassification, Activation.Tanh, DisplayName = "gradient check: binary tanh")]
    [DataRow(TaskKind.MulticlassClassification, Activation.Sigmoid, DisplayName = "gradient check: multiclass sigmoid")]
    [DataRow(TaskKind.BinaryClassification, Activation.ReLU, 0.2, DisplayName = "gradient check: binary ReLU, label smoothing 0.2")]
    [DataRow(TaskKind.MulticlassClassification, Activation.ReLU, 0.1, DisplayName = "gradient check: multiclass ReLU, label smoothing 0.1")]
    [DataRow(TaskKind.Regression, Activation.Tanh, 0.0, 3, DisplayName = "gradient check: regression tanh, packed ensemble of 3")]
    [DataRow(TaskKind.BinaryClassification, Activation.Sigmoid, 0.1, 2, DisplayName = "gradient check: binary sigmoid, ensemble of 2, label smoothing 0.1")]
    [DataRow(TaskKind.MulticlassClassification, Activation.ReLU, 0.0, 4, DisplayName = "gradient check: multiclass ReLU, packed ensemble of 4")]
    public void GradientsMatchFiniteDifferences(TaskKind task, Activation act, double labelSmoothing = 0, int ensemble = 1)
    {
        DenseTable data = Synthetic(task, 9, 1);
        ModelOptions options = Options(task, act, 0, 5, 4);
        options.LabelSmoothing = labelSmoothing;
        options.EnsembleSize = ensemble;
        var model = new NeuralModel(data.FeatureCount, options, seed: 3);

        // Non-zero biases: with zero biases a unit fed only by dead ReLUs sits exactly on the kink at 0, where the
        // subgradient (0) and a central difference (half the slope) legitimately disagree.
        for (int p = 1; p < model.Parameters.Count; p += 2)
        {
            model.Parameters[p].Value.Span.Fill(0.05f);
        }

        var ws = model.CreateWorkspace(16);
        var batch = new Batch(16, data.FeatureCount);
        data.Features.CopyTo(batch.Features, 0);
        data.Labels.CopyTo(batch.Labels, 0);
        batch.Count = data.RowCount;
        model.ForwardBackward(Blas, ws, batch, null);
        float[][] analytic = ws.Gradients.Select(g => (float[])g.Clone()).ToArray();
        int checkedCount = 0;
        for (int p = 0; p < model.Parameters.Count; p++)
        {
            Span<float> values = model.Parameters[p].Value.Span;
            for (int i = 0; i < values.Length; i += 3)
            {
                float orig = values[i];
                const float h = 1e-3f;
                values[i] = orig + h;
                double lp = model.ForwardBackward(Blas, ws, batch, null);
                values = model.Parameters[p].Value.Span;
                values[i] = orig - h;
                double lm = model.ForwardBackward(Blas, ws, batch, null);
                values = model.Parameters[p].Value.Span;
                values[i] = orig;
                double numeric = (lp - lm) / (2 * h);
                double a = analytic[p][i];
                Assert.AreEqual(numeric, a, 2e-3 + (2e-2 * Math.Abs(numeric)), $"{model.Parameters[p].Name}[{i}]");
                checkedCount++;
            }
        }

        Assert.IsGreaterThan(20, checkedCount);
    }

    /// <summary>
    /// Trainings running in parallel share <see cref="BlasProviders.Default"/> (test classes run in parallel too): each
    /// must end bit-identical to the same training run alone. The managed provider once shared its pack buffers between
    /// concurrent calls, and the digits quality bar then failed (0.953) whenever the selection had routed a product to it.
    /// </summary>
    [TestMethod]
    [DataRow("managed", DisplayName = "parallel trainings on one shared managed provider end with the lone training's bits")]
    [DataRow("default", DisplayName = "parallel trainings on the shared default provider end with the lone training's bits")]
    public void ParallelTrainingsOnOneSharedProviderEndWithTheLoneTrainingsBits(string provider)
    {
        BlasProvider shared = provider == "managed" ? new ManagedBlasProvider() : BlasProviders.Default;
        DenseTable data = Synthetic(TaskKind.MulticlassClassification, 3000, 7);
        float[][] alone = Train();
        const int Parallel = 3;
        var results = new float[Parallel][][];
        using var start = new Barrier(Parallel);
        Thread[] threads = Enumerable.Range(0, Parallel).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = Train();
        })).ToArray();
        foreach (Thread t in threads)
        {
            t.Start();
        }

        foreach (Thread t in threads)
        {
            t.Join();
        }

        for (int i = 0; i < Parallel; i++)
        {
            for (int p = 0; p < alone.Length; p++)
            {
                for (int j = 0; j < alone[p].Length; j++)
                {
                    Assert.AreEqual(BitConverter.SingleToInt32Bits(alone[p][j]), BitConverter.SingleToInt32Bits(results[i][p][j]), $"{shared.Description}: training {i}, parameter {p}[{j}]");
                }
            }
        }

        float[][] Train()
        {
            var model = new NeuralModel(data.FeatureCount, Options(TaskKind.MulticlassClassification, Activation.Gelu, 0.2, 64, 48), seed: 1);
            Trainer.Fit(model, new Lion(1e-3), new InMemoryBatchSource(data, 64, shuffle: true, seed: 5), null, new TrainerOptions { Epochs = 4, BatchSize = 64, Seed = 9, Blas = shared });
            return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }
    }

    private static (NeuralModel Model, Optimizer Opt, IBatchSource Source, DenseTable Valid) Setup(string optimizer, ulong seed)
    {
        DenseTable all = Synthetic(TaskKind.MulticlassClassification, 400, 7);
        (DenseTable train, DenseTable valid) = DataSplit.TrainTest(all, 0.25, 11);
        var model = new NeuralModel(all.FeatureCount, Options(TaskKind.MulticlassClassification, Activation.Gelu, 0.2, 16), seed);
        Optimizer opt = optimizer switch
        {
            "lion" => new Lion(new CosineDecay(3e-3, 200)) { WeightDecay = 0.05, UseEma = true, EmaOverwriteFrequency = 7 },
            "adafactor" => new Adafactor(0.05) { GlobalClipNorm = 1.0, GradientAccumulationSteps = 2 },
            _ => new AdamW(1e-2),
        };
        opt.ExcludeFromWeightDecay(namePatterns: new[] { "bias" });
        var source = new InMemoryBatchSource(train, 16, shuffle: true, seed: 5);
        return (model, opt, source, valid);
    }

    /// <summary>The recommended MLP's engine pieces: numeric encoding in the batch source, a packed ensemble, label smoothing.</summary>
    private static (NeuralModel Model, Optimizer Opt, IBatchSource Source, DenseTable Valid) RecipeSetup()
    {
        DenseTable all = Synthetic(TaskKind.MulticlassClassification, 400, 7);
        NumericEncoder encoder = NumericEncoder.Fit(all, new NumericEncodingOptions());
        var options = Options(TaskKind.MulticlassClassification, Activation.ReLU, 0, 16, 8);
        options.EnsembleSize = 3;
        options.LabelSmoothing = 0.1;
        var model = new NeuralModel(encoder.OutputCount, options, 3);
        var source = new EncodingBatchSource(new InMemoryBatchSource(all, 16, shuffle: true, seed: 5), encoder);
        return (model, new Lion(new CosineDecay(5e-4, 200)) { WeightDecay = 0.3 }, source, all);
    }

    private static TrainerOptions TrainerOptionsFor(string? checkpoint, string? resume = null) => new()
    {
        Epochs = 4,
        BatchSize = 16,
        Seed = 99,
        EarlyStoppingPatience = 3,
        CheckpointPath = checkpoint,
        CheckpointEverySteps = 5,
        ResumeFrom = resume,
        Blas = Blas,
    };

    [TestMethod]
    [DataRow("lion", DisplayName = "same seed same bits: Lion + EMA + dropout")]
    [DataRow("adafactor", DisplayName = "same seed same bits: Adafactor + accumulation")]
    public void SameSeedGivesTheSameBits(string optimizer)
    {
        float[][] Run()
        {
            (NeuralModel m, Optimizer o, IBatchSource s, DenseTable v) = Setup(optimizer, 1);
            Trainer.Fit(m, o, s, v, TrainerOptionsFor(null));
            return m.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }

        float[][] a = Run(), b = Run();
        for (int i = 0; i < a.Length; i++)
        {
            CollectionAssert.AreEqual(a[i], b[i]);
        }
    }

    [TestMethod]
    [DataRow("lion", 17, DisplayName = "kill at step 17 and resume: Lion")]
    [DataRow("adafactor", 23, DisplayName = "kill at step 23 and resume: Adafactor")]
    [DataRow("adamw", 40, DisplayName = "kill in epoch 3 and resume: AdamW")]
    public void ResumedRunIsBitIdenticalToAnUninterruptedOne(string optimizer, int killAtStep)
    {
        string dir = Path.Combine(Path.GetTempPath(), "mlnopt-train-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            (NeuralModel refModel, Optimizer refOpt, IBatchSource refSource, DenseTable refValid) = Setup(optimizer, 1);
            TrainingResult reference = Trainer.Fit(refModel, refOpt, refSource, refValid, TrainerOptionsFor(Path.Combine(dir, "ref.ckpt")));

            string ckpt = Path.Combine(dir, "run.ckpt");
            (NeuralModel m1, Optimizer o1, IBatchSource s1, DenseTable v1) = Setup(optimizer, 1);
            using var cts = new CancellationTokenSource();
            var killer = new Progress(p =>
            {
                if (p.Step >= killAtStep)
                {
                    cts.Cancel();
                }
            });
            TrainerOptions opts = TrainerOptionsFor(ckpt);
            opts.ReportEverySteps = 1;
            Assert.ThrowsExactly<OperationCanceledException>(() => Trainer.Fit(m1, o1, s1, v1, opts, killer, cts.Token));
            Assert.IsTrue(File.Exists(ckpt), "a checkpoint was written before the kill");

            // A new process: fresh objects (different init seed: the checkpoint must restore the weights), resume.
            (NeuralModel m2, Optimizer o2, IBatchSource s2, DenseTable v2) = Setup(optimizer, 12345);
            TrainingResult resumed = Trainer.Fit(m2, o2, s2, v2, TrainerOptionsFor(ckpt, resume: ckpt));

            Assert.AreEqual(reference.Steps, resumed.Steps);
            Assert.HasCount(reference.History.Count, resumed.History);
            for (int i = 0; i < refModel.Parameters.Count; i++)
            {
                CollectionAssert.AreEqual(refModel.Parameters[i].Value.ToArray(), m2.Parameters[i].Value.ToArray(), refModel.Parameters[i].Name);
            }

            for (int e = 0; e < reference.History.Count; e++)
            {
                Assert.AreEqual(reference.History[e].TrainingLoss, resumed.History[e].TrainingLoss, $"epoch {e + 1} loss");
                Assert.AreEqual(reference.History[e].ValidationLoss, resumed.History[e].ValidationLoss, $"epoch {e + 1} validation loss");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private sealed class Progress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }

    [TestMethod]
    public void DamagedOrMismatchedCheckpointFailsLoudly()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mlnopt-train-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string ckpt = Path.Combine(dir, "a.ckpt");
            (NeuralModel m, Optimizer o, IBatchSource s, DenseTable v) = Setup("lion", 1);
            Trainer.Fit(m, o, s, v, TrainerOptionsFor(ckpt));
            byte[] bytes = File.ReadAllBytes(ckpt);
            bytes[bytes.Length / 2] ^= 1;
            string bad = Path.Combine(dir, "bad.ckpt");
            File.WriteAllBytes(bad, bytes);
            (m, o, s, v) = Setup("lion", 1);
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Trainer.Fit(m, o, s, v, TrainerOptionsFor(null, bad))).Message, "checksum");

            File.WriteAllBytes(bad, File.ReadAllBytes(ckpt).AsSpan(0, 100).ToArray());
            (m, o, s, v) = Setup("lion", 1);
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Trainer.Fit(m, o, s, v, TrainerOptionsFor(null, bad))).Message, "payload_length");

            // A wider model does not match the checkpoint.
            var wide = new NeuralModel(6, Options(TaskKind.MulticlassClassification, Activation.Gelu, 0.2, 32), 1);
            (_, o, s, v) = Setup("lion", 1);
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Trainer.Fit(wide, o, s, v, TrainerOptionsFor(null, ckpt))).Message, "parameters[0]");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void DivergenceNamesLikelyCauses()
    {
        DenseTable data = Synthetic(TaskKind.Regression, 200, 2);
        for (int i = 0; i < data.Features.Length; i++)
        {
            data.Features[i] *= 1e6f; // not normalized
        }

        var model = new NeuralModel(data.FeatureCount, Options(TaskKind.Regression), 1);
        var e = Assert.ThrowsExactly<TrainingDivergedException>(() =>
            Trainer.Fit(model, new Sgd(10.0), new InMemoryBatchSource(data, 32, true, 1), null, new TrainerOptions { Epochs = 3, Blas = Blas }));
        StringAssert.Contains(e.Message, "learning rate");
        StringAssert.Contains(e.Message, "normaliz");
    }

    [TestMethod]
    public void EarlyStoppingStopsAndRestoresTheBestEpoch()
    {
        DenseTable train = Synthetic(TaskKind.Regression, 300, 3);
        DenseTable noise = Synthetic(TaskKind.Regression, 100, 4);
        var rng = new DeterministicRandom(8);
        for (int i = 0; i < noise.Labels.Length; i++)
        {
            noise.Labels[i] = (float)(rng.NextGaussian() * 5); // validation labels unrelated to the features
        }

        var model = new NeuralModel(train.FeatureCount, Options(TaskKind.Regression, Activation.ReLU, 0, 32), 1);
        TrainingResult r = Trainer.Fit(model, new AdamW(0.03), new InMemoryBatchSource(train, 16, true, 1), noise,
            new TrainerOptions { Epochs = 40, EarlyStoppingPatience = 2, Blas = Blas });
        Assert.IsTrue(r.StoppedEarly, "validation does not improve for long on unrelated labels");
        Assert.IsLessThan(40, r.History.Count);
        double best = r.History.Min(h => h.ValidationLoss);
        Assert.AreEqual(best, r.History[r.BestEpoch - 1].ValidationLoss);
        (double finalLoss, _) = Trainer.Evaluate(model, Blas, noise, new float[noise.RowCount]);
        Assert.AreEqual(best, finalLoss, 1e-9, "the best epoch's weights are restored");
    }

    [TestMethod]
    public void ProgressIsReportedAndCancellationStops()
    {
        (NeuralModel m, Optimizer o, IBatchSource s, DenseTable v) = Setup("adamw", 1);
        var reports = new List<TrainingProgress>();
        TrainerOptions opts = TrainerOptionsFor(null);
        opts.ReportEverySteps = 4;
        Trainer.Fit(m, o, s, v, opts, new Progress(reports.Add));
        Assert.AreEqual(4, reports.Count(r => r.EpochEnd));
        Assert.IsTrue(reports.Where(r => !r.EpochEnd).All(r => r.Step % 4 == 0 && r.ExamplesPerSecond > 0 && double.IsFinite(r.Loss)));
        Assert.IsTrue(reports.Where(r => r.EpochEnd).All(r => r.ValidationQuality is >= 0 and <= 1));

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        (m, o, s, v) = Setup("adamw", 1);
        Assert.ThrowsExactly<OperationCanceledException>(() => Trainer.Fit(m, o, s, v, opts, null, cts.Token));
    }

    [TestMethod]
    [DataRow("lion", DisplayName = "training step allocates nothing: Lion")]
    [DataRow("adafactor", DisplayName = "training step allocates nothing: Adafactor")]
    [DataRow("recipe", DisplayName = "training step allocates nothing: encoded batches, packed ensemble of 3, label smoothing")]
    public void TrainingStepAllocatesNothing(string optimizer)
    {
        (NeuralModel m, Optimizer o, IBatchSource s, _) = optimizer == "recipe" ? RecipeSetup() : Setup(optimizer, 1);
        o.Build(m.Parameters);
        var ws = m.CreateWorkspace(16);
        var batch = new Batch(16, m.InputCount);
        var rng = new DeterministicRandom(1);
        void Epoch(int e)
        {
            s.StartEpoch(e);
            while (s.Next(batch))
            {
                m.ForwardBackward(Blas, ws, batch, rng);
                o.Apply(ws.GradientMemories);
            }
        }

        for (int e = 0; e < 5; e++)
        {
            Epoch(e);
        }

        long allocated = long.MaxValue;
        for (int attempt = 0; attempt < 5 && allocated != 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Epoch(5 + attempt);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.AreEqual(0L, allocated, "bytes allocated by one epoch of training steps");
    }

    [TestMethod]
    public void ACheckpointThatCannotBeWrittenFailsWithItsPathAndLeavesNoFile()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mlnopt-train-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            // The checkpoint's folder is a regular file: the file system refuses the write.
            string notAFolder = Path.Combine(dir, "file");
            File.WriteAllText(notAFolder, "x");
            string checkpoint = Path.Combine(notAFolder, "run.ckpt");
            DenseTable data = Synthetic(TaskKind.Regression, 32, 1);
            var model = new NeuralModel(data.FeatureCount, new ModelOptions { Task = TaskKind.Regression }, 1);
            var e = Assert.ThrowsExactly<CheckpointWriteException>(() => Trainer.Fit(model, new Lion(1e-3), new InMemoryBatchSource(data, 16, false, 1), null, new TrainerOptions { Epochs = 1, BatchSize = 16, Blas = new ManagedBlasProvider(), CheckpointPath = checkpoint }));
            Assert.AreEqual(checkpoint, e.Path);
            Assert.IsInstanceOfType<IOException>(e.InnerException);
            StringAssert.Contains(e.Message, checkpoint);
            Assert.AreEqual("x", File.ReadAllText(notAFolder));
            Assert.HasCount(1, Directory.GetFileSystemEntries(dir), "nothing written beside it");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
