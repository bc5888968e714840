using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>
/// The last estimator of a pipeline: trains a <see cref="NeuralModel"/> (linear or MLP) with any optimizer on the
/// numeric feature columns, and returns a <see cref="PredictionTransformer"/>. Described by a
/// <see cref="TrainerConfig"/>; fitted through <see cref="Pipeline.Fit(TabularData, TabularData, IProgress{TrainingProgress}, CancellationToken)"/>
/// (which supplies the task, classes and seeds).
/// </summary>
public sealed class NeuralTrainerEstimator
{
    private readonly TrainerConfig _config;

    /// <summary>Creates the estimator.</summary>
    /// <param name="config">Its configuration (copied; validated when the pipeline is fitted or turned into a config).</param>
    public NeuralTrainerEstimator(TrainerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config.Clone();
    }

    /// <summary>Creates the estimator from a model, an optimizer and the common settings (the others keep their defaults).</summary>
    /// <param name="model">The network.</param>
    /// <param name="optimizer">The optimizer (only its configuration is used: a new optimizer is built from it for every fit).</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Rows per mini-batch.</param>
    public NeuralTrainerEstimator(ModelConfig model, Optimizer optimizer, int epochs = PipelineDefaults.Epochs, int batchSize = PipelineDefaults.BatchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        _config = new TrainerConfig { Model = model.Clone(), Epochs = epochs, BatchSize = batchSize };
        _config.SetOptimizer(optimizer);
    }

    /// <summary>The configuration that describes this estimator (a copy).</summary>
    /// <returns>The configuration.</returns>
    public TrainerConfig ToConfig() => _config.Clone();

    internal (PredictionTransformer Predictor, TrainingResult Result) Fit(
        TabularData train, TabularData? validation, TaskKind task, IReadOnlyList<string> classNames, ulong seed, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken, BlasProvider? blas)
    {
        TrainerConfig c = _config;
        FeatureLayout layout = FeatureLayout.Of(train, "trainer");
        var labels = new LabelCodec(task, classNames);
        DenseTable trainTable = ToTable(train, layout, labels, "training data");
        DenseTable? validTable = validation is null ? null : ToTable(validation, layout, labels, "validation data");
        if (trainTable.RowCount == 0)
        {
            throw new ArgumentException("There are no training rows.", nameof(train));
        }

        double mean = 0, std = 1;
        bool standardize = task == TaskKind.Regression && c.StandardizeLabel;
        if (standardize)
        {
            (mean, std) = MeanAndStd(trainTable.Labels);
            trainTable = Standardized(trainTable, mean, std);
            validTable = validTable is null ? null : Standardized(validTable, mean, std);
        }

        var model = new NeuralModel(layout.FeatureCount, c.Model.ToModelOptions(task, classNames.Count), DeterministicRandom.Derive(seed, PipelineSeeds.Initialization));
        Optimizer optimizer = c.CreateOptimizer();
        var source = new InMemoryBatchSource(trainTable, c.BatchSize, c.Shuffle, DeterministicRandom.Derive(seed, PipelineSeeds.Shuffle));
        var options = new TrainerOptions
        {
            Epochs = c.Epochs,
            BatchSize = c.BatchSize,
            Seed = DeterministicRandom.Derive(seed, PipelineSeeds.Dropout),
            EarlyStoppingPatience = c.EarlyStoppingPatience,
            EarlyStoppingMetric = c.EarlyStoppingMetric,
            MinDelta = c.MinDelta,
            RestoreBestWeights = c.RestoreBestWeights,
            Blas = blas,
        };
        TrainingResult result = Trainer.Fit(model, optimizer, source, validTable, options, progress, cancellationToken);
        if (standardize)
        {
            // Fold y = z * std + mean into the output layer, so the saved model predicts on the label's own scale.
            Parameter kernel = model.Parameters[^2];
            Parameter bias = model.Parameters[^1];
            float s = (float)std, m = (float)mean;
            Span<float> k = kernel.Value.Span;
            for (int i = 0; i < k.Length; i++)
            {
                k[i] *= s;
            }

            Span<float> b = bias.Value.Span;
            b[0] = (b[0] * s) + m;
        }

        return (new PredictionTransformer(model, task, classNames, layout) { Blas = blas }, result);
    }

