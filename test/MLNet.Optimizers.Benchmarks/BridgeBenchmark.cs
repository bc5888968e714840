using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.ML;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.MLNet;
using MLNet.Optimizers.MLNet.Data;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Benchmarks;

/// <summary>
/// The ML.NET trainer against the in-memory engine on the same model and data (issue 12's speed target: training
/// through IDataView cursors at no less than 0.8× the engine's examples/s). The data: diamonds.csv through the
/// inferred recipe's featurization (26 features), cached by ML.NET — its first 3,700 rows for 30 epochs (the case the
/// issue names) and all 53,940 rows for 5 epochs; the model: an MLP with one hidden layer of 128 ReLU units, Lion,
/// batches of 32, no selection rows. Rows: the engine (<c>Trainer.Fit</c> over an <c>InMemoryBatchSource</c>), the
/// bridge streaming over the cached data view's cursors, the bridge reading the rows into memory once (its default),
/// and the bridge streaming the uncached featurization (text parsing and transforms every epoch). Two times per
/// bridge row: the whole <c>Fit</c> (with ML.NET's schema checks and the export to ML.NET's model types, a fixed cost
/// of a few milliseconds) and its training phase (reading, splitting and the epochs: the trainer's report). Median of
/// interleaved rounds after a paused warm-up; ratios to the engine measured in the same run.
/// </summary>
internal static class BridgeBenchmark
{
    public static void Run(string[] args)
    {
        int repeats = 7;
        string? json = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": repeats = 3; break;
                case "--json": json = args[++i]; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'; options: --quick --json PATH");
            }
        }

        var results = new JsonArray();
        foreach ((int rows, int epochs) in new[] { (3700, 30), (53940, 5) })
        {
            results.Add(Case(rows, epochs, repeats));
        }

        Console.Error.WriteLine("load average: " + LoadAverage());
        if (json != null)
        {
            File.WriteAllText(json, new JsonObject { ["benchmark"] = "bridge", ["provider"] = BlasProviders.Default.Provenance.ToString(), ["load_average"] = LoadAverage(), ["cases"] = results }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }

    private static JsonObject Case(int rows, int epochs, int repeats)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "data", "diamonds.csv");
        var ml = new MLContext(seed: 1);
        Recipe recipe = CsvInference.Infer(path, "price").Recipe;
        IDataView raw = ml.Data.TakeRows(recipe.LoadData(ml, path), rows);
        ITransformer featurizer = recipe.BuildFeaturizer(ml).Fit(raw);
        IDataView uncached = featurizer.Transform(raw);
        IDataView cached = ml.Data.Cache(uncached);
        string label = recipe.TrainerLabelColumn;
        DenseTable table;
        using (var s = new DataViewBatchSource(cached, RecipeDefaults.FeatureColumn, label, null, TaskKind.Regression, false, 0, 1))
        {
            table = s.ReadAll();
        }

        BlasProvider blas = BlasProviders.Default;
        Console.Error.WriteLine($"diamonds: {table.RowCount} rows × {table.FeatureCount} features, MLP 128, {epochs} epochs, provider {blas.Provenance}");
        (double Fit, double Training) Engine()
        {
            var model = new NeuralModel(table.FeatureCount, new ModelOptions { Task = TaskKind.Regression, HiddenLayers = new[] { 128 } }, 7);
            var watch = Stopwatch.StartNew();
            Trainer.Fit(model, new Lion(1e-3), new InMemoryBatchSource(table, 32, true, 1), null, new TrainerOptions { Epochs = epochs, BatchSize = 32, Blas = blas });
            double t = watch.Elapsed.TotalSeconds;
            return (t, t);
        }

        (double Fit, double Training) Bridge(IDataView data, bool inMemory)
        {
            double training = double.NaN;
            var o = new MlpTrainerOptions
            {
                Optimizer = new Lion(1e-3),
                HiddenLayers = new[] { 128 },
                LabelColumnName = label,
                NumberOfEpochs = epochs,
                BatchSize = 32,
                SelectionFraction = 0,

                // The engine baseline's plain MLP: the recommended MLP's input encoding, schedule and step budget off,
                // so both sides train the same network for the same steps.
                RobustScaling = false,
                SmoothClip = 0,
                PiecewiseLinearBins = 0,
                LearningRateCurve = LearningRateCurve.Constant,
                MaxSteps = null,
                MaterializeInMemory = inMemory,
                Blas = blas,
                TrainingCompleted = r => training = r.Seconds,
            };
            var watch = Stopwatch.StartNew();
            ml.Optimizers().Regression.Mlp(o).Fit(data);
            return (watch.Elapsed.TotalSeconds, training);
        }

        var cases = new List<(string Name, Func<(double, double)> Run)>
        {
            ("engine, in memory (baseline)", Engine),
            ("bridge, streaming IDataView cursors (cached view)", () => Bridge(cached, false)),
            ("bridge, rows read into memory once (default)", () => Bridge(cached, true)),
        };
        if (rows <= 10_000)
        {
            cases.Add(("bridge, streaming the uncached featurization", () => Bridge(uncached, false)));
        }

        // Warm-up: rounds separated by pauses, so the JIT's tier-1 code (compiled in the background) is what is timed.
        for (int w = 0; w < 3; w++)
        {
            foreach ((_, Func<(double, double)> run) in cases)
            {
                run();
            }

            System.Threading.Thread.Sleep(300);
        }

        // Interleaved rounds, so every case sees the same stretch of machine load.
        var fit = cases.Select(_ => new List<double>()).ToArray();
        var training = cases.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < repeats; r++)
        {
            for (int c = 0; c < cases.Count; c++)
            {
                (double f, double t) = cases[c].Run();
                fit[c].Add(f);
                training[c].Add(t);
            }
        }

        double examples = (double)table.RowCount * epochs;
        double baseFit = Median(fit[0]), baseTraining = Median(training[0]);
        var result = new JsonArray();
        Console.WriteLine();
        Console.WriteLine($"| case ({table.RowCount} rows × {epochs} epochs, MLP 128) | fit ms (median) | training ms (median) | training examples/s | ratio to engine: fit | ratio: training |");
        Console.WriteLine("|---|---|---|---|---|---|");
        for (int c = 0; c < cases.Count; c++)
        {
            double f = Median(fit[c]), t = Median(training[c]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {cases[c].Name} | {f * 1000:0} | {t * 1000:0} | {examples / t:0} | {baseFit / f:0.00} | {baseTraining / t:0.00} |"));
            result.Add(new JsonObject { ["case"] = cases[c].Name, ["fit_ms"] = f * 1000, ["training_ms"] = t * 1000, ["training_examples_per_second"] = examples / t, ["ratio_fit"] = baseFit / f, ["ratio_training"] = baseTraining / t });
        }

        return new JsonObject { ["rows"] = table.RowCount, ["features"] = table.FeatureCount, ["epochs"] = epochs, ["results"] = result };
    }

    private static double Median(List<double> v)
    {
        double[] s = v.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
}
