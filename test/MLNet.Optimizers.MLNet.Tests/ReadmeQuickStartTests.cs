using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.MLNet;

namespace MLNet.Optimizers.MLNet.Tests;

/// <summary>
/// The README's first quick start (an ML.NET pipeline with this library's trainer), as the README shows it: the region
/// between the markers is the code of the README's block (build/check-links.sh checks that every line of that block is
/// here, in order), so the front page's code compiles and runs.
/// </summary>
[TestClass]
public sealed class ReadmeQuickStartTests
{
    /// <summary>
    /// The snippet trains, evaluates and saves model.zip with its loader; the saved model, read back with
    /// <c>LoadWithDataLoader</c>, scores wine.csv with the in-memory model's bits.
    /// </summary>
    [TestMethod]
    [DoNotParallelize] // it runs in a folder of its own (relative paths, as in the README): no other test runs meanwhile
    public void TheReadmePipelineTrainsSavesAndScoresModelZip()
    {
        string folder = Path.Combine(Path.GetTempPath(), "readme-quickstart-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(folder, "samples", "data"));
        File.Copy(SampleData.PathOf("wine.csv"), Path.Combine(folder, "samples", "data", "wine.csv"));
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = folder;
        try
        {
            // README quick start 1: begin
            var ml = new MLContext(seed: 1);
            TextLoader loader = ml.Data.CreateTextLoader(new[]
            {
                new TextLoader.Column("Features", DataKind.Single, 0, 12),   // the 13 measurements
                new TextLoader.Column("cultivar", DataKind.String, 13),
            }, separatorChar: ',', hasHeader: true);
            IDataView data = loader.Load("samples/data/wine.csv");
            DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 42);

            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "cultivar")
                .Append(ml.Transforms.NormalizeMeanVariance("Features"))
                .Append(ml.Optimizers().MulticlassClassification.Mlp())   // the recommended MLP: Lion, early stopping
                // or .Mlp(new Adafactor(), hiddenLayers: new[] { 32 }), .Linear(new Lion(1e-3)), .Mlp(new MlpTrainerOptions { ... })
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedCultivar", "PredictedLabel"));
            ITransformer model = pipeline.Fit(split.TrainSet);

            MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
            Console.WriteLine($"micro accuracy {metrics.MicroAccuracy:F4}, log-loss {metrics.LogLoss:F4}");
            ml.Model.Save(model, loader, "model.zip");   // ML.NET's model file, with its CSV loader

            // Scoring, in an app that references only Microsoft.ML:
            ITransformer loaded = ml.Model.LoadWithDataLoader("model.zip", out IDataLoader<IMultiStreamSource> csv);
            IDataView scored = loaded.Transform(csv.Load("samples/data/wine.csv"));
            // README quick start 1: end

            // A smoke bar (28 test rows: one row is 3.6 points), not the measured value.
            Assert.IsGreaterThanOrEqualTo(0.85, metrics.MicroAccuracy, $"micro accuracy {metrics.MicroAccuracy}");
            Assert.IsTrue(double.IsFinite(metrics.LogLoss), $"log-loss {metrics.LogLoss}");
            float[][] expected = TestData.Vectors(model.Transform(data), "Score");
            float[][] actual = TestData.Vectors(scored, "Score");
            Assert.HasCount(178, actual, "every row of wine.csv scored through model.zip");
            for (int i = 0; i < expected.Length; i++)
            {
                TestData.AssertBitsEqual(expected[i], actual[i], $"row {i} Score");
            }

            string[] predicted = scored.GetColumn<ReadOnlyMemory<char>>("PredictedCultivar").Select(v => v.ToString()).ToArray();
            CollectionAssert.IsSubsetOf(predicted.Distinct().ToArray(), new[] { "class_0", "class_1", "class_2" }, "predicted cultivars are the file's names");
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            Directory.Delete(folder, recursive: true);
        }
    }
}
