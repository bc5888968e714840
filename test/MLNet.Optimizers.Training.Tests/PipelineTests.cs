using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Persistence;
using MLNet.Optimizers.Training.Pipelines;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>Pipelines: determinism, code-built vs config-built, persistence, output columns, and data errors before training.</summary>
/// <remarks>Not run in parallel with other classes, so the pre-existing suite (timed tests included) runs as it did before.</remarks>
[TestClass]
[DoNotParallelize]
public sealed class PipelineTests
{
    private static readonly BlasProvider Managed = new ManagedBlasProvider();

    /// <summary>(name, configuration, data) for each task; small and fast.</summary>
    public static IEnumerable<object[]> TaskCases()
    {
        yield return new object[] { "regression: diamonds MLP with every featurizer", (Func<PipelineConfig>)PipelineTestData.DiamondsConfig, (Func<TabularData>)(() => PipelineTestData.Diamonds(3000)) };
        yield return new object[] { "binary: breast_cancer linear", (Func<PipelineConfig>)(() => PipelineTestData.Small("breast_cancer.csv", "diagnosis", mlp: false)), (Func<TabularData>)(() => Load("breast_cancer.csv", "diagnosis")) };
        yield return new object[] { "multiclass: wine MLP", (Func<PipelineConfig>)(() => PipelineTestData.Small("wine.csv", "cultivar", mlp: true)), (Func<TabularData>)(() => Load("wine.csv", "cultivar")) };
    }

    public static string CaseName(MethodInfo method, object[] data) => method.Name + ": " + (string)data[0];

    [TestMethod]
    [DynamicData(nameof(TaskCases), DynamicDataDisplayName = nameof(CaseName))]
    public void FittingTheSameConfigTwiceIsBitIdentical(string name, Func<PipelineConfig> config, Func<TabularData> data)
    {
        TabularData d = data();
        PipelineModel a = Pipeline.FromConfig(config()).WithBlas(Managed).Fit(d);
        PipelineModel b = Pipeline.FromConfig(PipelineConfig.Parse(config().ToJson())).WithBlas(Managed).Fit(d);
        CollectionAssert.AreEqual(PipelineTestData.Bits(a.Predictor.Model), PipelineTestData.Bits(b.Predictor.Model), name);
        CollectionAssert.AreEqual(PipelineTestData.Bits(a.Transform(d), "Score"), PipelineTestData.Bits(b.Transform(d), "Score"), name);
        CollectionAssert.AreEqual(a.TrainingResult!.History.Select(h => h.TrainingLoss).ToArray(), b.TrainingResult!.History.Select(h => h.TrainingLoss).ToArray(), name);

        // The comparison can fail: another seed gives other weights.
        PipelineConfig other = config();
        other.Seed++;
        PipelineModel c = Pipeline.FromConfig(other).WithBlas(Managed).Fit(d);
        CollectionAssert.AreNotEqual(PipelineTestData.Bits(a.Predictor.Model), PipelineTestData.Bits(c.Predictor.Model), name);
    }

    [TestMethod]
    public void CodeBuiltAndConfigBuiltPipelinesAreInterchangeable()
    {
        Pipeline code = new Pipeline(PipelineTestData.DiamondsSchema(), seed: 11)
            .Append(new ColumnSelectingEstimator("carat", "cut", "color", "clarity", "x", "y", "z"))
            .Append(new MissingValueReplacingEstimator(ReplacementMode.Zero))
            .Append(new OneHotEncodingEstimator("color", "cut", "clarity"))
            .Append(new NormalizingEstimator(NormalizerKind.MeanVariance, fixZero: false))
            .Append(new NeuralTrainerEstimator(ModelConfig.Mlp(Activation.Tanh, 12), new Adafactor(0.05), epochs: 3, batchSize: 64))
            .WithBlas(Managed);
        PipelineConfig config = code.ToConfig();
        Pipeline fromConfig = Pipeline.FromConfig(PipelineConfig.Parse(config.ToJson())).WithBlas(Managed);
        Assert.AreEqual(config, fromConfig.ToConfig());

        TabularData d = PipelineTestData.Diamonds(3000);
        PipelineModel a = code.Fit(d), b = fromConfig.Fit(d);
        CollectionAssert.AreEqual(PipelineTestData.Bits(a.Predictor.Model), PipelineTestData.Bits(b.Predictor.Model));
        CollectionAssert.AreEqual(PipelineTestData.Bits(a.Transform(d), "Score"), PipelineTestData.Bits(b.Transform(d), "Score"));
        Assert.AreEqual(config, a.Config);

        // One-hot kept the listed order; each encoded column became a vector named by its categories.
        var onehot = (OneHotEncodingTransformer)a.Featurizers[2];
        CollectionAssert.AreEqual(new[] { "color", "cut", "clarity" }, onehot.Encodings.Select(e => e.Key).ToArray());
        Assert.AreEqual("carat", a.Predictor.FeatureNames[0]);
        Assert.AreEqual("cut=" + ((TextColumn)d["cut"])[0], a.Predictor.FeatureNames[1], "encoded columns stay in place (carat, then cut's slots), slots in first-seen order");
    }

