using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Reports;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>Machine-readable results (metrics.json, evaluate --json). Non-finite numbers are written as null.</summary>
internal static class MetricsJson
{
    /// <summary>An evaluation as JSON.</summary>
    /// <param name="e">The evaluation.</param>
    /// <returns>{"rows", "metrics": {key: value}, "confusion_matrix"?}.</returns>
    public static JsonObject Evaluation(Evaluation e)
    {
        var metrics = new JsonObject();
        foreach (Metric m in e.Metrics)
        {
            metrics[m.Key] = Number(m.Value);
        }

        var o = new JsonObject { ["rows"] = e.Rows, ["metrics"] = metrics };
        if (e.Confusion != null)
        {
            o["confusion_matrix"] = new JsonObject
            {
                ["classes"] = new JsonArray(e.Confusion.ClassNames.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
                ["counts"] = new JsonArray(e.Confusion.Counts.Select(r => (JsonNode?)new JsonArray(r.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray())).ToArray()),
            };
        }

        return o;
    }

    /// <summary>A run as JSON: optimizer, size, time, metrics and history.</summary>
    /// <param name="run">The run.</param>
    /// <returns>The object.</returns>
    public static JsonObject Run(TrainedRun run) => new()
    {
        ["optimizer"] = run.Label,
        ["description"] = run.OptimizerDescription,
        ["model"] = run.ModelDescription,
        ["epochs"] = run.History.Count,
        ["steps"] = run.Result.Steps,
        ["seconds"] = Number(run.Result.Seconds),
        ["best_epoch"] = run.Result.BestEpoch,
        ["kept_best_epoch"] = run.KeptBestEpoch,
        ["stopped_early"] = run.Result.StoppedEarly,
        ["training"] = Evaluation(run.Training),
        ["validation"] = run.Validation is null ? null : Evaluation(run.Validation),
        ["history"] = new JsonArray(run.History.Select(h => (JsonNode?)new JsonObject
        {
            ["epoch"] = h.Epoch,
            ["loss"] = Number(h.TrainingLoss),
            ["validation_loss"] = Number(h.ValidationLoss),
            ["validation_quality"] = Number(h.ValidationQuality),
            ["seconds"] = Number(h.Seconds),
        }).ToArray()),
    };

    /// <summary>The whole metrics.json document.</summary>
    /// <param name="data">The data.</param>
    /// <param name="runs">The runs.</param>
    /// <param name="failed">Runs that diverged: (label, reason).</param>
    /// <returns>The object.</returns>
    public static JsonObject Document(DataSummary data, IReadOnlyList<TrainedRun> runs, IReadOnlyList<(string Label, string Reason)> failed) => new()
    {
        ["data"] = data.Path,
        ["label"] = data.Label,
        ["task"] = Names.Format(Names.Tasks, data.Task),
        ["classes"] = new JsonArray(data.ClassNames.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
        ["rows"] = data.Rows,
        ["training_rows"] = data.TrainingRows,
        ["validation_rows"] = data.ValidationRows,
        ["features"] = data.FeatureCount,
        ["loss"] = data.LossName,
        ["validation_quality"] = data.QualityName,
        ["runs"] = new JsonArray(runs.Select(r => (JsonNode?)Run(r)).ToArray()),
        ["failed"] = new JsonArray(failed.Select(f => (JsonNode?)new JsonObject { ["optimizer"] = f.Label, ["reason"] = f.Reason }).ToArray()),
    };

    /// <summary>A finite number, or null.</summary>
    /// <param name="v">The value.</param>
    /// <returns>The node.</returns>
    public static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
