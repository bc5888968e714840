using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.MLNet.Tests;

// Recipes: canonical JSON, the pipeline they build, determinism, the model file with its loader and recipe.
[TestClass]
public sealed class RecipeTests
{
    /// <summary>iris.csv: four measurements, a text class; an MLP with early stopping.</summary>
    public const string IrisJson = """
        {
          "format_version": 1,
          "seed": 7,
          "data": {
            "separator": ",",
            "has_header": true,
            "allow_quoting": true,
            "decimal_separator": ".",
            "missing_tokens": [],
            "holdout_fraction": 0.2,
            "columns": [
              {
                "name": "sepal_length",
                "type": "single",
                "index": 0
              },
              {
                "name": "sepal_width",
                "type": "single",
                "index": 1
              },
              {
                "name": "petal_length",
                "type": "single",
                "index": 2
              },
              {
                "name": "petal_width",
                "type": "single",
                "index": 3
              },
              {
                "name": "species",
                "type": "string",
                "index": 4
              }
            ]
          },
          "label": {
            "column": "species"
          },
          "featurization": [
            {
              "kind": "concatenate",
              "output": "Features",
              "columns": [
                "sepal_length",
                "sepal_width",
                "petal_length",
                "petal_width"
              ]
            },
            {
              "kind": "normalize",
              "columns": [
                "Features"
              ],
              "method": "mean_variance",
              "fix_zero": false
            }
          ],
          "trainer": {
            "task": "multiclass_classification",
            "model": {
              "type": "mlp",
              "hidden_layers": [
                16
              ],
              "activation": "relu",
              "dropout": 0,
              "ensemble_size": 1,
              "numeric_encoding": {
                "robust_scaling": true,
                "smooth_clip": 3,
                "piecewise_linear_bins": 16
              }
            },
            "optimizer": {
              "class_name": "Lion",
              "config": {
                "learning_rate": 0.003
              }
            },
            "exclude_from_weight_decay": [
              "bias"
            ],
            "epochs": 40,
            "batch_size": 16,
            "shuffle": true,
            "in_memory": true,
            "shuffle_buffer_rows": 4096,
            "initializer": "auto",
            "learning_rate_curve": "warmup_cosine",
            "warmup_fraction": 0.05,
            "max_steps": 6000,
            "label_smoothing": 0.1,
            "early_stopping": {
              "selection_fraction": 0.1,
              "patience": 10,
              "min_delta": 0,
              "keep": "best_loss",
              "refit": false
            }
          }
        }
        """;

    /// <summary>diamonds.csv: numbers, three text categories, price (log transform), a linear model.</summary>
    public const string DiamondsJson = """
        {
          "format_version": 1,
          "data": {
            "columns": [
              {"name": "carat", "type": "single", "index": 0},
              {"name": "cut", "type": "string", "index": 1},
              {"name": "color", "type": "string", "index": 2},
              {"name": "clarity", "type": "string", "index": 3},
              {"name": "depth", "type": "single", "index": 4},
              {"name": "table", "type": "single", "index": 5},
              {"name": "price", "type": "single", "index": 6},
              {"name": "x", "type": "single", "index": 7},
              {"name": "y", "type": "single", "index": 8},
              {"name": "z", "type": "single", "index": 9}
            ]
          },
          "label": {"column": "price", "transform": "log"},
          "featurization": [
            {"kind": "replace_missing", "columns": ["carat", "depth", "table", "x", "y", "z"]},
            {"kind": "one_hot", "columns": ["cut", "color", "clarity"]},
            {"kind": "concatenate", "columns": ["carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z"]},
            {"kind": "normalize", "columns": ["Features"]}
          ],
          "trainer": {
            "task": "regression",
            "model": {"type": "linear"},
            "optimizer": {"class_name": "Lion", "config": {"learning_rate": 0.01}},
            "epochs": 4,
            "batch_size": 64
          }
        }
        """;

