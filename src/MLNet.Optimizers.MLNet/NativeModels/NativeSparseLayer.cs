using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MLNet.Optimizers.MLNet.Native;

/// <summary>The weights of a sparse linear layer in ML.NET's CSR form: output i reads <c>Columns[Starts[i]..Starts[i+1]]</c>.</summary>
/// <param name="FeatureCount">Inputs.</param>
/// <param name="Starts">Outputs + 1 ascending offsets, from 0.</param>
/// <param name="Columns">The input of every stored weight, ascending within an output.</param>
/// <param name="Values">The stored weights (none is 0: ML.NET stores no zero).</param>
/// <param name="Biases">One bias per output.</param>
internal sealed record SparseWeights(int FeatureCount, int[] Starts, int[] Columns, float[] Values, float[] Biases)
{
    /// <summary>Outputs.</summary>
    public int Outputs => Biases.Length;

    /// <summary>A layer whose output i is <c>biases[i] + weights[i] * x[features[i]]</c> (a zero weight stores nothing).</summary>
    public static SparseWeights OnePerOutput(int featureCount, IReadOnlyList<int> features, IReadOnlyList<float> weights, IReadOnlyList<float> biases)
    {
        var b = new Builder(featureCount, biases.Count);
        for (int i = 0; i < biases.Count; i++)
        {
            b.Add(features[i], weights[i]);
            b.EndOutput(biases[i]);
        }

        return b.Build();
    }

    /// <summary>Adds outputs one by one: their non-zero weights in ascending input order, then the bias.</summary>
    public sealed class Builder(int featureCount, int outputs)
    {
        private readonly List<int> _starts = new(outputs + 1) { 0 };
        private readonly List<int> _columns = new();
        private readonly List<float> _values = new();
        private readonly List<float> _biases = new(outputs);

        /// <summary>Adds one weight of the current output (a zero is skipped).</summary>
        public void Add(int feature, float weight)
        {
            if ((uint)feature >= (uint)featureCount)
            {
                throw new ArgumentOutOfRangeException(nameof(feature), feature, $"input {feature} is outside 0..{featureCount - 1}.");
            }

            if (_columns.Count > _starts[^1] && feature <= _columns[^1])
            {
                throw new ArgumentException($"inputs of an output must ascend; {feature} follows {_columns[^1]}.", nameof(feature));
            }

            if (weight != 0)
            {
                _columns.Add(feature);
                _values.Add(weight);
            }
        }

        /// <summary>Closes the current output with its bias.</summary>
        public void EndOutput(float bias)
        {
            _biases.Add(bias);
            _starts.Add(_columns.Count);
        }

        /// <summary>The layer.</summary>
        public SparseWeights Build() => new(featureCount, _starts.ToArray(), _columns.ToArray(), _values.ToArray(), _biases.ToArray());
    }
}

internal static partial class NativeModels
{
    /// <summary>
    /// The entries of a multiclass prediction transformer over <c>LinearMulticlassModelParameters</c> with sparse
    /// weights (ML.NET's CSR block: row starts, column indices, values): the raw <c>bias + W·x</c> of every output.
    /// </summary>
    internal static Dictionary<string, byte[]> SparseLayerEntries(SparseWeights layer, byte[] trainSchema, string featureColumn, string scoreColumn, string predictedLabelColumn)
    {
        var e = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var model = new ComponentStream("MCLINEAR", 0x00010001, 0x00010001, "MulticlassLinear", TrainersAssembly);
        BinaryWriter w = model.Writer;
        w.Write(sizeof(float)); // model parameters base: size of the score type
        w.Write(layer.FeatureCount);
        w.Write(layer.Outputs);
        foreach (float b in layer.Biases)
        {
            w.Write(b);
        }

        w.Write(layer.Outputs + 1); // row starts (outputs + 1 of them, from 0)
        foreach (int s in layer.Starts)
        {
            w.Write(s);
        }

        w.Write(layer.Columns.Length);
        foreach (int c in layer.Columns)
        {
            w.Write(c);
        }

        w.Write(layer.Values.Length);
        foreach (float v in layer.Values)
        {
            w.Write(v);
        }

        e[Root + "/Model/Model.key"] = model.ToArray();
        AddPredictionTransformer(e, "MC  PRED", 0x00010002, "MulticlassPredXfer", trainSchema, s =>
        {
            s.WriteStringOrNull(featureColumn);
            s.WriteStringOrNull(null);
            s.WriteStringOrNull(scoreColumn);
            s.WriteStringOrNull(predictedLabelColumn);
        });
        return e;
    }

    /// <summary>
    /// A sparse layer and the check of what ML.NET loads from it (every stored weight and bias, bit for bit). Its training
    /// schema is the one column it reads (<see cref="LayerSchema"/>).
    /// </summary>
    internal static NativePart<MulticlassPredictionTransformer<LinearMulticlassModelParameters>> SparseLayerPart(SparseWeights layer, string featureColumn, DataViewType featureType, string scoreColumn, string predictedLabelColumn) =>
        new(SparseLayerEntries(layer, LayerSchema(featureColumn, featureType), featureColumn, scoreColumn, predictedLabelColumn), t => VerifySparse(t, layer, featureColumn));

    private static void VerifySparse(MulticlassPredictionTransformer<LinearMulticlassModelParameters> t, SparseWeights layer, string featureColumn)
    {
        VBuffer<float>[] loaded = Array.Empty<VBuffer<float>>();
        t.Model.GetWeights(ref loaded, out int classes);
        var loadedBiases = new List<float>(t.Model.GetBiases());
        if (classes != layer.Outputs)
        {
            throw new NativeModelMismatchException($"The loaded sparse layer has {classes} outputs; {layer.Outputs} were written.");
        }

        for (int i = 0; i < classes; i++)
        {
            int k = layer.Starts[i];
            foreach (KeyValuePair<int, float> kv in loaded[i].Items())
            {
                if (kv.Value == 0)
                {
                    continue;
                }

                if (k >= layer.Starts[i + 1] || kv.Key != layer.Columns[k] || BitConverter.SingleToInt32Bits(kv.Value) != BitConverter.SingleToInt32Bits(layer.Values[k]))
                {
                    throw new NativeModelMismatchException($"The loaded sparse layer has weight {kv.Value.ToString("R", CultureInfo.InvariantCulture)} for output {i}, input {kv.Key}; another was written there.");
                }

                k++;
            }

            if (k != layer.Starts[i + 1])
            {
                throw new NativeModelMismatchException($"The loaded sparse layer has {k - layer.Starts[i]} weights for output {i}; {layer.Starts[i + 1] - layer.Starts[i]} were written.");
            }

            if (BitConverter.SingleToInt32Bits(loadedBiases[i]) != BitConverter.SingleToInt32Bits(layer.Biases[i]))
            {
                throw new NativeModelMismatchException($"The loaded sparse layer has bias[{i}] = {loadedBiases[i].ToString("R", CultureInfo.InvariantCulture)}; {layer.Biases[i].ToString("R", CultureInfo.InvariantCulture)} was written.");
            }
        }

        VerifyFeatureColumn(t.FeatureColumnName, featureColumn);
    }
}
