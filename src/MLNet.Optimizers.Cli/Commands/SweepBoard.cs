using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Training.Pipelines;
using MLNet.Optimizers.Training.Tuning;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>One line of the leaderboard: a trial at the furthest rung it reached, with its key hyperparameters as trained.</summary>
/// <param name="Rank">1 = best.</param>
/// <param name="Result">The tuner's evaluation.</param>
/// <param name="TotalSeconds">Wall time of every evaluation of the trial (all rungs).</param>
internal sealed record BoardRow(int Rank, TrialResult Result, double TotalSeconds)
{
    /// <summary>The trial number (0 is the base configuration).</summary>
    public int Trial => Result.Trial;

    /// <summary>The optimizer's display name.</summary>
    public string OptimizerLabel => OptimizerSpec.DisplayNameOf(OptimizerSpec.NameOfKerasClass(Result.Optimizer) ?? Result.Optimizer);

    /// <summary>The learning rate as configured, four digits: a number, or the peak of a cosine schedule ("0.002 cosine").</summary>
    public string LearningRate => DescribeLearningRate(Result.Config.Trainer.Optimizer, G);

    /// <summary>The decoupled weight decay, four digits, or "none".</summary>
    public string WeightDecay => DescribeWeightDecay(G);

    /// <summary><see cref="LearningRate"/> with every digit (for the CSV file).</summary>
    public string LearningRateExact => DescribeLearningRate(Result.Config.Trainer.Optimizer, R);

    /// <summary><see cref="WeightDecay"/> with every digit (for the CSV file).</summary>
    public string WeightDecayExact => DescribeWeightDecay(R);

    /// <summary>Rows per step.</summary>
    public int BatchSize => Result.Config.Trainer.BatchSize;

    /// <summary>The model: "linear", or the hidden widths and activation ("64x2 relu").</summary>
    public string Model
    {
        get
        {
            ModelConfig m = Result.Config.Trainer.Model;
            if (m.Type == ModelType.Linear)
            {
                return "linear";
            }

            string widths = m.HiddenLayers.Distinct().Count() == 1 ? m.HiddenLayers[0].ToString(CultureInfo.InvariantCulture) + (m.HiddenLayers.Count > 1 ? "x" + m.HiddenLayers.Count.ToString(CultureInfo.InvariantCulture) : string.Empty) : string.Join('-', m.HiddenLayers);
            return widths + " " + Names.Format(Names.Activations, m.Activation);
        }
    }

