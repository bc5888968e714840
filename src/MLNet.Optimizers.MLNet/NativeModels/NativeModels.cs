using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MLNet.Optimizers.MLNet.Native;

/// <summary>
/// Turns trained weights into ML.NET's own model objects: it writes the component streams of ML.NET's linear models,
/// calibrator and prediction transformers into an in-memory model file, loads it with the stock
/// <see cref="ModelOperationsCatalog.Load(Stream, out DataViewSchema)"/>, and reads the weights back through public
/// properties, throwing <see cref="NativeModelMismatchException"/> on any difference. Loader assembly names come from
/// the ML.NET assemblies loaded at run time.
/// </summary>
internal static partial class NativeModels
{
    /// <summary>The directory ML.NET's <c>Model.Save</c> puts the saved transformer in.</summary>
    internal const string Root = "TransformerChain";

    private static string DataAssembly => typeof(RegressionPredictionTransformer<>).Assembly.FullName!;

    private static string TrainersAssembly => typeof(LinearRegressionModelParameters).Assembly.FullName!;

    /// <summary>The entries of a saved regression prediction transformer over <c>LinearRegressionModelParameters</c>.</summary>
    internal static Dictionary<string, byte[]> RegressionEntries(ReadOnlySpan<float> weights, float bias, byte[] trainSchema, string featureColumn)
    {
        var e = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var model = new ComponentStream("LIN RGRS", 0x00020001, 0x00020001, "LinearRegressionExec", TrainersAssembly);
        WriteLinearBlock(model.Writer, weights, bias);
        e[Root + "/Model/Model.key"] = model.ToArray();
        AddPredictionTransformer(e, "REG PRED", 0x00010001, "RegressionPredXfer", trainSchema, w => w.WriteStringOrNull(featureColumn));
        return e;
    }

    /// <summary>The entries of a saved binary prediction transformer over a linear model with a Platt calibrator that is the logistic function.</summary>
    internal static Dictionary<string, byte[]> BinaryEntries(ReadOnlySpan<float> weights, float bias, byte[] trainSchema, string featureColumn)
    {
        var e = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var predictor = new ComponentStream("LINEAR2C", 0x00020002, 0x00020001, "Linear2CExec", TrainersAssembly);
        WriteLinearBlock(predictor.Writer, weights, bias);
        e[Root + "/Model/Predictor/Model.key"] = predictor.ToArray();

        // P(y = 1 | score) = 1 / (1 + exp(A * score + B)) with A = -1, B = 0: the logistic function of the logit.
        var calibrator = new ComponentStream("PLATTCAL", 0x00010001, 0x00010001, "PlattCaliExec", DataAssembly);
        calibrator.Writer.Write(-1.0);
        calibrator.Writer.Write(0.0);
        e[Root + "/Model/Calibrator/Model.key"] = calibrator.ToArray();
        string nl = Environment.NewLine;
        e[Root + "/Model/Calibrator/Calibrator.txt"] = new UTF8Encoding(false).GetBytes(
            "Platt calibrator" + nl + "P(y=1|x) = 1/1+exp(A*x + B)" + nl + "A=" + (-1.0).ToString("R", CultureInfo.InvariantCulture) + nl + "B=" + 0.0.ToString("R", CultureInfo.InvariantCulture) + nl);

        // The calibrated pair has an empty block: its parts are the Predictor and Calibrator sub-models.
        e[Root + "/Model/Model.key"] = new ComponentStream("PMIXCALP", 0x00010001, 0x00010001, "PMixCaliPredExec", DataAssembly).ToArray();
        AddPredictionTransformer(e, "BIN PRED", 0x00010001, "BinaryPredXfer", trainSchema, w =>
        {
            w.WriteStringOrNull(featureColumn);
            w.Writer.Write(0f); // threshold on the score
            w.WriteStringOrNull("Score"); // threshold column
        });
        return e;
    }

