using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary>Progress and tables: plain text when redirected, a live bar only on a terminal, 80 columns, units, nothing with --quiet.</summary>
[TestClass]
public sealed class OutputTests
{
    private const string Escape = "\u001b";

    [TestMethod]
    public void RedirectedOutputHasNoEscapeSequencesAndPlainProgressLinesWithUnits()
    {
        using var dir = new TempDir();
        CliResult r = Cli.Run("train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "45", "--patience", "none", "--compute", "managed", "-o", dir.Path).Ok();
        Assert.DoesNotContain(Escape, r.Stdout);
        Assert.DoesNotContain(Escape, r.Stderr);
        string[] progress = r.ErrorLines;
        Assert.AreEqual("Lion  training: at most 45 epochs", progress[0]);

        // Epoch 1, every 3rd epoch (45 / 20 rounded up), and the last: at most ~20 lines however long the run.
        string[] epochLines = progress.Where(l => l.Contains("  epoch ", StringComparison.Ordinal)).ToArray();
        int[] epochs = epochLines.Select(l => int.Parse(l.Split("epoch", StringSplitOptions.TrimEntries)[1].Split('/')[0], CultureInfo.InvariantCulture)).ToArray();
        Assert.AreEqual(1, epochs[0]);
        Assert.AreEqual(45, epochs[^1]);
        Assert.IsTrue(epochs.Skip(1).All(e => e % 3 == 0), string.Join(",", epochs));
        Assert.IsLessThanOrEqualTo(22, epochs.Length);

        // Every loss has its unit; selection values are labelled as the selection rows'.
        StringAssert.Contains(epochLines[^1], "loss ");
        Assert.AreEqual(2, epochLines[^1].Split(" nats").Length - 1, "the training and the selection loss both in nats");
        StringAssert.Contains(epochLines[^1], "sel. acc");
        StringAssert.StartsWith(progress[^1], "Lion  ran 45 epochs; kept epoch ");
        StringAssert.Contains(r.Stdout, "log-loss (nats)");
        StringAssert.Contains(r.Stdout.Replace("\n  ", " ", StringComparison.Ordinal), "selection rows chose the epoch");
        StringAssert.Contains(r.Stdout, "held-out rows (30; they chose nothing)");
        Assert.DoesNotContain("validation", r.Stdout, "no number is called 'validation': they are selection or held-out numbers");
        Assert.DoesNotContain("sel. acc", r.Stdout, "progress lines stay on stderr");
    }

    [TestMethod]
    public void QuietPrintsNothingButErrors()
    {
        using var dir = new TempDir();
        CliResult r = Cli.Run("train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "3", "--compute", "managed", "--quiet", "-o", dir.Path).Ok();
        Assert.AreEqual(string.Empty, r.Stderr);
        Assert.AreEqual(string.Empty, r.Stdout, "-q prints nothing on success; the results are in the output folder");
        Assert.IsTrue(System.IO.File.Exists(dir["metrics.json"]));
    }

    [TestMethod]
    public void LiveProgressGoesToTheTerminalOnlyAndStdoutStaysPlain()
    {
        using var dir = new TempDir();
        CliResult r = Cli.Run(errorIsTerminal: true, "compare", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "5", "--optimizers", "lion", "adamw", "--compute", "managed", "--no-report", "-o", dir.Path).Ok();
        Assert.Contains(Escape + "[", r.Stderr, "the live bar draws with escape sequences on a terminal");
        Assert.Contains("100%", r.Stderr);
        Assert.DoesNotContain(Escape, r.Stdout, "redirected stdout stays plain");
        StringAssert.Contains(r.Stdout, "Held-out metrics");
    }

    [TestMethod]
    [DataRow("train", DisplayName = "80 columns: train's live bar and tables")]
    [DataRow("sweep", DisplayName = "80 columns: sweep's live bar and leaderboard")]
    public void LiveDisplayAndTablesFitEightyColumns(string verb)
    {
        using var dir = new TempDir();
        string[] args = verb == "train"
            ? ["train", "--data", Cli.DataFile("breast_cancer.csv"), "--label", "diagnosis", "--epochs", "12", "--optimizer", "adafactor:lr=0.0123456789", "--compute", "managed", "--no-report", "-o", dir.Path]
            : ["sweep", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--trials", "8", "--max-epochs", "9", "--min-epochs", "3", "--compute", "managed", "--no-report", "-o", dir.Path];
        CliResult r = Cli.RunWidth(80, errorIsTerminal: true, CancellationToken.None, args).Ok();
        // Every line but those that print a file path (which can be longer than any terminal).
        foreach (string line in Cli.ScreenLines(r.Stderr).Concat(Cli.ScreenLines(r.Stdout)).Where(l => !l.Contains(dir.Path, StringComparison.Ordinal) && !l.Contains(Cli.DataFile(string.Empty), StringComparison.Ordinal)))
        {
            Assert.IsLessThanOrEqualTo(80, line.Length, $"fits 80 columns: '{line}'");
        }

        // The bar's elapsed time stays on its line: every line with a percentage also has the time, in one piece.
        string[] bars = Cli.ScreenLines(r.Stderr).Where(l => l.Contains('%', StringComparison.Ordinal)).ToArray();
        Assert.IsNotEmpty(bars);
        Assert.IsTrue(bars.All(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"\d+%\s+\d\d:\d\d:\d\d")), string.Join("\n", bars));
        if (verb == "sweep")
        {
            // Leaderboard rows: every score a whole number "0.1234", never split across lines.
            string[] lines = r.Stdout.Split('\n');
            int title = Array.FindIndex(lines, l => l.StartsWith("Leaderboard", StringComparison.Ordinal));
            string[] rows = lines.Skip(title + 3).TakeWhile(l => l.Length > 0 && char.IsDigit(l.TrimStart()[0])).ToArray();
            Assert.HasCount(8, rows, r.Stdout);
            Assert.IsTrue(rows.All(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"\s(\d\.\d{4}|failed)\*?\s+\d+\.\ds$")), string.Join("\n", rows));
        }
    }

    [TestMethod]
    public void HelpListsTheVerbsAndExitsZero()
    {
        CliResult r = Cli.Run("--help").Ok();
        foreach (string verb in new[] { "train", "evaluate", "predict", "compare", "sweep" })
        {
            StringAssert.Contains(r.Stdout, verb);
        }

        CliResult t = Cli.Run("train", "--help").Ok();
        foreach (string flag in new[] { "--data", "--label", "--config", "--optimizer", "--epochs", "--quiet", "--seed", "--checkpoint", "--resume", "--keep", "--patience", "--refit" })
        {
            StringAssert.Contains(t.Stdout, flag);
        }

        Assert.AreEqual(string.Empty, t.Stderr);
    }
}
