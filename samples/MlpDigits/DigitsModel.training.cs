// Training: the data schema, the pipeline and Train, as Model Builder's <Name>.training.cs.
using System;
using MLNet.Optimizers;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Pipelines;
using MLNet.Optimizers.Training.Training;

namespace MlpDigits;

public static partial class DigitsModel
{
    /// <summary>The label column.</summary>
    public const string Label = "digit";

    /// <summary>The pipeline seed (and the train/test split seed).</summary>
    public const ulong Seed = 42;

    private const int BatchSize = 32;
    private const double ValidationFraction = 0.1;

    /// <summary>The data schema, from <see cref="ModelInput"/>'s properties: 10-class classification of the digit.</summary>
    public static DataConfig Schema => TypedRows.Schema<ModelInput>(Label, TaskKind.MulticlassClassification);

    /// <summary>Loads the CSV file and splits it 80 / 20 into training and test rows (seeded).</summary>
    /// <param name="path">digits.csv.</param>
    /// <returns>The two parts.</returns>
    public static (TabularData Train, TabularData Test) LoadData(string path)
    {
        TabularData all = TabularData.LoadCsv(path, Schema);
        (int[] train, int[] test) = DataSplit.TrainTestIndices(all.RowCount, 0.2, Seed);
        return (all.SelectRows(train), all.SelectRows(test));
    }

    /// <summary>
    /// The pipeline: pixels scaled to [0, 1] (min-max), an MLP 64-128-64-10 (ReLU, dropout 0.1) with a softmax output
    /// trained with Adafactor on the cross-entropy (relative step warmed up to 0.05 then cosine decay; epsilon_1 1e-15,
    /// which unlike Keras's 1e-30 does not underflow to NaN when a ReLU unit dies). 10 % of the training rows are held
    /// out: the run keeps the weights of the epoch with the lowest validation loss (and stops after 10 epochs without a new one).
    /// </summary>
    /// <param name="trainingRows">Rows that will be passed to Fit (to size the learning-rate schedule).</param>
    /// <param name="epochs">Training epochs (at most).</param>
    /// <returns>The pipeline.</returns>
    public static Pipeline BuildPipeline(int trainingRows, int epochs)
    {
        var adafactor = new Adafactor(LearningRates.WarmupCosine(0.05, trainingRows, ValidationFraction, epochs, BatchSize), epsilon1: 1e-15);
        ModelConfig mlp = ModelConfig.Mlp(Activation.ReLU, 128, 64);
        mlp.Dropout = 0.1;
        var trainer = new TrainerConfig
        {
            Model = mlp,
            Epochs = epochs,
            BatchSize = BatchSize,
            ValidationFraction = ValidationFraction,
            EarlyStoppingPatience = 10,
        };
        trainer.SetOptimizer(adafactor);
        return new Pipeline(Schema, Seed)
            .Append(new NormalizingEstimator(NormalizerKind.MinMax))
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
