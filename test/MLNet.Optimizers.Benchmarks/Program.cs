using System;
using System.Linq;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace MLNet.Optimizers.Benchmarks;

/// <summary>One line of the report.</summary>
internal sealed record Row(string Case, long Params, double Ms, double GBs, double CopyGBs, double Target, double AllocPerStep, bool Finite)
{
    /// <summary>Threads of the step and of its copy baseline.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The optimizer's class name (empty for a copy row).</summary>
    public string Optimizer { get; init; } = "";

    /// <summary>The case name without the thread count ("Lion [10M]").</summary>
    public string Name { get; init; } = "";

    /// <summary>The one-thread step time divided by this one (1 for one thread).</summary>
    public double Speedup { get; init; } = 1;

    /// <summary>
    /// The memory system's own two-thread gain in the same run: this row's interleaved copy GB/s over the one-thread
    /// row's (1 for one thread). A memory-bound step cannot gain more than this.
    /// </summary>
    public double CopySpeedup { get; init; } = 1;

    public double Ratio => CopyGBs > 0 ? GBs / CopyGBs : double.NaN;

    public bool IsCopy => double.IsNaN(CopyGBs);
}

/// <summary>Command-line options.</summary>
internal sealed class Options
{
    public bool Quick { get; set; }

    public bool Markdown { get; set; }

    public bool Passes { get; set; }

    public bool PassesOnly { get; set; }

    public bool Json { get; set; }

    /// <summary>Thread counts to measure (1 and the processor count, at most 2 by default).</summary>
    public int[] Threads { get; set; } = { 1, Math.Max(2, Math.Min(2, System.Environment.ProcessorCount)) };

    /// <summary>Internal: a small run that only warms the JIT (prints nothing).</summary>
    public bool SmallWarmup { get; set; }
}

/// <summary>
/// Single-threaded throughput of one optimizer step against a memory-copy baseline of the same size, measured in one
/// process so the ratios are honest. A report, not a test: the exit code is always 0.
/// </summary>
internal static class Program
{
    private const int OneM = 1_000_000;

