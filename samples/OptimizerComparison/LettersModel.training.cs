// Training: the data schema, the four optimizers, the pipeline and Train, as Model Builder's <Name>.training.cs.
using System;
using System.Collections.Generic;
using System.Globalization;
using MLNet.Optimizers;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Pipelines;
using MLNet.Optimizers.Training.Training;

namespace OptimizerComparison;

/// <summary>An optimizer to compare: its name, the optimizer (only its configuration is used) and a one-line description.</summary>
/// <param name="Name">The name shown in the report.</param>
/// <param name="Optimizer">The optimizer.</param>
/// <param name="Description">Its settings.</param>
public sealed record Contender(string Name, Optimizer Optimizer, string Description);

public static partial class LettersModel
{
    /// <summary>The label column.</summary>
    public const string Label = "lettr";

    /// <summary>The pipeline seed (the same for every optimizer: same initial weights, same batch order) and the split seed.</summary>
    public const ulong Seed = 42;

    /// <summary>Rows per step.</summary>
    public const int BatchSize = 32;

    /// <summary>The hidden layer's width.</summary>
    public const int Hidden = 128;

    /// <summary>The data schema, from <see cref="ModelInput"/>'s properties: 26-class classification of the letter.</summary>
    public static DataConfig Schema => TypedRows.Schema<ModelInput>(Label, TaskKind.MulticlassClassification);

    /// <summary>Loads the CSV file and splits it 80 / 20 into training and validation rows (seeded; the same split for every optimizer).</summary>
    /// <param name="path">LetterRecognition.csv.</param>
    /// <returns>The two parts.</returns>
    public static (TabularData Train, TabularData Validation) LoadData(string path)
    {
        TabularData all = TabularData.LoadCsv(path, Schema);
        (int[] train, int[] validation) = DataSplit.TrainTestIndices(all.RowCount, 0.2, Seed);
        return (all.SelectRows(train), all.SelectRows(validation));
    }

    /// <summary>
    /// The four optimizers, each with the learning rate and weight decay that suit it (the defaults of <c>mlnet-opt</c>,
    /// chosen by a grid over the bundled data sets): all warm up linearly over the first 5 % of the steps and then follow a
    /// cosine decay to 0; weight decay is decoupled and spares the biases. Lion's learning rate is 5× smaller than AdamW's
    /// and its weight decay 10× larger, as Lion needs.
    /// </summary>
    /// <param name="trainingRows">Rows passed to Fit.</param>
    /// <param name="epochs">Epochs.</param>
    /// <returns>Lion, Adafactor, AdamW and SGD.</returns>
    public static IReadOnlyList<Contender> Contenders(int trainingRows, int epochs)
    {
        CosineDecay Schedule(double peak) => LearningRates.WarmupCosine(peak, trainingRows, 0, epochs, BatchSize);
        string steps = Schedule(1).WarmupSteps.ToString(CultureInfo.InvariantCulture) + " warmup steps";
        return new[]
        {
            new Contender("Lion", new Lion(Schedule(2e-3)) { WeightDecay = 1.0 }, $"Lion: peak lr 0.002 ({steps}, cosine decay), weight decay 1, β1 0.9, β2 0.99"),
            new Contender("Adafactor", new Adafactor(Schedule(0.05), epsilon1: 1e-15), $"Adafactor: peak lr 0.05 ({steps}, cosine decay), relative to each weight's RMS, β2 decay -0.8, ε1 1e-15, no weight decay"),
            new Contender("AdamW", new AdamW(Schedule(1e-2), weightDecay: 0.1), $"AdamW: peak lr 0.01 ({steps}, cosine decay), weight decay 0.1, β1 0.9, β2 0.999"),
            new Contender("SGD", new Sgd(Schedule(0.05), momentum: 0.9), $"SGD: peak lr 0.05 ({steps}, cosine decay), momentum 0.9, no weight decay"),
        };
    }

    /// <summary>The pipeline, the same for every optimizer but the optimizer: z-scored features, an MLP with 128 ReLU units, a softmax output.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="epochs">Epochs.</param>
    /// <returns>The pipeline.</returns>
    public static Pipeline BuildPipeline(Optimizer optimizer, int epochs) =>
        new Pipeline(Schema, Seed)
            .Append(new NormalizingEstimator(NormalizerKind.MeanVariance, fixZero: false))
            .Append(new NeuralTrainerEstimator(ModelConfig.Mlp(Activation.ReLU, Hidden), optimizer, epochs, BatchSize));

    /// <summary>Fits the pipeline with one optimizer; the validation rows give the per-epoch validation curves.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="train">The training rows.</param>
    /// <param name="validation">The validation rows.</param>
    /// <param name="epochs">Epochs.</param>
    /// <param name="progress">Per-epoch progress, or null.</param>
    /// <returns>The fitted model; its <see cref="PipelineModel.TrainingResult"/> holds the curves.</returns>
    public static PipelineModel Train(Optimizer optimizer, TabularData train, TabularData validation, int epochs, IProgress<TrainingProgress>? progress = null) =>
        BuildPipeline(optimizer, epochs).Fit(train, validation, progress);
}
