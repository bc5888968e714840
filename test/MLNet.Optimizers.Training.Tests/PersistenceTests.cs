using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Persistence;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>TrainedModel: save/load round trips on real data sets, atomic saves, and every kind of damaged file.</summary>
[TestClass]
public sealed class PersistenceTests
{
    private const int HeaderSize = 20;
    private const int TestRows = 300;

    private static readonly BlasProvider Blas = new ManagedBlasProvider();
    private static readonly Dictionary<string, Lazy<CsvDataset>> Datasets = new()
    {
        ["diamonds.csv"] = new(() => CsvLoader.Load(DataTestUtil.DataFile("diamonds.csv"), new CsvOptions { LabelColumn = "price" })),
        ["breast_cancer.csv"] = new(() => CsvLoader.Load(DataTestUtil.DataFile("breast_cancer.csv"), new CsvOptions { LabelColumn = "diagnosis" })),
        ["LetterRecognition.csv"] = new(() => CsvLoader.Load(DataTestUtil.DataFile("LetterRecognition.csv"), new CsvOptions { LabelColumn = "lettr" })),
    };

    private static readonly Lazy<(TrainedModel Model, string[][] Rows)> Small = new(BuildSmall);

    // ---------------------------------------------------------------- round trips

    [TestMethod]
    [DataRow("diamonds.csv", TaskKind.Regression, "", "minmax", DisplayName = "diamonds regression, linear, min-max")]
    [DataRow("diamonds.csv", TaskKind.Regression, "16,8", "meanvar", DisplayName = "diamonds regression, MLP (GELU, Huber, dropout), mean-variance")]
    [DataRow("breast_cancer.csv", TaskKind.BinaryClassification, "", "meanvar", DisplayName = "breast_cancer binary, linear, mean-variance")]
    [DataRow("breast_cancer.csv", TaskKind.BinaryClassification, "12", "minmax", DisplayName = "breast_cancer binary, MLP (tanh), min-max")]
    [DataRow("LetterRecognition.csv", TaskKind.MulticlassClassification, "", "minmax", DisplayName = "LetterRecognition multiclass, linear, min-max")]
    [DataRow("LetterRecognition.csv", TaskKind.MulticlassClassification, "32,16", "meanvar", DisplayName = "LetterRecognition multiclass, MLP (sigmoid), mean-variance")]
    public void RoundTripIsBitExact(string file, TaskKind task, string hidden, string normalizerKind)
    {
        CsvDataset ds = Datasets[file].Value;
        Assert.AreEqual(task, ds.Schema.Task);
        int[] layers = hidden.Length == 0 ? Array.Empty<int>() : hidden.Split(',').Select(int.Parse).ToArray();
        var options = new ModelOptions
        {
            Task = task,
            ClassCount = task == TaskKind.MulticlassClassification ? ds.Schema.ClassCount : 5, // ignored but kept
            HiddenLayers = layers,
            Activation = task switch { TaskKind.Regression => Activation.Gelu, TaskKind.BinaryClassification => Activation.Tanh, _ => Activation.Sigmoid },
            Dropout = layers.Length > 0 ? 0.25 : 0,
            Initializer = layers.Length > 0 ? WeightInitializer.HeNormal : WeightInitializer.GlorotUniform,
            RegressionLoss = layers.Length > 0 ? RegressionLoss.Huber : RegressionLoss.Squared,
            HuberDelta = 0.75,
        };
        var model = new NeuralModel(ds.Table.FeatureCount, options, seed: 17);
        RandomizeBiases(model, 3);
        AffineNormalizer normalizer = normalizerKind == "minmax" ? MinMaxNormalizer.Fit(ds.Table, fixZero: false) : MeanVarianceNormalizer.Fit(ds.Table);
        string config = "{\"data\":\"" + file + "\",\"note\":\"ünïcödé ✓ 🚀\"}";
        var original = new TrainedModel(model, ds.Schema, normalizer, config);

        using var dir = new DataTempDir();
        string path = Path.Combine(dir.Path, "model.mlnm");
        original.Save(path);
        TrainedModel loaded = TrainedModel.Load(path);

        string[][] raw = RawRows(file, TestRows);
        float[] features = ds.Table.Features.AsSpan(0, TestRows * ds.Table.FeatureCount).ToArray();
        AssertSameModel(original, loaded, features, TestRows, raw);

        // The loaded schema featurizes the raw CSV rows exactly like the training table.
        for (int r = 0; r < TestRows; r++)
        {
            CollectionAssert.AreEqual(Bits(ds.Table.Row(r)), Bits(loaded.Schema!.EncodeRow(raw[r])), $"row {r}");
        }

        // The file is the stream format, and saving is deterministic.
        CollectionAssert.AreEqual(File.ReadAllBytes(path), SaveToBytes(original));
        CollectionAssert.AreEqual(SaveToBytes(original), SaveToBytes(loaded));
        Assert.AreEqual(TrainedModel.FormatVersion, BinaryPrimitives.ReadInt32LittleEndian(File.ReadAllBytes(path).AsSpan(8)));
        Assert.AreEqual(TrainedModel.FileMagic, Encoding.ASCII.GetString(File.ReadAllBytes(path), 0, 8));
        Assert.HasCount(1, Directory.GetFiles(dir.Path));
    }

