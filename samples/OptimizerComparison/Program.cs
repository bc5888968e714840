// OptimizerComparison: Lion vs Adafactor vs AdamW vs SGD on one data set, with the same split, the same initial weights
// and the same batch order; Train, Evaluate (metrics and an HTML report with every curve), Save, Consume.
// Run: dotnet run --project samples/OptimizerComparison -c Release [-- --epochs N | --quick] [--output DIR]
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Pipelines;
using OptimizerComparison;

SampleOptions? options = SampleOptions.Parse("OptimizerComparison", args, defaultEpochs: 20, quickEpochs: 2, out int exitCode);
if (options is null)
{
    return exitCode;
}

Console.WriteLine("OptimizerComparison: Lion vs Adafactor vs AdamW vs SGD on LetterRecognition (26 classes), one MLP, the same seed");
(TabularData train, TabularData validation) = LettersModel.LoadData(SampleOptions.DataFile("LetterRecognition.csv"));
Console.WriteLine($"data:     LetterRecognition.csv, {train.RowCount + validation.RowCount:N0} rows: {train.RowCount:N0} training, {validation.RowCount:N0} validation (seed {LettersModel.Seed})");

// 1. Train with each optimizer, and 2. evaluate each on the validation rows.
var runs = new List<Run>();
foreach (Contender c in LettersModel.Contenders(train.RowCount, options.Epochs))
{
    Console.WriteLine($"train:    {c.Description}; {options.Epochs} epochs");
    PipelineModel model = LettersModel.Train(c.Optimizer, train, validation, options.Epochs, new ConsoleProgress(options.Epochs, "accuracy", c.Name + " "));
    runs.Add(LettersModel.Evaluate(c, model, validation));
}

Console.WriteLine("evaluate: validation rows");
LettersModel.PrintTable(runs);
string reportPath = Path.Combine(options.OutputDirectory, "report.html");
HtmlReport.Save(LettersModel.Report(runs, train, validation, options.Epochs), reportPath);
Console.WriteLine($"report:   {reportPath}");

// 3. Save the most accurate model.
Run best = runs.MaxBy(r => r.Metrics.PrimaryMetric)!;
LettersModel.ModelPath = Path.Combine(options.OutputDirectory, "LettersModel.mlnm");
best.Model.Save(LettersModel.ModelPath);
Console.WriteLine($"save:     {LettersModel.ModelPath} (trained with {best.Contender.Name})");

// 4. Consume: Predict loads the saved model; its predictions must be the in-memory model's, bit for bit.
Console.WriteLine("consume:  the reloaded model on 8 validation letters");
bool same = true;
foreach (LettersModel.ModelInput letter in SampleOptions.Spread(TypedRows.FromTable<LettersModel.ModelInput>(validation), 8))
{
    LettersModel.ModelOutput p = LettersModel.Predict(letter);
    same &= p.Score.SequenceEqual(best.Model.Predict(TypedRows.ToRow(letter)).Score);
    Console.WriteLine($"  box {letter.Width,2:0}x{letter.High,-2:0} {letter.Onpix,2:0} pixels on  actual {letter.Letter}  predicted {p.PredictedLabel} ({p.Score.Max():P0})");
}

double bar = options.Quick ? 0.70 : 0.90;
bool allFinite = runs.All(r => r.Model.TrainingResult!.History.All(e => double.IsFinite(e.TrainingLoss)));
Console.WriteLine($"check:    reloaded model {(same ? "predicts the same bits" : "DIFFERS from the trained one")}; best accuracy {best.Metrics.PrimaryMetric:F4} (bar {bar:F2}); losses {(allFinite ? "finite" : "NOT finite")}");
return same && allFinite && best.Metrics.PrimaryMetric >= bar ? 0 : 1;
