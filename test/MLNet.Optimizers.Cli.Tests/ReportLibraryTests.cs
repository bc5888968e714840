using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary>The report library's public API (src/MLNet.Optimizers.Reports), which the tool and the samples share; it has its own DTOs.</summary>
[TestClass]
public sealed class ReportLibraryTests
{
    private static Evaluation Regression(double r2) =>
        new(TaskKind.Regression, 3, new[] { new Metric("r_squared", "R²", r2, true), new Metric("rmse", "RMSE", 1.5, false) }, null);

    private static Evaluation Binary(double auc, string? reason = null) =>
        new(TaskKind.BinaryClassification, 5, new[]
        {
            new Metric("accuracy", "accuracy", 0.6, true),
            new Metric("auc", "AUC", auc, true) { Reason = reason },
            new Metric("log_loss", "log-loss", 0.25, false) { Unit = "bits" },
        }, new ConfusionTable(new[] { "benign", "malignant" }, new[] { new[] { 2.0, 1.0 }, new[] { 1.0, 1.0 } }))
        { Notes = reason is null ? Array.Empty<string>() : new[] { "the rows hold a single class ('malignant')" } };

    [TestMethod]
    [DataRow(new[] { 0.5, double.NaN, 0.9, 0.9 }, true, 2, DisplayName = "best index: higher is better, NaN skipped, first of ties")]
    [DataRow(new[] { 0.5, double.NaN, 0.9, 0.1 }, false, 3, DisplayName = "best index: lower is better")]
    [DataRow(new[] { 0.5, double.PositiveInfinity }, false, 0, DisplayName = "best index: infinity skipped")]
    [DataRow(new[] { double.NaN }, true, -1, DisplayName = "best index: none")]
    public void BestIndexSkipsWhatIsNotFinite(double[] values, bool higherIsBetter, int expected) =>
        Assert.AreEqual(expected, Metric.BestIndex(values, higherIsBetter));

    [TestMethod]
    [DataRow(double.NaN, "n/a", DisplayName = "format: NaN is n/a")]
    [DataRow(double.PositiveInfinity, "n/a", DisplayName = "format: infinity is n/a, never inf")]
    [DataRow(double.NegativeInfinity, "n/a", DisplayName = "format: minus infinity is n/a")]
    [DataRow(0.12345, "0.1235", DisplayName = "format: four decimals")]
    [DataRow(12345.6, "12,346", DisplayName = "format: large values without decimals")]
    public void MetricsAreFiniteOrNotAvailable(double value, string text) => Assert.AreEqual(text, ReportFormat.Metric(value));

    [TestMethod]
    public void NotAvailableMetricsGiveTheirReasonAndUnitsAreShown()
    {
        string html = HtmlReport.Render(Model(new[] { Run("Lion", Binary(double.NaN, "the rows hold a single class ('malignant')")) }));
        Assert.Contains("title=\"the rows hold a single class ('malignant')\">n/a</td>", html.Replace("&#39;", "'", StringComparison.Ordinal));
        Assert.Contains("AUC n/a: the rows hold a single class", html.Replace("&#39;", "'", StringComparison.Ordinal));
        Assert.Contains("0.2500 bits", html);
        Assert.DoesNotContain(">inf<", html);
    }

    [TestMethod]
    public void TheKeptEpochIsMarkedOnBothCharts()
    {
        var history = Enumerable.Range(1, 8).Select(e => new EpochRecord(e, 1.0 / e, 0.5 + Math.Abs(e - 3) * 0.1, 0.8 - Math.Abs(e - 3) * 0.02, 0.1)).ToArray();
        var run = new ReportRun("Lion", "Lion run", history, Binary(0.9), 0.8, 40, 3);
        string html = HtmlReport.Render(Model(new[] { run }) with { SelectionNote = "Dashed: the selection rows." });
        XDocument doc = XDocument.Parse(html.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));
        var charts = doc.Descendants("svg").ToList();
        Assert.HasCount(2, charts);
        foreach (XElement chart in charts)
        {
            XElement marker = chart.Descendants("line").Single(l => (string?)l.Attribute("class") == "marker");
            Assert.AreEqual(marker.Attribute("x1")!.Value, marker.Attribute("x2")!.Value);
            Assert.IsTrue(chart.Descendants("text").Any(t => t.Value == "kept epoch 3"));
        }

