using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.MLNet.Recipes;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary>train → evaluate → predict on bundled data, the main job's model in a Microsoft.ML-only program, determinism, and repeating a run from its recipe.</summary>
[TestClass]
public sealed class RoundTripTests
{
    [TestMethod]
    public void MainJobModelScoresInAMicrosoftMLOnlyProgramAtThePrintedAccuracy()
    {
        // The README's main job, as written there (defaults: inferred recipe, TrainingDefaults, provider by rule).
        using var dir = new TempDir();
        string csv = Cli.DataFile("breast_cancer.csv");
        CliResult train = Cli.Run("train", "--data", csv, "--label", "diagnosis", "-o", dir["model"]).Ok();
        Match printed = Regex.Match(train.Stdout, @"\naccuracy +(?<train>[0-9.]+) +(?<holdout>[0-9.]+)\n");
        Assert.IsTrue(printed.Success, train.Stdout);
        double holdoutAccuracy = Cli.Json(dir["model/metrics.json"])["runs"]![0]!["holdout"]!["metrics"]!["accuracy"]!.GetValue<double>();
        Assert.AreEqual(printed.Groups["holdout"].Value, holdoutAccuracy.ToString("F4", CultureInfo.InvariantCulture), "metrics.json holds the printed number");

        // train with no model flags trains the recommended MLP, and config.json pins every one of its settings.
        JsonObject trainer = Cli.Json(dir["model/config.json"])["trainer"]!.AsObject();
        JsonObject lion = Training.Training.TrainingDefaults.CreateMlpOptimizer().Serialize();
        Assert.AreEqual("Lion", trainer["optimizer"]!["class_name"]!.GetValue<string>());
        foreach (string key in new[] { "weight_decay", "global_clipnorm" })
        {
            Assert.AreEqual(lion["config"]![key]!.GetValue<double>(), trainer["optimizer"]!["config"]![key]!.GetValue<double>(), key);
        }

        Assert.AreEqual((float)LionDefaults.RecommendedMlpLearningRate, (float)trainer["optimizer"]!["config"]!["learning_rate"]!.GetValue<double>());
        Assert.AreEqual(Training.Training.TrainingDefaults.MlpBatchSize, trainer["batch_size"]!.GetValue<int>());
        Assert.AreEqual(0, trainer["exclude_from_weight_decay"]!.AsArray().Count);
        Assert.AreEqual(Training.Training.TrainingDefaults.EnsembleSize, trainer["model"]!["ensemble_size"]!.GetValue<int>());
        Assert.AreEqual(Training.Data.NumericEncodingDefaults.RobustScaling, trainer["model"]!["numeric_encoding"]!["robust_scaling"]!.GetValue<bool>());
        Assert.AreEqual(Training.Data.NumericEncodingDefaults.SmoothClip, trainer["model"]!["numeric_encoding"]!["smooth_clip"]!.GetValue<double>());
        Assert.AreEqual(Training.Data.NumericEncodingDefaults.PiecewiseLinearBins, trainer["model"]!["numeric_encoding"]!["piecewise_linear_bins"]!.GetValue<int>());
        Assert.AreEqual("warmup_cosine", trainer["learning_rate_curve"]!.GetValue<string>());
        Assert.AreEqual(Training.Training.TrainingDefaults.WarmupFraction, trainer["warmup_fraction"]!.GetValue<double>());
        Assert.AreEqual(Training.Training.TrainingDefaults.MaxSteps, trainer["max_steps"]!.GetValue<long>());
        Assert.AreEqual(Training.Training.TrainingDefaults.LabelSmoothing, trainer["label_smoothing"]!.GetValue<double>());
        StringAssert.Contains(train.Stdout, FormattableString.Invariant($"global clipnorm {Training.Training.TrainingDefaults.MlpGlobalClipNorm}"));
        StringAssert.Contains(train.Stdout, FormattableString.Invariant($"robust scaling, clip ±{(global::MLNet.Optimizers.Training.Data.NumericEncodingDefaults.SmoothClip)}, ") + $"{(global::MLNet.Optimizers.Training.Data.NumericEncodingDefaults.PiecewiseLinearBins)} bins per feature, warmup-cosine");

        // The held-out rows as a CSV file of the training format (the recipe's own split, every value as read).
        var ml = new MLContext(seed: 0);
        Recipe recipe = Recipe.Load(dir["model/config.json"]);
        (_, IDataView? holdout) = recipe.SplitHoldout(ml, recipe.LoadData(ml));
        string holdoutCsv = dir["holdout.csv"];
        WriteCsv(holdout!, recipe, holdoutCsv);

        // A program that references only Microsoft.ML: LoadWithDataLoader, score the CSV with the saved loader, evaluate.
        string[] lines = Cli.RunDeployCheck("csv", dir["model/model.zip"], holdoutCsv, "binary");
        double deployed = Metric(lines, "accuracy");
        Assert.AreEqual(holdoutAccuracy, deployed, "ML.NET's evaluator in a Microsoft.ML-only process gives the accuracy the CLI printed");
        Assert.AreEqual(File.ReadLines(holdoutCsv).Count() - 1, lines.Count(l => !l.StartsWith("metric ", StringComparison.Ordinal)), "one score per held-out row");

        // The whole file: evaluate and the Microsoft.ML-only program agree too.
        JsonObject e = (JsonObject)JsonNode.Parse(Cli.Run("evaluate", "--model", dir["model"], "--data", csv, "--json").Ok().Stdout)!;
        Assert.AreEqual(Metric(Cli.RunDeployCheck("csv", dir["model/model.zip"], csv, "binary"), "accuracy"), e["metrics"]!["accuracy"]!.GetValue<double>());
        Assert.AreEqual(569, e["rows"]!.GetValue<int>());
    }

