using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Pipelines;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>Pipeline configuration: exact round trips, defaults, and every bad value failing with its JSON path and reason.</summary>
/// <remarks>Not run in parallel with other classes, so the pre-existing suite (timed tests included) runs as it did before.</remarks>
[TestClass]
[DoNotParallelize]
public sealed class PipelineConfigTests
{
    /// <summary>A canonical document (what ToJson writes) with a partial optimizer config: it must survive Parse → ToJson byte for byte.</summary>
    internal const string CanonicalExample = """
        {
          "format_version": 1,
          "seed": 42,
          "data": {
            "label": "diagnosis",
            "task": "binary_classification",
            "weight": null,
            "columns": {
              "mean_radius": "numeric",
              "mean_texture": "numeric",
              "site": "text",
              "diagnosis": "text"
            },
            "separator": ",",
            "has_header": true,
            "missing_tokens": [
              "NA"
            ]
          },
          "featurizers": [
            {
              "type": "replace_missing",
              "mode": "mean"
            },
            {
              "type": "one_hot",
              "columns": null
            },
            {
              "type": "normalize",
              "kind": "min_max",
              "fix_zero": true
            }
          ],
          "trainer": {
            "model": {
              "type": "mlp",
              "hidden_layers": [
                64
              ],
              "activation": "relu",
              "dropout": 0,
              "initializer": "auto"
            },
            "optimizer": {
              "module": "keras.optimizers",
              "class_name": "Lion",
              "config": {
                "learning_rate": {
                  "module": "keras.optimizers.schedules",
                  "class_name": "CosineDecay",
                  "config": {
                    "initial_learning_rate": 0.003,
                    "decay_steps": 1000
                  },
                  "registered_name": null
                },
                "weight_decay": 0.1,
                "beta_1": 0.9
              },
              "registered_name": null
            },
            "exclude_from_weight_decay": [
              "bias"
            ],
            "epochs": 50,
            "batch_size": 32,
            "shuffle": true,
            "validation_fraction": 0.1,
            "early_stopping_patience": 10,
            "early_stopping_metric": "loss",
            "min_delta": 0,
            "restore_best_weights": true
          }
        }
        """;

    public static IEnumerable<object[]> Configs()
    {
        yield return new object[] { "regression MLP, Huber, every featurizer, Lion with cosine schedule", (Func<PipelineConfig>)PipelineTestData.DiamondsConfig };
        yield return new object[] { "binary linear, weight column, mean-variance, Adafactor", (Func<PipelineConfig>)(() =>
        {
            var c = new PipelineConfig { Seed = 0, Data = new DataConfig { Label = "y", Task = TaskKind.BinaryClassification, Weight = "w", Separator = ';', HasHeader = false, MissingValueTokens = { "?", "NA" } } };
            c.Data.Columns.AddRange(new ColumnConfig[] { new("a", ColumnType.Numeric), new("w", ColumnType.Numeric), new("y", ColumnType.Text) });
            c.Featurizers.Add(new NormalizeConfig { Kind = NormalizerKind.MeanVariance, FixZero = false });
            c.Trainer.Model = ModelConfig.Linear();
            c.Trainer.Model.Initializer = WeightInitializer.GlorotUniform;
            c.Trainer.SetOptimizer(new Adafactor(0.05) { ClipNorm = 1.0 });
            c.Trainer.ExcludeFromWeightDecay.Clear();
            c.Trainer.Shuffle = false;
            return c;
        }) };
        yield return new object[] { "multiclass MLP with dropout, selected one-hot columns, AdamW with exponential decay, early stopping on quality", (Func<PipelineConfig>)(() =>
        {
            var c = new PipelineConfig { Seed = ulong.MaxValue, Data = PipelineTestData.DiamondsSchema() };
            c.Data.Task = TaskKind.MulticlassClassification;
            c.Data.Label = "cut";
            c.Featurizers.Add(new SelectColumnsConfig("color", "carat", "clarity"));
            c.Featurizers.Add(new OneHotConfig("clarity", "color"));
            c.Trainer.Model = ModelConfig.Mlp(Activation.Gelu, 32, 16);
            c.Trainer.Model.Dropout = 0.25;
            c.Trainer.SetOptimizer(new AdamW(new ExponentialDecay(0.01, 100, 0.9, staircase: true)));
            c.Trainer.ValidationFraction = 0.2;
            c.Trainer.EarlyStoppingPatience = 2;
            c.Trainer.EarlyStoppingMetric = ValidationMetric.Quality;
            c.Trainer.MinDelta = 0.001;
            c.Trainer.RestoreBestWeights = false;
            return c;
        }) };
        yield return new object[] { "regression linear, SGD with piecewise schedule, no label standardization", (Func<PipelineConfig>)(() =>
        {
            PipelineConfig c = PipelineConfig.CreateDefault(PipelineTestData.Infer("diabetes.csv", "progression"));
            c.Trainer.Model = ModelConfig.Linear();
            c.Trainer.SetOptimizer(new Sgd(new PiecewiseConstantDecay(new long[] { 10, 20 }, new[] { 0.1, 0.01, 0.001 }), momentum: 0.9, nesterov: true));
            c.Trainer.StandardizeLabel = false;
            return c;
        }) };
        yield return new object[] { "defaults for diamonds.csv", (Func<PipelineConfig>)(() => PipelineConfig.CreateDefault(PipelineTestData.PathOf("diamonds.csv"), "price")) };
        yield return new object[] { "defaults for wine.csv", (Func<PipelineConfig>)(() => PipelineConfig.CreateDefault(PipelineTestData.PathOf("wine.csv"), "cultivar")) };
    }

