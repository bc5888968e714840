using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.TestSupport;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Benchmarks;

/// <summary>
/// Training speed: time to reach ML.NET's quality on diamonds (linear, R² ≥ 0.964 on ln(price)) and LetterRecognition
/// (softmax, accuracy ≥ 0.771), and MLP throughput (examples/s) on Fashion-MNIST and synthetic 256-wide layers with the
/// time spent in GEMM vs the rest and GEMM efficiency against the provider's peak measured in the same run.
/// </summary>
internal static class TrainingBenchmark
{
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    public static void Run(string[] args)
    {
        BlasProvider blas = BlasProviders.Default;
        Console.WriteLine(BlasProviders.Selection.ToString().Split('\n')[0]);
        double peak = Peak(blas);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"provider peak (SGEMM 1024³, 1 thread): {peak:F1} GFLOP/s"));
        Console.WriteLine();
        Console.WriteLine("| task | optimizer | bar | reached | epochs | training seconds | ML.NET (same machine class) |");
        Console.WriteLine("|:---|:---|---:|---:|---:|---:|:---|");
        TimeToBar(blas, "diamonds linear, R² on ln(price)", "diamonds.csv", "price", TaskKind.Regression, 0.964, "SDCA 0.54 s",
            () => new Lion(new CosineDecay(0.02, 2000, 0.01)), batch: 256, maxEpochs: 20);
        TimeToBar(blas, "diamonds linear, R² on ln(price)", "diamonds.csv", "price", TaskKind.Regression, 0.964, "SDCA 0.54 s",
            () => new Adafactor(0.1), batch: 256, maxEpochs: 20);
        TimeToBar(blas, "LetterRecognition softmax, accuracy", "LetterRecognition.csv", "lettr", TaskKind.MulticlassClassification, 0.771, "L-BFGS 2.85 s",
            () => new Lion(new CosineDecay(0.01, 2000, 0.05)), batch: 128, maxEpochs: 30);
        TimeToBar(blas, "LetterRecognition softmax, accuracy", "LetterRecognition.csv", "lettr", TaskKind.MulticlassClassification, 0.771, "L-BFGS 2.85 s",
            () => new Adafactor(0.1), batch: 128, maxEpochs: 30);

        Console.WriteLine();
        Console.WriteLine("| MLP | examples/s | GEMM share of step time | GEMM GFLOP/s in training | / provider peak |");
        Console.WriteLine("|:---|---:|---:|---:|---:|");
        const string fm = "/usr/share/datasets/fashion-mnist";
        if (File.Exists(Path.Combine(fm, "train-images-idx3-ubyte.gz")))
        {
            DenseTable train = IdxLoader.LoadDataset(Path.Combine(fm, "train-images-idx3-ubyte.gz"), Path.Combine(fm, "train-labels-idx1-ubyte.gz"));
            Throughput(blas, peak, "Fashion-MNIST 784-256-10, Lion, batch 256", train, 10, new[] { 256 }, 256, 2);
        }
        else
        {
            Console.WriteLine("| Fashion-MNIST | (not installed: apt-get install dataset-fashion-mnist) | | | |");
        }

        var rng = new DeterministicRandom(3);
        int rows = 32768;
        var x = new float[rows * 256];
        var y = new float[rows];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.NextGaussian();
        }

        for (int i = 0; i < rows; i++)
        {
            y[i] = rng.NextInt(10);
        }

        Throughput(blas, peak, "synthetic 256-256-256-10, Lion, batch 256", new DenseTable(x, 256, y), 10, new[] { 256, 256 }, 256, 2);
    }

    private static double Peak(BlasProvider blas)
    {
        const int n = 1024;
        var a = new float[n * n];
        var b = new float[n * n];
        var c = new float[n * n];
        Array.Fill(a, 0.5f);
        Array.Fill(b, 0.25f);
        double best = 0;
        for (int i = 0; i < 6; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            blas.Sgemm(Transpose.No, Transpose.No, n, n, n, 1f, a, n, b, n, 0f, c, n);
            best = Math.Max(best, 2.0 * n * n * n / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9);
        }

        return best;
    }

    private static void TimeToBar(BlasProvider blas, string title, string file, string label, TaskKind task, double bar, string mlnet, Func<Optimizer> create, int batch, int maxEpochs)
    {
        (DenseTable table, _, string[] classes) = TabularTestData.Load(Data(file), label, task, task == TaskKind.Regression ? Math.Log : null);
        (DenseTable train, DenseTable test) = DataSplit.TrainTest(table, 0.2, 42);
        (train, test) = TabularTestData.Standardize(train, test);
        var model = new NeuralModel(train.FeatureCount, new ModelOptions { Task = task, ClassCount = classes.Length }, 1);
        Optimizer opt = create();
        var source = new InMemoryBatchSource(train, batch, true, 7);
        var scores = new float[test.RowCount * model.OutputCount];
        double seconds = 0, quality = 0;
        int epoch = 0;
        while (epoch < maxEpochs)
        {
            var sw = Stopwatch.StartNew();
            Trainer.Fit(model, opt, source, null, new TrainerOptions { Epochs = epoch + 1, InitialEpoch = epoch, BatchSize = batch, Blas = blas });
            seconds += sw.Elapsed.TotalSeconds;
            epoch++;
            model.Predict(blas, test.Features, test.RowCount, scores);
            quality = task == TaskKind.Regression
                ? TabularTestData.RSquared(test.Labels, scores)
                : TabularTestData.Accuracy(test.Labels, scores, model.OutputCount);
            if (quality >= bar)
            {
                break;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {title} | {opt.ClassName} | {bar:F3} | {quality:F4}{(quality >= bar ? "" : " (not reached)")} | {epoch} | {seconds:F2} | {mlnet} |"));
    }

    private static void Throughput(BlasProvider inner, double peak, string title, DenseTable train, int classes, int[] hidden, int batch, int epochs)
    {
        var blas = new TimingBlasProvider(inner);
        var model = new NeuralModel(train.FeatureCount, new ModelOptions { Task = TaskKind.MulticlassClassification, ClassCount = classes, HiddenLayers = hidden }, 1);
        var opt = new Lion(3e-4) { WeightDecay = 0.1 };
        var source = new InMemoryBatchSource(train, batch, true, 7);
        Trainer.Fit(model, opt, source, null, new TrainerOptions { Epochs = 1, BatchSize = batch, Blas = blas }); // warm-up
        blas.Reset();
        var sw = Stopwatch.StartNew();
        Trainer.Fit(model, opt, source, null, new TrainerOptions { Epochs = epochs, BatchSize = batch, Blas = blas });
        double s = sw.Elapsed.TotalSeconds;
        double examples = (double)train.RowCount * epochs;
        double gemmRate = blas.Flops / blas.Seconds / 1e9;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {title} | {examples / s:F0} | {blas.Seconds / s:P0} | {gemmRate:F1} | {gemmRate / peak:F2} |"));
    }
}
