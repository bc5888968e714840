using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.TestSupport;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>
/// Issue 18 #9 (one shared trained model used from 8 threads gave silently wrong answers) in the engine: a trained
/// <see cref="NeuralModel"/> scored from 8 threads at once gives exactly the bits of one thread, and a model that is
/// being trained refuses a second <c>Fit</c> and a <c>Score</c> from another thread with an exception, changing nothing.
/// No test here depends on timing: the threads start together at a barrier, and the guard tests hold the training
/// thread inside its progress callback while the other thread tries.
/// </summary>
[TestClass]
public sealed class ConcurrencyTests
{
    private const int Threads = 8;

    private static readonly BlasProvider Managed = new ManagedBlasProvider();

    public static IEnumerable<object[]> Models() => new[]
    {
        new object[] { "MLP 16-8 multiclass, managed", TaskKind.MulticlassClassification, new[] { 16, 8 }, 1, "managed" },
        new object[] { "packed ensemble of 3 MLPs 12, regression, managed", TaskKind.Regression, new[] { 12 }, 3, "managed" },
        new object[] { "linear binary, default provider", TaskKind.BinaryClassification, Array.Empty<int>(), 1, "default" },
        new object[] { "MLP 32 binary, default provider", TaskKind.BinaryClassification, new[] { 32 }, 1, "default" },
    };

    public static string ModelName(System.Reflection.MethodInfo m, object[] d) => $"{m.Name}: {d[0]}";

    private static (NeuralModel Model, DenseTable Data) Trained(TaskKind task, int[] hidden, int members, BlasProvider blas)
    {
        DenseTable data = TrainerTests.Synthetic(task, 700, 11);
        var model = new NeuralModel(data.FeatureCount, new ModelOptions { Task = task, ClassCount = task == TaskKind.MulticlassClassification ? 3 : 2, HiddenLayers = hidden, EnsembleSize = members }, seed: 5);
        Trainer.Fit(model, new Lion(3e-3), new InMemoryBatchSource(data, 32, true, 2), null, new TrainerOptions { Epochs = 2, BatchSize = 32, Seed = 1, Blas = blas });
        return (model, data);
    }

    [TestMethod]
    [DynamicData(nameof(Models), DynamicDataDisplayName = nameof(ModelName))]
    public void Defect9_ScoreAndPredictFromEightThreadsGiveTheBitsOfOneThread(string name, TaskKind task, int[] hidden, int members, string provider)
    {
        BlasProvider blas = provider == "managed" ? Managed : BlasProviders.Default;
        (NeuralModel model, DenseTable data) = Trained(task, hidden, members, blas);
        int rows = data.RowCount, f = data.FeatureCount, k = model.OutputCount;

        // The calls: per thread, 60 slices (every third one all rows, three 256-row chunks inside Score; the others from
        // 1 row up), alternating raw scores and predictions. One thread makes every thread's calls first: the reference.
        // (The same calls, not all rows at once: with OpenBLAS a row's bits may depend on how many rows share the call.)
        var plans = new (int From, int N, bool Predict)[Threads][];
        for (int t = 0; t < Threads; t++)
        {
            var rng = new Random(t);
            plans[t] = Enumerable.Range(0, 60).Select(call =>
            {
                int from = call % 3 == 0 ? 0 : rng.Next(rows);
                int n = call % 3 == 0 ? rows : 1 + rng.Next(rows - from);
                return (from, n, (call + t) % 2 == 1);
            }).ToArray();
        }

        float[][] Run(int t, float[][][]? expected, int[] mismatches)
        {
            var results = new float[plans[t].Length][];
            for (int call = 0; call < plans[t].Length; call++)
            {
                (int from, int n, bool predict) = plans[t][call];
                var o = new float[n * k];
                ReadOnlySpan<float> x = data.Features.AsSpan(from * f, n * f);
                if (predict)
                {
                    model.Predict(blas, x, n, o);
                }
                else
                {
                    model.Score(blas, x, n, o);
                }

                results[call] = o;
                if (expected != null)
                {
                    for (int i = 0; i < o.Length; i++)
                    {
                        if (BitConverter.SingleToInt32Bits(o[i]) != BitConverter.SingleToInt32Bits(expected[t][call][i]))
                        {
                            mismatches[t]++;
                        }
                    }
                }
            }

            return results;
        }

        var none = new int[Threads];
        float[][][] reference = Enumerable.Range(0, Threads).Select(t => Run(t, null, none)).ToArray();

        // Eight threads at once, started together, each making its calls and comparing them bit for bit.
        var mismatches = new int[Threads];
        using var start = new Barrier(Threads);
        Task[] workers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                Run(t, reference, mismatches);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        Task.WaitAll(workers);

        long values = plans.Sum(p => p.Sum(c => (long)c.N * k));
        Assert.AreEqual(0, mismatches.Sum(), $"{name}: of {values:N0} values, these differ from one thread's, per thread: {string.Join(", ", mismatches)}");
    }

    /// <summary>A progress sink that runs on the training thread: at its first report it lets the test act and waits until it has.</summary>
    private sealed class HoldAtFirstReport : IProgress<TrainingProgress>
    {
        public readonly ManualResetEventSlim Reached = new();
        public readonly ManualResetEventSlim Release = new();
        private int _reports;

        public void Report(TrainingProgress value)
        {
            if (Interlocked.Increment(ref _reports) == 1)
            {
                Reached.Set();
                if (!Release.Wait(TimeSpan.FromMinutes(2)))
                {
                    throw new TimeoutException("the test did not release the training thread");
                }
            }
        }
    }

