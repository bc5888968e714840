using System.Collections.Generic;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Cli.Report;

/// <summary>One run in a report.</summary>
/// <param name="Name">The run's name (the optimizer label, or the model file for evaluate).</param>
/// <param name="Description">One line on the optimizer as built (or the model).</param>
/// <param name="History">Per-epoch history (empty for evaluate).</param>
/// <param name="Evaluation">The metrics shown (validation rows, or the evaluated file).</param>
/// <param name="Seconds">Training seconds (NaN for evaluate).</param>
/// <param name="Steps">Optimizer steps (0 for evaluate).</param>
/// <param name="BestEpoch">The best validation epoch (0 when unknown).</param>
internal sealed record ReportRun(string Name, string Description, IReadOnlyList<EpochRecord> History, Evaluation Evaluation, double Seconds, long Steps, int BestEpoch)
{
    /// <summary>The run's colour (CSS), or null for the palette colour of its position.</summary>
    public string? Color { get; init; }
}

/// <summary>Everything a report shows.</summary>
/// <param name="Title">The page title.</param>
/// <param name="Subtitle">One line under the title (data, label, task, rows).</param>
/// <param name="EvaluationLabel">What the metrics were computed on ("validation rows (30)", "iris.csv (150 rows)").</param>
/// <param name="LossName">The training loss name.</param>
/// <param name="QualityName">The validation metric name ("accuracy" or "R²").</param>
/// <param name="Runs">The runs.</param>
/// <param name="Settings">Run settings as (name, value) rows.</param>
internal sealed record ReportModel(string Title, string Subtitle, string EvaluationLabel, string LossName, string QualityName, IReadOnlyList<ReportRun> Runs, IReadOnlyList<(string Name, string Value)> Settings);