    [TestMethod]
    public void ModelLinearTakesTheLinearDefaultsUnlessTheyAreGiven()
    {
        using var dir = new TempDir();
        string csv = Cli.DataFile("breast_cancer.csv");
        Cli.Run("train", "--data", csv, "--label", "diagnosis", "--model", "linear", "--epochs", "2", "--no-report", "-q", "-o", dir["linear"]).Ok();
        JsonObject linear = Cli.Json(dir["linear/config.json"])["trainer"]!.AsObject();
        Assert.AreEqual(Training.Training.TrainingDefaults.BatchSize, linear["batch_size"]!.GetValue<int>());
        Assert.AreEqual((float)LionDefaults.RecommendedLearningRate, (float)linear["optimizer"]!["config"]!["learning_rate"]!.GetValue<double>());
        Assert.AreEqual("bias", linear["exclude_from_weight_decay"]![0]!.GetValue<string>());
        Assert.IsFalse(linear.ContainsKey("learning_rate_curve"), "no MLP keys in a linear recipe");

        // A value given on the command line stays when the model switches.
        Cli.Run("train", "--config", dir["linear/config.json"], "--model", "mlp", "--batch-size", "100", "--epochs", "1", "--no-report", "-q", "-o", dir["mlp"]).Ok();
        JsonObject mlp = Cli.Json(dir["mlp/config.json"])["trainer"]!.AsObject();
        Assert.AreEqual(100, mlp["batch_size"]!.GetValue<int>());
        Assert.AreEqual(Training.Training.TrainingDefaults.MlpGlobalClipNorm, mlp["optimizer"]!["config"]!["global_clipnorm"]!.GetValue<double>(), "the pinned linear default optimizer follows the model");
        Assert.AreEqual(0, mlp["exclude_from_weight_decay"]!.AsArray().Count);
    }

