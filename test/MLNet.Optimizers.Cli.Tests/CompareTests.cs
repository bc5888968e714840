using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary><c>compare</c> and the report: side-by-side metrics, one curve per optimizer, a self-contained page.</summary>
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
        classification = Cli.Run("compare", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "12", "--compute", "managed", "-o", dir["iris"]);
        regression = Cli.Run("compare", "--data", Cli.DataFile("diabetes.csv"), "--label", "progression", "--epochs", "8", "--optimizers", "lion,adamw:lr=0.003,wd=0.01", "--compute", "managed", "-o", dir["diabetes"]);
    }

    [ClassCleanup]
    public static void Cleanup() => dir?.Dispose();

    [TestMethod]
    public void DefaultOptimizersRunOnTheSameSplit()
    {
        classification.Ok();
        JsonObject m = Cli.Json(dir!["iris/metrics.json"]);
        JsonArray runs = m["runs"]!.AsArray();
        CollectionAssert.AreEqual(new[] { "Lion", "Adafactor", "AdamW", "SGD" }, runs.Select(r => r!["optimizer"]!.GetValue<string>()).ToArray());
        foreach (JsonNode? r in runs)
        {
            Assert.AreEqual(30, r!["validation"]!["rows"]!.GetValue<int>());
            Assert.AreEqual(12, r["history"]!.AsArray().Count);
            JsonArray counts = r["validation"]!["confusion_matrix"]!["counts"]!.AsArray();
            double[] perClass = counts.Select(row => row!.AsArray().Sum(v => v!.GetValue<double>())).ToArray();
            CollectionAssert.AreEqual(
                runs[0]!["validation"]!["confusion_matrix"]!["counts"]!.AsArray().Select(row => row!.AsArray().Sum(v => v!.GetValue<double>())).ToArray(),
                perClass,
                "every optimizer is validated on the same rows (same class counts)");
        }

        // Lion's learning rate is 3-10x smaller than AdamW's and its weight decay 3-10x larger.
        double LearningRate(string name) => Cli.Json(dir!["iris/config-" + name + ".json"])["trainer"]!["optimizer"]!["config"]!["learning_rate"]!["config"]!["warmup_target"]!.GetValue<double>();
        double WeightDecay(string name) => Cli.Json(dir!["iris/config-" + name + ".json"])["trainer"]!["optimizer"]!["config"]!["weight_decay"]!.GetValue<double>();
        double lrRatio = LearningRate("adamw") / LearningRate("lion");
        double wdRatio = WeightDecay("lion") / WeightDecay("adamw");
        Assert.IsTrue(lrRatio >= 3 && lrRatio <= 10, $"AdamW/Lion learning rate ratio {lrRatio}");
        Assert.IsTrue(wdRatio >= 3 && wdRatio <= 10, $"Lion/AdamW weight decay ratio {wdRatio}");

        // The console table has one column per optimizer.
        string header = classification.Stdout.Split('\n').First(l => l.Contains("| metric", StringComparison.Ordinal));
        foreach (string name in new[] { "Lion", "Adafactor", "AdamW", "SGD" })
        {
            StringAssert.Contains(header, name);
        }
    }

    [TestMethod]
    public void ReportHasOneCurvePerOptimizer()
    {
        XDocument doc = XDocument.Parse(File.ReadAllText(dir!["iris/report.html"]).Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));
        List<XElement> charts = doc.Descendants("svg").ToList();
        Assert.HasCount(2, charts, "a loss chart and a validation-accuracy chart");
        string[] colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"];
        XElement loss = charts[0], quality = charts[1];
        StringAssert.Contains(loss.Element("title")!.Value, "Loss");
        StringAssert.Contains(quality.Element("title")!.Value, "Validation accuracy");
        foreach (string color in colors)
        {
            List<XElement> lossLines = loss.Descendants("polyline").Where(p => (string?)p.Attribute("stroke") == color).ToList();
            Assert.HasCount(2, lossLines, $"training and validation loss for {color}");
            Assert.AreEqual(1, lossLines.Count(p => p.Attribute("stroke-dasharray") != null), "validation dashed");
            Assert.HasCount(1, quality.Descendants("polyline").Where(p => (string?)p.Attribute("stroke") == color).ToList(), $"validation accuracy for {color}");
            Assert.AreEqual(12, lossLines[0].Attribute("points")!.Value.Split(' ').Length, "one point per epoch");
        }

        // Legend, axis labels and ticks.
        string[] texts = loss.Descendants("text").Select(t => t.Value).ToArray();
        foreach (string label in new[] { "Lion", "Adafactor", "AdamW", "SGD", "training", "validation", "epoch", "loss: cross-entropy" })
        {
            CollectionAssert.Contains(texts, label);
        }

        Assert.IsGreaterThanOrEqualTo(3, loss.Descendants("text").Count(t => (string?)t.Attribute("class") == "tick" && (string?)t.Attribute("text-anchor") == "end"), "y ticks");
        Assert.IsGreaterThanOrEqualTo(2, loss.Descendants("text").Count(t => (string?)t.Attribute("class") == "tick" && (string?)t.Attribute("text-anchor") == "middle"), "x ticks");
    }

    [TestMethod]
    public void ConfusionMatrixOnlyForClassification()
    {
        regression.Ok();
        string iris = File.ReadAllText(dir!["iris/report.html"]);
        string diabetes = File.ReadAllText(dir["diabetes/report.html"]);
        Assert.AreEqual(4, Regex.Matches(iris, "<table class=\"confusion").Count, "one matrix per optimizer");
        Assert.DoesNotContain("<table class=\"confusion", diabetes);
        Assert.DoesNotContain("Confusion matrix", diabetes);
        Assert.Contains("Validation R²", diabetes);
        Assert.DoesNotContain("Confusion matrix", regression.Stdout);
        Assert.Contains("AdamW (lr=0.003,wd=0.01)", regression.Stdout, "labelled with its settings");

        // Cells sum to the validation rows, diagonal framed.
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
    }

    [TestMethod]
    public void NoValidationRowsMeansTrainingMetricsAndNoValidationCurves()
    {
        using var d = new TempDir();
        Cli.Run("compare", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "4", "--validation-fraction", "0", "--optimizers", "lion", "sgd", "--compute", "managed", "--quiet", "-o", d.Path).Ok();
        string html = File.ReadAllText(d["report.html"]);
        XDocument doc = XDocument.Parse(html.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));
        Assert.HasCount(1, doc.Descendants("svg").ToList(), "only the training loss chart");
        Assert.AreEqual(0, doc.Descendants("polyline").Count(p => p.Attribute("stroke-dasharray") != null));
        Assert.Contains("training rows (150; no validation rows were held out)", html);
    }
}
