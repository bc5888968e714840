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
/// through IDataView cursors at no less than 0.8× the engine's examples/s). The data: the first 3,700 rows of
/// diamonds.csv through the inferred recipe's featurization (26 features), cached by ML.NET; the model: an MLP with one
/// hidden layer of 128 ReLU units, Lion, 30 epochs of batches of 32, no selection rows. Rows: the engine
/// (<c>Trainer.Fit</c> over an <c>InMemoryBatchSource</c>), the bridge streaming over the cached data view's cursors,
/// the bridge reading the rows into memory once (its default), and the bridge streaming the uncached featurization
/// (text parsing and transforms every epoch). Median of the runs after a warm-up; ratios to the engine measured in
/// the same run.
/// </summary>
internal static class BridgeBenchmark
{
    public static void Run(string[] args)
    {
        int repeats = 7, rows = 3700, epochs = 30;
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
        Console.Error.WriteLine($"diamonds: {table.RowCount} rows × {table.FeatureCount} features, MLP 128, {epochs} epochs, provider {blas.Description}");
        double Engine()
        {
            var model = new NeuralModel(table.FeatureCount, new ModelOptions { Task = TaskKind.Regression, HiddenLayers = new[] { 128 } }, 7);
            var opt = new Lion(1e-3);
            var watch = Stopwatch.StartNew();
            Trainer.Fit(model, opt, new InMemoryBatchSource(table, 32, true, 1), null, new TrainerOptions { Epochs = epochs, BatchSize = 32, Blas = blas });
            return watch.Elapsed.TotalSeconds;
        }

        double Bridge(IDataView data, bool inMemory)
        {
            var o = new MlpTrainerOptions
            {
                Optimizer = new Lion(1e-3),
                HiddenLayers = new[] { 128 },
                LabelColumnName = label,
                NumberOfEpochs = epochs,
                BatchSize = 32,
                SelectionFraction = 0,
                MaterializeInMemory = inMemory,
                Blas = blas,
            };
            var watch = Stopwatch.StartNew();
            ml.Optimizers().Regression.Mlp(o).Fit(data);
            return watch.Elapsed.TotalSeconds;
        }

        var cases = new (string Name, Func<double> Run)[]
        {
            ("engine, in memory (baseline)", Engine),
            ("bridge, streaming IDataView cursors (cached view)", () => Bridge(cached, false)),
            ("bridge, rows read into memory once (default)", () => Bridge(cached, true)),
            ("bridge, streaming the uncached featurization", () => Bridge(uncached, false)),
        };
        // Warm-up: rounds separated by pauses, so the JIT's tier-1 code (compiled in the background) is what is timed.
        for (int w = 0; w < 3; w++)
        {
            foreach ((_, Func<double> run) in cases)
            {
                run();
            }

            System.Threading.Thread.Sleep(300);
        }

        // Interleaved rounds, so every case sees the same stretch of machine load.
        var times = cases.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < repeats; r++)
        {
            for (int c = 0; c < cases.Length; c++)
            {
                times[c].Add(cases[c].Run());
            }
        }

        double examples = (double)table.RowCount * epochs;
        double baseline = Median(times[0]);
        var result = new JsonArray();
        Console.WriteLine($"| case ({table.RowCount} rows × {epochs} epochs, MLP 128) | median ms | min ms | examples/s | ratio to engine |");
        Console.WriteLine("|---|---|---|---|---|");
        for (int c = 0; c < cases.Length; c++)
        {
            double med = Median(times[c]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {cases[c].Name} | {med * 1000:0} | {times[c].Min() * 1000:0} | {examples / med:0} | {baseline / med:0.00} |"));
            result.Add(new JsonObject { ["case"] = cases[c].Name, ["median_ms"] = med * 1000, ["min_ms"] = times[c].Min() * 1000, ["examples_per_second"] = examples / med, ["ratio_to_engine"] = baseline / med });
        }

        Console.Error.WriteLine("load average: " + LoadAverage());
        if (json != null)
        {
            File.WriteAllText(json, new JsonObject { ["benchmark"] = "bridge", ["rows"] = table.RowCount, ["features"] = table.FeatureCount, ["epochs"] = epochs, ["provider"] = blas.Description, ["load_average"] = LoadAverage(), ["cases"] = result }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }

    private static double Median(List<double> v)
    {
        double[] s = v.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
}