    /// <summary>
    /// The entries of a saved multiclass prediction transformer: over <c>MaximumEntropyModelParameters</c> (softmax
    /// scores) when <paramref name="softmax"/>, else over <c>LinearMulticlassModelParameters</c> (raw W·x + b).
    /// </summary>
    /// <param name="weights">Class-major weights: classes × features.</param>
    /// <param name="biases">One bias per class.</param>
    /// <param name="featureCount">Features.</param>
    /// <param name="softmax">Softmax model or raw linear scores.</param>
    /// <param name="trainSchema">The training schema as an empty binary data file (<see cref="SchemaBytes"/> or <see cref="LayerSchema"/>).</param>
    /// <param name="featureColumn">The feature column.</param>
    /// <param name="labelColumn">The key-typed label column of the training schema, or null.</param>
    /// <param name="scoreColumn">The output score column.</param>
    /// <param name="predictedLabelColumn">The output predicted-label column.</param>
    internal static Dictionary<string, byte[]> MulticlassEntries(ReadOnlySpan<float> weights, ReadOnlySpan<float> biases, int featureCount, bool softmax, byte[] trainSchema, string featureColumn, string? labelColumn, string scoreColumn, string predictedLabelColumn)
    {
        int classes = biases.Length;
        if (weights.Length != (long)classes * featureCount)
        {
            throw new ArgumentException($"weights has {weights.Length} values; {classes} classes × {featureCount} features need {(long)classes * featureCount}.", nameof(weights));
        }

        var e = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        ComponentStream model = softmax
            ? new ComponentStream("MULTI LR", 0x00010003, 0x00010001, "MultiClassLRExec", TrainersAssembly)
            : new ComponentStream("MCLINEAR", 0x00010001, 0x00010001, "MulticlassLinear", TrainersAssembly);
        BinaryWriter w = model.Writer;
        w.Write(sizeof(float)); // model parameters base: size of the score type
        w.Write(featureCount);
        w.Write(classes);
        foreach (float b in biases)
        {
            w.Write(b);
        }

        w.Write(0); // dense weights: no row starts,
        w.Write(0); // no column indices,
        w.Write(classes * featureCount); // classes × features values, class by class
        foreach (float v in weights)
        {
            w.Write(v);
        }

        e[Root + "/Model/Model.key"] = model.ToArray();
        AddPredictionTransformer(e, "MC  PRED", 0x00010002, "MulticlassPredXfer", trainSchema, s =>
        {
            s.WriteStringOrNull(featureColumn);
            s.WriteStringOrNull(labelColumn);
            s.WriteStringOrNull(scoreColumn);
            s.WriteStringOrNull(predictedLabelColumn);
        });
        return e;
    }

    /// <summary>A regression head over <c>LinearRegressionModelParameters</c> and the check of what ML.NET loads from it.</summary>
    internal static NativePart<RegressionPredictionTransformer<LinearRegressionModelParameters>> RegressionPart(float[] weights, float bias, byte[] trainSchema, string featureColumn) =>
        new(RegressionEntries(weights, bias, trainSchema, featureColumn), t =>
        {
            VerifyLinear(t.Model.Weights, t.Model.Bias, weights, bias, "regression model");
            VerifyFeatureColumn(t.FeatureColumnName, featureColumn);
        });

    /// <summary>A binary head (linear model, Platt calibrator that is the logistic function) and the check of what ML.NET loads from it.</summary>
    internal static NativePart<BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>> BinaryPart(float[] weights, float bias, byte[] trainSchema, string featureColumn) =>
        new(BinaryEntries(weights, bias, trainSchema, featureColumn), t =>
        {
            VerifyLinear(t.Model.SubModel.Weights, t.Model.SubModel.Bias, weights, bias, "binary model");
            if (t.Model.Calibrator.Slope != -1.0 || t.Model.Calibrator.Offset != 0.0)
            {
                throw new NativeModelMismatchException($"The loaded Platt calibrator has slope {t.Model.Calibrator.Slope} and offset {t.Model.Calibrator.Offset}; -1 and 0 were written.");
            }

            VerifyFeatureColumn(t.FeatureColumnName, featureColumn);
        });

    /// <summary>A softmax multiclass head over <c>MaximumEntropyModelParameters</c> and the check of what ML.NET loads from it.</summary>
    internal static NativePart<MulticlassPredictionTransformer<MaximumEntropyModelParameters>> MulticlassPart(float[] weights, float[] biases, int featureCount, byte[] trainSchema, string featureColumn, string labelColumn) =>
        new(MulticlassEntries(weights, biases, featureCount, true, trainSchema, featureColumn, labelColumn, "Score", "PredictedLabel"), t =>
        {
            VerifyMulticlass(t.Model, weights, biases, featureCount);
            VerifyFeatureColumn(t.FeatureColumnName, featureColumn);
        });

    /// <summary>
    /// A raw linear layer (an MLP's hidden layer before its activation) and the check of what ML.NET loads from it. Its
    /// training schema is the one column it reads (<see cref="LayerSchema"/>).
    /// </summary>
    internal static NativePart<MulticlassPredictionTransformer<LinearMulticlassModelParameters>> LayerPart(float[] weights, float[] biases, int featureCount, string featureColumn, DataViewType featureType, string scoreColumn, string predictedLabelColumn) =>
        new(MulticlassEntries(weights, biases, featureCount, false, LayerSchema(featureColumn, featureType), featureColumn, null, scoreColumn, predictedLabelColumn), t =>
        {
            VerifyMulticlass(t.Model, weights, biases, featureCount);
            VerifyFeatureColumn(t.FeatureColumnName, featureColumn);
        });

