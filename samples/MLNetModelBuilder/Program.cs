using System;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers;
using MLNet.Optimizers.MLNet;
using MLNet.Optimizers.Training.Models;

// Model-Builder-style end to end with ML.NET: load the wine data, build a pipeline (MapValueToKey, NormalizeMinMax,
// an MLP trained by Lion, MapKeyToValue), cross-validate, train, evaluate on a held-out split, save the model with
// ML.NET, reload it with ML.NET and predict one wine with a PredictionEngine. The saved model.zip needs only
// Microsoft.ML to run.
var ml = new MLContext(seed: 1);
string dataPath = Path.Combine(AppContext.BaseDirectory, "data", "wine.csv");
IDataView data = ml.Data.LoadFromTextFile<Wine>(dataPath, separatorChar: ',', hasHeader: true);
DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 42);

var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Wine.Cultivar))
    .Append(ml.Transforms.NormalizeMinMax("Features"))
    .Append(ml.Optimizers().MulticlassClassification.Mlp(new MlpTrainerOptions
    {
        Optimizer = new Lion(3e-3) { WeightDecay = 0.1 },
        HiddenLayers = new[] { 16 },
        Activation = Activation.Tanh,
        NumberOfEpochs = 60,
        BatchSize = 16,
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedCultivar", "PredictedLabel"));

var folds = ml.MulticlassClassification.CrossValidate(split.TrainSet, pipeline, numberOfFolds: 5, seed: 7);
foreach (var fold in folds)
{
    Console.WriteLine($"fold {fold.Fold}: accuracy {fold.Metrics.MicroAccuracy:F3}");
}

ITransformer model = pipeline.Fit(split.TrainSet);
MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
Console.WriteLine($"held-out accuracy {metrics.MicroAccuracy:F3}, log loss {metrics.LogLoss:F3}");

string modelPath = Path.Combine(Path.GetTempPath(), "mlnet-optimizers-wine-model.zip");
ml.Model.Save(model, data.Schema, modelPath);
ITransformer reloaded = ml.Model.Load(modelPath, out _);
var engine = ml.Model.CreatePredictionEngine<Wine, WinePrediction>(reloaded);
var sample = new Wine { Features = new float[] { 13.2f, 1.78f, 2.14f, 11.2f, 100f, 2.65f, 2.76f, 0.26f, 1.28f, 4.38f, 1.05f, 3.4f, 1050f } };
WinePrediction p = engine.Predict(sample);
Console.WriteLine($"saved {modelPath}; reloaded model predicts {p.PredictedCultivar} (scores {string.Join(", ", Array.ConvertAll(p.Score, s => s.ToString("F3")))})");
return metrics.MicroAccuracy >= 0.9 ? 0 : 1;

/// <summary>A row of wine.csv.</summary>
public sealed class Wine
{
    /// <summary>The 13 measurements.</summary>
    [LoadColumn(0, 12)]
    [VectorType(13)]
    public float[] Features { get; set; } = Array.Empty<float>();

    /// <summary>The cultivar (class_0, class_1, class_2).</summary>
    [LoadColumn(13)]
    public string Cultivar { get; set; } = string.Empty;
}

/// <summary>The model's output.</summary>
public sealed class WinePrediction
{
    /// <summary>The predicted cultivar.</summary>
    public string PredictedCultivar { get; set; } = string.Empty;

    /// <summary>Class probabilities.</summary>
    public float[] Score { get; set; } = Array.Empty<float>();
}
