// Training (the shape of Model Builder's <Model>.training.cs): loading, the contenders, the pipeline, retraining, saving.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using MLNet.Optimizers;
using MLNet.Optimizers.MLNet;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;
using static Microsoft.ML.Transforms.ValueToKeyMappingEstimator;

namespace OptimizerComparison;

/// <summary>A trainer to compare: its name, a one-line description, the trainer estimator and (for this library's trainers) the per-epoch history it records.</summary>
/// <param name="Name">The name shown in the table and the report.</param>
/// <param name="Description">Its settings.</param>
/// <param name="Trainer">The trainer (label: the key column <c>Label</c>, features: <c>Features</c>).</param>
/// <param name="History">The per-epoch history, filled while it trains (null for ML.NET's own trainers).</param>
public sealed record Contender(string Name, string Description, IEstimator<ITransformer> Trainer, EpochHistory? History);

public partial class LettersModel
{
    /// <summary>The CSV separator of LetterRecognition.csv.</summary>
    public const char RetrainSeparatorChar = ',';

    /// <summary>Whether LetterRecognition.csv has a header row.</summary>
    public const bool RetrainHasHeader = true;

    /// <summary>Whether values may be quoted (LetterRecognition.csv quotes the letters).</summary>
    public const bool RetrainAllowQuoting = true;

    /// <summary>Training epochs of the MLPs by default.</summary>
    public const int DefaultEpochs = 20;

    /// <summary>Boosting iterations (trees per class) of FastTree and LightGBM by default.</summary>
    public const int DefaultTrees = 100;

    /// <summary>The rows the pipeline is sized for by default: the training part of the 80 / 20 split of LetterRecognition.csv (seed 42).</summary>
    public const long DefaultTrainingRows = 16_000;

    /// <summary>The seed of the split, the weights and the batch order (the same for every MLP) and of the tree learners.</summary>
    public const int Seed = 42;

    /// <summary>The MLPs' hidden layer width.</summary>
    public const int Hidden = 128;

    /// <summary>The MLPs' batch size.</summary>
    public const int BatchSize = 32;

    private static readonly string[] FeatureColumns = { "x.box", "y.box", "width", "high", "onpix", "x.bar", "y.bar", "x2bar", "y2bar", "xybar", "x2ybr", "xy2br", "x.ege", "xegvy", "y.ege", "yegvx" };

