using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Xml.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Cli.Output;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.MLNet.Tuning;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary><c>sweep</c> on breast_cancer: leaderboard, outputs, the best recipe retraining to the same model, determinism, Ctrl+C.</summary>
[TestClass]
public sealed class SweepTests
{
    private static readonly string[] Small = ["--trials", "5", "--max-epochs", "6", "--min-epochs", "2", "--compute", "managed"];

    private static TempDir? dir;
    private static CliResult sweep = null!;

    [ClassInitialize]
    public static void RunSweep(TestContext context)
    {
        dir = new TempDir();
        sweep = Cli.Run(["sweep", "--data", Cli.DataFile("breast_cancer.csv"), "--label", "diagnosis", .. Small, "-o", dir["sweep"]]);
    }

    [ClassCleanup]
    public static void Cleanup() => dir?.Dispose();

    [TestMethod]
    public void PrintsTheLeaderboardAndWritesEveryOutput()
    {
        sweep.Ok();
        foreach (string f in new[] { "best-config.json", "config.json", "leaderboard.json", "leaderboard.csv", "model.zip", "metrics.json", "report.html" })
        {
            Assert.IsTrue(File.Exists(dir!["sweep/" + f]), f + " was written");
        }

        // The leaderboard table: one row per trial, the base recipe marked, the scores on the tuning rows (not held out).
        string[] lines = sweep.Stdout.Split('\n');
        int title = Array.FindIndex(lines, l => l.StartsWith("Leaderboard (accuracy on the tuning rows (20% of the training part))", StringComparison.Ordinal));
        Assert.IsGreaterThanOrEqualTo(0, title, sweep.Stdout);
        foreach (string column in new[] { "trial", "optimizer", "lr", "wd", "batch", "model", "epochs", "accuracy", "time" })
        {
            StringAssert.Contains(lines[title + 1], column);
        }

        string[] rows = lines.Skip(title + 3).Take(5).ToArray();
        Assert.AreEqual(1, rows.Count(r => r.TrimStart().StartsWith("0 base", StringComparison.Ordinal)), sweep.Stdout);
        StringAssert.Contains(sweep.Stdout, "best: trial ");

        // Progress on stderr: one line per evaluation, as many as the schedule plans (5 trials, rungs of 2 and 6 epochs).
        var options = new TunerOptions { Trials = 5, MaxEpochs = 6, MinEpochs = 2 };
        CollectionAssert.AreEqual(new[] { 2, 6 }, options.RungEpochs().ToArray());
        string[] progress = sweep.ErrorLines.Where(l => l.StartsWith("trial ", StringComparison.Ordinal) && l.Contains("rung", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(options.PlannedEvaluations(), progress);
        StringAssert.Contains(progress[0], "rung 1/2");
        StringAssert.Contains(progress[^1], "rung 2/2");
        StringAssert.Contains(progress[^1], "best ");

        // leaderboard.json and .csv agree with the table.
        JsonObject board = Cli.Json(dir!["sweep/leaderboard.json"]);
        JsonArray leaders = board["leaderboard"]!.AsArray();
        Assert.HasCount(5, leaders);
        Assert.AreEqual("accuracy", board["metric"]!.GetValue<string>());
        Assert.AreEqual("completed", board["stop_reason"]!.GetValue<string>());
        Assert.AreEqual(1, board["brackets"]!.GetValue<int>(), "without a time budget: one bracket of --trials");
        Assert.HasCount(progress.Length, board["evaluations"]!.AsArray());
        Assert.AreEqual(leaders[0]!["trial"]!.GetValue<int>(), board["best_trial"]!.GetValue<int>());
        double[] metrics = leaders.Select(l => l!["metric"]!.GetValue<double>()).ToArray();
        int[] rungs = leaders.Select(l => l!["rung"]!.GetValue<int>()).ToArray();
        for (int i = 1; i < metrics.Length; i++)
        {
            Assert.IsTrue(rungs[i] < rungs[i - 1] || (rungs[i] == rungs[i - 1] && metrics[i] <= metrics[i - 1]), "ordered by rung, then metric");
        }

        (string[] header, List<string[]> csv) = Cli.ReadCsv(File.ReadAllText(dir["sweep/leaderboard.csv"]));
        Assert.AreEqual("rank", header[0]);
        Assert.HasCount(5, csv);
        Assert.AreEqual(metrics[0], double.Parse(csv[0][Array.IndexOf(header, "accuracy")], CultureInfo.InvariantCulture));
    }

    [TestMethod]
    public void BestRecipeRetrainsToTheSameModelBitForBit()
    {
        sweep.Ok();
        string text = File.ReadAllText(dir!["sweep/best-config.json"]);
        Recipe best = Recipe.Parse(text);
        JsonNode leader = Cli.Json(dir["sweep/leaderboard.json"])["leaderboard"]![0]!;
        Assert.AreEqual(leader["optimizer"]!.GetValue<string>(), best.Trainer.Optimizer["class_name"]!.GetValue<string>());
        Assert.AreEqual(leader["epochs"]!.GetValue<int>(), best.Trainer.Epochs);

        CliResult train = Cli.Run("train", "--config", dir["sweep/best-config.json"], "--compute", "managed", "--quiet", "--no-report", "-o", dir["retrained"]).Ok();
        CollectionAssert.AreEqual(File.ReadAllBytes(dir["sweep/model.zip"]), File.ReadAllBytes(dir["retrained/model.zip"]), "train --config best-config.json gives the sweep's model, bit for bit");
        Assert.AreEqual(text, File.ReadAllText(dir["retrained/config.json"]));
        double Accuracy(string folder) => Cli.Json(dir![folder + "/metrics.json"])["runs"]![0]!["holdout"]!["metrics"]!["accuracy"]!.GetValue<double>();
        Assert.AreEqual(Accuracy("sweep"), Accuracy("retrained"), "the same held-out metric");

        // The retrain says which rows it trains on, and keeps the epoch rule the trials were ranked with.
        StringAssert.Contains(sweep.Stdout.Replace("\n  ", " ", StringComparison.Ordinal), "on the training part (456 rows: all but the 113 held out), as train --config");
        Assert.AreEqual(Recipe.Parse(File.ReadAllText(dir["sweep/config.json"])).Trainer.EarlyStopping, best.Trainer.EarlyStopping);
    }

    [TestMethod]
    public void ReportShowsEveryEvaluationByOptimizerAndTheBestTrialsCurves()
    {
        string html = File.ReadAllText(dir!["sweep/report.html"]);
        XDocument doc = XDocument.Parse(html.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));
        List<XElement> charts = doc.Descendants("svg").ToList();
        Assert.HasCount(3, charts, "the evaluations scatter, then the retrained best trial's loss and selection accuracy");
        XElement scatter = charts[0];
        Assert.AreEqual(0, scatter.Descendants("polyline").Count(), "a scatter plot has no lines");
        JsonArray evaluations = Cli.Json(dir["sweep/leaderboard.json"])["evaluations"]!.AsArray();
        int finite = evaluations.Count(e => e!["metric"] != null);
        Assert.AreEqual(finite + 2, scatter.Descendants("circle").Count(), "one marker per evaluation, plus the filled/hollow key");
        var colors = new Dictionary<string, string> { ["Lion"] = "#0072B2", ["Adafactor"] = "#D55E00", ["AdamW"] = "#009E73", ["SGD"] = "#CC79A7" };
        foreach (IGrouping<string, JsonNode?> g in evaluations.GroupBy(e => e!["optimizer"]!.GetValue<string>()))
        {
            Assert.AreEqual(g.Count(e => e!["metric"] != null), scatter.Descendants("circle").Count(c => (string?)c.Attribute("stroke") == colors[g.Key]), $"{g.Key}'s markers in its colour");
        }

        XElement table = doc.Descendants("table").First();
        Assert.HasCount(6, table.Elements("tr").ToList(), "header and 5 trials");
        Assert.AreEqual(2, charts[1].Descendants("polyline").Count(), "training and selection loss");
        StringAssert.Contains(html, "retrained on the training part");
        StringAssert.Contains(html, "Search space and tuner");
    }

    [TestMethod]
    public void SameSeedSameLeaderboardAndTheRecipeAsTheBase()
    {
        using var d = new TempDir();
        string data = Cli.DataFile("breast_cancer.csv");
        Cli.Run(["train", "--data", data, "--label", "diagnosis", "--model", "linear", "--epochs", "4", "--compute", "managed", "--quiet", "--no-report", "-o", d["base"]]).Ok();
        string[] args = ["sweep", "--config", d["base/config.json"], "--trials", "4", "--no-halving", "--max-epochs", "3", "--cv", "3", "--optimizers", "lion,sgd", "--compute", "managed", "--quiet", "--no-report"];
        Cli.Run([.. args, "-o", d["a"]]).Ok();
        Cli.Run([.. args, "-o", d["b"]]).Ok();
        static string Scores(JsonObject b) => string.Join(";", b["evaluations"]!.AsArray().Select(e => $"{e!["trial"]}:{e["optimizer"]}:{e["epochs"]}:{e["metric"]}"));
        JsonObject a = Cli.Json(d["a/leaderboard.json"]);
        Assert.AreEqual(Scores(a), Scores(Cli.Json(d["b/leaderboard.json"])), "same seed, same sweep");
        Assert.AreEqual(3, a["folds"]!.GetValue<int>());
        Assert.HasCount(4, a["evaluations"]!.AsArray(), "random search: every trial once");
        Assert.IsTrue(a["evaluations"]!.AsArray().All(e => e!["optimizer"]!.GetValue<string>() is "Lion" or "SGD" || e["trial"]!.GetValue<int>() == 0));

        // Trial 0 is the recipe file's (linear model) at the sweep's budget.
        JsonNode base0 = a["leaderboard"]!.AsArray().First(l => l!["trial"]!.GetValue<int>() == 0)!;
        Assert.AreEqual("linear", base0["model"]!.GetValue<string>());
        Assert.AreEqual(3, base0["epochs"]!.GetValue<int>());
    }

    [TestMethod]
    public void LiveProgressOnATerminalAndNothingWhenQuiet()
    {
        using var d = new TempDir();
        string[] args = ["sweep", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--trials", "3", "--max-epochs", "3", "--no-halving", "--compute", "managed", "--no-report"];
        CliResult live = Cli.Run(errorIsTerminal: true, [.. args, "-o", d["live"]]).Ok();
        Assert.Contains("\u001b[", live.Stderr, "the live bar draws with escape sequences on a terminal");
        Assert.Contains("trial ", live.Stderr);
        Assert.Contains("100%", live.Stderr);
        Assert.DoesNotContain("\u001b", live.Stdout, "redirected stdout stays plain");

        CliResult quiet = Cli.Run([.. args, "--quiet", "-o", d["quiet"]]).Ok();
        Assert.AreEqual(string.Empty, quiet.Stderr);
        Assert.AreEqual(string.Empty, quiet.Stdout);
        Assert.IsTrue(File.Exists(d["quiet/leaderboard.json"]));
    }

    [TestMethod]
    public void CtrlCStopsAndKeepsWhatFinished()
    {
        using var d = new TempDir();
        using var cancel = new CancellationTokenSource();
        var stderr = new CancellingWriter(cancel, afterLines: 3);
        var stdout = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        int code = CliApp.Run(
            ["sweep", "--data", Cli.DataFile("breast_cancer.csv"), "--label", "diagnosis", .. Small, "-o", d.Path],
            new CliConsole(stdout, stderr, outputIsTerminal: false, errorIsTerminal: false, width: 100),
            cancel.Token);
        Assert.AreEqual(ExitCodes.Cancelled, code, stderr.ToString());
        string[] errors = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        StringAssert.StartsWith(errors[^1], "mlnet-opt: error: cancelled after 3 evaluations");
        Assert.AreEqual(1, errors.Count(l => l.StartsWith("mlnet-opt: error:", StringComparison.Ordinal)), "one error line");
        JsonObject board = Cli.Json(d["leaderboard.json"]);
        Assert.AreEqual("cancelled", board["stop_reason"]!.GetValue<string>());
        Assert.HasCount(3, board["evaluations"]!.AsArray(), "the evaluations that finished are kept");
        Recipe.Parse(File.ReadAllText(d["best-config.json"]));
        Assert.IsFalse(File.Exists(d["model.zip"]), "a cancelled sweep retrains nothing");
        StringAssert.Contains(stdout.ToString(), "Leaderboard");
    }

    /// <summary>stderr that presses Ctrl+C once it has received a number of sweep progress lines.</summary>
    private sealed class CancellingWriter : StringWriter
    {
        private readonly CancellationTokenSource _cancel;
        private readonly int _after;
        private int _lines;

        public CancellingWriter(CancellationTokenSource cancel, int afterLines)
            : base(CultureInfo.InvariantCulture)
        {
            _cancel = cancel;
            _after = afterLines;
            NewLine = "\n";
        }

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.StartsWith("trial ", StringComparison.Ordinal) == true && value.Contains("rung", StringComparison.Ordinal) && ++_lines == _after)
            {
                _cancel.Cancel();
            }
        }
    }
}