    [TestMethod]
    public void RoundTripAfterTrainingAndThroughStreams()
    {
        CsvDataset ds = Datasets["breast_cancer.csv"].Value;
        AffineNormalizer normalizer = MeanVarianceNormalizer.Fit(ds.Table);
        var model = new NeuralModel(ds.Table.FeatureCount, new ModelOptions { Task = TaskKind.BinaryClassification, HiddenLayers = new[] { 8 } }, seed: 2);
        Trainer.Fit(model, new Sgd(0.05), new InMemoryBatchSource(ds.Table, 32, true, 1, normalizer), null, new TrainerOptions { Epochs = 2, Blas = Blas });
        var original = new TrainedModel(model, ds.Schema, normalizer, "{\"epochs\":2}");

        // Two models back to back in one stream: Load(Stream) stops right after each.
        var other = new TrainedModel(new NeuralModel(3, new ModelOptions(), seed: 9));
        using var ms = new MemoryStream();
        original.Save(ms);
        long firstLength = ms.Length;
        other.Save(ms);
        ms.Position = 0;
        TrainedModel a = TrainedModel.Load(ms);
        Assert.AreEqual(firstLength, ms.Position);
        TrainedModel b = TrainedModel.Load(ms);
        Assert.AreEqual(ms.Length, ms.Position);

        string[][] raw = RawRows("breast_cancer.csv", TestRows);
        AssertSameModel(original, a, ds.Table.Features.AsSpan(0, TestRows * ds.Table.FeatureCount).ToArray(), TestRows, raw);
        Assert.IsNull(b.Schema);
        Assert.IsNull(b.Normalizer);
        Assert.IsNull(b.TrainingConfigJson);
        AssertSameParameters(other.Model, b.Model);

        // Trained weights predict better than chance, before and after the round trip.
        var p = new float[ds.Table.RowCount];
        a.Predict(ds.Table.Features, ds.Table.RowCount, p, Blas);
        int correct = Enumerable.Range(0, p.Length).Count(i => (p[i] > 0.5f ? 1f : 0f) == ds.Table.Labels[i]);
        Assert.IsGreaterThan(0.85, correct / (double)p.Length);
    }

    [TestMethod]
    public void SchemaWithImputationWeightTokensAndIgnoredColumnsRoundTrips()
    {
        (TrainedModel original, string[][] rows) = Small.Value;
        DatasetSchema s = original.Schema!;
        Assert.AreEqual(MissingValuePolicy.Mean, s.Imputation);
        Assert.AreEqual("w", s.WeightColumn);
        Assert.AreEqual(2, s.MissingValueTokens.Count);
        Assert.IsTrue(s.Columns.Any(c => c.FillValue != 0));

        TrainedModel loaded = TrainedModel.Load(new MemoryStream(SaveToBytes(original)));
        var features = new float[rows.Length * original.InputCount];
        for (int r = 0; r < rows.Length; r++)
        {
            s.EncodeRow(rows[r], features.AsSpan(r * original.InputCount));
        }

        AssertSameModel(original, loaded, features, rows.Length, rows);

        // Missing values (empty, tokens), unknown categories and label-less rows featurize identically.
        string[][] extra =
        {
            new[] { "9", "", "NA", "1", "2", "?" },
            new[] { "9", "1.5", "zz", "1", "3", "-2" },
            new[] { "9", " ? ", "aa", "0.5", "1", "" },
            new[] { "9", "4", "bb", "2", "7" },
        };
        foreach (string[] row in extra)
        {
            CollectionAssert.AreEqual(Bits(s.EncodeRow(row)), Bits(loaded.Schema!.EncodeRow(row)), string.Join(",", row));
            CollectionAssert.AreEqual(Bits(original.PredictRow(row, Blas)), Bits(loaded.PredictRow(row, Blas)));
        }

        foreach (string c in s.ClassNames)
        {
            Assert.AreEqual(s.EncodeLabel(c), loaded.Schema!.EncodeLabel(c));
        }
    }