    /// <summary>
    /// The contenders, all in this one place. This library's MLP (16-128-26, ReLU, softmax, batches of 32, the same seed:
    /// the same initial weights and batch order) with Lion, Adafactor, AdamW and SGD, each with the learning rate and
    /// weight decay that suit it, warmed up linearly over the first 5 % of the steps and then cosine-decayed to 0, the
    /// biases exempt from weight decay; and ML.NET's own SDCA maximum entropy (linear), FastTree (one-versus-all) and
    /// LightGBM, at their defaults but for the number of passes (SDCA: as many as the MLPs' epochs) or trees, on one
    /// thread (so the runs are deterministic: multi-threaded SDCA is not; and so an
    /// oversubscribed machine does not slow the boosters' spinning OpenMP threads down many times over).
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="epochs">MLP epochs.</param>
    /// <param name="trees">Boosting iterations of FastTree and LightGBM.</param>
    /// <param name="trainingRows">Rows passed to Fit (they size the learning-rate schedules).</param>
    /// <param name="validation">Featurized rows for the MLPs' per-epoch validation curves (they choose nothing), or null.</param>
    /// <returns>Lion, Adafactor, AdamW, SGD, SDCA, FastTree, LightGBM.</returns>
    public static IReadOnlyList<Contender> Contenders(MLContext mlContext, int epochs = DefaultEpochs, int trees = DefaultTrees, long trainingRows = DefaultTrainingRows, IDataView? validation = null)
    {
        long steps = epochs * ((trainingRows + BatchSize - 1) / BatchSize), warmup = Math.Max(1, steps / 20);
        CosineDecay Schedule(double peak) => new(0.0, Math.Max(1, steps - warmup), warmupTarget: peak, warmupSteps: warmup);
        string schedule = $"{warmup} warmup steps, cosine decay";

        Contender Mlp(string name, Optimizer optimizer, string description)
        {
            optimizer.ExcludeFromWeightDecay(namePatterns: new[] { "bias" });
            var history = new EpochHistory(name, epochs);
            var options = new MlpTrainerOptions
            {
                Optimizer = optimizer,
                HiddenLayers = new[] { Hidden },
                Activation = Activation.ReLU,
                NumberOfEpochs = epochs,
                BatchSize = BatchSize,
                Seed = Seed,
                ValidationData = validation,
                EarlyStoppingPatience = null, // the held-out rows only draw the curves: they choose nothing, every epoch runs
                EpochRule = EpochRule.Last,
                Progress = history,
            };
            return new Contender(name, $"MLP 16-{Hidden}-26 ReLU, {epochs} epochs, batch {BatchSize}; {description}", mlContext.Optimizers().MulticlassClassification.Mlp(options), history);
        }

        return new[]
        {
            Mlp("Lion", new Lion(Schedule(2e-3)) { WeightDecay = 1.0 }, $"Lion: peak lr 0.002 ({schedule}), weight decay 1, β1 0.9, β2 0.99"),
            Mlp("Adafactor", new Adafactor(Schedule(0.05)), $"Adafactor: peak relative step 0.05 ({schedule}), β2 decay -0.8, ε1 1e-30, no weight decay"),
            Mlp("AdamW", new AdamW(Schedule(1e-2), weightDecay: 0.1), $"AdamW: peak lr 0.01 ({schedule}), weight decay 0.1, β1 0.9, β2 0.999"),
            Mlp("SGD", new Sgd(Schedule(0.05), momentum: 0.9), $"SGD: peak lr 0.05 ({schedule}), momentum 0.9, no weight decay"),
            new Contender("SDCA", $"ML.NET SdcaMaximumEntropy (linear softmax regression), at most {epochs} passes over the data (as many as the MLPs' epochs), one thread, otherwise defaults", mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options { MaximumNumberOfIterations = epochs, NumberOfThreads = 1 }), null),
            new Contender("FastTree", $"ML.NET FastTree, one versus all (26 binary boosted-tree models), {trees} trees each, one thread, otherwise defaults", mlContext.MulticlassClassification.Trainers.OneVersusAll(mlContext.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options { NumberOfTrees = trees, NumberOfThreads = 1, Seed = Seed })), null),
            new Contender("LightGBM", $"ML.NET LightGBM multiclass, {trees} iterations, one thread, otherwise defaults", mlContext.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options { NumberOfIterations = trees, NumberOfThreads = 1, Seed = Seed }), null),
        };
    }

    /// <summary>The featurization every contender shares: the letter to a key (A .. Z), the 16 statistics concatenated and z-scored (mean and standard deviation of the training rows).</summary>
    /// <param name="mlContext">The context.</param>
    /// <returns>The featurizer.</returns>
    public static IEstimator<ITransformer> BuildFeaturizer(MLContext mlContext) =>
        mlContext.Transforms.Conversion.MapValueToKey("Label", "lettr", keyOrdinality: KeyOrdinality.ByValue)
            .Append(mlContext.Transforms.Concatenate("Features", FeatureColumns))
            .Append(mlContext.Transforms.NormalizeMeanVariance("Features", fixZero: false));

    /// <summary>The pipeline: the featurization, the trainer (by default the first contender, Lion), the predicted key back to the letter.</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="trainer">The trainer, or null for Lion.</param>
    /// <returns>The pipeline.</returns>
    public static IEstimator<ITransformer> BuildPipeline(MLContext mlContext, IEstimator<ITransformer>? trainer = null) =>
        BuildFeaturizer(mlContext)
            .Append(trainer ?? Contenders(mlContext)[0].Trainer)
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

    /// <summary>Trains the pipeline with one trainer.</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="trainData">The training rows.</param>
    /// <param name="trainer">The trainer, or null for Lion.</param>
    /// <returns>The model.</returns>
    public static ITransformer RetrainModel(MLContext mlContext, IDataView trainData, IEstimator<ITransformer>? trainer = null) =>
        BuildPipeline(mlContext, trainer).Fit(trainData);

    /// <summary>Loads a CSV file with the columns of <see cref="ModelInput"/>.</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="path">The file.</param>
    /// <returns>The rows.</returns>
    public static IDataView LoadIDataViewFromFile(MLContext mlContext, string path) =>
        mlContext.Data.LoadFromTextFile<ModelInput>(path, RetrainSeparatorChar, RetrainHasHeader, RetrainAllowQuoting);

    /// <summary>Saves the model with its data loader (written to a temporary file, then renamed), so <c>LoadWithDataLoader</c> reads LetterRecognition.csv-shaped files directly.</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="model">The model.</param>
    /// <param name="modelPath">The file (model.zip).</param>
    public static void SaveModel(MLContext mlContext, ITransformer model, string modelPath)
    {
        var loader = mlContext.Data.CreateTextLoader<ModelInput>(RetrainSeparatorChar, RetrainHasHeader, allowQuoting: RetrainAllowQuoting);
        string temporary = modelPath + ".tmp";
        mlContext.Model.Save(model, loader, temporary);
        File.Move(temporary, modelPath, overwrite: true);
    }

    /// <summary>The number of rows of <paramref name="data"/> (a split's count is not known before reading it).</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="data">Rows with the columns of <see cref="ModelInput"/>.</param>
    /// <returns>The count.</returns>
    public static long CountRows(MLContext mlContext, IDataView data) => data.GetRowCount() ?? mlContext.Data.CreateEnumerable<ModelInput>(data, reuseRowObject: true).LongCount();
}

/// <summary>Records the per-epoch history of one of this library's trainers and prints a line every few epochs.</summary>
/// <param name="name">The run's name (printed before each line).</param>
/// <param name="epochs">The planned epochs.</param>
public sealed class EpochHistory(string name, int epochs) : IProgress<TrainingProgress>
{
    private readonly Stopwatch _epochWatch = Stopwatch.StartNew();

    /// <summary>The epochs so far.</summary>
    public List<EpochRecord> Epochs { get; } = new();

    /// <summary>Forgets the epochs so far and starts the clock (call it right before the fit).</summary>
    public void Start()
    {
        Epochs.Clear();
        _epochWatch.Restart();
    }

    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        if (!value.EpochEnd)
        {
            return;
        }

        Epochs.Add(new EpochRecord(value.Epoch, value.Loss, value.ValidationLoss, value.ValidationQuality, _epochWatch.Elapsed.TotalSeconds));
        _epochWatch.Restart();
        if (value.Epoch == 1 || value.Epoch == epochs || value.Epoch % Math.Max(1, epochs / 4) == 0)
        {
            Console.WriteLine($"  {name,-9} epoch {value.Epoch,3}/{epochs}  loss {value.Loss:F4}  validation loss {value.ValidationLoss:F4}  validation accuracy {value.ValidationQuality:F4}");
        }
    }
}