    internal static DenseTable ToTable(TabularData data, FeatureLayout layout, LabelCodec labels, string what)
    {
        float[] x = layout.Assemble(data, "trainer");
        float[] y = labels.Encode(data, what);
        float[]? w = null;
        if (data.WeightColumn != null)
        {
            w = ((NumericColumn)data[data.WeightColumn]).Values.ToArray();
            for (int r = 0; r < w.Length; r++)
            {
                if (!(w[r] >= 0) || float.IsInfinity(w[r]))
                {
                    throw new ArgumentException(
                        $"{what}: weight column '{data.WeightColumn}', row {FeaturizerEstimator.Row(r)}: weights must be finite numbers >= 0, got {(float.IsNaN(w[r]) ? "a missing value" : w[r].ToString(CultureInfo.InvariantCulture))}.",
                        nameof(data));
                }
            }
        }

        return new DenseTable(x, layout.FeatureCount, y, w, layout.FeatureNames);
    }

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

    private static DenseTable Standardized(DenseTable t, double mean, double std)
    {
        var y = new float[t.RowCount];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (float)((t.Labels[i] - mean) / std);
        }

        return new DenseTable(t.Features, t.FeatureCount, y, t.Weights, t.FeatureNames);
    }
}

/// <summary>Seed streams derived from the pipeline seed with <see cref="DeterministicRandom.Derive"/>.</summary>
internal static class PipelineSeeds
{
    public const ulong ValidationSplit = 1;
    public const ulong Initialization = 2;
    public const ulong Shuffle = 3;
    public const ulong Dropout = 4;
}

/// <summary>Label text or numbers to training labels: the value for regression, the class index for classification.</summary>
internal sealed class LabelCodec
{
    private readonly Dictionary<string, int> _classes = new(StringComparer.Ordinal);

    public LabelCodec(TaskKind task, IReadOnlyList<string> classNames)
    {
        Task = task;
        for (int i = 0; i < classNames.Count; i++)
        {
            _classes[classNames[i]] = i;
        }
    }

    public TaskKind Task { get; }

    /// <summary>The class name of a numeric label: the shortest text that reads back to the same float.</summary>
    public static string NameOf(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The sorted distinct labels of the given columns: numerically for numeric labels, ordinally for text.</summary>
    public static string[] ClassNames(IEnumerable<DataColumn> labels)
    {
        var numbers = new SortedSet<float>();
        var texts = new SortedSet<string>(StringComparer.Ordinal);
        bool numeric = false;
        foreach (DataColumn c in labels)
        {
            if (c is NumericColumn n)
            {
                numeric = true;
                for (int r = 0; r < n.RowCount; r++)
                {
                    float v = n[r];
                    numbers.Add(float.IsNaN(v) ? throw MissingLabel(c.Name, r, "the data") : v == 0 ? 0f : v);
                }
            }
            else
            {
                var t = (TextColumn)c;
                for (int r = 0; r < t.RowCount; r++)
                {
                    texts.Add(t[r] ?? throw MissingLabel(c.Name, r, "the data"));
                }
            }
        }

        return numeric ? numbers.Select(NameOf).ToArray() : texts.ToArray();
    }

    public float[] Encode(TabularData data, string what)
    {
        if (data.LabelColumn is null)
        {
            throw new ArgumentException($"The {what} has no label column.", nameof(data));
        }

        DataColumn c = data[data.LabelColumn];
        var y = new float[data.RowCount];
        for (int r = 0; r < y.Length; r++)
        {
            if (c is NumericColumn n)
            {
                float v = n[r];
                if (float.IsNaN(v))
                {
                    throw MissingLabel(c.Name, r, what);
                }

                y[r] = Task == TaskKind.Regression ? v : ClassIndex(NameOf(v == 0 ? 0f : v), c.Name, r, what);
            }
            else
            {
                y[r] = ClassIndex(((TextColumn)c)[r] ?? throw MissingLabel(c.Name, r, what), c.Name, r, what);
            }
        }

        return y;
    }

    private int ClassIndex(string name, string column, int row, string what) =>
        _classes.TryGetValue(name, out int k)
            ? k
            : throw new ArgumentException($"{what}: label column '{column}', row {FeaturizerEstimator.Row(row)}: '{name}' is not one of the {_classes.Count} classes the model was trained on ({DataConfig.Preview(_classes.Keys)}).", "data");

    private static ArgumentException MissingLabel(string column, int row, string what) =>
        new($"{what}: label column '{column}', row {FeaturizerEstimator.Row(row)}: the label is missing.", "data");
}