    public static string ConfigName(MethodInfo method, object[] data) => method.Name + ": " + (string)data[0];

    [TestMethod]
    [DynamicData(nameof(Configs), DynamicDataDisplayName = nameof(ConfigName))]
    public void JsonToObjectToJsonIsByteIdentical(string name, Func<PipelineConfig> make)
    {
        string json = make().ToJson();
        string again = PipelineConfig.Parse(json).ToJson();
        Assert.AreEqual(json, again, name);
        Assert.IsFalse(json.Contains('\r'), "line ends are \\n");
    }

    [TestMethod]
    [DynamicData(nameof(Configs), DynamicDataDisplayName = nameof(ConfigName))]
    public void ObjectToJsonToObjectIsEqual(string name, Func<PipelineConfig> make)
    {
        PipelineConfig c = make();
        PipelineConfig back = PipelineConfig.Parse(c.ToJson());
        Assert.AreEqual(c, back, name);
        Assert.AreEqual(c.GetHashCode(), back.GetHashCode(), name);
        Assert.AreEqual(c, c.Clone(), name);

        // Equality is structural and really compares: a change anywhere makes the copies differ.
        foreach (Action<PipelineConfig> change in new Action<PipelineConfig>[]
        {
            x => x.Seed++,
            x => x.Data.Columns.Reverse(),
            x => x.Featurizers.Add(new NormalizeConfig()),
            x => x.Trainer.Epochs++,
            x => x.Trainer.Model.Initializer = WeightInitializer.HeNormal,
            x => x.Trainer.Optimizer["config"]!.AsObject()["name"] = "other",
        })
        {
            PipelineConfig changed = c.Clone();
            change(changed);
            Assert.AreNotEqual(c, changed, name);
        }
    }

    [TestMethod]
    public void CanonicalDocumentRoundTripsByteForByte()
    {
        string text = CanonicalExample.Replace("\r\n", "\n", StringComparison.Ordinal);
        PipelineConfig c = PipelineConfig.Parse(text);
        Assert.AreEqual(text, c.ToJson());
        Assert.AreEqual(TaskKind.BinaryClassification, c.Data.Task);
        Assert.AreEqual("NA", c.Data.MissingValueTokens.Single());

        // The optimizer object is kept as written (a partial Keras config), and builds with Keras's defaults for the rest.
        Assert.IsFalse(c.Trainer.Optimizer["config"]!.AsObject().ContainsKey("beta_2"));
        var lion = (Lion)c.Trainer.CreateOptimizer();
        Assert.AreEqual(LionDefaults.Beta2, lion.Beta2);
        Assert.AreEqual(0.1, lion.WeightDecay);
        Assert.AreEqual("bias", lion.ExcludedNamePatterns.Single());
    }

