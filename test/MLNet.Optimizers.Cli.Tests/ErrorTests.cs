using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary>
/// Every error case exits with its conventional code (64 usage, 65 bad data, 66 missing input) and prints exactly one
/// line on stderr that names what is wrong (file, line, column, flag, recipe key, value); advice names flags or recipe keys.
/// </summary>
[TestClass]
public sealed class ErrorTests
{
    private const string Good = "a,b,y\n1,2,0.5\n2,3,1.5\n3,1,2.5\n4,4,3.5\n5,2,4.5\n";

    /// <summary>40 rows of numbers with one cell replaced in data row <paramref name="row"/> (line row + 1): a stray value, not a categorical column.</summary>
    private static string Stray(int row, int column, string value)
    {
        var sb = new System.Text.StringBuilder("a,b,y\n");
        for (int i = 1; i <= 40; i++)
        {
            string[] f = [i.ToString(System.Globalization.CultureInfo.InvariantCulture), ((i * 7) % 11).ToString(System.Globalization.CultureInfo.InvariantCulture), (i * 0.5).ToString(System.Globalization.CultureInfo.InvariantCulture)];
            if (i == row)
            {
                f[column] = value;
            }

            sb.Append(string.Join(',', f)).Append('\n');
        }

        return sb.ToString();
    }

    private static TempDir? shared;
    private static string modelPath = string.Empty;
    private static string recipeText = string.Empty;

    /// <summary>One case: the files to create, the arguments (given the folder and a trained iris model), the exit code and the texts the line must contain ("re:" for a regular expression).</summary>
    private sealed record Case(Func<Dictionary<string, string>> Files, Func<TempDir, string, string[]> Args, int ExitCode, params string[] Expected);

    private static Dictionary<string, string> None() => new();

    private static Dictionary<string, string> Data(string text) => new() { ["data.csv"] = text };

