using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.MLNet.Tests;

/// <summary>
/// Issue 15 "Concurrency" and issue 18 #9 (a shared trained model used from 8 threads gave silently wrong answers) on
/// the ML.NET face: a fitted pipeline of this library, its <c>Transform</c> and one <c>PredictionEngine</c> per thread,
/// used from 8 threads at once (started together at a barrier), give exactly the bits of one thread — scores,
/// probabilities and predicted labels, every row.
/// </summary>
[TestClass]
public sealed class ConcurrencyTests
{
    private const int Threads = 8;

    private const int Rounds = 3;

    public static IEnumerable<object[]> Pipelines() => new[]
    {
        new object[] { "binary linear (Lion), breast cancer" },
        new object[] { "binary MLP 16-8 (AdamW), breast cancer" },
        new object[] { "multiclass MLP 12 (Adafactor), wine" },
    };

    public static string PipelineName(System.Reflection.MethodInfo m, object[] d) => $"{m.Name}: {d[0]}";

    public sealed class WineRow
    {
        [VectorType(13)]
        public float[] Features { get; set; } = Array.Empty<float>();

        public string Cultivar { get; set; } = string.Empty;
    }

    public sealed class BinaryOut
    {
        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }

    public sealed class MulticlassOut
    {
        public float[] Score { get; set; } = Array.Empty<float>();

        public uint PredictedLabel { get; set; }
    }

    /// <summary>A fitted pipeline, its data, and a function that makes one prediction engine and scores every row with it (one row's outputs as bits).</summary>
    private static (ITransformer Model, IDataView Data, string[] Columns, Func<int[][]> EngineRun) Fit(string name)
    {
        var ml = new MLContext(seed: 1);
        if (name.StartsWith("multiclass", StringComparison.Ordinal))
        {
            IDataView wine = SampleData.Wine(ml);
            ITransformer m = ml.Transforms.Conversion.MapValueToKey("Label", "Cultivar")
                .Append(ml.Transforms.NormalizeMinMax("Features"))
                .Append(ml.Optimizers().MulticlassClassification.Mlp(new Adafactor(0.05), new[] { 12 }, numberOfEpochs: 10, batchSize: 16))
                .Fit(wine);
            WineRow[] rows = ml.Data.CreateEnumerable<WineRow>(wine, reuseRowObject: false).ToArray();
            return (m, wine, new[] { "Score", "PredictedLabel" }, () =>
            {
                using var engine = ml.Model.CreatePredictionEngine<WineRow, MulticlassOut>(m);
                return rows.Select(r =>
                {
                    MulticlassOut p = engine.Predict(r);
                    return p.Score.Select(BitConverter.SingleToInt32Bits).Append((int)p.PredictedLabel).ToArray();
                }).ToArray();
            });
        }

        IDataView data = SampleData.BreastCancer(ml);
        IEstimator<ITransformer> trainer = name.Contains("MLP", StringComparison.Ordinal)
            ? ml.Optimizers().BinaryClassification.Mlp(new AdamW(3e-3), new[] { 16, 8 }, Activation.Tanh, numberOfEpochs: 8, batchSize: 32)
            : ml.Optimizers().BinaryClassification.Linear(new Lion(1e-3), numberOfEpochs: 8, batchSize: 32);
        ITransformer model = ml.Transforms.NormalizeMeanVariance("Features").Append(trainer).Fit(data);
        PipelineTests.BreastCancerRow[] input = ml.Data.CreateEnumerable<PipelineTests.BreastCancerRow>(data, reuseRowObject: false).ToArray();
        return (model, data, new[] { "Score", "Probability", "PredictedLabel" }, () =>
        {
            using var engine = ml.Model.CreatePredictionEngine<PipelineTests.BreastCancerRow, BinaryOut>(model);
            return input.Select(r =>
            {
                BinaryOut p = engine.Predict(r);
                return new[] { BitConverter.SingleToInt32Bits(p.Score), BitConverter.SingleToInt32Bits(p.Probability), p.PredictedLabel ? 1 : 0 };
            }).ToArray();
        });
    }

    /// <summary>Every row's output columns of <c>model.Transform(data)</c>, as bits, read with one cursor.</summary>
    private static int[][] TransformRun(ITransformer model, IDataView data, string[] columns) => ReadRun(model.Transform(data), columns);

