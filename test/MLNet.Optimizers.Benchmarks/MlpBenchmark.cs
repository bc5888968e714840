using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.TestSupport;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Benchmarks;

/// <summary>
/// The MLP row of issue 16: Fashion-MNIST 784-256-10, batch 256, Lion, on every core. Trains a fresh model several
/// times through <see cref="Trainer.Fit"/> (after a warm-up run), and reports examples/s (wall time of Fit), the share
/// of that time spent inside SGEMM calls, and test accuracy; then a breakdown of one epoch (GEMM, the rest of forward
/// and backward, the optimizer step, the batch copy) and the PyTorch anchor (the same MLP and Lion update, CPU, same
/// thread count) when <c>python3 -c "import torch"</c> works. <c>--json</c> writes <c>artifacts/bench/mlp.json</c>.
/// </summary>
internal static class MlpBenchmark
{
    private const string Folder = "/usr/share/datasets/fashion-mnist";

    public static void Run(string[] args)
    {
        bool json = args.Contains("--json");
        int runs = 3;
        int epochs = 10;
        int threads = Environment.ProcessorCount;
        int kernelThreads = -1;
        string? blasName = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--runs":
                    runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--epochs":
                    epochs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--threads":
                    threads = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--kernel-threads":
                    kernelThreads = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--blas":
                    blasName = args[++i];
                    break;
            }
        }

        string trainImages = Path.Combine(Folder, "train-images-idx3-ubyte.gz");
        if (!File.Exists(trainImages))
        {
            Console.WriteLine($"Fashion-MNIST is not installed ({trainImages}): apt-get install dataset-fashion-mnist");
            return;
        }

        DenseTable train = IdxLoader.LoadDataset(trainImages, Path.Combine(Folder, "train-labels-idx1-ubyte.gz"));
        DenseTable test = IdxLoader.LoadDataset(Path.Combine(Folder, "t10k-images-idx3-ubyte.gz"), Path.Combine(Folder, "t10k-labels-idx1-ubyte.gz"));

        BlasProvider inner;
        string selection;
        if (blasName == "measure")
        {
            BlasSelection s = BlasProviders.SelectFastest(threads);
            inner = s.Chosen;
            selection = s.ToString().Split('\n')[0];
        }
        else if (blasName is null or "auto")
        {
            // What a user gets: the deterministic rule (docs/compute.md), not a timing choice.
            BlasSelection s = BlasProviders.SelectByRule(threads);
            inner = s.Chosen;
            selection = "BLAS provider (rule, --blas auto): " + s.ToString().Split('\n')[0];
        }
        else
        {
            inner = BlasProviders.Create(blasName, threads);
            selection = "BLAS provider: " + inner.Description + " (forced by --blas)";
        }

        Console.WriteLine(selection);
        if (kernelThreads >= 0)
        {
            KernelThreadsOverride = kernelThreads;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"threads: {threads} (GEMM and element kernels); load average before: {LoadAverage()}"));
        var blas = new TimingBlasProvider(inner);

        // Warm-up: one short run brings every method to tier 1.
        TrainOnce(blas, train, test, 1, threads, evaluate: false);

        var rates = new List<double>();
        var fractions = new List<double>();
        var accuracies = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            (double rate, double fraction, double accuracy) = TrainOnce(blas, train, test, epochs, threads, evaluate: true);
            rates.Add(rate);
            fractions.Add(fraction);
            accuracies.Add(accuracy);
            Program.Log(string.Create(CultureInfo.InvariantCulture, $"  run {r + 1}: {rate:F0} examples/s, GEMM {fraction:P1} of the time, test accuracy {accuracy:F4}"));
        }

        Breakdown breakdown = MeasureBreakdown(blas, train, threads);
        (double fitUs, double loopUs) = MeasureFitOverhead(blas, train, threads);
        Anchor torch = TorchAnchor(threads, epochs);
        Anchor keras = new("Keras 3 numpy backend", false, 0, "not available: keras is not importable (no Debian package; PyPI is unreachable)");

        double rateMedian = Median(rates);
        double fractionMedian = Median(fractions);
        double accuracyMin = accuracies.Min();
        CultureInfo c = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine("| MLP | examples/s (median, range) | GEMM share of step time | test accuracy | targets |");
        Console.WriteLine("|:---|---:|---:|---:|:---|");
        Console.WriteLine(string.Create(c,
            $"| Fashion-MNIST 784-256-10, Lion, batch 256, {threads} threads, {epochs} epochs × {runs} | {rateMedian:F0} ({rates.Min():F0}-{rates.Max():F0}) | {fractionMedian:P1} ({fractions.Min():P1}-{fractions.Max():P1}) | {accuracyMin:F4}-{accuracies.Max():F4} | " +
            $"≥ 150,000/s {(rateMedian >= 150_000 ? "met" : "NOT met")}; ≥ 80 % GEMM {(fractionMedian >= 0.8 ? "met" : "NOT met")}; ≥ 0.88 {(accuracyMin >= 0.88 ? "met" : "NOT met")} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(c, $"One epoch by part (µs per step of 256 rows): GEMM {breakdown.GemmUs:F0}, rest of forward+backward {breakdown.RestUs:F0}, optimizer (Lion, {breakdown.Parameters:N0} parameters) {breakdown.OptimizerUs:F0}, batch copy {breakdown.BatchUs:F0}; total {breakdown.TotalUs:F0}."));
        Console.WriteLine(string.Create(c, $"One epoch through Trainer.Fit vs the same loop by hand, alternately, median of 3 (µs per step): Fit {fitUs:F0}, hand loop {loopUs:F0} (Fit overhead {fitUs - loopUs:F0})."));
        Console.WriteLine();
        Console.WriteLine("| anchor | examples/s | ours / anchor | note |");
        Console.WriteLine("|:---|---:|---:|:---|");
        foreach (Anchor a in new[] { torch, keras })
        {
            Console.WriteLine(a.Available
                ? string.Create(c, $"| {a.Name} | {a.ExamplesPerSecond:F0} | {rateMedian / a.ExamplesPerSecond:F2} | {a.Note} |")
                : $"| {a.Name} | missing | - | {a.Note} |");
        }

        Console.WriteLine();
        Console.WriteLine($"load average after: {LoadAverage()}");
        if (json)
        {
            var o = new JsonObject
            {
                ["examples_per_s"] = Math.Round(rateMedian),
                ["gemm_fraction"] = Math.Round(fractionMedian, 4),
                ["accuracy"] = Math.Round(accuracyMin, 4),
                ["examples_per_s_range"] = new JsonArray(Math.Round(rates.Min()), Math.Round(rates.Max())),
                ["gemm_fraction_range"] = new JsonArray(Math.Round(fractions.Min(), 4), Math.Round(fractions.Max(), 4)),
                ["accuracy_range"] = new JsonArray(Math.Round(accuracyMin, 4), Math.Round(accuracies.Max(), 4)),
                ["threads"] = threads,
                ["kernel_threads"] = KernelThreadsOverride >= 0 ? KernelThreadsOverride : threads,
                ["runs"] = runs,
                ["epochs"] = epochs,
                ["blas"] = inner.Description,
                ["breakdown_us_per_step"] = new JsonObject
                {
                    ["gemm"] = Math.Round(breakdown.GemmUs, 1),
                    ["rest_of_forward_backward"] = Math.Round(breakdown.RestUs, 1),
                    ["optimizer"] = Math.Round(breakdown.OptimizerUs, 1),
                    ["batch_copy"] = Math.Round(breakdown.BatchUs, 1),
                },
                ["fit_us_per_step"] = Math.Round(fitUs, 1),
                ["hand_loop_us_per_step"] = Math.Round(loopUs, 1),
                ["anchors"] = new JsonArray(AnchorJson(torch, rateMedian), AnchorJson(keras, rateMedian)),
                ["load_average"] = LoadAverage(),
            };
            string path = Artifacts.Write("mlp.json", o);
            Console.WriteLine($"wrote {path}");
        }
    }

    private static JsonObject AnchorJson(Anchor a, double ours) => new()
    {
        ["name"] = a.Name,
        ["available"] = a.Available,
        ["examples_per_s"] = a.Available ? Math.Round(a.ExamplesPerSecond) : null,
        ["ours_over_anchor"] = a.Available ? Math.Round(ours / a.ExamplesPerSecond, 3) : null,
        ["note"] = a.Note,
    };

    /// <summary>Threads of the element kernels (model and optimizer) when set by --kernel-threads; else the GEMM thread count.</summary>
    private static int KernelThreadsOverride = -1;

    private static Lion CreateLion(long steps)
    {
        var lion = new Lion(new CosineDecay(1e-4, steps, 0.05, warmupTarget: 6e-4, warmupSteps: 200)) { WeightDecay = 0.5 };
        if (KernelThreadsOverride >= 0)
        {
            lion.NumThreads = KernelThreadsOverride;
        }

        lion.ExcludeFromWeightDecay(namePatterns: new[] { "bias" });
        return lion;
    }

    private static NeuralModel CreateModel(int threads) =>
        new(784, new ModelOptions { Task = TaskKind.MulticlassClassification, ClassCount = 10, HiddenLayers = new[] { 256 } }, 1) { NumThreads = KernelThreadsOverride >= 0 ? KernelThreadsOverride : threads };

    private static (double Rate, double Fraction, double Accuracy) TrainOnce(TimingBlasProvider blas, DenseTable train, DenseTable test, int epochs, int threads, bool evaluate)
    {
        const int batch = 256;
        NeuralModel model = CreateModel(threads);
        long steps = epochs * ((train.RowCount + batch - 1) / batch);
        Lion lion = CreateLion(steps);
        var source = new InMemoryBatchSource(train, batch, true, 3);
        blas.Reset();
        long t0 = Stopwatch.GetTimestamp();
        Trainer.Fit(model, lion, source, null, new TrainerOptions { Epochs = epochs, BatchSize = batch, Blas = blas });
        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        double fraction = blas.Seconds / seconds;
        double accuracy = double.NaN;
        if (evaluate)
        {
            var probabilities = new float[test.RowCount * 10];
            model.Predict(blas, test.Features, test.RowCount, probabilities);
            accuracy = TabularTestData.Accuracy(test.Labels, probabilities, 10);
        }

        return ((double)train.RowCount * epochs / seconds, fraction, accuracy);
    }

    private sealed record Breakdown(double GemmUs, double RestUs, double OptimizerUs, double BatchUs, double TotalUs, long Parameters);

    /// <summary>One epoch of the Trainer's loop by hand, timing each part.</summary>
    private static Breakdown MeasureBreakdown(TimingBlasProvider blas, DenseTable train, int threads)
    {
        const int batch = 256;
        NeuralModel model = CreateModel(threads);
        Lion lion = CreateLion(1000);
        lion.Build(model.Parameters);
        var source = new InMemoryBatchSource(train, batch, true, 3);
        var ws = model.CreateWorkspace(batch);
        var b = new Batch(batch, 784);
        var rng = new DeterministicRandom(1);
        double tBatch = 0, tFb = 0, tOpt = 0;
        int n = 0;
        blas.Reset();
        source.StartEpoch(0);
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            long a = Stopwatch.GetTimestamp();
            if (!source.Next(b))
            {
                break;
            }

            long c = Stopwatch.GetTimestamp();
            model.ForwardBackward(blas, ws, b, rng);
            long d = Stopwatch.GetTimestamp();
            lion.Apply(ws.GradientMemories);
            long e = Stopwatch.GetTimestamp();
            tBatch += c - a;
            tFb += d - c;
            tOpt += e - d;
            n++;
        }

        double total = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double us = 1e6 / Stopwatch.Frequency / n;
        double gemmUs = blas.Seconds * 1e6 / n;
        return new Breakdown(gemmUs, (tFb * us) - gemmUs, tOpt * us, tBatch * us, total * 1e6 / n, model.ParameterCount);
    }

    /// <summary>
    /// One epoch through <see cref="Trainer.Fit"/> and one epoch of the same loop by hand (source, forward-backward,
    /// optimizer), fresh model and optimizer each, alternately three times: median µs per step of each.
    /// </summary>
    private static (double FitUs, double LoopUs) MeasureFitOverhead(TimingBlasProvider blas, DenseTable train, int threads)
    {
        const int batch = 256;
        var fit = new List<double>();
        var loop = new List<double>();
        for (int r = 0; r < 3; r++)
        {
            NeuralModel model = CreateModel(threads);
            Lion lion = CreateLion(1000);
            var source = new InMemoryBatchSource(train, batch, true, 3);
            long t0 = Stopwatch.GetTimestamp();
            TrainingResult result = Trainer.Fit(model, lion, source, null, new TrainerOptions { Epochs = 1, BatchSize = batch, Blas = blas });
            fit.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds / result.Steps);

            model = CreateModel(threads);
            lion = CreateLion(1000);
            source = new InMemoryBatchSource(train, batch, true, 3);

            // Timed from the same point as Fit: the optimizer's slots, the workspace and the batch are part of both.
            t0 = Stopwatch.GetTimestamp();
            lion.Build(model.Parameters);
            var ws = model.CreateWorkspace(batch);
            var b = new Batch(batch, 784);
            var rng = new DeterministicRandom(1);
            int n = 0;
            source.StartEpoch(0);
            while (source.Next(b))
            {
                model.ForwardBackward(blas, ws, b, rng);
                lion.Apply(ws.GradientMemories);
                n++;
            }

            loop.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds / n);
        }

        return (Median(fit), Median(loop));
    }

    private sealed record Anchor(string Name, bool Available, double ExamplesPerSecond, string Note);

    /// <summary>
    /// PyTorch on CPU (Debian's python3-torch): the same 784-256-10 MLP (ReLU, softmax cross-entropy), batch 256, the
    /// Lion update written with torch tensor operations (torch has no Lion), same thread count, one warm-up epoch then
    /// timed epochs; examples/s of the training loop only.
    /// </summary>
    private static Anchor TorchAnchor(int threads, int epochs)
    {
        const string name = "PyTorch CPU (python3-torch)";
        string script = Path.Combine(AppContext.BaseDirectory, "anchors", "torch_mlp.py");
        if (!File.Exists(script))
        {
            return new Anchor(name, false, 0, $"not available: {script} is missing");
        }

        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        int timedEpochs = Math.Max(1, Math.Min(epochs, 3));
        (int code, string stdout, string stderr) = RunProcess(python, $"\"{script}\" {threads} {timedEpochs}", TimeSpan.FromMinutes(10));
        if (code != 0)
        {
            string why = (stderr + stdout).Trim().Split('\n').LastOrDefault() ?? "";
            return new Anchor(name, false, 0, $"not available: {python} exited {code}: {why}");
        }

        try
        {
            JsonNode? r = JsonNode.Parse(stdout.Trim().Split('\n').Last());
            double rate = r!["examples_per_s"]!.GetValue<double>();
            string note = string.Create(CultureInfo.InvariantCulture, $"torch {r["torch"]}, {r["threads"]} threads, {timedEpochs} timed epochs after 1 warm-up, test accuracy {r["accuracy"]}");
            return new Anchor(name, true, rate, note);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NullReferenceException or InvalidOperationException)
        {
            return new Anchor(name, false, 0, "not available: unreadable output: " + stdout.Trim());
        }
    }

    internal static (int Code, string Stdout, string Stderr) RunProcess(string file, string arguments, TimeSpan timeout)
    {
        try
        {
            var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using Process p = Process.Start(psi)!;
            System.Threading.Tasks.Task<string> o = p.StandardOutput.ReadToEndAsync();
            System.Threading.Tasks.Task<string> e = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout))
            {
                p.Kill(true);
                return (-1, o.Result, "timed out");
            }

            return (p.ExitCode, o.Result, e.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, "", e.Message);
        }
    }

    internal static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(x => x).ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : 0.5 * (s[(s.Count / 2) - 1] + s[s.Count / 2]);
    }
}