    [TestMethod]
    public void ReadmeExampleIsCanonicalAndTrains()
    {
        string readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        int section = readme.IndexOf("### The config format", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, section, "README has the config format section");
        int start = readme.IndexOf("```json\n", section, StringComparison.Ordinal) + "```json\n".Length;
        string json = readme[start..readme.IndexOf("\n```", start, StringComparison.Ordinal)];

        PipelineConfig c = PipelineConfig.Parse(json);
        Assert.AreEqual(json, c.ToJson(), "the README example is exactly what ToJson writes");

        // It describes diamonds.csv and trains on it (on 5000 rows here, to stay fast).
        TabularData d = PipelineTestData.Diamonds(6000);
        (int[] train, int[] test) = DataSplit.TrainTestIndices(d.RowCount, 1.0 / 6, 42);
        PipelineModel m = Pipeline.FromConfig(c).WithBlas(new MLNet.Optimizers.Compute.ManagedBlasProvider()).Fit(d.SelectRows(train));
        Assert.IsGreaterThanOrEqualTo(0.9, m.Evaluate(d.SelectRows(test)).PrimaryMetric);
    }

    [TestMethod]
    public void DataPathIsOptionalAndWrittenOnlyWhenSet()
    {
        PipelineConfig c = PipelineConfig.Parse(CanonicalExample);
        Assert.IsNull(c.Data.Path, "no path in the document");
        Assert.DoesNotContain("\"path\"", c.ToJson(), "an unset path is not written, so documents without one keep their text");

        c.Data.Path = "../data/breast_cancer.csv";
        string json = c.ToJson();
        StringAssert.Contains(json, "\"data\": {\n    \"path\": \"../data/breast_cancer.csv\",\n    \"label\": \"diagnosis\"", "the first key of data");
        PipelineConfig back = PipelineConfig.Parse(json);
        Assert.AreEqual("../data/breast_cancer.csv", back.Data.Path);
        Assert.AreEqual(c, back);
        Assert.AreEqual(json, back.ToJson());
        Assert.AreEqual(c, c.Clone());

        PipelineConfig other = c.Clone();
        other.Data.Path = "elsewhere.csv";
        Assert.AreNotEqual(c, other, "the path takes part in equality");
        Assert.AreEqual(PipelineConfig.Parse(CanonicalExample), PipelineConfig.Parse(CanonicalExample.Replace("\"label\": \"diagnosis\"", "\"path\": null, \"label\": \"diagnosis\"", StringComparison.Ordinal)), "an explicit null is no path");
    }

    [TestMethod]
    public void LeftOutKeysTakeTheDefaults()
    {
        PipelineConfig c = PipelineConfig.Parse("""
            {"format_version": 1, "data": {"label": "y", "task": "regression", "columns": {"x": "numeric", "y": "numeric"}}}
            """);
        Assert.AreEqual(PipelineDefaults.Seed, c.Seed);
        Assert.AreEqual(PipelineDefaults.Separator, c.Data.Separator);
        Assert.AreEqual(PipelineDefaults.HasHeader, c.Data.HasHeader);
        Assert.IsNull(c.Data.Weight);
        Assert.AreEqual(0, c.Featurizers.Count);
        Assert.AreEqual(PipelineDefaults.ModelType, c.Trainer.Model.Type);
        Assert.AreEqual(PipelineDefaults.Epochs, c.Trainer.Epochs);
        Assert.AreEqual(PipelineDefaults.BatchSize, c.Trainer.BatchSize);
        Assert.AreEqual(PipelineDefaults.ValidationFraction, c.Trainer.ValidationFraction);
        Assert.IsNull(c.Trainer.EarlyStoppingPatience);
        CollectionAssert.AreEqual(PipelineDefaults.ExcludeFromWeightDecay.ToArray(), c.Trainer.ExcludeFromWeightDecay);
        Assert.IsTrue(JsonNode.DeepEquals(PipelineDefaults.CreateOptimizer().Serialize(), c.Trainer.Optimizer));
        Assert.AreEqual(new PipelineConfig { Data = c.Data.Clone() }, c, "the JSON defaults are the object defaults");
    }

    [TestMethod]
    public void CommentsAndTrailingCommasAreAccepted()
    {
        PipelineConfig c = PipelineConfig.Parse("""
            // a hand-written config
            {"format_version": 1, /* inline */ "data": {"label": "y", "task": "regression", "columns": {"x": "numeric", "y": "numeric",},},}
            """);
        Assert.AreEqual("y", c.Data.Label);
    }

