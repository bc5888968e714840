// MlpDigits: handwritten digits 0-9 from 8x8 images, an MLP with two hidden layers trained by Adafactor in an ML.NET
// pipeline. Train, evaluate, save model.zip, consume it.
// Run: dotnet run --project samples/MlpDigits -c Release [-- --epochs N | --quick] [--output DIR]
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlpDigits;
using MLNet.Optimizers.Samples;

SampleArgs? options = SampleArgs.Parse("MlpDigits", args, DigitsModel.DefaultEpochs, quickEpochs: 5, out int exitCode);
if (options is null)
{
    return exitCode;
}

Console.WriteLine("MlpDigits: handwritten digits 0-9 (10 classes), an MLP 64-128-64-10 trained with Adafactor in an ML.NET pipeline");
var mlContext = new MLContext(seed: DigitsModel.Seed);
IDataView data = DigitsModel.LoadIDataViewFromFile(mlContext, Path.Combine(AppContext.BaseDirectory, "data", "digits.csv"));
DataOperationsCatalog.TrainTestData split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: DigitsModel.Seed);
Console.WriteLine($"data:     digits.csv: 80 / 20 split (seed {DigitsModel.Seed})");

// 1. Train.
var watch = Stopwatch.StartNew();
ITransformer model = DigitsModel.RetrainModel(mlContext, split.TrainSet, options.Epochs);
Console.WriteLine($"train:    {options.Epochs} epochs in {watch.Elapsed.TotalSeconds:F1} s");

// 2. Evaluate on the held-out rows.
Console.WriteLine("evaluate: the held-out rows");
MulticlassClassificationMetrics metrics = DigitsModel.Evaluate(mlContext, model, split.TestSet);

// 3. Save model.zip with its data loader.
DigitsModel.MLNetModelPath = Path.Combine(options.OutputDirectory, "model.zip");
DigitsModel.SaveModel(mlContext, model, DigitsModel.MLNetModelPath);
Console.WriteLine($"save:     {DigitsModel.MLNetModelPath}");

// 4. Consume: Predict loads model.zip; on every held-out row it must give the in-memory model's scores, bit for bit.
DigitsModel.ModelInput[] digits = mlContext.Data.CreateEnumerable<DigitsModel.ModelInput>(split.TestSet, reuseRowObject: false).ToArray();
DigitsModel.ModelOutput[] expected = mlContext.Data.CreateEnumerable<DigitsModel.ModelOutput>(model.Transform(split.TestSet), reuseRowObject: false).ToArray();
bool same = digits.Length == expected.Length && digits.Select((d, i) => SameBits(DigitsModel.Predict(d).Score, expected[i].Score)).All(s => s);

// Four held-out images side by side (pixel counts 0..16 as characters), each with its label and the prediction.
Console.WriteLine($"consume:  model.zip on {digits.Length} held-out digits; 4 of them:");
DigitsModel.ModelInput[] shown = digits.Where((_, i) => i % (digits.Length / 4) == 0).Take(4).ToArray();
const string shades = " .:-=+*#%@";
for (int row = 0; row < 8; row++)
{
    var line = new StringBuilder("  ");
    foreach (DigitsModel.ModelInput d in shown)
    {
        for (int col = 0; col < 8; col++)
        {
            line.Append(shades[(int)Math.Round(d.Pixels[(row * 8) + col] / 16 * (shades.Length - 1))], 2);
        }

        line.Append("    ");
    }

    Console.WriteLine(line.ToString().TrimEnd());
}

Console.WriteLine("  " + string.Join("    ", shown.Select(d => DigitsModel.Predict(d)).Select((p, i) => $"{shown[i].Digit}: {p.PredictedLabel} {p.Score.Max(),4:P0}".PadRight(16))).TrimEnd());

double bar = options.Quick ? 0.90 : 0.95;
Console.WriteLine($"check:    reloaded model {(same ? "predicts the same bits" : "DIFFERS from the trained one")}; micro accuracy {metrics.MicroAccuracy:F4} (bar {bar:F2})");
return same && metrics.MicroAccuracy >= bar ? 0 : 1;

static bool SameBits(float[] a, float[] b) => MemoryMarshal.AsBytes(a.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.AsSpan()));
