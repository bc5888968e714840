using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.IO;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.Training.Training;

/// <summary>The outcome of <see cref="Trainer.Fit"/>.</summary>
/// <param name="History">One record per epoch run (including epochs run before a resume).</param>
/// <param name="Steps">Optimizer steps taken.</param>
/// <param name="StoppedEarly">Whether early stopping ended training.</param>
/// <param name="BestEpoch">The epoch with the best validation metric (1-based), or 0 without validation data.</param>
/// <param name="Seconds">Wall time of this call.</param>
public sealed record TrainingResult(IReadOnlyList<EpochRecord> History, long Steps, bool StoppedEarly, int BestEpoch, double Seconds)
{
    /// <summary>What computed this run's matrix products (the provider's <see cref="BlasProvider.Provenance"/>); also recorded in every checkpoint.</summary>
    public ComputeProvenance? Compute { get; init; }

    /// <summary>Warnings raised during the call (for example a resume under another compute provider), in order.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
}

/// <summary>
/// Trains a <see cref="NeuralModel"/> with any optimizer: epochs of mini-batches from an <see cref="IBatchSource"/>,
/// early stopping on a validation set, progress reports, cancellation and checkpoints (model, optimizer state, data
/// position, random state) from which a resumed run is bit-identical to an uninterrupted one. A training step
/// allocates nothing once warmed up.
/// </summary>
public static class Trainer
{
    private const string Magic = "MLNTRNCK";

    // Checkpoint versions: magic, int32 version, int64 payload length, payload, CRC-32 of the payload (see WriteCheckpoint).
    //   1: the trainer state, the model's parameters, the optimizer checkpoint.
    //   2: version 1 preceded by the compute provenance (provider, routes, libraries: strings; threads: int32).
    private const int Version = 2;

    /// <summary>Trains <paramref name="model"/> in place.</summary>
    /// <param name="model">The model (its weights are the starting point).</param>
    /// <param name="optimizer">Any optimizer; built for the model's parameters here if it is not yet built.</param>
    /// <param name="train">Training batches.</param>
    /// <param name="validation">Validation data for early stopping and reports, or null.</param>
    /// <param name="options">Trainer settings.</param>
    /// <param name="progress">Progress reports, or null.</param>
    /// <param name="cancellationToken">Cancels between steps (the last checkpoint stays valid).</param>
    /// <returns>History and summary.</returns>
    /// <exception cref="ArgumentException">Mismatched feature counts or an optimizer built for other parameters.</exception>
    /// <exception cref="TrainingDivergedException">The weights became NaN or infinite.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume from is damaged or does not match.</exception>
    /// <exception cref="ComputeMismatchException">The checkpoint was written under another compute provider and <see cref="TrainerOptions.ComputeMismatch"/> is <see cref="ComputeMismatchPolicy.Throw"/> (nothing was changed).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="InvalidOperationException">Another <c>Fit</c> is training the same model (on another thread), or another thread steps the same optimizer; nothing was changed by this call.</exception>
    public static TrainingResult Fit(NeuralModel model, Optimizer optimizer, IBatchSource train, DenseTable? validation, TrainerOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);

