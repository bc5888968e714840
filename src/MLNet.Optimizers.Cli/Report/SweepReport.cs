using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Commands;
using MLNet.Optimizers.Cli.Output;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Tuning;

namespace MLNet.Optimizers.Cli.Report;

/// <summary>
/// The sweep report (same page style as <see cref="HtmlReport"/>: inline CSS and SVG, no script, well-formed XML): the
/// outcome, a scatter plot of every evaluation's score by trial coloured by optimizer (filled: the full budget; hollow:
/// stopped at an earlier rung), the leaderboard, the best configuration retrained on all rows (metrics, curves,
/// confusion matrix, settings) and the search space.
/// </summary>
internal static class SweepReport
{
    /// <summary>How far left of its trial number an evaluation is drawn per rung before the last.</summary>
    private const double RungOffset = 0.22;

    /// <summary>The colour of each optimizer class, the same in every sweep report.</summary>
    public static readonly IReadOnlyDictionary<string, string> OptimizerColors = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Lion"] = HtmlReport.Palette[0],
        ["Adafactor"] = HtmlReport.Palette[1],
        ["AdamW"] = HtmlReport.Palette[2],
        ["SGD"] = HtmlReport.Palette[3],
    };

    /// <summary>The colour of an optimizer class.</summary>
    /// <param name="className">The Keras class name.</param>
    /// <returns>The CSS colour.</returns>
    public static string ColorOf(string className) => OptimizerColors.TryGetValue(className, out string? c) ? c : HtmlReport.Palette[4];

    /// <summary>Renders the page.</summary>
    /// <param name="board">The leaderboard.</param>
    /// <param name="result">The sweep.</param>
    /// <param name="options">The tuner's options.</param>
    /// <param name="space">The search space.</param>
    /// <param name="data">The data.</param>
    /// <param name="description">One line describing the search.</param>
    /// <param name="refit">The best configuration retrained on all rows, or null (cancelled).</param>
    /// <returns>The HTML text.</returns>
    public static string Render(SweepBoard board, TuningResult result, TunerOptions options, PipelineSearchSpace space, DataSummary data, string description, ReportModel? refit)
    {
        var sb = new StringBuilder();
        string metric = SweepCommand.MetricLabel(data.Task);
        string scoredOn = options.Evaluation == TrialEvaluation.KFold ? $"mean {metric} over {options.Folds} folds" : $"{metric} on the holdout rows";
        HtmlReport.AppendHead(
            sb,
            $"Sweep on {Path.GetFileName(data.Path)}: {board.Rows.Count} trials",
            string.Create(CultureInfo.InvariantCulture, $"label '{data.Label}': {Names.Describe(data.Task)}{(data.ClassNames.Count > 0 ? $" ({data.ClassNames.Count} classes)" : string.Empty)} · {data.Rows:N0} rows · {data.FeatureCount} features · {description}"));

        BoardRow best = board.Best;
        sb.Append("<h2>Outcome</h2>\n<p>");
        sb.Append(Html.Text(string.Create(CultureInfo.InvariantCulture, $"Best: trial {best.Trial} ({best.OptimizerLabel}, learning rate {best.LearningRate}, weight decay {best.WeightDecay}, batch {best.BatchSize}, model {best.Model}, {best.Result.Epochs} epochs), {scoredOn} {Format.Metric(best.Result.Metric)}.")));
        if (board.Default is BoardRow d && d.Trial != best.Trial && d.Result.Error is null)
        {
            sb.Append(' ').Append(Html.Text(string.Create(CultureInfo.InvariantCulture, $"The base configuration (trial 0): {Format.Metric(d.Result.Metric)}.")));
        }

        sb.Append(' ').Append(Html.Text(string.Create(CultureInfo.InvariantCulture, $"{result.Evaluations.Count} evaluations in {Format.Seconds(result.Seconds)}; the sweep {(result.StopReason == SweepStopReason.Completed ? "completed" : result.StopReason == SweepStopReason.TimeBudget ? "stopped at its time budget" : "was cancelled")}.")));
        sb.Append("</p>\n");

        AppendScatter(sb, result, options, metric, scoredOn, data.Task);
        AppendLeaderboard(sb, board, metric);
        if (refit != null)
        {
            HtmlReport.AppendRunSections(sb, refit, $"Trial {best.Trial} retrained on all rows: ");
        }
        else
        {
            sb.Append("<p class=\"note\">The sweep was cancelled, so the best configuration was not retrained; <code>mlnet-opt train --config best-config.json</code> trains it.</p>\n");
        }

        AppendSpace(sb, space, options);
        HtmlReport.AppendFoot(sb);
        return sb.ToString();
    }

    private static void AppendScatter(StringBuilder sb, TuningResult result, TunerOptions options, string metric, string scoredOn, TaskKind task)
    {
        sb.Append("<h2>Every evaluation</h2>\n");
        int top = options.RungEpochs().Count - 1;
        var series = new List<ChartSeries>();
        foreach (string cls in result.Evaluations.Select(e => e.Optimizer).Distinct(StringComparer.Ordinal))
        {
            string color = ColorOf(cls);
            string name = OptimizerSpec.DisplayNameOf(OptimizerSpec.NameOfKerasClass(cls) ?? cls);
            // A trial's rungs side by side around its number: earlier rungs to the left, the full budget rightmost.
            double X(TrialResult e) => e.Trial + ((e.Rung - top) * RungOffset);
            var final = result.Evaluations.Where(e => e.Optimizer == cls && e.Rung == top).Select(e => (X(e), e.Metric)).ToArray();
            var early = result.Evaluations.Where(e => e.Optimizer == cls && e.Rung < top).Select(e => (X(e), e.Metric)).ToArray();
            series.Add(new ChartSeries(name, color, true, early) { MarkersOnly = true });
            series.Add(new ChartSeries(name, color, false, final) { MarkersOnly = true });
        }

        bool r2 = task == TaskKind.Regression;
        var chart = new SvgChart
        {
            Title = $"Score of every evaluation ({scoredOn})",
            XLabel = "trial (0 = base configuration)",
            YLabel = metric + " (higher is better)",
            Series = series,
            YFloor = r2 ? -1 : 0,
            YCeiling = 1,
            MarkerKey = top > 0 ? ("full budget (last rung)", "earlier rung (left of it)") : null,
            XPad = 0.6 + (top * RungOffset),
            Height = 440,
        };
        sb.Append(chart.ToSvg()).Append('\n');
        int failed = result.Evaluations.Count(e => double.IsNaN(e.Metric));
        sb.Append("<p class=\"note\">").Append(Html.Text(string.Create(
            CultureInfo.InvariantCulture,
            $"One marker per evaluation; a trial that went on to later rungs has one marker per rung, side by side (rungs of {string.Join(", ", options.RungEpochs())} epochs).{(failed > 0 ? $" {failed} failed evaluations are not shown." : string.Empty)}"))).Append("</p>\n");
    }

    private static void AppendLeaderboard(StringBuilder sb, SweepBoard board, string metric)
    {
        sb.Append("<h2>Leaderboard</h2>\n<table class=\"metrics\"><tr>");
        foreach (string h in new[] { "rank", "trial", "optimizer", "learning rate", "weight decay", "batch", "model", "epochs", metric, "time" })
        {
            sb.Append(h is "optimizer" or "model" ? "<th style=\"text-align:left\">" : "<th>").Append(Html.Text(h)).Append("</th>");
        }

        sb.Append("</tr>");
        foreach (BoardRow r in board.Rows)
        {
            string color = ColorOf(r.Result.Optimizer);
            string cls = r.Rank == 1 ? "num best" : "num";
            sb.Append("<tr>");
            sb.Append("<td class=\"num\">").Append(r.Rank.ToString(CultureInfo.InvariantCulture)).Append("</td>");
            sb.Append("<td class=\"num\">").Append(Html.Text(r.Trial == 0 ? "0 (base)" : r.Trial.ToString(CultureInfo.InvariantCulture))).Append("</td>");
            sb.Append("<td>").Append(HtmlReport.SwatchOf(color)).Append(Html.Text(r.OptimizerLabel)).Append("</td>");
            sb.Append("<td class=\"num\">").Append(Html.Text(r.LearningRate)).Append("</td>");
            sb.Append("<td class=\"num\">").Append(Html.Text(r.WeightDecay)).Append("</td>");
            sb.Append("<td class=\"num\">").Append(r.BatchSize.ToString(CultureInfo.InvariantCulture)).Append("</td>");
            sb.Append("<td>").Append(Html.Text(r.Model)).Append("</td>");
            sb.Append("<td class=\"num\">").Append(r.Result.Epochs.ToString(CultureInfo.InvariantCulture)).Append("</td>");
            sb.Append("<td class=\"").Append(cls).Append("\"").Append(r.Result.Error is null ? string.Empty : $" title=\"{Html.Attr(r.Result.Error)}\"").Append('>')
                .Append(Html.Text(r.Result.Error is null ? Format.Metric(r.Result.Metric) : "failed")).Append("</td>");
            sb.Append("<td class=\"num\">").Append(Html.Text(Format.Seconds(r.TotalSeconds))).Append("</td>");
            sb.Append("</tr>");
        }

        sb.Append("</table>\n<p class=\"note\">Each trial at the last rung it reached; time: all its rungs. Trial 0 is the base configuration (the tool's defaults or --config).</p>\n");
    }

    /// <summary>A range in words with short numbers: <c>learning_rate: log 1e-05 to 0.00333, default 0.001</c>.</summary>
    private static string Describe(SearchRange range) => range switch
    {
        FloatRange f => $"{f.Name}: {(f.Scale == SearchScale.Log ? "log " : string.Empty)}{BoardRow.G(f.Min)} to {BoardRow.G(f.Max)}, default {BoardRow.G(f.Default)}",
        IntegerRange i => string.Create(CultureInfo.InvariantCulture, $"{i.Name}: {(i.Scale == SearchScale.Log ? "log " : string.Empty)}{i.Min} to {i.Max}, default {i.Default}"),
        ChoiceRange c => $"{c.Name}: {string.Join(", ", c.Values)}, default {c.Default}",
        _ => range.ToString(),
    };

    private static void AppendSpace(StringBuilder sb, PipelineSearchSpace space, TunerOptions options)
    {
        sb.Append("<h2>Search space and tuner</h2>\n<table class=\"settings\">");
        foreach (OptimizerSearchSpace o in space.Optimizers)
        {
            string color = ColorOf(o.ClassName);
            sb.Append("<tr><th>").Append(HtmlReport.SwatchOf(color)).Append(Html.Text(o.ClassName)).Append("</th><td>")
                .Append(Html.Text(string.Join("; ", o.Ranges.Select(Describe)))).Append("</td></tr>");
        }

        if (space.Model != null)
        {
            sb.Append("<tr><th>model</th><td>").Append(Html.Text(string.Join("; ", space.Model.Ranges.Select(Describe)))).Append("</td></tr>");
        }

        string schedule = options.SuccessiveHalving
            ? $"successive halving, eta {options.ReductionFactor}, rungs of {string.Join(", ", options.RungEpochs())} epochs"
            : $"random search, {options.MaxEpochs} epochs each";
        string evaluation = options.Evaluation == TrialEvaluation.KFold
            ? $"{options.Folds}-fold cross-validation"
            : string.Create(CultureInfo.InvariantCulture, $"holdout of {options.HoldoutFraction:0.##%} of the rows");
        sb.Append("<tr><th>tuner</th><td>").Append(Html.Text(string.Create(
            CultureInfo.InvariantCulture,
            $"{options.Trials} trials (trial 0: the base configuration, always run to the full budget); {schedule}; {evaluation}; seed {options.Seed}{(options.TimeBudget is TimeSpan t ? $"; time budget {Format.Seconds(t.TotalSeconds)}" : string.Empty)}"))).Append("</td></tr>");
        sb.Append("</table>\n");
    }
}
