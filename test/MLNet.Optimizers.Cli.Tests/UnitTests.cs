using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Commands;
using MLNet.Optimizers.Cli.Output;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Cli.Settings;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary>The pieces: optimizer specs, did-you-mean, the console table, chart ticks, the report's escaping.</summary>
[TestClass]
public sealed class UnitTests
{
    [TestMethod]
    [DataRow("lion", "lion", "", DisplayName = "spec: bare name")]
    [DataRow("AdamW:lr=0.003,wd=0.01", "adamw", "learning_rate=0.003;weight_decay=0.01", DisplayName = "spec: name with settings, any case")]
    [DataRow("sgd:momentum=0.5,nesterov=1", "sgd", "momentum=0.5;nesterov=true", DisplayName = "spec: SGD settings, a Boolean as 1")]
    [DataRow(" adafactor : lr = 0.1 ", "adafactor", "learning_rate=0.1", DisplayName = "spec: white space")]
    [DataRow("lion:beta1=0.95,beta_2=0.98", "lion", "beta_1=0.95;beta_2=0.98", DisplayName = "spec: Keras keys with or without underscores")]
    public void OptimizerSpecParses(string text, string name, string settings)
    {
        OptimizerSpec s = OptimizerSpec.Parse(text, "--optimizer");
        Assert.AreEqual(name, s.Name);
        string got = string.Join(";", s.Overrides.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value.ToJsonString()));
        Assert.AreEqual(settings, got);
    }

    [TestMethod]
    public void OptimizerSpecStartsFromTheRecommendedOptimizer()
    {
        // The class of the model's recommended optimizer starts from it (no copy of its settings in the tool): the
        // recommended MLP's Lion for an MLP, TrainingDefaults' general Lion for a linear model ...
        Optimizer mlpDefault = MLNet.Recipes.RecipeTrainer.CreateDefaultOptimizer(MLNet.Recipes.RecipeModelType.Mlp);
        Optimizer linearDefault = MLNet.Recipes.RecipeTrainer.CreateDefaultOptimizer(MLNet.Recipes.RecipeModelType.Linear);
        JsonObject lion = OptimizerSpec.Parse("lion", "--optimizer").ToKerasObject("--optimizer", linearDefault);
        JsonObject recommended = Training.Training.TrainingDefaults.CreateOptimizer().Serialize();
        Assert.IsTrue(JsonNode.DeepEquals(recommended["config"], lion["config"]), lion.ToJsonString());
        JsonObject mlpLion = OptimizerSpec.Parse("lion:lr=0.001", "--optimizer").ToKerasObject("--optimizer", mlpDefault);
        JsonObject mlpRecommended = Training.Training.TrainingDefaults.CreateMlpOptimizer().Serialize();
        Assert.AreEqual(Training.Training.TrainingDefaults.MlpGlobalClipNorm, mlpLion["config"]!["global_clipnorm"]!.GetValue<double>(), "an MLP's Lion keeps the recommended MLP's clipping");
        Assert.AreEqual(mlpRecommended["config"]!["weight_decay"]!.GetValue<double>(), mlpLion["config"]!["weight_decay"]!.GetValue<double>());
        Assert.AreEqual(0.001, mlpLion["config"]!["learning_rate"]!.GetValue<double>(), 1e-9, "the key given is set");

        // ... the others from the registry's tabular recommendation, with the keys given set.
        JsonObject adamw = OptimizerSpec.Parse("adamw:lr=0.003", "--optimizer").ToKerasObject("--optimizer", mlpDefault);
        Assert.AreEqual(0.003, adamw["config"]!["learning_rate"]!.GetValue<double>(), 1e-9);
        Assert.AreEqual(OptimizerRegistry.Find("adamw")!.RecommendedWeightDecay!.Value, adamw["config"]!["weight_decay"]!.GetValue<double>(), 1e-9);
        Assert.AreEqual(SgdDefaults.RecommendedMomentum, OptimizerSpec.Parse("sgd", "--optimizer").ToKerasObject("--optimizer", linearDefault)["config"]!["momentum"]!.GetValue<double>(), 1e-9);
    }

    [TestMethod]
    [DataRow("lion:clipnorm=1", "clipnorm", DisplayName = "clip key: clipnorm replaces the MLP Lion's global_clipnorm")]
    [DataRow("lion:clipvalue=0.5", "clipvalue", DisplayName = "clip key: clipvalue replaces it")]
    [DataRow("lion:global_clipnorm=1", "global_clipnorm", DisplayName = "clip key: global_clipnorm=1 sets it")]
    [DataRow("adamw:clipnorm=2", "clipnorm", DisplayName = "clip key: on another class")]
    public void AClippingKeyGivenReplacesTheStartingPointsClipping(string spec, string key)
    {
        // Keras allows only one clipping key; the recommended MLP Lion starts with global_clipnorm, so a clipping key
        // given must replace it (before the fix, lion:clipnorm=1 on an MLP was rejected as two clipping keys).
        Optimizer mlpDefault = MLNet.Recipes.RecipeTrainer.CreateDefaultOptimizer(MLNet.Recipes.RecipeModelType.Mlp);
        JsonObject o = OptimizerSpec.Parse(spec, "--optimizer").ToKerasObject("--optimizer", mlpDefault);
        JsonObject config = (JsonObject)o["config"]!;
        double given = double.Parse(spec[(spec.IndexOf('=') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.AreEqual(given, config[key]!.GetValue<double>(), 1e-12, o.ToJsonString());
        foreach (string other in new[] { "clipnorm", "clipvalue", "global_clipnorm" }.Where(k => k != key))
        {
            Assert.IsNull(config[other], $"{other} is cleared: {o.ToJsonString()}");
        }

        Assert.AreEqual(given, global::MLNet.Optimizers.Serialization.KerasConfig.DeserializeOptimizer((JsonObject)o.DeepClone()).Serialize()["config"]![key]!.GetValue<double>(), 1e-12, "the optimizer builds");
    }

    [TestMethod]
    [DataRow("adam", "unknown optimizer 'adam'", DisplayName = "spec error: unknown name")]
    [DataRow("lion:beta3=1", "beta_1, beta_2", DisplayName = "spec error: unknown key lists the keys")]
    [DataRow("lion:lerning_rate=1", "did you mean 'learning_rate'?", DisplayName = "spec error: a typo'd key gets a did-you-mean")]
    [DataRow("sgd:nesterov=maybe", "must be true or false", DisplayName = "spec error: a Boolean key")]
    [DataRow("lion:lr=fast", "lr in 'lion:lr=fast' must be a number, got 'fast'", DisplayName = "spec error: not a number")]
    [DataRow("lion:lr=1,lr=2", "learning_rate is given twice", DisplayName = "spec error: repeated key")]
    [DataRow("sgd:lr", "'lr' in 'sgd:lr' is not a KEY=VALUE setting", DisplayName = "spec error: no value")]
    public void OptimizerSpecRejects(string text, string message)
    {
        CliException e = Assert.ThrowsExactly<CliException>(() => OptimizerSpec.Parse(text, "--optimizer"));
        Assert.AreEqual(ExitCodes.Usage, e.ExitCode);
        StringAssert.Contains(e.Message, message);
    }

    [TestMethod]
    public void OptimizerListSplitsOnCommasThatStartAName()
    {
        IReadOnlyList<OptimizerSpec> specs = TrainingCommands.ParseOptimizerList(["lion,adamw:lr=0.003,wd=0.01", "sgd:momentum=0"]);
        CollectionAssert.AreEqual(new[] { "Lion", "AdamW (lr=0.003,wd=0.01)", "SGD (momentum=0)" }, specs.Select(s => s.Label).ToArray());
        CollectionAssert.AreEqual(new[] { "lion", "adafactor", "adamw", "sgd" }, TrainingCommands.ParseOptimizerList(null).Select(s => s.Name).ToArray());
        Assert.ThrowsExactly<CliException>(() => TrainingCommands.ParseOptimizerList(["lion", "lion"]));
    }

    [TestMethod]
    [DataRow("90", 90.0, DisplayName = "duration: plain seconds")]
    [DataRow("2.5", 2.5, DisplayName = "duration: fractional seconds")]
    [DataRow("90s", 90.0, DisplayName = "duration: seconds")]
    [DataRow("5m", 300.0, DisplayName = "duration: minutes")]
    [DataRow("1h30m", 5400.0, DisplayName = "duration: hours and minutes")]
    [DataRow("250ms", 0.25, DisplayName = "duration: milliseconds")]
    public void DurationsParse(string text, double seconds)
    {
        Assert.AreEqual(seconds, SweepCommand.ParseDuration("--time-budget", text)!.Value.TotalSeconds, 1e-9);
    }

    [TestMethod]
    [DataRow("-1s", DisplayName = "duration error: negative")]
    [DataRow("0", DisplayName = "duration error: zero")]
    [DataRow("5x", DisplayName = "duration error: unknown unit")]
    [DataRow("soon", DisplayName = "duration error: not a duration")]
    public void DurationsReject(string text)
    {
        CliException e = Assert.ThrowsExactly<CliException>(() => SweepCommand.ParseDuration("--time-budget", text));
        Assert.AreEqual(ExitCodes.Usage, e.ExitCode);
        StringAssert.Contains(e.Message, $"'{text}'");
    }

    [TestMethod]
    [DataRow("--epoch", "--epochs", DisplayName = "did you mean: a missing letter")]
    [DataRow("--lable", "--label", DisplayName = "did you mean: swapped letters")]
    [DataRow("--bogus", null, DisplayName = "did you mean: nothing close")]
    public void DidYouMeanFindsTypos(string given, string? expected)
    {
        string[] flags = ["--epochs", "--label", "--data", "--batch-size", "--seed"];
        Assert.AreEqual(expected, Suggest.Closest(given, flags));
    }

    [TestMethod]
    public void TextTableSizesColumnsToTheirCellsAndMarksWithoutColour()
    {
        var stdout = new StringWriter(System.Globalization.CultureInfo.InvariantCulture) { NewLine = "\n" };
        var console = new CliConsole(stdout, new StringWriter(), outputIsTerminal: false, width: 80);
        var table = new TextTable().Column("metric", right: false).Column("a").Column("b");
        table.Row(["accuracy", "0.9500", "0.1"], marked: 1).Row(["log-loss (bits)", "n/a", "12.25"]);
        table.Write(console, "Title");
        string[] lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(
            new[] { "Title", "metric                 a      b", "---------------  -------  -----", "accuracy         0.9500*    0.1", "log-loss (bits)      n/a  12.25" },
            lines);
        Assert.AreEqual(lines[2].Length, table.Width);
    }

    [TestMethod]
    [DataRow(30, "  ", DisplayName = "table width: two spaces when they fit")]
    [DataRow(29, " ", DisplayName = "table width: one space when two would not fit")]
    [DataRow(28, " ", DisplayName = "table width: one space down to its narrowest")]
    public void TextTableNarrowsItsGapsToFitTheConsole(int width, string gap)
    {
        var stdout = new StringWriter(System.Globalization.CultureInfo.InvariantCulture) { NewLine = "\n" };
        var console = new CliConsole(stdout, new StringWriter(), outputIsTerminal: false, width: width);
        var table = new TextTable().Column("metric", right: false).Column("a").Column("b");
        table.Row(["accuracy", "0.9500", "0.1"]).Row(["log-loss (bits)", "n/a", "12.25"]);
        Assert.AreEqual(30, table.Width);
        Assert.IsTrue(table.FitsIn(width));
        Assert.IsFalse(table.FitsIn(27), "narrower than one space between columns");
        table.Write(console, null);
        string[] lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(string.Join(gap, "---------------", "------", "-----"), lines[1]);
        Assert.IsTrue(lines.All(l => l.Length <= width), string.Join("|", lines));
        Assert.AreEqual("log-loss (bits)" + gap + "   n/a" + gap + "12.25", lines[3]);
    }

    [TestMethod]
    [DataRow(0.0, 1.0, 5, false, DisplayName = "ticks: unit range in 0.2 steps")]
    [DataRow(0.137, 0.981, 6, false, DisplayName = "ticks: accuracy-like range")]
    [DataRow(1.0, 97.0, 8, true, DisplayName = "ticks: epochs, integers")]
    [DataRow(-3.2, 0.9, 6, false, DisplayName = "ticks: negative R²")]
    [DataRow(5.0, 5.0, 6, false, DisplayName = "ticks: a single value")]
    public void NiceTicksCoverTheRangeWithRoundSteps(double lo, double hi, int target, bool integer)
    {
        (double[] ticks, double start, double end) = SvgChart.NiceTicks(lo, hi, target, integer);
        Assert.IsLessThanOrEqualTo(lo, start);
        Assert.IsGreaterThanOrEqualTo(hi, end);
        Assert.IsGreaterThanOrEqualTo(2, ticks.Length);
        Assert.IsLessThanOrEqualTo(2 * target + 2, ticks.Length);
        double step = ticks[1] - ticks[0];
        double mantissa = step / Math.Pow(10, Math.Floor(Math.Log10(step)));
        Assert.IsTrue(new[] { 1.0, 2.0, 5.0 }.Any(m => Math.Abs(m - mantissa) < 1e-9), $"step {step}");
        for (int i = 1; i < ticks.Length; i++)
        {
            Assert.AreEqual(step, ticks[i] - ticks[i - 1], step * 1e-9);
        }

        if (integer)
        {
            Assert.IsTrue(ticks.All(t => t == Math.Floor(t)));
        }
    }

    [TestMethod]
    public void ChartUsesALogAxisForWideRangesOnly()
    {
        var wide = new SvgChart { Title = "t", XLabel = "x", YLabel = "y", AllowLog = true, Series = [new ChartSeries("a", "#000000", false, [(1, 2.0), (2, 0.01)])] };
        var narrow = new SvgChart { Title = "t", XLabel = "x", YLabel = "y", AllowLog = true, Series = [new ChartSeries("a", "#000000", false, [(1, 2.0), (2, 0.5)])] };
        wide.ToSvg();
        narrow.ToSvg();
        Assert.IsTrue(wide.UsedLogScale);
        Assert.IsFalse(narrow.UsedLogScale);
    }

    [TestMethod]
    public void ReportEscapesNamesFromTheData()
    {
        Assert.AreEqual("a &lt;b&gt; &amp; &quot;c&quot;", Html.Attr("a <b> & \"c\""));
        var chart = new SvgChart { Title = "<script>", XLabel = "x & y", YLabel = "y", Series = [new ChartSeries("</svg>", "#000000", false, [(1, 1.0), (2, 2.0)])] };
        string svg = chart.ToSvg();
        Assert.DoesNotContain("<script>", svg);
        Assert.DoesNotContain("</svg><", svg);
        System.Xml.Linq.XElement.Parse(svg);
    }
}
