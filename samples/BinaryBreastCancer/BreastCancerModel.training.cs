// Training: the data schema, the pipeline and Train, as Model Builder's <Name>.training.cs.
using System;
using MLNet.Optimizers;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Pipelines;
using MLNet.Optimizers.Training.Training;

namespace BinaryBreastCancer;

public static partial class BreastCancerModel
{
    /// <summary>The label column.</summary>
    public const string Label = "diagnosis";

    /// <summary>The pipeline seed (and the train/test split seed).</summary>
    public const ulong Seed = 42;

    private const int BatchSize = 32;
    private const double ValidationFraction = 0.1;

    /// <summary>The data schema, from <see cref="ModelInput"/>'s properties: binary classification of the diagnosis.</summary>
    public static DataConfig Schema => TypedRows.Schema<ModelInput>(Label, TaskKind.BinaryClassification);

    /// <summary>Loads the CSV file and splits it 80 / 20 into training and test rows (seeded).</summary>
    /// <param name="path">breast_cancer.csv.</param>
    /// <returns>The two parts.</returns>
    public static (TabularData Train, TabularData Test) LoadData(string path)
    {
        TabularData all = TabularData.LoadCsv(path, Schema);
        (int[] train, int[] test) = DataSplit.TrainTestIndices(all.RowCount, 0.2, Seed);
        return (all.SelectRows(train), all.SelectRows(test));
    }

    /// <summary>
    /// The pipeline: standardized features (z-scores: the training mean subtracted, divided by the standard deviation), an MLP with 32 ReLU units trained with Lion (warmup to 1e-3, cosine decay;
    /// decoupled weight decay 1.0, biases exempt) on the log loss. 10 % of the training rows are held out: training
    /// stops after 15 epochs without a lower validation loss and keeps the best epoch's weights.
    /// </summary>
    /// <param name="trainingRows">Rows that will be passed to Fit (to size the learning-rate schedule).</param>
    /// <param name="epochs">Training epochs (at most).</param>
    /// <returns>The pipeline.</returns>
    public static Pipeline BuildPipeline(int trainingRows, int epochs)
    {
        var lion = new Lion(LearningRates.WarmupCosine(1e-3, trainingRows, ValidationFraction, epochs, BatchSize)) { WeightDecay = 1.0 };
        var trainer = new TrainerConfig
        {
            Model = ModelConfig.Mlp(Activation.ReLU, 32),
            Epochs = epochs,
            BatchSize = BatchSize,
            ValidationFraction = ValidationFraction,
            EarlyStoppingPatience = 15,
        };
        trainer.SetOptimizer(lion);
        return new Pipeline(Schema, Seed)
            .Append(new NormalizingEstimator(NormalizerKind.MeanVariance, fixZero: false))
            .Append(new NeuralTrainerEstimator(trainer));
    }

    /// <summary>Fits the pipeline.</summary>
    /// <param name="train">The training rows.</param>
    /// <param name="epochs">Training epochs (at most).</param>
    /// <param name="progress">Per-epoch progress, or null.</param>
    /// <returns>The fitted model.</returns>
    public static PipelineModel Train(TabularData train, int epochs, IProgress<TrainingProgress>? progress = null) =>
        BuildPipeline(train.RowCount, epochs).Fit(train, progress: progress);
}