    public static int Main(string[] args)
    {
        try
        {
            if (args.Length > 0 && args[0] == "train")
            {
                TrainingBenchmark.Run(args.Skip(1).ToArray());
                return 0;
            }

            if (args.Length > 0 && args[0] == "threshold")
            {
                ThresholdBenchmark.Run();
                return 0;
            }

            if (args.Length > 0 && args[0] == "mlp")
            {
                MlpBenchmark.Run(args.Skip(1).ToArray());
                return 0;
            }

            if (args.Length > 0 && args[0] == "early-stopping")
            {
                EarlyStoppingStudy.Run(args.Skip(1).ToArray());
                return 0;
            }

            if (args.Length > 0 && args[0] == "bridge")
            {
                BridgeBenchmark.Run(args.Skip(1).ToArray());
                return 0;
            }

            if (args.Length > 0 && args[0] == "tabular")
            {
                TabularBenchmark.Run(args.Skip(1).ToArray());
                return 0;
            }

            if (args.Length > 0 && args[0] == "gemm")
            {
                GemmBenchmark.Run(args.Skip(1).ToArray());
                return 0;
            }

            Options? o = Parse(args);
            if (o is not null)
            {
                Run(o);
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("benchmark failed: " + e);
        }

        return 0;
    }

    private static Options? Parse(string[] args)
    {
        var o = new Options();
        foreach (string a in args)
        {
            switch (a)
            {
                case "--quick":
                    o.Quick = true;
                    break;
                case "--markdown":
                    o.Markdown = true;
                    break;
                case "--passes":
                    o.Passes = true;
                    break;
                case "--json":
                    o.Json = true;
                    break;
                case "--passes-only":
                    o.Passes = true;
                    o.PassesOnly = true;
                    break;
                case "-h":
                case "--help":
                    Console.WriteLine("usage: MLNet.Optimizers.Benchmarks [--quick] [--markdown] [--passes] [--json]");
                    Console.WriteLine("       MLNet.Optimizers.Benchmarks threshold        (1 vs 2 threads by tensor size: where splitting a step starts to pay)");
                    Console.WriteLine("       MLNet.Optimizers.Benchmarks gemm [--quick]   (SGEMM GFLOP/s per provider and thread count)");
                    Console.WriteLine("       MLNet.Optimizers.Benchmarks train            (time to ML.NET's quality; MLP throughput and GEMM share)");
                    Console.WriteLine("       MLNet.Optimizers.Benchmarks mlp [--json] [--runs N] [--epochs N] [--threads N] [--blas auto|measure|managed|mkl|openblas]  (Fashion-MNIST MLP; default auto = the deterministic rule: examples/s, GEMM share, accuracy, anchors)");
                    Console.WriteLine("       MLNet.Optimizers.Benchmarks bridge           (ML.NET trainer through IDataView cursors vs the in-memory engine, examples/s)");
                    Console.WriteLine("       MLNet.Optimizers.Benchmarks tabular [--help] (ours vs LightGBM, FastTree, SDCA on samples/data; artifacts/bench/tabular.json)");
                    Console.WriteLine("       MLNet.Optimizers.Benchmarks early-stopping   (the early-stopping study of docs/early-stopping.md; quality, not speed)");
                    Console.WriteLine("  --quick     1M and 10M parameters, and the 50M target cases (Lion [50M], Adafactor [5000, 10000]), fewer repetitions");
                    Console.WriteLine("  --json      also write artifacts/bench/optimizers.json (one entry per case and thread count)");
                    Console.WriteLine("  --markdown  print the results as a GitHub markdown table");
                    Console.WriteLine("  --passes    also time each Adafactor pass, divider and Newton paths (where the time goes)");
                    Console.WriteLine("  --passes-only  only the Adafactor passes");
                    return null;
                default:
                    Console.Error.WriteLine($"unknown option '{a}' (try --help)");
                    return null;
            }
        }

        return o;
    }

    private static void Run(Options o)
    {
        var total = System.Diagnostics.Stopwatch.StartNew();
        Log("warming up the JIT (tier 1)...");
        JitWarmup();

        if (o.PassesOnly)
        {
            RunPasses(o);
            return;
        }

        var rows = new List<Row>();
        RunGroup(o, rows, OneM, new[] { 1000, 1000 }, rank1Cases: true, baselines: false);
        RunGroup(o, rows, 10 * OneM, new[] { 2500, 4000 }, rank1Cases: true, baselines: true);
        RunGroup(o, rows, 50 * OneM, new[] { 5000, 10000 }, rank1Cases: true, baselines: false);
        if (!o.Quick)
        {
            RunGroup(o, rows, 4096 * 4096, new[] { 4096, 4096 }, rank1Cases: false, baselines: false);
        }

        Log($"done in {total.Elapsed.TotalSeconds:F1} s");
        string env = Environment();
        if (o.Markdown)
        {
            Console.WriteLine(env);
            Console.WriteLine(Markdown(rows));
        }
        else
        {
            Console.WriteLine(env);
            Console.WriteLine(Plain(rows));
        }

        Console.WriteLine(Legend(o.Markdown));
        (bool kerasOk, string kerasNote) = KerasAnchor();
        Console.WriteLine($"Anchor: Keras 3 numpy-backend Lion/Adafactor step: {kerasNote}");
        if (o.Json)
        {
            var cases = new System.Text.Json.Nodes.JsonArray();
            foreach (Row r in rows)
            {
                if (r.IsCopy)
                {
                    continue;
                }

                cases.Add(new System.Text.Json.Nodes.JsonObject
                {
                    ["name"] = r.Name,
                    ["optimizer"] = r.Optimizer,
                    ["params"] = r.Params,
                    ["threads"] = r.Threads,
                    ["ms_per_step"] = Math.Round(r.Ms, 4),
                    ["gbps"] = Math.Round(r.GBs, 2),
                    ["copy_gbps"] = Math.Round(r.CopyGBs, 2),
                    ["ratio_to_copy"] = Math.Round(r.Ratio, 3),
                    ["speedup_vs_1_thread"] = Math.Round(r.Speedup, 3),
                    ["copy_speedup_vs_1_thread"] = Math.Round(r.CopySpeedup, 3),
                    ["alloc_bytes"] = r.AllocPerStep,
                    ["finite"] = r.Finite,
                });
            }

            var doc = new System.Text.Json.Nodes.JsonObject
            {
                ["cases"] = cases,
                ["quick"] = o.Quick,
                ["environment"] = env.Trim(),
                ["load_average"] = MlpBenchmark.LoadAverage(),
                ["anchors"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["name"] = "Keras 3 numpy backend", ["available"] = kerasOk, ["note"] = kerasNote }),
            };
            Console.WriteLine("wrote " + Artifacts.Write("optimizers.json", doc));
        }

        if (o.Passes)
        {
            Console.WriteLine();
            RunPasses(o);
        }
    }

    private static void RunPasses(Options o)
    {
        AdafactorPasses.Run(o, OneM, new[] { 1000, 1000 });
        AdafactorPasses.Run(o, 10 * OneM, new[] { 2500, 4000 });
        if (!o.Quick)
        {
            AdafactorPasses.Run(o, 50 * OneM, new[] { 5000, 10000 });
        }
    }

