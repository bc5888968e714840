// RegressionDiamonds: Train, Evaluate, Save, Consume — a diamond's price from its 4 Cs and dimensions.
// Run: dotnet run --project samples/RegressionDiamonds -c Release [-- --epochs N | --quick] [--output DIR]
using System;
using System.Diagnostics;
using System.IO;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Metrics;
using MLNet.Optimizers.Training.Pipelines;
using RegressionDiamonds;

SampleOptions? options = SampleOptions.Parse("RegressionDiamonds", args, defaultEpochs: 10, quickEpochs: 1, out int exitCode);
if (options is null)
{
    return exitCode;
}

Console.WriteLine("RegressionDiamonds: the price of a diamond (regression), an MLP trained with Lion by the pipeline API");
(TabularData train, TabularData test) = DiamondsModel.LoadData(SampleOptions.DataFile("diamonds.csv"));
Console.WriteLine($"data:     diamonds.csv, {train.RowCount + test.RowCount:N0} rows: {train.RowCount:N0} training, {test.RowCount:N0} test (seed {DiamondsModel.Seed})");

// 1. Train.
Console.WriteLine($"train:    {options.Epochs} epochs (10 % of the training rows held out for the validation columns)");
var watch = Stopwatch.StartNew();
PipelineModel model = DiamondsModel.Train(train, options.Epochs, new ConsoleProgress(options.Epochs, "R²"));
Console.WriteLine($"          {model.TrainingResult!.Steps:N0} steps in {watch.Elapsed.TotalSeconds:F1} s");

// 2. Evaluate on the test rows.
Console.WriteLine("evaluate:");
RegressionMetrics metrics = DiamondsModel.Evaluate(model, test);

// 3. Save.
DiamondsModel.ModelPath = Path.Combine(options.OutputDirectory, "DiamondsModel.mlnm");
model.Save(DiamondsModel.ModelPath);
Console.WriteLine($"save:     {DiamondsModel.ModelPath}");

// 4. Consume: Predict loads the saved model; its predictions must be the in-memory model's, bit for bit.
Console.WriteLine("consume:  the reloaded model on 5 test diamonds");
bool same = true;
foreach (DiamondsModel.ModelInput d in SampleOptions.Spread(TypedRows.FromTable<DiamondsModel.ModelInput>(test), 5))
{
    DiamondsModel.ModelOutput p = DiamondsModel.Predict(d);
    same &= p.Score.Equals(model.Predict(TypedRows.ToRow(d)).Score[0]);
    Console.WriteLine($"  {d.Carat,4:0.00} ct {d.Cut,-9} {d.Color} {d.Clarity,-4}  actual ${d.Price,6:N0}  predicted ${p.Score,8:N0}");
}

double bar = options.Quick ? 0.90 : 0.97;
Console.WriteLine($"check:    reloaded model {(same ? "predicts the same bits" : "DIFFERS from the trained one")}; R² {metrics.RSquared:F4} (bar {bar:F2})");
return same && metrics.RSquared >= bar ? 0 : 1;
