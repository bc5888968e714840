using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace MLNet.Optimizers.Reports;

/// <summary>
/// The report: one self-contained HTML page (inline CSS and SVG; no script, no external resource, no network) that is
/// also well-formed XML. It holds the metrics side by side, the loss curves (training solid, validation dashed) and the
/// validation-metric curve of every run, for classification a confusion-matrix heat table per run, and the run settings.
/// </summary>
public static class HtmlReport
{
    /// <summary>Series colours (Okabe-Ito, readable for colour-blind readers), in run order.</summary>
    public static readonly IReadOnlyList<string> Palette = new[] { "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999933" };

    private const string Style = """
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #1a1a1a; background: #f6f7f9; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #ffffff; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 32px 0 10px; border-bottom: 1px solid #dde1e6; padding-bottom: 4px; }
p.sub { color: #4a4f55; margin: 0 0 8px; font-size: 14px; }
p.note { color: #4a4f55; font-size: 13px; margin: 6px 0; }
table { border-collapse: collapse; font-size: 14px; }
table.metrics th, table.metrics td, table.settings th, table.settings td { padding: 5px 12px; border-bottom: 1px solid #e3e6ea; }
table.metrics td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.metrics td.best { font-weight: bold; color: #006b3c; }
table.metrics th { text-align: right; }
table.metrics th:first-child, table.settings th { text-align: left; }
table.settings th { font-weight: normal; color: #4a4f55; white-space: nowrap; vertical-align: top; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
svg.chart { display: block; margin: 8px 0 4px; border: 1px solid #e3e6ea; }
svg.chart .ct { font-size: 16px; font-weight: bold; fill: #1a1a1a; }
svg.chart .tick { font-size: 12px; fill: #3a3f45; }
svg.chart .label { font-size: 14px; fill: #1a1a1a; }
svg.chart .legend { font-size: 13px; fill: #1a1a1a; }
svg.chart .grid { stroke: #e6e8eb; stroke-width: 1; }
svg.chart .axis { stroke: #3a3f45; stroke-width: 1.2; }
.cms { display: flex; flex-wrap: wrap; gap: 28px; }
.cm h3 { font-size: 15px; margin: 6px 0; }
table.confusion td, table.confusion th { border: 1px solid #ffffff; padding: 3px 7px; text-align: right; font-variant-numeric: tabular-nums; min-width: 26px; }
table.confusion th { background: #eef0f3; font-weight: normal; }
table.confusion th.corner { background: #ffffff; color: #4a4f55; font-size: 12px; text-align: left; }
table.confusion td.diag { outline: 2px solid #1a1a1a; outline-offset: -2px; }
table.confusion td.summary { background: #f6f7f9; color: #4a4f55; }
table.confusion.small td, table.confusion.small th { padding: 1px 2px; font-size: 10px; min-width: 0; }
table.confusion.small th.corner { font-size: 9px; }
footer { margin-top: 36px; color: #6a6f75; font-size: 12px; }
""";

    /// <summary>Renders the page.</summary>
    /// <param name="model">The content.</param>
    /// <returns>The HTML text.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">The model has no run, or the runs' metric lists differ (every run needs the same metrics in the same order).</exception>
    public static string Render(ReportModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Check(model);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>");
        sb.Append("<title>").Append(Html.Text(model.Title)).Append("</title><style>").Append(Style).Append("</style></head><body><main>\n");
        sb.Append("<h1>").Append(Html.Text(model.Title)).Append("</h1>\n");
        sb.Append("<p class=\"sub\">").Append(Html.Text(model.Subtitle)).Append("</p>\n");

        AppendMetrics(sb, model);
        bool hasHistory = model.Runs.Any(r => r.History.Count > 0);
        if (hasHistory)
        {
            AppendCurves(sb, model);
        }

        if (model.Runs.Any(r => r.Evaluation.Confusion != null))
        {
            AppendConfusion(sb, model);
        }

        sb.Append("<h2>Run settings</h2>\n<table class=\"settings\">");
        foreach ((string name, string value) in model.Settings)
        {
            sb.Append("<tr><th>").Append(Html.Text(name)).Append("</th><td>").Append(Html.Text(value)).Append("</td></tr>");
        }

        for (int i = 0; i < model.Runs.Count; i++)
        {
            ReportRun run = model.Runs[i];
            sb.Append("<tr><th>").Append(Swatch(i)).Append(Html.Text(run.Name)).Append("</th><td>").Append(Html.Text(run.Description)).Append("</td></tr>");
        }

        sb.Append("</table>\n");
        sb.Append("<footer>Generated by ").Append(Html.Text(model.Generator)).Append(". Self-contained page: no scripts, no external resources.</footer>\n");
        sb.Append("</main></body></html>\n");
        return sb.ToString();
    }