    /// <summary>breast_cancer.csv: 30 numbers as one vector (a range), a text label with a positive class.</summary>
    public const string BreastCancerJson = """
        {
          "format_version": 1,
          "seed": 3,
          "data": {
            "columns": [
              {"name": "Features", "type": "single", "range": [0, 29]},
              {"name": "diagnosis", "type": "string", "index": 30}
            ]
          },
          "label": {"column": "diagnosis", "positive_class": "malignant"},
          "featurization": [
            {"kind": "normalize", "columns": ["Features"], "method": "min_max"}
          ],
          "trainer": {
            "task": "binary_classification",
            "model": {"type": "mlp", "hidden_layers": [8], "activation": "tanh"},
            "optimizer": {"class_name": "AdamW", "config": {"learning_rate": 0.003}},
            "epochs": 15
          }
        }
        """;

    public static IEnumerable<object[]> Recipes()
    {
        yield return new object[] { "iris", IrisJson, "iris.csv" };
        yield return new object[] { "diamonds", DiamondsJson, "diamonds.csv" };
        yield return new object[] { "breast_cancer", BreastCancerJson, "breast_cancer.csv" };
    }

    public static string RecipeName(System.Reflection.MethodInfo method, object[] data) => $"{method.Name}({data[0]})";

    [TestMethod]
    public void A_canonical_recipe_survives_Parse_and_ToJson_byte_for_byte()
    {
        Assert.AreEqual(IrisJson.Replace("\r\n", "\n"), Recipe.Parse(IrisJson).ToJson(), "the iris recipe is written canonically");
        foreach (string json in new[] { DiamondsJson, BreastCancerJson })
        {
            Recipe r = Recipe.Parse(json);
            string canonical = r.ToJson();
            Assert.AreNotEqual(json, canonical, "a compact recipe is completed with every default");
            Recipe again = Recipe.Parse(canonical);
            Assert.AreEqual(r, again, "Parse(ToJson(r)) equals r");
            Assert.AreEqual(canonical, again.ToJson(), "byte for byte");
            Assert.AreEqual(again, again.Clone(), "Clone is equal");
        }

        // An optimizer set in code is written with its learning rate as typed and builds the same optimizer.
        Recipe coded = Recipe.Parse(IrisJson);
        var lion = new Lion(3e-4) { WeightDecay = 0.5 };
        coded.Trainer.SetOptimizer(lion);
        StringAssert.Contains(coded.ToJson(), "\"learning_rate\": 0.0003,");
        Assert.AreEqual(lion.Serialize().ToJsonString(), Recipe.Parse(coded.ToJson()).Trainer.CreateOptimizer().Serialize().ToJsonString());
    }

    [TestMethod]
    [DynamicData(nameof(Recipes), DynamicDataDisplayName = nameof(RecipeName))]
    public void Same_recipe_data_and_seed_give_the_same_model_bits_and_another_seed_does_not(string name, string json, string file)
    {
        var ml = new MLContext(seed: 1);
        Recipe recipe = Recipe.Parse(json);
        IDataView data = Data(ml, recipe, file);
        float[] Scores(Recipe r) => Flatten(r.Fit(new MLContext(seed: 5), data).Model.Transform(data));
        float[] a = Scores(recipe), b = Scores(Recipe.Parse(recipe.ToJson()));
        TestData.AssertBitsEqual(a, b, name + ": the same recipe twice");
        Recipe other = recipe.Clone();
        other.Seed++;
        Assert.IsFalse(a.SequenceEqual(Scores(other)), name + ": another seed gives another model");
    }

