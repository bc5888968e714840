using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.MLNet.Recipes;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary><c>compare</c> and the report: side-by-side held-out metrics, one curve per optimizer with its kept epoch, a self-contained page, the winner's model.</summary>
[TestClass]
public sealed class CompareTests
{
    private static TempDir? dir;
    private static CliResult classification = null!;
    private static CliResult regression = null!;

    [ClassInitialize]
    public static void RunComparisons(TestContext context)
    {
        dir = new TempDir();
        classification = Cli.Run("compare", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "12", "--patience", "none", "--compute", "managed", "-o", dir["iris"]);
        regression = Cli.Run("compare", "--data", Cli.DataFile("diabetes.csv"), "--label", "progression", "--epochs", "8", "--optimizers", "lion,adamw:lr=0.003,wd=0.01", "--compute", "managed", "-o", dir["diabetes"]);
    }

    [ClassCleanup]
    public static void Cleanup() => dir?.Dispose();

    [TestMethod]
    public void DefaultOptimizersRunOnTheSameRows()
    {
        classification.Ok();
        JsonObject m = Cli.Json(dir!["iris/metrics.json"]);
        JsonArray runs = m["runs"]!.AsArray();
        CollectionAssert.AreEqual(new[] { "Lion", "Adafactor", "AdamW", "SGD" }, runs.Select(r => r!["optimizer"]!.GetValue<string>()).ToArray());
        foreach (JsonNode? r in runs)
        {
            Assert.AreEqual(30, r!["holdout"]!["rows"]!.GetValue<int>());
            Assert.AreEqual(12, r["history"]!.AsArray().Count, "--patience none runs every epoch");
            JsonArray counts = r["holdout"]!["confusion_matrix"]!["counts"]!.AsArray();
            double[] perClass = counts.Select(row => row!.AsArray().Sum(v => v!.GetValue<double>())).ToArray();
            CollectionAssert.AreEqual(
                runs[0]!["holdout"]!["confusion_matrix"]!["counts"]!.AsArray().Select(row => row!.AsArray().Sum(v => v!.GetValue<double>())).ToArray(),
                perClass,
                "every optimizer is evaluated on the same held-out rows (same class counts)");
        }

        // Each optimizer with its tabular recommendation: Lion's learning rate smaller than AdamW's, its weight decay larger.
        double Key(string name, string key) => Cli.Json(dir!["iris/config-" + name + ".json"])["trainer"]!["optimizer"]!["config"]![key]!.GetValue<double>();
        Assert.IsLessThan(Key("adamw", "learning_rate"), Key("lion", "learning_rate"));
        Assert.IsGreaterThan(Key("adamw", "weight_decay"), Key("lion", "weight_decay"));

        // The console table has one column per optimizer.
        string header = classification.Stdout.Split('\n').First(l => l.StartsWith("metric ", StringComparison.Ordinal));
        foreach (string name in new[] { "Lion", "Adafactor", "AdamW", "SGD" })
        {
            StringAssert.Contains(header, name);
        }
    }

    [TestMethod]
    public void WritesTheWinnersModelChosenOnItsSelectionRows()
    {
        classification.Ok();
        JsonObject m = Cli.Json(dir!["iris/metrics.json"]);
        string winner = m["winner"]!.GetValue<string>();
        StringAssert.Contains(m["winner_chosen_by"]!.GetValue<string>(), "not chosen on the held-out rows");

        // The winner has the best selection metric at its kept epoch.
        double Selection(JsonNode run) => run["history"]!.AsArray()[run["kept_epoch"]!.GetValue<int>() - 1]!["selection_metric"]!.GetValue<double>();
        JsonArray runs = m["runs"]!.AsArray();
        double best = runs.Max(r => Selection(r!));
        Assert.AreEqual(best, Selection(runs.First(r => r!["optimizer"]!.GetValue<string>() == winner)!));

        // Its model and recipe are written, and the model scores.
        Recipe recipe = Recipe.Load(dir["iris/config.json"]);
        Assert.AreEqual(winner, recipe.Trainer.Optimizer["class_name"]!.GetValue<string>());
        Assert.IsTrue(File.Exists(dir["iris/model.zip"]));
        Cli.Run("evaluate", "--model", dir["iris"], "--data", Cli.DataFile("iris.csv"), "-q").Ok();
        StringAssert.Contains(classification.Stdout, $"winner: {winner} (best selection accuracy");
    }

