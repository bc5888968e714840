// Training (the shape of Model Builder's <Model>.training.cs): loading, the pipeline, retraining and saving.
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using MLNet.Optimizers;
using MLNet.Optimizers.MLNet;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Models;

namespace BinaryBreastCancer;

public partial class BreastCancerModel
{
    /// <summary>The CSV separator of breast_cancer.csv.</summary>
    public const char RetrainSeparatorChar = ',';

    /// <summary>Whether breast_cancer.csv has a header row.</summary>
    public const bool RetrainHasHeader = true;

    /// <summary>Training epochs by default.</summary>
    public const int DefaultEpochs = 30;

    /// <summary>The rows the pipeline is sized for by default: the training part of the 80 / 20 split of breast_cancer.csv (seed 42).</summary>
    public const long DefaultTrainingRows = 461;

    /// <summary>The seed of the split, the weights and the batch order.</summary>
    public const int Seed = 42;

    /// <summary>
    /// The trainer's settings, all in this one place: an MLP with 32 ReLU units trained with Lion on the log loss,
    /// batches of 32; the learning rate warms up linearly over the first 5 % of the steps to 1e-3, then follows a cosine
    /// decay to 0; decoupled weight decay 1, the biases exempt.
    /// </summary>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="trainingRows">Rows passed to Fit (they size the learning-rate schedule).</param>
    /// <returns>The options.</returns>
    public static MlpTrainerOptions TrainerOptions(int epochs, long trainingRows)
    {
        const int batchSize = 32;
        long steps = epochs * ((trainingRows + batchSize - 1) / batchSize), warmup = System.Math.Max(1, steps / 20);
        var lion = new Lion(new CosineDecay(0.0, System.Math.Max(1, steps - warmup), warmupTarget: 1e-3, warmupSteps: warmup)) { WeightDecay = 1.0 };
        lion.ExcludeFromWeightDecay(namePatterns: new[] { "bias" });
        return new MlpTrainerOptions
        {
            Optimizer = lion,
            HiddenLayers = new[] { 32 },
            Activation = Activation.ReLU,
            NumberOfEpochs = epochs,
            BatchSize = batchSize,
            Seed = Seed,
            SelectionFraction = 0, // fixed epochs and a schedule sized for them: no selection rows, every epoch runs, the last is kept
        };
    }

    /// <summary>
    /// The pipeline: the diagnosis to the boolean label (malignant = true), the 30 measurements concatenated and z-scored
    /// (mean and standard deviation of the training rows), the MLP (calibrated: <c>Probability</c> is the logistic of
    /// <c>Score</c>), the predicted label back to the diagnosis' name.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="epochs">Training epochs.</param>
    /// <param name="trainingRows">Rows that will be passed to Fit.</param>
    /// <returns>The pipeline.</returns>
    public static IEstimator<ITransformer> BuildPipeline(MLContext mlContext, int epochs = DefaultEpochs, long trainingRows = DefaultTrainingRows) =>
        mlContext.Transforms.Conversion.MapValue("Label", new[] { new KeyValuePair<string, bool>("malignant", true), new KeyValuePair<string, bool>("benign", false) }, "diagnosis")
            .Append(mlContext.Transforms.Concatenate("Features", FeatureColumns))
            .Append(mlContext.Transforms.NormalizeMeanVariance("Features", fixZero: false))
            .Append(mlContext.Optimizers().BinaryClassification.Mlp(TrainerOptions(epochs, trainingRows)))
            .Append(mlContext.Transforms.Conversion.MapValue("PredictedDiagnosis", new[] { new KeyValuePair<bool, string>(true, "malignant"), new KeyValuePair<bool, string>(false, "benign") }, "PredictedLabel"));

    /// <summary>The 30 measurement columns, in file order.</summary>
    private static readonly string[] FeatureColumns =
    {
        "mean_radius", "mean_texture", "mean_perimeter", "mean_area", "mean_smoothness", "mean_compactness",
        "mean_concavity", "mean_concave_points", "mean_symmetry", "mean_fractal_dimension", "radius_se", "texture_se",
        "perimeter_se", "area_se", "smoothness_se", "compactness_se", "concavity_se", "concave_points_se",
        "symmetry_se", "fractal_dimension_se", "worst_radius", "worst_texture", "worst_perimeter", "worst_area",
        "worst_smoothness", "worst_compactness", "worst_concavity", "worst_concave_points", "worst_symmetry",
        "worst_fractal_dimension",
    };

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

    /// <summary>Saves the model with its data loader (written to a temporary file, then renamed), so <c>LoadWithDataLoader</c> reads breast_cancer.csv-shaped files directly.</summary>
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
