using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.MLNet;
using MLNet.Optimizers.MLNet.Data;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Benchmarks;

/// <summary>
/// The measurement behind the early-stopping defaults (docs/early-stopping.md): on every data set of samples/data, the
/// inferred recipe's features and the recommended MLP, several seeds; per seed 20 % of the rows are held out (test) and
/// 10 % of the rest are selection rows. One run of all epochs records per epoch the selection loss, the selection
/// metric and the test metric; every epoch rule × patience is then replayed on that record exactly as the trainer
/// would run it (the stop and the kept epoch), and the kept epoch's test metric compared. Refit on all training rows is
/// measured by extra runs for the kept epoch counts. A quality study: run it with nice; its timings mean nothing.
/// </summary>
internal static class EarlyStoppingStudy
{
    private static readonly (string File, string Label)[] DataSets =
    {
        ("iris.csv", "species"), ("wine.csv", "cultivar"), ("breast_cancer.csv", "diagnosis"), ("diabetes.csv", "progression"),
        ("digits.csv", "digit"), ("diamonds.csv", "price"), ("Shuttle.csv", "Class"), ("LetterRecognition.csv", "lettr"),
    };

    private static readonly EpochRule[] Rules = { EpochRule.BestLoss, EpochRule.BestMetric, EpochRule.Last };

    private static readonly int?[] Patiences = { 3, 5, 10, 20, null };

    private static readonly BlasProvider Blas = BlasProviders.Create("managed");

