// Training: the data schema, the pipeline and Train, as Model Builder's <Name>.training.cs.
using System;
using MLNet.Optimizers;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Pipelines;
using MLNet.Optimizers.Training.Training;

namespace MulticlassWine;

public static partial class WineModel
{
    /// <summary>The label column.</summary>
    public const string Label = "cultivar";

    /// <summary>The pipeline seed (and the train/test split seed).</summary>
    public const ulong Seed = 42;

    private const int BatchSize = 16;

    /// <summary>The data schema, from <see cref="ModelInput"/>'s properties: multiclass classification of the cultivar.</summary>
    public static DataConfig Schema => TypedRows.Schema<ModelInput>(Label, TaskKind.MulticlassClassification);

    /// <summary>Loads the CSV file and splits it 80 / 20 into training and test rows (seeded).</summary>
    /// <param name="path">wine.csv.</param>
    /// <returns>The two parts.</returns>
    public static (TabularData Train, TabularData Test) LoadData(string path)
    {
        TabularData all = TabularData.LoadCsv(path, Schema);
        (int[] train, int[] test) = DataSplit.TrainTestIndices(all.RowCount, 0.2, Seed);
        return (all.SelectRows(train), all.SelectRows(test));
    }

    /// <summary>
    /// The pipeline: z-scored features (the training mean subtracted, divided by the standard deviation), an MLP with 16
    /// ReLU units and a softmax output trained with Lion on the cross-entropy (warmup to 1e-3, cosine decay; decoupled
    /// weight decay 1.0, biases exempt). 142 training rows are too few to spare a validation part: it trains for a
    /// fixed number of epochs.
    /// </summary>
    /// <param name="trainingRows">Rows that will be passed to Fit (to size the learning-rate schedule).</param>
    /// <param name="epochs">Training epochs.</param>
    /// <returns>The pipeline.</returns>
    public static Pipeline BuildPipeline(int trainingRows, int epochs)
    {
        var lion = new Lion(LearningRates.WarmupCosine(1e-3, trainingRows, 0, epochs, BatchSize)) { WeightDecay = 1.0 };
        var trainer = new TrainerConfig
        {
            Model = ModelConfig.Mlp(Activation.ReLU, 16),
            Epochs = epochs,
            BatchSize = BatchSize,
        };
        trainer.SetOptimizer(lion);
        return new Pipeline(Schema, Seed)
            .Append(new NormalizingEstimator(NormalizerKind.MeanVariance, fixZero: false))
            .Append(new NeuralTrainerEstimator(trainer));
    }

    /// <summary>Fits the pipeline.</summary>
    /// <param name="train">The training rows.</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="progress">Per-epoch progress, or null.</param>
    /// <returns>The fitted model.</returns>
    public static PipelineModel Train(TabularData train, int epochs, IProgress<TrainingProgress>? progress = null) =>
        BuildPipeline(train.RowCount, epochs).Fit(train, progress: progress);
}
