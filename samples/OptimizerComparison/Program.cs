// OptimizerComparison: this library's MLP with Lion, Adafactor, AdamW and SGD against ML.NET's own SDCA, FastTree and
// LightGBM on one data set and one split, in ML.NET pipelines; one table, an HTML report, the most accurate model saved
// as model.zip and consumed.
// Run: dotnet run --project samples/OptimizerComparison -c Release [-- --epochs N | --quick] [--output DIR]
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Microsoft.ML;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Samples;
using OptimizerComparison;

SampleArgs? options = SampleArgs.Parse("OptimizerComparison", args, LettersModel.DefaultEpochs, quickEpochs: 2, out int exitCode);
if (options is null)
{
    return exitCode;
}

int trees = options.Quick ? 10 : LettersModel.DefaultTrees;
Console.WriteLine("OptimizerComparison: Lion vs Adafactor vs AdamW vs SGD (this library's MLP) vs ML.NET's SDCA, FastTree and LightGBM on LetterRecognition (26 classes)");
var mlContext = new MLContext(seed: LettersModel.Seed);
IDataView data = LettersModel.LoadIDataViewFromFile(mlContext, Path.Combine(AppContext.BaseDirectory, "data", "LetterRecognition.csv"));
DataOperationsCatalog.TrainTestData split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: LettersModel.Seed);
long trainingRows = LettersModel.CountRows(mlContext, split.TrainSet), testRows = LettersModel.CountRows(mlContext, split.TestSet);
Console.WriteLine($"data:     LetterRecognition.csv: {trainingRows:N0} training, {testRows:N0} held-out rows (seed {LettersModel.Seed}), the same for every contender");

// The held-out rows featurized as the trainers see them, for the MLPs' per-epoch validation curves (they choose nothing).
IDataView validation = LettersModel.BuildFeaturizer(mlContext).Fit(split.TrainSet).Transform(split.TestSet);

// 1. Train each contender, and 2. evaluate each on the held-out rows.
var runs = new List<Run>();
foreach (Contender c in LettersModel.Contenders(mlContext, options.Epochs, trees, trainingRows, validation))
{
    Console.WriteLine($"train:    {c.Name}: {c.Description}");
    c.History?.Start();
    var watch = Stopwatch.StartNew();
    ITransformer model = LettersModel.RetrainModel(mlContext, split.TrainSet, c.Trainer);
    runs.Add(LettersModel.Evaluate(mlContext, c, model, split.TestSet, watch.Elapsed.TotalSeconds));
}

Console.WriteLine("evaluate: the held-out rows (ML.NET's evaluator)");
LettersModel.PrintTable(runs);
string reportPath = Path.Combine(options.OutputDirectory, "report.html");
HtmlReport.Save(LettersModel.Report(runs, trainingRows, testRows), reportPath);
Console.WriteLine($"report:   {reportPath}");

// 3. Save the most accurate model as model.zip with its data loader.
Run best = runs.MaxBy(r => r.Metrics.MicroAccuracy)!;
LettersModel.MLNetModelPath = Path.Combine(options.OutputDirectory, "model.zip");
LettersModel.SaveModel(mlContext, best.Model, LettersModel.MLNetModelPath);
Console.WriteLine($"save:     {LettersModel.MLNetModelPath} (trained with {best.Contender.Name})");

// 4. Consume: Predict loads model.zip; on every held-out row it must give the in-memory model's scores, bit for bit.
LettersModel.ModelInput[] letters = mlContext.Data.CreateEnumerable<LettersModel.ModelInput>(split.TestSet, reuseRowObject: false).ToArray();
LettersModel.ModelOutput[] expected = mlContext.Data.CreateEnumerable<LettersModel.ModelOutput>(best.Model.Transform(split.TestSet), reuseRowObject: false).ToArray();
bool same = letters.Length == expected.Length && letters.Select((l, i) => SameBits(LettersModel.Predict(l).Score, expected[i].Score)).All(s => s);
Console.WriteLine($"consume:  model.zip on {letters.Length:N0} held-out letters; 8 of them:");
foreach (LettersModel.ModelInput l in letters.Where((_, i) => i % (letters.Length / 8) == 0).Take(8))
{
    LettersModel.ModelOutput p = LettersModel.Predict(l);
    Console.WriteLine($"  box {l.Width,2:0}x{l.High,-2:0} {l.Onpix,2:0} pixels on  actual {l.Letter}  predicted {p.PredictedLabel} ({p.Score.Max():0.000})");
}

double bar = options.Quick ? 0.85 : 0.93;
Run bestMlp = runs.Where(r => r.Contender.History != null).MaxBy(r => r.Metrics.MicroAccuracy)!;
bool finite = runs.All(r => r.Contender.History is null || r.Contender.History.Epochs.All(e => double.IsFinite(e.TrainingLoss)));
Console.WriteLine($"check:    reloaded model {(same ? "predicts the same bits" : "DIFFERS from the trained one")}; best accuracy {best.Metrics.MicroAccuracy:F4} ({best.Contender.Name}), best MLP {bestMlp.Metrics.MicroAccuracy:F4} ({bestMlp.Contender.Name}) (bar {bar:F2}); losses {(finite ? "finite" : "NOT finite")}");
return same && finite && bestMlp.Metrics.MicroAccuracy >= bar ? 0 : 1;

static bool SameBits(float[] a, float[] b) => MemoryMarshal.AsBytes(a.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.AsSpan()));
