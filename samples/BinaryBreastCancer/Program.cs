// BinaryBreastCancer: malignant or benign from cell-nucleus measurements, an MLP trained by Lion in an ML.NET pipeline.
// Train, evaluate, save model.zip, consume it.
// Run: dotnet run --project samples/BinaryBreastCancer -c Release [-- --epochs N | --quick] [--output DIR]
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using BinaryBreastCancer;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.Samples;

SampleArgs? options = SampleArgs.Parse("BinaryBreastCancer", args, BreastCancerModel.DefaultEpochs, quickEpochs: 10, out int exitCode);
if (options is null)
{
    return exitCode;
}

Console.WriteLine("BinaryBreastCancer: malignant or benign (binary classification), an MLP trained with Lion in an ML.NET pipeline");
var mlContext = new MLContext(seed: BreastCancerModel.Seed);
IDataView data = BreastCancerModel.LoadIDataViewFromFile(mlContext, Path.Combine(AppContext.BaseDirectory, "data", "breast_cancer.csv"));
DataOperationsCatalog.TrainTestData split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: BreastCancerModel.Seed);
Console.WriteLine($"data:     breast_cancer.csv: 80 / 20 split (seed {BreastCancerModel.Seed})");

// 1. Train.
var watch = Stopwatch.StartNew();
ITransformer model = BreastCancerModel.RetrainModel(mlContext, split.TrainSet, options.Epochs);
Console.WriteLine($"train:    {options.Epochs} epochs in {watch.Elapsed.TotalSeconds:F1} s");

// 2. Evaluate on the held-out rows.
Console.WriteLine("evaluate: the held-out rows");
CalibratedBinaryClassificationMetrics metrics = BreastCancerModel.Evaluate(mlContext, model, split.TestSet);

// 3. Save model.zip with its data loader.
BreastCancerModel.MLNetModelPath = Path.Combine(options.OutputDirectory, "model.zip");
BreastCancerModel.SaveModel(mlContext, model, BreastCancerModel.MLNetModelPath);
Console.WriteLine($"save:     {BreastCancerModel.MLNetModelPath}");

// 4. Consume: Predict loads model.zip; on every held-out row it must give the in-memory model's output, bit for bit.
BreastCancerModel.ModelInput[] samples = mlContext.Data.CreateEnumerable<BreastCancerModel.ModelInput>(split.TestSet, reuseRowObject: false).ToArray();
BreastCancerModel.ModelOutput[] expected = mlContext.Data.CreateEnumerable<BreastCancerModel.ModelOutput>(model.Transform(split.TestSet), reuseRowObject: false).ToArray();
bool same = samples.Length == expected.Length;
for (int i = 0; same && i < samples.Length; i++)
{
    BreastCancerModel.ModelOutput p = BreastCancerModel.Predict(samples[i]);
    same = BitConverter.SingleToInt32Bits(p.Score) == BitConverter.SingleToInt32Bits(expected[i].Score)
        && BitConverter.SingleToInt32Bits(p.Probability) == BitConverter.SingleToInt32Bits(expected[i].Probability)
        && p.PredictedDiagnosis == expected[i].PredictedDiagnosis;
}

Console.WriteLine($"consume:  model.zip on {samples.Length} held-out samples; 5 of them:");
foreach (BreastCancerModel.ModelInput s in samples.Where((_, i) => i % (samples.Length / 5) == 0).Take(5))
{
    BreastCancerModel.ModelOutput p = BreastCancerModel.Predict(s);
    Console.WriteLine($"  mean radius {s.MeanRadius,5:0.00}, worst area {s.WorstArea,6:0}  actual {s.Diagnosis,-9}  predicted {p.PredictedDiagnosis,-9} P(malignant) {p.Probability:0.000}");
}

double bar = options.Quick ? 0.90 : 0.95;
Console.WriteLine($"check:    reloaded model {(same ? "predicts the same bits" : "DIFFERS from the trained one")}; accuracy {metrics.Accuracy:F4} (bar {bar:F2})");
return same && metrics.Accuracy >= bar ? 0 : 1;