    /// <summary>A number with four significant digits.</summary>
    /// <param name="d">The number.</param>
    /// <returns>The text.</returns>
    public static string G(double d) => d.ToString("G4", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    private static string R(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    private string DescribeWeightDecay(Func<double, string> format) =>
        Result.Config.Trainer.Optimizer["config"]?["weight_decay"] is JsonValue v && v.TryGetValue(out double d) ? format(d) : "none";

    private static string DescribeLearningRate(JsonObject optimizer, Func<double, string> format)
    {
        JsonNode? lr = optimizer["config"]?["learning_rate"];
        if (lr is JsonValue v && v.TryGetValue(out double d))
        {
            return format(d);
        }

        if (lr is JsonObject o && o["config"] is JsonObject c)
        {
            string cls = o["class_name"]?.GetValue<string>() ?? "schedule";
            double? peak = c["warmup_target"] is JsonValue t && t.TryGetValue(out double tv) ? tv
                : c["initial_learning_rate"] is JsonValue i && i.TryGetValue(out double iv) ? iv : null;
            return peak is double p ? $"{format(p)} {(cls == "CosineDecay" ? "cosine" : cls)}" : cls;
        }

        return "?";
    }
}

/// <summary>The leaderboard of a sweep: its rows, the best and the base configuration's, and the JSON and CSV files.</summary>
internal sealed class SweepBoard
{
    private SweepBoard(IReadOnlyList<BoardRow> rows, int trials, string metricName)
    {
        Rows = rows;
        Trials = trials;
        MetricName = metricName;
    }

    /// <summary>The trials, best first (failures last).</summary>
    public IReadOnlyList<BoardRow> Rows { get; }

    /// <summary>The best trial.</summary>
    public BoardRow Best => Rows[0];

    /// <summary>The base configuration's trial (0), or null when it did not run.</summary>
    public BoardRow? Default => Rows.FirstOrDefault(r => r.Trial == 0);

    /// <summary>The trials asked for.</summary>
    public int Trials { get; }

    /// <summary>The score's key (<c>accuracy</c>, <c>micro_accuracy</c>, <c>r_squared</c>).</summary>
    public string MetricName { get; }

    /// <summary>Builds the board of a sweep.</summary>
    /// <param name="result">The sweep.</param>
    /// <param name="trials">The trials asked for.</param>
    /// <returns>The board.</returns>
    public static SweepBoard From(TuningResult result, int trials)
    {
        var totals = result.Evaluations.GroupBy(e => e.Trial).ToDictionary(g => g.Key, g => g.Sum(e => e.Seconds));
        var rows = result.Leaderboard.Select((r, i) => new BoardRow(i + 1, r, totals[r.Trial])).ToList();
        return new SweepBoard(rows, trials, result.MetricName);
    }

    /// <summary>leaderboard.json: the sweep's settings and outcome, the leaderboard (each trial's point and configuration keys) and every evaluation.</summary>
    /// <param name="result">The sweep.</param>
    /// <param name="options">The tuner's options.</param>
    /// <param name="data">The data.</param>
    /// <returns>The document.</returns>
    public JsonObject ToJson(TuningResult result, TunerOptions options, DataSummary data) => new()
    {
        ["data"] = data.Path,
        ["label"] = data.Label,
        ["task"] = Names.Format(Names.Tasks, data.Task),
        ["metric"] = MetricName,
        ["evaluation"] = options.Evaluation == TrialEvaluation.KFold ? $"{options.Folds}-fold" : "holdout",
        ["holdout_fraction"] = options.Evaluation == TrialEvaluation.Holdout ? options.HoldoutFraction : null,
        ["folds"] = options.Evaluation == TrialEvaluation.KFold ? options.Folds : null,
        ["trials"] = Trials,
        ["seed"] = options.Seed,
        ["rung_epochs"] = new JsonArray(options.RungEpochs().Select(e => (JsonNode?)JsonValue.Create(e)).ToArray()),
        ["reduction_factor"] = options.SuccessiveHalving ? options.ReductionFactor : null,
        ["time_budget_seconds"] = options.TimeBudget?.TotalSeconds,
        ["stop_reason"] = StopReason(result.StopReason),
        ["seconds"] = MetricsJson.Number(result.Seconds),
        ["best_trial"] = Best.Trial,
        ["leaderboard"] = new JsonArray(Rows.Select(r => (JsonNode?)new JsonObject
        {
            ["rank"] = r.Rank,
            ["trial"] = r.Trial,
            ["rung"] = r.Result.Rung,
            ["epochs"] = r.Result.Epochs,
            ["optimizer"] = r.Result.Optimizer,
            ["learning_rate"] = r.LearningRate,
            ["weight_decay"] = r.WeightDecay,
            ["batch_size"] = r.BatchSize,
            ["model"] = r.Model,
            ["point"] = r.Result.Point.DeepClone(),
            ["metric"] = MetricsJson.Number(r.Result.Metric),
            ["seconds"] = MetricsJson.Number(r.Result.Seconds),
            ["total_seconds"] = MetricsJson.Number(r.TotalSeconds),
            ["error"] = r.Result.Error,
        }).ToArray()),
        ["evaluations"] = new JsonArray(result.Evaluations.Select(e => (JsonNode?)new JsonObject
        {
            ["trial"] = e.Trial,
            ["rung"] = e.Rung,
            ["epochs"] = e.Epochs,
            ["optimizer"] = e.Optimizer,
            ["metric"] = MetricsJson.Number(e.Metric),
            ["seconds"] = MetricsJson.Number(e.Seconds),
            ["error"] = e.Error,
        }).ToArray()),
    };

    /// <summary>leaderboard.csv: one row per trial, best first, with every sampled key as a column (empty where a trial's optimizer has no such key).</summary>
    /// <returns>The CSV text.</returns>
    public string ToCsv()
    {
        var keys = Rows.SelectMany(r => r.Result.Point.Select(kv => kv.Key)).Distinct(StringComparer.Ordinal).ToList();
        var header = new List<string> { "rank", "trial", "rung", "epochs", "optimizer", "learning_rate", "weight_decay", "batch_size", "model" };
        header.AddRange(keys.Where(k => k is not ("learning_rate" or "weight_decay" or "batch_size")).Select(k => "point." + k));
        header.AddRange(new[] { MetricName, "seconds", "total_seconds", "error" });
        var w = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        ScoringCommands.WriteRecord(w, header, ',');
        foreach (BoardRow r in Rows)
        {
            var fields = new List<string>
            {
                Num(r.Rank), Num(r.Trial), Num(r.Result.Rung), Num(r.Result.Epochs), r.Result.Optimizer, r.LearningRateExact, r.WeightDecayExact, Num(r.BatchSize), r.Model,
            };
            foreach (string k in keys.Where(k => k is not ("learning_rate" or "weight_decay" or "batch_size")))
            {
                fields.Add(r.Result.Point[k] switch
                {
                    JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
                    JsonValue v => v.ToJsonString(),
                    _ => string.Empty,
                });
            }

            fields.Add(double.IsNaN(r.Result.Metric) ? string.Empty : r.Result.Metric.ToString("R", CultureInfo.InvariantCulture));
            fields.Add(r.Result.Seconds.ToString("F3", CultureInfo.InvariantCulture));
            fields.Add(r.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture));
            fields.Add(r.Result.Error ?? string.Empty);
            ScoringCommands.WriteRecord(w, fields, ',');
        }

        return w.ToString();
    }

    /// <summary>The stop reason as written in files and messages.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>"completed", "time budget" or "cancelled".</returns>
    public static string StopReason(SweepStopReason reason) => reason switch
    {
        SweepStopReason.TimeBudget => "time budget",
        SweepStopReason.Cancelled => "cancelled",
        _ => "completed",
    };

    private static string Num(int v) => v.ToString(CultureInfo.InvariantCulture);
}