    /// <summary>(name, change to the canonical JSON of DiamondsConfig, expected JSON path, expected fragment of the reason).</summary>
    public static IEnumerable<object[]> BadCases()
    {
        static object[] Case(string name, Action<JsonObject> change, string path, string reason) => new object[] { name, change, path, reason };
        static JsonObject O(JsonNode? n) => n!.AsObject();
        static JsonObject Opt(JsonObject r) => O(r["trainer"]!["optimizer"]!["config"]);

        // Optimizer (the core's checks, nested under $.trainer.optimizer).
        yield return Case("beta_1 out of range", r => Opt(r)["beta_1"] = 1.5, "$.trainer.optimizer.config.beta_1", "must be in (0, 1], got 1.5");
        yield return Case("negative weight decay", r => Opt(r)["weight_decay"] = -0.1, "$.trainer.optimizer.config.weight_decay", "-0.1");
        yield return Case("two clip options", r => { Opt(r)["clipnorm"] = 1.0; Opt(r)["clipvalue"] = 1.0; }, "$.trainer.optimizer.config.clipvalue", "Only one of clipnorm, clipvalue and global_clipnorm");
        yield return Case("unknown optimizer class", r => r["trainer"]!["optimizer"]!["class_name"] = "Adam", "$.trainer.optimizer.class_name", "unknown optimizer class 'Adam'");
        yield return Case("unknown key in the optimizer config", r => Opt(r)["beta_3"] = 0.5, "$.trainer.optimizer.config.beta_3", "unknown key");
        yield return Case("unknown key in the serialized optimizer", r => O(r["trainer"]!["optimizer"])["extra"] = 1, "$.trainer.optimizer.extra", "unknown key");
        yield return Case("schedule with zero decay steps", r => O(Opt(r)["learning_rate"]!["config"])["decay_steps"] = 0, "$.trainer.optimizer.config.learning_rate.config.decay_steps", "0");
        yield return Case("unknown key in the schedule config", r => O(Opt(r)["learning_rate"]!["config"])["gamma"] = 1, "$.trainer.optimizer.config.learning_rate.config.gamma", "unknown key");
        yield return Case("optimizer is not an object", r => O(r["trainer"])["optimizer"] = "lion", "$.trainer.optimizer", "expected an object, got \"lion\"");

        // Root.
        yield return Case("format_version 2", r => r["format_version"] = 2, "$.format_version", "unsupported format version 2; this build reads format version 1");
        yield return Case("format_version missing", r => r.Remove("format_version"), "$.format_version", "required key is missing");
        yield return Case("format_version as text", r => r["format_version"] = "1", "$.format_version", "expected an integer, got \"1\"");
        yield return Case("negative seed", r => r["seed"] = -1, "$.seed", "expected an integer in [0, 18446744073709551615], got -1");
        yield return Case("unknown root key", r => r["trainers"] = new JsonObject(), "$.trainers", "unknown key");
        yield return Case("data missing", r => r.Remove("data"), "$.data", "required key is missing");

        // Data.
        yield return Case("label missing", r => O(r["data"]).Remove("label"), "$.data.label", "required key is missing");
        yield return Case("label not a column", r => r["data"]!["label"] = "cost", "$.data.label", "\"cost\" is not one of the columns");
        yield return Case("unknown task", r => r["data"]!["task"] = "ranking", "$.data.task", "expected \"regression\", \"binary_classification\" or \"multiclass_classification\", got \"ranking\"");
        yield return Case("unknown column type", r => r["data"]!["columns"]!["cut"] = "category", "$.data.columns.cut", "expected \"numeric\" or \"text\", got \"category\"");
        yield return Case("column with an odd name and a bad type", r => r["data"]!["columns"]!["x.box"] = 3, "$.data.columns['x.box']", "got 3");
        yield return Case("no columns", r => r["data"]!["columns"] = new JsonObject(), "$.data.columns", "got none");
        yield return Case("regression label is text", r => r["data"]!["columns"]!["price"] = "text", "$.data.label", "a regression label must be a numeric column");
        yield return Case("two-character separator", r => r["data"]!["separator"] = ";;", "$.data.separator", "exactly one character, got \";;\"");
        yield return Case("weight column is text", r => r["data"]!["weight"] = "cut", "$.data.weight", "must be numeric; \"cut\" is declared \"text\"");
        yield return Case("missing token not a string", r => r["data"]!["missing_tokens"] = new JsonArray(1), "$.data.missing_tokens[0]", "expected a string, got 1");
        yield return Case("unknown key in data", r => r["data"]!["header"] = true, "$.data.header", "unknown key");
        yield return Case("data path not a string", r => r["data"]!["path"] = 3, "$.data.path", "expected a string or null, got 3");
        yield return Case("empty data path", r => r["data"]!["path"] = "", "$.data.path", "expected a file path or null, got \"\"");

        // Featurizers.
        yield return Case("unknown featurizer type", r => r["featurizers"]![0]!["type"] = "pca", "$.featurizers[0].type", "unknown featurizer type \"pca\"");
        yield return Case("featurizers out of order", r => { JsonArray a = r["featurizers"]!.AsArray(); JsonNode n = a[3]!; a.RemoveAt(3); a.Insert(2, n); }, "$.featurizers[3].type", "\"one_hot\" cannot come after \"normalize\"");
        yield return Case("featurizer twice", r => r["featurizers"]!.AsArray().Add(new JsonObject { ["type"] = "normalize" }), "$.featurizers[4].type", "appears twice");
        yield return Case("selected column unknown", r => r["featurizers"]![0]!["columns"]![1] = "colour", "$.featurizers[0].columns[1]", "\"colour\" is not one of the columns");
        yield return Case("selected column is the label", r => r["featurizers"]![0]!["columns"]![0] = "price", "$.featurizers[0].columns[0]", "\"price\" is the label column");
        yield return Case("selected column twice", r => r["featurizers"]![0]!["columns"]![1] = "carat", "$.featurizers[0].columns[1]", "listed twice");
        yield return Case("one-hot of a numeric column", r => r["featurizers"]![2]!["columns"] = new JsonArray("cut", "carat"), "$.featurizers[2].columns[1]", "\"carat\" is numeric; declare it \"text\"");
        yield return Case("one-hot of a column left out by select", r => { r["featurizers"]![0]!["columns"]!.AsArray().RemoveAt(1); r["featurizers"]![2]!["columns"] = new JsonArray("cut"); }, "$.featurizers[2].columns[0]", "left out by select_columns");
        yield return Case("text column not encoded", r => r["featurizers"]![2]!["columns"] = new JsonArray("cut", "color"), "$.featurizers", "the text column \"clarity\" is a feature but is not one-hot encoded");
        yield return Case("one-hot with an empty list", r => r["featurizers"]![2]!["columns"] = new JsonArray(), "$.featurizers[2].columns", "must list at least one column, got []");
        yield return Case("unknown key in a featurizer", r => r["featurizers"]![3]!["clip"] = true, "$.featurizers[3].clip", "unknown key; expected type, kind or fix_zero");
        yield return Case("unknown normalizer kind", r => r["featurizers"]![3]!["kind"] = "robust", "$.featurizers[3].kind", "expected \"min_max\" or \"mean_variance\", got \"robust\"");
        yield return Case("unknown replacement mode", r => r["featurizers"]![1]!["mode"] = "median", "$.featurizers[1].mode", "expected \"mean\" or \"zero\", got \"median\"");
        yield return Case("featurizer not an object", r => r["featurizers"]![1] = "normalize", "$.featurizers[1]", "expected a featurizer object, got \"normalize\"");

        // Model.
        yield return Case("unknown model type", r => r["trainer"]!["model"]!["type"] = "cnn", "$.trainer.model.type", "expected \"linear\" or \"mlp\", got \"cnn\"");
        yield return Case("mlp without hidden layers", r => O(r["trainer"]!["model"]).Remove("hidden_layers"), "$.trainer.model.hidden_layers", "required key is missing");
        yield return Case("mlp with no hidden layer", r => r["trainer"]!["model"]!["hidden_layers"] = new JsonArray(), "$.trainer.model.hidden_layers", "at least one hidden layer, got []");
        yield return Case("hidden layer of width 0", r => r["trainer"]!["model"]!["hidden_layers"] = new JsonArray(16, 0), "$.trainer.model.hidden_layers[1]", "must be >= 1, got 0");
        yield return Case("hidden layer width not an integer", r => r["trainer"]!["model"]!["hidden_layers"] = new JsonArray(16.5), "$.trainer.model.hidden_layers[0]", "expected an integer, got 16.5");
        yield return Case("linear model with an activation", r => { r["trainer"]!["model"]!["type"] = "linear"; O(r["trainer"]!["model"]).Remove("hidden_layers"); }, "$.trainer.model.activation", "does not apply to a linear model");
        yield return Case("dropout of 1", r => r["trainer"]!["model"]!["dropout"] = 1, "$.trainer.model.dropout", "must be in [0, 1), got 1");
        yield return Case("unknown activation", r => r["trainer"]!["model"]!["activation"] = "swish", "$.trainer.model.activation", "got \"swish\"");
        yield return Case("huber delta of 0", r => r["trainer"]!["model"]!["huber_delta"] = 0, "$.trainer.model.huber_delta", "must be a finite number > 0, got 0");
        yield return Case("huber delta with squared loss", r => r["trainer"]!["model"]!["loss"] = "squared", "$.trainer.model.huber_delta", "applies only with \"loss\": \"huber\"");
        yield return Case("regression loss for a classifier", r => { r["data"]!["task"] = "multiclass_classification"; r["data"]!["label"] = "cut"; r["featurizers"]![0]!["columns"]!.AsArray().RemoveAt(1); O(r["trainer"]).Remove("standardize_label"); }, "$.trainer.model.loss", "applies to regression only");
        yield return Case("unknown key in the model", r => r["trainer"]!["model"]!["units"] = 3, "$.trainer.model.units", "unknown key");

        // Trainer settings.
        yield return Case("zero epochs", r => r["trainer"]!["epochs"] = 0, "$.trainer.epochs", "must be >= 1, got 0");
        yield return Case("batch size as text", r => r["trainer"]!["batch_size"] = "32", "$.trainer.batch_size", "expected an integer, got \"32\"");
        yield return Case("validation fraction of 1", r => r["trainer"]!["validation_fraction"] = 1, "$.trainer.validation_fraction", "must be in [0, 1), got 1");
        yield return Case("patience of 0", r => r["trainer"]!["early_stopping_patience"] = 0, "$.trainer.early_stopping_patience", "must be null or >= 1, got 0");
        yield return Case("unknown early-stopping metric", r => r["trainer"]!["early_stopping_metric"] = "auc", "$.trainer.early_stopping_metric", "expected \"loss\" or \"quality\", got \"auc\"");
        yield return Case("negative min delta", r => r["trainer"]!["min_delta"] = -1, "$.trainer.min_delta", "must be a finite number >= 0, got -1");
        yield return Case("shuffle as a number", r => r["trainer"]!["shuffle"] = 1, "$.trainer.shuffle", "expected true or false, got 1");
        yield return Case("bad weight-decay exclusion pattern", r => r["trainer"]!["exclude_from_weight_decay"] = new JsonArray("bias", "("), "$.trainer.exclude_from_weight_decay[1]", "\"(\" is not a valid regular expression");
        yield return Case("standardize_label for a classifier", r => { r["data"]!["task"] = "multiclass_classification"; r["data"]!["label"] = "cut"; r["featurizers"]![0]!["columns"]!.AsArray().RemoveAt(1); O(r["trainer"]!["model"]).Remove("loss"); O(r["trainer"]!["model"]).Remove("huber_delta"); }, "$.trainer.standardize_label", "applies to regression only");
        yield return Case("unknown key in the trainer", r => r["trainer"]!["learning_rate"] = 0.1, "$.trainer.learning_rate", "unknown key");
    }