    /// <summary>
    /// Whether Keras 3 with its numpy backend imports here. The step anchor needs it; nothing stands in for it when it
    /// does not (a missing anchor is printed as missing).
    /// </summary>
    private static (bool Available, string Note) KerasAnchor()
    {
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        (int code, string stdout, string stderr) = MlpBenchmark.RunProcess(python, "-c \"import os; os.environ['KERAS_BACKEND']='numpy'; import keras; print(keras.__version__)\"", TimeSpan.FromMinutes(1));
        return code == 0
            ? (false, $"keras {stdout.Trim()} imports, but the step anchor is not implemented in this harness yet")
            : (false, "missing: keras is not importable (" + ((stderr + stdout).Trim().Split('\n').LastOrDefault() ?? "") + "); Debian has no Keras 3 package and PyPI is unreachable");
    }

    /// <summary>Warm-up calls and timed repetitions for a size: enough to be stable, few enough for 3 minutes.</summary>
    internal static (int Warmup, int Reps) Plan(Options o, long n) => (o.Quick, n) switch
    {
        (true, <= OneM) => (10, 9),
        (true, _) => (2, 5),
        (false, <= OneM) => (10, 15),
        (false, <= 10 * OneM) => (3, 11),
        (false, <= 20 * OneM) => (2, 9),
        _ => (2, 7),
    };

