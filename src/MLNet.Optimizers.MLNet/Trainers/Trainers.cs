using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MLNet.Optimizers.MLNet.Native;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.MLNet;

/// <summary>Shared plumbing of the bridge's estimators: options, schema propagation through the stock trainer of the task.</summary>
/// <typeparam name="TTransformer">What <see cref="Fit"/> returns.</typeparam>
public abstract class OptimizerTrainerBase<TTransformer> : IEstimator<TTransformer>
    where TTransformer : class, ITransformer
{
    private protected OptimizerTrainerBase(MLContext mlContext, OptimizerTrainerOptions options, TaskKind task)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Context = mlContext;
        Options = options.Clone();
        Task = task;
    }

    /// <summary>The task.</summary>
    public TaskKind Task { get; }

    /// <summary>The context models are built in.</summary>
    private protected MLContext Context { get; }

    /// <summary>A copy of the options the estimator was made with.</summary>
    private protected OptimizerTrainerOptions Options { get; }

    /// <summary>Trains on <paramref name="input"/>, streaming it in mini-batches, and returns ML.NET's own model types.</summary>
    /// <param name="input">Training data with the feature, label and (optional) weight columns.</param>
    /// <returns>The trained transformer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException">A column is missing or has the wrong type, or a row has a bad value.</exception>
    /// <exception cref="ArgumentOutOfRangeException">ML.NET's schema check failed (message names the column).</exception>
    /// <exception cref="NativeModelMismatchException">ML.NET read back other weights than the trained ones.</exception>
    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return FitCore(input);
    }

    /// <summary>The output schema: that of the stock ML.NET trainer of the task with the same columns (same columns, types and annotations).</summary>
    /// <param name="inputSchema">The input schema shape.</param>
    /// <returns>The output schema shape.</returns>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return BridgeEngine.StockEstimator(Context, Task, Options).GetOutputSchema(inputSchema);
    }

    private protected abstract TTransformer FitCore(IDataView input);
}

/// <summary>Linear regression trained by an MLNet.Optimizers optimizer; returns ML.NET's <see cref="LinearRegressionModelParameters"/>.</summary>
public sealed class OptimizerRegressionTrainer : OptimizerTrainerBase<RegressionPredictionTransformer<LinearRegressionModelParameters>>,
    ITrainerEstimator<RegressionPredictionTransformer<LinearRegressionModelParameters>, LinearRegressionModelParameters>
{
    internal OptimizerRegressionTrainer(MLContext mlContext, OptimizerTrainerOptions options)
        : base(mlContext, options, TaskKind.Regression)
    {
    }

    /// <summary>Borrowed from ML.NET's SDCA regression trainer (normalization advised, no calibration).</summary>
    public TrainerInfo Info => BridgeEngine.StockInfo(Context, Task, Options);

    private protected override RegressionPredictionTransformer<LinearRegressionModelParameters> FitCore(IDataView input)
    {
        NeuralModel m = BridgeEngine.Train(Context, input, Options, Task, Array.Empty<int>(), Activation.ReLU, 0);
        return NativeModels.Regression(Context, BridgeEngine.ClassMajorKernel(m, 0, out _, out _), BridgeEngine.Bias(m, 0)[0], input, Options.FeatureColumnName);
    }
}

/// <summary>
/// Linear binary classifier (logistic regression) trained by an MLNet.Optimizers optimizer; returns ML.NET's
/// <see cref="LinearBinaryModelParameters"/> with a <see cref="PlattCalibrator"/> that is exactly the logistic function.
/// </summary>
public sealed class OptimizerBinaryTrainer : OptimizerTrainerBase<BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>>,
    ITrainerEstimator<BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>, CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>
{
    internal OptimizerBinaryTrainer(MLContext mlContext, OptimizerTrainerOptions options)
        : base(mlContext, options, TaskKind.BinaryClassification)
    {
    }

    /// <summary>Borrowed from ML.NET's L-BFGS logistic regression trainer.</summary>
    public TrainerInfo Info => BridgeEngine.StockInfo(Context, Task, Options);

    private protected override BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> FitCore(IDataView input)
    {
        NeuralModel m = BridgeEngine.Train(Context, input, Options, Task, Array.Empty<int>(), Activation.ReLU, 0);
        return NativeModels.Binary(Context, BridgeEngine.ClassMajorKernel(m, 0, out _, out _), BridgeEngine.Bias(m, 0)[0], input, Options.FeatureColumnName);
    }
}

