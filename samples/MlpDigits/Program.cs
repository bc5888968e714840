// MlpDigits: Train, Evaluate, Save, Consume — handwritten digits with a two-hidden-layer MLP.
// Run: dotnet run --project samples/MlpDigits -c Release [-- --epochs N | --quick] [--output DIR]
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using MlpDigits;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Metrics;
using MLNet.Optimizers.Training.Pipelines;

SampleOptions? options = SampleOptions.Parse("MlpDigits", args, defaultEpochs: 20, quickEpochs: 5, out int exitCode);
if (options is null)
{
    return exitCode;
}

Console.WriteLine("MlpDigits: handwritten digits 0-9 (10 classes), an MLP 64-128-64-10 trained with Adafactor by the pipeline API");
(TabularData train, TabularData test) = DigitsModel.LoadData(SampleOptions.DataFile("digits.csv"));
Console.WriteLine($"data:     digits.csv, {train.RowCount + test.RowCount:N0} rows: {train.RowCount:N0} training, {test.RowCount} test (seed {DigitsModel.Seed})");

// 1. Train.
Console.WriteLine($"train:    at most {options.Epochs} epochs (10 % of the training rows held out for early stopping)");
var watch = Stopwatch.StartNew();
PipelineModel model = DigitsModel.Train(train, options.Epochs, new ConsoleProgress(options.Epochs, "accuracy"));
Console.WriteLine($"          {model.TrainingResult!.History.Count} epochs{(model.TrainingResult.StoppedEarly ? " (stopped early)" : string.Empty)}, weights of epoch {model.TrainingResult.BestEpoch}, {model.TrainingResult.Steps:N0} steps in {watch.Elapsed.TotalSeconds:F1} s");

// 2. Evaluate on the test rows.
Console.WriteLine("evaluate:");
MulticlassClassificationMetrics metrics = DigitsModel.Evaluate(model, test);

// 3. Save.
DigitsModel.ModelPath = Path.Combine(options.OutputDirectory, "DigitsModel.mlnm");
model.Save(DigitsModel.ModelPath);
Console.WriteLine($"save:     {DigitsModel.ModelPath}");

// 4. Consume: Predict loads the saved model; its predictions must be the in-memory model's, bit for bit.
Console.WriteLine("consume:  the reloaded model on 4 test digits");
bool same = true;
DigitsModel.ModelInput[] digits = SampleOptions.Spread(TypedRows.FromTable<DigitsModel.ModelInput>(test), 4);
var predictions = new DigitsModel.ModelOutput[digits.Length];
for (int i = 0; i < digits.Length; i++)
{
    predictions[i] = DigitsModel.Predict(digits[i]);
    same &= predictions[i].Score.SequenceEqual(model.Predict(TypedRows.ToRow(digits[i])).Score);
}

// The images side by side (pixel counts 0..16 as characters), each with its label and the prediction.
const string shades = " .:-=+*#%@";
for (int row = 0; row < 8; row++)
{
    var line = new StringBuilder("  ");
    foreach (DigitsModel.ModelInput d in digits)
    {
        for (int col = 0; col < 8; col++)
        {
            char c = shades[(int)Math.Round(d.Pixels[(row * 8) + col] / 16 * (shades.Length - 1))];
            line.Append(c).Append(c);
        }

        line.Append("    ");
    }

    Console.WriteLine(line.ToString().TrimEnd());
}

Console.WriteLine("  " + string.Join("    ", digits.Select((d, i) => $"{d.Digit}: {predictions[i].PredictedLabel} {predictions[i].Score.Max(),5:P0}".PadRight(16))).TrimEnd());

double bar = options.Quick ? 0.85 : 0.96;
Console.WriteLine($"check:    reloaded model {(same ? "predicts the same bits" : "DIFFERS from the trained one")}; micro accuracy {metrics.MicroAccuracy:F4} (bar {bar:F2})");
return same && metrics.MicroAccuracy >= bar ? 0 : 1;