    /// <summary>Builds, loads with ML.NET's stock loader and verifies one part (the model file's root is the part itself).</summary>
    internal static T LoadPart<T>(MLContext ml, NativePart<T> part)
        where T : class, ITransformer
    {
        T t = Load<T>(ml, part.Entries);
        part.Verify(t);
        return t;
    }

    /// <summary>Builds, loads and verifies a regression transformer.</summary>
    internal static RegressionPredictionTransformer<LinearRegressionModelParameters> Regression(MLContext ml, float[] weights, float bias, IDataView trainSchema, string featureColumn) =>
        LoadPart(ml, RegressionPart(weights, bias, SchemaBytes(ml, trainSchema), featureColumn));

    /// <summary>Builds, loads and verifies a binary transformer.</summary>
    internal static BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> Binary(MLContext ml, float[] weights, float bias, IDataView trainSchema, string featureColumn) =>
        LoadPart(ml, BinaryPart(weights, bias, SchemaBytes(ml, trainSchema), featureColumn));

    /// <summary>Builds, loads and verifies a softmax multiclass transformer.</summary>
    internal static MulticlassPredictionTransformer<MaximumEntropyModelParameters> Multiclass(MLContext ml, float[] weights, float[] biases, int featureCount, IDataView trainSchema, string featureColumn, string labelColumn) =>
        LoadPart(ml, MulticlassPart(weights, biases, featureCount, SchemaBytes(ml, trainSchema), featureColumn, labelColumn));

    /// <summary>A model file (zip) holding <paramref name="entries"/>.</summary>
    internal static byte[] Zip(IReadOnlyDictionary<string, byte[]> entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (KeyValuePair<string, byte[]> kv in entries.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                // Stored, not deflated: the file lives only until ML.NET has read it.
                using Stream s = zip.CreateEntry(kv.Key, CompressionLevel.NoCompression).Open();
                s.Write(kv.Value);
            }
        }