    [TestMethod]
    public void BareModelRoundTripsAndPredictsWithoutNormalizer()
    {
        var model = new NeuralModel(4, new ModelOptions { Task = TaskKind.MulticlassClassification, ClassCount = 3, HiddenLayers = new[] { 5 } }, seed: 1);
        RandomizeBiases(model, 1);
        var tm = new TrainedModel(model);
        TrainedModel loaded = TrainedModel.Load(new MemoryStream(SaveToBytes(tm)));
        Assert.IsNull(loaded.Schema);
        Assert.IsNull(loaded.Normalizer);
        Assert.IsNull(loaded.TrainingConfigJson);
        AssertSameParameters(model, loaded.Model);

        var x = new float[40];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i * 0.37f) - 3;
        }

        var expected = new float[30];
        model.Predict(Blas, x, 10, expected);
        var actual = new float[30];
        loaded.Predict(x, 10, actual, Blas);
        CollectionAssert.AreEqual(Bits(expected), Bits(actual));
        loaded.Predict(x, 0, Span<float>.Empty, Blas);
        Assert.ThrowsExactly<InvalidOperationException>(() => loaded.PredictRow(new[] { "1", "2", "3", "4" }));

        // An empty config string is not a missing one.
        Assert.AreEqual(string.Empty, TrainedModel.Load(new MemoryStream(SaveToBytes(new TrainedModel(model, null, null, string.Empty)))).TrainingConfigJson);
    }

    [TestMethod]
    public void PredictNormalizesACopyInChunks()
    {
        (TrainedModel tm, string[][] rows) = Small.Value;
        int f = tm.InputCount, k = tm.OutputCount;
        const int n = 700; // several 256-row chunks
        var x = new float[n * f];
        var rng = new Random(5);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 6) - 3);
        }

        float[] before = (float[])x.Clone();
        var output = new float[n * k];
        tm.Predict(x, n, output, Blas);
        CollectionAssert.AreEqual(Bits(before), Bits(x), "the caller's features are not modified");

        float[] normalized = (float[])x.Clone();
        tm.Normalizer!.Transform(normalized, f);
        var expected = new float[n * k];
        tm.Model.Predict(Blas, normalized, n, expected);
        CollectionAssert.AreEqual(Bits(expected), Bits(output));

        // PredictRow = encode, normalize, predict (one row; compared with tolerance since batch SGEMM may sum differently).
        float[] enc = tm.Schema!.EncodeRow(rows[0]);
        var one = new float[k];
        tm.Predict(enc, 1, one, Blas);
        CollectionAssert.AreEqual(Bits(one), Bits(tm.PredictRow(rows[0], Blas)));
        Assert.AreEqual(1.0, tm.PredictRow(rows[1], Blas).Sum(), 1e-5);

        Assert.ThrowsExactly<ArgumentException>(() => tm.Predict(x.AsSpan(0, f), 2, output, Blas));
        Assert.ThrowsExactly<ArgumentException>(() => tm.Predict(x, 2, output.AsSpan(0, k), Blas));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => tm.Predict(x, -1, output, Blas));
    }

    [TestMethod]
    public void ConstructorChecksThatSchemaAndNormalizerFitTheModel()
    {
        (TrainedModel tm, _) = Small.Value;
        int f = tm.InputCount;
        var smaller = new NeuralModel(f - 1, tm.Model.Options, seed: 0);
        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => new TrainedModel(smaller, tm.Schema));
        Assert.AreEqual("schema", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentException>(() => new TrainedModel(smaller, null, tm.Normalizer));
        Assert.AreEqual("normalizer", e.ParamName);
        var regression = new NeuralModel(f, new ModelOptions { Task = TaskKind.Regression }, seed: 0);
        e = Assert.ThrowsExactly<ArgumentException>(() => new TrainedModel(regression, tm.Schema));
        Assert.AreEqual("schema", e.ParamName);
        var fourClasses = new NeuralModel(f, new ModelOptions { Task = TaskKind.MulticlassClassification, ClassCount = 4 }, seed: 0);
        e = Assert.ThrowsExactly<ArgumentException>(() => new TrainedModel(fourClasses, tm.Schema));
        Assert.AreEqual("schema", e.ParamName);
        Assert.ThrowsExactly<ArgumentNullException>(() => new TrainedModel(null!));
        Assert.AreEqual(f, new TrainedModel(regression, null, tm.Normalizer).InputCount);
    }

    // ---------------------------------------------------------------- atomic saves

    [TestMethod]
    public void SaveOverAnExistingFileReplacesItAndLeavesNoTempFile()
    {
        (TrainedModel tm, _) = Small.Value;
        var other = new TrainedModel(new NeuralModel(tm.InputCount, new ModelOptions(), seed: 4));
        using var dir = new DataTempDir();
        string path = Path.Combine(dir.Path, "m.mlnm");
        other.Save(path);
        tm.Save(path);
        CollectionAssert.AreEqual(SaveToBytes(tm), File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir.Path));
        other.Save(path);
        CollectionAssert.AreEqual(SaveToBytes(other), File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir.Path));
    }

    [TestMethod]
    public void FailedSaveLeavesTheExistingFileIntact()
    {
        (TrainedModel tm, _) = Small.Value;
        using var dir = new DataTempDir();
        string path = Path.Combine(dir.Path, "m.mlnm");
        tm.Save(path);
        byte[] good = File.ReadAllBytes(path);

        // The folder does not exist.
        string missingDir = Path.Combine(dir.Path, "absent", "m.mlnm");
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => tm.Save(missingDir));
        Assert.IsFalse(Directory.Exists(Path.Combine(dir.Path, "absent")));

        // The write fails halfway (disk full): the temporary file goes, the old file stays.
        IOException io = Assert.ThrowsExactly<IOException>(() => TrainedModel.SaveAtomic(path, s =>
        {
            s.Write(good, 0, good.Length / 2);
            throw new IOException("disk full");
        }));
        Assert.AreEqual("disk full", io.Message);
        CollectionAssert.AreEqual(good, File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir.Path));

        // A model that cannot be loaded back (a NaN weight) is refused before anything is written.
        var broken = new NeuralModel(tm.InputCount, tm.Model.Options, seed: 3);
        broken.Parameters[2].Value.Span[1] = float.NaN;
        var brokenModel = new TrainedModel(broken, tm.Schema, tm.Normalizer);
        InvalidOperationException nan = Assert.ThrowsExactly<InvalidOperationException>(() => brokenModel.Save(path));
        Assert.Contains("dense_1/kernel", nan.Message);
        CollectionAssert.AreEqual(good, File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir.Path));
        using var untouched = new MemoryStream();
        Assert.ThrowsExactly<InvalidOperationException>(() => brokenModel.Save(untouched));
        Assert.AreEqual(0, untouched.Length);

        // A stream that fails on Write: the error surfaces.
        Assert.ThrowsExactly<IOException>(() => tm.Save(new FailingStream(100)));
        Assert.AreEqual(tm.Model.Parameters.Count, TrainedModel.Load(path).Model.Parameters.Count);
    }

    // ---------------------------------------------------------------- damaged files

    [TestMethod]
    public void TruncatedFilesFailNamingTheField()
    {
        byte[] bytes = SaveToBytes(Small.Value.Model);
        int payloadLength = bytes.Length - HeaderSize - 4;
        using var dir = new DataTempDir();
        string path = Path.Combine(dir.Path, "t.mlnm");
        for (int len = 0; len < bytes.Length; len++)
        {
            string headerField = len < 8 ? "magic" : len < 12 ? "version" : "payload_length";
            AssertInvalid(() => TrainedModel.Load(new MemoryStream(bytes, 0, len)), "model stream", headerField);

            // Without Length, the payload and the CRC are found missing as they are read.
            string streamingField = len < 20 ? headerField : len < HeaderSize + payloadLength ? "payload" : "crc32";
            AssertInvalid(() => TrainedModel.Load(new ForwardOnlyStream(bytes.AsSpan(0, len).ToArray())), "model stream", streamingField);
            if (len % 41 == 0 || len > bytes.Length - 6)
            {
                File.WriteAllBytes(path, bytes.AsSpan(0, len).ToArray());
                AssertInvalid(() => TrainedModel.Load(path), $"model file '{path}'", headerField);
            }
        }

        // The whole file through a forward-only stream loads.
        Assert.AreEqual(Small.Value.Model.InputCount, TrainedModel.Load(new ForwardOnlyStream(bytes)).InputCount);
    }

    [TestMethod]
    public void EveryFlippedPayloadOrCrcByteFailsTheCrc()
    {
        byte[] bytes = SaveToBytes(Small.Value.Model);
        for (int i = HeaderSize; i < bytes.Length; i++)
        {
            byte[] copy = (byte[])bytes.Clone();
            copy[i] ^= (byte)(1 << (i % 8));
            InvalidDataException e = AssertInvalid(() => TrainedModel.Load(new MemoryStream(copy)), "model stream", "crc32");
            Assert.Contains("corrupted", e.Message);
        }
    }

    [TestMethod]
    public void WrongMagicVersionLengthOrTrailingBytesFail()
    {
        byte[] bytes = SaveToBytes(Small.Value.Model);
        byte[] copy = (byte[])bytes.Clone();
        Encoding.ASCII.GetBytes("MLNOPTCK").CopyTo(copy, 0);
        InvalidDataException e = AssertInvalid(() => TrainedModel.Load(new MemoryStream(copy)), "model stream", "magic");
        Assert.Contains("expected 'MLNMODEL', got 'MLNOPTCK' (not a model file)", e.Message);

        foreach (int version in new[] { 0, -1, 2, 1000 })
        {
            copy = (byte[])bytes.Clone();
            BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(8), version);
            e = AssertInvalid(() => TrainedModel.Load(new MemoryStream(copy)), "model stream", "version");
            Assert.Contains($"versions 1..1, the file has version {version}", e.Message);
        }

        foreach (long length in new[] { -1L, long.MaxValue, bytes.Length - HeaderSize - 3 })
        {
            copy = (byte[])bytes.Clone();
            BinaryPrimitives.WriteInt64LittleEndian(copy.AsSpan(12), length);
            AssertInvalid(() => TrainedModel.Load(new MemoryStream(copy)), "model stream", "payload_length");
        }

        using var dir = new DataTempDir();
        string path = dir.WriteBytes("x.mlnm", bytes.Concat(new byte[] { 0 }).ToArray());
        e = AssertInvalid(() => TrainedModel.Load(path), $"model file '{path}'", "file_length");
        Assert.Contains("1 unexpected bytes after the CRC", e.Message);
        Assert.ThrowsExactly<FileNotFoundException>(() => TrainedModel.Load(Path.Combine(dir.Path, "absent.mlnm")));
    }

    [TestMethod]
    [DataRow("input_count", "i32", 0.0, "input_count", "out of range")]
    [DataRow("input_count", "i32", 6.0, "parameters[0].shape[0]", "out of range [6, 6]")]
    [DataRow("task", "i32", 3.0, "task", "is not a valid TaskKind")]
    [DataRow("task", "i32", -1.0, "task", "is not a valid TaskKind")]
    [DataRow("task", "i32", 0.0, "layers[2].width", "output layer has width 3")]
    [DataRow("class_count", "i32", 1.0, "class_count", "out of range [2,")]
    [DataRow("class_count", "i32", 4.0, "layers[2].width", "has 4 outputs")]
    [DataRow("layer_count", "i32", 0.0, "layer_count", "out of range [1, 65536]")]
    [DataRow("layer_count", "i32", -1.0, "layer_count", "out of range")]
    [DataRow("layer_count", "i32", 70000.0, "layer_count", "out of range")]
    [DataRow("layers[0].width", "i32", 0.0, "layers[0].width", "0 is out of range [1,")]
    [DataRow("layers[1].width", "i32", -5.0, "layers[1].width", "-5 is out of range")]
    [DataRow("layers[2].width", "i32", 4.0, "layers[2].width", "output layer")]
    [DataRow("activation", "i32", 4.0, "activation", "is not a valid Activation")]
    [DataRow("dropout", "f64", 1.0, "dropout", "not in [0, 1)")]
    [DataRow("dropout", "f64", -0.1, "dropout", "not in [0, 1)")]
    [DataRow("dropout", "f64", double.NaN, "dropout", "NaN is not in [0, 1)")]
    [DataRow("initializer", "i32", 3.0, "initializer", "is not a valid WeightInitializer")]
    [DataRow("regression_loss", "i32", -2.0, "regression_loss", "is not a valid RegressionLoss")]
    [DataRow("huber_delta", "f64", 0.0, "huber_delta", "not a finite number > 0")]
    [DataRow("huber_delta", "f64", double.PositiveInfinity, "huber_delta", "not a finite number > 0")]
    [DataRow("huber_delta", "f64", double.NaN, "huber_delta", "not a finite number > 0")]
    [DataRow("parameter_count", "i32", 5.0, "parameter_count", "out of range [6, 6]")]
    [DataRow("parameters[0].name", "i32", 0.0, "parameters[0].name", "expected 'dense/kernel', got ''")]
    [DataRow("parameters[0].name", "i32", -1.0, "parameters[0].name", "string length -1 is out of range")]
    [DataRow("parameters[1].rank", "i32", 2.0, "parameters[1].rank", "out of range [1, 1]")]
    [DataRow("parameters[0].shape[1]", "i32", 4.0, "parameters[0].shape[1]", "out of range [3, 3]")]
    [DataRow("parameters[2].shape[0]", "i32", 0.0, "parameters[2].shape[0]", "out of range")]
    [DataRow("parameters[3].length", "i32", -1.0, "parameters[3].length", "-1 values declared")]
    [DataRow("parameters[0].length", "i32", 2147483647.0, "parameters[0].length", "values declared")]
    [DataRow("schema.present", "u8", 2.0, "schema.present", "2 is not a boolean")]
    [DataRow("schema.source_column_count", "i32", 0.0, "schema.source_column_count", "out of range")]
    [DataRow("schema.source_column_count", "i32", -1.0, "schema.source_column_count", "out of range")]
    [DataRow("schema.source_columns[3]", "i32", 1000000.0, "schema.source_columns[3]", "string length 1000000 exceeds")]
    [DataRow("schema.label_index", "i32", 6.0, "schema.label_index", "out of range [0, 5]")]
    [DataRow("schema.weight_index", "i32", -2.0, "schema.weight_index", "out of range [-1, 5]")]
    [DataRow("schema.weight_index", "i32", 4.0, "schema.weight_index", "the label column's index")]
    [DataRow("schema.task", "i32", 1.0, "schema.task", "differs from the model's MulticlassClassification")]
    [DataRow("schema.imputation", "i32", 3.0, "schema.imputation", "is not a valid MissingValuePolicy")]
    [DataRow("schema.missing_token_count", "i32", -1.0, "schema.missing_token_count", "out of range")]
    [DataRow("schema.class_count", "i32", 2.0, "schema.class_count", "out of range [3, 3]")]
    [DataRow("schema.column_count", "i32", 0.0, "schema.column_count", "out of range [1, 6]")]
    [DataRow("schema.column_count", "i32", 7.0, "schema.column_count", "out of range [1, 6]")]
    [DataRow("schema.columns[0].source_index", "i32", 4.0, "schema.columns[0].source_index", "is the label, the weight")]
    [DataRow("schema.columns[1].source_index", "i32", 1.0, "schema.columns[1].source_index", "another feature column")]
    [DataRow("schema.columns[1].source_index", "i32", 6.0, "schema.columns[1].source_index", "out of range [0, 5]")]
    [DataRow("schema.columns[1].kind", "i32", 2.0, "schema.columns[1].kind", "is not a valid ColumnKind")]
    [DataRow("schema.columns[1].kind", "i32", 0.0, "schema.columns[1].category_count", "out of range [0, 0]")]
    [DataRow("schema.columns[0].kind", "i32", 1.0, "schema.columns[0].category_count", "0 is out of range [1,")]
    [DataRow("schema.columns[0].feature_offset", "i32", 1.0, "schema.columns[0].feature_offset", "out of range [0, 0]")]
    [DataRow("schema.columns[2].feature_offset", "i32", 2.0, "schema.columns[2].feature_offset", "out of range [4, 4]")]
    [DataRow("schema.columns[1].category_count", "i32", 0.0, "schema.columns[1].category_count", "out of range [1,")]
    [DataRow("schema.columns[1].category_count", "i32", -1.0, "schema.columns[1].category_count", "out of range [1,")]
    [DataRow("schema.columns[0].fill_value", "f64", double.NaN, "schema.columns[0].fill_value", "NaN is not finite")]
    [DataRow("schema.columns[2].fill_value", "f64", double.NegativeInfinity, "schema.columns[2].fill_value", "is not finite")]
    [DataRow("normalizer.present", "u8", 7.0, "normalizer.present", "7 is not a boolean")]
    [DataRow("normalizer.feature_count", "i32", 2.0, "normalizer.feature_count", "out of range [5, 5]")]
    [DataRow("training_config.present", "u8", 2.0, "training_config.present", "not a boolean")]
    [DataRow("training_config", "i32", -1.0, "training_config", "string length -1 is out of range")]
    [DataRow("training_config", "i32", 1073741824.0, "training_config", "string length 1073741824 exceeds")]
    public void CorruptedFieldWithValidCrcFailsNamingTheField(string field, string type, double value, string expectedField, string detail)
    {
        TrainedModel tm = Small.Value.Model;
        ModelFieldLocation loc = Locate(tm, field);
        byte[] bytes = PatchPayload(SaveToBytes(tm), p =>
        {
            Span<byte> at = p.AsSpan(loc.Offset);
            switch (type)
            {
                case "i32":
                    BinaryPrimitives.WriteInt32LittleEndian(at, checked((int)value));
                    break;
                case "f64":
                    BinaryPrimitives.WriteDoubleLittleEndian(at, value);
                    break;
                default:
                    at[0] = checked((byte)value);
                    break;
            }

            return p;
        });
        InvalidDataException e = AssertInvalid(() => TrainedModel.Load(new MemoryStream(bytes)), "model stream", expectedField);
        Assert.Contains(detail, e.Message);
    }

    [TestMethod]
    public void CorruptedValuesAndStringsWithValidCrcFailNamingTheField()
    {
        TrainedModel tm = Small.Value.Model;
        byte[] good = SaveToBytes(tm);

        void Expect(Func<byte[], byte[]> edit, string field, string detail)
        {
            InvalidDataException e = AssertInvalid(() => TrainedModel.Load(new MemoryStream(PatchPayload(good, edit))), "model stream", field);
            Assert.Contains(detail, e.Message);
        }

        byte[] SetFloat(byte[] p, string f, int index, float v)
        {
            BinaryPrimitives.WriteSingleLittleEndian(p.AsSpan(Locate(tm, f).Offset + (4 * index)), v);
            return p;
        }

        byte[] SetText(byte[] p, string f, string text)
        {
            ModelFieldLocation loc = Locate(tm, f);
            byte[] t = Encoding.UTF8.GetBytes(text);
            Assert.AreEqual(loc.Size - 4, t.Length, "same-length replacement");
            t.CopyTo(p, loc.Offset + 4);
            return p;
        }

        byte[] SetByte(byte[] p, string f, int index, byte b)
        {
            p[Locate(tm, f).Offset + 4 + index] = b;
            return p;
        }

        Expect(p => SetFloat(p, "parameters[0].values", 2, float.NaN), "parameters[0].values", "value 2 is NaN (not finite)");
        Expect(p => SetFloat(p, "parameters[5].values", 0, float.PositiveInfinity), "parameters[5].values", "not finite");
        Expect(p => SetFloat(p, "normalizer.offsets", 1, float.NaN), "normalizer.offsets", "value 1 is NaN");
        Expect(p => SetFloat(p, "normalizer.scales", 4, float.NegativeInfinity), "normalizer.scales", "value 4 is");
        Expect(p => SetText(p, "parameters[2].name", "dense_1/kernal"), "parameters[2].name", "expected 'dense_1/kernel', got 'dense_1/kernal'");
        Expect(p => SetText(p, "parameters[3].name", "dense_2/bias"), "parameters[3].name", "expected 'dense_1/bias'");
        Expect(p => SetText(p, "schema.source_columns[5]", "x1"), "schema.source_columns[5]", "'x1' repeats");
        Expect(p => SetText(p, "schema.class_names[2]", "1"), "schema.class_names[2]", "'1' repeats");
        Expect(p => SetText(p, "schema.columns[1].categories[1]", "aa"), "schema.columns[1].categories[1]", "'aa' repeats");
        Expect(p => SetByte(p, "training_config", 3, 0xFF), "training_config", "not valid UTF-8");
        Expect(p => SetByte(p, "schema.missing_tokens[0]", 0, 0xC0), "schema.missing_tokens[0]", "not valid UTF-8");

        // An empty source column name (the string shortened, everything after it shifted).
        ModelFieldLocation first = Locate(tm, "schema.source_columns[0]");
        Expect(
            p =>
            {
                byte[] q = p.Take(first.Offset).Concat(new byte[4]).Concat(p.Skip(first.Offset + first.Size)).ToArray();
                return q;
            },
            "schema.source_columns[0]",
            "empty");

        // Bytes after the last field.
        Expect(p => p.Concat(new byte[] { 1, 2, 3 }).ToArray(), "payload", "3 unexpected bytes after the last field");
    }

    [TestMethod]
    public void PayloadCutAtOrInsideAnyFieldNamesThatField()
    {
        TrainedModel tm = Small.Value.Model;
        byte[] good = SaveToBytes(tm);
        IReadOnlyList<ModelFieldLocation> layout = tm.GetPayloadLayout();
        Assert.IsGreaterThan(80, layout.Count);
        foreach (ModelFieldLocation loc in layout)
        {
            foreach (int cut in new[] { loc.Offset, loc.Offset + (loc.Size / 2), loc.Offset + loc.Size - 1 }.Distinct())
            {
                if (cut < loc.Offset + loc.Size)
                {
                    InvalidDataException e = AssertInvalid(() => TrainedModel.Load(new MemoryStream(PatchPayload(good, p => p.AsSpan(0, cut).ToArray()))), "model stream", loc.Field);
                    Assert.Contains("truncated", e.Message);
                }
            }
        }
    }

    [TestMethod]
    public void LayoutDescribesTheWholePayloadInOrder()
    {
        TrainedModel tm = Small.Value.Model;
        byte[] bytes = SaveToBytes(tm);
        IReadOnlyList<ModelFieldLocation> layout = tm.GetPayloadLayout();
        int payloadLength = (int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12));
        Assert.AreEqual(bytes.Length - HeaderSize - 4, payloadLength);
        int next = 0;
        foreach (ModelFieldLocation loc in layout)
        {
            Assert.AreEqual(next, loc.Offset, loc.Field);
            next += loc.Size;
        }

        Assert.AreEqual(payloadLength, next);
        CollectionAssert.AreEqual(
            new[] { "input_count", "task", "class_count", "layer_count", "layers[0].width", "layers[1].width", "layers[2].width", "activation", "dropout" },
            layout.Take(9).Select(l => l.Field).ToArray());
        Assert.AreEqual(tm.InputCount, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(HeaderSize)));
        Assert.AreEqual(layout.Select(l => l.Field).Distinct().Count(), layout.Count, "field names are unique");
        Assert.AreEqual("training_config", layout[^1].Field);

        // The CRC is standard CRC-32 (IEEE), the same value an independent implementation gives.
        Assert.AreEqual(0xCBF43926u, MLNet.Optimizers.Serialization.Crc32.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.AreEqual(Crc32(bytes.AsSpan(HeaderSize, payloadLength)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(HeaderSize + payloadLength)));
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>
    /// A small but complete model: multiclass MLP [3, 2] over 5 features from a CSV with an ignored column, a weight
    /// column, a categorical column, missing values (empty and tokens) under Mean imputation and numeric class names.
    /// Source columns: id, x1, c, w, y, x2 (label index 4, weight index 3); features: x1, c=aa, c=bb, c=&lt;missing&gt;, x2.
    /// </summary>
    private static (TrainedModel Model, string[][] Rows) BuildSmall()
    {
        string[] lines =
        {
            "id,x1,c,w,y,x2",
            "1,0.5,aa,1,1,3",
            "2,,bb,2,2,-1",
            "3,2.25,NA,1,3,0.5",
            "4,-1,aa,0.5,2,?",
            "5,4,bb,1,1,7",
            "6, ? ,bb,1,3,2",
        };
        using var dir = new DataTempDir();
        string path = dir.Write("small.csv", string.Join("\n", lines) + "\n");
        CsvDataset ds = CsvLoader.Load(path, new CsvOptions
        {
            LabelColumn = "y",
            Task = TaskKind.MulticlassClassification,
            WeightColumn = "w",
            IgnoreColumns = new[] { "id" },
            CategoricalColumns = new[] { "c" },
            Imputation = MissingValuePolicy.Mean,
            MissingValueTokens = new[] { "NA", "?" },
        });
        Assert.AreEqual(5, ds.Schema.FeatureCount, string.Join("|", ds.Schema.FeatureNames));
        CollectionAssert.AreEqual(new[] { "x1", "c=aa", "c=bb" }, ds.Schema.FeatureNames.Take(3).ToArray());
        CollectionAssert.AreEqual(new[] { "1", "2", "3" }, ds.Schema.ClassNames.ToArray());
        var options = new ModelOptions { Task = TaskKind.MulticlassClassification, ClassCount = 3, HiddenLayers = new[] { 3, 2 }, Activation = Activation.Tanh, Dropout = 0.1 };
        var model = new NeuralModel(5, options, seed: 11);
        RandomizeBiases(model, 7);
        var tm = new TrainedModel(model, ds.Schema, MeanVarianceNormalizer.Fit(ds.Table), "{\"name\":\"small ✓\"}");
        string[][] rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        return (tm, rows);
    }

    private static void RandomizeBiases(NeuralModel model, int seed)
    {
        var rng = new Random(seed);
        foreach (Parameter p in model.Parameters.Where(p => p.Name.EndsWith("/bias", StringComparison.Ordinal)))
        {
            Span<float> v = p.Value.Span;
            for (int i = 0; i < v.Length; i++)
            {
                v[i] = (float)((rng.NextDouble() * 0.2) - 0.1);
            }
        }
    }

    private static string[][] RawRows(string file, int count) =>
        File.ReadLines(DataTestUtil.DataFile(file)).Skip(1).Take(count).Select(l => l.Split(',').Select(f => f.Trim('"')).ToArray()).ToArray();

    private static byte[] SaveToBytes(TrainedModel m)
    {
        using var ms = new MemoryStream();
        m.Save(ms);
        return ms.ToArray();
    }

    private static int[] Bits(ReadOnlySpan<float> v)
    {
        var b = new int[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            b[i] = BitConverter.SingleToInt32Bits(v[i]);
        }

        return b;
    }

    private static int[] Bits(IReadOnlyList<float> v) => Bits(v.ToArray().AsSpan());

    private static void AssertSameParameters(NeuralModel a, NeuralModel b)
    {
        Assert.AreEqual(a.InputCount, b.InputCount);
        Assert.AreEqual(a.OutputCount, b.OutputCount);
        Assert.AreEqual(a.LayerCount, b.LayerCount);
        Assert.AreEqual(a.Parameters.Count, b.Parameters.Count);
        for (int i = 0; i < a.Parameters.Count; i++)
        {
            Parameter p = a.Parameters[i], q = b.Parameters[i];
            Assert.AreEqual(p.Name, q.Name);
            CollectionAssert.AreEqual(p.Shape.ToArray(), q.Shape.ToArray(), p.Name);
            CollectionAssert.AreEqual(Bits(p.Value.Span), Bits(q.Value.Span), p.Name);
        }
    }

    private static void AssertSameOptions(ModelOptions a, ModelOptions b)
    {
        Assert.AreEqual(a.Task, b.Task);
        Assert.AreEqual(a.ClassCount, b.ClassCount);
        CollectionAssert.AreEqual(a.HiddenLayers.ToArray(), b.HiddenLayers.ToArray());
        Assert.AreEqual(a.Activation, b.Activation);
        Assert.AreEqual(BitConverter.DoubleToInt64Bits(a.Dropout), BitConverter.DoubleToInt64Bits(b.Dropout));
        Assert.AreEqual(a.Initializer, b.Initializer);
        Assert.AreEqual(a.RegressionLoss, b.RegressionLoss);
        Assert.AreEqual(BitConverter.DoubleToInt64Bits(a.HuberDelta), BitConverter.DoubleToInt64Bits(b.HuberDelta));
    }

    private static void AssertSameSchema(DatasetSchema a, DatasetSchema b, string[][] rawRows)
    {
        CollectionAssert.AreEqual(a.SourceColumns.ToArray(), b.SourceColumns.ToArray());
        CollectionAssert.AreEqual(a.FeatureNames.ToArray(), b.FeatureNames.ToArray());
        Assert.AreEqual(a.Columns.Count, b.Columns.Count);
        for (int i = 0; i < a.Columns.Count; i++)
        {
            ColumnSchema x = a.Columns[i], y = b.Columns[i];
            Assert.AreEqual(x.Name, y.Name);
            Assert.AreEqual(x.SourceIndex, y.SourceIndex);
            Assert.AreEqual(x.Kind, y.Kind);
            Assert.AreEqual(x.FeatureOffset, y.FeatureOffset);
            CollectionAssert.AreEqual(x.Categories.ToArray(), y.Categories.ToArray());
            Assert.AreEqual(BitConverter.DoubleToInt64Bits(x.FillValue), BitConverter.DoubleToInt64Bits(y.FillValue));
        }

        Assert.AreEqual(a.LabelColumn, b.LabelColumn);
        Assert.AreEqual(a.LabelIndex, b.LabelIndex);
        Assert.AreEqual(a.Task, b.Task);
        CollectionAssert.AreEqual(a.ClassNames.ToArray(), b.ClassNames.ToArray());
        Assert.AreEqual(a.WeightColumn, b.WeightColumn);
        Assert.AreEqual(a.WeightIndex, b.WeightIndex);
        Assert.AreEqual(a.Imputation, b.Imputation);
        CollectionAssert.AreEqual(a.MissingValueTokens.ToArray(), b.MissingValueTokens.ToArray());
        foreach (string[] row in rawRows)
        {
            CollectionAssert.AreEqual(Bits(a.EncodeRow(row)), Bits(b.EncodeRow(row)));
            string[] withoutLabel = row.Where((_, i) => i != a.LabelIndex).ToArray();
            CollectionAssert.AreEqual(Bits(a.EncodeRow(withoutLabel)), Bits(b.EncodeRow(withoutLabel)));
        }
    }

    private static void AssertSameModel(TrainedModel original, TrainedModel loaded, float[] rawFeatures, int rows, string[][] rawRows)
    {
        AssertSameOptions(original.Model.Options, loaded.Model.Options);
        AssertSameParameters(original.Model, loaded.Model);
        Assert.AreEqual(original.TrainingConfigJson, loaded.TrainingConfigJson);
        Assert.AreEqual(original.Normalizer is null, loaded.Normalizer is null);
        if (original.Normalizer != null)
        {
            CollectionAssert.AreEqual(Bits(original.Normalizer.Offsets), Bits(loaded.Normalizer!.Offsets));
            CollectionAssert.AreEqual(Bits(original.Normalizer.Scales), Bits(loaded.Normalizer.Scales));
        }

        Assert.AreEqual(original.Schema is null, loaded.Schema is null);
        if (original.Schema != null)
        {
            AssertSameSchema(original.Schema, loaded.Schema!, rawRows);
        }

        var p = new float[rows * original.OutputCount];
        var q = new float[rows * original.OutputCount];
        original.Predict(rawFeatures, rows, p, Blas);
        loaded.Predict(rawFeatures, rows, q, Blas);
        CollectionAssert.AreEqual(Bits(p), Bits(q));
        Assert.IsTrue(q.All(float.IsFinite));
        if (original.Schema != null)
        {
            for (int r = 0; r < rawRows.Length; r += 17)
            {
                float[] expected = original.PredictRow(rawRows[r], Blas);
                CollectionAssert.AreEqual(Bits(expected), Bits(loaded.PredictRow(rawRows[r], Blas)), $"row {r}");
                for (int j = 0; j < expected.Length; j++)
                {
                    Assert.AreEqual(p[(r * original.OutputCount) + j], expected[j], 1e-5 * Math.Max(1, Math.Abs(expected[j])), $"row {r} output {j}");
                }
            }
        }
    }

    private static ModelFieldLocation Locate(TrainedModel tm, string field)
    {
        foreach (ModelFieldLocation loc in tm.GetPayloadLayout())
        {
            if (loc.Field == field)
            {
                return loc;
            }
        }

        Assert.Fail($"no field '{field}' in the layout");
        return default;
    }

    /// <summary>Rewrites the payload of a model file, then fixes its length and CRC so only the field checks can catch the change.</summary>
    private static byte[] PatchPayload(byte[] file, Func<byte[], byte[]> edit)
    {
        int length = (int)BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(12));
        byte[] payload = edit(file.AsSpan(HeaderSize, length).ToArray());
        var result = new byte[HeaderSize + payload.Length + 4];
        file.AsSpan(0, HeaderSize).CopyTo(result);
        BinaryPrimitives.WriteInt64LittleEndian(result.AsSpan(12), payload.Length);
        payload.CopyTo(result, HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(HeaderSize + payload.Length), Crc32(payload));
        return result;
    }

    /// <summary>An independent bitwise CRC-32 (IEEE).</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }

    private static InvalidDataException AssertInvalid(Action load, string source, string field)
    {
        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(load);
        Assert.StartsWith($"{source}: field '{field}': ", e.Message);
        return e;
    }

    /// <summary>A readable stream without Length or Seek (a pipe or a network stream).</summary>
    private sealed class ForwardOnlyStream : Stream
    {
        private readonly byte[] _data;
        private int _position;

        public ForwardOnlyStream(byte[] data) => _data = data;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            // Short reads on purpose: at most 7 bytes per call.
            int n = Math.Min(Math.Min(count, 7), _data.Length - _position);
            Array.Copy(_data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A writable stream that fails once more than a given number of bytes were written.</summary>
    private sealed class FailingStream : Stream
    {
        private readonly int _limit;
        private int _written;

        public FailingStream(int limit) => _limit = limit;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _written += buffer.Length;
            if (_written > _limit)
            {
                throw new IOException("the device is full");
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
