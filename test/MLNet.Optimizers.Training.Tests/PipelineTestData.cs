using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Pipelines;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>Shared data and configurations of the pipeline tests.</summary>
internal static class PipelineTestData
{
    private static readonly Lazy<TabularData> DiamondsAll = new(() => TabularData.LoadCsv(PathOf("diamonds.csv"), DiamondsSchema()));

    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "data", file);

    /// <summary>diamonds.csv: price (regression) from 6 numeric and 3 text columns.</summary>
    public static DataConfig DiamondsSchema() => new()
    {
        Label = "price",
        Task = TaskKind.Regression,
        Columns =
        {
            new("carat", ColumnType.Numeric), new("cut", ColumnType.Text), new("color", ColumnType.Text), new("clarity", ColumnType.Text),
            new("depth", ColumnType.Numeric), new("table", ColumnType.Numeric), new("price", ColumnType.Numeric),
            new("x", ColumnType.Numeric), new("y", ColumnType.Numeric), new("z", ColumnType.Numeric),
        },
    };

    /// <summary>The first <paramref name="rows"/> rows of diamonds (the file is not sorted by price).</summary>
    public static TabularData Diamonds(int rows) => DiamondsAll.Value.SelectRows(Enumerable.Range(0, rows).ToArray());

    /// <summary>A full regression configuration: every featurizer, an MLP with Huber loss, Lion with a cosine schedule.</summary>
    public static PipelineConfig DiamondsConfig()
    {
        var c = new PipelineConfig { Seed = 7, Data = DiamondsSchema() };
        c.Featurizers.Add(new SelectColumnsConfig("carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z"));
        c.Featurizers.Add(new ReplaceMissingConfig { Mode = ReplacementMode.Mean });
        c.Featurizers.Add(new OneHotConfig());
        c.Featurizers.Add(new NormalizeConfig { Kind = NormalizerKind.MinMax });
        c.Trainer.Model = ModelConfig.Mlp(Activation.Tanh, 16);
        c.Trainer.Model.Loss = RegressionLoss.Huber;
        c.Trainer.Model.HuberDelta = 1.5;
        c.Trainer.SetOptimizer(new Lion(new CosineDecay(0, 400, warmupTarget: 0.01, warmupSteps: 20)) { WeightDecay = 0.1 });
        c.Trainer.Epochs = 4;
        c.Trainer.BatchSize = 64;
        c.Trainer.ValidationFraction = 0.1;
        c.Trainer.EarlyStoppingPatience = 3;
        return c;
    }

    /// <summary>A schema read from a sample file.</summary>
    public static DataConfig Infer(string file, string label) => DataConfig.InferFromCsv(PathOf(file), label);

    /// <summary>A small, fast configuration for a sample file: min-max, a linear model or a small MLP, Lion.</summary>
    public static PipelineConfig Small(string file, string label, bool mlp, ulong seed = 3)
    {
        var c = new PipelineConfig { Seed = seed, Data = Infer(file, label) };
        if (c.Data.Columns.Any(col => col.Type == ColumnType.Text && !c.Data.IsRole(col.Name)))
        {
            c.Featurizers.Add(new OneHotConfig());
        }

        c.Featurizers.Add(new NormalizeConfig());
        c.Trainer.Model = mlp ? ModelConfig.Mlp(Activation.ReLU, 8) : ModelConfig.Linear();
        c.Trainer.SetOptimizer(new Lion(3e-3) { WeightDecay = 0.1 });
        c.Trainer.Epochs = 5;
        c.Trainer.BatchSize = 32;
        return c;
    }

    /// <summary>Writes <paramref name="text"/> to a new temporary file and returns its path.</summary>
    public static string TempFile(string text, string extension = ".csv")
    {
        string path = Path.Combine(Path.GetTempPath(), "mlnet-pipeline-" + Guid.NewGuid().ToString("N") + extension);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Every parameter value of a model, as raw bits.</summary>
    public static int[] Bits(NeuralModel model) => model.Parameters.SelectMany(p => p.Value.ToArray()).Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>Every value of the numeric columns of a table, as raw bits.</summary>
    public static int[] Bits(TabularData data, string column) => ((NumericColumn)data[column]).Values.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    public static IReadOnlyDictionary<string, string?> Row(params (string Key, string? Value)[] fields) => fields.ToDictionary(f => f.Key, f => f.Value);
}
