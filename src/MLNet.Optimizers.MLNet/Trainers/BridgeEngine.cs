using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet;

/// <summary>Trains a <see cref="NeuralModel"/> on an <see cref="IDataView"/> with the Training layer's <see cref="Trainer"/>.</summary>
internal static class BridgeEngine
{
    /// <summary>The stock ML.NET trainer of the same task whose output schema, validation and info the bridge's trainers share.</summary>
    internal static IEstimator<ITransformer> StockEstimator(MLContext ml, TaskKind task, OptimizerTrainerOptions o) => task switch
    {
        TaskKind.Regression => ml.Regression.Trainers.Sdca(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName),
        TaskKind.BinaryClassification => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName),
        _ => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName),
    };

    /// <summary>The stock trainer's <see cref="TrainerInfo"/>.</summary>
    internal static TrainerInfo StockInfo(MLContext ml, TaskKind task, OptimizerTrainerOptions o) => task switch
    {
        TaskKind.Regression => ml.Regression.Trainers.Sdca(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName).Info,
        TaskKind.BinaryClassification => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName).Info,
        _ => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName).Info,
    };

    /// <summary>
    /// Trains a model with <paramref name="hiddenLayers"/> on <paramref name="input"/>: splits off the selection rows
    /// (or reads <see cref="OptimizerTrainerOptions.ValidationData"/>), trains with early stopping and the epoch rule,
    /// optionally refits on all rows for the epoch count found, and calls <see cref="OptimizerTrainerOptions.TrainingCompleted"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A column is missing or has the wrong type, or a bad value.</exception>
    internal static NeuralModel Train(MLContext ml, IDataView input, OptimizerTrainerOptions o, TaskKind task, IReadOnlyList<int> hiddenLayers, Activation activation, double dropout) =>
        Train(ml, input, o, task, hiddenLayers, activation, dropout, null, out _);

    /// <summary>The MLP recipe's settings beyond the base options (null: none of them).</summary>
    /// <param name="Encoding">The numeric encoding in front of the network (null or identity: none).</param>
    /// <param name="LabelSmoothing">Classification label smoothing.</param>
    /// <param name="WarmupCosine">Whether a constant learning rate becomes a linear warmup and a cosine decay over the run.</param>
    /// <param name="WarmupFraction">The warmup's share of the run's steps.</param>
    /// <param name="MaxSteps">The run's epochs are cut so that it takes at most about this many steps (null: no cut).</param>
    /// <param name="EnsembleSize">Members of the packed ensemble (1: a plain network).</param>
    internal sealed record NetworkSettings(NumericEncodingOptions? Encoding, double LabelSmoothing, bool WarmupCosine, double WarmupFraction, long? MaxSteps, int EnsembleSize);

    /// <summary>
    /// <see cref="Train(MLContext, IDataView, OptimizerTrainerOptions, TaskKind, IReadOnlyList{int}, Activation, double)"/>
    /// with a numeric encoding of the features in front of the network, fitted on the training rows (null or identity: none).
    /// </summary>
    internal static NeuralModel Train(MLContext ml, IDataView input, OptimizerTrainerOptions o, TaskKind task, IReadOnlyList<int> hiddenLayers, Activation activation, double dropout, NetworkSettings? network, out NumericEncoder? encoder)
    {
        NumericEncodingOptions? encoding = network?.Encoding;
        ArgumentNullException.ThrowIfNull(input);

        // ML.NET's own checks of the label, feature and weight columns (types, sizes), with ML.NET's messages.
        StockEstimator(ml, task, o).GetOutputSchema(SchemaShapes.Of(input.Schema));
        var watch = Stopwatch.StartNew();
        using var all = new DataViewBatchSource(input, o.FeatureColumnName, o.LabelColumnName, o.ExampleWeightColumnName, task, false, 0, 1);
        var spec = new RunSpec(o, task, task == TaskKind.MulticlassClassification ? all.ClassCount : 2, all.FeatureCount, hiddenLayers, activation, dropout);
        DenseTable? allTable = null, trainTable = null, selection = null;
        IDataView trainView = input;
        bool split = false;
        if (o.ValidationData != null)
        {
            using var v = new DataViewBatchSource(o.ValidationData, o.FeatureColumnName, o.LabelColumnName, o.ExampleWeightColumnName, task, false, 0, 1);
            if (v.FeatureCount != all.FeatureCount || v.ClassCount != all.ClassCount)
            {
                throw new ArgumentException($"ValidationData has {v.FeatureCount} features and {v.ClassCount} classes; the training data has {all.FeatureCount} and {all.ClassCount}.", nameof(o.ValidationData));
            }

            selection = v.ReadAll();
            if (o.MaterializeInMemory)
            {
                trainTable = all.ReadAll();
            }
        }
        else if (o.SelectionFraction > 0)
        {
            split = true;
            if (o.MaterializeInMemory)
            {
                allTable = all.ReadAll();
                (int[] train, int[] sel) = SplitRows(allTable.Labels, task, o);
                trainTable = allTable.Select(train);
                selection = allTable.Select(sel);
            }
            else
            {
                float[] labels = all.ReadLabels();
                (int[] train, int[] sel) = SplitRows(labels, task, o);
                trainView = new RowSubsetDataView(input, RowSubsetDataView.Mask(labels.Length, train));
                using var s = new DataViewBatchSource(new RowSubsetDataView(input, RowSubsetDataView.Mask(labels.Length, sel)), o.FeatureColumnName, o.LabelColumnName, o.ExampleWeightColumnName, task, false, 0, 1);
                selection = s.ReadAll();
            }
        }
        else if (o.MaterializeInMemory)
        {
            trainTable = all.ReadAll();
        }

        encoder = null;
        if (encoding != null && !encoding.IsIdentity)
        {
            encoder = NumericEncoder.Fit(trainTable ?? Sample(trainView, o, task, encoding.MaxQuantileRows), encoding);
            spec = spec with { Encoder = encoder };
        }

        spec = spec with { Network = network };

        (NeuralModel model, TrainingResult result, long trainingRows) = Run(spec, trainTable, trainView, selection, o.NumberOfEpochs, checkpoints: true, budget: true);
        int kept = selection is null || o.EpochRule == EpochRule.Last ? result.History.Count : result.BestEpoch;
        bool refit = split && o.RefitOnAllRows;
        long refitRows = 0;
        if (refit)
        {
            (model, _, refitRows) = Run(spec, allTable, input, null, kept, checkpoints: false, budget: false);
        }

        o.TrainingCompleted?.Invoke(new OptimizerTrainingReport(result.History, kept, result.StoppedEarly, o.EpochRule, trainingRows, selection?.RowCount ?? 0, split, refit, refitRows, watch.Elapsed.TotalSeconds));
        return model;
    }

    /// <summary>The first <paramref name="maxRows"/> rows of a streamed view (to fit the numeric encoding on).</summary>
    private static DenseTable Sample(IDataView view, OptimizerTrainerOptions o, TaskKind task, int maxRows)
    {
        using var source = new DataViewBatchSource(view, o.FeatureColumnName, o.LabelColumnName, o.ExampleWeightColumnName, task, false, 0, 1);
        source.StartEpoch(0);
        var batch = new Batch(Math.Min(4096, maxRows), source.FeatureCount);
        var features = new List<float>();
        var labels = new List<float>();
        while (labels.Count < maxRows && source.Next(batch))
        {
            int take = Math.Min(batch.Count, maxRows - labels.Count);
            features.AddRange(new ArraySegment<float>(batch.Features, 0, take * source.FeatureCount));
            labels.AddRange(new ArraySegment<float>(batch.Labels, 0, take));
        }

        return new DenseTable(features.ToArray(), source.FeatureCount, labels.ToArray());
    }

    /// <summary>The training and selection rows of a split (<see cref="DataSplit.SelectionIndices"/> with the seed's split stream).</summary>
    private static (int[] Train, int[] Selection) SplitRows(float[] labels, TaskKind task, OptimizerTrainerOptions o)
    {
        if (labels.Length < 2)
        {
            throw new ArgumentException($"The training data has {labels.Length} row(s); splitting off selection rows (SelectionFraction = {o.SelectionFraction}) needs at least 2. Set SelectionFraction = 0.", "input");
        }

        return DataSplit.SelectionIndices(labels, task, o.SelectionFraction, DeterministicRandom.Derive(o.Seed, SeedStreams.Split));
    }

    /// <summary>One training run: from <paramref name="table"/> when given (in memory), else streamed from <paramref name="view"/>.</summary>
    private static (NeuralModel Model, TrainingResult Result, long Rows) Run(RunSpec spec, DenseTable? table, IDataView view, DenseTable? selection, int epochs, bool checkpoints, bool budget)
    {
        OptimizerTrainerOptions o = spec.Options;
        bool standardize = spec.Task == TaskKind.Regression && o.StandardizeLabel;
        DataViewBatchSource? stream = table is null
            ? new DataViewBatchSource(view, o.FeatureColumnName, o.LabelColumnName, o.ExampleWeightColumnName, spec.Task, o.Shuffle, DeterministicRandom.Derive(o.Seed, SeedStreams.Shuffle), o.ShuffleBufferRows)
            : null;
        try
        {
            (double Mean, double Std)? z = null;
            float[]? labels = table?.Labels ?? (standardize ? stream!.ReadLabels() : null);
            if (table?.RowCount == 0)
            {
                throw new ArgumentException("The training data has no rows.", "input");
            }

            if (spec.Encoder is NumericEncoder encoder)
            {
                table = table is null ? null : encoder.Encode(table);
                selection = selection is null ? null : encoder.Encode(selection);
            }

            if (standardize)
            {
                z = MeanAndStd(labels!);
                table = table is null ? null : Standardized(table, z.Value);
                selection = selection is null ? null : Standardized(selection, z.Value);
                if (stream != null)
                {
                    stream.LabelStandardization = z;
                }
            }

            var modelOptions = new ModelOptions
            {
                Task = spec.Task,
                ClassCount = spec.ClassCount,
                HiddenLayers = spec.HiddenLayers,
                Activation = spec.Activation,
                Dropout = spec.Dropout,
                Initializer = o.Initializer,
                RegressionLoss = o.RegressionLoss,
                HuberDelta = o.HuberDelta,
                LabelSmoothing = spec.Task == TaskKind.Regression ? 0 : spec.Network?.LabelSmoothing ?? 0,
                EnsembleSize = spec.Network?.EnsembleSize ?? 1,
            };

            // Steps per epoch from the training rows (unknown for a stream without a row count: no budget, no schedule).
            long? rows = table?.RowCount ?? stream?.RowCount ?? labels?.LongLength;
            long perEpoch = rows is long n && n > 0 ? (n + o.BatchSize - 1) / o.BatchSize : 0;
            if (budget && perEpoch > 0 && spec.Network?.MaxSteps is long maxSteps)
            {
                epochs = (int)Math.Clamp((maxSteps + perEpoch - 1) / perEpoch, 1, epochs);
            }

            var model = new NeuralModel(spec.Encoder?.OutputCount ?? spec.FeatureCount, modelOptions, DeterministicRandom.Derive(o.Seed, SeedStreams.Initialization));
            var trainerOptions = new TrainerOptions
            {
                Epochs = epochs,
                BatchSize = o.BatchSize,
                Seed = DeterministicRandom.Derive(o.Seed, SeedStreams.Dropout),
                Blas = o.Blas,
                CheckpointPath = checkpoints ? o.CheckpointPath : null,
                CheckpointEverySteps = o.CheckpointEverySteps,
                ResumeFrom = checkpoints ? o.ResumeFrom : null,
            };
            if (selection != null)
            {
                trainerOptions.EarlyStoppingPatience = o.EarlyStoppingPatience ?? epochs;
                trainerOptions.MinDelta = o.MinDelta;
                EpochRules.Configure(trainerOptions, o.EpochRule);
            }

            IBatchSource source = table is null
                ? (spec.Encoder is null ? stream! : new EncodingBatchSource(stream!, spec.Encoder))
                : new InMemoryBatchSource(table, o.BatchSize, o.Shuffle, DeterministicRandom.Derive(o.Seed, SeedStreams.Shuffle));
            Optimizer optimizer = o.CreateOptimizer();
            if (spec.Network?.WarmupCosine == true && perEpoch > 0 && optimizer.LearningRate.Kind == LearningRateKind.Constant)
            {
                // The constant rate becomes the peak of a linear warmup from 0 and a cosine decay to 0 over the run.
                long total = perEpoch * epochs;
                long warm = (long)Math.Round(total * spec.Network.WarmupFraction);
                double peak = optimizer.LearningRate.ConstantValue;
                optimizer.LearningRate = warm > 0 && warm < total
                    ? new CosineDecay(0, total - warm, warmupTarget: peak, warmupSteps: warm)
                    : new CosineDecay(peak, total);
            }

            TrainingResult result = Trainer.Fit(model, optimizer, source, selection, trainerOptions, o.Progress, o.CancellationToken);
            if (z is (double mean, double std))
            {
                // Fold y = z * std + mean into the output layer, so the model scores on the label's own scale.
                Span<float> k = model.Parameters[^2].Value.Span;
                float s = (float)std, m = (float)mean;
                for (int i = 0; i < k.Length; i++)
                {
                    k[i] *= s;
                }

                // One bias per member of an ensemble: the mean of the folded outputs is the folded mean.
                Span<float> b = model.Parameters[^1].Value.Span;
                for (int i = 0; i < b.Length; i++)
                {
                    b[i] = (b[i] * s) + m;
                }
            }

            // A streamed epoch ends with the source's position at the epoch's row count.
            return (model, result, table?.RowCount ?? stream!.Position);
        }
        finally
        {
            stream?.Dispose();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double Mean, double Std) MeanAndStd(float[] y)
    {
        double mean = 0, m2 = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double d = y[i] - mean;
            mean += d / (i + 1);
            m2 += d * (y[i] - mean);
        }

        double std = Math.Sqrt(m2 / y.Length);
        return (mean, std > 0 && double.IsFinite(std) ? std : 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static DenseTable Standardized(DenseTable t, (double Mean, double Std) z)
    {
        var y = new float[t.RowCount];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (float)((t.Labels[i] - z.Mean) / z.Std);
        }

        return new DenseTable(t.Features, t.FeatureCount, y, t.Weights, t.FeatureNames);
    }

    /// <summary>What every run of one fit shares.</summary>
    private sealed record RunSpec(OptimizerTrainerOptions Options, TaskKind Task, int ClassCount, int FeatureCount, IReadOnlyList<int> HiddenLayers, Activation Activation, double Dropout)
    {
        /// <summary>The numeric encoding in front of the network, or null.</summary>
        public NumericEncoder? Encoder { get; init; }

        /// <summary>The MLP recipe's settings, or null.</summary>
        public NetworkSettings? Network { get; init; }
    }

    /// <summary>The seed streams derived from <see cref="OptimizerTrainerOptions.Seed"/>.</summary>
    private static class SeedStreams
    {
        public const ulong Initialization = 0;
        public const ulong Shuffle = 1;
        public const ulong Dropout = 2;
        public const ulong Split = 3;
    }

    /// <summary>Layer <paramref name="layer"/>'s kernel transposed to class-major (outputs × inputs), as ML.NET's multiclass models store it.</summary>
    internal static float[] ClassMajorKernel(NeuralModel model, int layer, out int inputs, out int outputs)
    {
        Parameter kernel = model.Parameters[2 * layer];
        inputs = kernel.Shape[0];
        outputs = kernel.Shape[1];
        ReadOnlySpan<float> k = kernel.Value.Span;
        var t = new float[k.Length];
        for (int i = 0; i < inputs; i++)
        {
            for (int j = 0; j < outputs; j++)
            {
                t[(j * inputs) + i] = k[(i * outputs) + j];
            }
        }

        return t;
    }

    /// <summary>Layer <paramref name="layer"/>'s bias.</summary>
    internal static float[] Bias(NeuralModel model, int layer) => model.Parameters[(2 * layer) + 1].Value.ToArray();
}
