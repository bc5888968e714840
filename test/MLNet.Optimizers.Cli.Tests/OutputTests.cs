using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary>Progress and tables: plain text when redirected, a live bar only on a terminal, nothing with --quiet.</summary>
[TestClass]
public sealed class OutputTests
{
    private const string Escape = "\u001b";

    [TestMethod]
    public void RedirectedOutputHasNoEscapeSequencesAndPlainProgressLines()
    {
        using var dir = new TempDir();
        CliResult r = Cli.Run("train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "45", "--compute", "managed", "-o", dir.Path).Ok();
        Assert.DoesNotContain(Escape, r.Stdout);
        Assert.DoesNotContain(Escape, r.Stderr);
        string[] progress = r.ErrorLines;
        Assert.AreEqual("Lion  training: 45 epochs x 4 steps", progress[0]);

        // Epoch 1, every 3rd epoch (45 / 20 rounded up), and the last: at most ~20 lines however long the run.
        int[] epochs = progress.Skip(1).Select(l => int.Parse(l.Split("epoch", StringSplitOptions.TrimEntries)[1].Split('/')[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.AreEqual(1, epochs[0]);
        Assert.AreEqual(45, epochs[^1]);
        Assert.IsTrue(epochs.Skip(1).All(e => e % 3 == 0), string.Join(",", epochs));
        Assert.IsLessThanOrEqualTo(ProgressLinesBound(45), epochs.Length);
        StringAssert.Contains(progress[^1], "val loss");
        StringAssert.Contains(progress[^1], "val accuracy");
        StringAssert.Contains(progress[^1], "ex/s");

        // Tables use ASCII borders when redirected; results on stdout only.
        StringAssert.Contains(r.Stdout, "+---");
        Assert.DoesNotContain("╭", r.Stdout);
        Assert.DoesNotContain("ex/s", r.Stdout, "progress lines stay on stderr");
    }

    [TestMethod]
    public void QuietPrintsNoProgressButStillTheResults()
    {
        using var dir = new TempDir();
        CliResult r = Cli.Run("train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "3", "--compute", "managed", "--quiet", "-o", dir.Path).Ok();
        Assert.AreEqual(string.Empty, r.Stderr);
        StringAssert.Contains(r.Stdout, "accuracy");
        Assert.DoesNotContain("data:", r.Stdout, "no run summary");
    }

    [TestMethod]
    public void LiveProgressGoesToTheTerminalOnlyAndStdoutStaysPlain()
    {
        using var dir = new TempDir();
        CliResult r = Cli.Run(errorIsTerminal: true, "compare", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "5", "--optimizers", "lion", "adamw", "--compute", "managed", "--no-report", "-o", dir.Path).Ok();
        Assert.Contains(Escape + "[", r.Stderr, "the live bar draws with escape sequences on a terminal");
        Assert.Contains("100%", r.Stderr);
        Assert.Contains("epoch 5/5", r.Stderr);
        Assert.DoesNotContain(Escape, r.Stdout, "redirected stdout stays plain");
        StringAssert.Contains(r.Stdout, "Validation metrics");
    }

    [TestMethod]
    public void HelpListsTheVerbsAndExitsZero()
    {
        CliResult r = Cli.Run("--help").Ok();
        foreach (string verb in new[] { "train", "evaluate", "predict", "compare" })
        {
            StringAssert.Contains(r.Stdout, verb);
        }

        CliResult t = Cli.Run("train", "--help").Ok();
        foreach (string flag in new[] { "--data", "--label", "--config", "--optimizer", "--epochs", "--quiet", "--seed" })
        {
            StringAssert.Contains(t.Stdout, flag);
        }

        Assert.AreEqual(string.Empty, t.Stderr);
    }

    private static int ProgressLinesBound(int epochs) => Math.Min(epochs, 20) + 2;
}
