using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Fuzz;

/// <summary>
/// The campaign runner.
/// <list type="bullet">
/// <item><c>run --inputs N [--seed S] [--targets a,b]</c>: N inputs per target in this process; prints the table.</item>
/// <item><c>campaign --inputs N [--seed S] [--targets a,b] [--chunk C] [--out dir]</c>: the same in supervised child
/// processes of C inputs each, so a crash (the child dies) or a hang (the child gives up on a stuck input) is counted
/// and the campaign goes on after that input; writes results.md and results.json to the out folder.</item>
/// <item><c>repro --target T --index I [--seed S]</c>: regenerates one input, writes it to a file, and runs it.</item>
/// </list>
/// Exit code 0 when no input had a bad outcome.
/// </summary>
internal static class Program
{
    /// <summary>The default campaign seed (the CI test uses it too).</summary>
    public const ulong DefaultSeed = 20261206;

    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: run|campaign|repro|child [options] (see Program.cs)");
            return 2;
        }

        var o = Options(args.Skip(1).ToArray());

        // Paths are resolved now: a target may change the current directory (cli-arguments runs in its sandbox).
        foreach (string key in new[] { "out", "progress", "result" })
        {
            if (o.TryGetValue(key, out string? path))
            {
                o[key] = Path.GetFullPath(path);
            }
        }

        ulong seed = o.TryGetValue("seed", out string? s) ? ulong.Parse(s, CultureInfo.InvariantCulture) : DefaultSeed;
        string[] targets = o.TryGetValue("targets", out string? t) ? t.Split(',', StringSplitOptions.RemoveEmptyEntries) : Targets.All.Select(x => x.Name).ToArray();
        long inputs = o.TryGetValue("inputs", out string? n) ? long.Parse(n, CultureInfo.InvariantCulture) : 10_000;
        switch (args[0])
        {
            case "run":
            {
                var results = new List<FuzzStats>();
                foreach (string name in targets)
                {
                    FuzzTarget target = Targets.Create(name);
                    FuzzStats stats = Fuzzer.Run(target, seed, 0, inputs, Budget(target, inputs));
                    results.Add(stats);
                    Console.Error.WriteLine($"{name}: {stats.Inputs} inputs in {stats.Seconds:F1} s, {stats.Bad} bad");
                }

                return Report(results, seed, o.GetValueOrDefault("out"));
            }

            case "campaign":
                return Campaign(targets, seed, inputs, o.TryGetValue("chunk", out string? c) ? long.Parse(c, CultureInfo.InvariantCulture) : 50_000, o.GetValueOrDefault("out") ?? Path.GetFullPath("artifacts/fuzz"));
            case "child":
                return Child(o["target"], seed, long.Parse(o["start"], CultureInfo.InvariantCulture), long.Parse(o["count"], CultureInfo.InvariantCulture), long.Parse(o["budget"], CultureInfo.InvariantCulture), o["progress"], o["result"]);
            case "repro":
            {
                long index = long.Parse(o["index"], CultureInfo.InvariantCulture);
                string file = Path.GetFullPath($"{o["target"]}-{index}.input");
                FuzzTarget target = Targets.Create(o["target"]);
                FuzzInput input = Fuzzer.Generate(target, seed, index, Budget(target, inputs));
                File.WriteAllBytes(file, input.Bytes);
                (Outcome outcome, string? detail, string? by) = Fuzzer.RunOne(target, input);
                Console.WriteLine($"{target.Name} #{index}: {input.Mutation}, seed {input.SeedIndex}, {input.Bytes.Length} bytes -> {file}");
                Console.WriteLine($"{outcome}{(by is null ? string.Empty : " by " + by)}{(detail is null ? string.Empty : ": " + detail)}");
                return outcome is Outcome.Accepted or Outcome.Rejected ? 0 : 1;
            }

            default:
                Console.Error.WriteLine("unknown command " + args[0]);
                return 2;
        }
    }

    /// <summary>How many of the first inputs are exhaustive truncations: all of them, up to a quarter of the inputs.</summary>
    public static long Budget(FuzzTarget target, long inputs) => Math.Min(Fuzzer.TruncationCount(target), inputs / 4);

    private static Dictionary<string, string> Options(string[] args)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            d[args[i].TrimStart('-')] = args[i + 1];
        }

        return d;
    }

    private static int Child(string name, ulong seed, long start, long count, long budget, string progressFile, string resultFile)
    {
        FuzzTarget target = Targets.Create(name);
        using var progress = File.OpenHandle(progressFile, FileMode.Create, FileAccess.Write);
        var buffer = new byte[8];
        FuzzStats stats = Fuzzer.Run(target, seed, start, count, budget, i =>
        {
            BitConverter.TryWriteBytes(buffer, i);
            RandomAccess.Write(progress, buffer, 0);
        }, stopOnHang: true);
        File.WriteAllText(resultFile, ToJson(stats).ToJsonString());
        return stats.Counts[Outcome.Hang] > 0 ? 3 : 0;
    }

    private static int Campaign(string[] targets, ulong seed, long inputs, long chunk, string outDir)
    {
        Directory.CreateDirectory(outDir);
        string self = typeof(Program).Assembly.Location;
        var results = new List<FuzzStats>();
        foreach (string name in targets)
        {
            FuzzTarget target = Targets.Create(name);
            long budget = Budget(target, inputs);
            var total = new FuzzStats { Target = name };
            long next = 0;
            while (next < inputs)
            {
                long count = Math.Min(chunk, inputs - next);
                string progress = Path.Combine(outDir, name + ".progress"), result = Path.Combine(outDir, name + ".result.json");
                File.Delete(result);
                var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true };
                foreach (string a in new[] { self, "child", "--target", name, "--seed", seed.ToString(CultureInfo.InvariantCulture), "--start", next.ToString(CultureInfo.InvariantCulture), "--count", count.ToString(CultureInfo.InvariantCulture), "--budget", budget.ToString(CultureInfo.InvariantCulture), "--progress", progress, "--result", result })
                {
                    psi.ArgumentList.Add(a);
                }

                using Process p = Process.Start(psi)!;
                string stderr = p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (File.Exists(result))
                {
                    FuzzStats part = FromJson(JsonNode.Parse(File.ReadAllText(result))!.AsObject(), name);
                    total.Add(part);
                    next += part.Inputs;
                    Console.Error.WriteLine($"{name}: {next}/{inputs} ({total.Bad} bad so far)");
                }
                else
                {
                    // The child died: the input it had started is a crash; the inputs before it are lost from the counts,
                    // so they are run again by the next child (deterministic: same outcomes).
                    long at = File.Exists(progress) && new FileInfo(progress).Length >= 8 ? BitConverter.ToInt64(File.ReadAllBytes(progress), 0) : next;
                    var rerun = new FuzzStats { Target = name };
                    if (at > next)
                    {
                        rerun = Fuzzer.Run(target, seed, next, at - next, budget);
                    }

                    rerun.Inputs++;
                    rerun.Counts[Outcome.Crash]++;
                    rerun.Findings.Add($"{name} #{at}: Crash: the child exited with {p.ExitCode}: {FuzzCheck.OneLine(stderr)}");
                    total.Add(rerun);
                    next = at + 1;
                }
            }

            File.Delete(Path.Combine(outDir, name + ".progress"));
            File.Delete(Path.Combine(outDir, name + ".result.json"));
            results.Add(total);
        }

        return Report(results, seed, outDir);
    }

    private static JsonObject ToJson(FuzzStats s) => new()
    {
        ["target"] = s.Target,
        ["inputs"] = s.Inputs,
        ["seconds"] = s.Seconds,
        ["counts"] = new JsonObject(s.Counts.Select(kv => KeyValuePair.Create(kv.Key.ToString(), (JsonNode?)kv.Value))),
        ["rejected_by"] = new JsonObject(s.RejectedBy.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        ["findings"] = new JsonArray(s.Findings.Select(f => (JsonNode?)f).ToArray()),
    };

    private static FuzzStats FromJson(JsonObject o, string name)
    {
        var s = new FuzzStats { Target = name, Inputs = o["inputs"]!.GetValue<long>(), Seconds = o["seconds"]!.GetValue<double>() };
        foreach (KeyValuePair<string, JsonNode?> kv in o["counts"]!.AsObject())
        {
            s.Counts[Enum.Parse<Outcome>(kv.Key)] = kv.Value!.GetValue<long>();
        }

        foreach (KeyValuePair<string, JsonNode?> kv in o["rejected_by"]!.AsObject())
        {
            s.RejectedBy[kv.Key] = kv.Value!.GetValue<long>();
        }

        s.Findings.AddRange(o["findings"]!.AsArray().Select(f => f!.GetValue<string>()));
        return s;
    }

    /// <summary>The results table (markdown).</summary>
    public static string Table(IReadOnlyList<FuzzStats> results, ulong seed)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Seed {seed}; {results.Sum(r => r.Inputs):N0} inputs in {results.Sum(r => r.Seconds):F0} s of fuzzing.\n\n");
        sb.Append("| parser | inputs | accepted | rejected (documented type) | unexpected | hangs (> 5 s) | crashes | partial changes | inputs/s |\n");
        sb.Append("|:---|---:|---:|:---|---:|---:|---:|---:|---:|\n");
        foreach (FuzzStats r in results.Append(Sum(results)))
        {
            string by = string.Join(", ", r.RejectedBy.OrderByDescending(kv => kv.Value).Select(kv => kv.Key));
            sb.Append(CultureInfo.InvariantCulture, $"| {r.Target} | {r.Inputs:N0} | {r.Counts[Outcome.Accepted]:N0} | {r.Counts[Outcome.Rejected]:N0}{(by.Length > 0 ? " (" + by + ")" : string.Empty)} | {r.Counts[Outcome.Unexpected]:N0} | {r.Counts[Outcome.Hang]:N0} | {r.Counts[Outcome.Crash]:N0} | {r.Counts[Outcome.PartialChange]:N0} | {(r.Seconds > 0 ? r.Inputs / r.Seconds : 0):N0} |\n");
        }

        return sb.ToString();
    }

    private static FuzzStats Sum(IReadOnlyList<FuzzStats> results)
    {
        var all = new FuzzStats { Target = "**all**" };
        foreach (FuzzStats r in results)
        {
            all.Add(r);
        }

        all.Findings.Clear();
        return all;
    }

    private static int Report(List<FuzzStats> results, ulong seed, string? outDir)
    {
        string table = Table(results, seed);
        Console.WriteLine(table);
        foreach (string f in results.SelectMany(r => r.Findings).Take(100))
        {
            Console.WriteLine("- " + f);
        }

        if (outDir != null)
        {
            Directory.CreateDirectory(outDir);
            File.WriteAllText(Path.Combine(outDir, "results.md"), table + string.Concat(results.SelectMany(r => r.Findings).Select(f => "- " + f + "\n")));
            File.WriteAllText(Path.Combine(outDir, "results.json"), new JsonArray(results.Select(r => (JsonNode?)ToJson(r)).ToArray()).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        return results.Sum(r => r.Bad) == 0 ? 0 : 1;
    }
}