    /// <summary>Renders the page and writes it atomically (a temporary file in the same folder, then renamed).</summary>
    /// <param name="model">The content.</param>
    /// <param name="path">The HTML file to write (its folder must exist).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="Render"/>; or <paramref name="path"/> is empty.</exception>
    /// <exception cref="System.IO.IOException">The file cannot be written.</exception>
    public static void Save(ReportModel model, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string html = Render(model);
        string full = System.IO.Path.GetFullPath(path);
        string temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            System.IO.File.WriteAllText(temp, html, new UTF8Encoding(false));
            System.IO.File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (System.IO.File.Exists(temp))
            {
                System.IO.File.Delete(temp);
            }
        }
    }

    private static void Check(ReportModel model)
    {
        if (model.Runs is null || model.Runs.Count == 0)
        {
            throw new ArgumentException("The report has no run; pass at least one ReportRun.", nameof(model));
        }

        IReadOnlyList<Metric> first = model.Runs[0].Evaluation.Metrics;
        for (int i = 1; i < model.Runs.Count; i++)
        {
            IReadOnlyList<Metric> m = model.Runs[i].Evaluation.Metrics;
            if (!m.Select(x => x.Key).SequenceEqual(first.Select(x => x.Key)))
            {
                throw new ArgumentException(
                    $"Run {i} ('{model.Runs[i].Name}') has the metrics [{string.Join(", ", m.Select(x => x.Key))}], run 0 ('{model.Runs[0].Name}') has [{string.Join(", ", first.Select(x => x.Key))}]; every run needs the same metrics in the same order.",
                    nameof(model));
            }
        }
    }

    private static string Swatch(int i) => $"<span class=\"swatch\" style=\"background:{Palette[i % Palette.Count]}\"></span>";

    private static void AppendMetrics(StringBuilder sb, ReportModel model)
    {
        sb.Append("<h2>Metrics on the ").Append(Html.Text(model.EvaluationLabel)).Append("</h2>\n<table class=\"metrics\"><tr><th>metric</th>");
        for (int i = 0; i < model.Runs.Count; i++)
        {
            sb.Append("<th>").Append(Swatch(i)).Append(Html.Text(model.Runs[i].Name)).Append("</th>");
        }

        sb.Append("</tr>");
        IReadOnlyList<Metric> first = model.Runs[0].Evaluation.Metrics;
        for (int m = 0; m < first.Count; m++)
        {
            double[] values = model.Runs.Select(r => r.Evaluation.Metrics[m].Value).ToArray();
            int best = model.Runs.Count > 1 ? Metric.BestIndex(values, first[m].HigherIsBetter) : -1;
            sb.Append("<tr><td>").Append(Html.Text(first[m].Name)).Append("</td>");
            for (int i = 0; i < values.Length; i++)
            {
                sb.Append(i == best ? "<td class=\"num best\">" : "<td class=\"num\">").Append(Html.Text(ReportFormat.Metric(values[i]))).Append("</td>");
            }

            sb.Append("</tr>");
        }

        if (model.Runs.Any(r => r.History.Count > 0))
        {
            AppendRow(sb, "epochs", model.Runs.Select(r => r.History.Count.ToString(CultureInfo.InvariantCulture) + (r.BestEpoch > 0 && r.BestEpoch != r.History.Count ? $" (best {r.BestEpoch})" : string.Empty)));
            AppendRow(sb, "optimizer steps", model.Runs.Select(r => ReportFormat.Count(r.Steps)));
            AppendRow(sb, "training time", model.Runs.Select(r => ReportFormat.Seconds(r.Seconds)));
        }

        sb.Append("</table>\n");
        if (model.Runs.Count > 1)
        {
            sb.Append("<p class=\"note\">Bold: the best value of each row.</p>\n");
        }
    }

    private static void AppendRow(StringBuilder sb, string name, IEnumerable<string> values)
    {
        sb.Append("<tr><td>").Append(Html.Text(name)).Append("</td>");
        foreach (string v in values)
        {
            sb.Append("<td class=\"num\">").Append(Html.Text(v)).Append("</td>");
        }

        sb.Append("</tr>");
    }

    private static void AppendCurves(StringBuilder sb, ReportModel model)
    {
        sb.Append("<h2>Training curves</h2>\n");
        bool anyValidation = model.Runs.Any(r => r.History.Any(e => !double.IsNaN(e.ValidationLoss)));
        var loss = new List<ChartSeries>();
        var quality = new List<ChartSeries>();
        for (int i = 0; i < model.Runs.Count; i++)
        {
            ReportRun run = model.Runs[i];
            string color = Palette[i % Palette.Count];
            loss.Add(new ChartSeries(run.Name, color, false, run.History.Select(e => ((double)e.Epoch, e.TrainingLoss)).ToArray()));
            if (anyValidation)
            {
                loss.Add(new ChartSeries(run.Name, color, true, run.History.Select(e => ((double)e.Epoch, e.ValidationLoss)).ToArray()));
                quality.Add(new ChartSeries(run.Name, color, false, run.History.Select(e => ((double)e.Epoch, e.ValidationQuality)).ToArray()));
            }
        }

        var lossChart = new SvgChart
        {
            Title = anyValidation ? "Loss: training (solid) and validation (dashed)" : "Training loss",
            XLabel = "epoch",
            YLabel = "loss: " + model.LossName,
            Series = loss,
            AllowLog = true,
            ShowLineStyleKey = anyValidation,
        };
        sb.Append(lossChart.ToSvg()).Append('\n');
        if (anyValidation)
        {
            bool r2 = model.QualityName == "R²";
            var qualityChart = new SvgChart
            {
                Title = "Validation " + model.QualityName,
                XLabel = "epoch",
                YLabel = "validation " + model.QualityName + " (higher is better)",
                Series = quality,
                YFloor = r2 ? -1 : 0,
                YCeiling = 1,
            };
            sb.Append(qualityChart.ToSvg()).Append('\n');
            if (r2 && model.Runs.Any(r => r.History.Any(e => e.ValidationQuality < -1)))
            {
                sb.Append("<p class=\"note\">R² below -1 (early epochs) is clipped at the bottom edge.</p>\n");
            }
        }
        else
        {
            sb.Append("<p class=\"note\">No validation rows were held out, so there are no validation curves.</p>\n");
        }
    }

    private static void AppendConfusion(StringBuilder sb, ReportModel model)
    {
        sb.Append("<h2>Confusion matrix on the ").Append(Html.Text(model.EvaluationLabel)).Append("</h2>\n");
        sb.Append("<p class=\"note\">Rows: actual class; columns: predicted class. Cell colour: share of the row (the actual class); framed: correct predictions. Last column: recall; last row: precision.</p>\n<div class=\"cms\">");
        for (int i = 0; i < model.Runs.Count; i++)
        {
            ConfusionTable? c = model.Runs[i].Evaluation.Confusion;
            if (c is null)
            {
                continue;
            }

            int k = c.ClassNames.Count;
            sb.Append("<div class=\"cm\"><h3>").Append(Swatch(i)).Append(Html.Text(model.Runs[i].Name)).Append("</h3>");
            sb.Append(k > 12 ? "<table class=\"confusion small\">" : "<table class=\"confusion\">");
            sb.Append(k > 12 ? "<tr><th class=\"corner\">actual \u2193 pred. \u2192</th>" : "<tr><th class=\"corner\">actual \u2193 / predicted \u2192</th>");
            foreach (string name in c.ClassNames)
            {
                sb.Append("<th>").Append(Html.Text(name)).Append("</th>");
            }

            sb.Append("<th>recall</th></tr>");
            var columnTotals = new double[k];
            for (int r = 0; r < k; r++)
            {
                double total = c.Counts[r].Sum();
                sb.Append("<tr><th>").Append(Html.Text(c.ClassNames[r])).Append("</th>");
                for (int col = 0; col < k; col++)
                {
                    double v = c.Counts[r][col];
                    columnTotals[col] += v;
                    double share = total > 0 ? v / total : 0;
                    string bg = Heat(share, r == col);
                    string fg = share > 0.55 ? "#ffffff" : "#1a1a1a";
                    string title = total > 0 ? string.Create(CultureInfo.InvariantCulture, $"{c.ClassNames[r]} predicted as {c.ClassNames[col]}: {v:0.##} ({share:P1} of the row)") : string.Empty;
                    sb.Append(CultureInfo.InvariantCulture, $"<td{(r == col ? " class=\"diag\"" : string.Empty)} style=\"background:{bg};color:{fg}\" title=\"{Html.Attr(title)}\">{v:0.##}</td>");
                }

                sb.Append("<td class=\"summary\">").Append(total > 0 ? Share(c.Counts[r][r] / total, k) : "n/a").Append("</td></tr>");
            }

            sb.Append("<tr><th>precision</th>");
            for (int col = 0; col < k; col++)
            {
                sb.Append("<td class=\"summary\">").Append(columnTotals[col] > 0 ? Share(c.Counts[col][col] / columnTotals[col], k) : "n/a").Append("</td>");
            }

            sb.Append("<td class=\"summary\"></td></tr></table></div>");
        }

        sb.Append("</div>\n");
    }

    /// <summary>A recall or precision: 4 decimals, 2 in a large matrix.</summary>
    private static string Share(double v, int classes) => classes > 12 ? v.ToString("F2", CultureInfo.InvariantCulture) : ReportFormat.Metric(v);

    /// <summary>A cell colour: white to blue by share (correct cells), white to red-orange (errors).</summary>
    private static string Heat(double share, bool diagonal)
    {
        (int r, int g, int b) = diagonal ? (0, 90, 160) : (200, 70, 20);
        double a = Math.Clamp(share, 0, 1);
        int R = (int)Math.Round(255 + ((r - 255) * a));
        int G = (int)Math.Round(255 + ((g - 255) * a));
        int B = (int)Math.Round(255 + ((b - 255) * a));
        return string.Create(CultureInfo.InvariantCulture, $"#{R:X2}{G:X2}{B:X2}");
    }
}