    /// <summary>Runs <paramref name="attempt"/> on this thread while another thread's <c>Trainer.Fit</c> of <paramref name="model"/> is held inside a step.</summary>
    private static void WhileTraining(NeuralModel model, DenseTable data, Action attempt)
    {
        var hold = new HoldAtFirstReport();
        Task fit = Task.Factory.StartNew(
            () => Trainer.Fit(model, new Lion(1e-3), new InMemoryBatchSource(data, 16, true, 3), null, new TrainerOptions { Epochs = 2, BatchSize = 16, Seed = 2, Blas = Managed, ReportEverySteps = 2 }, hold),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            Assert.IsTrue(hold.Reached.Wait(TimeSpan.FromMinutes(2)) || fit.IsFaulted, "the training reached its first progress report");
            Assert.IsFalse(fit.IsFaulted, fit.Exception?.ToString());
            attempt();
        }
        finally
        {
            hold.Release.Set();
            fit.Wait();
        }
    }

    [TestMethod]
    public void Defect9_ASecondConcurrentFitOfTheSameModelThrowsAndChangesNothing()
    {
        DenseTable data = TrainerTests.Synthetic(TaskKind.MulticlassClassification, 200, 3);
        var model = new NeuralModel(data.FeatureCount, new ModelOptions { Task = TaskKind.MulticlassClassification, ClassCount = 3, HiddenLayers = new[] { 8 } }, seed: 1);
        var secondOptimizer = new Lion(1e-3);
        var secondSource = new InMemoryBatchSource(data, 16, true, 4);
        WhileTraining(model, data, () =>
        {
            string modelBefore = StateSnapshot.Of(model), optimizerBefore = StateSnapshot.Of(secondOptimizer), sourceBefore = StateSnapshot.Of(secondSource);
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => Trainer.Fit(model, secondOptimizer, secondSource, null, new TrainerOptions { Epochs = 1, BatchSize = 16, Blas = Managed }));
            StringAssert.Contains(e.Message, "already being trained");
            Assert.IsNull(StateSnapshot.FirstDifference(modelBefore, StateSnapshot.Of(model)), "the refused Fit changed the model");
            Assert.IsNull(StateSnapshot.FirstDifference(optimizerBefore, StateSnapshot.Of(secondOptimizer)), "the refused Fit changed its optimizer");
            Assert.IsNull(StateSnapshot.FirstDifference(sourceBefore, StateSnapshot.Of(secondSource)), "the refused Fit changed its batch source");
        });

        // After the first Fit returned, the model trains again (the guard was released).
        TrainingResult again = Trainer.Fit(model, secondOptimizer, secondSource, null, new TrainerOptions { Epochs = 1, BatchSize = 16, Blas = Managed });
        Assert.IsGreaterThan(0L, again.Steps);
    }

    [TestMethod]
    public void Defect9_ScoreFromAnotherThreadDuringFitThrowsAndChangesNothing()
    {
        DenseTable data = TrainerTests.Synthetic(TaskKind.Regression, 200, 6);
        var model = new NeuralModel(data.FeatureCount, new ModelOptions { Task = TaskKind.Regression, HiddenLayers = new[] { 8 } }, seed: 1);
        var output = new float[data.RowCount];
        WhileTraining(model, data, () =>
        {
            Array.Fill(output, 42f);
            string before = StateSnapshot.Of(model);
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => model.Score(Managed, data.Features, data.RowCount, output));
            StringAssert.Contains(e.Message, "being trained");
            Assert.ThrowsExactly<InvalidOperationException>(() => model.Predict(Managed, data.Features, data.RowCount, output));
            Assert.IsNull(StateSnapshot.FirstDifference(before, StateSnapshot.Of(model)), "the refused Score changed the model");
            Assert.IsTrue(output.All(v => v == 42f), "the refused Score wrote into the output");
        });

        // After Fit: Score works from this thread and gives the bits of a second call.
        model.Score(Managed, data.Features, data.RowCount, output);
        var again = new float[data.RowCount];
        model.Score(Managed, data.Features, data.RowCount, again);
        CollectionAssert.AreEqual(output, again);
    }

    [TestMethod]
    public void Defect9_OneWorkspaceUsedByTwoForwardBackwardCallsAtOnceThrows()
    {
        DenseTable data = TrainerTests.Synthetic(TaskKind.Regression, 64, 8);
        var model = new NeuralModel(data.FeatureCount, new ModelOptions { Task = TaskKind.Regression, HiddenLayers = new[] { 8 } }, seed: 1);
        NeuralModel.Workspace ws = model.CreateWorkspace(64);
        var source = new InMemoryBatchSource(data, 64, false, 0);
        var batch = new Batch(64, data.FeatureCount);
        Assert.IsTrue(source.Next(batch));

        // A workspace marked as in use (what a ForwardBackward on another thread does for its duration) is refused.
        string before = StateSnapshot.Of(ws);
        Interlocked.Exchange(ref ws.InUse, 1);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => model.ForwardBackward(Managed, ws, batch, null));
        StringAssert.Contains(e.Message, "in use");
        Interlocked.Exchange(ref ws.InUse, 0);
        Assert.IsNull(StateSnapshot.FirstDifference(before, StateSnapshot.Of(ws)), "the refused call wrote into the workspace");

        double loss = model.ForwardBackward(Managed, ws, batch, null);
        Assert.IsTrue(double.IsFinite(loss));
        Assert.AreEqual(0, ws.InUse, "the workspace is free again after a call");
    }
}