    private static void RunGroup(Options o, List<Row> rows, int n, int[]? matrix, bool rank1Cases, bool baselines)
    {
        (int warm, int reps) = Plan(o, n);
        Log($"allocating {n:N0} parameters...");
        float[] init = Harness.Normals(n, 1, 1f);
        float[] grad = Harness.Normals(n, 2, 0.1f);
        float[] param = new float[n];
        float[] scratch = new float[n];
        init.AsSpan().CopyTo(param);
        Action copyStep = () => init.AsSpan().CopyTo(scratch);

        Measurement copy = Harness.Measure(copyStep, warm, reps);
        double copyGBs = Harness.GBs(8.0 * n, copy.MedianMs);
        Log($"  copy {n:N0}: median {copy.MedianMs:F3} ms, min {copy.MinMs:F3} ms, {copyGBs:F1} GB/s");
        rows.Add(new Row($"copy (Span.CopyTo) {ShapeLabel(new[] { n })}", n, copy.MedianMs, copyGBs, double.NaN, double.NaN, copy.AllocatedBytesPerStep, true));

        Action copy2 = () => Harness.ParallelCopy(init, scratch, 2);
        if (rank1Cases)
        {
            Cases("Lion", () => new Lion(0.001), new[] { n }, 20, 1.0);
            Cases("Adafactor", () => new Adafactor(0.001), new[] { n }, 12, 0.5);
        }

        if (matrix is not null)
        {
            Cases("Adafactor", () => new Adafactor(0.001), matrix, 12, 0.5);
        }

        if (baselines)
        {
            Cases("SGD", () => new Sgd(0.01), new[] { n }, 12, double.NaN);
            Cases("AdamW", () => new AdamW(0.001), new[] { n }, 28, double.NaN);
        }

        void Cases(string name, Func<Optimizer> create, int[] shape, int bytesPerParam, double target)
        {
            double oneThreadMs = double.NaN, oneThreadCopy = double.NaN;
            foreach (int threads in o.Threads)
            {
                Row r = Case(name, create(), shape, bytesPerParam, target, threads, oneThreadMs, oneThreadCopy);
                if (threads == 1)
                {
                    oneThreadMs = r.Ms;
                    oneThreadCopy = r.CopyGBs;
                }

                rows.Add(r);
            }
        }

        Row Case(string name, Optimizer opt, int[] shape, int bytesPerParam, double target, int threads, double oneThreadMs, double oneThreadCopy)
        {
            init.AsSpan().CopyTo(param);
            var p = new Parameter("p", shape, param);
            opt.NumThreads = threads;
            opt.Build(new[] { p });
            var grads = new ReadOnlyMemory<float>?[] { grad };
            Action step = () => opt.Apply(grads);
            (Measurement cm, Measurement m) = Harness.MeasureInterleaved(threads == 1 ? copyStep : copy2, step, warm, reps);
            bool finite = Harness.AllFinite(param);
            double gbs = Harness.GBs((double)bytesPerParam * n, m.MedianMs);
            double cgbs = Harness.GBs(8.0 * n, cm.MedianMs);
            string label = $"{name} {ShapeLabel(shape)}";
            double speedup = threads == 1 || double.IsNaN(oneThreadMs) ? 1 : oneThreadMs / m.MedianMs;
            Log($"  {label}, {threads} thread(s): median {m.MedianMs:F3} ms, min {m.MinMs:F3} ms, {gbs:F1} GB/s; interleaved {threads}-thread copy {cgbs:F1} GB/s; ratio {gbs / cgbs:F2}; speedup {speedup:F2}{(finite ? string.Empty : "  (NON-FINITE parameter!)")}");
            var row = new Row(threads == 1 ? label : $"{label} ×{threads}", n, m.MedianMs, gbs, cgbs, target, m.AllocatedBytesPerStep, finite)
            {
                Threads = threads, Optimizer = opt.ClassName, Name = label, Speedup = speedup,
                CopySpeedup = threads == 1 || double.IsNaN(oneThreadCopy) ? 1 : cgbs / oneThreadCopy,
            };
            opt = null!;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return row;
        }

        init = null!;
        grad = null!;
        param = null!;
        scratch = null!;
        copyStep = null!;
        copy2 = null!;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Runs every code path on small tensors until the JIT has installed optimized code.</summary>
    internal static void JitWarmup()
    {
        const int N = 100_003;
        float[] init = Harness.Normals(N, 11, 1f);
        float[] grad = Harness.Normals(N, 12, 0.1f);
        float[] dst = new float[N];
        var steps = new List<Action> { () => init.AsSpan().CopyTo(dst) };
        foreach (int threads in new[] { 1, 2 })
        {
            // Two threads with MinParallelLength = 1: the split paths get warm too.
            Add(new Lion(0.001) { NumThreads = threads, MinParallelLength = threads == 1 ? int.MaxValue : 1 }, new[] { N });
            Add(new Adafactor(0.001) { NumThreads = threads, MinParallelLength = threads == 1 ? int.MaxValue : 1 }, new[] { N });
            Add(new Adafactor(0.001) { NumThreads = threads, MinParallelLength = threads == 1 ? int.MaxValue : 1 }, new[] { 24, 1000 });
            Add(new Adafactor(0.001) { NumThreads = threads, MinParallelLength = threads == 1 ? int.MaxValue : 1 }, new[] { 6, 4000 });
            Add(new Adafactor(0.001) { NumThreads = threads, MinParallelLength = threads == 1 ? int.MaxValue : 1 }, new[] { 8, 4096 });
            Add(new Adafactor(0.001) { NumThreads = threads, MinParallelLength = threads == 1 ? int.MaxValue : 1 }, new[] { 3, 10000 });
            Add(new Sgd(0.01) { NumThreads = threads, MinParallelLength = threads == 1 ? int.MaxValue : 1 }, new[] { N });
            Add(new AdamW(0.001) { NumThreads = threads, MinParallelLength = threads == 1 ? int.MaxValue : 1 }, new[] { N });
        }

        float[] copyDst = new float[N];
        steps.Add(() => Harness.ParallelCopy(init, copyDst, 2));
        Harness.JitWarmup(() =>
        {
            foreach (Action s in steps)
            {
                s();
            }
        });

        void Add(Optimizer opt, int[] shape)
        {
            int count = 1;
            foreach (int d in shape)
            {
                count *= d;
            }

            var p = new Parameter("w", shape, init.AsSpan(0, count).ToArray());
            opt.Build(new[] { p });
            var grads = new ReadOnlyMemory<float>?[] { new ReadOnlyMemory<float>(grad, 0, count) };
            steps.Add(() => opt.Apply(grads));
        }
    }

    internal static string ShapeLabel(int[] shape)
    {
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            int d = shape[i];
            parts[i] = d >= OneM && d % OneM == 0 ? (d / OneM).ToString(CultureInfo.InvariantCulture) + "M" : d.ToString(CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    private static string Environment()
    {
        var sb = new StringBuilder();
        string model = CpuModel() ?? "(unknown)";
        string line = string.Create(
            CultureInfo.InvariantCulture,
            $"CPU: {model}; {System.Environment.ProcessorCount} logical processors; {RuntimeInformation.ProcessArchitecture} process ({RuntimeInformation.OSArchitecture} OS); Vector512.IsHardwareAccelerated={Vector512.IsHardwareAccelerated}; Vector256.IsHardwareAccelerated={Vector256.IsHardwareAccelerated}");
        sb.AppendLine(line);
        sb.AppendLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Runtime: {RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription}; server GC={GCSettings.IsServerGC}; 1 and 2 threads; median of K single steps; load average {MlpBenchmark.LoadAverage()}"));
        return sb.ToString();
    }

    private static string? CpuModel()
    {
        try
        {
            const string Path = "/proc/cpuinfo";
            if (!File.Exists(Path))
            {
                return null;
            }

            foreach (string l in File.ReadLines(Path))
            {
                if (l.StartsWith("model name", StringComparison.Ordinal))
                {
                    int colon = l.IndexOf(':', StringComparison.Ordinal);
                    return colon >= 0 ? l[(colon + 1)..].Trim() : null;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static readonly string[] Headers = { "case", "params", "ms/step", "GB/s (effective)", "copy GB/s", "ratio", "target", "vs 1 thread", "copy vs 1 thread", "alloc B/step" };

    private static string[] Cells(Row r, bool markdown)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        string target;
        if (double.IsNaN(r.Target))
        {
            target = "-";
        }
        else
        {
            bool ok = r.Ratio >= r.Target;
            target = string.Create(c, $">= {r.Target:F1} ") + (ok ? (markdown ? "✅" : "ok") : (markdown ? "❌" : "MISS"));
        }

        string alloc = r.AllocPerStep.ToString("0", c);
        string name = r.Finite ? r.Case : r.Case + " (non-finite!)";
        return new[]
        {
            markdown && r.IsCopy ? "*" + name + "*" : name,
            r.Params.ToString("N0", c),
            r.Ms.ToString(r.Ms < 10 ? "F3" : "F2", c),
            r.GBs.ToString("F1", c),
            r.IsCopy ? "-" : r.CopyGBs.ToString("F1", c),
            r.IsCopy ? "-" : r.Ratio.ToString("F2", c),
            target,
            r.IsCopy ? "-" : r.Speedup.ToString("F2", c) + "×",
            r.IsCopy ? "-" : r.CopySpeedup.ToString("F2", c) + "×",
            alloc,
        };
    }

    private static string Markdown(List<Row> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| " + string.Join(" | ", Headers) + " |");
        sb.AppendLine("|:---|---:|---:|---:|---:|---:|:---:|---:|---:|---:|");
        foreach (Row r in rows)
        {
            sb.AppendLine("| " + string.Join(" | ", Cells(r, true)) + " |");
        }

        return sb.ToString();
    }

    private static string Plain(List<Row> rows)
    {
        var cells = new List<string[]> { Headers };
        foreach (Row r in rows)
        {
            cells.Add(Cells(r, false));
        }

        int[] w = new int[Headers.Length];
        foreach (string[] line in cells)
        {
            for (int i = 0; i < line.Length; i++)
            {
                w[i] = Math.Max(w[i], line[i].Length);
            }
        }

        var sb = new StringBuilder();
        for (int k = 0; k < cells.Count; k++)
        {
            string[] line = cells[k];
            for (int i = 0; i < line.Length; i++)
            {
                sb.Append(i == 0 ? line[i].PadRight(w[i]) : line[i].PadLeft(w[i]));
                sb.Append(i == line.Length - 1 ? string.Empty : " | ");
            }

            sb.AppendLine();
            if (k == 0)
            {
                for (int i = 0; i < w.Length; i++)
                {
                    sb.Append(new string('-', w[i]));
                    sb.Append(i == w.Length - 1 ? string.Empty : "-+-");
                }

                sb.AppendLine();
            }
        }

        return sb.ToString();
    }

    private static string Legend(bool markdown)
    {
        string s = "Effective bytes per parameter: copy 8 (read + write), Lion 20 (p, g, m read; p, m written), "
            + "Adafactor 12 (g, p read; p written; the factored statistics are O(rows + cols)), SGD 12, AdamW 28 "
            + "(p, g, m, v read; p, m, v written). copy GB/s: a copy of the same size (8 bytes per float) timed alternately with the "
            + "case's steps (copy, step, copy, step, ...), so both medians come from the same stretch of time (a 2-thread copy, split in halves, "
            + "beside a 2-thread step: rows marked ×2); the copy rows "
            + "are the copy timed alone. ratio = GB/s / copy GB/s, so a ratio of 1.0 for Lion "
            + "means one Lion step costs 2.5 copies of the parameter. vs 1 thread: the 1-thread step time over this one (same run). copy vs 1 thread: the same for the copies timed beside the steps, i.e. what the memory system itself gains from the second thread in that stretch of time (a memory-bound step such as Lion cannot gain more). Median of K single steps after warm-up.";
        return markdown ? "\n" + s : s;
    }

    internal static void Log(string message) => Console.Error.WriteLine(message);
}
