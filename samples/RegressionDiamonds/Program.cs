// RegressionDiamonds: a diamond's price from its 4 Cs and dimensions, an MLP trained by Lion on the log price in an
// ML.NET pipeline. Train, evaluate, save model.zip, consume it.
// Run: dotnet run --project samples/RegressionDiamonds -c Release [-- --epochs N | --quick] [--output DIR]
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.Samples;
using RegressionDiamonds;

SampleArgs? options = SampleArgs.Parse("RegressionDiamonds", args, DiamondsModel.DefaultEpochs, quickEpochs: 3, out int exitCode);
if (options is null)
{
    return exitCode;
}

Console.WriteLine("RegressionDiamonds: the price of a diamond (regression on the log price), an MLP trained with Lion in an ML.NET pipeline");
var mlContext = new MLContext(seed: DiamondsModel.Seed);
IDataView data = DiamondsModel.LoadIDataViewFromFile(mlContext, Path.Combine(AppContext.BaseDirectory, "data", "diamonds.csv"));
DataOperationsCatalog.TrainTestData split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: DiamondsModel.Seed);
Console.WriteLine($"data:     diamonds.csv: 80 / 20 split (seed {DiamondsModel.Seed})");

// 1. Train.
var watch = Stopwatch.StartNew();
ITransformer model = DiamondsModel.RetrainModel(mlContext, split.TrainSet, options.Epochs);
Console.WriteLine($"train:    {options.Epochs} epochs in {watch.Elapsed.TotalSeconds:F1} s");

// 2. Evaluate on the held-out rows.
Console.WriteLine("evaluate: the held-out rows");
RegressionMetrics metrics = DiamondsModel.Evaluate(mlContext, model, split.TestSet);

// 3. Save model.zip with its data loader.
DiamondsModel.MLNetModelPath = Path.Combine(options.OutputDirectory, "model.zip");
DiamondsModel.SaveModel(mlContext, model, DiamondsModel.MLNetModelPath);
Console.WriteLine($"save:     {DiamondsModel.MLNetModelPath}");

// 4. Consume: Predict loads model.zip; on every held-out row it must give the in-memory model's output, bit for bit.
DiamondsModel.ModelInput[] diamonds = mlContext.Data.CreateEnumerable<DiamondsModel.ModelInput>(split.TestSet, reuseRowObject: false).ToArray();
DiamondsModel.ModelOutput[] expected = mlContext.Data.CreateEnumerable<DiamondsModel.ModelOutput>(model.Transform(split.TestSet), reuseRowObject: false).ToArray();
bool same = diamonds.Length == expected.Length;
for (int i = 0; same && i < diamonds.Length; i++)
{
    DiamondsModel.ModelOutput p = DiamondsModel.Predict(diamonds[i]);
    same = BitConverter.SingleToInt32Bits(p.Score) == BitConverter.SingleToInt32Bits(expected[i].Score)
        && BitConverter.SingleToInt32Bits(p.PredictedPrice) == BitConverter.SingleToInt32Bits(expected[i].PredictedPrice);
}

Console.WriteLine($"consume:  model.zip on {diamonds.Length:N0} held-out diamonds; 5 of them:");
foreach (DiamondsModel.ModelInput d in diamonds.Where((_, i) => i % (diamonds.Length / 5) == 0).Take(5))
{
    Console.WriteLine($"  {d.Carat,4:0.00} ct {d.Cut,-9} {d.Color} {d.Clarity,-4}  actual ${d.Price,6:N0}  predicted ${DiamondsModel.Predict(d).PredictedPrice,6:N0}");
}

double bar = options.Quick ? 0.93 : 0.97;
Console.WriteLine($"check:    reloaded model {(same ? "predicts the same bits" : "DIFFERS from the trained one")}; R² {metrics.RSquared:F4} in dollars (bar {bar:F2})");
return same && metrics.RSquared >= bar ? 0 : 1;