    public static string BadCaseName(MethodInfo method, object[] data) => "bad config: " + (string)data[0];

    [TestMethod]
    [DynamicData(nameof(BadCases), DynamicDataDisplayName = nameof(BadCaseName))]
    public void BadConfigFailsWithPathAndReason(string name, Action<JsonObject> change, string path, string reason)
    {
        JsonObject root = JsonNode.Parse(PipelineTestData.DiamondsConfig().ToJson())!.AsObject();
        change(root);
        string json = root.ToJsonString();
        PipelineConfigException e = Assert.ThrowsExactly<PipelineConfigException>(() => PipelineConfig.Parse(json), name);
        Assert.AreEqual(path, e.JsonPath, e.Message);
        StringAssert.Contains(e.Reason, reason, e.Message);
        StringAssert.StartsWith(e.Message, path + ": ", e.Message);
    }

    [TestMethod]
    [DataRow("{\"format_version\": 1,", "$", "not valid JSON", DisplayName = "malformed JSON: truncated")]
    [DataRow("[1, 2]", "$", "expected a JSON object, got [1,2]", DisplayName = "malformed JSON: root is an array")]
    [DataRow("{\"format_version\": 1, \"format_version\": 1}", "$.format_version", "the key appears twice", DisplayName = "duplicate key at the root")]
    [DataRow("{\"format_version\": 1, \"data\": {\"label\": \"y\", \"label\": \"x\"}}", "$.data.label", "the key appears twice", DisplayName = "duplicate key in data")]
    public void MalformedDocumentsFail(string json, string path, string reason)
    {
        PipelineConfigException e = Assert.ThrowsExactly<PipelineConfigException>(() => PipelineConfig.Parse(json));
        Assert.AreEqual(path, e.JsonPath, e.Message);
        StringAssert.Contains(e.Reason, reason, e.Message);
    }