    [TestMethod]
    public void ClassificationTrainEvaluatePredictAgree()
    {
        using var dir = new TempDir();
        string iris = Cli.DataFile("iris.csv");
        CliResult train = Cli.Run("train", "--data", iris, "--label", "species", "--epochs", "40", "--compute", "managed", "-o", dir["model"]).Ok();
        foreach (string f in new[] { "model.zip", "config.json", "metrics.json", "report.html" })
        {
            Assert.IsTrue(File.Exists(dir["model/" + f]), f + " was written");
        }

        StringAssert.Contains(train.Stdout, "multiclass classification, 3 classes (setosa, versicolor, virginica)");
        StringAssert.Contains(train.Stdout, "held-out rows (30; they chose nothing)");
        JsonObject run = Cli.Json(dir["model/metrics.json"])["runs"]![0]!.AsObject();
        Assert.AreEqual(30, run["holdout"]!["rows"]!.GetValue<int>(), "20 % of 150 rows held out");
        Assert.AreEqual(120, run["training"]!["rows"]!.GetValue<int>());
        Assert.AreEqual(120, run["trained_rows"]!.GetValue<long>() + run["selection_rows"]!.GetValue<long>(), "the selection rows are split off the training part");
        Assert.IsGreaterThan(0, run["selection_rows"]!.GetValue<long>());
        Assert.IsLessThanOrEqualTo(40, run["history"]!.AsArray().Count);
        Assert.IsGreaterThanOrEqualTo(0.8, run["holdout"]!["metrics"]!["micro_accuracy"]!.GetValue<double>(), "the default MLP with Lion learns iris");

        // evaluate on the whole file (the model folder is accepted in place of the file).
        JsonObject e = (JsonObject)JsonNode.Parse(Cli.Run("evaluate", "--model", dir["model"], "--data", iris, "--json").Ok().Stdout)!;
        Assert.AreEqual(150, e["rows"]!.GetValue<int>());
        double accuracy = e["metrics"]!["micro_accuracy"]!.GetValue<double>();
        JsonArray counts = e["confusion_matrix"]!["counts"]!.AsArray();
        Assert.AreEqual(150.0, counts.Sum(r => r!.AsArray().Sum(v => v!.GetValue<double>())));
        Assert.AreEqual("nats", e["units"]!["log_loss"]!.GetValue<string>(), "multiclass log-loss is in nats, and says so");

        // evaluate can write a report: metrics and the confusion matrix, no training curves.
        Cli.Run("evaluate", "--model", dir["model"], "--data", iris, "--report", dir["eval/report.html"], "-q").Ok();
        string report = File.ReadAllText(dir["eval/report.html"]);
        Assert.Contains("<table class=\"confusion", report);
        Assert.DoesNotContain("<svg", report);
        System.Xml.Linq.XDocument.Parse(report.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));