/// <summary>Linear multiclass classifier (softmax regression) trained by an MLNet.Optimizers optimizer; returns ML.NET's <see cref="MaximumEntropyModelParameters"/>.</summary>
public sealed class OptimizerMulticlassTrainer : OptimizerTrainerBase<MulticlassPredictionTransformer<MaximumEntropyModelParameters>>,
    ITrainerEstimator<MulticlassPredictionTransformer<MaximumEntropyModelParameters>, MaximumEntropyModelParameters>
{
    internal OptimizerMulticlassTrainer(MLContext mlContext, OptimizerTrainerOptions options)
        : base(mlContext, options, TaskKind.MulticlassClassification)
    {
    }

    /// <summary>Borrowed from ML.NET's L-BFGS maximum entropy trainer.</summary>
    public TrainerInfo Info => BridgeEngine.StockInfo(Context, Task, Options);

    private protected override MulticlassPredictionTransformer<MaximumEntropyModelParameters> FitCore(IDataView input)
    {
        NeuralModel m = BridgeEngine.Train(Context, input, Options, Task, Array.Empty<int>(), Activation.ReLU, 0);
        float[] w = BridgeEngine.ClassMajorKernel(m, 0, out int inputs, out _);
        return NativeModels.Multiclass(Context, w, BridgeEngine.Bias(m, 0), inputs, input, Options.FeatureColumnName, Options.LabelColumnName);
    }
}

/// <summary>
/// A multilayer perceptron for regression, binary or multiclass classification trained by an MLNet.Optimizers
/// optimizer. The result is a chain of ML.NET's own transformers: per hidden layer a multiclass prediction transformer
/// over <see cref="LinearMulticlassModelParameters"/> (raw W·x + b into <c>Score</c>), an <c>Expression</c> transform
/// for the activation and a <c>DropColumns</c> of the layer's score columns; then the task's head (the prediction
/// transformer type the linear trainers return; its stored training schema is only the column it reads, and a
/// multiclass head's label); then a <c>DropColumns</c> of the hidden activations, so the output columns are those of
/// ML.NET's stock trainer of the task.
/// </summary>
public sealed class OptimizerMlpTrainer : OptimizerTrainerBase<TransformerChain<ITransformer>>
{
    internal OptimizerMlpTrainer(MLContext mlContext, MlpTrainerOptions options, TaskKind task)
        : base(mlContext, options, task)
    {
    }

    private MlpTrainerOptions Mlp => (MlpTrainerOptions)Options;

