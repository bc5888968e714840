// MulticlassWine: the cultivar of a wine from its chemistry (3 classes), an MLP trained by Lion in an ML.NET pipeline.
// Cross-validate, train, evaluate, save model.zip, consume it.
// Run: dotnet run --project samples/MulticlassWine -c Release [-- --epochs N | --quick] [--output DIR]
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.Samples;
using MulticlassWine;

SampleArgs? options = SampleArgs.Parse("MulticlassWine", args, WineModel.DefaultEpochs, quickEpochs: 20, out int exitCode);
if (options is null)
{
    return exitCode;
}

Console.WriteLine("MulticlassWine: the cultivar of a wine (3 classes), an MLP trained with Lion in an ML.NET pipeline");
var mlContext = new MLContext(seed: WineModel.Seed);
string dataPath = Path.Combine(AppContext.BaseDirectory, "data", "wine.csv");
IDataView data = WineModel.LoadIDataViewFromFile(mlContext, dataPath);
DataOperationsCatalog.TrainTestData split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: WineModel.Seed);
Console.WriteLine($"data:     wine.csv: 80 / 20 split (seed {WineModel.Seed})");

// 1. Cross-validate the pipeline on the training rows.
Console.WriteLine("cross-validate:");
WineModel.CrossValidate(mlContext, split.TrainSet, options.Epochs);

// 2. Train on all the training rows.
var watch = Stopwatch.StartNew();
ITransformer model = WineModel.RetrainModel(mlContext, split.TrainSet, options.Epochs);
Console.WriteLine($"train:    {options.Epochs} epochs in {watch.Elapsed.TotalSeconds:F1} s");

// 3. Evaluate on the held-out rows.
Console.WriteLine("evaluate: the held-out rows");
MulticlassClassificationMetrics metrics = WineModel.Evaluate(mlContext, model, split.TestSet);

// 4. Save model.zip with its data loader.
WineModel.MLNetModelPath = Path.Combine(options.OutputDirectory, "model.zip");
WineModel.SaveModel(mlContext, model, WineModel.MLNetModelPath);
Console.WriteLine($"save:     {WineModel.MLNetModelPath}");

// 5. Consume: Predict loads model.zip; on every held-out row it must give the in-memory model's scores, bit for bit.
WineModel.ModelInput[] wines = mlContext.Data.CreateEnumerable<WineModel.ModelInput>(split.TestSet, reuseRowObject: false).ToArray();
WineModel.ModelOutput[] expected = mlContext.Data.CreateEnumerable<WineModel.ModelOutput>(model.Transform(split.TestSet), reuseRowObject: false).ToArray();
bool same = wines.Length == expected.Length && wines.Select((w, i) => SameBits(WineModel.Predict(w).Score, expected[i].Score)).All(s => s);
Console.WriteLine($"consume:  model.zip on {wines.Length} held-out wines; the first 4:");
foreach (WineModel.ModelInput w in wines.Take(4))
{
    string all = string.Join(", ", WineModel.PredictAllLabels(w).Select(p => $"{p.Key} {p.Value:0.000}"));
    Console.WriteLine($"  alcohol {w.Alcohol,5:0.00}, proline {w.Proline,5:0}  actual {w.Cultivar}  predicted {WineModel.Predict(w).PredictedLabel}  ({all})");
}

// The saved loader reads the CSV file itself.
ITransformer reloaded = mlContext.Model.LoadWithDataLoader(WineModel.MLNetModelPath, out IDataLoader<IMultiStreamSource> loader);
double fileAccuracy = mlContext.MulticlassClassification.Evaluate(reloaded.Transform(loader.Load(dataPath))).MicroAccuracy;
Console.WriteLine($"  LoadWithDataLoader: model.zip reads wine.csv itself: micro accuracy {fileAccuracy:F4} on all its rows");

double bar = options.Quick ? 0.85 : 0.94;
Console.WriteLine($"check:    reloaded model {(same ? "predicts the same bits" : "DIFFERS from the trained one")}; micro accuracy {metrics.MicroAccuracy:F4} (bar {bar:F2})");
return same && metrics.MicroAccuracy >= bar ? 0 : 1;

static bool SameBits(float[] a, float[] b) => MemoryMarshal.AsBytes(a.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.AsSpan()));
