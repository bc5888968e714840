using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Benchmarks;

/// <summary>
/// CSV loading speed: <see cref="CsvLoader.Load"/> of each bundled sample file (typed parsing, label encoding, one-hot
/// of categorical columns into a <see cref="DenseTable"/>), as rows/s and MB/s of file, and one epoch of
/// <see cref="CsvStreamingBatchSource"/> over diamonds.csv. Single thread; the median of K loads after warm-up, with
/// the minimum and the machine's load average beside it, because the median moves with other processes' load.
/// </summary>
internal static class DataBenchmark
{
    private static readonly (string File, string Label, TaskKind? Task)[] Files =
    {
        ("diamonds.csv", "price", TaskKind.Regression),
        ("Shuttle.csv", "Class", null),
        ("LetterRecognition.csv", "lettr", null),
        ("digits.csv", "digit", null),
        ("breast_cancer.csv", "diagnosis", null),
        ("diabetes.csv", "progression", null),
        ("wine.csv", "cultivar", null),
        ("iris.csv", "species", null),
    };

    public static void Run(string[] args)
    {
        bool quick = Array.IndexOf(args, "--quick") >= 0;
        int reps = quick ? 5 : 15;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU: {Environment.ProcessorCount} logical processors; load average at start: {LoadAverage()}"));
        // Bring the loader to tier 1 first (numeric and categorical columns, quoted and plain fields): rounds of loads
        // separated by pauses, so call counting and the background compiler see them.
        string small = Path.Combine(AppContext.BaseDirectory, "data", "breast_cancer.csv");
        string diamonds = Path.Combine(AppContext.BaseDirectory, "data", "diamonds.csv");
        Harness.JitWarmup(
            () =>
            {
                CsvLoader.Load(small, new CsvOptions { LabelColumn = "diagnosis" });
                CsvLoader.Load(diamonds, new CsvOptions { LabelColumn = "price", Task = TaskKind.Regression });
            },
            rounds: 4,
            callsPerRound: 3);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CsvLoader.Load, single thread, after JIT warm-up; median of {reps} loads after 3 untimed ones (MB = 10^6 bytes of file)"));
        Console.WriteLine();
        Console.WriteLine("| file | rows | features | file MB | median ms | min ms | rows/s (median) | MB/s (median) | MB/s (min) | allocated MB/load |");
        Console.WriteLine("|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach ((string file, string label, TaskKind? task) in Files)
        {
            string path = Path.Combine(AppContext.BaseDirectory, "data", file);
            var options = new CsvOptions { LabelColumn = label, Task = task };
            CsvDataset first = CsvLoader.Load(path, options);
            for (int i = 0; i < 2; i++)
            {
                CsvLoader.Load(path, options);
            }

            GC.Collect();
            var ms = new double[reps];
            long allocated = 0;
            for (int r = 0; r < reps; r++)
            {
                long a0 = GC.GetAllocatedBytesForCurrentThread();
                long t0 = Stopwatch.GetTimestamp();
                CsvDataset ds = CsvLoader.Load(path, options);
                ms[r] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                allocated += GC.GetAllocatedBytesForCurrentThread() - a0;
                if (ds.Table.RowCount != first.Table.RowCount)
                {
                    throw new InvalidOperationException($"{file}: {ds.Table.RowCount} rows, first load had {first.Table.RowCount}");
                }
            }

            Array.Sort(ms);
            double median = ms[reps / 2], min = ms[0];
            double mb = new FileInfo(path).Length / 1e6;
            int rows = first.Table.RowCount;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {file} | {rows:N0} | {first.Table.FeatureCount} | {mb:F2} | {median:F1} | {min:F1} | {rows / (median / 1000):N0} | {mb / (median / 1000):F1} | {mb / (min / 1000):F1} | {allocated / (double)reps / 1e6:F1} |"));
        }

        Console.WriteLine();
        Streaming(reps);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load average at end: {LoadAverage()}"));
    }

    /// <summary>One shuffled epoch of diamonds.csv through the streaming source (batch 256, shuffle buffer 4096).</summary>
    private static void Streaming(int reps)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "data", "diamonds.csv");
        var options = new CsvOptions { LabelColumn = "price", Task = TaskKind.Regression };
        DatasetSchema schema = CsvLoader.Load(path, options).Schema;
        using var source = new CsvStreamingBatchSource(path, schema, options, 256, shuffle: true, seed: 1);
        var batch = new Batch(256, source.FeatureCount);
        long Epoch(int epoch)
        {
            long rows = 0;
            source.StartEpoch(epoch);
            while (source.Next(batch))
            {
                rows += batch.Count;
            }

            return rows;
        }

        for (int i = 0; i < 3; i++)
        {
            Epoch(i);
        }

        var ms = new double[reps];
        long total = 0;
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            total = Epoch(3 + r);
            ms[r] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }

        Array.Sort(ms);
        double mb = new FileInfo(path).Length / 1e6;
        Console.WriteLine("| streaming | rows/epoch | median ms | min ms | rows/s (median) | MB/s (median) |");
        Console.WriteLine("|:---|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| CsvStreamingBatchSource diamonds.csv, batch 256, shuffle buffer 4096 | {total:N0} | {ms[reps / 2]:F1} | {ms[0]:F1} | {total / (ms[reps / 2] / 1000):N0} | {mb / (ms[reps / 2] / 1000):F1} |"));
    }

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "(unknown)";
        }
        catch (IOException)
        {
            return "(unknown)";
        }
    }
}
