using System;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;
using MLNet.Optimizers.Training.Tuning;

namespace MLNet.Optimizers.MLNet.Tests;

/// <summary>
/// The recommended MLP in recipes (issue 14): an MLP recipe with no trainer keys is <c>Mlp()</c> with no arguments,
/// every MLP option has a key that round-trips, defaults follow the model.
/// </summary>
[TestClass]
public sealed class RecipeMlpTests
{
    /// <summary>breast_cancer.csv, no featurization, no trainer keys but the task (and the model type, filled in).</summary>
    private const string BareJson = """
        {
          "format_version": 1,
          "data": {"columns": [{"name": "Features", "type": "single", "range": [0, 29]}, {"name": "diagnosis", "type": "string", "index": 30}]},
          "label": {"column": "diagnosis", "positive_class": "malignant"},
          "featurization": [],
          "trainer": {"task": "binary_classification", "model": {"type": "MODEL"}}
        }
        """;

    /// <summary>Every recommended-MLP key away from its default.</summary>
    private const string TunedJson = """
        {
          "format_version": 1,
          "seed": 5,
          "data": {"columns": [{"name": "Features", "type": "single", "range": [0, 29]}, {"name": "diagnosis", "type": "string", "index": 30}]},
          "label": {"column": "diagnosis", "positive_class": "malignant"},
          "featurization": [],
          "trainer": {
            "task": "binary_classification",
            "model": {"type": "mlp", "hidden_layers": [8], "ensemble_size": 2, "numeric_encoding": {"robust_scaling": false, "smooth_clip": 2.5, "piecewise_linear_bins": 4}},
            "epochs": 3,
            "learning_rate_curve": "warmup_cosine",
            "warmup_fraction": 0.2,
            "max_steps": 20,
            "label_smoothing": 0.05
          }
        }
        """;

    private static Recipe Bare(string model) => Recipe.Parse(BareJson.Replace("MODEL", model, StringComparison.Ordinal));

    [TestMethod]
    public void An_mlp_recipe_with_no_trainer_keys_has_the_options_of_Mlp_with_no_arguments()
    {
        MlpTrainerOptions expected = new();
        var got = (MlpTrainerOptions)Bare("mlp").Trainer.ToOptions(TrainingDefaults.Seed);
        Assert.AreEqual(expected.CreateOptimizer().Serialize().ToJsonString(), got.CreateOptimizer().Serialize().ToJsonString(), "the recommended MLP's optimizer");
        Assert.AreEqual(0, got.CreateOptimizer().ExcludedNamePatterns.Count, "weight decay on every parameter, as Mlp()");
        CollectionAssert.AreEqual(expected.HiddenLayers.ToArray(), got.HiddenLayers.ToArray());
        Assert.AreEqual(
            (expected.BatchSize, expected.NumberOfEpochs, expected.Seed, expected.Activation, expected.Dropout, expected.EnsembleSize, expected.RobustScaling, expected.SmoothClip, expected.PiecewiseLinearBins),
            (got.BatchSize, got.NumberOfEpochs, got.Seed, got.Activation, got.Dropout, got.EnsembleSize, got.RobustScaling, got.SmoothClip, got.PiecewiseLinearBins));
        Assert.AreEqual(
            (expected.LabelSmoothing, expected.LearningRateCurve, expected.WarmupFraction, expected.MaxSteps, expected.SelectionFraction, expected.EarlyStoppingPatience, expected.EpochRule, expected.RefitOnAllRows, expected.MinDelta),
            (got.LabelSmoothing, got.LearningRateCurve, got.WarmupFraction, got.MaxSteps, got.SelectionFraction, got.EarlyStoppingPatience, got.EpochRule, got.RefitOnAllRows, got.MinDelta));
        Assert.AreEqual(
            (expected.Shuffle, expected.MaterializeInMemory, expected.ShuffleBufferRows, expected.Initializer, expected.RegressionLoss, expected.HuberDelta, expected.StandardizeLabel),
            (got.Shuffle, got.MaterializeInMemory, got.ShuffleBufferRows, got.Initializer, got.RegressionLoss, got.HuberDelta, got.StandardizeLabel));
    }

