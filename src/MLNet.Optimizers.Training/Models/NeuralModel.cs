using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Models;

/// <summary>
/// A dense network for regression, binary or multiclass classification: a linear model when it has no hidden layers,
/// an MLP otherwise. Its parameters are exposed to any optimizer by name and shape (Keras names:
/// <c>dense/kernel</c> [in, out], <c>dense/bias</c> [out], <c>dense_1/kernel</c>, ...), so Adafactor factors the
/// kernels and not the biases, and weight-decay exclusion by name (<c>bias</c>) works. Matrix work runs through a
/// <see cref="BlasProvider"/>.
/// </summary>
/// <remarks>
/// With <see cref="ModelOptions.EnsembleSize"/> k &gt; 1 the model is k independent MLPs of the same shape trained at
/// once (a packed ensemble): the first layer is one dense layer from the inputs to all members' units
/// (<c>dense/kernel</c> [in, k*h]); every later layer is block-diagonal, one block per member (<c>dense_l/kernel</c>
/// [k, h_in, h_out], so Adafactor factors each block); each member has its own outputs, its own loss (the loss is the
/// mean of the members' losses), and <see cref="Score"/> returns the mean of the members' raw outputs.
/// <para/>
/// <b>Threads.</b> <see cref="Score"/> and <see cref="Predict"/> may be called from any number of threads at once (each
/// call uses its own buffers; the same rows give the same bits on every thread). Training is one thread's work:
/// <see cref="ForwardBackward"/> throws when its <see cref="Workspace"/> is in use by another call, and while
/// <c>Trainer.Fit</c> trains the model a second <c>Fit</c> of it, or a <see cref="Score"/> from another thread, throws
/// <see cref="InvalidOperationException"/> instead of racing the weight updates.
/// </remarks>
public sealed class NeuralModel
{
    private readonly int[] _widths;
    private readonly int[] _total;
    private readonly int _members;
    private readonly Parameter[] _parameters;
    /// <summary>The inference buffers of the last <see cref="Score"/> call, reused by the next (a concurrent call takes its own).</summary>
    private Workspace? _inference;

    /// <summary>The managed thread id of the <c>Trainer.Fit</c> training this model, or 0.</summary>
    private int _trainingThread;
    private int _numThreads;