        // Epoch 3 of 1..8 sits two sevenths along the x axis: the marker is between the x ticks of epochs 2 and 4.
        double X(XElement chart, string tick) => double.Parse(chart.Descendants("text").First(t => (string?)t.Attribute("class") == "tick" && (string?)t.Attribute("text-anchor") == "middle" && t.Value == tick).Attribute("x")!.Value, CultureInfo.InvariantCulture);
        double x = double.Parse(charts[0].Descendants("line").Single(l => (string?)l.Attribute("class") == "marker").Attribute("x1")!.Value, CultureInfo.InvariantCulture);
        Assert.AreEqual((X(charts[0], "2") + X(charts[0], "4")) / 2, x, 0.2);
        Assert.Contains("Dashed: the selection rows.", html);
        Assert.Contains("selection rows (dashed)", html);
    }

    [TestMethod]
    public void RenderRejectsNoRunsAndMismatchedMetrics()
    {
        ArgumentException none = Assert.ThrowsExactly<ArgumentException>(() => HtmlReport.Render(Model(Array.Empty<ReportRun>())));
        Assert.Contains("no run", none.Message);
        ArgumentException mixed = Assert.ThrowsExactly<ArgumentException>(() => HtmlReport.Render(Model(new[] { Run("r", Regression(0.5)), Run("b", Binary(0.9)) })));
        Assert.Contains("'b'", mixed.Message);
        Assert.Contains("r_squared", mixed.Message);
    }

    [TestMethod]
    public void SaveWritesTheRenderedPageAtomicallyWithTheGenerator()
    {
        ReportModel model = Model(new[] { Run("Lion", Regression(0.8)), Run("Adafactor", Regression(0.7)) }) with { Generator = "a <test> sample" };
        string dir = Path.Combine(Path.GetTempPath(), "mlnet-opt-report-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "report.html");
            HtmlReport.Save(model, path);
            string text = File.ReadAllText(path);
            Assert.AreEqual(HtmlReport.Render(model), text);
            Assert.Contains("Generated by a &lt;test&gt; sample.", text);
            CollectionAssert.AreEqual(new[] { "report.html" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray(), "no temporary file is left");
            XDocument doc = XDocument.Parse(text.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));
            Assert.AreEqual(2, doc.Descendants().Count(l => l.Name.LocalName == "polyline" && (string?)l.Attribute("stroke-dasharray") is null), "one solid training-loss line per run");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static SweepReportModel SweepModel(ReportModel? refit)
    {
        // Trials 0..4: rung 0 at 1 epoch for all, rung 1 at 3 epochs for trials 0 and 3; trial 2 failed.
        SweepEvaluation[] evaluations =
        {
            new(0, 0, 1, "Lion", 0.6, null), new(1, 0, 1, "Adafactor", 0.5, null), new(2, 0, 1, "AdamW", double.NaN, "diverged"),
            new(3, 0, 1, "SGD", 0.7, null), new(4, 0, 1, "Lion", 0.4, null), new(0, 1, 3, "Lion", 0.8, null), new(3, 1, 3, "SGD", 0.9, null),
        };
        var best = new[] { evaluations[6], evaluations[5], evaluations[1], evaluations[4], evaluations[2] };
        SweepReportRow[] rows = best.Select((e, i) => new SweepReportRow(i + 1, e, 1.0, "lr" + e.Trial, "wd" + e.Trial, 32, "model" + e.Trial)).ToArray();
        return new SweepReportModel("sweep <title>", "sub", TaskKind.MulticlassClassification, "accuracy", "accuracy on the tuning rows", evaluations, new[] { 1, 3 }, rows, new[] { ("Lion", "learning_rate: log 1e-05 to 0.001"), ("tuner", "5 trials") }, 2.5, "completed", refit);
    }

    [TestMethod]
    public void SweepReportShowsEveryEvaluationAndEveryTrial()
    {
        SweepReportModel model = SweepModel(null) with { Generator = "the <test>", NotRetrainedNote = "nothing was retrained here" };
        string html = SweepReport.Render(model);
        XDocument doc = XDocument.Parse(html.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));

        XElement board = doc.Descendants().First(e => e.Name.LocalName == "h2" && e.Value == "Leaderboard").ElementsAfterSelf().First();
        string[] trialCells = board.Elements().Skip(1).Select(tr => tr.Elements().ElementAt(1).Value).ToArray();
        CollectionAssert.AreEqual(new[] { "3", "0 (base)", "1", "4", "2" }, trialCells, "one leaderboard row per trial, best first");
        StringAssert.Contains(board.Elements().Skip(1).First().Value, "lr3", "the caller's hyperparameter text is shown");

        var markers = doc.Descendants().Where(e => e.Name.LocalName == "circle" && (string?)e.Attribute("r") == "5" && (string?)e.Attribute("stroke") != "#444444").ToList();
        Assert.AreEqual(2, markers.Count(m => (string?)m.Attribute("fill") != "#ffffff"), "a filled marker per full-budget evaluation");
        Assert.AreEqual(4, markers.Count(m => (string?)m.Attribute("fill") == "#ffffff"), "a hollow marker per earlier-rung evaluation (the failed one left out)");
        Assert.IsTrue(markers.Any(m => (string?)m.Attribute("stroke") == SweepReport.ColorOf("SGD")), "SGD's markers in its colour");
        Assert.Contains("1 failed evaluations are not shown", html);
        Assert.Contains("nothing was retrained here", html);
        Assert.Contains("Generated by the &lt;test&gt;.", html);
        Assert.Contains("sweep &lt;title&gt;", html);
        Assert.Contains(SweepReport.ColorOf("Lion") + "\"></span>Lion</th><td>learning_rate: log 1e-05 to 0.001", html);
    }

    [TestMethod]
    public void SweepReportSavesTheRetrainedBestInItsOptimizersColour()
    {
        ReportModel refit = Model(new[] { Run("retrain", Regression(0.5)) });
        SweepReportModel model = SweepModel(refit) with { RefitHeading = "Trial 3 retrained on the training part: " };
        string dir = Path.Combine(Path.GetTempPath(), "mlnet-opt-sweep-report-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "report.html");
            SweepReport.Save(model, path);
            string text = File.ReadAllText(path);
            Assert.AreEqual(SweepReport.Render(model), text);
            CollectionAssert.AreEqual(new[] { "report.html" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray(), "no temporary file is left");
            Assert.Contains("Trial 3 retrained on the training part: metrics on the rows", text);
            Assert.Contains($"background:{SweepReport.ColorOf("SGD")}\"></span>retrain", text);
            XDocument.Parse(text.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void SweepReportRejectsAnEmptyLeaderboard()
    {
        SweepReportModel model = SweepModel(null) with { Leaderboard = Array.Empty<SweepReportRow>() };
        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => SweepReport.Render(model));
        Assert.Contains("Leaderboard", e.Message);
    }

    private static ReportRun Run(string name, Evaluation e) =>
        new(name, name + " run", new[] { new EpochRecord(1, 1.0, double.NaN, double.NaN, 0.1), new EpochRecord(2, 0.5, double.NaN, double.NaN, 0.1) }, e, 0.2, 10, 0);

    private static ReportModel Model(ReportRun[] runs) =>
        new("title", "subtitle", "rows", "squared error", "R²", runs, new[] { ("data", "x.csv") });
}