        return ms.ToArray();
    }

    /// <summary>Loads <paramref name="entries"/> with ML.NET's stock loader as <typeparamref name="T"/>.</summary>
    /// <exception cref="NativeModelMismatchException">ML.NET rejects the streams or returns another type.</exception>
    internal static T Load<T>(MLContext ml, IReadOnlyDictionary<string, byte[]> entries)
        where T : class, ITransformer
    {
        ITransformer loaded;
        try
        {
            using var ms = new MemoryStream(Zip(entries), writable: false);
            loaded = ml.Model.Load(ms, out _);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new NativeModelMismatchException($"ML.NET {MLNetVersion} could not load the {typeof(T).Name} streams written by the bridge: {ex.Message}", ex);
        }

        return loaded as T ?? throw new NativeModelMismatchException($"ML.NET {MLNetVersion} loaded a {loaded.GetType()} where a {typeof(T)} was written.");
    }

    /// <summary>The version of the Microsoft.ML assemblies in use.</summary>
    internal static string MLNetVersion =>
        typeof(MLContext).Assembly.GetName().Version?.ToString() + " (" +
        (typeof(MLContext).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false).FirstOrDefault() as System.Reflection.AssemblyInformationalVersionAttribute)?.InformationalVersion + ")";

    /// <summary>
    /// The training schema of an MLP's part: an empty binary data file with only the column the part reads (its name and
    /// type, no annotations), written by <see cref="SchemaFile"/> instead of ML.NET's saver. Scoring needs nothing else
    /// from it (a multiclass head also needs its label column: <see cref="HeadSchema"/>).
    /// </summary>
    internal static byte[] LayerSchema(string featureColumn, DataViewType featureType) => SchemaFile.Write(featureColumn, featureType);

    /// <summary>
    /// The training schema of an MLP's multiclass head: its feature column and the key-typed label column with its
    /// annotations (the head's predicted label takes the label's key values from it), through ML.NET's saver.
    /// </summary>
    internal static byte[] HeadSchema(MLContext ml, string featureColumn, DataViewType featureType, DataViewSchema.Column label)
    {
        var b = new DataViewSchema.Builder();
        b.AddColumn(featureColumn, featureType);
        b.AddColumn(label.Name, label.Type, label.Annotations);
        return SchemaBytes(ml, new EmptyDataView(b.ToSchema()));
    }

    /// <summary>A data view with no rows and <paramref name="data"/>'s schema, as ML.NET stores a training schema.</summary>
    internal static byte[] SchemaBytes(MLContext ml, IDataView data)
    {
        using var ms = new MemoryStream();
        ml.Data.SaveAsBinary(new EmptyDataView(data.Schema), ms, keepHidden: false);
        return ms.ToArray();
    }

    /// <summary>Throws when a loaded linear model's weights or bias differ (bit for bit) from those written.</summary>
    internal static void VerifyLinear(IReadOnlyList<float> loadedWeights, float loadedBias, ReadOnlySpan<float> weights, float bias, string what)
    {
        if (loadedWeights.Count != weights.Length)
        {
            throw new NativeModelMismatchException($"The loaded {what} has {loadedWeights.Count} weights; {weights.Length} were written.");
        }

        for (int i = 0; i < weights.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(loadedWeights[i]) != BitConverter.SingleToInt32Bits(weights[i]))
            {
                throw new NativeModelMismatchException($"The loaded {what} has weight[{i}] = {loadedWeights[i].ToString("R", CultureInfo.InvariantCulture)}; {weights[i].ToString("R", CultureInfo.InvariantCulture)} was written.");
            }
        }

        if (BitConverter.SingleToInt32Bits(loadedBias) != BitConverter.SingleToInt32Bits(bias))
        {
            throw new NativeModelMismatchException($"The loaded {what} has bias {loadedBias.ToString("R", CultureInfo.InvariantCulture)}; {bias.ToString("R", CultureInfo.InvariantCulture)} was written.");
        }
    }

    /// <summary>Throws when a loaded multiclass linear model differs (bit for bit) from the class-major weights and biases written.</summary>
    internal static void VerifyMulticlass(LinearMulticlassModelParametersBase model, ReadOnlySpan<float> weights, ReadOnlySpan<float> biases, int featureCount)
    {
        VBuffer<float>[] loaded = Array.Empty<VBuffer<float>>();
        model.GetWeights(ref loaded, out int classes);
        if (classes != biases.Length)
        {
            throw new NativeModelMismatchException($"The loaded multiclass model has {classes} classes; {biases.Length} were written.");
        }

        float[] loadedBiases = model.GetBiases().ToArray();
        for (int c = 0; c < classes; c++)
        {
            ReadOnlySpan<float> row = loaded[c].IsDense ? loaded[c].GetValues() : loaded[c].DenseValues().ToArray();
            if (row.Length != featureCount)
            {
                throw new NativeModelMismatchException($"The loaded multiclass model has {row.Length} weights for class {c}; {featureCount} were written.");
            }

            for (int f = 0; f < featureCount; f++)
            {
                float expected = weights[(c * featureCount) + f];
                if (BitConverter.SingleToInt32Bits(row[f]) != BitConverter.SingleToInt32Bits(expected))
                {
                    throw new NativeModelMismatchException($"The loaded multiclass model has weight[{c}][{f}] = {row[f].ToString("R", CultureInfo.InvariantCulture)}; {expected.ToString("R", CultureInfo.InvariantCulture)} was written.");
                }
            }

            if (BitConverter.SingleToInt32Bits(loadedBiases[c]) != BitConverter.SingleToInt32Bits(biases[c]))
            {
                throw new NativeModelMismatchException($"The loaded multiclass model has bias[{c}] = {loadedBiases[c].ToString("R", CultureInfo.InvariantCulture)}; {biases[c].ToString("R", CultureInfo.InvariantCulture)} was written.");
            }
        }
    }

    private static void VerifyFeatureColumn(string loaded, string written)
    {
        if (!string.Equals(loaded, written, StringComparison.Ordinal))
        {
            throw new NativeModelMismatchException($"The loaded transformer reads feature column '{loaded}'; '{written}' was written.");
        }
    }

    private static void WriteLinearBlock(BinaryWriter w, ReadOnlySpan<float> weights, float bias)
    {
        w.Write(sizeof(float)); // model parameters base: size of the score type
        w.Write(bias);
        w.Write(weights.Length); // features
        w.Write(0); // dense: no indices
        w.Write(weights.Length);
        foreach (float v in weights)
        {
            w.Write(v);
        }
    }

    private static void AddPredictionTransformer(Dictionary<string, byte[]> e, string signature, uint versionWritten, string loader, byte[] trainSchema, Action<ComponentStream> writeBlock)
    {
        var t = new ComponentStream(signature, versionWritten, 0x00010001, loader, DataAssembly);
        writeBlock(t);
        e[Root + "/Model.key"] = t.ToArray();
        e[Root + "/TrainSchema"] = trainSchema;
    }
}