    [TestMethod]
    public void OptimizerErrorsCarryTheCoreExceptionAndItsNestedPath()
    {
        JsonObject root = JsonNode.Parse(PipelineTestData.DiamondsConfig().ToJson())!.AsObject();
        root["trainer"]!["optimizer"]!["config"]!["beta_1"] = 1.5;
        PipelineConfigException e = Assert.ThrowsExactly<PipelineConfigException>(() => PipelineConfig.Parse(root.ToJsonString()));
        var inner = (OptimizerConfigException)e.InnerException!;
        Assert.AreEqual(e.JsonPath, inner.JsonPath);
        Assert.AreEqual("$.trainer.optimizer.config.beta_1: beta_1 must be in (0, 1], got 1.5.", e.Message);
    }

    /// <summary>(name, change to a valid object, expected path, expected reason fragment): code-built configs fail like JSON ones.</summary>
    public static IEnumerable<object[]> BadObjects()
    {
        static object[] Case(string name, Action<PipelineConfig> change, string path, string reason) => new object[] { name, change, path, reason };
        yield return Case("epochs 0", c => c.Trainer.Epochs = 0, "$.trainer.epochs", "got 0");
        yield return Case("linear model with dropout", c => c.Trainer.Model = new ModelConfig { Type = ModelType.Linear, Dropout = 0.5 }, "$.trainer.model.dropout", "does not apply to a linear model");
        yield return Case("linear model with hidden layers", c => c.Trainer.Model = new ModelConfig { Type = ModelType.Linear, HiddenLayers = { 8 } }, "$.trainer.model.hidden_layers", "a linear model has no hidden layers");
        yield return Case("NaN dropout", c => c.Trainer.Model.Dropout = double.NaN, "$.trainer.model.dropout", "got NaN");
        yield return Case("undefined enum value", c => c.Trainer.Model.Activation = (Activation)42, "$.trainer.model.activation", "got 42");
        yield return Case("optimizer edited to a bad value", c => c.Trainer.Optimizer["config"]!["beta_2"] = -1, "$.trainer.optimizer.config.beta_2", "-1");
        yield return Case("null optimizer", c => c.Trainer.Optimizer = null!, "$.trainer.optimizer", "got null");
        yield return Case("featurizer list holds null", c => c.Featurizers.Add(null!), "$.featurizers[4]", "got null");
        yield return Case("label with white space", c => { c.Data.Columns[6] = new ColumnConfig("price ", ColumnType.Numeric); c.Data.Label = "price "; }, "$.data.columns['price ']", "white space");
        yield return Case("column declared twice", c => c.Data.Columns.Add(new ColumnConfig("cut", ColumnType.Text)), "$.data.columns.cut", "declared twice");
        yield return Case("only the label", c => { c.Data.Columns.RemoveAll(x => x.Name != "price"); c.Featurizers.Clear(); }, "$.data.columns", "there is no feature column");
        yield return Case("separator is a quote", c => c.Data.Separator = '"', "$.data.separator", "cannot be a quote");
        yield return Case("classifier with standardize_label false", c => { c.Data.Task = TaskKind.BinaryClassification; c.Trainer.Model.Loss = RegressionLoss.Squared; c.Trainer.Model.HuberDelta = 1; c.Trainer.StandardizeLabel = false; }, "$.trainer.standardize_label", "applies to regression only");
    }

