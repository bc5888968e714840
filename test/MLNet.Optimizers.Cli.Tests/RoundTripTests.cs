using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Pipelines;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary>train → evaluate → predict on bundled data, determinism, and repeating a run from its config.</summary>
[TestClass]
public sealed class RoundTripTests
{
    [TestMethod]
    public void ClassificationTrainEvaluatePredictAgree()
    {
        using var dir = new TempDir();
        string iris = Cli.DataFile("iris.csv");
        CliResult train = Cli.Run("train", "--data", iris, "--label", "species", "--epochs", "40", "--compute", "managed", "-o", dir["model"]).Ok();
        foreach (string f in new[] { "model.mlnm", "config.json", "metrics.json", "report.html" })
        {
            Assert.IsTrue(File.Exists(dir["model/" + f]), f + " was written");
        }

        StringAssert.Contains(train.Stdout, "multiclass classification, 3 classes (setosa, versicolor, virginica)");
        JsonObject metrics = Cli.Json(dir["model/metrics.json"]);
        JsonObject run = metrics["runs"]![0]!.AsObject();
        Assert.AreEqual(40, run["history"]!.AsArray().Count);
        Assert.AreEqual(30, run["validation"]!["rows"]!.GetValue<int>(), "20 % of 150 rows held out");
        double validationAccuracy = run["validation"]!["metrics"]!["accuracy"]!.GetValue<double>();
        Assert.IsGreaterThanOrEqualTo(0.8, validationAccuracy, "the default MLP with Lion learns iris");

        // evaluate on the whole file (the model folder is accepted in place of the file).
        CliResult eval = Cli.Run("evaluate", "--model", dir["model"], "--data", iris, "--json").Ok();
        JsonObject e = (JsonObject)JsonNode.Parse(eval.Stdout)!;
        Assert.AreEqual(150, e["rows"]!.GetValue<int>());
        double accuracy = e["metrics"]!["accuracy"]!.GetValue<double>();
        JsonArray counts = e["confusion_matrix"]!["counts"]!.AsArray();
        Assert.AreEqual(150.0, counts.Sum(r => r!.AsArray().Sum(v => v!.GetValue<double>())));

        // evaluate can write a report: metrics and the confusion matrix, no training curves.
        Cli.Run("evaluate", "--model", dir["model"], "--data", iris, "--report", dir["eval/report.html"], "-q").Ok();
        string report = File.ReadAllText(dir["eval/report.html"]);
        Assert.Contains("<table class=\"confusion", report);
        Assert.DoesNotContain("<svg", report);
        System.Xml.Linq.XDocument.Parse(report.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));

