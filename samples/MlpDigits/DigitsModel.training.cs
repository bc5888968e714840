// Training (the shape of Model Builder's <Model>.training.cs): loading, the pipeline, retraining and saving.
using System.IO;
using System.Linq;
using Microsoft.ML;
using MLNet.Optimizers;
using MLNet.Optimizers.MLNet;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Models;
using static Microsoft.ML.Transforms.ValueToKeyMappingEstimator;

namespace MlpDigits;

public partial class DigitsModel
{
    /// <summary>The CSV separator of digits.csv.</summary>
    public const char RetrainSeparatorChar = ',';

    /// <summary>Whether digits.csv has a header row.</summary>
    public const bool RetrainHasHeader = true;

    /// <summary>Training epochs by default.</summary>
    public const int DefaultEpochs = 20;

    /// <summary>The rows the pipeline is sized for by default: the training part of the 80 / 20 split of digits.csv (seed 42).</summary>
    public const long DefaultTrainingRows = 1_439;

    /// <summary>The seed of the split, the weights, the batch order and dropout.</summary>
    public const int Seed = 42;

    /// <summary>
    /// The trainer's settings, all in this one place: an MLP 64-128-64-10 (ReLU, dropout 0.1) with a softmax output
    /// trained with Adafactor on the cross-entropy, batches of 32; the relative step warms up linearly over the first
    /// 5 % of the steps to 0.05, then follows a cosine decay to 0; Keras's other defaults (epsilon_1 1e-30: a unit whose
    /// gradients are all zero gets a zero step, not NaN).
    /// </summary>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="trainingRows">Rows passed to Fit (they size the learning-rate schedule).</param>
    /// <returns>The options.</returns>
    public static MlpTrainerOptions TrainerOptions(int epochs, long trainingRows)
    {
        const int batchSize = 32;
        long steps = epochs * ((trainingRows + batchSize - 1) / batchSize), warmup = System.Math.Max(1, steps / 20);
        var adafactor = new Adafactor(new CosineDecay(0.0, System.Math.Max(1, steps - warmup), warmupTarget: 0.05, warmupSteps: warmup));
        return new MlpTrainerOptions
        {
            Optimizer = adafactor,
            HiddenLayers = new[] { 128, 64 },
            Activation = Activation.ReLU,
            Dropout = 0.1,
            NumberOfEpochs = epochs,
            BatchSize = batchSize,
            Seed = Seed,
            SelectionFraction = 0, // fixed epochs and a schedule sized for them: no selection rows, every epoch runs, the last is kept
        };
    }

    /// <summary>
    /// The pipeline: the digit to a key (classes in numeric order, so <c>Score[d]</c> is P(digit d)), the pixels scaled
    /// to [0, 1] (min-max of the training rows), the MLP, the predicted key back to the digit.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="trainingRows">Rows that will be passed to Fit.</param>
    /// <returns>The pipeline.</returns>
    public static IEstimator<ITransformer> BuildPipeline(MLContext mlContext, int epochs = DefaultEpochs, long trainingRows = DefaultTrainingRows) =>
        mlContext.Transforms.Conversion.MapValueToKey("Label", "digit", keyOrdinality: KeyOrdinality.ByValue)
            .Append(mlContext.Transforms.NormalizeMinMax("Features", "Pixels"))
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

    /// <summary>Saves the model with its data loader (written to a temporary file, then renamed), so <c>LoadWithDataLoader</c> reads digits.csv-shaped files directly.</summary>
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