    [TestMethod]
    public void Two_fits_of_one_recipe_write_the_same_model_file_streams()
    {
        var ml = new MLContext(seed: 1);
        Recipe recipe = Recipe.Parse(BreastCancerJson);
        IDataView data = Data(ml, recipe, "breast_cancer.csv");
        string dir = TempDir();
        try
        {
            Dictionary<string, byte[]> Entries(string name)
            {
                string path = Path.Combine(dir, name);
                RecipeModel.Save(ml, recipe.Fit(new MLContext(seed: 9), data).Model, recipe.CreateLoader(ml), path, recipe, ModelProvenance.Current());
                return TestData.ZipEntries(File.ReadAllBytes(path));
            }

            Dictionary<string, byte[]> a = Entries("a.zip"), b = Entries("b.zip");
            CollectionAssert.AreEquivalent(a.Keys.ToList(), b.Keys.ToList());
            foreach (string key in a.Keys.Where(k => k != "TrainingInfo/Version.txt"))
            {
                CollectionAssert.AreEqual(a[key], b[key], "entry " + key);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void The_label_transform_trains_on_the_log_and_scores_in_the_labels_units()
    {
        var ml = new MLContext(seed: 1);
        Recipe recipe = Recipe.Parse(DiamondsJson);
        IDataView data = Data(ml, recipe, "diamonds.csv");
        RecipeFitResult fit = recipe.Fit(ml, data);
        IDataView scored = fit.Model.Transform(data);
        float[] price = scored.GetColumn<float>("price").ToArray();
        float[] score = scored.GetColumn<float>("Score").ToArray();
        float[] logLabel = scored.GetColumn<float>(RecipeDefaults.TransformedLabelColumn).ToArray();
        Assert.AreEqual(Math.Log(price[0]), logLabel[0], 1e-5, "the trainer's label is ln(price)");
        double medianRatio = price.Zip(score, (p, s) => s / p).OrderBy(x => x).ElementAt(price.Length / 2);
        Assert.IsTrue(medianRatio > 0.8 && medianRatio < 1.25, $"Score is in dollars (median score / price {medianRatio})");
        RegressionMetrics m = ml.Regression.Evaluate(scored);
        Assert.IsGreaterThan(0.8, m.RSquared, $"R² in dollars {m.RSquared}");

        // Scores stay within the training labels' range, even for rows far outside the training data.
        float lo = price.Min(), hi = price.Max();
        IDataView absurd = ml.Transforms.Expression("carat", "x => x * 1000", "carat").Fit(data).Transform(data);
        float[] wild = fit.Model.Transform(absurd).GetColumn<float>("Score").ToArray();
        Assert.IsTrue(wild.All(s => s >= lo * 0.9999f && s <= hi * 1.0001f), $"scores within [{lo}, {hi}]: {wild.Min()}..{wild.Max()}");

        // The saved model reads back and scores the same under a culture with a decimal comma.
        string dir = TempDir();
        System.Globalization.CultureInfo culture = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            string path = Path.Combine(dir, "model.zip");
            RecipeModel.Save(ml, fit.Model, recipe.CreateLoader(ml), path, recipe);
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            LoadedRecipeModel loaded = RecipeModel.Load(new MLContext(seed: 3), path);
            TestData.AssertBitsEqual(score, loaded.Model.Transform(data).GetColumn<float>("Score").ToArray(), "scores under de-DE");
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void The_model_file_holds_the_loader_the_recipe_and_the_provenance_and_MLNet_ignores_the_extra_entries()
    {
        var ml = new MLContext(seed: 1);
        Recipe recipe = Recipe.Parse(IrisJson);
        string csv = SampleData.PathOf("iris.csv");
        IDataView data = recipe.LoadData(ml, csv);
        RecipeFitResult fit = recipe.Fit(ml, data);
        string dir = TempDir();
        try
        {
            string path = Path.Combine(dir, "model.zip");
            RecipeModel.Save(ml, fit.Model, recipe.CreateLoader(ml), path, recipe, ModelProvenance.Current());
            Assert.AreEqual(1, Directory.GetFiles(dir).Length, "no temporary file is left behind");
            using (ZipArchive zip = ZipFile.OpenRead(path))
            {
                CollectionAssert.IsSubsetOf(new[] { RecipeModel.RecipeEntry, RecipeModel.ProvenanceEntry }, zip.Entries.Select(e => e.FullName).ToArray());
            }

            // ML.NET's own loader, with the data loader: reads the CSV and scores it like the fitted model.
            ITransformer plain = new MLContext(seed: 2).Model.LoadWithDataLoader(path, out IDataLoader<IMultiStreamSource> loader);
            IDataView reread = loader.Load(csv);
            TestData.AssertBitsEqual(Flatten(fit.Model.Transform(data)), Flatten(plain.Transform(reread)), "scores after LoadWithDataLoader");
            CollectionAssert.AreEqual(data.GetColumn<string>("species").ToArray(), plain.Transform(reread).GetColumn<string>("species").ToArray());

            LoadedRecipeModel loaded = RecipeModel.Load(ml, path);
            Assert.AreEqual(recipe, loaded.Recipe, "the recipe entry reads back");
            Assert.IsNotNull(loaded.Provenance);
            Assert.AreEqual(ModelProvenance.Current().Compute, loaded.Provenance!.Compute, "the compute provenance record reads back equal");
            Assert.AreEqual(BlasProviders.Default.Provenance, loaded.Provenance.Compute);
            string[] predicted = loaded.Model.Transform(loaded.Loader.Load(csv)).GetColumn<string>("PredictedLabel").ToArray();
            Assert.IsTrue(predicted.All(p => p is "setosa" or "versicolor" or "virginica"), "PredictedLabel is the class text");

            // A damaged recipe entry is named.
            string damaged = Path.Combine(dir, "damaged.zip");
            File.Copy(path, damaged);
            using (ZipArchive zip = ZipFile.Open(damaged, ZipArchiveMode.Update))
            {
                zip.GetEntry(RecipeModel.RecipeEntry)!.Delete();
                using var w = new StreamWriter(zip.CreateEntry(RecipeModel.RecipeEntry).Open());
                w.Write("{\"format_version\": 1, \"sed\": 3}");
            }

            var ex = Assert.ThrowsExactly<InvalidDataException>(() => RecipeModel.Load(ml, damaged));
            StringAssert.Contains(ex.Message, RecipeModel.RecipeEntry);
            Assert.ThrowsExactly<InvalidDataException>(() => RecipeModel.Load(ml, csv), "a CSV file is not a model");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void SplitHoldout_is_exact_stratified_seeded_and_disjoint()
    {
        var ml = new MLContext(seed: 1);
        Recipe recipe = Recipe.Parse(IrisJson);
        IDataView data = recipe.LoadData(ml, SampleData.PathOf("iris.csv"));
        (IDataView train, IDataView? holdout) = recipe.SplitHoldout(ml, data);
        string[] all = Keys(data), tr = Keys(train), ho = Keys(holdout!);
        Assert.HasCount(30, ho, "20 % of 150 rows");
        Assert.HasCount(120, tr);
        CollectionAssert.AreEquivalent(all, tr.Concat(ho).ToArray(), "together they are the data");
        foreach (string cls in new[] { "setosa", "versicolor", "virginica" })
        {
            Assert.AreEqual(10, holdout!.GetColumn<string>("species").Count(s => s == cls), $"stratified: 10 rows of {cls}");
        }

        CollectionAssert.AreEqual(ho, Keys(recipe.SplitHoldout(ml, data).Holdout!), "the same seed, the same rows");
        Recipe other = recipe.Clone();
        other.Seed++;
        CollectionAssert.AreNotEqual(ho, Keys(other.SplitHoldout(ml, data).Holdout!), "another seed, other rows");
        other.Data.HoldoutFraction = 0;
        Assert.IsNull(other.SplitHoldout(ml, data).Holdout);
    }

    [TestMethod]
    public void Save_and_Load_of_a_recipe_file_are_atomic_and_resolve_the_data_path()
    {
        string dir = TempDir();
        try
        {
            Recipe recipe = Recipe.Parse(IrisJson);
            recipe.Data.Path = "iris.csv";
            string path = Path.Combine(dir, "config.json");
            recipe.Save(path);
            Assert.AreEqual(recipe.ToJson() + "\n", File.ReadAllText(path));
            Recipe loaded = Recipe.Load(path);
            Assert.AreEqual(Path.Combine(dir, "iris.csv"), loaded.ResolveDataPath());
            recipe.Trainer.Epochs = 0;
            Assert.ThrowsExactly<RecipeException>(() => recipe.Save(path));
            Assert.AreEqual(loaded.ToJson() + "\n", File.ReadAllText(path), "an invalid recipe leaves the file as it was");
            Assert.HasCount(1, Directory.GetFiles(dir));
            File.WriteAllText(path, "{\n  \"format_version\": 1,\n  \"seed\": x\n}");
            var e = Assert.ThrowsExactly<RecipeException>(() => Recipe.Load(path));
            Assert.AreEqual(path, e.FilePath);
            Assert.AreEqual(3, e.Line);
            StringAssert.Contains(e.Message, path);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void A_search_point_makes_a_trial_recipe_that_retrains_bit_for_bit()
    {
        Recipe recipe = Recipe.Parse(IrisJson);
        var space = new Training.Tuning.LionSearchSpace();
        var model = new Training.Tuning.ModelSearchSpace { Activation = new Training.Tuning.ChoiceRange("activation", new[] { "relu", "tanh" }, "relu") };
        var rng = new DeterministicRandom(4);
        System.Text.Json.Nodes.JsonObject optimizerPoint = space.Sample(rng), modelPoint = model.Sample(rng);
        Recipe trial = RecipeSearch.Apply(recipe, space, optimizerPoint, modelPoint);
        Assert.AreEqual(recipe.ToJson(), Recipe.Parse(IrisJson).ToJson(), "the base recipe is not changed");
        Assert.AreEqual((int)modelPoint["batch_size"]!, trial.Trainer.BatchSize);
        int depth = (int)modelPoint["hidden_depth"]!;
        Assert.AreEqual(depth == 0 ? RecipeModelType.Linear : RecipeModelType.Mlp, trial.Trainer.Model);
        Assert.AreEqual((double)optimizerPoint["learning_rate"]!, (double)trial.Trainer.Optimizer["config"]!["learning_rate"]!);
        var ml = new MLContext(seed: 1);
        IDataView data = trial.LoadData(ml, SampleData.PathOf("iris.csv"));
        trial.Trainer.Epochs = 5;
        TestData.AssertBitsEqual(Flatten(trial.Fit(ml, data).Model.Transform(data)), Flatten(Recipe.Parse(trial.ToJson()).Fit(ml, data).Model.Transform(data)), "the trial's JSON retrains the same model");
        var gelu = new System.Text.Json.Nodes.JsonObject { ["activation"] = "gelu" };
        Assert.ThrowsExactly<RecipeException>(() => RecipeSearch.Apply(recipe, space, optimizerPoint, gelu));
        Assert.ThrowsExactly<ArgumentException>(() => RecipeSearch.Apply(recipe, space, optimizerPoint, new System.Text.Json.Nodes.JsonObject { ["width"] = 3 }));
        Assert.AreEqual(RecipeModelType.Linear, RecipeSearch.Apply(recipe, space, optimizerPoint, new System.Text.Json.Nodes.JsonObject { ["hidden_depth"] = 0 }).Trainer.Model);
    }

    internal static IDataView Data(MLContext ml, Recipe recipe, string file)
    {
        IDataView data = recipe.LoadData(ml, SampleData.PathOf(file));
        return file == "diamonds.csv" ? ml.Data.TakeRows(data, 3000) : data;
    }

    internal static float[] Flatten(IDataView scored) => scored.Schema["Score"].Type is VectorDataViewType
        ? scored.GetColumn<float[]>("Score").SelectMany(v => v).ToArray()
        : scored.GetColumn<float>("Score").ToArray();

    internal static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mlnet-recipe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string[] Keys(IDataView data) =>
        data.GetColumn<float>("sepal_length").Zip(data.GetColumn<float>("petal_width"), data.GetColumn<string>("species")).Select((t, i) => $"{t.First}|{t.Second}|{t.Third}").ToArray();
}