        // One Fit per model at a time: a second one (or a Score from another thread) throws instead of racing the steps.
        model.EnterTraining();
        try
        {
            return FitCore(model, optimizer, train, validation, options, progress, cancellationToken);
        }
        finally
        {
            model.ExitTraining();
        }
    }

    private static TrainingResult FitCore(NeuralModel model, Optimizer optimizer, IBatchSource train, DenseTable? validation, TrainerOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (train.FeatureCount != model.InputCount)
        {
            throw new ArgumentException($"The training data has {train.FeatureCount} features; the model expects {model.InputCount}.", nameof(train));
        }

        if (validation != null && validation.FeatureCount != model.InputCount)
        {
            throw new ArgumentException($"The validation data has {validation.FeatureCount} features; the model expects {model.InputCount}.", nameof(validation));
        }

        if (!optimizer.IsBuilt)
        {
            optimizer.Build(model.Parameters);
        }
        else
        {
            for (int i = 0; i < model.Parameters.Count; i++)
            {
                if (i >= optimizer.Parameters.Count || !ReferenceEquals(optimizer.Parameters[i], model.Parameters[i]))
                {
                    throw new ArgumentException("The optimizer was built for other parameters; build it with model.Parameters or pass a new one.", nameof(optimizer));
                }
            }
        }

        BlasProvider blas = options.Blas ?? BlasProviders.Default;
        ComputeProvenance provenance = blas.Provenance;
        var warnings = new List<string>();
        var state = new State(model, options.Seed) { Epoch = options.InitialEpoch, Provenance = provenance };
        if (options.ResumeFrom != null)
        {
            ReadCheckpoint(options.ResumeFrom, model, optimizer, train, state, options, warnings);
        }

        var ws = model.CreateWorkspace(options.BatchSize);
        var batch = new Batch(options.BatchSize, model.InputCount);
        var validationScores = validation is null ? Array.Empty<float>() : new float[validation.RowCount * model.OutputCount];
        var total = Stopwatch.StartNew();
        bool stoppedEarly = false;
        while (state.Epoch < options.Epochs && !stoppedEarly)
        {
            if (state.Position == 0)
            {
                train.StartEpoch(state.Epoch);
                state.EpochLossSum = 0;
                state.EpochBatches = 0;
            }
            else
            {
                train.Seek(state.Epoch, state.Position);
            }

            var epochWatch = Stopwatch.StartNew();
            long epochRows = 0;
            while (train.Next(batch))
            {
                cancellationToken.ThrowIfCancellationRequested();
                double loss = model.ForwardBackward(blas, ws, batch, state.Dropout);
                optimizer.Apply(ws.GradientMemories);
                state.Steps++;
                state.Position = train.Position;
                state.EpochLossSum += loss;
                state.EpochBatches++;
                epochRows += batch.Count;
                if (progress != null && state.Steps % options.ReportEverySteps == 0)
                {
                    progress.Report(new TrainingProgress(state.Epoch + 1, state.Steps, state.EpochLossSum / state.EpochBatches, state.LastValidationLoss, state.LastValidationQuality, epochRows / Math.Max(epochWatch.Elapsed.TotalSeconds, 1e-9), false));
                }

                if (options.CheckpointPath != null && options.CheckpointEverySteps > 0 && state.Steps % options.CheckpointEverySteps == 0)
                {
                    WriteCheckpoint(options.CheckpointPath, model, optimizer, state);
                }
            }

            double trainLoss = state.EpochBatches > 0 ? state.EpochLossSum / state.EpochBatches : double.NaN;
            double vLoss = double.NaN, vQuality = double.NaN;
            if (validation != null)
            {
                (vLoss, vQuality) = Evaluate(model, blas, validation, validationScores);
                state.LastValidationLoss = vLoss;
                state.LastValidationQuality = vQuality;
                double metric = options.EarlyStoppingMetric == ValidationMetric.Loss ? vLoss : -vQuality;
                if (state.BestEpoch == 0 || metric < state.BestMetric - options.MinDelta)
                {
                    state.BestMetric = metric;
                    state.BestEpoch = state.Epoch + 1;
                    state.BadEpochs = 0;
                    state.SaveBest(model);
                }
                else
                {
                    state.BadEpochs++;
                }
            }

            state.History.Add(new EpochRecord(state.Epoch + 1, trainLoss, vLoss, vQuality, epochWatch.Elapsed.TotalSeconds));
            progress?.Report(new TrainingProgress(state.Epoch + 1, state.Steps, trainLoss, vLoss, vQuality, epochRows / Math.Max(epochWatch.Elapsed.TotalSeconds, 1e-9), true));
            if (options.EarlyStoppingPatience is int patience && validation != null && state.BadEpochs >= patience)
            {
                stoppedEarly = true;
            }

            state.Epoch++;
            state.Position = 0;
            state.StoppedEarly = stoppedEarly;
            if (options.CheckpointPath != null)
            {
                WriteCheckpoint(options.CheckpointPath, model, optimizer, state);
            }
        }

        optimizer.FinalizeVariableValues();
        if (validation != null && options.EarlyStoppingPatience != null && options.RestoreBestWeights && state.BestEpoch > 0)
        {
            state.RestoreBest(model);
        }

        if (!model.AllFinite())
        {
            throw new TrainingDivergedException(
                $"Training diverged: the model has NaN or infinite weights after {state.Steps} steps. Likely causes: a learning rate too large " +
                $"for this optimizer ({optimizer.ClassName}, learning rate {optimizer.LearningRate}) — Lion needs one 3-10x smaller than AdamW; " +
                "features that are not normalized (add a min-max or mean-variance normalizer); labels with huge values (normalize or log-transform them); " +
                "or NaN/infinite values in the data.");
        }

        return new TrainingResult(state.History, state.Steps, state.StoppedEarly, state.BestEpoch, total.Elapsed.TotalSeconds)
        {
            Compute = provenance,
            Warnings = warnings,
        };
    }

    /// <summary>Mean loss and quality (accuracy or R²) of the model on a table (unweighted rows count as 1).</summary>
    /// <param name="model">The model.</param>
    /// <param name="blas">The compute provider.</param>
    /// <param name="data">The data.</param>
    /// <param name="scores">A buffer of rows × outputs.</param>
    /// <returns>(loss, quality).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (double Loss, double Quality) Evaluate(NeuralModel model, BlasProvider blas, DenseTable data, float[] scores)
    {
        int n = data.RowCount;
        int k = model.OutputCount;
        model.Score(blas, data.Features, n, scores);
        double loss = 0, weightSum = 0, correct = 0, sse = 0, labelSum = 0;
        for (int i = 0; i < n; i++)
        {
            double w = data.Weights?[i] ?? 1.0;
            weightSum += w;
            labelSum += w * data.Labels[i];
        }

        double labelMean = weightSum > 0 ? labelSum / weightSum : 0;
        double sst = 0;
        for (int i = 0; i < n; i++)
        {
            double w = data.Weights?[i] ?? 1.0;
            float y = data.Labels[i];
            switch (model.Options.Task)
            {
                case TaskKind.Regression:
                {
                    double r = scores[i] - y;
                    double d = model.Options.HuberDelta;
                    loss += w * (model.Options.RegressionLoss == RegressionLoss.Huber
                        ? (Math.Abs(r) <= d ? 0.5 * r * r : d * (Math.Abs(r) - (0.5 * d)))
                        : r * r);
                    sse += w * r * r;
                    sst += w * (y - labelMean) * (y - labelMean);
                    break;
                }

                case TaskKind.BinaryClassification:
                {
                    double z = scores[i];
                    double softplus = z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
                    loss += w * (softplus - (y * z));
                    correct += (z > 0 ? 1f : 0f) == y ? w : 0;
                    break;
                }

                default:
                {
                    ReadOnlySpan<float> logits = scores.AsSpan(i * k, k);
                    float max = float.NegativeInfinity;
                    int arg = 0;
                    for (int j = 0; j < k; j++)
                    {
                        if (logits[j] > max)
                        {
                            max = logits[j];
                            arg = j;
                        }
                    }

                    double sum = 0;
                    for (int j = 0; j < k; j++)
                    {
                        sum += Math.Exp(logits[j] - max);
                    }

                    loss += w * (Math.Log(sum) + max - logits[(int)y]);
                    correct += arg == (int)y ? w : 0;
                    break;
                }
            }
        }

        double quality = model.Options.Task == TaskKind.Regression ? 1 - (sse / sst) : correct / weightSum;
        return (loss / weightSum, quality);
    }

    private sealed class State
    {
        public State(NeuralModel model, ulong seed)
        {
            Dropout = new DeterministicRandom(DeterministicRandom.Derive(seed, 0xD120));
            Best = new float[model.Parameters.Count][];
        }

        public int Epoch { get; set; }

        public long Position { get; set; }

        public long Steps { get; set; }

        public double EpochLossSum { get; set; }

        public long EpochBatches { get; set; }

        public double BestMetric { get; set; } = double.PositiveInfinity;

        public int BestEpoch { get; set; }

        public int BadEpochs { get; set; }

        public bool StoppedEarly { get; set; }

        public double LastValidationLoss { get; set; } = double.NaN;

        public double LastValidationQuality { get; set; } = double.NaN;

        public DeterministicRandom Dropout { get; }

        public ComputeProvenance Provenance { get; set; } = null!;

        public float[][] Best { get; }

        public List<EpochRecord> History { get; } = new();

        public void SaveBest(NeuralModel model)
        {
            for (int i = 0; i < model.Parameters.Count; i++)
            {
                // Reuses the buffer after the first save: an improving epoch copies, it does not allocate.
                Memory<float> value = model.Parameters[i].Value;
                Best[i] ??= new float[value.Length];
                value.CopyTo(Best[i]);
            }
        }

        public void RestoreBest(NeuralModel model)
        {
            for (int i = 0; i < model.Parameters.Count; i++)
            {
                Best[i].CopyTo(model.Parameters[i].Value);
            }
        }
    }

    private static void WriteCheckpoint(string path, NeuralModel model, Optimizer optimizer, State s)
    {
        using var payload = new MemoryStream();
        using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(s.Provenance.Provider);
            w.Write(s.Provenance.Routes);
            w.Write(s.Provenance.Libraries);
            w.Write(s.Provenance.Threads);
            w.Write(s.Epoch);
            w.Write(s.Position);
            w.Write(s.Steps);
            w.Write(s.EpochLossSum);
            w.Write(s.EpochBatches);
            w.Write(s.BestMetric);
            w.Write(s.BestEpoch);
            w.Write(s.BadEpochs);
            w.Write(s.StoppedEarly);
            w.Write(s.LastValidationLoss);
            w.Write(s.LastValidationQuality);
            (ulong a, ulong b, ulong c, ulong d) = s.Dropout.State;
            w.Write(a);
            w.Write(b);
            w.Write(c);
            w.Write(d);
            w.Write(s.History.Count);
            foreach (EpochRecord e in s.History)
            {
                w.Write(e.Epoch);
                w.Write(e.TrainingLoss);
                w.Write(e.ValidationLoss);
                w.Write(e.ValidationQuality);
                w.Write(e.Seconds);
            }

            w.Write(model.Parameters.Count);
            for (int i = 0; i < model.Parameters.Count; i++)
            {
                Parameter p = model.Parameters[i];
                w.Write(p.Name);
                w.Write(p.Length);
                w.Write(MemoryMarshal.AsBytes(p.Value.Span));
                bool hasBest = s.Best[i] != null;
                w.Write(hasBest);
                if (hasBest)
                {
                    w.Write(MemoryMarshal.AsBytes(s.Best[i].AsSpan()));
                }
            }

            using var opt = new MemoryStream();
            optimizer.SaveState(opt);
            w.Write(opt.Length);
            w.Write(opt.GetBuffer(), 0, (int)opt.Length);
        }

        try
        {
            FramedFile.WriteFile(path, Magic, Version, payload.GetBuffer().AsMemory(0, (int)payload.Length));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointWriteException(path, e);
        }
    }

    /// <summary>
    /// Reads a checkpoint and validates every field against the model, the optimizer, the data and each other before
    /// anything is applied; only then are the optimizer state, the weights and the trainer state restored. A failure
    /// changes nothing: the model, the optimizer and the batch source are as they were.
    /// </summary>
    private static void ReadCheckpoint(string path, NeuralModel model, Optimizer optimizer, IBatchSource train, State s, TrainerOptions options, List<string> warnings)
    {
        Frame frame;
        try
        {
            frame = FramedFile.ReadFile(path, Magic, Version, $"Trainer checkpoint '{path}',");
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path, e);
        }

        var r = new FieldReader(frame.Payload, $"Trainer checkpoint '{path}',");
        ComputeProvenance? recorded = frame.Version >= 2
            ? new ComputeProvenance(r.String("compute.provider", 1 << 16), r.String("compute.routes", 1 << 16), r.String("compute.libraries", 1 << 20), r.Int32InRange("compute.threads", 0, int.MaxValue))
            : null;
        int epoch = r.Int32InRange("epoch", 0, int.MaxValue);
        long? rows = train.RowCount;
        long position = r.Int64InRange("position", 0, rows ?? long.MaxValue);
        long steps = r.Int64InRange("steps", 0, long.MaxValue);
        double epochLossSum = r.Double("epoch_loss_sum");
        long epochBatches = r.Int64InRange("epoch_batches", 0, steps);
        double bestMetric = r.Double("best_metric");
        int bestEpoch = r.Int32InRange("best_epoch", 0, epoch);
        int badEpochs = r.Int32InRange("bad_epochs", 0, epoch);
        bool stoppedEarly = r.Boolean("stopped_early");
        double lastValidationLoss = r.Double("last_validation_loss");
        double lastValidationQuality = r.Double("last_validation_quality");
        (ulong, ulong, ulong, ulong) dropout = (r.UInt64("dropout_state"), r.UInt64("dropout_state"), r.UInt64("dropout_state"), r.UInt64("dropout_state"));
        if ((dropout.Item1 | dropout.Item2 | dropout.Item3 | dropout.Item4) == 0)
        {
            throw r.Error("dropout_state", "an all-zero state is invalid for xoshiro256**.");
        }

        int historyCount = r.Int32InRange("history_count", 0, epoch);
        var history = new List<EpochRecord>(Math.Min(historyCount, r.Remaining / 36));
        for (int i = 0; i < historyCount; i++)
        {
            int e = r.Int32($"history[{i}].epoch");
            int previous = i == 0 ? 0 : history[i - 1].Epoch;
            if (e <= previous || e > epoch)
            {
                throw r.Error($"history[{i}].epoch", $"{e} must be after the previous record's epoch ({previous}) and at most the checkpoint's epoch ({epoch}).");
            }

            double trainingLoss = r.Double($"history[{i}].training_loss");
            double validationLoss = r.Double($"history[{i}].validation_loss");
            double validationQuality = r.Double($"history[{i}].validation_quality");
            double seconds = r.Double($"history[{i}].seconds");
            if (!(seconds >= 0) || double.IsInfinity(seconds))
            {
                throw r.Error($"history[{i}].seconds", $"{seconds} is not a finite duration >= 0.");
            }

            history.Add(new EpochRecord(e, trainingLoss, validationLoss, validationQuality, seconds));
        }

        int count = r.Int32("parameter_count");
        if (count != model.Parameters.Count)
        {
            throw r.Error("parameter_count", $"the checkpoint has {count} parameters, the model {model.Parameters.Count}.");
        }

        var values = new float[count][];
        var best = new float[count][];
        for (int i = 0; i < count; i++)
        {
            Parameter p = model.Parameters[i];
            string name = r.String($"parameters[{i}].name");
            int len = r.Int32($"parameters[{i}].length");
            if (name != p.Name || len != p.Length)
            {
                throw r.Error($"parameters[{i}]", $"checkpoint '{name}' [{len} values], model '{p.Name}' [{p.Length} values].");
            }

            values[i] = r.Floats($"parameters[{i}].values", len);
            bool hasBest = r.Boolean($"parameters[{i}].has_best");
            if (hasBest != (bestEpoch > 0))
            {
                throw r.Error($"parameters[{i}].has_best", $"{(hasBest ? "best weights are stored" : "no best weights are stored")}, but the best epoch is {bestEpoch}.");
            }

            if (hasBest)
            {
                best[i] = r.Floats($"parameters[{i}].best_values", len);
            }
        }

        long optLength = r.Int64("optimizer_state_length");
        if (optLength != r.Remaining)
        {
            throw r.Error("optimizer_state_length", $"{optLength} bytes declared, {r.Remaining} remain.");
        }

        ReadOnlyMemory<byte> optimizerState = r.Bytes("optimizer_state", optLength);

        // Every trainer field is valid. The compute provider (warn or throw), then the data position: a source of unknown
        // length is asked to seek now, so a position beyond its end fails before anything is restored.
        CheckProvenance(path, recorded, s.Provenance, options, warnings);
        if (rows is null && position > 0)
        {
            try
            {
                train.Seek(epoch, position);
            }
            catch (ArgumentException e)
            {
                throw r.Error("position", $"the data cannot be positioned at row {position} of epoch {epoch}: {e.Message}", e);
            }
        }

        // The optimizer validates its whole state before it changes anything; it is the last step that can fail.
        optimizer.LoadState(new MemoryStream(optimizerState.ToArray(), writable: false));

        for (int i = 0; i < count; i++)
        {
            values[i].CopyTo(model.Parameters[i].Value);
            s.Best[i] = best[i];
        }

        s.Epoch = epoch;
        s.Position = position;
        s.Steps = steps;
        s.EpochLossSum = epochLossSum;
        s.EpochBatches = epochBatches;
        s.BestMetric = bestMetric;
        s.BestEpoch = bestEpoch;
        s.BadEpochs = badEpochs;
        s.StoppedEarly = stoppedEarly;
        s.LastValidationLoss = lastValidationLoss;
        s.LastValidationQuality = lastValidationQuality;
        s.Dropout.State = dropout;
        s.History.Clear();
        s.History.AddRange(history);
    }

    private static void CheckProvenance(string path, ComputeProvenance? recorded, ComputeProvenance current, TrainerOptions options, List<string> warnings)
    {
        if (recorded == current)
        {
            return;
        }

        string difference = recorded is null
            ? "the checkpoint (format version 1) does not record its compute provider"
            : current.DifferenceFrom(recorded, "this run", "the checkpoint");
        string message = $"Trainer checkpoint '{path}' was written under another compute provider ({difference}); the resumed run may differ in its last bits from an uninterrupted one. This run: {current}.";
        if (options.ComputeMismatch == ComputeMismatchPolicy.Throw)
        {
            throw new ComputeMismatchException(message + " Resume with the recorded provider, or set TrainerOptions.ComputeMismatch to Warn.", recorded, current);
        }

        warnings.Add(message);
        options.OnWarning?.Invoke(message);
    }
}