    [TestMethod]
    [DynamicData(nameof(TaskCases), DynamicDataDisplayName = nameof(CaseName))]
    public void SavedModelCarriesItsConfigAndLoadsBackIdentical(string name, Func<PipelineConfig> config, Func<TabularData> data)
    {
        TabularData d = data();
        PipelineModel model = Pipeline.FromConfig(config()).WithBlas(Managed).Fit(d);
        string path = Path.Combine(Path.GetTempPath(), "pipeline-" + Guid.NewGuid().ToString("N") + ".mlnm");
        try
        {
            model.Save(path);
            TrainedModel raw = TrainedModel.Load(path);
            Assert.AreEqual(config().ToJson(), raw.TrainingConfigJson, name);

            PipelineModel loaded = PipelineModel.Load(path);
            loaded.Blas = Managed;
            Assert.AreEqual(config(), loaded.Config, name);
            Assert.IsNull(loaded.TrainingResult);
            CollectionAssert.AreEqual(model.ClassNames.ToArray(), loaded.ClassNames.ToArray(), name);
            CollectionAssert.AreEqual(PipelineTestData.Bits(model.Predictor.Model), PipelineTestData.Bits(loaded.Predictor.Model), name);
            CollectionAssert.AreEqual(PipelineTestData.Bits(model.Transform(d), "Score"), PipelineTestData.Bits(loaded.Transform(d), "Score"), name);

            // The file is an ordinary model file: TrainedModel scores a raw CSV row exactly as the pipeline does.
            DataConfig schema = model.Config.Data;
            string[] fields = File.ReadLines(PipelineTestData.PathOf(name.StartsWith("regression", StringComparison.Ordinal) ? "diamonds.csv" : name.StartsWith("binary", StringComparison.Ordinal) ? "breast_cancer.csv" : "wine.csv")).Skip(5).First()
                .Split(',').Select(f => f.Trim('"')).ToArray();
            var row = schema.Columns.Select((c, i) => (c.Name, (string?)fields[i])).Where(f => f.Name != schema.Label).ToDictionary(f => f.Name, f => f.Item2);
            Prediction p = loaded.Predict(row);
            float[] viaTrainedModel = raw.PredictRow(schema.Columns.Where(c => c.Name != schema.Label).Select(c => row[c.Name]!).ToArray(), Managed);
            float[] expected = model.Task switch
            {
                TaskKind.BinaryClassification => new[] { p.Probability!.Value },
                _ => p.Score.ToArray(),
            };
            CollectionAssert.AreEqual(expected.Select(BitConverter.SingleToInt32Bits).ToArray(), viaTrainedModel.Select(BitConverter.SingleToInt32Bits).ToArray(), name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void LoadRejectsAModelFileNotSavedByAPipeline()
    {
        var nm = new NeuralModel(3, new ModelOptions(), 1);
        string path = Path.Combine(Path.GetTempPath(), "plain-" + Guid.NewGuid().ToString("N") + ".mlnm");
        try
        {
            new TrainedModel(nm).Save(path);
            InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => PipelineModel.Load(path));
            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, "was not saved by a pipeline");

            new TrainedModel(nm, trainingConfigJson: "{\"format_version\": 9}").Save(path);
            e = Assert.ThrowsExactly<InvalidDataException>(() => PipelineModel.Load(path));
            StringAssert.Contains(e.Message, "$.format_version: unsupported format version 9; this build reads format version 1");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void LoadRejectsAModelWhoseSchemaDisagreesWithItsConfig()
    {
        PipelineModel model = Pipeline.FromConfig(PipelineTestData.Small("breast_cancer.csv", "diagnosis", mlp: false)).WithBlas(Managed).Fit(Load("breast_cancer.csv", "diagnosis"));
        TrainedModel t = model.ToTrainedModel();
        var tampered = new TrainedModel(t.Model, t.Schema, null, t.TrainingConfigJson);
        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => PipelineModel.FromTrainedModel(tampered));
        StringAssert.Contains(e.Message, "normalize featurizer but the model has no normalizer");
    }

    [TestMethod]
    [DataRow(TaskKind.Regression, DisplayName = "Transform columns: regression adds Score")]
    [DataRow(TaskKind.BinaryClassification, DisplayName = "Transform columns: binary adds Score, Probability, PredictedLabel")]
    [DataRow(TaskKind.MulticlassClassification, DisplayName = "Transform columns: multiclass adds a Score vector and PredictedLabel")]
    public void TransformAddsTheTasksOutputColumns(TaskKind task)
    {
        (PipelineConfig config, TabularData data) = task switch
        {
            TaskKind.Regression => (PipelineTestData.Small("diabetes.csv", "progression", mlp: false), Load("diabetes.csv", "progression")),
            TaskKind.BinaryClassification => (PipelineTestData.Small("breast_cancer.csv", "diagnosis", mlp: false), Load("breast_cancer.csv", "diagnosis")),
            _ => (PipelineTestData.Small("iris.csv", "species", mlp: false), Load("iris.csv", "species")),
        };
        PipelineModel model = Pipeline.FromConfig(config).WithBlas(Managed).Fit(data);
        TabularData t = model.Transform(data);
        string[] added = t.Columns.Select(c => c.Name).Except(data.Columns.Select(c => c.Name)).ToArray();
        var score = (NumericColumn)t["Score"];
        switch (task)
        {
            case TaskKind.Regression:
                CollectionAssert.AreEqual(new[] { "Score" }, added);
                Assert.AreEqual(1, score.Width);
                break;
            case TaskKind.BinaryClassification:
            {
                CollectionAssert.AreEqual(new[] { "Score", "Probability", "PredictedLabel" }, added);
                var p = (NumericColumn)t["Probability"];
                var label = (TextColumn)t["PredictedLabel"];
                CollectionAssert.AreEqual(new[] { "benign", "malignant" }, model.ClassNames.ToArray());
                for (int r = 0; r < t.RowCount; r++)
                {
                    Assert.AreEqual(1 / (1 + Math.Exp(-score[r])), p[r], 1e-6);
                    Assert.AreEqual(score[r] > 0 ? "malignant" : "benign", label[r]);
                }

                break;
            }

            default:
            {
                CollectionAssert.AreEqual(new[] { "Score", "PredictedLabel" }, added);
                CollectionAssert.AreEqual(new[] { "setosa", "versicolor", "virginica" }, score.SlotNames!.ToArray());
                var label = (TextColumn)t["PredictedLabel"];
                for (int r = 0; r < t.RowCount; r++)
                {
                    float[] probabilities = score.GetRow(r).ToArray();
                    Assert.AreEqual(1.0, probabilities.Sum(), 1e-5);
                    Assert.AreEqual(model.ClassNames[Array.IndexOf(probabilities, probabilities.Max())], label[r]);
                }

                break;
            }
        }

        // The data given to Transform is unchanged, and transforming twice replaces the output columns.
        Assert.IsFalse(data.TryGetColumn("Score", out _));
        Assert.AreEqual(t.Columns.Count, model.Predictor.Transform(t).Columns.Count);

        // SaveCsv writes every column (vectors as column[slot]).
        string path = PipelineTestData.TempFile(string.Empty);
        try
        {
            t.SaveCsv(path);
            string header = File.ReadLines(path).First();
            StringAssert.Contains(header, task == TaskKind.MulticlassClassification ? "Score[setosa],Score[versicolor],Score[virginica],PredictedLabel" : "Score");
            Assert.AreEqual(t.RowCount + 1, File.ReadLines(path).Count());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void PredictScoresOneRawRowLikeTransform()
    {
        PipelineModel model = Pipeline.FromConfig(PipelineTestData.DiamondsConfig()).WithBlas(Managed).Fit(PipelineTestData.Diamonds(3000));
        IReadOnlyDictionary<string, string?> row = PipelineTestData.Row(("carat", "0.7"), ("cut", "Ideal"), ("color", "E"), ("clarity", "VS1"), ("depth", "61.5"), ("table", "56"), ("x", "5.7"), ("y", "5.72"), ("z", "3.5"));
        Prediction p = model.Predict(row);
        Assert.AreEqual(TaskKind.Regression, p.Task);
        Assert.IsNull(p.Probability);
        Assert.IsNull(p.PredictedLabel);
        Assert.IsTrue(p.Score[0] > 1000 && p.Score[0] < 6000, $"a 0.7 carat ideal diamond costs a few thousand, predicted {p.Score[0]}");

        TabularData one = TabularData.FromRows(model.Config.Data, new[] { row });
        Assert.AreEqual(((NumericColumn)model.Transform(one)["Score"])[0], p.Score[0]);

        // Missing values are replaced (replace_missing is in this pipeline), an unseen category encodes as zeros.
        var unusual = row.ToDictionary(kv => kv.Key, kv => kv.Value);
        unusual["depth"] = "";
        unusual["cut"] = "Astonishing";
        Assert.IsTrue(float.IsFinite(model.Predict(unusual).Score[0]));
    }

    [TestMethod]
    public void ColumnOrderOfTheDataDoesNotMatter()
    {
        TabularData d = Load("breast_cancer.csv", "diagnosis");
        PipelineModel model = Pipeline.FromConfig(PipelineTestData.Small("breast_cancer.csv", "diagnosis", mlp: true)).WithBlas(Managed).Fit(d);
        var reversed = new TabularData(d.Columns.Reverse(), d.LabelColumn);
        CollectionAssert.AreEqual(PipelineTestData.Bits(model.Transform(d), "Score"), PipelineTestData.Bits(model.Transform(reversed), "Score"));
    }

    [TestMethod]
    public void ReplaceMissingFillsWithTheTrainingMeanAndWithoutItAMissingValueFails()
    {
        string csv = "a,b,c,y\n1,x,10,1.5\n,y,20,2.5\n3,,30,3.5\n5,x,,4.5\n";
        string path = PipelineTestData.TempFile(csv);
        try
        {
            DataConfig schema = DataConfig.InferFromCsv(path, "y");
            CollectionAssert.AreEqual(new[] { ColumnType.Numeric, ColumnType.Text, ColumnType.Numeric, ColumnType.Numeric }, schema.Columns.Select(c => c.Type).ToArray());
            TabularData d = TabularData.LoadCsv(path, schema);
            Assert.IsTrue(float.IsNaN(((NumericColumn)d["a"])[1]));
            Assert.IsNull(((TextColumn)d["b"])[2]);

            var config = new PipelineConfig { Data = schema, Featurizers = { new OneHotConfig() }, Trainer = { Epochs = 1 } };
            ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => Pipeline.FromConfig(config).Fit(d, progress: new FailIfReported()));
            StringAssert.Contains(e.Message, "one_hot: column 'b', row 2: the value is missing; add a replace_missing featurizer");

            config.Featurizers.Clear();
            config.Featurizers.Add(new SelectColumnsConfig("a", "c"));
            e = Assert.ThrowsExactly<ArgumentException>(() => Pipeline.FromConfig(config).Fit(d, progress: new FailIfReported()));
            StringAssert.Contains(e.Message, "column 'a', row 1: the value is missing");

            config.Featurizers.Clear();
            config.Featurizers.AddRange(new FeaturizerConfig[] { new ReplaceMissingConfig(), new OneHotConfig() });
            PipelineModel model = Pipeline.FromConfig(config).WithBlas(Managed).Fit(d);
            var fills = (MissingValueReplacingTransformer)model.Featurizers[0];
            Assert.AreEqual(3.0, fills.FillValues.Single(f => f.Key == "a").Value, "mean of 1, 3, 5");
            Assert.AreEqual(20.0, fills.FillValues.Single(f => f.Key == "c").Value, "mean of 10, 20, 30");
            CollectionAssert.AreEqual(new[] { "x", "y", DatasetSchema.MissingCategory }, ((OneHotEncodingTransformer)model.Featurizers[1]).Encodings[0].Value.ToArray());
            Assert.AreEqual(MissingValuePolicy.Mean, model.ToTrainedModel().Schema!.Imputation);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void DataThatDoesNotMatchTheSchemaFailsBeforeTraining()
    {
        PipelineConfig config = PipelineTestData.Small("breast_cancer.csv", "diagnosis", mlp: false);
        Pipeline pipeline = Pipeline.FromConfig(config);
        TabularData d = Load("breast_cancer.csv", "diagnosis");

        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => pipeline.Fit(new TabularData(d.Columns.Where(c => c.Name != "mean_area")), progress: new FailIfReported()));
        StringAssert.Contains(e.Message, "no column 'mean_area'");
        e = Assert.ThrowsExactly<ArgumentException>(() => pipeline.Fit(new TabularData(d.Columns.Where(c => c.Name != "diagnosis")), progress: new FailIfReported()));
        StringAssert.Contains(e.Message, "no column 'diagnosis' (the label)");
        e = Assert.ThrowsExactly<ArgumentException>(() => pipeline.Fit(d.WithColumn(new NumericColumn("extra", new float[d.RowCount])), progress: new FailIfReported()));
        StringAssert.Contains(e.Message, "a column 'extra' that $.data.columns does not declare");
        e = Assert.ThrowsExactly<ArgumentException>(() => pipeline.Fit(d.WithColumn(new TextColumn("mean_area", new string?[d.RowCount])), progress: new FailIfReported()));
        StringAssert.Contains(e.Message, "'mean_area' is text; $.data.columns declares it \"numeric\"");

        var threeClasses = d.WithColumn(new TextColumn("diagnosis", Enumerable.Range(0, d.RowCount).Select(i => "c" + (i % 3)).ToArray()));
        e = Assert.ThrowsExactly<ArgumentException>(() => pipeline.Fit(threeClasses, progress: new FailIfReported()));
        StringAssert.Contains(e.Message, "exactly 2 distinct values of the label 'diagnosis'; the data has 3 (c0, c1, c2)");

        config.Trainer.EarlyStoppingPatience = 2;
        e = Assert.ThrowsExactly<ArgumentException>(() => Pipeline.FromConfig(config).Fit(d, progress: new FailIfReported()));
        StringAssert.Contains(e.Message, "early_stopping_patience is set but there is no validation data");

        config.Trainer.ValidationFraction = 0.2;
        e = Assert.ThrowsExactly<ArgumentException>(() => Pipeline.FromConfig(config).Fit(d, d, progress: new FailIfReported()));
        StringAssert.Contains(e.Message, "use one or the other");

        // Evaluation needs labels the model knows.
        PipelineModel model = Pipeline.FromConfig(PipelineTestData.Small("breast_cancer.csv", "diagnosis", mlp: false)).WithBlas(Managed).Fit(d);
        e = Assert.ThrowsExactly<ArgumentException>(() => model.Evaluate(threeClasses));
        StringAssert.Contains(e.Message, "'c0' is not one of the 2 classes the model was trained on (benign, malignant)");
    }

    [TestMethod]
    public void CsvThatDoesNotMatchTheSchemaFailsWithFileLineAndColumn()
    {
        DataConfig schema = new() { Label = "y", Task = TaskKind.Regression, Columns = { new("a", ColumnType.Numeric), new("b", ColumnType.Text), new("y", ColumnType.Numeric) } };
        (string Csv, string Fragment, long Line, string? Column)[] cases =
        {
            ("a,b,y\n1,x,2\nz,x,3\n", "'z' is not a number (the column is declared \"numeric\"", 3, "a"),
            ("a,b,y,q\n1,x,2,0\n", "does not declare", 1, "q"),
            ("a,y\n1,2\n", "declared in $.data.columns but not in the header", 1, "b"),
            ("a,b,y\n1,x\n", "expected 3 fields, found 2", 2, null),
            ("a,b,y\n", "header row but no data rows", 0, null),
        };
        foreach ((string csv, string fragment, long line, string? column) in cases)
        {
            string path = PipelineTestData.TempFile(csv);
            try
            {
                CsvFormatException e = Assert.ThrowsExactly<CsvFormatException>(() => TabularData.LoadCsv(path, schema), csv);
                StringAssert.Contains(e.Message, fragment, csv);
                Assert.AreEqual(line, e.LineNumber, csv);
                Assert.AreEqual(column, e.ColumnName, csv);
                Assert.AreEqual(path, e.FilePath, csv);
            }
            finally
            {
                File.Delete(path);
            }
        }

        // Columns are matched by name in any order; the label may be absent (data to predict).
        string ok = PipelineTestData.TempFile("b,a\nx,1\n\"y, z\",2.5\n");
        try
        {
            TabularData d = TabularData.LoadCsv(ok, schema);
            Assert.IsNull(d.LabelColumn);
            CollectionAssert.AreEqual(new[] { "a", "b" }, d.Columns.Select(c => c.Name).ToArray());
            Assert.AreEqual(2.5f, ((NumericColumn)d["a"])[1]);
            Assert.AreEqual("y, z", ((TextColumn)d["b"])[1]);
        }
        finally
        {
            File.Delete(ok);
        }
    }

    [TestMethod]
    public void ChainRulesAreEnforced()
    {
        Pipeline p = new Pipeline(PipelineTestData.DiamondsSchema()).Append(new OneHotEncodingEstimator());
        Assert.ThrowsExactly<InvalidOperationException>(() => p.ToConfig());
        Assert.ThrowsExactly<InvalidOperationException>(() => p.Fit(PipelineTestData.Diamonds(10)));
        Pipeline full = p.Append(new NeuralTrainerEstimator(new TrainerConfig()));
        Assert.ThrowsExactly<InvalidOperationException>(() => full.Append(new NormalizingEstimator()));
        Assert.ThrowsExactly<InvalidOperationException>(() => full.Append(new NeuralTrainerEstimator(new TrainerConfig())));

        // A code-built chain that does not fit its schema fails with the config path.
        PipelineConfigException e = Assert.ThrowsExactly<PipelineConfigException>(() =>
            new Pipeline(PipelineTestData.DiamondsSchema()).Append(new NormalizingEstimator()).Append(new OneHotEncodingEstimator()).Append(new NeuralTrainerEstimator(new TrainerConfig())).ToConfig());
        Assert.AreEqual("$.featurizers[1].type", e.JsonPath);
        e = Assert.ThrowsExactly<PipelineConfigException>(() => new Pipeline(new DataConfig { Label = "y" }));
        Assert.AreEqual("$.data.columns", e.JsonPath);
    }

    [TestMethod]
    public void ValidationSplitFeedsEarlyStoppingAndProgress()
    {
        PipelineConfig c = PipelineTestData.Small("wine.csv", "cultivar", mlp: true);
        c.Trainer.Epochs = 40;
        c.Trainer.ValidationFraction = 0.25;
        c.Trainer.EarlyStoppingPatience = 1;
        c.Trainer.MinDelta = 10;
        var reports = new List<TrainingProgress>();
        PipelineModel m = Pipeline.FromConfig(c).WithBlas(Managed).Fit(Load("wine.csv", "cultivar"), progress: new SyncProgress(reports));
        TrainingResult r = m.TrainingResult!;
        Assert.IsTrue(r.StoppedEarly, "no epoch improves the loss by 10");
        Assert.AreEqual(2, r.History.Count);
        Assert.IsTrue(r.History.All(h => double.IsFinite(h.ValidationLoss) && double.IsFinite(h.ValidationQuality)));
        Assert.AreEqual(2, reports.Count(p => p.EpochEnd));

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsExactly<OperationCanceledException>(() => Pipeline.FromConfig(c).WithBlas(Managed).Fit(Load("wine.csv", "cultivar"), cancellationToken: cts.Token));
    }

    [TestMethod]
    public void SplitValidationAndClassNamesAreWhatFitUses()
    {
        PipelineConfig c = PipelineTestData.Small("wine.csv", "cultivar", mlp: true);
        c.Trainer.Epochs = 6;
        c.Trainer.ValidationFraction = 0.25;
        c.Trainer.EarlyStoppingPatience = 2;
        TabularData data = Load("wine.csv", "cultivar");
        Pipeline pipeline = Pipeline.FromConfig(c).WithBlas(Managed);
        (TabularData training, TabularData? validation) = pipeline.SplitValidation(data);
        Assert.IsNotNull(validation);
        Assert.AreEqual(data.RowCount, training.RowCount + validation.RowCount);
        Assert.AreEqual((int)Math.Round(data.RowCount * 0.25, MidpointRounding.AwayFromZero), validation.RowCount);

        // Fitting with the validation fraction is fitting on the split's training rows with its validation rows passed in.
        PipelineModel fitted = pipeline.Fit(data);
        PipelineConfig noFraction = c.Clone();
        noFraction.Trainer.ValidationFraction = 0;
        PipelineModel explicitSplit = Pipeline.FromConfig(noFraction).WithBlas(Managed).Fit(training, validation);
        CollectionAssert.AreEqual(PipelineTestData.Bits(fitted.Transform(data), "Score"), PipelineTestData.Bits(explicitSplit.Transform(data), "Score"));
        Assert.AreEqual(fitted.TrainingResult!.BestEpoch, explicitSplit.TrainingResult!.BestEpoch);

        // Another seed holds out other rows.
        PipelineConfig reseeded = c.Clone();
        reseeded.Seed++;
        (TabularData _, TabularData? otherValidation) = Pipeline.FromConfig(reseeded).SplitValidation(data);
        CollectionAssert.AreNotEqual(((NumericColumn)validation["alcohol"]).Values.ToArray(), ((NumericColumn)otherValidation!["alcohol"]).Values.ToArray());

        // Without a validation fraction: every row, no validation rows.
        (TabularData all, TabularData? none) = Pipeline.FromConfig(noFraction).SplitValidation(data);
        Assert.AreEqual(data.RowCount, all.RowCount);
        Assert.IsNull(none);

        CollectionAssert.AreEqual(fitted.ClassNames.ToArray(), pipeline.ClassNames(data).ToArray());
        CollectionAssert.AreEqual(new[] { "class_0", "class_1", "class_2" }, pipeline.ClassNames(data).ToArray(), "text classes in ordinal order");
        Assert.AreEqual(0, Pipeline.FromConfig(PipelineTestData.Small("diabetes.csv", "progression", mlp: false)).ClassNames(Load("diabetes.csv", "progression")).Count, "regression has no classes");
        Assert.ThrowsExactly<ArgumentException>(() => pipeline.SplitValidation(data.SelectRows(new[] { 0 })), "one row cannot be split");
    }

    [TestMethod]
    public void InferenceSkipsMissingValueTokensAndNamesASingleLabelValue()
    {
        string path = PipelineTestData.TempFile("a,b,t,y\n1,NA,u,0.5\n2,3,v,1.5\nNA,4,NA,2.5\n");
        string single = PipelineTestData.TempFile("a,y\n1,cat\n2,cat\n");
        try
        {
            DataConfig plain = DataConfig.InferFromCsv(path, "y");
            CollectionAssert.AreEqual(new[] { ColumnType.Text, ColumnType.Text, ColumnType.Text, ColumnType.Numeric }, plain.Columns.Select(c => c.Type).ToArray(), "NA is text without tokens");
            Assert.AreEqual(0, plain.MissingValueTokens.Count);

            DataConfig withTokens = DataConfig.InferFromCsv(path, "y", missingValueTokens: new[] { " NA " });
            CollectionAssert.AreEqual(new[] { ColumnType.Numeric, ColumnType.Numeric, ColumnType.Text, ColumnType.Numeric }, withTokens.Columns.Select(c => c.Type).ToArray(), "NA is skipped when typing");
            CollectionAssert.AreEqual(new[] { " NA " }, withTokens.MissingValueTokens);
            Assert.IsNull(withTokens.Path);
            TabularData d = TabularData.LoadCsv(path, withTokens);
            Assert.IsTrue(float.IsNaN(((NumericColumn)d["b"])[0]));
            Assert.IsNull(((TextColumn)d["t"])[2]);

            CsvFormatException label = Assert.ThrowsExactly<CsvFormatException>(() => DataConfig.InferFromCsv(path, "a", TaskKind.Regression, missingValueTokens: new[] { "NA" }));
            StringAssert.Contains(label.Message, "the label is missing");
            Assert.ThrowsExactly<ArgumentException>(() => DataConfig.InferFromCsv(path, "y", missingValueTokens: new string[] { null! }));

            CsvFormatException one = Assert.ThrowsExactly<CsvFormatException>(() => DataConfig.InferFromCsv(single, "y"));
            StringAssert.Contains(one.Message, "the label has a single value 'cat'");
        }
        finally
        {
            File.Delete(path);
            File.Delete(single);
        }
    }

    private static TabularData Load(string file, string label) => TabularData.LoadCsv(PipelineTestData.PathOf(file), PipelineTestData.Infer(file, label));

    private sealed class FailIfReported : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => Assert.Fail("training started although the input was invalid");
    }

    private sealed class SyncProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }
}
