using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>Machine-readable results (metrics.json, evaluate --json): every number finite, or null with its reason under "unavailable".</summary>
internal static class MetricsJson
{
    /// <summary>An evaluation as JSON.</summary>
    /// <param name="e">The evaluation.</param>
    /// <returns>{"rows", "metrics": {key: value or null}, "units", "unavailable": {key: reason}, "notes", "confusion_matrix"?}.</returns>
    public static JsonObject Evaluation(Evaluation e)
    {
        var metrics = new JsonObject();
        var units = new JsonObject();
        var unavailable = new JsonObject();
        foreach (Metric m in e.Metrics)
        {
            metrics[m.Key] = Number(m.Value);
            if (m.Unit != null)
            {
                units[m.Key] = m.Unit;
            }

            if (m.Reason != null || !double.IsFinite(m.Value))
            {
                unavailable[m.Key] = m.Reason ?? "not a finite number";
            }
        }

        var o = new JsonObject
        {
            ["rows"] = e.Rows,
            ["metrics"] = metrics,
            ["units"] = units,
            ["unavailable"] = unavailable,
            ["notes"] = new JsonArray(e.Notes.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
        };
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

    /// <summary>A run as JSON: optimizer, model, what the trainer did, metrics and history.</summary>
    /// <param name="run">The run.</param>
    /// <param name="seconds">The run's wall time.</param>
    /// <param name="classes">The classes (multiclass model size).</param>
    /// <returns>The object.</returns>
    public static JsonObject Run(TrainedRun run, double seconds, int classes) => new()
    {
        ["optimizer"] = run.Label,
        ["description"] = run.OptimizerDescription,
        ["model"] = RecipeBackend.DescribeModel(run.Recipe, run.FeatureCount, classes),
        ["epochs_run"] = run.Report.EpochsRun,
        ["kept_epoch"] = run.Report.KeptEpoch,
        ["epoch_rule"] = EpochRules.NameOf(run.Report.EpochRule),
        ["stopped_early"] = run.Report.StoppedEarly,
        ["trained_rows"] = run.Report.TrainingRows,
        ["selection_rows"] = run.Report.SelectionRows,
        ["refit"] = run.Report.Refit,
        ["refit_rows"] = run.Report.RefitRows,
        ["steps"] = run.Steps,
        ["seconds"] = Number(seconds),
        ["compute"] = run.Compute,
        ["training"] = Evaluation(run.Training),
        ["holdout"] = run.Holdout is null ? null : Evaluation(run.Holdout),
        ["history"] = new JsonArray(run.Report.History.Select(h => (JsonNode?)new JsonObject
        {
            ["epoch"] = h.Epoch,
            ["loss"] = Number(h.TrainingLoss),
            ["selection_loss"] = Number(h.ValidationLoss),
            ["selection_metric"] = Number(h.ValidationQuality),
            ["seconds"] = Number(h.Seconds),
        }).ToArray()),
    };

    /// <summary>The whole metrics.json document.</summary>
    /// <param name="data">The data.</param>
    /// <param name="runs">The runs with their wall times.</param>
    /// <param name="failed">Runs that diverged: (label, reason).</param>
    /// <param name="features">The width of the Features vector.</param>
    /// <returns>The object.</returns>
    public static JsonObject Document(DataSummary data, IReadOnlyList<(TrainedRun Run, double Seconds)> runs, IReadOnlyList<(string Label, string Reason)> failed, int features) => new()
    {
        ["data"] = data.Path,
        ["label"] = data.Label,
        ["task"] = Names.Format(Names.Tasks, data.Task),
        ["classes"] = new JsonArray(data.ClassNames.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
        ["rows"] = data.Rows,
        ["training_rows"] = data.TrainingRows,
        ["holdout_rows"] = data.HoldoutRows,
        ["features"] = features,
        ["loss"] = data.LossName,
        ["selection_metric"] = data.QualityName,
        ["runs"] = new JsonArray(runs.Select(r => (JsonNode?)Run(r.Run, r.Seconds, data.ClassNames.Count)).ToArray()),
        ["failed"] = new JsonArray(failed.Select(f => (JsonNode?)new JsonObject { ["optimizer"] = f.Label, ["reason"] = f.Reason }).ToArray()),
    };

    /// <summary>A finite number, or null.</summary>
    /// <param name="v">The value.</param>
    /// <returns>The node.</returns>
    public static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