        // predict on the file without its label column: the predicted labels reproduce evaluate's accuracy.
        string[] lines = File.ReadAllLines(iris);
        string unlabelled = dir.Write("unlabelled.csv", string.Join('\n', lines.Select(l => string.Join(',', l.Split(',')[..4]))) + "\n");
        CliResult predict = Cli.Run("predict", "--model", dir["model/model.mlnm"], "--data", unlabelled).Ok();
        (string[] header, List<string[]> rows) = Cli.ReadCsv(predict.Stdout);
        CollectionAssert.AreEqual(
            new[] { "sepal_length", "sepal_width", "petal_length", "petal_width", "PredictedLabel", "Probability.setosa", "Probability.versicolor", "Probability.virginica" },
            header);
        Assert.HasCount(150, rows);
        int correct = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            string truth = lines[i + 1].Split(',')[4];
            correct += rows[i][4] == truth ? 1 : 0;
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
        byte[] a = File.ReadAllBytes(dir["a/model.mlnm"]);
        CollectionAssert.AreEqual(a, File.ReadAllBytes(dir["b/model.mlnm"]), "same seed, same bytes");
        CollectionAssert.AreNotEqual(a, File.ReadAllBytes(dir["c/model.mlnm"]), "another seed, another model");
        Assert.AreEqual(File.ReadAllText(dir["a/config.json"]), File.ReadAllText(dir["b/config.json"]));
    }

    [TestMethod]
    public void ConfigRepeatsTheRunAndFlagsOverrideIt()
    {
        using var dir = new TempDir();
        Cli.Run("train", "--data", Cli.DataFile("iris.csv"), "--label", "species", "--epochs", "6", "--optimizer", "adamw:lr=0.005", "--hidden", "16,8", "--compute", "managed", "--quiet", "--no-report", "-o", dir["first"]).Ok();

        // config.json is the pipeline config (format version 1), and the model file embeds the same text.
        string text = File.ReadAllText(dir["first/config.json"]);
        PipelineConfig parsed = PipelineConfig.Parse(text);
        Assert.AreEqual(text, parsed.ToJson() + "\n", "config.json is canonical pipeline JSON");
        Assert.AreEqual(parsed, PipelineModel.Load(dir["first/model.mlnm"]).Config, "the model carries its config");
        JsonObject config = Cli.Json(dir["first/config.json"]);
        Assert.AreEqual(1, config["format_version"]!.GetValue<int>());
        Assert.AreEqual("AdamW", config["trainer"]!["optimizer"]!["class_name"]!.GetValue<string>());
        Assert.AreEqual("multiclass_classification", config["data"]!["task"]!.GetValue<string>(), "the inferred task is written");
        CollectionAssert.AreEqual(new[] { 16, 8 }, config["trainer"]!["model"]!["hidden_layers"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray());
        Assert.AreEqual(6, config["trainer"]!["early_stopping_patience"]!.GetValue<int>(), "keeping the best epoch is early stopping that never stops: patience = epochs");
        string dataPath = config["data"]!["path"]!.GetValue<string>();
        Assert.IsFalse(Path.IsPathRooted(dataPath), "the data path is written relative to the config file");
        Assert.AreEqual(Path.GetFullPath(Cli.DataFile("iris.csv")), Path.GetFullPath(Path.Combine(dir["first"], dataPath)));

        // The config alone repeats the run bit for bit (the data path is resolved against the config file's folder, not
        // the current one; the model embeds the config, so a sibling folder gives the same bytes). The compute provider
        // is not part of the config, and equal bits need the same provider: the first run's is given again.
        Cli.Run("train", "--config", dir["first/config.json"], "--compute", "managed", "--quiet", "--no-report", "-o", dir["again"]).Ok();
        CollectionAssert.AreEqual(File.ReadAllBytes(dir["first/model.mlnm"]), File.ReadAllBytes(dir["again/model.mlnm"]));
        Assert.AreEqual(text, File.ReadAllText(dir["again/config.json"]));

        // A flag overrides its key; the optimizer stays, its schedule stretched to the new run and the patience following the epochs.
        Cli.Run("train", "--config", dir["first/config.json"], "--epochs", "3", "--quiet", "--no-report", "-o", dir["override"]).Ok();
        JsonObject m = Cli.Json(dir["override/metrics.json"]);
        Assert.AreEqual(3, m["runs"]![0]!["history"]!.AsArray().Count);
        JsonObject o = Cli.Json(dir["override/config.json"]);
        JsonNode trainer = o["trainer"]!;
        Assert.AreEqual("AdamW", trainer["optimizer"]!["class_name"]!.GetValue<string>());
        Assert.AreEqual(3, trainer["early_stopping_patience"]!.GetValue<int>());
        JsonNode schedule = trainer["optimizer"]!["config"]!["learning_rate"]!["config"]!;
        long steps = m["runs"]![0]!["steps"]!.GetValue<long>();
        Assert.AreEqual(steps, schedule["warmup_steps"]!.GetValue<long>() + schedule["decay_steps"]!.GetValue<long>(), "the warmup and cosine decay span the 3-epoch run");
        JsonNode before = config["trainer"]!["optimizer"]!["config"]!["learning_rate"]!["config"]!;
        Assert.AreEqual(2 * steps, before["warmup_steps"]!.GetValue<long>() + before["decay_steps"]!.GetValue<long>(), "the 6-epoch run's schedule was twice as long");
        Assert.AreEqual(0.005, schedule["warmup_target"]!.GetValue<double>(), 1e-9);
    }

    [TestMethod]
    public void CategoricalColumnsAreOneHotEncodedAndScoredByName()
    {
        using var dir = new TempDir();
        var rng = new Random(3);
        var text = new System.Text.StringBuilder("size,color,weight\n");
        string[] colors = ["red", "green", "blue"];
        for (int i = 0; i < 120; i++)
        {
            int c = rng.Next(3);
            double size = rng.NextDouble() * 10;
            text.Append(CultureInfo.InvariantCulture, $"{size:F3},{colors[c]},{(2 * size) + (5 * c) + rng.NextDouble():F3}\n");
        }

        string data = dir.Write("train.csv", text.ToString());
        CliResult train = Cli.Run("train", "--data", data, "--label", "weight", "--model", "linear", "--compute", "managed", "--no-report", "-o", dir["m"]).Ok();
        StringAssert.Contains(train.Stdout, "4 features (1 numeric, 1 categorical columns)");

        // Columns in another order, the label absent: matched by name.
        string score = dir.Write("score.csv", "color,size\nblue,1.5\nred,1.5\n");
        (string[] header, List<string[]> rows) = Cli.ReadCsv(Cli.Run("predict", "--model", dir["m"], "--data", score).Ok().Stdout);
        CollectionAssert.AreEqual(new[] { "color", "size", "Score" }, header);
        double blue = double.Parse(rows[0][2], CultureInfo.InvariantCulture);
        double red = double.Parse(rows[1][2], CultureInfo.InvariantCulture);
        Assert.AreEqual(10, blue - red, 1.5, "blue adds 10 over red in the data; the model sees the category");
    }
}
