using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary>
/// Every error case exits with its conventional code (64 usage, 65 bad data, 66 missing input) and prints exactly one
/// line on stderr that names what is wrong (file, line, column, flag, value).
/// </summary>
[TestClass]
public sealed class ErrorTests
{
    private const string Good = "a,b,y\n1,2,0.5\n2,3,1.5\n3,1,2.5\n4,4,3.5\n5,2,4.5\n";

    private static TempDir? shared;

    /// <summary>A pipeline config for d.csv (columns a, b, y; regression) with <paramref name="trainer"/> as its last member, or none.</summary>
    private static string Config(string? trainer) =>
        "{\"format_version\": 1, \"data\": {\"path\": \"d.csv\", \"label\": \"y\", \"task\": \"regression\", \"columns\": {\"a\": \"numeric\", \"b\": \"numeric\", \"y\": \"numeric\"}}"
        + (trainer is null ? string.Empty : ", " + trainer) + "}";
    private static string modelPath = string.Empty;

    /// <summary>One case: the files to create, the arguments (given the folder and a trained iris model), the exit code and the texts the line must contain.</summary>
    private sealed record Case(Dictionary<string, string> Files, Func<TempDir, string, string[]> Args, int ExitCode, params string[] Expected);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // Data errors named in the issue.
        ["missing data file"] = new(new(), (d, m) => ["train", "--data", d["nope.csv"], "--label", "y"], ExitCodes.NoInput, "nope.csv", "was not found"),
        ["missing label column"] = new(new() { ["data.csv"] = Good }, (d, m) => ["train", "--data", d["data.csv"], "--label", "target"], ExitCodes.DataError, "no column 'target' (--label)", "its columns are: a, b, y"),
        ["label column in the wrong case"] = new(new() { ["data.csv"] = Good }, (d, m) => ["train", "--data", d["data.csv"], "--label", "Y"], ExitCodes.DataError, "no column 'Y'", "Did you mean 'y'?"),
        ["empty file"] = new(new() { ["data.csv"] = string.Empty }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "data.csv' is empty"),
        ["header only (empty data set)"] = new(new() { ["data.csv"] = "a,b,y\n" }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "no data rows", "the data set is empty"),
        ["non-numeric value in a numeric column"] = new(new() { ["data.csv"] = "a,b,y\n1,2,0.5\n2,3,1.5\n3,oops,2.5\n4,4,3.5\n5,2,4.5\n" }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "data.csv:4:", "column 'b'", "'oops'", "--categorical b"),
        ["non-numeric value in a numeric label"] = new(new() { ["data.csv"] = "a,b,y\n1,2,0.5\n2,3,1.5\n3,1,2.5\n4,4,abc\n5,2,4.5\n" }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "data.csv:5:", "the label column 'y'", "'abc'"),
        ["missing feature value"] = new(new() { ["data.csv"] = "a,b,y\n1,2,0.5\n2,,1.5\n3,1,2.5\n" }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "data.csv:3:", "column 'b' has no value", "--impute"),
        ["row with too few fields"] = new(new() { ["data.csv"] = "a,b,y\n1,2,0.5\n2,3\n3,1,2.5\n" }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "data.csv:3:", "expected 3 fields", "found 2"),
        ["unclosed quote"] = new(new() { ["data.csv"] = "a,b,y\n1,2,0.5\n\"2,3,1.5\n3,1,2.5\n" }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "data.csv:3:", "not closed"),
        ["categorical column not in the header"] = new(new() { ["data.csv"] = Good }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--categorical", "zz"], ExitCodes.DataError, "no column 'zz' (--categorical)"),
        ["single-valued label"] = new(new() { ["data.csv"] = "a,b,y\n1,2,cat\n2,3,cat\n" }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "single value 'cat'"),

        // Usage errors.
        ["no verb"] = new(new(), (d, m) => [], ExitCodes.Usage, "mlnet-opt"),
        ["unknown verb"] = new(new(), (d, m) => ["fit", "--data", "x.csv"], ExitCodes.Usage, "fit"),
        ["unknown flag"] = new(new() { ["data.csv"] = Good }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--bogus"], ExitCodes.Usage, "--bogus", "mlnet-opt train --help"),
        ["missing --label"] = new(new() { ["data.csv"] = Good }, (d, m) => ["train", "--data", d["data.csv"]], ExitCodes.Usage, "--data and --label are required"),
        ["epochs not a number"] = new(new() { ["data.csv"] = Good }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--epochs", "abc"], ExitCodes.Usage, "--epochs", "'abc'"),
        ["epochs zero"] = new(new() { ["data.csv"] = Good }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--epochs", "0"], ExitCodes.Usage, "--epochs: expected an integer in [1, 1000000], got '0'"),
        ["unknown optimizer"] = new(new() { ["data.csv"] = Good }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--optimizer", "adam"], ExitCodes.Usage, "unknown optimizer 'adam'", "lion, adafactor, adamw, sgd"),
        ["unknown optimizer setting"] = new(new() { ["data.csv"] = Good }, (d, m) => ["compare", "--data", d["data.csv"], "--label", "y", "--optimizers", "lion:foo=1"], ExitCodes.Usage, "'foo=1'", "beta1"),
        ["validation fraction out of range"] = new(new() { ["data.csv"] = Good }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--validation-fraction", "0.95"], ExitCodes.Usage, "--validation-fraction", "'0.95'"),
        ["hidden layers on a linear model"] = new(new() { ["data.csv"] = Good }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--model", "linear", "--hidden", "8"], ExitCodes.Usage, "--hidden cannot be used with --model linear"),
        ["bad task"] = new(new() { ["data.csv"] = Good }, (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--task", "clustering"], ExitCodes.Usage, "--task: expected one of auto, regression, binary, multiclass, got 'clustering'"),

        // Config files (pipeline configs): the JSON path and the reason, exit code 65.
        ["config file missing"] = new(new(), (d, m) => ["train", "--config", d["none.json"]], ExitCodes.NoInput, "none.json' was not found"),
        ["config file not JSON"] = new(new() { ["c.json"] = "{ not json" }, (d, m) => ["train", "--config", d["c.json"]], ExitCodes.DataError, "c.json': $: not valid JSON"),
        ["config file with an unknown key"] = new(new() { ["c.json"] = Config("\"trainer\": {\"bogus\": 1}") }, (d, m) => ["train", "--config", d["c.json"]], ExitCodes.DataError, "c.json': $.trainer.bogus: unknown key"),
        ["config file with a value out of range"] = new(new() { ["c.json"] = Config("\"trainer\": {\"epochs\": 0}") }, (d, m) => ["train", "--config", d["c.json"]], ExitCodes.DataError, "$.trainer.epochs: must be >= 1, got 0"),
        ["config file with a bad optimizer"] = new(new() { ["c.json"] = Config("\"trainer\": {\"optimizer\": {\"module\": \"keras.optimizers\", \"class_name\": \"Lion\", \"config\": {\"beta_1\": 1.5}, \"registered_name\": null}}") }, (d, m) => ["train", "--config", d["c.json"]], ExitCodes.DataError, "$.trainer.optimizer.config.beta_1", "1.5"),
        ["config file with an unknown column type"] = new(new() { ["c.json"] = Config(null).Replace("\"b\": \"numeric\"", "\"b\": \"categorical\"", StringComparison.Ordinal) }, (d, m) => ["train", "--config", d["c.json"]], ExitCodes.DataError, "$.data.columns.b", "categorical"),
        ["config file of another format version"] = new(new() { ["c.json"] = Config(null).Replace("\"format_version\": 1", "\"format_version\": 2", StringComparison.Ordinal) }, (d, m) => ["train", "--config", d["c.json"]], ExitCodes.DataError, "$.format_version: unsupported format version 2"),
        ["config file naming no data file"] = new(new() { ["c.json"] = Config(null).Replace("\"path\": \"d.csv\", ", string.Empty, StringComparison.Ordinal) }, (d, m) => ["train", "--config", d["c.json"]], ExitCodes.Usage, "names no data file", "--data"),
        ["config file whose columns the data lacks"] = new(new() { ["c.json"] = Config(null), ["d.csv"] = "a,c,y\n1,2,0.5\n2,3,1.5\n" }, (d, m) => ["train", "--config", d["c.json"]], ExitCodes.DataError, "d.csv:1:", "column 'c'", "does not declare"),

        // sweep.
        ["sweep: epoch budget zero"] = new(new() { ["data.csv"] = Good }, (d, m) => ["sweep", "--data", d["data.csv"], "--label", "y", "--max-epochs", "0"], ExitCodes.Usage, "--max-epochs: expected an integer in [1, 1000000], got '0'"),
        ["sweep: negative time budget"] = new(new() { ["data.csv"] = Good }, (d, m) => ["sweep", "--data", d["data.csv"], "--label", "y", "--time-budget", "-1s"], ExitCodes.Usage, "--time-budget: expected a positive duration", "'-1s'"),
        ["sweep: unknown optimizer"] = new(new() { ["data.csv"] = Good }, (d, m) => ["sweep", "--data", d["data.csv"], "--label", "y", "--optimizers", "lion,adam"], ExitCodes.Usage, "--optimizers: unknown optimizer 'adam'", "lion, adafactor, adamw or sgd"),
        ["sweep: k-fold and holdout together"] = new(new() { ["data.csv"] = Good }, (d, m) => ["sweep", "--data", d["data.csv"], "--label", "y", "--cv", "5", "--holdout", "0.2"], ExitCodes.Usage, "--cv and --holdout"),
        ["sweep: first rung longer than the budget"] = new(new() { ["data.csv"] = Good }, (d, m) => ["sweep", "--data", d["data.csv"], "--label", "y", "--max-epochs", "4", "--min-epochs", "9"], ExitCodes.Usage, "--min-epochs", "got 9"),
        ["sweep: model flags are searched, not set"] = new(new() { ["data.csv"] = Good }, (d, m) => ["sweep", "--data", d["data.csv"], "--label", "y", "--hidden", "8"], ExitCodes.Usage, "--hidden"),

        // Scoring.
        ["evaluate: model file missing"] = new(new(), (d, m) => ["evaluate", "--model", d["none.mlnm"], "--data", Cli.DataFile("iris.csv")], ExitCodes.NoInput, "none.mlnm' was not found"),
        ["evaluate: damaged model file"] = new(new() { ["bad.mlnm"] = "this is not a model" }, (d, m) => ["evaluate", "--model", d["bad.mlnm"], "--data", Cli.DataFile("iris.csv")], ExitCodes.DataError, "bad.mlnm' is damaged or not a model"),
        ["evaluate: data without the label column"] = new(new() { ["x.csv"] = "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n" }, (d, m) => ["evaluate", "--model", m, "--data", d["x.csv"]], ExitCodes.DataError, "no column 'species' (the label, needed to evaluate)"),
        ["evaluate: unknown class"] = new(new() { ["x.csv"] = "sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n5.1,3.5,1.4,0.2,tulip\n" }, (d, m) => ["evaluate", "--model", m, "--data", d["x.csv"]], ExitCodes.DataError, "x.csv:3:", "label column 'species'", "setosa, versicolor, virginica"),
        ["predict: non-numeric value in a numeric column"] = new(new() { ["x.csv"] = "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n4.9,wide,1.4,0.2\n" }, (d, m) => ["predict", "--model", m, "--data", d["x.csv"]], ExitCodes.DataError, "x.csv:3:", "column 'sepal_width'", "'wide'"),
        ["predict: feature column missing"] = new(new() { ["x.csv"] = "sepal_length,petal_length,petal_width\n5.1,1.4,0.2\n" }, (d, m) => ["predict", "--model", m, "--data", d["x.csv"]], ExitCodes.DataError, "no column 'sepal_width' (a feature the model was trained on)"),
        ["predict: empty data set"] = new(new() { ["x.csv"] = "sepal_length,sepal_width,petal_length,petal_width\n" }, (d, m) => ["predict", "--model", m, "--data", d["x.csv"]], ExitCodes.DataError, "no data rows"),
        ["predict: missing --model"] = new(new(), (d, m) => ["predict", "--data", Cli.DataFile("iris.csv")], ExitCodes.Usage, "--model is required"),
    };

    [ClassInitialize]
    public static void TrainModel(TestContext context)
    {
        shared = new TempDir();
        Cli.Run("train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "3", "--compute", "managed", "--quiet", "--no-report", "-o", shared.Path).Ok();
        modelPath = shared["model.mlnm"];
    }

    [ClassCleanup]
    public static void Cleanup() => shared?.Dispose();

    [TestMethod]
    [DynamicData(nameof(CaseNames), DynamicDataDisplayName = nameof(CaseName))]
    public void FailsWithOneLineAndItsExitCode(string name)
    {
        Case c = Cases[name];
        using var dir = new TempDir();
        foreach (KeyValuePair<string, string> f in c.Files)
        {
            dir.Write(f.Key, f.Value);
        }

        CliResult r = Cli.Run(c.Args(dir, modelPath));
        string line = r.FailsWith(c.ExitCode);
        foreach (string expected in c.Expected)
        {
            Assert.Contains(expected, line, $"case '{name}'");
        }
    }

    [TestMethod]
    public void FailedTrainingWritesNoOutputFolderContent()
    {
        using var dir = new TempDir();
        string data = dir.Write("data.csv", "a,b,y\n1,2,0.5\n2,x,1.5\n3,1,2.5\n4,4,3.5\n");
        Cli.Run("train", "--data", data, "--label", "y", "-o", dir["out"]).FailsWith(ExitCodes.DataError);
        Assert.IsFalse(Directory.Exists(dir["out"]), "the data is checked before the output folder is created");
    }

    [TestMethod]
    public void CtrlCStopsTrainingWithExitCode130()
    {
        using var dir = new TempDir();
        using var cancel = new System.Threading.CancellationTokenSource();
        cancel.Cancel();
        CliResult r = Cli.Run(false, cancel.Token, "train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--compute", "managed", "--quiet", "-o", dir.Path);
        Assert.AreEqual("mlnet-opt: error: cancelled.", r.FailsWith(ExitCodes.Cancelled));
        Assert.IsFalse(File.Exists(dir["model.mlnm"]), "no model is written for a cancelled run");
    }

    /// <summary>The display name of a case.</summary>
    public static string CaseName(MethodInfo method, object[] data) => "error: " + (string)data[0];

    /// <summary>The case names, each its own test row.</summary>
    public static IEnumerable<object[]> CaseNames
    {
        get
        {
            foreach (string name in Cases.Keys)
            {
                yield return [name];
            }
        }
    }
}