    /// <summary>Every row's outputs (the float columns' bits) read through one cursor of <paramref name="scored"/>.</summary>
    private static int[][] ReadRun(IDataView scored, string[] columns)
    {
        var rows = new List<int[]>();
        DataViewSchema.Column[] cols = columns.Select(c => scored.Schema[c]).ToArray();
        using DataViewRowCursor cursor = scored.GetRowCursor(cols);
        var getters = cols.Select<DataViewSchema.Column, Func<IEnumerable<int>>>(c =>
        {
            if (c.Type is VectorDataViewType)
            {
                ValueGetter<VBuffer<float>> g = cursor.GetGetter<VBuffer<float>>(c);
                VBuffer<float> v = default;
                return () =>
                {
                    g(ref v);
                    return v.DenseValues().Select(BitConverter.SingleToInt32Bits).ToArray();
                };
            }

            if (c.Type == BooleanDataViewType.Instance)
            {
                ValueGetter<bool> g = cursor.GetGetter<bool>(c);
                bool b = false;
                return () =>
                {
                    g(ref b);
                    return new[] { b ? 1 : 0 };
                };
            }

            if (c.Type is KeyDataViewType)
            {
                ValueGetter<uint> g = cursor.GetGetter<uint>(c);
                uint k = 0;
                return () =>
                {
                    g(ref k);
                    return new[] { (int)k };
                };
            }

            ValueGetter<float> f = cursor.GetGetter<float>(c);
            float x = 0;
            return () =>
            {
                f(ref x);
                return new[] { BitConverter.SingleToInt32Bits(x) };
            };
        }).ToArray();
        while (cursor.MoveNext())
        {
            rows.Add(getters.SelectMany(g => g()).ToArray());
        }

        return rows.ToArray();
    }

    private static int Differences(int[][] expected, int[][] actual)
    {
        if (expected.Length != actual.Length)
        {
            return Math.Max(expected.Length, actual.Length);
        }

        return expected.Zip(actual).Count(p => !p.First.AsSpan().SequenceEqual(p.Second));
    }

    [TestMethod]
    [DynamicData(nameof(Pipelines), DynamicDataDisplayName = nameof(PipelineName))]
    public void Defect9_TransformAndOnePredictionEnginePerThreadFromEightThreadsGiveTheBitsOfOneThread(string name)
    {
        (ITransformer model, IDataView data, string[] columns, Func<int[][]> engineRun) = Fit(name);

        // One thread.
        int[][] transformed = TransformRun(model, data, columns);
        int[][] predicted = engineRun();
        Assert.IsGreaterThan(100, transformed.Length, name);
        Assert.AreEqual(0, Differences(transformed, predicted), $"{name}: the prediction engine agrees with Transform on one thread");

        // Eight threads at once: each transforms the data and scores every row with its own prediction engine, three times.
        var wrongRows = new int[Threads];
        using var start = new Barrier(Threads);
        Task[] workers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (int round = 0; round < Rounds; round++)
                {
                    wrongRows[t] += (t + round) % 2 == 0
                        ? Differences(transformed, TransformRun(model, data, columns)) + Differences(predicted, engineRun())
                        : Differences(predicted, engineRun()) + Differences(transformed, TransformRun(model, data, columns));
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        Task.WaitAll(workers);

        Assert.AreEqual(0, wrongRows.Sum(), $"{name}: rows ({transformed.Length} per run) whose outputs differ from one thread's, per thread: {string.Join(", ", wrongRows)}");
    }

    [TestMethod]
    public void Defect9_OneScoredViewReadByEightCursorsAtOnceGivesTheBitsOfOneCursor()
    {
        (ITransformer model, IDataView data, string[] columns, _) = Fit("multiclass MLP 12 (Adafactor), wine");
        int[][] expected = TransformRun(model, data, columns);
        Assert.IsGreaterThan(100, expected.Length, "rows read on one cursor");
        IDataView shared = model.Transform(data);
        var wrongRows = new int[Threads];
        using var start = new Barrier(Threads);
        Task[] workers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (int round = 0; round < Rounds; round++)
                {
                    wrongRows[t] += Differences(expected, ReadRun(shared, columns));
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        Task.WaitAll(workers);
        Assert.AreEqual(0, wrongRows.Sum(), "rows that differ, per thread: " + string.Join(", ", wrongRows));
    }
}