    [TestMethod]
    public void The_recipe_path_trains_the_same_bits_as_Mlp_with_no_arguments()
    {
        // The recipe adds no featurization here, so its pipeline is its label mapping + Mlp(): the same model bits.
        var ml = new MLContext(seed: 1);
        Recipe recipe = Bare("mlp");
        IDataView data = recipe.LoadData(ml, SampleData.PathOf("breast_cancer.csv"));
        (IDataView train, IDataView? holdout) = recipe.SplitHoldout(ml, data);
        ITransformer viaRecipe = recipe.Fit(new MLContext(seed: 2), train).Model;
        ITransformer viaMlp = recipe.BuildFeaturizer(ml).Append(new MLContext(seed: 3).Optimizers().BinaryClassification.Mlp()).Fit(train);
        float[] a = RecipeTests.Flatten(viaRecipe.Transform(holdout!)), b = RecipeTests.Flatten(viaMlp.Transform(holdout!));
        Assert.IsGreaterThan(100, a.Length, "the held-out rows are scored");
        TestData.AssertBitsEqual(a, b, "recipe with defaults vs Mlp() with no arguments");
    }

    [TestMethod]
    public void A_linear_recipe_keeps_the_general_defaults_and_writes_no_mlp_keys()
    {
        RecipeTrainer linear = Bare("linear").Trainer;
        Assert.AreEqual(TrainingDefaults.CreateOptimizer().Serialize().ToJsonString(), linear.CreateOptimizer().Serialize().ToJsonString());
        CollectionAssert.AreEqual(TrainingDefaults.ExcludeFromWeightDecay.ToArray(), linear.ExcludeFromWeightDecay.ToArray(), "the biases are exempt");
        Assert.AreEqual(TrainingDefaults.BatchSize, linear.BatchSize);
        Assert.IsNotInstanceOfType<MlpTrainerOptions>(linear.ToOptions(1));
        string json = Bare("linear").ToJson();
        foreach (string key in new[] { "ensemble_size", "numeric_encoding", "learning_rate_curve", "warmup_fraction", "max_steps", "label_smoothing" })
        {
            Assert.IsFalse(json.Contains('"' + key + '"', StringComparison.Ordinal), key + " is not written for a linear model");
        }

        string mlp = Bare("mlp").ToJson();
        foreach (string key in new[] { "ensemble_size", "numeric_encoding", "learning_rate_curve", "warmup_fraction", "max_steps", "label_smoothing", "global_clipnorm" })
        {
            StringAssert.Contains(mlp, '"' + key + '"', key + " is pinned in an MLP recipe");
        }

        StringAssert.Contains(mlp, $"\"batch_size\": {TrainingDefaults.MlpBatchSize}");
        Assert.AreEqual(Bare("mlp"), Recipe.Parse(mlp), "the pinned defaults read back to the same recipe");
    }

    [TestMethod]
    public void Every_mlp_key_round_trips_and_trains_the_same_bits()
    {
        Recipe r = Recipe.Parse(TunedJson);
        RecipeTrainer t = r.Trainer;
        Assert.AreEqual((2, false, 2.5, 4, LearningRateCurve.WarmupCosine, 0.2, 20L, 0.05), (t.EnsembleSize, t.RobustScaling, t.SmoothClip, t.PiecewiseLinearBins, t.LearningRateCurve, t.WarmupFraction, t.MaxSteps!.Value, t.LabelSmoothing));
        var o = (MlpTrainerOptions)t.ToOptions(r.Seed);
        Assert.AreEqual((2, false, 2.5, 4, LearningRateCurve.WarmupCosine, 0.2, 20L, 0.05), (o.EnsembleSize, o.RobustScaling, o.SmoothClip, o.PiecewiseLinearBins, o.LearningRateCurve, o.WarmupFraction, o.MaxSteps!.Value, o.LabelSmoothing), "the estimator gets every key");

        string canonical = r.ToJson();
        Recipe again = Recipe.Parse(canonical);
        Assert.AreEqual(r, again);
        Assert.AreEqual(canonical, again.ToJson(), "JSON → recipe → JSON is byte-identical");

        // Each key is part of recipe equality.
        foreach (Action<RecipeTrainer> edit in new Action<RecipeTrainer>[] { x => x.EnsembleSize = 3, x => x.RobustScaling = true, x => x.SmoothClip = 3, x => x.PiecewiseLinearBins = 8, x => x.WarmupFraction = 0.1, x => x.MaxSteps = null, x => x.LabelSmoothing = 0 })
        {
            Recipe changed = r.Clone();
            edit(changed.Trainer);
            Assert.AreNotEqual(r, changed);
            Assert.AreEqual(changed, Recipe.Parse(changed.ToJson()), "the changed value round-trips");
        }

        // Off switches: a constant curve (no warmup_fraction written) and no step budget.
        Recipe off = r.Clone();
        off.Trainer.LearningRateCurve = LearningRateCurve.Constant;
        off.Trainer.WarmupFraction = TrainingDefaults.WarmupFraction;
        off.Trainer.MaxSteps = null;
        string offJson = off.ToJson();
        StringAssert.Contains(offJson, "\"learning_rate_curve\": \"constant\"");
        StringAssert.Contains(offJson, "\"max_steps\": null");
        Assert.IsFalse(offJson.Contains("warmup_fraction", StringComparison.Ordinal));
        Assert.AreEqual(off, Recipe.Parse(offJson));

        var ml = new MLContext(seed: 1);
        IDataView data = r.LoadData(ml, SampleData.PathOf("breast_cancer.csv"));
        float[] Scores(Recipe x) => RecipeTests.Flatten(x.Fit(new MLContext(seed: 9), data).Model.Transform(data));
        float[] first = Scores(r);
        TestData.AssertBitsEqual(first, Scores(again), "same recipe, data and seed: same model bits");
        Assert.IsFalse(first.SequenceEqual(Scores(off)), "the curve and the budget reach the estimator");
    }