    /// <summary>Creates a model with initialized weights.</summary>
    /// <param name="inputCount">Features per example.</param>
    /// <param name="options">Task, layers, activation, dropout, initialization, loss.</param>
    /// <param name="seed">Initialization seed (same seed, same weights).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public NeuralModel(int inputCount, ModelOptions options, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (inputCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(inputCount), inputCount, $"inputCount must be >= 1, got {inputCount}.");
        }

        options.Validate();
        Options = options.Clone();
        InputCount = inputCount;
        _widths = new int[Options.HiddenLayers.Count + 2];
        _widths[0] = inputCount;
        for (int i = 0; i < Options.HiddenLayers.Count; i++)
        {
            _widths[i + 1] = Options.HiddenLayers[i];
        }

        _widths[^1] = Options.OutputCount;
        _members = Options.EnsembleSize;
        _total = new int[_widths.Length];
        for (int l = 0; l < _widths.Length; l++)
        {
            _total[l] = l == 0 ? _widths[0] : _members * _widths[l];
        }

        _parameters = new Parameter[2 * LayerCount];
        var rng = new DeterministicRandom(seed);
        for (int l = 0; l < LayerCount; l++)
        {
            string prefix = l == 0 ? "dense" : "dense_" + l.ToString(CultureInfo.InvariantCulture);
            int fanIn = _widths[l], fanOut = _widths[l + 1];
            var kernel = new float[_members * fanIn * fanOut];
            bool output = l == LayerCount - 1;
            WeightInitializer init = Options.Initializer;
            if (init == WeightInitializer.Auto)
            {
                init = !output && (Options.Activation == Activation.ReLU || Options.Activation == Activation.Gelu) ? WeightInitializer.HeNormal : WeightInitializer.GlorotUniform;
            }

            if (init == WeightInitializer.HeNormal)
            {
                double std = Math.Sqrt(2.0 / fanIn) / 0.87962566103423978; // Keras truncated-normal correction
                for (int i = 0; i < kernel.Length; i++)
                {
                    double g;
                    do
                    {
                        g = rng.NextGaussian();
                    }
                    while (Math.Abs(g) > 2);

                    kernel[i] = (float)(g * std);
                }
            }
            else
            {
                double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
                for (int i = 0; i < kernel.Length; i++)
                {
                    kernel[i] = (float)(((rng.NextDouble() * 2) - 1) * limit);
                }
            }

            int[] shape = _members == 1 ? new[] { fanIn, fanOut } : l == 0 ? new[] { fanIn, _members * fanOut } : new[] { _members, fanIn, fanOut };
            _parameters[2 * l] = new Parameter(prefix + "/kernel", shape, kernel);
            _parameters[(2 * l) + 1] = new Parameter(prefix + "/bias", new[] { _members * fanOut }, new float[_members * fanOut]);
        }
    }

    /// <summary>The model's options (a copy; do not modify).</summary>
    public ModelOptions Options { get; }

    /// <summary>Features per example.</summary>
    public int InputCount { get; }

    /// <summary>Outputs per example (1, or the class count for multiclass).</summary>
    public int OutputCount => _widths[^1];

    /// <summary>Members of the packed ensemble (1: a plain network).</summary>
    public int EnsembleSize => _members;

    /// <summary>Units of one member in layer <paramref name="layer"/> (0: the inputs; <see cref="LayerCount"/>: the outputs).</summary>
    /// <param name="layer">The layer boundary.</param>
    /// <returns>The width.</returns>
    public int Width(int layer) => _widths[layer];

    /// <summary>Dense layers, including the output layer.</summary>
    public int LayerCount => _widths.Length - 1;

    /// <summary>Kernels and biases, in layer order: what an optimizer is built with.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>
    /// Threads the non-GEMM work of a step may use (bias, activations, dropout, softmax head, bias gradients): 0 (the
    /// default) for every logical processor; large layers are split into parts fixed by their shape, so the result is
    /// the same bits for every value. The GEMM threads are the <see cref="BlasProvider"/>'s.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int NumThreads
    {
        get => _numThreads;
        set => _numThreads = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(NumThreads), value, $"NumThreads must be >= 0 (0 = every logical processor), got {value}.");
    }

    private int Threads => _numThreads == 0 ? Environment.ProcessorCount : _numThreads;

    /// <summary>Total number of trainable values.</summary>
    public long ParameterCount
    {
        get
        {
            long n = 0;
            foreach (Parameter p in _parameters)
            {
                n += p.Length;
            }

            return n;
        }
    }

    /// <summary>Whether every weight is finite.</summary>
    /// <returns>False when any weight is NaN or infinite.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool AllFinite()
    {
        foreach (Parameter p in _parameters)
        {
            foreach (float v in p.Value.Span)
            {
                if (!float.IsFinite(v))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Creates the buffers for training batches of up to <paramref name="capacity"/> rows.</summary>
    /// <param name="capacity">Maximum rows per batch.</param>
    /// <returns>A workspace, with one gradient buffer per parameter (<see cref="Workspace.Gradients"/>).</returns>
    public Workspace CreateWorkspace(int capacity) => new(this, capacity);

    /// <summary>
    /// Raw outputs (regression value, binary logit, or multiclass logits) for <paramref name="rows"/> rows; no dropout.
    /// </summary>
    /// <param name="blas">The compute provider.</param>
    /// <param name="features">Row-major features, rows × <see cref="InputCount"/>.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="output">rows × <see cref="OutputCount"/> values.</param>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    /// <exception cref="InvalidOperationException"><c>Trainer.Fit</c> is training the model on another thread.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Score(BlasProvider blas, ReadOnlySpan<float> features, int rows, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(blas);
        if (features.Length < (long)rows * InputCount)
        {
            throw new ArgumentException($"features has {features.Length} values; {rows} rows need {(long)rows * InputCount}.", nameof(features));
        }

        if (output.Length < (long)rows * OutputCount)
        {
            throw new ArgumentException($"output has {output.Length} values; {rows} rows need {(long)rows * OutputCount}.", nameof(output));
        }

        int trainer = Volatile.Read(ref _trainingThread);
        if (trainer != 0 && trainer != Environment.CurrentManagedThreadId)
        {
            throw new InvalidOperationException("The model is being trained by Trainer.Fit on another thread; its weights change at every step. Score it after Fit returns.");
        }

        // The cached buffers, or (when another thread holds them) buffers of this call's own.
        Workspace ws = Interlocked.Exchange(ref _inference, null) ?? new Workspace(this, InferenceRows);
        try
        {
            for (int start = 0; start < rows; start += ws.Capacity)
            {
                int n = Math.Min(ws.Capacity, rows - start);
                Forward(blas, ws, features.Slice(start * InputCount, n * InputCount), n, training: false, null);
                if (_members == 1)
                {
                    ws.Activations[^1].AsSpan(0, n * OutputCount).CopyTo(output.Slice(start * OutputCount));
                }
                else
                {
                    MeanOfMembers(ws.Activations[^1], n, output.Slice(start * OutputCount, n * OutputCount));
                }
            }
        }
        finally
        {
            Volatile.Write(ref _inference, ws);
        }
    }

    /// <summary>out[r, c] = (Σ_j o[r, j, c]) * (1/k), members in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MeanOfMembers(ReadOnlySpan<float> o, int rows, Span<float> output)
    {
        int k = OutputCount;
        float inv = 1f / _members;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < k; c++)
            {
                float sum = 0f;
                for (int j = 0; j < _members; j++)
                {
                    sum += o[(((r * _members) + j) * k) + c];
                }

                output[(r * k) + c] = sum * inv;
            }
        }
    }

    /// <summary>
    /// <c>z = input · W</c> for layer <paramref name="l"/>: one product for the first layer (or a single member), else
    /// one per member block (member j reads columns j*h_in.. of the input and writes columns j*h_out.. of z).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LayerProduct(BlasProvider blas, int l, ReadOnlySpan<float> input, int rows, Span<float> z)
    {
        ReadOnlySpan<float> kernel = _parameters[2 * l].Value.Span;
        if (l == 0 || _members == 1)
        {
            blas.Sgemm(Transpose.No, Transpose.No, rows, _total[l + 1], _total[l], 1f, input, _total[l], kernel, _total[l + 1], 0f, z, _total[l + 1]);
            return;
        }

        int hin = _widths[l], hout = _widths[l + 1];
        for (int j = 0; j < _members; j++)
        {
            blas.Sgemm(Transpose.No, Transpose.No, rows, hout, hin, 1f, input[(j * hin)..], _total[l], kernel.Slice(j * hin * hout, hin * hout), hout, 0f, z[(j * hout)..], _total[l + 1]);
        }
    }

    /// <summary>Kernel gradient of layer <paramref name="l"/>: <c>input^T · dz</c>, per member block past the first layer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void KernelGradient(BlasProvider blas, int l, ReadOnlySpan<float> input, ReadOnlySpan<float> dz, int rows, Span<float> g)
    {
        if (l == 0 || _members == 1)
        {
            blas.Sgemm(Transpose.Yes, Transpose.No, _total[l], _total[l + 1], rows, 1f, input, _total[l], dz, _total[l + 1], 0f, g, _total[l + 1]);
            return;
        }

        int hin = _widths[l], hout = _widths[l + 1];
        for (int j = 0; j < _members; j++)
        {
            blas.Sgemm(Transpose.Yes, Transpose.No, hin, hout, rows, 1f, input[(j * hin)..], _total[l], dz[(j * hout)..], _total[l + 1], 0f, g.Slice(j * hin * hout, hin * hout), hout);
        }
    }

    /// <summary>The delta of layer <paramref name="l"/>'s input: <c>dz · W^T</c>, per member block past the first layer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void InputDelta(BlasProvider blas, int l, ReadOnlySpan<float> dz, int rows, Span<float> dh)
    {
        ReadOnlySpan<float> kernel = _parameters[2 * l].Value.Span;
        if (_members == 1)
        {
            blas.Sgemm(Transpose.No, Transpose.Yes, rows, _total[l], _total[l + 1], 1f, dz, _total[l + 1], kernel, _total[l + 1], 0f, dh, _total[l]);
            return;
        }

        int hin = _widths[l], hout = _widths[l + 1];
        for (int j = 0; j < _members; j++)
        {
            blas.Sgemm(Transpose.No, Transpose.Yes, rows, hin, hout, 1f, dz[(j * hout)..], _total[l + 1], kernel.Slice(j * hin * hout, hin * hout), hout, 0f, dh[(j * hin)..], _total[l]);
        }
    }

    /// <summary>Rows per inference chunk of <see cref="Score"/>.</summary>
    private const int InferenceRows = 256;

    /// <summary>Marks the model as trained by the calling thread (<c>Trainer.Fit</c>), or throws when another <c>Fit</c> trains it.</summary>
    /// <exception cref="InvalidOperationException">The model is being trained already.</exception>
    internal void EnterTraining()
    {
        if (Interlocked.CompareExchange(ref _trainingThread, Environment.CurrentManagedThreadId, 0) != 0)
        {
            throw new InvalidOperationException("The model is already being trained by another Trainer.Fit (a model is trained by one Fit at a time; nothing was changed).");
        }
    }

    /// <summary>Ends <see cref="EnterTraining"/>.</summary>
    internal void ExitTraining() => Volatile.Write(ref _trainingThread, 0);

    /// <summary>
    /// Predictions: the regression value, the probability of class 1, or the class probabilities (softmax).
    /// </summary>
    /// <param name="blas">The compute provider.</param>
    /// <param name="features">Row-major features.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="output">rows × <see cref="OutputCount"/> values.</param>
    public void Predict(BlasProvider blas, ReadOnlySpan<float> features, int rows, Span<float> output)
    {
        Score(blas, features, rows, output);
        ApplyHead(output[..(rows * OutputCount)], rows);
    }

    /// <summary>Turns raw outputs into predictions in place (sigmoid for binary, softmax per row for multiclass).</summary>
    /// <param name="scores">rows × <see cref="OutputCount"/> raw outputs.</param>
    /// <param name="rows">Number of rows.</param>
    public void ApplyHead(Span<float> scores, int rows)
    {
        if (Options.Task == TaskKind.BinaryClassification)
        {
            LayerKernels.SigmoidInPlace(scores[..rows]);
        }
        else if (Options.Task == TaskKind.MulticlassClassification)
        {
            LayerKernels.SoftmaxRows(scores, rows, OutputCount);
        }
    }

    /// <summary>
    /// One training step's forward and backward pass over <paramref name="batch"/>: writes the gradient of the
    /// (example-weighted) mean loss into <see cref="Workspace.Gradients"/> and returns the loss. Allocation-free.
    /// </summary>
    /// <param name="blas">The compute provider.</param>
    /// <param name="ws">A workspace from <see cref="CreateWorkspace"/> with enough capacity.</param>
    /// <param name="batch">The batch.</param>
    /// <param name="dropoutRandom">Randomness for dropout (required when dropout is on).</param>
    /// <returns>The weighted mean loss of the batch.</returns>
    /// <exception cref="InvalidOperationException">Another call (another thread) is using <paramref name="ws"/>.</exception>
    public double ForwardBackward(BlasProvider blas, Workspace ws, Batch batch, DeterministicRandom? dropoutRandom)
    {
        ArgumentNullException.ThrowIfNull(blas);
        ArgumentNullException.ThrowIfNull(ws);
        ArgumentNullException.ThrowIfNull(batch);
        int rows = batch.Count;
        if (rows > ws.Capacity)
        {
            throw new ArgumentException($"The batch has {rows} rows; the workspace holds {ws.Capacity}.", nameof(batch));
        }

        if (batch.FeatureCount != InputCount)
        {
            throw new ArgumentException($"The batch has {batch.FeatureCount} features; the model expects {InputCount}.", nameof(batch));
        }

        if (Interlocked.Exchange(ref ws.InUse, 1) != 0)
        {
            throw new InvalidOperationException("The workspace is in use by another ForwardBackward call (another thread); a workspace serves one call at a time: create one per thread with CreateWorkspace.");
        }

        try
        {
            Forward(blas, ws, batch.Features.AsSpan(0, rows * InputCount), rows, training: true, dropoutRandom);
            double loss = HeadLossAndGradient(ws, batch, rows);
            Backward(blas, ws, batch.Features.AsSpan(0, rows * InputCount), rows);
            return loss;
        }
        finally
        {
            Volatile.Write(ref ws.InUse, 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Forward(BlasProvider blas, Workspace ws, ReadOnlySpan<float> x, int rows, bool training, DeterministicRandom? rng)
    {
        ReadOnlySpan<float> input = x;
        for (int l = 0; l < LayerCount; l++)
        {
            int fanOut = _total[l + 1];
            Span<float> z = ws.PreActivations[l].AsSpan(0, rows * fanOut);
            ReadOnlySpan<float> bias = _parameters[(2 * l) + 1].Value.Span;
            LayerProduct(blas, l, input, rows, z);
            Span<float> h = ws.Activations[l].AsSpan(0, rows * fanOut);
            bool hidden = l < LayerCount - 1;
            LayerKernels.BiasActivation(z, h, bias, rows, fanOut, hidden ? Options.Activation : null, Threads);
            if (hidden && training && Options.Dropout > 0)
            {
                if (rng is null)
                {
                    throw new ArgumentNullException(nameof(rng), "Dropout is on: a DeterministicRandom is required for training steps.");
                }

                Span<float> mask = ws.DropoutMasks[l].AsSpan(0, rows * fanOut);
                LayerKernels.DrawDropoutMask(mask, rng, (float)(1 - Options.Dropout));
                LayerKernels.Multiply(h, mask, Threads);
            }

            input = h;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double HeadLossAndGradient(Workspace ws, Batch batch, int rows)
    {
        int k = OutputCount;
        int m = _members;
        Span<float> outp = ws.Activations[^1].AsSpan(0, rows * m * k);
        Span<float> delta = ws.Deltas[^1].AsSpan(0, rows * m * k);
        double totalWeight = 0;
        for (int r = 0; r < rows; r++)
        {
            totalWeight += batch.HasWeights ? batch.Weights[r] : 1.0;
        }

        if (totalWeight <= 0)
        {
            delta.Clear();
            return 0;
        }

        // An ensemble's outputs are rows × m rows of k values (member j of row r at r*m + j), each with the row's label
        // and weight; the loss is the mean over the members, so each member's weight is divided by m.
        double loss = 0;
        float inv = (float)(1.0 / (totalWeight * m));
        ReadOnlySpan<float> labels = batch.Labels.AsSpan(0, rows);
        ReadOnlySpan<float> weights = batch.HasWeights ? batch.Weights.AsSpan(0, rows) : default;
        if (m > 1)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < m; j++)
                {
                    ws.MemberLabels[(r * m) + j] = batch.Labels[r];
                    ws.MemberWeights[(r * m) + j] = batch.HasWeights ? batch.Weights[r] : 1f;
                }
            }

            labels = ws.MemberLabels.AsSpan(0, rows * m);
            weights = batch.HasWeights ? ws.MemberWeights.AsSpan(0, rows * m) : default;
        }

        int n = rows * m;
        if (Options.Task == TaskKind.MulticlassClassification)
        {
            for (int r = 0; r < rows; r++)
            {
                float y = batch.Labels[r];
                if (!(y >= 0 && y < k && y == MathF.Floor(y)))
                {
                    throw new ArgumentException($"Label {y} (row {r} of the batch) is not a class index in 0..{k - 1}.", nameof(batch));
                }
            }

            Span<double> rowLoss = ws.RowLoss.AsSpan(0, n);
            LayerKernels.SoftmaxCrossEntropy(outp, delta, labels, weights, rowLoss, n, k, inv, Threads, smoothing: (float)Options.LabelSmoothing);
            foreach (double v in rowLoss)
            {
                loss += v;
            }

            return loss / (totalWeight * m);
        }

        for (int r = 0; r < n; r++)
        {
            float w = weights.IsEmpty ? 1f : weights[r];
            float y = labels[r];
            switch (Options.Task)
            {
                case TaskKind.Regression:
                {
                    float res = outp[r] - y;
                    if (Options.RegressionLoss == RegressionLoss.Huber && MathF.Abs(res) > Options.HuberDelta)
                    {
                        float d = (float)Options.HuberDelta;
                        loss += w * d * (MathF.Abs(res) - (0.5 * d));
                        delta[r] = w * inv * d * MathF.Sign(res);
                    }
                    else if (Options.RegressionLoss == RegressionLoss.Huber)
                    {
                        loss += w * 0.5 * res * res;
                        delta[r] = w * inv * res;
                    }
                    else
                    {
                        loss += w * (double)res * res;
                        delta[r] = 2f * w * inv * res;
                    }

                    break;
                }

                default:
                {
                    float z = outp[r];
                    if (Options.LabelSmoothing > 0)
                    {
                        // Smoothed target: y (1 - eps) + eps / 2.
                        float eps = (float)Options.LabelSmoothing;
                        y = (y * (1f - eps)) + (0.5f * eps);
                    }

                    double softplus = z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
                    loss += w * (softplus - (y * z));
                    delta[r] = w * inv * (LayerKernels.Sigmoid(z) - y);
                    break;
                }
            }
        }

        return loss / (totalWeight * m);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Backward(BlasProvider blas, Workspace ws, ReadOnlySpan<float> x, int rows)
    {
        for (int l = LayerCount - 1; l >= 0; l--)
        {
            int fanIn = _total[l], fanOut = _total[l + 1];
            Span<float> dz = ws.Deltas[l].AsSpan(0, rows * fanOut);
            ReadOnlySpan<float> input = l == 0 ? x : ws.Activations[l - 1].AsSpan(0, rows * fanIn);
            float[] gKernel = ws.Gradients[2 * l];
            float[] gBias = ws.Gradients[(2 * l) + 1];
            KernelGradient(blas, l, input, dz, rows, gKernel);
            LayerKernels.ColumnSums(dz, rows, fanOut, gBias, Threads);

            if (l == 0)
            {
                break;
            }

            Span<float> dh = ws.Deltas[l - 1].AsSpan(0, rows * fanIn);
            InputDelta(blas, l, dz, rows, dh);
            ReadOnlySpan<float> mask = Options.Dropout > 0 ? ws.DropoutMasks[l - 1].AsSpan(0, rows * fanIn) : default;
            LayerKernels.ActivationBackward(Options.Activation, ws.PreActivations[l - 1].AsSpan(0, rows * fanIn), ws.Activations[l - 1].AsSpan(0, rows * fanIn), dh, mask, Threads);
        }
    }

    /// <summary>Training buffers for batches of up to <see cref="Capacity"/> rows (allocated once).</summary>
    public sealed class Workspace
    {
        internal Workspace(NeuralModel model, int capacity)
        {
            if (capacity < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity must be >= 1, got {capacity}.");
            }

            Capacity = capacity;
            int layers = model.LayerCount;
            PreActivations = new float[layers][];
            Activations = new float[layers][];
            Deltas = new float[layers][];
            DropoutMasks = new float[layers][];
            for (int l = 0; l < layers; l++)
            {
                int w = model._total[l + 1];
                PreActivations[l] = new float[capacity * w];
                Activations[l] = new float[capacity * w];
                Deltas[l] = new float[capacity * w];
                DropoutMasks[l] = model.Options.Dropout > 0 && l < layers - 1 ? new float[capacity * w] : Array.Empty<float>();
            }

            Gradients = new float[model._parameters.Length][];
            GradientMemories = new ReadOnlyMemory<float>?[model._parameters.Length];
            for (int i = 0; i < Gradients.Length; i++)
            {
                Gradients[i] = new float[model._parameters[i].Length];
                GradientMemories[i] = Gradients[i];
            }

            RowLoss = new double[capacity * model._members];
            MemberLabels = model._members > 1 ? new float[capacity * model._members] : Array.Empty<float>();
            MemberWeights = model._members > 1 ? new float[capacity * model._members] : Array.Empty<float>();
        }

        /// <summary>1 while a <see cref="ForwardBackward"/> call uses the workspace.</summary>
        internal int InUse;

        /// <summary>Maximum rows per batch.</summary>
        public int Capacity { get; }

        /// <summary>One gradient buffer per parameter, filled by <see cref="ForwardBackward"/>.</summary>
        public float[][] Gradients { get; }

        /// <summary>The same gradients as the list an optimizer's Apply takes.</summary>
        public ReadOnlyMemory<float>?[] GradientMemories { get; }

        internal float[][] PreActivations { get; }

        internal float[][] Activations { get; }

        internal float[][] Deltas { get; }

        internal float[][] DropoutMasks { get; }

        /// <summary>Per-row losses of the softmax head (summed in row order; per row and member for an ensemble).</summary>
        internal double[] RowLoss { get; }

        /// <summary>Each row's label repeated for every member (ensembles: the members' logits are rows × k of them).</summary>
        internal float[] MemberLabels { get; }

        /// <summary>Each row's weight repeated for every member.</summary>
        internal float[] MemberWeights { get; }
    }
}