    [TestMethod]
    [DynamicData(nameof(BadObjects), DynamicDataDisplayName = nameof(BadCaseName))]
    public void BadObjectFailsValidateToJsonAndFromConfigWithTheSamePath(string name, Action<PipelineConfig> change, string path, string reason)
    {
        PipelineConfig c = PipelineTestData.DiamondsConfig();
        change(c);
        foreach (Action act in new Action[] { c.Validate, () => c.ToJson(), () => Pipeline.FromConfig(c) })
        {
            PipelineConfigException e = Assert.ThrowsExactly<PipelineConfigException>(act, name);
            Assert.AreEqual(path, e.JsonPath, e.Message);
            StringAssert.Contains(e.Reason, reason, e.Message);
        }
    }

    [TestMethod]
    public void SaveIsAtomicAndLoadNamesTheFile()
    {
        PipelineConfig c = PipelineTestData.DiamondsConfig();
        string path = PipelineTestData.TempFile("old content", ".json");
        try
        {
            c.Save(path);
            Assert.AreEqual(c.ToJson() + "\n", File.ReadAllText(path));
            Assert.AreEqual(c, PipelineConfig.Load(path));

            // An invalid config is never written: the file keeps its content.
            c.Trainer.Epochs = -3;
            Assert.ThrowsExactly<PipelineConfigException>(() => c.Save(path));
            Assert.AreEqual(PipelineTestData.DiamondsConfig(), PipelineConfig.Load(path));
            Assert.AreEqual(0, Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*.tmp").Length, "no temporary file is left");

            File.WriteAllText(path, File.ReadAllText(path).Replace("\"epochs\": 4", "\"epochs\": 0", StringComparison.Ordinal));
            PipelineConfigException e = Assert.ThrowsExactly<PipelineConfigException>(() => PipelineConfig.Load(path));
            Assert.AreEqual("$.trainer.epochs", e.JsonPath);
            Assert.AreEqual(path, e.FilePath);
            StringAssert.StartsWith(e.Message, $"pipeline config '{path}': $.trainer.epochs: must be >= 1, got 0.");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    [DataRow("diamonds.csv", "price", TaskKind.Regression, "cut,color,clarity", DisplayName = "defaults: diamonds.csv is regression with three text columns")]
    [DataRow("breast_cancer.csv", "diagnosis", TaskKind.BinaryClassification, "", DisplayName = "defaults: breast_cancer.csv is binary with numeric features")]
    [DataRow("wine.csv", "cultivar", TaskKind.MulticlassClassification, "", DisplayName = "defaults: wine.csv is multiclass (text label)")]
    [DataRow("digits.csv", "digit", TaskKind.MulticlassClassification, "", DisplayName = "defaults: digits.csv is multiclass (integer label 0-9)")]
    [DataRow("diabetes.csv", "progression", TaskKind.Regression, "", DisplayName = "defaults: diabetes.csv is regression")]
    public void CreateDefaultInfersTheSchemaAndTask(string file, string label, TaskKind task, string textColumns)
    {
        PipelineConfig c = PipelineConfig.CreateDefault(PipelineTestData.PathOf(file), label);
        Assert.AreEqual(task, c.Data.Task);
        Assert.AreEqual(label, c.Data.Label);
        string[] text = c.Data.Columns.Where(x => x.Type == ColumnType.Text && x.Name != label).Select(x => x.Name).ToArray();
        CollectionAssert.AreEqual(textColumns.Split(',', StringSplitOptions.RemoveEmptyEntries), text);
        string[] types = c.Featurizers.Select(f => f.Type).ToArray();
        CollectionAssert.AreEqual(text.Length > 0 ? new[] { "replace_missing", "one_hot", "normalize" } : new[] { "replace_missing", "normalize" }, types);
        Assert.AreEqual(ModelType.Mlp, c.Trainer.Model.Type);
        Assert.AreEqual("Lion", c.Trainer.Optimizer["class_name"]!.GetValue<string>());
        Assert.AreEqual(PipelineDefaults.DefaultValidationFraction, c.Trainer.ValidationFraction);
        Assert.AreEqual(c, PipelineConfig.Parse(c.ToJson()));
    }

    [TestMethod]
    public void InferFromCsvHonoursAGivenTaskAndRejectsImpossibleOnes()
    {
        Assert.AreEqual(TaskKind.Regression, DataConfig.InferFromCsv(PipelineTestData.PathOf("digits.csv"), "digit", TaskKind.Regression).Task);
        CsvFormatException e = Assert.ThrowsExactly<CsvFormatException>(() => DataConfig.InferFromCsv(PipelineTestData.PathOf("wine.csv"), "cultivar", TaskKind.Regression));
        Assert.AreEqual("cultivar", e.ColumnName);
        e = Assert.ThrowsExactly<CsvFormatException>(() => DataConfig.InferFromCsv(PipelineTestData.PathOf("wine.csv"), "cultivar", TaskKind.BinaryClassification));
        StringAssert.Contains(e.Message, "exactly 2 distinct label values");
        e = Assert.ThrowsExactly<CsvFormatException>(() => DataConfig.InferFromCsv(PipelineTestData.PathOf("wine.csv"), "grape"));
        StringAssert.Contains(e.Message, "the label column is not in the header");
    }
}
