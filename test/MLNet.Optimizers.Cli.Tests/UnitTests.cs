using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Commands;
using MLNet.Optimizers.Cli.Data;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Cli.Settings;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary>The pieces: optimizer specs, the CSV reader, chart ticks, the report's escaping.</summary>
[TestClass]
public sealed class UnitTests
{
    [TestMethod]
    [DataRow("lion", "lion", "", DisplayName = "spec: bare name")]
    [DataRow("AdamW:lr=0.003,wd=0.01", "adamw", "lr=0.003;wd=0.01", DisplayName = "spec: name with settings, any case")]
    [DataRow("sgd:momentum=0.5,nesterov=1", "sgd", "momentum=0.5;nesterov=1", DisplayName = "spec: SGD settings")]
    [DataRow(" adafactor : lr = 0.1 ", "adafactor", "lr=0.1", DisplayName = "spec: white space")]
    public void OptimizerSpecParses(string text, string name, string settings)
    {
        OptimizerSpec s = OptimizerSpec.Parse(text, "--optimizer");
        Assert.AreEqual(name, s.Name);
        string got = string.Join(";", s.Overrides.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.AreEqual(settings, got);
    }

    [TestMethod]
    [DataRow("adam", "unknown optimizer 'adam'", DisplayName = "spec error: unknown name")]
    [DataRow("lion:beta3=1", "beta1, beta2", DisplayName = "spec error: unknown key lists the keys")]
    [DataRow("lion:lr=fast", "lr in 'lion:lr=fast' must be a number, got 'fast'", DisplayName = "spec error: not a number")]
    [DataRow("lion:lr=1,lr=2", "lr is given twice", DisplayName = "spec error: repeated key")]
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
    public void ScheduleSpanningItsRunIsStretchedToAnother()
    {
        JsonObject spanning = OptimizerFactory.Create(new OptimizerSpec { Name = "lion" }, 400);
        JsonNode? c = spanning["config"]!["learning_rate"]!["config"];
        Assert.AreEqual(400, c!["warmup_steps"]!.GetValue<long>() + c["decay_steps"]!.GetValue<long>());

        JsonNode s = OptimizerFactory.FitScheduleToRun(spanning, 400, 1000)["config"]!["learning_rate"]!["config"]!;
        Assert.AreEqual(50, s["warmup_steps"]!.GetValue<long>(), "the same 5 % warmup share");
        Assert.AreEqual(950, s["decay_steps"]!.GetValue<long>());
        Assert.AreEqual(c["warmup_target"]!.GetValue<double>(), s["warmup_target"]!.GetValue<double>(), "the peak is kept");
        Assert.AreEqual(20, c["warmup_steps"]!.GetValue<long>(), "the input is not modified");

        // A schedule of another length, or a constant rate, is left alone.
        Assert.IsTrue(JsonNode.DeepEquals(spanning, OptimizerFactory.FitScheduleToRun(spanning, 300, 1000)));
        JsonObject constant = new Lion(0.001).Serialize();
        Assert.IsTrue(JsonNode.DeepEquals(constant, OptimizerFactory.FitScheduleToRun(constant, 400, 1000)));
    }

    [TestMethod]
    public void CsvReaderHandlesQuotesLineBreaksAndLineNumbers()
    {
        const string text = "\uFEFFa,\"b, with comma\",c\r\n1,\"say \"\"hi\"\"\",3\r\n\r\n4,\"two\nlines\",6\n7,8,9";
        using var r = new CsvRecordReader(new StringReader(text), ',', "t.csv");
        var records = new List<(long Line, string[] Fields)>();
        while (r.Read())
        {
            records.Add((r.RecordLine, r.Fields.ToArray()));
        }

        Assert.HasCount(4, records);
        CollectionAssert.AreEqual(new[] { "\uFEFFa", "b, with comma", "c" }.Select(s => s.TrimStart('\uFEFF')).ToArray(), records[0].Fields.Select(s => s.TrimStart('\uFEFF')).ToArray());
        CollectionAssert.AreEqual(new[] { "1", "say \"hi\"", "3" }, records[1].Fields);
        CollectionAssert.AreEqual(new[] { "4", "two\nlines", "6" }, records[2].Fields);
        CollectionAssert.AreEqual(new long[] { 1, 2, 4, 6 }, records.Select(x => x.Line).ToArray(), "blank line skipped, quoted line break counted");
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
