using System;
using System.IO;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.TestSupport;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>
/// The benchmark-scale bar: an MLP 784-256-10 trained with Lion on Fashion-MNIST (Debian's dataset-fashion-mnist)
/// reaches test accuracy ≥ 0.88. Skipped when the data is absent unless MLNET_OPTIMIZERS_REQUIRE_FASHION_MNIST=1 (CI).
/// </summary>
[TestClass]
public sealed class FashionMnistTests
{
    private const string Folder = "/usr/share/datasets/fashion-mnist";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [TestCategory("Quality")]
    public void LionMlpReaches088()
    {
        string trainImages = Path.Combine(Folder, "train-images-idx3-ubyte.gz");
        if (!File.Exists(trainImages))
        {
            if (Environment.GetEnvironmentVariable("MLNET_OPTIMIZERS_REQUIRE_FASHION_MNIST") == "1")
            {
                Assert.Fail($"MLNET_OPTIMIZERS_REQUIRE_FASHION_MNIST=1 but {trainImages} is missing (apt-get install dataset-fashion-mnist).");
            }

            Assert.Inconclusive($"{trainImages} is missing: apt-get install dataset-fashion-mnist");
        }

        DenseTable train = IdxLoader.LoadDataset(trainImages, Path.Combine(Folder, "train-labels-idx1-ubyte.gz"));
        DenseTable test = IdxLoader.LoadDataset(Path.Combine(Folder, "t10k-images-idx3-ubyte.gz"), Path.Combine(Folder, "t10k-labels-idx1-ubyte.gz"));
        Assert.AreEqual(60000, train.RowCount);
        Assert.AreEqual(784, train.FeatureCount);

        var model = new NeuralModel(784, new ModelOptions { Task = TaskKind.MulticlassClassification, ClassCount = 10, HiddenLayers = new[] { 256 } }, 1);
        const int batch = 128, epochs = 10;
        long steps = epochs * ((train.RowCount + batch - 1) / batch);
        var lion = new Lion(new CosineDecay(1e-4, steps, 0.05, warmupTarget: 6e-4, warmupSteps: 200)) { WeightDecay = 0.5 };
        lion.ExcludeFromWeightDecay(namePatterns: new[] { "bias" });
        TrainingResult r = Trainer.Fit(model, lion, new InMemoryBatchSource(train, batch, true, 3), null, new TrainerOptions { Epochs = epochs, BatchSize = batch });

        var probabilities = new float[test.RowCount * 10];
        model.Predict(MLNet.Optimizers.Compute.BlasProviders.Default, test.Features, test.RowCount, probabilities);
        double accuracy = TabularTestData.Accuracy(test.Labels, probabilities, 10);
        TestContext.WriteLine($"Fashion-MNIST 784-256-10 Lion: test accuracy {accuracy:F4}, {r.Seconds:F1} s, {r.History.Last().TrainingLoss:F4} final training loss");
        Console.WriteLine($"Fashion-MNIST 784-256-10 Lion: test accuracy {accuracy:F4}, {r.Seconds:F1} s");
        Assert.IsGreaterThanOrEqualTo(0.88, accuracy);
    }
}