    public static void Run(string[] args)
    {
        int seeds = 3, maxRows = 6000, epochs = TrainingDefaults.Epochs;
        double selectionFraction = TrainingDefaults.SelectionFraction;
        string? json = null;
        string[] only = Array.Empty<string>();
        string[] schedules = { "constant", "cosine" };
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seeds": seeds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--max-rows": maxRows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--json": json = args[++i]; break;
                case "--only": only = args[++i].Split(','); break;
                case "--schedules": schedules = args[++i].Split(','); break;
                case "--selection": selectionFraction = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'; options: --seeds N --max-rows N --epochs N --json PATH --only a.csv,b.csv --schedules constant,cosine --selection 0.1");
            }
        }

        var records = new List<RunRecord>();
        foreach ((string file, string label) in DataSets.Where(d => only.Length == 0 || only.Contains(d.File)))
        {
            string path = Path.Combine(AppContext.BaseDirectory, "data", file);
            Recipe recipe = CsvInference.Infer(path, label).Recipe;
            var ml = new MLContext(seed: 1);
            IDataView data = recipe.LoadData(ml, path);
            long rows = data.GetColumn<float>(data.Schema.First(c => c.Type == NumberDataViewType.Single).Name).LongCount();
            if (rows > maxRows)
            {
                // An exact seeded random sample (ML.NET's ShuffleRows only shuffles within a pool of 1,000 rows, and
                // diamonds.csv is sorted by price).
                Recipe pick = recipe.Clone();
                pick.Seed = 123;
                pick.Data.HoldoutFraction = maxRows / (double)rows;
                data = pick.SplitHoldout(ml, data).Holdout!;
            }

            data = ml.Data.Cache(data);
            for (int s = 1; s <= seeds; s++)
            {
                Recipe r = recipe.Clone();
                r.Seed = (ulong)s;
                (IDataView train, IDataView? test) = r.SplitHoldout(ml, data);
                ITransformer featurizer = r.BuildFeaturizer(ml).Fit(train);
                DenseTable trainT = Read(featurizer.Transform(train), r), testT = Read(featurizer.Transform(test!), r);
                (int[] fitRows, int[] selRows) = DataSplit.SelectionIndices(trainT.Labels, r.Trainer.Task, selectionFraction, DeterministicRandom.Derive((ulong)s, 3));
                DenseTable fitT = trainT.Select(fitRows), selT = trainT.Select(selRows);
                int classes = r.Trainer.Task == TaskKind.MulticlassClassification ? (int)trainT.Labels.Max() + 1 : 2;
                foreach (string schedule in schedules)
                {
                    Console.Error.WriteLine($"{file} seed {s} {schedule}: {fitT.RowCount} fit, {selT.RowCount} selection, {testT.RowCount} test rows, {trainT.FeatureCount} features");
                    Curve curve = Train(r.Trainer.Task, classes, fitT, selT, testT, epochs, schedule, (ulong)s);
                    var record = new RunRecord(file, s, schedule, r.Trainer.Task, curve);
                    foreach (int kept in record.KeptEpochs().Distinct().Where(e => e > 0))
                    {
                        record.Refit[kept] = Train(r.Trainer.Task, classes, trainT, null, testT, kept, schedule, (ulong)s).Test[^1];
                    }

                    records.Add(record);
                }
            }
        }

        Report(records, schedules);
        if (json != null)
        {
            File.WriteAllText(json, Json(records));
            Console.Error.WriteLine("wrote " + json);
        }
    }

    private static DenseTable Read(IDataView featurized, Recipe r)
    {
        using var source = new DataViewBatchSource(featurized, RecipeDefaults.FeatureColumn, r.TrainerLabelColumn, null, r.Trainer.Task, false, 0, 1);
        return source.ReadAll();
    }

    /// <summary>One run of <paramref name="epochs"/> epochs: per epoch the selection loss and metric (when selection rows are given) and the test metric.</summary>
    private static Curve Train(TaskKind task, int classes, DenseTable fit, DenseTable? selection, DenseTable test, int epochs, string schedule, ulong seed)
    {
        if (task == TaskKind.Regression)
        {
            double mean = fit.Labels.Average(v => (double)v);
            double std = Math.Sqrt(fit.Labels.Average(v => ((double)v - mean) * ((double)v - mean)));
            std = std > 0 ? std : 1;
            DenseTable Z(DenseTable t) => new(t.Features, t.FeatureCount, t.Labels.Select(v => (float)((v - mean) / std)).ToArray(), t.Weights);
            fit = Z(fit);
            selection = selection is null ? null : Z(selection);
            test = Z(test);
        }

        var model = new NeuralModel(fit.FeatureCount, new ModelOptions { Task = task, ClassCount = classes, HiddenLayers = TrainingDefaults.HiddenLayers, Activation = TrainingDefaults.Activation }, DeterministicRandom.Derive(seed, 0));
        long steps = epochs * (long)((fit.RowCount + TrainingDefaults.BatchSize - 1) / TrainingDefaults.BatchSize);
        Optimizer optimizer = schedule == "cosine"
            ? new Lion(new CosineDecay(0, steps - (long)Math.Round(steps * 0.05), warmupTarget: LionDefaults.RecommendedLearningRate, warmupSteps: (long)Math.Round(steps * 0.05))) { WeightDecay = LionDefaults.RecommendedWeightDecay }
            : new Lion(LionDefaults.RecommendedLearningRate) { WeightDecay = LionDefaults.RecommendedWeightDecay };
        optimizer.ExcludeFromWeightDecay(namePatterns: TrainingDefaults.ExcludeFromWeightDecay);
        BlasProvider blas = Blas;
        var curve = new Curve();
        var scores = new float[test.RowCount * model.OutputCount];
        var progress = new SyncProgress(p =>
        {
            if (p.EpochEnd)
            {
                model.Score(blas, test.Features, test.RowCount, scores);
                curve.Test.Add(Metric(task, test.Labels, scores, model.OutputCount));
            }
        });
        TrainingResult result = Trainer.Fit(model, optimizer, new InMemoryBatchSource(fit, TrainingDefaults.BatchSize, true, DeterministicRandom.Derive(seed, 1)), selection, new TrainerOptions { Epochs = epochs, BatchSize = TrainingDefaults.BatchSize, Seed = DeterministicRandom.Derive(seed, 2), Blas = blas }, progress);
        curve.SelectionLoss.AddRange(result.History.Select(h => h.ValidationLoss));
        curve.SelectionMetric.AddRange(result.History.Select(h => h.ValidationQuality));
        return curve;
    }

    /// <summary>Accuracy (classification) or R² (regression) of scores.</summary>
    private static double Metric(TaskKind task, float[] labels, float[] scores, int k)
    {
        int n = labels.Length;
        if (task == TaskKind.Regression)
        {
            double mean = labels.Average(v => (double)v), sse = 0, sst = 0;
            for (int i = 0; i < n; i++)
            {
                sse += (scores[i] - labels[i]) * (double)(scores[i] - labels[i]);
                sst += (labels[i] - mean) * (labels[i] - mean);
            }

            return 1 - (sse / sst);
        }

        int correct = 0;
        for (int i = 0; i < n; i++)
        {
            int predicted;
            if (task == TaskKind.BinaryClassification)
            {
                predicted = scores[i] > 0 ? 1 : 0;
            }
            else
            {
                predicted = 0;
                for (int j = 1; j < k; j++)
                {
                    if (scores[(i * k) + j] > scores[(i * k) + predicted])
                    {
                        predicted = j;
                    }
                }
            }

            correct += predicted == (int)labels[i] ? 1 : 0;
        }

        return correct / (double)n;
    }

    /// <summary>The trainer's early stopping replayed on a record: (epochs run, epoch kept).</summary>
    internal static (int Run, int Kept) Replay(Curve c, EpochRule rule, int? patience)
    {
        bool onLoss = rule != EpochRule.BestMetric;
        double best = double.PositiveInfinity;
        int bestEpoch = 0, bad = 0, epochs = c.SelectionLoss.Count;
        for (int e = 1; e <= epochs; e++)
        {
            double v = onLoss ? c.SelectionLoss[e - 1] : -c.SelectionMetric[e - 1];
            if (bestEpoch == 0 || v < best)
            {
                best = v;
                bestEpoch = e;
                bad = 0;
            }
            else
            {
                bad++;
            }

            if (patience is int p && bad >= p)
            {
                return (e, rule == EpochRule.Last ? e : bestEpoch);
            }
        }

        return (epochs, rule == EpochRule.Last ? epochs : bestEpoch);
    }

    private static void Report(List<RunRecord> records, string[] schedules)
    {
        foreach (string schedule in schedules)
        {
            List<RunRecord> rs = records.Where(r => r.Schedule == schedule).ToList();
            if (rs.Count == 0)
            {
                continue;
            }

            string[] files = rs.Select(r => r.File).Distinct().ToArray();
            Console.WriteLine();
            Console.WriteLine($"## schedule: {schedule} ({rs.Count} runs: {files.Length} data sets × {rs.Count / files.Length} seeds; test metric = accuracy, R² for regression)");
            Console.WriteLine();
            Console.WriteLine("| rule | patience | mean test metric | mean regret vs best epoch | refit: mean test metric | epochs run | kept epoch | " + string.Join(" | ", files.Select(f => Path.GetFileNameWithoutExtension(f))) + " |");
            Console.WriteLine("|---|---|---|---|---|---|---|" + string.Concat(files.Select(_ => "---|")));
            foreach (EpochRule rule in Rules)
            {
                foreach (int? patience in Patiences)
                {
                    var cells = rs.Select(r =>
                    {
                        (int run, int kept) = Replay(r.Curve, rule, patience);
                        return (r.File, Test: r.Curve.Test[kept - 1], Regret: r.Curve.Test.Max() - r.Curve.Test[kept - 1], Refit: r.Refit.TryGetValue(kept, out double f) ? f : double.NaN, Run: run, Kept: kept);
                    }).ToList();
                    string perFile = string.Join(" | ", files.Select(f => cells.Where(c => c.File == f).Average(c => c.Test).ToString("0.0000", CultureInfo.InvariantCulture)));
                    Console.WriteLine($"| {EpochRules.NameOf(rule)} | {(patience?.ToString(CultureInfo.InvariantCulture) ?? "none")} | {cells.Average(c => c.Test):0.0000} | {cells.Average(c => c.Regret):0.0000} | {(cells.Any(c => double.IsNaN(c.Refit)) ? "—" : cells.Average(c => c.Refit).ToString("0.0000", CultureInfo.InvariantCulture))} | {cells.Average(c => c.Run):0.0} | {cells.Average(c => c.Kept):0.0} | {perFile} |");
                }
            }

            Paired(rs);
        }
    }

    /// <summary>Paired differences of the kept epoch's test metric (same data set, seed and schedule): mean ± standard error, wins and losses.</summary>
    private static void Paired(List<RunRecord> rs)
    {
        var pairs = new (EpochRule Rule, int? Patience, bool Refit, EpochRule Rule2, int? Patience2, bool Refit2)[]
        {
            (EpochRule.BestLoss, 10, false, EpochRule.Last, 10, false),
            (EpochRule.BestLoss, 10, false, EpochRule.BestMetric, 10, false),
            (EpochRule.BestLoss, 10, false, EpochRule.BestLoss, 5, false),
            (EpochRule.BestLoss, 10, false, EpochRule.BestLoss, 20, false),
            (EpochRule.BestLoss, 10, false, EpochRule.BestLoss, null, false),
            (EpochRule.BestLoss, 10, false, EpochRule.BestLoss, 10, true),
            (EpochRule.Last, 10, false, EpochRule.Last, 10, true),
        };
        Console.WriteLine();
        Console.WriteLine("| B − A (paired per data set and seed) | mean | ± s.e. | B better | A better |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach ((EpochRule r1, int? p1, bool f1, EpochRule r2, int? p2, bool f2) in pairs)
        {
            double[] d = rs.Select(r => Value(r, r2, p2, f2) - Value(r, r1, p1, f1)).Where(double.IsFinite).ToArray();
            if (d.Length < 2)
            {
                continue;
            }

            double mean = d.Average(), se = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (d.Length - 1) / d.Length);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {Name(r2, p2, f2)} − {Name(r1, p1, f1)} | {mean:+0.0000;-0.0000} | {se:0.0000} | {d.Count(x => x > 1e-12)} | {d.Count(x => x < -1e-12)} |"));
        }

        static double Value(RunRecord r, EpochRule rule, int? patience, bool refit)
        {
            int kept = Replay(r.Curve, rule, patience).Kept;
            return refit ? (r.Refit.TryGetValue(kept, out double v) ? v : double.NaN) : r.Curve.Test[kept - 1];
        }

        static string Name(EpochRule rule, int? patience, bool refit) => $"{EpochRules.NameOf(rule)} p{patience?.ToString(CultureInfo.InvariantCulture) ?? "∞"}{(refit ? " + refit" : string.Empty)}";
    }

    private static string Json(List<RunRecord> records)
    {
        var a = new JsonArray();
        foreach (RunRecord r in records)
        {
            var refit = new JsonObject();
            foreach (KeyValuePair<int, double> kv in r.Refit.OrderBy(k => k.Key))
            {
                refit[kv.Key.ToString(CultureInfo.InvariantCulture)] = kv.Value;
            }

            a.Add(new JsonObject
            {
                ["file"] = r.File,
                ["seed"] = r.Seed,
                ["schedule"] = r.Schedule,
                ["task"] = r.Task.ToString(),
                ["selection_loss"] = new JsonArray(r.Curve.SelectionLoss.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
                ["selection_metric"] = new JsonArray(r.Curve.SelectionMetric.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
                ["test_metric"] = new JsonArray(r.Curve.Test.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
                ["refit_test_metric"] = refit,
            });
        }

        return a.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    internal sealed class Curve
    {
        public List<double> SelectionLoss { get; } = new();

        public List<double> SelectionMetric { get; } = new();

        public List<double> Test { get; } = new();
    }

    private sealed record RunRecord(string File, int Seed, string Schedule, TaskKind Task, Curve Curve)
    {
        public Dictionary<int, double> Refit { get; } = new();

        /// <summary>The kept epochs refits are measured for: every rule at patience 5, 10 and 20.</summary>
        public IEnumerable<int> KeptEpochs() => Rules.SelectMany(rule => new int?[] { 5, 10, 20 }.Select(p => Replay(Curve, rule, p).Kept));
    }

    private sealed class SyncProgress : IProgress<TrainingProgress>
    {
        private readonly Action<TrainingProgress> _report;

        public SyncProgress(Action<TrainingProgress> report) => _report = report;

        public void Report(TrainingProgress value) => _report(value);
    }
}