    /// <summary>The expression of an activation in ML.NET's expression language.</summary>
    /// <param name="activation">ReLU, Tanh or Sigmoid.</param>
    /// <returns>The lambda text.</returns>
    /// <exception cref="ArgumentOutOfRangeException">GELU or an undefined value.</exception>
    public static string ActivationExpression(Activation activation) => activation switch
    {
        Activation.ReLU => "x => max(x, 0)",
        Activation.Tanh => "x => tanh(x)",
        Activation.Sigmoid => "x => 1 / (1 + exp(-x))",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, $"No ML.NET expression for activation {activation}."),
    };

    private protected override TransformerChain<ITransformer> FitCore(IDataView input)
    {
        MlpTrainerOptions o = Mlp;
        int layers = o.HiddenLayers.Count;
        var columns = new List<string>();
        for (int l = 1; l <= layers; l++)
        {
            foreach (string suffix in new[] { "argmax", "out" })
            {
                string name = string.Create(CultureInfo.InvariantCulture, $"__mlp{l}_{suffix}__{o.FeatureColumnName}");
                if (input.Schema.GetColumnOrNull(name) != null)
                {
                    throw new ArgumentException($"The data already has a column '{name}', which the MLP uses for a hidden layer.", nameof(input));
                }

                columns.Add(name);
            }
        }

        // A hidden layer's prediction transformer writes its raw outputs to "Score" (ML.NET's scorers fix that name);
        // it is dropped right after the activation has read it, unless the input already has a "Score" column
        // (then the hidden layers' scores stay behind as hidden columns, as a second stock trainer's would).
        bool dropScore = input.Schema.GetColumnOrNull("Score") is null;
        NeuralModel m = BridgeEngine.Train(Context, input, Options, Task, o.HiddenLayers, o.Activation, o.Dropout, o.Network(), out NumericEncoder? encoder);

        // Every linear part is written first and all are loaded with one call of ML.NET's loader (NativeChain); the
        // parts between them (expressions, drops, the concatenation) are fitted on the schema as the chain grows.
        var natives = new NativeChain();
        ITransformer[]? loaded = null;
        var steps = new List<Func<IDataView, ITransformer>>();
        void Native<T>(NativePart<T> part, string what)
            where T : class, ITransformer
        {
            int at = natives.Add(part, what);
            steps.Add(_ => loaded![at]);
        }

        string current = o.FeatureColumnName;
        DataViewType currentType = input.Schema[current].Type;
        if (encoder != null)
        {
            (current, currentType) = AddEncoding(encoder, input.Schema, Native, steps, o.FeatureColumnName, currentType, dropScore, columns);
        }

        for (int l = 0; l < layers; l++)
        {
            string argmax = columns[2 * l], output = columns[(2 * l) + 1];
            int outputs;
            if (l == 0 || m.EnsembleSize == 1)
            {
                float[] w = BridgeEngine.ClassMajorKernel(m, l, out int inputs, out outputs);
                Native(NativeModels.LayerPart(w, BridgeEngine.Bias(m, l), inputs, current, currentType, "Score", argmax), $"hidden layer {l + 1}, reading '{current}'");
            }
            else
            {
                SparseWeights block = BlockDiagonal(m, l);
                outputs = block.Outputs;
                Native(NativeModels.SparseLayerPart(block, current, currentType, "Score", argmax), $"hidden layer {l + 1} (block-diagonal), reading '{current}'");
            }

            steps.Add(v => Context.Transforms.Expression(output, ActivationExpression(o.Activation), "Score").Fit(v));
            steps.Add(v => Context.Transforms.DropColumns(dropScore ? new[] { "Score", argmax } : new[] { argmax }).Fit(v));
            current = output;
            currentType = new VectorDataViewType(NumberDataViewType.Single, outputs);
        }

        (float[] hw, float[] hb, int hin) = m.EnsembleSize == 1 || layers == 0
            ? (BridgeEngine.ClassMajorKernel(m, layers, out int denseIn, out _), BridgeEngine.Bias(m, layers), denseIn)
            : MeanHead(m, layers);
        string head = $"the {Task} head, reading '{current}'";
        switch (Task)
        {
            case TaskKind.Regression:
                Native(NativeModels.RegressionPart(hw, hb[0], NativeModels.LayerSchema(current, currentType), current), head);
                break;
            case TaskKind.BinaryClassification:
                Native(NativeModels.BinaryPart(hw, hb[0], NativeModels.LayerSchema(current, currentType), current), head);
                break;
            default:
                Native(NativeModels.MulticlassPart(hw, hb, hin, NativeModels.HeadSchema(Context, current, currentType, input.Schema[o.LabelColumnName]), current, o.LabelColumnName), head);
                break;
        }

        steps.Add(v => Context.Transforms.DropColumns(columns.Where((_, i) => i % 2 == 1).ToArray()).Fit(v));
        loaded = natives.Load(Context);
        var parts = new List<ITransformer>(steps.Count);
        IDataView view = new EmptyDataView(input.Schema);
        foreach (Func<IDataView, ITransformer> step in steps)
        {
            ITransformer part = step(view);
            view = part.Transform(view);
            parts.Add(part);
        }

        return new TransformerChain<ITransformer>(parts.ToArray());
    }

    /// <summary>
    /// A packed ensemble's block-diagonal layer <paramref name="l"/> (kernel [k, h_in, h_out]) as one sparse layer over all
    /// members: output j*h_out + o reads inputs j*h_in .. j*h_in + h_in - 1 of member j only.
    /// </summary>
    private static SparseWeights BlockDiagonal(NeuralModel m, int l)
    {
        int k = m.EnsembleSize, hin = m.Width(l), hout = m.Width(l + 1);
        ReadOnlySpan<float> kernel = m.Parameters[2 * l].Value.Span;
        ReadOnlySpan<float> bias = m.Parameters[(2 * l) + 1].Value.Span;
        var b = new SparseWeights.Builder(k * hin, k * hout);
        for (int j = 0; j < k; j++)
        {
            for (int o = 0; o < hout; o++)
            {
                for (int i = 0; i < hin; i++)
                {
                    b.Add((j * hin) + i, kernel[(((j * hin) + i) * hout) + o]);
                }

                b.EndOutput(bias[(j * hout) + o]);
            }
        }

        return b.Build();
    }

    /// <summary>
    /// A packed ensemble's output layer as one dense head over all members' last hidden units: the mean of the members'
    /// outputs, weights <c>W[j, i, c] / k</c> (class-major, inputs j*h + i) and biases <c>(Σ_j b[j, c]) / k</c>.
    /// </summary>
    private static (float[] Weights, float[] Biases, int Inputs) MeanHead(NeuralModel m, int l)
    {
        int k = m.EnsembleSize, h = m.Width(l), outputs = m.Width(l + 1);
        ReadOnlySpan<float> kernel = m.Parameters[2 * l].Value.Span;
        ReadOnlySpan<float> bias = m.Parameters[(2 * l) + 1].Value.Span;
        var w = new float[outputs * k * h];
        var b = new float[outputs];
        for (int c = 0; c < outputs; c++)
        {
            float sum = 0f;
            for (int j = 0; j < k; j++)
            {
                sum += bias[(j * outputs) + c];
                for (int i = 0; i < h; i++)
                {
                    w[(c * k * h) + (j * h) + i] = kernel[(((j * h) + i) * outputs) + c] / k;
                }
            }

            b[c] = sum / k;
        }

        return (w, b, k * h);
    }

    /// <summary>
    /// The numeric encoding as ML.NET's own parts: a sparse linear layer for the scaled features (one weight per
    /// output) and an <c>Expression</c> for the smooth clip; a sparse linear layer for the piecewise-linear bins and an
    /// <c>Expression</c> clamp to [0, 1]; a <c>Concatenate</c> of both. Returns the encoded column and its type; every
    /// column it adds is dropped by the chain's last part (odd positions of <paramref name="columns"/>) or right away.
    /// </summary>
    private (string Column, DataViewType Type) AddEncoding(NumericEncoder encoder, DataViewSchema input, Action<NativePart<MulticlassPredictionTransformer<LinearMulticlassModelParameters>>, string> native, List<Func<IDataView, ITransformer>> steps, string featureColumn, DataViewType featureType, bool dropScore, List<string> columns)
    {
        string Name(string suffix)
        {
            string name = string.Create(CultureInfo.InvariantCulture, $"__mlp0_{suffix}__{featureColumn}");
            if (input.GetColumnOrNull(name) != null)
            {
                throw new ArgumentException($"The data already has a column '{name}', which the MLP uses for its input encoding.", "input");
            }

            return name;
        }

        string argmax = Name("argmax"), raw = Name("scaled"), bins = Name("bins"), encoded = Name("encoded");
        int d = encoder.InputCount;
        var identity = new int[d];
        for (int j = 0; j < d; j++)
        {
            identity[j] = j;
        }

        string[] drop = dropScore ? new[] { "Score", argmax } : new[] { argmax };
        native(NativeModels.SparseLayerPart(SparseWeights.OnePerOutput(d, identity, encoder.RawScale, encoder.RawOffset), featureColumn, featureType, "Score", argmax), $"the input scaling, reading '{featureColumn}'");
        string c2 = encoder.SmoothClipSquared.ToString("R", CultureInfo.InvariantCulture);
        steps.Add(v => Context.Transforms.Expression(raw, encoder.SmoothClip > 0 ? $"x => x / sqrt(1 + x * x / {c2})" : "x => x", "Score").Fit(v));
        steps.Add(v => Context.Transforms.DropColumns(drop).Fit(v));
        var inputs = new List<string> { raw };
        if (encoder.BinCount > 0)
        {
            native(NativeModels.SparseLayerPart(SparseWeights.OnePerOutput(d, encoder.BinFeature, encoder.BinScale, encoder.BinOffset), featureColumn, featureType, "Score", argmax), $"the piecewise-linear bins, reading '{featureColumn}'");
            steps.Add(v => Context.Transforms.Expression(bins, "x => min(max(x, 0), 1)", "Score").Fit(v));
            steps.Add(v => Context.Transforms.DropColumns(drop).Fit(v));
            inputs.Add(bins);
        }

        steps.Add(v => Context.Transforms.Concatenate(encoded, inputs.ToArray()).Fit(v));
        steps.Add(v => Context.Transforms.DropColumns(inputs.ToArray()).Fit(v));

        // The chain's last part drops the odd positions of the column list: the encoded column goes there too.
        columns.Add(argmax);
        columns.Add(encoded);
        return (encoded, new VectorDataViewType(NumberDataViewType.Single, encoder.OutputCount));
    }
}