    [TestMethod]
    public void ReportHasOneCurvePerOptimizerAndTheKeptEpochOnBothCharts()
    {
        XDocument doc = XDocument.Parse(File.ReadAllText(dir!["iris/report.html"]).Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));
        List<XElement> charts = doc.Descendants("svg").ToList();
        Assert.HasCount(2, charts, "a loss chart and a selection-accuracy chart");
        string[] colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"];
        XElement loss = charts[0], quality = charts[1];
        StringAssert.Contains(loss.Element("title")!.Value, "selection rows");
        StringAssert.Contains(quality.Element("title")!.Value, "accuracy on the selection rows");
        JsonArray runs = Cli.Json(dir["iris/metrics.json"])["runs"]!.AsArray();
        for (int i = 0; i < colors.Length; i++)
        {
            string color = colors[i];
            List<XElement> lossLines = loss.Descendants("polyline").Where(p => (string?)p.Attribute("stroke") == color).ToList();
            Assert.HasCount(2, lossLines, $"training and selection loss for {color}");
            Assert.AreEqual(1, lossLines.Count(p => p.Attribute("stroke-dasharray") != null), "selection dashed");
            Assert.HasCount(1, quality.Descendants("polyline").Where(p => (string?)p.Attribute("stroke") == color).ToList(), $"selection accuracy for {color}");
            Assert.AreEqual(12, lossLines[0].Attribute("points")!.Value.Split(' ').Length, "one point per epoch");

            // The kept epoch: a marker line in the run's colour on both charts, at the epoch metrics.json names.
            int kept = runs[i]!["kept_epoch"]!.GetValue<int>();
            foreach (XElement chart in new[] { loss, quality })
            {
                XElement marker = chart.Descendants("line").Single(l => (string?)l.Attribute("class") == "marker" && (string?)l.Attribute("stroke") == color);
                Assert.IsTrue(chart.Descendants("text").Any(t => t.Value == $"kept {kept}" && (string?)t.Attribute("fill") == color), $"kept epoch {kept} labelled for {color}");
                Assert.AreEqual(marker.Attribute("x1")!.Value, marker.Attribute("x2")!.Value, "a vertical line");
            }
        }

        // Legend, axis labels and ticks.
        string[] texts = loss.Descendants("text").Select(t => t.Value).ToArray();
        foreach (string label in new[] { "Lion", "Adafactor", "AdamW", "SGD", "training", "selection rows", "epoch", "loss: cross-entropy, nats" })
        {
            CollectionAssert.Contains(texts, label);
        }
    }

    [TestMethod]
    public void ConfusionMatrixOnlyForClassification()
    {
        regression.Ok();
        string iris = File.ReadAllText(dir!["iris/report.html"]);
        string diabetes = File.ReadAllText(dir["diabetes/report.html"]);
        Assert.AreEqual(4, Regex.Matches(iris, "<table class=\"confusion").Count, "one matrix per optimizer");
        Assert.DoesNotContain("<table class=\"confusion", diabetes);
        Assert.Contains("R² on the selection rows", diabetes);
        Assert.DoesNotContain("Confusion matrix", regression.Stdout);
        Assert.Contains("AdamW (lr=0.003,wd=0.01)", regression.Stdout, "labelled with its settings");

        // Cells sum to the held-out rows, diagonal framed.
        XDocument doc = XDocument.Parse(iris.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));
        XElement first = doc.Descendants("table").First(t => ((string?)t.Attribute("class"))?.StartsWith("confusion", StringComparison.Ordinal) == true);
        var cells = first.Descendants("td").Where(td => td.Attribute("title") != null).ToList();
        Assert.HasCount(9, cells);
        Assert.AreEqual(30.0, cells.Sum(c => double.Parse(c.Value, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.AreEqual(3, cells.Count(c => (string?)c.Attribute("class") == "diag"));
    }

    [TestMethod]
    [DataRow("iris", DisplayName = "classification report is well-formed and self-contained")]
    [DataRow("diabetes", DisplayName = "regression report is well-formed and self-contained")]
    public void ReportIsWellFormedAndSelfContained(string name)
    {
        string html = File.ReadAllText(dir![name + "/report.html"]);
        StringAssert.StartsWith(html, "<!DOCTYPE html>");
        XDocument doc = XDocument.Parse(html.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));
        Assert.AreEqual("html", doc.Root!.Name.LocalName);
        foreach (string banned in new[] { "http://", "https://", "<script", "<link", "<img", "<iframe", "@import", "src=", "//cdn" })
        {
            Assert.DoesNotContain(banned, html, StringComparison.OrdinalIgnoreCase, $"'{banned}' would reach outside the file");
        }

        foreach (Match url in Regex.Matches(html, @"url\(([^)]*)\)"))
        {
            StringAssert.StartsWith(url.Groups[1].Value, "#", "only in-page references");
        }

        Assert.IsNotNull(doc.Descendants("style").SingleOrDefault(), "inline CSS");
        Assert.Contains("Run settings", html);
        Assert.Contains("Metrics on the held-out rows", html);
        Assert.DoesNotContain("validation", html, StringComparison.OrdinalIgnoreCase, "selection or held-out, never 'validation'");
    }

    [TestMethod]
    public void NoSelectionRowsMeansTheLastEpochAndNoSelectionCurves()
    {
        using var d = new TempDir();
        Cli.Run("compare", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "4", "--selection-fraction", "0", "--optimizers", "lion", "sgd", "--compute", "managed", "--quiet", "-o", d.Path).Ok();
        string html = File.ReadAllText(d["report.html"]);
        XDocument doc = XDocument.Parse(html.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));
        Assert.HasCount(1, doc.Descendants("svg").ToList(), "only the training loss chart");
        Assert.AreEqual(0, doc.Descendants("polyline").Count(p => p.Attribute("stroke-dasharray") != null));
        Assert.Contains("No selection rows were scored", html);
        JsonObject m = Cli.Json(d["metrics.json"]);
        Assert.IsTrue(m["runs"]!.AsArray().All(r => r!["kept_epoch"]!.GetValue<int>() == 4 && r["selection_rows"]!.GetValue<long>() == 0));
        Assert.IsNull(Cli.Json(d["config.json"])["trainer"]!["early_stopping"], "--selection-fraction 0 is early_stopping null");
    }
}
