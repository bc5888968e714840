// MulticlassWine: Train, Evaluate, Save, Consume — the cultivar of a wine from its chemistry.
// Run: dotnet run --project samples/MulticlassWine -c Release [-- --epochs N | --quick] [--output DIR]
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Metrics;
using MLNet.Optimizers.Training.Pipelines;
using MulticlassWine;

SampleOptions? options = SampleOptions.Parse("MulticlassWine", args, defaultEpochs: 100, quickEpochs: 40, out int exitCode);
if (options is null)
{
    return exitCode;
}

Console.WriteLine("MulticlassWine: the cultivar of a wine (3 classes), an MLP trained with Lion by the pipeline API");
(TabularData train, TabularData test) = WineModel.LoadData(SampleOptions.DataFile("wine.csv"));
Console.WriteLine($"data:     wine.csv, {train.RowCount + test.RowCount} rows: {train.RowCount} training, {test.RowCount} test (seed {WineModel.Seed})");

// 1. Train.
Console.WriteLine($"train:    {options.Epochs} epochs");
var watch = Stopwatch.StartNew();
PipelineModel model = WineModel.Train(train, options.Epochs, new ConsoleProgress(options.Epochs, "accuracy"));
Console.WriteLine($"          {model.TrainingResult!.Steps:N0} steps in {watch.Elapsed.TotalSeconds:F1} s");

// 2. Evaluate on the test rows.
Console.WriteLine("evaluate:");
MulticlassClassificationMetrics metrics = WineModel.Evaluate(model, test);

// 3. Save.
WineModel.ModelPath = Path.Combine(options.OutputDirectory, "WineModel.mlnm");
model.Save(WineModel.ModelPath);
Console.WriteLine($"save:     {WineModel.ModelPath}");

// 4. Consume: Predict loads the saved model; its predictions must be the in-memory model's, bit for bit.
Console.WriteLine("consume:  the reloaded model on 5 test wines");
bool same = true;
foreach (WineModel.ModelInput w in SampleOptions.Spread(TypedRows.FromTable<WineModel.ModelInput>(test), 5))
{
    WineModel.ModelOutput p = WineModel.Predict(w);
    same &= p.Score.SequenceEqual(model.Predict(TypedRows.ToRow(w)).Score);
    string probabilities = string.Join(", ", WineModel.ClassNames.Select((c, i) => $"{c} {p.Score[i]:0.000}"));
    Console.WriteLine($"  alcohol {w.Alcohol,5:0.00}, proline {w.Proline,5:0}  actual {w.Cultivar}  predicted {p.PredictedLabel}  ({probabilities})");
}

double bar = options.Quick ? 0.85 : 0.94;
Console.WriteLine($"check:    reloaded model {(same ? "predicts the same bits" : "DIFFERS from the trained one")}; micro accuracy {metrics.MicroAccuracy:F4} (bar {bar:F2})");
return same && metrics.MicroAccuracy >= bar ? 0 : 1;