    /// <summary>A recipe for d.csv (the trained iris recipe) with one JSON text replaced.</summary>
    private static Dictionary<string, string> Recipe(string from, string to) => new() { ["c.json"] = recipeText.Replace(from, to, StringComparison.Ordinal) };

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // Data errors.
        ["missing data file"] = new(None, (d, m) => ["train", "--data", d["nope.csv"], "--label", "y"], ExitCodes.NoInput, "nope.csv", "was not found"),
        ["missing label column"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "target"], ExitCodes.DataError, "no column 'target'", "a, b, y"),
        ["label column in the wrong case"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "Y"], ExitCodes.DataError, "no column 'Y'", "re:(?i)did you mean 'y'"),
        ["semicolon file read with commas suggests --separator"] = new(() => Data(Good.Replace(',', ';')), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--separator", ","], ExitCodes.DataError, "no column 'y'", "';'", "--separator"),
        ["empty file"] = new(() => Data(string.Empty), (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "data.csv", "empty"),
        ["header only (empty data set)"] = new(() => Data("a,b,y\n"), (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "no data rows"),
        ["non-numeric value in a numeric column"] = new(() => Data(Stray(3, 1, "oops")), (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "line 4", "'b'", "'oops'"),
        ["non-numeric value in a numeric label"] = new(() => Data(Stray(4, 2, "abc")), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--task", "regression"], ExitCodes.DataError, "line 5", "'y'", "'abc'"),
        ["recipe data file with a bad cell"] = new(() => new() { ["c.json"] = recipeText, ["d.csv"] = "sepal_length,sepal_width,petal_length,petal_width,species\n1,2,3,4,setosa\n1,wide,3,4,virginica\n" }, (d, m) => ["train", "--config", d["c.json"], "--data", d["d.csv"]], ExitCodes.DataError, "line 3", "'sepal_width'", "'wide'"),
        ["missing value with --impute none names the row and the flag"] = new(() => Data(Stray(5, 1, string.Empty)), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--impute", "none"], ExitCodes.DataError, "data row 5, column 'b'", "--impute mean", "replace_missing"),
        ["too few rows for selection rows names the flag"] = new(() => Data("a,y\n1,0.5\n2,1.5\n"), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "-q"], ExitCodes.DataError, "--selection-fraction 0"),
        ["row with too few fields"] = new(() => Data("a,b,y\n1,2,0.5\n2,3\n3,1,2.5\n"), (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "re:(:3:|line 3)", "3", "2"),
        ["unclosed quote"] = new(() => Data("a,b,y\n1,2,0.5\n\"2,3,1.5\n3,1,2.5\n"), (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "re:(:3:|line 3)", "quot"),
        ["categorical column not in the header"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--categorical", "zz"], ExitCodes.DataError, "'zz'", "--categorical"),
        ["single-valued label"] = new(() => Data("a,b,y\n1,2,cat\n2,3,cat\n"), (d, m) => ["train", "--data", d["data.csv"], "--label", "y"], ExitCodes.DataError, "single value 'cat'"),

        // Usage errors.
        ["no verb"] = new(None, (d, m) => [], ExitCodes.Usage, "mlnet-opt"),
        ["unknown verb"] = new(None, (d, m) => ["fit", "--data", "x.csv"], ExitCodes.Usage, "fit"),
        ["typo'd verb gets a did-you-mean"] = new(None, (d, m) => ["trian", "--data", "x.csv"], ExitCodes.Usage, "'trian'", "did you mean 'train'?"),
        ["unknown flag"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--bogus"], ExitCodes.Usage, "--bogus", "mlnet-opt train --help"),
        ["typo'd flag gets a did-you-mean"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--epoch", "3"], ExitCodes.Usage, "'--epoch'", "did you mean '--epochs'?"),
        ["typo'd flag value gets a did-you-mean"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--activation", "rleu"], ExitCodes.Usage, "--activation", "'rleu'", "did you mean 'relu'?"),
        ["missing --label"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"]], ExitCodes.Usage, "--data and --label are required"),
        ["epochs not a number"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--epochs", "abc"], ExitCodes.Usage, "--epochs", "'abc'"),
        ["epochs zero"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--epochs", "0"], ExitCodes.Usage, "--epochs: expected an integer in [1, 1000000], got '0'"),
        ["unknown optimizer"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--optimizer", "adam"], ExitCodes.Usage, "unknown optimizer 'adam'", "lion, adafactor, adamw, sgd", "did you mean 'adamw'?"),
        ["unknown optimizer setting"] = new(() => Data(Good), (d, m) => ["compare", "--data", d["data.csv"], "--label", "y", "--optimizers", "lion:foo=1"], ExitCodes.Usage, "'foo=1'", "beta_1"),
        ["optimizer setting the optimizer rejects"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--optimizer", "lion:beta1=1.5"], ExitCodes.Usage, "--optimizer", "beta_1", "1.5"),
        ["holdout fraction out of range"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--holdout-fraction", "0.95"], ExitCodes.Usage, "--holdout-fraction", "'0.95'"),
        ["patience without selection rows"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--selection-fraction", "0", "--patience", "3"], ExitCodes.Usage, "--patience", "--selection-fraction 0"),
        ["hidden layers on a linear model"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--model", "linear", "--hidden", "8"], ExitCodes.Usage, "--hidden cannot be used with --model linear"),
        ["bad task"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--task", "clustering"], ExitCodes.Usage, "--task: expected one of auto, regression, binary, multiclass, got 'clustering'"),
        ["NUL character in --config"] = new(None, (d, m) => ["train", "--config", "re\0cipe.json"], ExitCodes.Usage, "--config", "NUL character", "position 3"),
        ["NUL character in --data"] = new(None, (d, m) => ["train", "--data", "a\0.csv", "--label", "y"], ExitCodes.Usage, "--data", "NUL character"),
        // Found by the cli-arguments fuzz target: a NUL outside a path was a data error (65) or was accepted (exit 0).
        ["Defect7: NUL character in --label (was exit 65)"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "a\0b"], ExitCodes.Usage, "argument 5 (after '--label')", "NUL character at position 2"),
        ["Defect7: NUL character in --missing-values (was exit 0)"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--missing-values", "a\0b", "--epochs", "1"], ExitCodes.Usage, "after '--missing-values'", "NUL character"),
        ["Defect7: NUL character after --version (was exit 0)"] = new(None, (d, m) => ["--version", "a\0b"], ExitCodes.Usage, "argument 2", "NUL character"),
        ["Defect7: NUL character after train --help (was exit 0)"] = new(None, (d, m) => ["train", "--help", "a\0b"], ExitCodes.Usage, "argument 3", "NUL character"),
        ["checkpoint-every without checkpoint"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--checkpoint-every", "5"], ExitCodes.Usage, "--checkpoint-every needs --checkpoint"),
        ["resume from a missing checkpoint"] = new(() => Data(Good), (d, m) => ["train", "--data", d["data.csv"], "--label", "y", "--resume", d["none.ckpt"]], ExitCodes.NoInput, "--resume", "none.ckpt", "was not found"),

        // Recipe files: the JSON path (or one-based line and column) and the reason, exit code 65.
        ["recipe file missing"] = new(None, (d, m) => ["train", "--config", d["none.json"]], ExitCodes.NoInput, "none.json' was not found"),
        ["recipe file not JSON, position one-based"] = new(() => new() { ["c.json"] = "{\n  \"seed\": 1,\n  oops\n}" }, (d, m) => ["train", "--config", d["c.json"]], ExitCodes.DataError, "c.json'", "line 3, column 3"),
        ["recipe with a typo'd key names the unknown key"] = new(() => Recipe("\"hidden_layers\"", "\"hiden_layers\""), (d, m) => ["train", "--config", d["c.json"]], ExitCodes.DataError, "$.trainer.model.hiden_layers", "hidden_layers"),
        ["recipe with a value out of range"] = new(() => Recipe("\"epochs\": 3", "\"epochs\": 0"), (d, m) => ["train", "--config", d["c.json"]], ExitCodes.DataError, "$.trainer.epochs", "got 0"),
        ["recipe with a bad optimizer value"] = new(() => Recipe("\"beta_1\": 0.9", "\"beta_1\": 1.5"), (d, m) => ["train", "--config", d["c.json"]], ExitCodes.DataError, "$.trainer.optimizer.config.beta_1", "1.5"),
        ["recipe of another format version"] = new(() => Recipe("\"format_version\": 1", "\"format_version\": 2"), (d, m) => ["train", "--config", d["c.json"]], ExitCodes.DataError, "$.format_version", "2"),
        ["recipe whose data file lacks a column"] = new(() => new() { ["c.json"] = recipeText, ["d.csv"] = "sepal_length,sepal_width,petal_length,petal_size,species\n1,2,3,4,setosa\n" }, (d, m) => ["train", "--config", d["c.json"], "--data", d["d.csv"]], ExitCodes.DataError, "d.csv", "petal_width"),
        ["recipe and a different --label"] = new(() => new() { ["c.json"] = recipeText }, (d, m) => ["train", "--config", d["c.json"], "--label", "sepal_length"], ExitCodes.Usage, "--label", "label.column"),

        // sweep.
        ["sweep: epoch budget zero"] = new(() => Data(Good), (d, m) => ["sweep", "--data", d["data.csv"], "--label", "y", "--max-epochs", "0"], ExitCodes.Usage, "--max-epochs: expected an integer in [1, 1000000], got '0'"),
        ["sweep: negative time budget"] = new(() => Data(Good), (d, m) => ["sweep", "--data", d["data.csv"], "--label", "y", "--time-budget", "-1s"], ExitCodes.Usage, "--time-budget: expected a positive duration", "'-1s'"),
        ["sweep: unknown optimizer"] = new(() => Data(Good), (d, m) => ["sweep", "--data", d["data.csv"], "--label", "y", "--optimizers", "lion,adam"], ExitCodes.Usage, "--optimizers: unknown optimizer 'adam'", "did you mean 'adamw'?"),
        ["sweep: k-fold and tuning fraction together"] = new(() => Data(Good), (d, m) => ["sweep", "--data", d["data.csv"], "--label", "y", "--cv", "5", "--tuning-fraction", "0.2"], ExitCodes.Usage, "--cv and --tuning-fraction"),
        ["sweep: first rung longer than the budget"] = new(() => Data(Good), (d, m) => ["sweep", "--data", d["data.csv"], "--label", "y", "--max-epochs", "4", "--min-epochs", "9"], ExitCodes.Usage, "--min-epochs", "got 9"),
        ["sweep: model flags are searched, not set"] = new(() => Data(Good), (d, m) => ["sweep", "--data", d["data.csv"], "--label", "y", "--hidden", "8"], ExitCodes.Usage, "--hidden"),

        // Scoring.
        ["evaluate: model file missing"] = new(None, (d, m) => ["evaluate", "--model", d["none.zip"], "--data", Cli.DataFile("iris.csv")], ExitCodes.NoInput, "none.zip' was not found"),
        ["evaluate: damaged model file"] = new(() => new() { ["bad.zip"] = "this is not a model" }, (d, m) => ["evaluate", "--model", d["bad.zip"], "--data", Cli.DataFile("iris.csv")], ExitCodes.DataError, "bad.zip' is damaged or not a model"),
        ["evaluate: data without the label column"] = new(() => new() { ["x.csv"] = "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n" }, (d, m) => ["evaluate", "--model", m, "--data", d["x.csv"]], ExitCodes.DataError, "no column 'species' (the label, needed to evaluate)"),
        ["evaluate: unknown class"] = new(() => new() { ["x.csv"] = "sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n5.1,3.5,1.4,0.2,tulip\n" }, (d, m) => ["evaluate", "--model", m, "--data", d["x.csv"]], ExitCodes.DataError, "row 2", "'tulip'", "setosa, versicolor, virginica"),
        ["predict: non-numeric value in a numeric column"] = new(() => new() { ["x.csv"] = "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n4.9,wide,1.4,0.2\n" }, (d, m) => ["predict", "--model", m, "--data", d["x.csv"]], ExitCodes.DataError, "line 3", "'sepal_width'", "'wide'"),
        ["predict: feature column missing"] = new(() => new() { ["x.csv"] = "sepal_length,petal_length,petal_width\n5.1,1.4,0.2\n" }, (d, m) => ["predict", "--model", m, "--data", d["x.csv"]], ExitCodes.DataError, "no column 'sepal_width'", "a column the model reads"),
        ["predict: semicolon file suggests --separator"] = new(() => new() { ["x.csv"] = "sepal_length;sepal_width;petal_length;petal_width\n5.1;3.5;1.4;0.2\n" }, (d, m) => ["predict", "--model", m, "--data", d["x.csv"]], ExitCodes.DataError, "no column 'sepal_length'", "--separator ';'"),
        ["predict: empty data set"] = new(() => new() { ["x.csv"] = "sepal_length,sepal_width,petal_length,petal_width\n" }, (d, m) => ["predict", "--model", m, "--data", d["x.csv"]], ExitCodes.DataError, "no data rows"),
        ["predict: missing --model"] = new(None, (d, m) => ["predict", "--data", Cli.DataFile("iris.csv")], ExitCodes.Usage, "--model is required"),
    };

    [ClassInitialize]
    public static void TrainModel(TestContext context)
    {
        shared = new TempDir();
        Cli.Run("train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "3", "--compute", "managed", "--quiet", "--no-report", "-o", shared.Path).Ok();
        modelPath = shared["model.zip"];
        recipeText = File.ReadAllText(shared["config.json"]).Replace("\"path\": ", "\"path_was\": ", StringComparison.Ordinal);
        recipeText = Regex.Replace(recipeText, "\"path_was\": \"[^\"]*\",\\s*", string.Empty);
    }

    [ClassCleanup]
    public static void Cleanup() => shared?.Dispose();

    [TestMethod]
    [DynamicData(nameof(CaseNames), DynamicDataDisplayName = nameof(CaseName))]
    public void FailsWithOneLineAndItsExitCode(string name)
    {
        Case c = Cases[name];
        using var dir = new TempDir();
        foreach (KeyValuePair<string, string> f in c.Files())
        {
            dir.Write(f.Key, f.Value);
        }

        CliResult r = Cli.Run(c.Args(dir, modelPath));
        string line = r.FailsWith(c.ExitCode);
        foreach (string expected in c.Expected)
        {
            if (expected.StartsWith("re:", StringComparison.Ordinal))
            {
                Assert.IsTrue(Regex.IsMatch(line, expected[3..]), $"case '{name}': /{expected[3..]}/ in: {line}");
            }
            else
            {
                Assert.Contains(expected, line, $"case '{name}'");
            }
        }

        foreach (string api in new[] { "CsvOptions", "SelectionFraction", "ReplaceMissingValues", "Parameter '" })
        {
            Assert.DoesNotContain(api, line, "advice names flags or recipe keys, never a library API");
        }
        Assert.DoesNotContain("internal error", line);
    }

    [TestMethod]
    public void AMissingValueTheModelCannotFillIsNamedWithFlagsAndRecipeKeys()
    {
        using var dir = new TempDir();
        Cli.Run("train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "2", "--impute", "none", "--compute", "managed", "--quiet", "--no-report", "-o", dir["m"]).Ok();
        string data = dir.Write("x.csv", "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n4.9,,1.4,0.2\n");
        string line = Cli.Run("predict", "--model", dir["m"], "--data", data).FailsWith(ExitCodes.DataError);
        Assert.Contains("data row 2, column 'sepal_width': the value is missing", line);
        Assert.Contains("--impute mean", line);
        Assert.Contains("replace_missing", line);

        // The default recipe fills it (replace_missing), so the same file scores.
        Cli.Run("train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "2", "--compute", "managed", "--quiet", "--no-report", "-o", dir["d"]).Ok();
        Assert.HasCount(3, Cli.Run("predict", "--model", dir["d"], "--data", data).Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [TestMethod]
    public void FailedTrainingWritesNoOutputFolder()
    {
        using var dir = new TempDir();
        string data = dir.Write("data.csv", "a,b,y\n1,2,0.5\n2,3\n3,1,2.5\n4,4,3.5\n");
        Cli.Run("train", "--data", data, "--label", "y", "-o", dir["out"]).FailsWith(ExitCodes.DataError);
        Assert.IsFalse(Directory.Exists(dir["out"]), "the data is checked before the output folder is created");
    }

    [TestMethod]
    public void CancelledTrainingRemovesTheFolderItCreatedAndSaysSo()
    {
        using var dir = new TempDir();
        using var cancel = new System.Threading.CancellationTokenSource();
        cancel.Cancel();
        CliResult r = Cli.Run(false, cancel.Token, "train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--compute", "managed", "--quiet", "-o", dir["new"]);
        string line = r.FailsWith(ExitCodes.Cancelled);
        Assert.Contains("no model was written", line);
        Assert.Contains($"removed the output folder '{dir["new"]}' it had created", line);
        Assert.IsFalse(Directory.Exists(dir["new"]));

        // An existing folder with a previous model is left as it was.
        Cli.Run("train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "2", "--compute", "managed", "--quiet", "--no-report", "-o", dir["old"]).Ok();
        byte[] before = File.ReadAllBytes(dir["old/model.zip"]);
        line = Cli.Run(false, cancel.Token, "train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--seed", "9", "--compute", "managed", "--quiet", "-o", dir["old"]).FailsWith(ExitCodes.Cancelled);
        Assert.Contains($"the output folder '{dir["old"]}' is as it was", line);
        CollectionAssert.AreEqual(before, File.ReadAllBytes(dir["old/model.zip"]), "the previous model is untouched");
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
