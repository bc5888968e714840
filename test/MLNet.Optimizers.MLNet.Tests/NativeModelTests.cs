using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.MLNet.Native;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.MLNet.Tests;

// The models are ML.NET's own: same output columns and annotations as the stock trainers, survive Model.Save/Load
// bit for bit, are byte-identical to ML.NET's re-save, load and score in a process that references Microsoft.ML only.
[TestClass]
public sealed class NativeModelTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (string task in new[] { "regression", "binary", "multiclass" })
        {
            yield return new object[] { task, "linear" };
            yield return new object[] { task, "mlp" };
            yield return new object[] { task, "ensemble" };
        }
    }

    public static string CaseName(System.Reflection.MethodInfo method, object[] data) => $"{method.Name}({data[0]}, {data[1]})";

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public void Output_columns_types_and_annotations_equal_the_stock_trainer(string task, string kind)
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Prepared(ml, task);
        ITransformer ours = Estimator(ml, task, kind).Fit(data);
        ITransformer stock = Stock(ml, task).Fit(data);
        CollectionAssert.AreEqual(TestData.Describe(stock.GetOutputSchema(data.Schema)), TestData.Describe(ours.GetOutputSchema(data.Schema)), "output schema");
        CollectionAssert.AreEqual(TestData.Describe(stock.Transform(data).Schema), TestData.Describe(ours.Transform(data).Schema), "transformed schema");
        var ourShape = Estimator(ml, task, kind).GetOutputSchema(SchemaShapes.Of(data.Schema)).Select(c => $"{c.Name}:{c.Kind}:{c.ItemType}:{c.IsKey}:{string.Join(",", c.Annotations.Select(a => a.Name))}").ToList();
        var stockShape = Stock(ml, task).GetOutputSchema(SchemaShapes.Of(data.Schema)).Select(c => $"{c.Name}:{c.Kind}:{c.ItemType}:{c.IsKey}:{string.Join(",", c.Annotations.Select(a => a.Name))}").ToList();
        CollectionAssert.AreEqual(stockShape, ourShape, "estimator output schema shape");
    }

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public void Save_and_Load_give_bit_identical_outputs_and_the_same_model_types(string task, string kind)
    {
        bool mlp = kind != "linear";
        var ml = new MLContext(seed: 1);
        IDataView data = Prepared(ml, task);
        ITransformer model = Estimator(ml, task, kind).Fit(data);
        byte[] file = TestData.Save(ml, model, data.Schema);
        ITransformer loaded = ml.Model.Load(new MemoryStream(file), out DataViewSchema inputSchema);
        Assert.AreEqual(model.GetType(), loaded.GetType(), "the loaded model has the type Fit returned");
        if (mlp)
        {
            CollectionAssert.AreEqual(((TransformerChain<ITransformer>)model).Select(t => t.GetType()).ToList(), ((TransformerChain<ITransformer>)loaded).Select(t => t.GetType()).ToList(), "chain parts");
        }

        CollectionAssert.AreEqual(TestData.Describe(data.Schema), TestData.Describe(inputSchema), "input schema");
        IDataView a = model.Transform(data), b = loaded.Transform(data);
        foreach (string column in OutputColumns(task))
        {
            if (task == "multiclass" && column == "Score")
            {
                TestData.AssertBitsEqual(TestData.Vectors(a, column).SelectMany(v => v).ToArray(), TestData.Vectors(b, column).SelectMany(v => v).ToArray(), column);
            }
            else if (column == "PredictedLabel")
            {
                Assert.AreEqual(Labels(a, column), Labels(b, column), column);
            }
            else
            {
                TestData.AssertBitsEqual(TestData.Floats(a, column), TestData.Floats(b, column), column);
            }
        }

        // Saving the loaded model again gives the same file contents.
        CollectionAssert.AreEquivalent(Streams(TestData.Save(ml, model, data.Schema)), Streams(TestData.Save(ml, loaded, data.Schema)), "re-saved streams");
    }

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public void Written_streams_are_byte_identical_to_MLNet_resave(string task, string kind)
    {
        bool mlp = kind != "linear";
        var ml = new MLContext(seed: 1);
        IDataView data = Prepared(ml, task);
        ITransformer model = Estimator(ml, task, kind).Fit(data);
        Dictionary<string, byte[]> resaved = TestData.ZipEntries(TestData.Save(ml, model, null));
        var ours = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (!mlp)
        {
            Add(ours, Written(ml, model, data, mlpPart: false), NativeModels.Root);
        }
        else
        {
            ITransformer[] parts = ((TransformerChain<ITransformer>)model).ToArray();
            IDataView view = new EmptyDataView(data.Schema);
            for (int i = 0; i < parts.Length; i++)
            {
                if (parts[i] is MulticlassPredictionTransformer<LinearMulticlassModelParameters> || i == parts.Length - 2)
                {
                    Add(ours, Written(ml, parts[i], view, mlpPart: true), $"{NativeModels.Root}/Transform_{i:000}");
                }

                view = parts[i].Transform(view);
            }

            // Every part with a training schema in ML.NET's re-save (the encoding's layers, each hidden layer, the head)
            // was rebuilt and compared, and the chain has the hidden layers it was asked for.
            CollectionAssert.AreEquivalent(
                resaved.Keys.Where(k => k.EndsWith("/TrainSchema", StringComparison.Ordinal)).ToList(),
                ours.Keys.Where(k => k.EndsWith("/TrainSchema", StringComparison.Ordinal)).ToList(),
                "every native part compared");
            int hidden = parts.Take(parts.Length - 2).OfType<MulticlassPredictionTransformer<LinearMulticlassModelParameters>>().Count(l => l.FeatureColumnName != "Features");
            Assert.AreEqual(kind == "ensemble" ? 2 : 1, hidden, "hidden layers in the chain");
        }

        foreach (KeyValuePair<string, byte[]> kv in ours)
        {
            Assert.IsTrue(resaved.ContainsKey(kv.Key), $"ML.NET's re-save has no entry {kv.Key}; it has {string.Join(", ", resaved.Keys)}");
            CollectionAssert.AreEqual(resaved[kv.Key], kv.Value, $"entry {kv.Key}");
        }

        if (!mlp)
        {
            var expected = resaved.Keys.Where(k => k.StartsWith(NativeModels.Root + "/", StringComparison.Ordinal)).OrderBy(k => k, StringComparer.Ordinal).ToList();
            CollectionAssert.AreEqual(expected, ours.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList(), "the same set of entries");
        }
    }

    [TestMethod]
    public void A_process_that_references_only_MLNet_loads_and_scores_the_model()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Prepared(ml, "multiclass");
        ITransformer model = Estimator(ml, "multiclass", "ensemble").Fit(data);
        string dir = Path.Combine(Path.GetTempPath(), "mlnet-bridge-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string modelPath = Path.Combine(dir, "model.zip"), dataPath = Path.Combine(dir, "data.idv");
            ml.Model.Save(model, data.Schema, modelPath);
            using (var fs = File.Create(dataPath))
            {
                ml.Data.SaveAsBinary(data, fs);
            }

            string[] lines = TestData.RunDeployCheck(modelPath, dataPath, "Score");
            string[] expected = TestData.Vectors(model.Transform(data), "Score").Select(v => string.Join(" ", v.Select(f => BitConverter.SingleToInt32Bits(f).ToString("x8")))).ToArray();
            CollectionAssert.AreEqual(expected, lines, "scores in the other process, bit for bit");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void A_weight_that_reads_back_differently_throws_NativeModelMismatchException()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Prepared(ml, "regression");
        float[] w = Enumerable.Range(0, VectorSize(data)).Select(i => 0.25f * i).ToArray();
        var t = NativeModels.Regression(ml, w, 0.5f, data, "Features");
        TestData.AssertBitsEqual(w, t.Model.Weights.ToArray(), "read back");

        // Streams for one set of weights, verified against another (what a format drift in a future ML.NET would look like).
        float[] other = (float[])w.Clone();
        other[3] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(other[3]) + 1);
        var loaded = NativeModels.Load<RegressionPredictionTransformer<LinearRegressionModelParameters>>(ml, NativeModels.RegressionEntries(other, 0.5f, NativeModels.SchemaBytes(ml, data), "Features"));
        var ex = Assert.ThrowsExactly<NativeModelMismatchException>(() => NativeModels.VerifyLinear(loaded.Model.Weights, loaded.Model.Bias, w, 0.5f, "regression model"));
        StringAssert.Contains(ex.Message, "weight[3]");
        Assert.ThrowsExactly<NativeModelMismatchException>(() => NativeModels.VerifyLinear(loaded.Model.Weights, loaded.Model.Bias, other, 0.25f, "regression model"));

        // A stream ML.NET rejects (a component version newer than it reads) also surfaces as the bridge's exception.
        Dictionary<string, byte[]> entries = NativeModels.RegressionEntries(w, 0.5f, NativeModels.SchemaBytes(ml, data), "Features");
        byte[] key = entries[NativeModels.Root + "/Model/Model.key"];
        BitConverter.GetBytes(0x00990001u).CopyTo(key, 0x4C);
        BitConverter.GetBytes(0x00990001u).CopyTo(key, 0x48);
        Assert.ThrowsExactly<NativeModelMismatchException>(() => NativeModels.Load<RegressionPredictionTransformer<LinearRegressionModelParameters>>(ml, entries));

        // A model of another type than expected is rejected as well.
        Assert.ThrowsExactly<NativeModelMismatchException>(() => NativeModels.Load<BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>>(ml, NativeModels.RegressionEntries(w, 0.5f, NativeModels.SchemaBytes(ml, data), "Features")));
    }

    [TestMethod]
    public void Parts_loaded_as_one_chain_are_checked_one_by_one()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Prepared(ml, "regression");
        DataViewType type = data.Schema["Features"].Type;
        int n = VectorSize(data);
        float[] w = Enumerable.Range(0, n).Select(i => 0.25f * i).ToArray();
        float[] layer = Enumerable.Range(0, 2 * n).Select(i => 0.125f * i).ToArray();
        byte[] schema = NativeModels.LayerSchema("Features", type);

        var chain = new NativeChain();
        Assert.AreEqual(0, chain.Add(NativeModels.LayerPart(layer, new[] { 1f, 2f }, n, "Features", type, "Score", "Arg"), "the layer"));
        Assert.AreEqual(1, chain.Add(NativeModels.RegressionPart(w, 0.5f, schema, "Features"), "the head"));
        ITransformer[] loaded = chain.Load(ml);
        Assert.HasCount(2, loaded);
        TestData.AssertBitsEqual(w, ((RegressionPredictionTransformer<LinearRegressionModelParameters>)loaded[1]).Model.Weights.ToArray(), "the second part's weights");

        // A part whose streams hold other weights than its check expects fails, naming the weight.
        float[] other = (float[])w.Clone();
        other[3] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(other[3]) + 1);
        var drifted = new NativeChain();
        drifted.Add(NativeModels.LayerPart(layer, new[] { 1f, 2f }, n, "Features", type, "Score", "Arg"), "the layer");
        drifted.Add(new NativePart<RegressionPredictionTransformer<LinearRegressionModelParameters>>(NativeModels.RegressionPart(other, 0.5f, schema, "Features").Entries, NativeModels.RegressionPart(w, 0.5f, schema, "Features").Verify), "the head");
        StringAssert.Contains(Assert.ThrowsExactly<NativeModelMismatchException>(() => drifted.Load(ml)).Message, "Part 1 (the head): The loaded regression model has weight[3]");

        // The first part is checked too.
        float[] otherLayer = (float[])layer.Clone();
        otherLayer[5] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(otherLayer[5]) + 1);
        var firstDrifted = new NativeChain();
        firstDrifted.Add(new NativePart<MulticlassPredictionTransformer<LinearMulticlassModelParameters>>(NativeModels.LayerPart(otherLayer, new[] { 1f, 2f }, n, "Features", type, "Score", "Arg").Entries, NativeModels.LayerPart(layer, new[] { 1f, 2f }, n, "Features", type, "Score", "Arg").Verify), "the layer");
        firstDrifted.Add(NativeModels.RegressionPart(w, 0.5f, schema, "Features"), "the head");
        StringAssert.Contains(Assert.ThrowsExactly<NativeModelMismatchException>(() => firstDrifted.Load(ml)).Message, "Part 0 (the layer): The loaded multiclass model has weight[0][5]");

        // A part that loads as another type than written is named by its position.
        var mistyped = new NativeChain();
        mistyped.Add(NativeModels.RegressionPart(w, 0.5f, schema, "Features"), "a head");
        mistyped.Add(new NativePart<BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>>(NativeModels.RegressionPart(w, 0.5f, schema, "Features").Entries, _ => { }), "the binary head");
        StringAssert.Contains(Assert.ThrowsExactly<NativeModelMismatchException>(() => mistyped.Load(ml)).Message, "as part 1 (the binary head)");
    }

    /// <summary>
    /// An input that already has a <c>Score</c> column (an earlier trainer's): the hidden layers' scores stay behind as
    /// hidden columns, the earlier <c>Score</c> is hidden by the head's, and the predictions are bit for bit those of
    /// the same MLP trained without that column.
    /// </summary>
    [TestMethod]
    [DataRow("regression", "mlp")]
    [DataRow("binary", "ensemble")]
    [DataRow("multiclass", "ensemble")]
    public void Mlp_on_data_with_a_score_column_scores_as_without_it(string task, string kind)
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Prepared(ml, task);
        // An earlier trainer's Score: the float label copied (regression), or a float vector.
        IEstimator<ITransformer> earlier = task == "regression"
            ? ml.Transforms.CopyColumns("Score", "Label")
            : ml.Transforms.Expression("Score", "x => 0.5", "Features");
        IDataView withScore = earlier.Fit(data).Transform(data);

        IDataView plain = Estimator(ml, task, kind).Fit(data).Transform(data);
        IDataView scored = Estimator(ml, task, kind).Fit(withScore).Transform(withScore);

        if (task != "multiclass")
        {
            TestData.AssertBitsEqual(TestData.Floats(plain, "Score"), TestData.Floats(scored, "Score"), "Score");
        }
        else
        {
            TestData.AssertBitsEqual(TestData.Vectors(plain, "Score").SelectMany(v => v).ToArray(), TestData.Vectors(scored, "Score").SelectMany(v => v).ToArray(), "Score");
        }

        Assert.AreEqual(1, scored.Schema.Count(c => c.Name == "Score" && !c.IsHidden), "one visible Score: the head's");
        Assert.IsTrue(scored.Schema.Any(c => c.Name == "Score" && c.IsHidden), "the earlier Score (and the hidden layers') stay hidden");
    }

    [TestMethod]
    public void Mlp_chain_has_native_layers_expressions_and_the_head()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Prepared(ml, "binary");
        var chain = ml.Optimizers().BinaryClassification.Mlp(new MlpTrainerOptions { Optimizer = new Lion(1e-3), HiddenLayers = new[] { 6, 4 }, Activation = Activation.Sigmoid, NumberOfEpochs = 2, RobustScaling = false, SmoothClip = 0, PiecewiseLinearBins = 0 }).Fit(data);
        Type[] types = chain.Select(t => t.GetType()).ToArray();
        Assert.HasCount(8, types);
        for (int l = 0; l < 2; l++)
        {
            Assert.AreEqual(typeof(MulticlassPredictionTransformer<LinearMulticlassModelParameters>), types[3 * l], $"layer {l}");
            Assert.AreEqual("ExpressionTransformer", types[(3 * l) + 1].Name, $"activation {l}");
            Assert.AreEqual("ColumnSelectingTransformer", types[(3 * l) + 2].Name, $"drop {l}");
        }

        Assert.AreEqual(typeof(BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>), types[6]);
        Assert.AreEqual("ColumnSelectingTransformer", types[7].Name);

        // The first layer's weights, read through ML.NET's public API, reproduce the hidden activations by hand.
        var layer = (MulticlassPredictionTransformer<LinearMulticlassModelParameters>)chain.First();
        VBuffer<float>[] weights = Array.Empty<VBuffer<float>>();
        layer.Model.GetWeights(ref weights, out int units);
        float[] biases = layer.Model.GetBiases().ToArray();
        Assert.AreEqual(6, units);
        float[] x = TestData.Vectors(data, "Features")[0];
        IDataView firstTwo = chain.Take(2).Aggregate(ml.Data.TakeRows(data, 1), (v, t) => t.Transform(v));
        float[] h = TestData.Vectors(firstTwo, firstTwo.Schema.Last().Name)[0];
        for (int j = 0; j < units; j++)
        {
            double z = biases[j] + weights[j].DenseValues().Zip(x, (a, b) => (double)a * b).Sum();
            Assert.AreEqual(1 / (1 + Math.Exp(-z)), h[j], 1e-5, $"unit {j}");
        }
    }

    /// <summary>
    /// The input encoding is ML.NET's own parts (two sparse linear layers, two expressions, a concatenation) and computes
    /// exactly what the engine's <see cref="NumericEncoder"/> computes, bit for bit, on every row.
    /// </summary>
    [TestMethod]
    public void Mlp_input_encoding_is_native_and_equals_the_engine_encoding_bit_for_bit()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Prepared(ml, "binary");
        var o = new MlpTrainerOptions { Optimizer = new Lion(1e-3), HiddenLayers = new[] { 4 }, NumberOfEpochs = 1, SelectionFraction = 0 };
        var chain = ml.Optimizers().BinaryClassification.Mlp(o).Fit(data);
        string[] types = chain.Select(t => t.GetType().Name).ToArray();
        CollectionAssert.AreEqual(
            new[] { "MulticlassPredictionTransformer`1", "ExpressionTransformer", "ColumnSelectingTransformer", "MulticlassPredictionTransformer`1", "ExpressionTransformer", "ColumnSelectingTransformer", "ColumnConcatenatingTransformer", "ColumnSelectingTransformer" },
            types.Take(8).ToArray(),
            "encoding parts");
        IDataView encodedView = chain.Take(8).Aggregate(data, (v, t) => t.Transform(v));
        float[][] encoded = TestData.Vectors(encodedView, "__mlp0_encoded__Features");

        float[][] x = TestData.Vectors(data, "Features");
        int d = x[0].Length;
        var table = new DenseTable(x.SelectMany(r => r).ToArray(), d, new float[x.Length]);
        var encoder = NumericEncoder.Fit(table, o.NumericEncoding());
        Assert.AreEqual(encoder.OutputCount, encoded[0].Length, "encoded width");
        Assert.IsGreaterThan(d, encoder.OutputCount, "piecewise-linear bins were added");
        var y = new float[encoder.OutputCount];
        for (int r = 0; r < x.Length; r++)
        {
            encoder.Encode(x[r], y);
            TestData.AssertBitsEqual(y, encoded[r], $"row {r}");
        }
    }

    internal static IDataView Prepared(MLContext ml, string task)
    {
        IDataView raw = task switch
        {
            "binary" => SampleData.BreastCancer(ml),
            "multiclass" => SampleData.Wine(ml),
            _ => ml.Data.TakeRows(SampleData.BreastCancer(ml), 400),
        };
        IEstimator<ITransformer> prep = task switch
        {
            "multiclass" => ml.Transforms.Conversion.MapValueToKey("Label", "Cultivar").Append(ml.Transforms.NormalizeMinMax("Features")),
            "regression" => ml.Transforms.Conversion.ConvertType("LabelF", "Label", DataKind.Single).Append(ml.Transforms.CopyColumns("Label", "LabelF")).Append(ml.Transforms.NormalizeMinMax("Features")),
            _ => ml.Transforms.NormalizeMinMax("Features"),
        };
        return ml.Data.Cache(prep.Fit(raw).Transform(raw));
    }

    internal static IEstimator<ITransformer> Estimator(MLContext ml, string task, bool mlp) => Estimator(ml, task, mlp ? "mlp" : "linear");

    /// <summary>
    /// "linear"; "mlp" (one hidden layer, the default input encoding); "ensemble" (a packed ensemble of 3 members with
    /// two hidden layers, so one block-diagonal layer, and the input encoding).
    /// </summary>
    internal static IEstimator<ITransformer> Estimator(MLContext ml, string task, string kind)
    {
        var optimizer = new Lion(2e-3);
        if (kind != "linear")
        {
            var o = kind == "ensemble"
                ? new MlpTrainerOptions { Optimizer = optimizer, HiddenLayers = new[] { 8, 6 }, EnsembleSize = 3, NumberOfEpochs = 5 }
                : new MlpTrainerOptions { Optimizer = optimizer, HiddenLayers = new[] { 8 }, Activation = Activation.ReLU, NumberOfEpochs = 5 };
            return task switch
            {
                "regression" => ml.Optimizers().Regression.Mlp(o),
                "binary" => ml.Optimizers().BinaryClassification.Mlp(o),
                _ => ml.Optimizers().MulticlassClassification.Mlp(o),
            };
        }

        return task switch
        {
            "regression" => ml.Optimizers().Regression.Linear(optimizer, numberOfEpochs: 5),
            "binary" => ml.Optimizers().BinaryClassification.Linear(optimizer, numberOfEpochs: 5),
            _ => ml.Optimizers().MulticlassClassification.Linear(optimizer, numberOfEpochs: 5),
        };
    }

    private static IEstimator<ITransformer> Stock(MLContext ml, string task) => task switch
    {
        "regression" => ml.Regression.Trainers.Sdca(maximumNumberOfIterations: 2),
        "binary" => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(),
        _ => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(),
    };

    private static string[] OutputColumns(string task) => task switch
    {
        "regression" => new[] { "Score" },
        "binary" => new[] { "Score", "Probability", "PredictedLabel" },
        _ => new[] { "Score", "PredictedLabel" },
    };

    private static string Labels(IDataView data, string column) => data.Schema[column].Type is BooleanDataViewType
        ? string.Join(",", data.GetColumn<bool>(column))
        : string.Join(",", data.GetColumn<uint>(column));

    private static int VectorSize(IDataView data) => ((VectorDataViewType)data.Schema["Features"].Type).Size;

    // What the bridge writes for a native part, rebuilt from the weights ML.NET reads back from it. A linear model's
    // training schema is the whole input; an MLP part's is the column it reads (and a multiclass head's label).
    private static Dictionary<string, byte[]> Written(MLContext ml, ITransformer part, IDataView trainSchema, bool mlpPart)
    {
        byte[] Schema(string feature, DataViewType type, bool label) => !mlpPart
            ? NativeModels.SchemaBytes(ml, trainSchema)
            : label ? NativeModels.HeadSchema(ml, feature, type, trainSchema.Schema["Label"]) : NativeModels.LayerSchema(feature, type);
        switch (part)
        {
            case RegressionPredictionTransformer<LinearRegressionModelParameters> r:
                return NativeModels.RegressionEntries(r.Model.Weights.ToArray(), r.Model.Bias, Schema(r.FeatureColumnName, r.FeatureColumnType, false), r.FeatureColumnName);
            case BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> b:
                return NativeModels.BinaryEntries(b.Model.SubModel.Weights.ToArray(), b.Model.SubModel.Bias, Schema(b.FeatureColumnName, b.FeatureColumnType, false), b.FeatureColumnName);
            case MulticlassPredictionTransformer<MaximumEntropyModelParameters> m:
                return MulticlassWritten(m.Model, true, Schema(m.FeatureColumnName, m.FeatureColumnType, true), m.FeatureColumnName, m.FeatureColumnType, "Label", "Score", "PredictedLabel");
            case MulticlassPredictionTransformer<LinearMulticlassModelParameters> l:
                string argmax = l.GetOutputSchema(trainSchema.Schema).Reverse().First(c => c.Name.Contains("_argmax__", StringComparison.Ordinal)).Name;
                return MulticlassWritten(l.Model, false, NativeModels.LayerSchema(l.FeatureColumnName, l.FeatureColumnType), l.FeatureColumnName, l.FeatureColumnType, null, "Score", argmax);
            default:
                throw new AssertFailedException("unexpected part " + part.GetType());
        }
    }

    private static Dictionary<string, byte[]> MulticlassWritten(LinearMulticlassModelParametersBase model, bool softmax, byte[] trainSchema, string feature, DataViewType featureType, string? label, string score, string predicted)
    {
        VBuffer<float>[] w = Array.Empty<VBuffer<float>>();
        model.GetWeights(ref w, out int classes);
        int features = ((VectorDataViewType)featureType).Size;
        if (w.Take(classes).Any(v => !v.IsDense))
        {
            // A sparse layer (the input encoding, an ensemble's block-diagonal layer): written in ML.NET's CSR form.
            float[] biases = model.GetBiases().ToArray();
            var b = new SparseWeights.Builder(features, classes);
            for (int i = 0; i < classes; i++)
            {
                foreach (KeyValuePair<int, float> kv in w[i].Items())
                {
                    b.Add(kv.Key, kv.Value);
                }

                b.EndOutput(biases[i]);
            }

            return NativeModels.SparseLayerEntries(b.Build(), trainSchema, feature, score, predicted);
        }

        float[] flat = w.Take(classes).SelectMany(v => v.DenseValues()).ToArray();
        return NativeModels.MulticlassEntries(flat, model.GetBiases().ToArray(), features, softmax, trainSchema, feature, label, score, predicted);
    }

    private static void Add(Dictionary<string, byte[]> target, Dictionary<string, byte[]> entries, string root)
    {
        foreach (KeyValuePair<string, byte[]> kv in entries)
        {
            target[root + kv.Key[NativeModels.Root.Length..]] = kv.Value;
        }
    }

    private static List<string> Streams(byte[] zip) => TestData.ZipEntries(zip).Where(kv => kv.Key != "TrainingInfo/Version.txt").Select(kv => kv.Key + ":" + Convert.ToHexString(kv.Value)).ToList();
}
