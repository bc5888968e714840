// Training: the data schema, the pipeline and Train, as Model Builder's <Name>.training.cs.
using System;
using MLNet.Optimizers;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Pipelines;
using MLNet.Optimizers.Training.Training;

namespace RegressionDiamonds;

public static partial class DiamondsModel
{
    /// <summary>The label column.</summary>
    public const string Label = "price";

    /// <summary>The pipeline seed (and the train/test split seed).</summary>
    public const ulong Seed = 42;

    private const int BatchSize = 64;
    private const double ValidationFraction = 0.1;

    /// <summary>The data schema, from <see cref="ModelInput"/>'s properties: regression on the price.</summary>
    public static DataConfig Schema => TypedRows.Schema<ModelInput>(Label, TaskKind.Regression);

    /// <summary>Loads the CSV file and splits it 80 / 20 into training and test rows (seeded).</summary>
    /// <param name="path">diamonds.csv.</param>
    /// <returns>The two parts.</returns>
    public static (TabularData Train, TabularData Test) LoadData(string path)
    {
        TabularData all = TabularData.LoadCsv(path, Schema);
        (int[] train, int[] test) = DataSplit.TrainTestIndices(all.RowCount, 0.2, Seed);
        return (all.SelectRows(train), all.SelectRows(test));
    }

    /// <summary>
    /// The pipeline: one-hot encoding of cut, colour and clarity, features divided by their standard deviation (ML.NET's mean-variance normalizer with fixZero: zero stays zero), an MLP with 64 ReLU units
    /// trained with Lion (learning rate warmed up over the first 5 % of the steps to 2e-3, then cosine decay to 0;
    /// decoupled weight decay 1.0, biases exempt). The price is standardized for training and the scaling folded back,
    /// so the model predicts dollars. 10 % of the training rows are held out for the validation curve.
    /// </summary>
    /// <param name="trainingRows">Rows that will be passed to Fit (to size the learning-rate schedule).</param>
    /// <param name="epochs">Training epochs.</param>
    /// <returns>The pipeline.</returns>
    public static Pipeline BuildPipeline(int trainingRows, int epochs)
    {
        var lion = new Lion(LearningRates.WarmupCosine(2e-3, trainingRows, ValidationFraction, epochs, BatchSize)) { WeightDecay = 1.0 };
        var trainer = new TrainerConfig
        {
            Model = ModelConfig.Mlp(Activation.ReLU, 64),
            Epochs = epochs,
            BatchSize = BatchSize,
            ValidationFraction = ValidationFraction,
        };
        trainer.SetOptimizer(lion);
        return new Pipeline(Schema, Seed)
            .Append(new OneHotEncodingEstimator())
            .Append(new NormalizingEstimator(NormalizerKind.MeanVariance))
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