/// <summary>Where the benchmark JSON goes: <c>artifacts/bench</c> under the repository root (found from the working directory).</summary>
internal static class Artifacts
{
    public static string Write(string file, JsonNode node)
    {
        string dir = Path.Combine(Root(), "artifacts", "bench");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, file);
        string temp = path + ".tmp";
        File.WriteAllText(temp, node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temp, path, overwrite: true);
        return path;
    }

    private static string Root()
    {
        for (DirectoryInfo? d = new(Directory.GetCurrentDirectory()); d != null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "MLNet.Optimizers.sln")))
            {
                return d.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}

/// <summary>Times every SGEMM call of an inner provider.</summary>
internal sealed class TimingBlasProvider(BlasProvider inner) : BlasProvider
{
    public double Seconds { get; private set; }

    public double Flops { get; private set; }

    public override string Name => inner.Name;

    public override string Description => inner.Description;

    public override int NumThreads
    {
        get => inner.NumThreads;
        set => inner.NumThreads = value;
    }

    public void Reset()
    {
        Seconds = 0;
        Flops = 0;
    }

    protected override void SgemmCore(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Seconds += Stopwatch.GetElapsedTime(t0).TotalSeconds;
        Flops += 2.0 * m * n * k;
    }

    protected override void SgemvCore(Transpose transA, int m, int n, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> x, float beta, Span<float> y) => inner.Sgemv(transA, m, n, alpha, a, lda, x, beta, y);

    protected override void SaxpyCore(float alpha, ReadOnlySpan<float> x, Span<float> y) => inner.Saxpy(alpha, x, y);

    protected override float SdotCore(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => inner.Sdot(x, y);

    protected override float Snrm2Core(ReadOnlySpan<float> x) => inner.Snrm2(x);
}
