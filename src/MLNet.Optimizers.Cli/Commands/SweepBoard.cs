using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.MLNet.Tuning;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>One line of the leaderboard: a trial at the furthest rung it reached, with its key hyperparameters as trained.</summary>
/// <param name="Rank">1 = best.</param>
/// <param name="Result">The tuner's evaluation.</param>
/// <param name="TotalSeconds">Time of every evaluation of the trial (all rungs).</param>
internal sealed record BoardRow(int Rank, TrialResult Result, double TotalSeconds)
{
    /// <summary>The trial number (0 is the base recipe).</summary>
    public int Trial => Result.Trial;

    /// <summary>The optimizer's display name.</summary>
    public string OptimizerLabel => Result.Optimizer;

    /// <summary>The learning rate, three digits: a number, or the peak of a schedule ("0.002 cosine").</summary>
    public string LearningRate => OptimizerText.LearningRate(Result.Recipe.Trainer.Optimizer, OptimizerText.G3);

    /// <summary>The decoupled weight decay, three digits, or "none".</summary>
    public string WeightDecay => OptimizerText.WeightDecay(Result.Recipe.Trainer.Optimizer, OptimizerText.G3);

    /// <summary><see cref="LearningRate"/> with every digit (for the CSV file).</summary>
    public string LearningRateExact => OptimizerText.LearningRate(Result.Recipe.Trainer.Optimizer, OptimizerText.R);

    /// <summary><see cref="WeightDecay"/> with every digit (for the CSV file).</summary>
    public string WeightDecayExact => OptimizerText.WeightDecay(Result.Recipe.Trainer.Optimizer, OptimizerText.R);

    /// <summary>Rows per step.</summary>
    public int BatchSize => Result.Recipe.Trainer.BatchSize;

    /// <summary>The model: "linear", or the hidden widths and activation ("64x2 relu").</summary>
    public string Model => Describe(Result.Recipe);

    /// <summary>A recipe's model in a few characters: "linear", "64 relu", "64x2 tanh", "128-64 relu".</summary>
    /// <param name="recipe">The recipe.</param>
    /// <returns>The text.</returns>
    public static string Describe(Recipe recipe)
    {
        RecipeTrainer t = recipe.Trainer;
        if (t.Model == RecipeModelType.Linear)
        {
            return "linear";
        }

        List<int> h = t.HiddenLayers;
        string widths = h.Distinct().Count() == 1
            ? h[0].ToString(CultureInfo.InvariantCulture) + (h.Count > 1 ? "x" + h.Count.ToString(CultureInfo.InvariantCulture) : string.Empty)
            : string.Join('-', h);
        return widths + " " + Names.Format(Names.Activations, t.Activation);
    }
}

/// <summary>The leaderboard of a sweep: its rows, the best and the base recipe's, and the JSON and CSV files.</summary>
internal sealed class SweepBoard
{
    private SweepBoard(IReadOnlyList<BoardRow> rows, string metricName)
    {
        Rows = rows;
        MetricName = metricName;
    }

    /// <summary>The trials, best first (failures last).</summary>
    public IReadOnlyList<BoardRow> Rows { get; }

    /// <summary>The best trial.</summary>
    public BoardRow Best => Rows[0];

    /// <summary>The base recipe's trial (0), or null when it did not run.</summary>
    public BoardRow? Base => Rows.FirstOrDefault(r => r.Trial == 0);

    /// <summary>The score's key (<c>accuracy</c>, <c>micro_accuracy</c>, <c>r_squared</c>).</summary>
    public string MetricName { get; }

    /// <summary>Builds the board of a sweep.</summary>
    /// <param name="result">The sweep.</param>
    /// <returns>The board.</returns>
    public static SweepBoard From(TuningResult result)
    {
        var totals = result.Evaluations.GroupBy(e => e.Trial).ToDictionary(g => g.Key, g => g.Sum(e => e.Seconds));
        var rows = result.Leaderboard.Select((r, i) => new BoardRow(i + 1, r, totals[r.Trial])).ToList();
        return new SweepBoard(rows, result.MetricName);
    }

    /// <summary>leaderboard.json: the sweep's settings and outcome, the leaderboard (each trial's point and keys) and every evaluation.</summary>
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
        ["scored_on"] = options.Evaluation == TrialEvaluation.KFold ? $"{options.Folds}-fold cross-validation of the training part" : "tuning rows of the training part (not held out: they choose the trial)",
        ["tuning_fraction"] = options.Evaluation == TrialEvaluation.Holdout ? options.HoldoutFraction : null,
        ["folds"] = options.Evaluation == TrialEvaluation.KFold ? options.Folds : null,
        ["trials_per_bracket"] = options.Trials,
        ["trials"] = result.Trials,
        ["brackets"] = result.Brackets,
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

            fields.Add(double.IsFinite(r.Result.Metric) ? r.Result.Metric.ToString("R", CultureInfo.InvariantCulture) : string.Empty);
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
