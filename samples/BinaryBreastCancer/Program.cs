// BinaryBreastCancer: Train, Evaluate, Save, Consume — malignant or benign from cell-nucleus measurements.
// Run: dotnet run --project samples/BinaryBreastCancer -c Release [-- --epochs N | --quick] [--output DIR]
using System;
using System.Diagnostics;
using System.IO;
using BinaryBreastCancer;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Metrics;
using MLNet.Optimizers.Training.Pipelines;

SampleOptions? options = SampleOptions.Parse("BinaryBreastCancer", args, defaultEpochs: 100, quickEpochs: 30, out int exitCode);
if (options is null)
{
    return exitCode;
}

Console.WriteLine("BinaryBreastCancer: malignant or benign (binary classification), an MLP trained with Lion by the pipeline API");
(TabularData train, TabularData test) = BreastCancerModel.LoadData(SampleOptions.DataFile("breast_cancer.csv"));
Console.WriteLine($"data:     breast_cancer.csv, {train.RowCount + test.RowCount} rows: {train.RowCount} training, {test.RowCount} test (seed {BreastCancerModel.Seed})");

// 1. Train.
Console.WriteLine($"train:    at most {options.Epochs} epochs (10 % of the training rows held out for early stopping)");
var watch = Stopwatch.StartNew();
PipelineModel model = BreastCancerModel.Train(train, options.Epochs, new ConsoleProgress(options.Epochs, "accuracy"));
Console.WriteLine($"          {model.TrainingResult!.History.Count} epochs{(model.TrainingResult.StoppedEarly ? " (stopped early)" : string.Empty)}, weights of epoch {model.TrainingResult.BestEpoch}, {model.TrainingResult.Steps:N0} steps in {watch.Elapsed.TotalSeconds:F1} s");

// 2. Evaluate on the test rows.
Console.WriteLine("evaluate:");
BinaryClassificationMetrics metrics = BreastCancerModel.Evaluate(model, test);

// 3. Save.
BreastCancerModel.ModelPath = Path.Combine(options.OutputDirectory, "BreastCancerModel.mlnm");
model.Save(BreastCancerModel.ModelPath);
Console.WriteLine($"save:     {BreastCancerModel.ModelPath}");

// 4. Consume: Predict loads the saved model; its predictions must be the in-memory model's, bit for bit.
Console.WriteLine("consume:  the reloaded model on 5 test samples");
bool same = true;
foreach (BreastCancerModel.ModelInput s in SampleOptions.Spread(TypedRows.FromTable<BreastCancerModel.ModelInput>(test), 5))
{
    BreastCancerModel.ModelOutput p = BreastCancerModel.Predict(s);
    same &= p.Score.Equals(model.Predict(TypedRows.ToRow(s)).Score[0]);
    Console.WriteLine($"  mean radius {s.MeanRadius,5:0.00}, worst area {s.WorstArea,6:0}  actual {s.Diagnosis,-9}  predicted {p.PredictedLabel,-9} P(malignant) {p.Probability:0.000}");
}

double bar = options.Quick ? 0.90 : 0.96;
Console.WriteLine($"check:    reloaded model {(same ? "predicts the same bits" : "DIFFERS from the trained one")}; accuracy {metrics.Accuracy:F4} (bar {bar:F2})");
return same && metrics.Accuracy >= bar ? 0 : 1;