    [TestMethod]
    public void Label_smoothing_is_a_classification_key()
    {
        string json = BareJson.Replace("MODEL", "mlp", StringComparison.Ordinal)
            .Replace("\"positive_class\": \"malignant\"", "\"transform\": \"none\"", StringComparison.Ordinal)
            .Replace("\"binary_classification\", \"model\": {\"type\": \"mlp\"}", "\"regression\", \"model\": {\"type\": \"mlp\"}, \"label_smoothing\": 0.1", StringComparison.Ordinal)
            .Replace("\"name\": \"diagnosis\", \"type\": \"string\"", "\"name\": \"diagnosis\", \"type\": \"single\"", StringComparison.Ordinal);
        var e = Assert.ThrowsExactly<RecipeException>(() => Recipe.Parse(json));
        Assert.AreEqual("$.trainer.label_smoothing", e.JsonPath, e.Message);
        StringAssert.Contains(e.Message, "classification only");
        Recipe regression = Recipe.Parse(json.Replace(", \"label_smoothing\": 0.1", string.Empty, StringComparison.Ordinal));
        Assert.IsFalse(regression.ToJson().Contains("label_smoothing", StringComparison.Ordinal), "not written for regression");
        regression.Trainer.LabelSmoothing = 0.2;
        Assert.AreEqual("$.trainer.label_smoothing", Assert.ThrowsExactly<RecipeException>(() => regression.Validate()).JsonPath);
    }

    [TestMethod]
    public void Defaults_follow_the_model_unless_set()
    {
        // Switched by SetModel (the tool's --model): the defaults move, ...
        RecipeTrainer t = Bare("mlp").Trainer;
        t.SetModel(RecipeModelType.Linear);
        Assert.AreEqual(Bare("linear").Trainer, t, "an MLP at its defaults switched to linear is the linear recipe at its defaults");
        Assert.AreEqual(TrainingDefaults.BatchSize, t.BatchSize);
        t.SetModel(RecipeModelType.Mlp);
        Assert.AreEqual(Bare("mlp").Trainer, t, "and back");

        // ... values set otherwise stay.
        RecipeTrainer set = Bare("mlp").Trainer;
        set.BatchSize = 100;
        set.SetOptimizer(new Adafactor());
        set.ExcludeFromWeightDecay = new() { "kernel" };
        JsonObject optimizer = (JsonObject)set.Optimizer.DeepClone();
        set.SetModel(RecipeModelType.Linear);
        Assert.AreEqual(100, set.BatchSize);
        Assert.IsTrue(JsonNode.DeepEquals(optimizer, set.Optimizer));
        CollectionAssert.AreEqual(new[] { "kernel" }, set.ExcludeFromWeightDecay);

        // A sweep's depth 0 makes a linear trial whose unsampled batch size is the linear default; a sampled one wins.
        Recipe mlp = Bare("mlp");
        var space = new LionSearchSpace();
        JsonObject point = space.DefaultPoint();
        Recipe linear = RecipeSearch.Apply(mlp, space, point, new JsonObject { ["hidden_depth"] = 0 });
        Assert.AreEqual((RecipeModelType.Linear, TrainingDefaults.BatchSize), (linear.Trainer.Model, linear.Trainer.BatchSize));
        CollectionAssert.AreEqual(TrainingDefaults.ExcludeFromWeightDecay.ToArray(), linear.Trainer.ExcludeFromWeightDecay);
        Assert.AreEqual(48, RecipeSearch.Apply(mlp, space, point, new JsonObject { ["hidden_depth"] = 0, ["batch_size"] = 48 }).Trainer.BatchSize);
        Assert.AreEqual(TrainingDefaults.MlpBatchSize, RecipeSearch.Apply(Bare("linear"), space, point, new JsonObject { ["hidden_depth"] = 2 }).Trainer.BatchSize, "linear to MLP: the MLP's batch size");
    }
}
