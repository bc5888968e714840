// Training (the shape of Model Builder's <Model>.training.cs): loading, the pipeline, retraining and saving.
using System.IO;
using System.Linq;
using Microsoft.ML;
using MLNet.Optimizers;
using MLNet.Optimizers.MLNet;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Models;
using static Microsoft.ML.Transforms.ValueToKeyMappingEstimator;

namespace MulticlassWine;

public partial class WineModel
{
    /// <summary>The CSV separator of wine.csv.</summary>
    public const char RetrainSeparatorChar = ',';

    /// <summary>Whether wine.csv has a header row.</summary>
    public const bool RetrainHasHeader = true;

    /// <summary>Training epochs by default.</summary>
    public const int DefaultEpochs = 40;

    /// <summary>The rows the pipeline is sized for by default: the training part of the 80 / 20 split of wine.csv (seed 42).</summary>
    public const long DefaultTrainingRows = 150;

    /// <summary>The seed of the split, the weights, the batch order and the cross-validation folds.</summary>
    public const int Seed = 42;

    /// <summary>
    /// The trainer's settings, all in this one place: an MLP with 16 ReLU units trained with Lion on the cross-entropy,
    /// batches of 16; the learning rate warms up linearly over the first 5 % of the steps to 3e-3, then follows a cosine
    /// decay to 0; decoupled weight decay 0.1, the biases exempt. 150 training rows are too few to spare a validation
    /// part, so it trains a fixed number of epochs.
    /// </summary>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="trainingRows">Rows passed to Fit (they size the learning-rate schedule).</param>
    /// <returns>The options.</returns>
    public static MlpTrainerOptions TrainerOptions(int epochs, long trainingRows)
    {
        const int batchSize = 16;
        long steps = epochs * ((trainingRows + batchSize - 1) / batchSize), warmup = System.Math.Max(1, steps / 20);
        var lion = new Lion(new CosineDecay(0.0, System.Math.Max(1, steps - warmup), warmupTarget: 3e-3, warmupSteps: warmup)) { WeightDecay = 0.1 };
        lion.ExcludeFromWeightDecay(namePatterns: new[] { "bias" });
        return new MlpTrainerOptions
        {
            Optimizer = lion,
            HiddenLayers = new[] { 16 },
            Activation = Activation.ReLU,
            NumberOfEpochs = epochs,
            BatchSize = batchSize,
            Seed = Seed,
            SelectionFraction = 0, // fixed epochs and a schedule sized for them: no selection rows, every epoch runs, the last is kept
        };
    }

    /// <summary>
    /// The pipeline: the cultivar to a key (classes in sorted order), the 13 measurements concatenated and z-scored
    /// (mean and standard deviation of the training rows), the MLP, the predicted key back to the cultivar's name.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="trainingRows">Rows that will be passed to Fit.</param>
    /// <returns>The pipeline.</returns>
    public static IEstimator<ITransformer> BuildPipeline(MLContext mlContext, int epochs = DefaultEpochs, long trainingRows = DefaultTrainingRows) =>
        mlContext.Transforms.Conversion.MapValueToKey("Label", "cultivar", keyOrdinality: KeyOrdinality.ByValue)
            .Append(mlContext.Transforms.Concatenate("Features", "alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280_od315", "proline"))
            .Append(mlContext.Transforms.NormalizeMeanVariance("Features", fixZero: false))
            .Append(mlContext.Optimizers().MulticlassClassification.Mlp(TrainerOptions(epochs, trainingRows)))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

    /// <summary>Trains the pipeline on <paramref name="trainData"/> (its rows counted to size the schedule).</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="trainData">The training rows.</param>
    /// <param name="epochs">Training epochs.</param>
    /// <returns>The model.</returns>
    public static ITransformer RetrainModel(MLContext mlContext, IDataView trainData, int epochs = DefaultEpochs) =>
        BuildPipeline(mlContext, epochs, CountRows(mlContext, trainData)).Fit(trainData);

    /// <summary>Loads a CSV file with the columns of <see cref="ModelInput"/>.</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="path">The file.</param>
    /// <returns>The rows.</returns>
    public static IDataView LoadIDataViewFromFile(MLContext mlContext, string path) =>
        mlContext.Data.LoadFromTextFile<ModelInput>(path, RetrainSeparatorChar, RetrainHasHeader);

    /// <summary>Saves the model with its data loader (written to a temporary file, then renamed), so <c>LoadWithDataLoader</c> reads wine.csv-shaped files directly.</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="model">The model.</param>
    /// <param name="modelPath">The file (model.zip).</param>
    public static void SaveModel(MLContext mlContext, ITransformer model, string modelPath)
    {
        var loader = mlContext.Data.CreateTextLoader<ModelInput>(RetrainSeparatorChar, RetrainHasHeader);
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