        // predict on the file without its label column, columns in another order: the predicted labels reproduce evaluate's accuracy.
        string[] lines = File.ReadAllLines(iris);
        string unlabelled = dir.Write("unlabelled.csv", string.Join('\n', lines.Select(l => { string[] f = l.Split(','); return string.Join(',', f[3], f[0], f[1], f[2]); })) + "\n");
        CliResult predict = Cli.Run("predict", "--model", dir["model/model.zip"], "--data", unlabelled).Ok();
        (string[] header, List<string[]> rows) = Cli.ReadCsv(predict.Stdout);
        CollectionAssert.AreEqual(
            new[] { "sepal_length", "sepal_width", "petal_length", "petal_width", "PredictedLabel", "Probability.setosa", "Probability.versicolor", "Probability.virginica" },
            header);
        Assert.HasCount(150, rows);
        int correct = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            string[] truth = lines[i + 1].Split(',');
            Assert.AreEqual(double.Parse(truth[0], CultureInfo.InvariantCulture), double.Parse(rows[i][0], CultureInfo.InvariantCulture), 1e-6, "the columns the model reads, as read");
            correct += rows[i][4] == truth[4] ? 1 : 0;
            double[] p = rows[i][5..].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.AreEqual(1.0, p.Sum(), 1e-5, "probabilities sum to 1");
            string argmax = new[] { "setosa", "versicolor", "virginica" }[Array.IndexOf(p, p.Max())];
            Assert.AreEqual(argmax, rows[i][4], "the predicted label is the most probable class");
        }

        Assert.AreEqual(accuracy, correct / 150.0, 1e-12, "predict and evaluate agree");
        StringAssert.Contains(predict.Stderr, "predicted 150 rows");

        // predict to a file gives the same bytes as to stdout.
        Cli.Run("predict", "--model", dir["model"], "--data", unlabelled, "-o", dir["out/p.csv"], "-q").Ok();
        Assert.AreEqual(predict.Stdout, File.ReadAllText(dir["out/p.csv"]));
    }

    [TestMethod]
    public void EvaluatingAFileWithASingleClassSaysSoInOneLineAndEveryMetricIsFiniteOrNotAvailable()
    {
        using var dir = new TempDir();
        string csv = Cli.DataFile("breast_cancer.csv");
        Cli.Run("train", "--data", csv, "--label", "diagnosis", "--epochs", "3", "--compute", "managed", "--quiet", "--no-report", "-o", dir["m"]).Ok();
        string[] lines = File.ReadAllLines(csv);
        string benign = dir.Write("benign.csv", string.Join('\n', lines.Take(1).Concat(lines.Skip(1).Where(l => l.EndsWith(",benign", StringComparison.Ordinal)))) + "\n");

        CliResult r = Cli.Run("evaluate", "--model", dir["m"], "--data", benign).Ok();
        string[] single = r.Stdout.Split('\n').Where(l => l.Contains("single class", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(1, single, r.Stdout);
        StringAssert.Contains(single[0], "'benign'", "the class is named as the label column spells it");
        Assert.DoesNotContain(" inf", r.Stdout);
        Assert.DoesNotContain("NaN", r.Stdout);
        foreach (string row in r.Stdout.Split('\n').Where(l => Regex.IsMatch(l, @"^(AUC|AUPRC|log-loss reduction) ")))
        {
            StringAssert.EndsWith(row.TrimEnd(), "n/a");
        }

        // JSON: every value a finite number or null, and each null has its reason.
        JsonObject e = (JsonObject)JsonNode.Parse(Cli.Run("evaluate", "--model", dir["m"], "--data", benign, "--json").Ok().Stdout)!;
        foreach (KeyValuePair<string, JsonNode?> m in e["metrics"]!.AsObject())
        {
            if (m.Value is null)
            {
                Assert.IsNotNull(e["unavailable"]![m.Key], $"{m.Key} is null with a reason");
            }
            else
            {
                Assert.IsTrue(double.IsFinite(m.Value.GetValue<double>()), m.Key);
            }
        }

        Assert.IsNull(e["metrics"]!["auc"]);
        Assert.AreEqual("bits", e["units"]!["log_loss"]!.GetValue<string>(), "binary log-loss is in bits (ML.NET's), and says so");
    }

    [TestMethod]
    public void RegressionPredictionsAreOnTheLabelScale()
    {
        using var dir = new TempDir();
        string data = Cli.DataFile("diabetes.csv");
        Cli.Run("train", "--data", data, "--label", "progression", "--epochs", "30", "--compute", "managed", "--quiet", "-o", dir.Path).Ok();
        JsonObject e = (JsonObject)JsonNode.Parse(Cli.Run("evaluate", "--model", dir.Path, "--data", data, "--json").Ok().Stdout)!;
        double r2 = e["metrics"]!["r_squared"]!.GetValue<double>();
        double rmse = e["metrics"]!["rmse"]!.GetValue<double>();
        Assert.IsGreaterThan(0.3, r2, "the model explains part of the variance");
        Assert.IsNull(e["confusion_matrix"], "no confusion matrix for regression");

        // R² and RMSE recomputed from predict's Score column and the file's labels.
        (string[] header, List<string[]> rows) = Cli.ReadCsv(Cli.Run("predict", "--model", dir.Path, "--data", data).Ok().Stdout);
        Assert.AreEqual("Score", header[^1]);
        int label = Array.IndexOf(header, "progression");
        double[] y = rows.Select(r => double.Parse(r[label], CultureInfo.InvariantCulture)).ToArray();
        double[] s = rows.Select(r => double.Parse(r[^1], CultureInfo.InvariantCulture)).ToArray();
        double mean = y.Average();
        double sse = y.Zip(s, (a, b) => (a - b) * (a - b)).Sum();
        double sst = y.Sum(a => (a - mean) * (a - mean));
        Assert.AreEqual(r2, 1 - (sse / sst), 1e-4);
        Assert.AreEqual(rmse, Math.Sqrt(sse / y.Length), rmse * 1e-4);
        Assert.IsGreaterThan(100, s.Average(), "scores are on the label's scale (mean ~152), not standardized");
    }

    [TestMethod]
    public void SameSeedSameModelOtherSeedOtherModel()
    {
        using var dir = new TempDir();
        string data = Cli.DataFile("breast_cancer.csv");
        string[] common = ["train", "--data", data, "--label", "diagnosis", "--epochs", "5", "--compute", "managed", "--quiet", "--no-report"];
        Cli.Run([.. common, "-o", dir["a"]]).Ok();
        Cli.Run([.. common, "-o", dir["b"]]).Ok();
        Cli.Run([.. common, "--seed", "7", "-o", dir["c"]]).Ok();
        byte[] a = File.ReadAllBytes(dir["a/model.zip"]);
        CollectionAssert.AreEqual(a, File.ReadAllBytes(dir["b/model.zip"]), "same seed, same bytes");
        CollectionAssert.AreNotEqual(a, File.ReadAllBytes(dir["c/model.zip"]), "another seed, another model");
        Assert.AreEqual(File.ReadAllText(dir["a/config.json"]), File.ReadAllText(dir["b/config.json"]));
    }

    [TestMethod]
    public void RecipeRebuildsTheSameModelBitsAndFlagsOverrideItsKeys()
    {
        using var dir = new TempDir();
        Cli.Run("train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "6", "--optimizer", "adamw:lr=0.005", "--hidden", "16,8", "--compute", "managed", "--quiet", "--no-report", "-o", dir["first"]).Ok();

        // config.json is the recipe (canonical JSON), and model.zip carries the same text.
        string text = File.ReadAllText(dir["first/config.json"]);
        Recipe parsed = Recipe.Parse(text);
        Assert.AreEqual(text, parsed.ToJson() + "\n", "config.json is the canonical recipe");
        Assert.AreEqual(text, Encoding.UTF8.GetString(Cli.ZipEntries(dir["first/model.zip"])[RecipeModel.RecipeEntry]), "model.zip carries the recipe");
        JsonObject config = Cli.Json(dir["first/config.json"]);
        Assert.AreEqual(1, config["format_version"]!.GetValue<int>());
        Assert.AreEqual("AdamW", config["trainer"]!["optimizer"]!["class_name"]!.GetValue<string>());
        Assert.AreEqual(0.005, config["trainer"]!["optimizer"]!["config"]!["learning_rate"]!.GetValue<double>(), 1e-9);
        Assert.AreEqual("multiclass_classification", config["trainer"]!["task"]!.GetValue<string>(), "the inferred task is written");
        CollectionAssert.AreEqual(new[] { 16, 8 }, config["trainer"]!["model"]!["hidden_layers"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray());
        string dataPath = config["data"]!["path"]!.GetValue<string>();
        Assert.IsFalse(Path.IsPathRooted(dataPath), "the data path is written relative to the recipe file");
        Assert.AreEqual(Path.GetFullPath(Cli.DataFile("iris.csv")), Path.GetFullPath(Path.Combine(dir["first"], dataPath)));

        // The recipe alone repeats the run bit for bit (the data path resolved against the recipe's folder). The compute
        // provider is not part of the recipe, and equal bits need the same provider: the first run's is given again.
        Cli.Run("train", "--config", dir["first/config.json"], "--compute", "managed", "--quiet", "--no-report", "-o", dir["again"]).Ok();
        CollectionAssert.AreEqual(File.ReadAllBytes(dir["first/model.zip"]), File.ReadAllBytes(dir["again/model.zip"]), "the same model bits (the same file)");
        Assert.AreEqual(text, File.ReadAllText(dir["again/config.json"]));

        // A flag overrides its key; everything else stays.
        Cli.Run("train", "--config", dir["first/config.json"], "--epochs", "3", "--patience", "none", "--compute", "managed", "--quiet", "--no-report", "-o", dir["override"]).Ok();
        JsonObject o = Cli.Json(dir["override/config.json"]);
        Assert.AreEqual(3, o["trainer"]!["epochs"]!.GetValue<int>());
        Assert.IsNull(o["trainer"]!["early_stopping"]!["patience"], "--patience none runs every epoch");
        Assert.AreEqual(3, Cli.Json(dir["override/metrics.json"])["runs"]![0]!["history"]!.AsArray().Count);
        Assert.AreEqual("AdamW", o["trainer"]!["optimizer"]!["class_name"]!.GetValue<string>());
        CollectionAssert.AreEqual(new[] { 16, 8 }, o["trainer"]!["model"]!["hidden_layers"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray());
    }

    [TestMethod]
    public void DefaultsComeFromTheLibrary()
    {
        using var dir = new TempDir();
        Cli.Run("train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "2", "--compute", "managed", "--quiet", "--no-report", "-o", dir.Path).Ok();
        Recipe r = Recipe.Load(dir["config.json"]);
        var defaults = new RecipeTrainer { Task = r.Trainer.Task, Epochs = 2 };
        Assert.AreEqual(defaults, r.Trainer, "the CLI's model, optimizer and trainer defaults are TrainingDefaults' (no copies)");
        Assert.AreEqual(Training.Training.TrainingDefaults.Seed, r.Seed);
        Assert.AreEqual(RecipeDefaults.HoldoutFraction, r.Data.HoldoutFraction);
    }

    [TestMethod]
    public void CategoricalColumnsAreOneHotEncodedAndScoredByName()
    {
        using var dir = new TempDir();
        var rng = new Random(3);
        var text = new StringBuilder("size,color,weight\n");
        string[] colors = ["red", "green", "blue"];
        for (int i = 0; i < 120; i++)
        {
            int c = rng.Next(3);
            double size = rng.NextDouble() * 10;
            text.Append(CultureInfo.InvariantCulture, $"{size:F3},{colors[c]},{(2 * size) + (5 * c) + rng.NextDouble():F3}\n");
        }

        string data = dir.Write("train.csv", text.ToString());
        CliResult train = Cli.Run("train", "--data", data, "--label", "weight", "--model", "linear", "--epochs", "60", "--compute", "managed", "--no-report", "-o", dir["m"]).Ok();
        StringAssert.Contains(train.Stdout, "1 numeric and 1 categorical feature columns");
        StringAssert.Contains(train.Stdout, "linear regression 4-1", "one numeric feature and three one-hot slots");

        // Columns in another order, the label absent: matched by name.
        string score = dir.Write("score.csv", "color,size\nblue,1.5\nred,1.5\n");
        (string[] header, List<string[]> rows) = Cli.ReadCsv(Cli.Run("predict", "--model", dir["m"], "--data", score).Ok().Stdout);
        CollectionAssert.AreEqual(new[] { "size", "color", "Score" }, header);
        double blue = double.Parse(rows[0][2], CultureInfo.InvariantCulture);
        double red = double.Parse(rows[1][2], CultureInfo.InvariantCulture);
        Assert.AreEqual(10, blue - red, 2, "blue adds 10 over red in the data; the model sees the category");
    }

    private static double Metric(string[] deployCheckLines, string name)
    {
        string line = deployCheckLines.Single(l => l.StartsWith("metric " + name + " ", StringComparison.Ordinal));
        return BitConverter.Int64BitsToDouble(long.Parse(line.Split(' ')[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    /// <summary>Writes rows read with a recipe's loader as a CSV of the same format (header, columns at their field positions, floats round-tripped).</summary>
    private static void WriteCsv(IDataView rows, Recipe recipe, string path)
    {
        var columns = recipe.Data.Columns.OrderBy(c => c.Index).ToList();
        var values = columns.Select(c => c.Type == RecipeColumnType.Single
            ? rows.GetColumn<float>(c.Name).Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray()
            : rows.GetColumn<string>(c.Name).ToArray()).ToList();
        var sb = new StringBuilder(string.Join(',', columns.Select(c => c.Name))).Append('\n');
        for (int i = 0; i < values[0].Length; i++)
        {
            sb.Append(string.Join(',', values.Select(v => v[i]))).Append('\n');
        }

        File.WriteAllText(path, sb.ToString());
    }
}
