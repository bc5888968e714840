using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace MLNet.Optimizers.Fuzz.Tests;

/// <summary>
/// The CI part of the fuzz campaign: 10,000 seeded mutations of valid files per parser, with 0 unexpected exception
/// types, 0 hangs and 0 partial state changes; and tests of the fuzzer itself (it sees each bad outcome, it is
/// deterministic, its mutators produce every mutation they name). <c>bash build/fuzz.sh N</c> runs long campaigns.
/// </summary>
[TestClass]
public sealed class FuzzTests
{
    private const int InputsPerParser = 10_000;

    public static IEnumerable<object[]> Parsers() => Targets.All.Select(t => new object[] { t.Name });

    public static string ParserName(System.Reflection.MethodInfo m, object[] d) => $"fuzz {d[0]}: {InputsPerParser:N0} mutated inputs";

    [TestMethod]
    [DynamicData(nameof(Parsers), DynamicDataDisplayName = nameof(ParserName))]
    public void EveryParserSurvivesTenThousandMutatedInputs(string name)
    {
        FuzzTarget target = Targets.Create(name);
        FuzzStats s = Fuzzer.Run(target, Program.DefaultSeed, 0, InputsPerParser, Program.Budget(target, InputsPerParser));
        string summary = Program.Table(new[] { s }, Program.DefaultSeed) + string.Join("\n", s.Findings);
        Console.WriteLine(summary);
        Assert.AreEqual(InputsPerParser, s.Inputs, summary);
        Assert.AreEqual(0, s.Counts[Outcome.Unexpected], summary);
        Assert.AreEqual(0, s.Counts[Outcome.Hang], summary);
        Assert.AreEqual(0, s.Counts[Outcome.PartialChange], summary);
        Assert.IsGreaterThan(InputsPerParser / 100, s.Counts[Outcome.Accepted], "some mutations keep the input valid (else the fuzzer only scratches the surface): " + summary);
        Assert.IsGreaterThan(InputsPerParser / 2, s.Counts[Outcome.Rejected], summary);
    }

    [TestMethod]
    public void TheFuzzerSeesEveryKindOfBadOutcome()
    {
        FuzzTarget target = Targets.Create("selftest");
        FuzzStats s = Fuzzer.Run(target, 1, 0, 100, 0);
        Assert.AreEqual(100, s.Inputs);
        Assert.AreEqual(40, s.Counts[Outcome.Accepted], "indices 0, 1, 8 and 9 of each ten (no crash or hang in this variant)");
        Assert.AreEqual(20, s.Counts[Outcome.Rejected], "documented type with a named field");
        Assert.AreEqual(30, s.Counts[Outcome.Unexpected], "an undocumented type, an unnamed message, a follow-up that throws");
        Assert.AreEqual(10, s.Counts[Outcome.PartialChange], "state changed before the documented exception");
        Assert.IsTrue(s.Findings.Any(f => f.Contains("InvalidCastException", StringComparison.Ordinal)), string.Join("\n", s.Findings));
        Assert.IsTrue(s.Findings.Any(f => f.Contains("uninformative", StringComparison.Ordinal)));
        Assert.IsTrue(s.Findings.Any(f => f.Contains("accepted, then a follow-up threw FormatException", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void ASupervisedCampaignCountsCrashesAndHangsAndGoesOn()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mlnopt-fuzz-selftest-" + Guid.NewGuid().ToString("N"));
        try
        {
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["MLNET_FUZZ_HANG_SECONDS"] = "0.5";
            foreach (string a in new[] { typeof(Targets).Assembly.Location, "campaign", "--targets", "selftest-crash", "--inputs", "20", "--chunk", "20", "--seed", "1", "--out", dir })
            {
                psi.ArgumentList.Add(a);
            }

            using Process p = Process.Start(psi)!;
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            Assert.IsTrue(p.WaitForExit(120_000));
            Assert.AreEqual(1, p.ExitCode, "bad outcomes make the campaign fail:\n" + stdout + stderr);
            JsonObject r = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "results.json")))!.AsArray()[0]!.AsObject();
            JsonObject counts = r["counts"]!.AsObject();
            Assert.AreEqual(20, r["inputs"]!.GetValue<long>(), "every input is counted once, the crashed and hung ones too:\n" + r);
            Assert.AreEqual(2, counts["Crash"]!.GetValue<long>(), "indices 8 and 18 kill the child:\n" + r);
            Assert.AreEqual(2, counts["Hang"]!.GetValue<long>(), "indices 9 (blocked: by wall-clock time) and 19 (spinning: by CPU time) never return:\n" + r);
            Assert.AreEqual(4, counts["Accepted"]!.GetValue<long>(), r.ToJsonString());
            StringAssert.Contains(File.ReadAllText(Path.Combine(dir, "results.md")), "| selftest-crash | 20 |");
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(Parsers))]
    public void InputsAreAFunctionOfSeedTargetAndIndex(string name)
    {
        FuzzTarget a = Targets.Create(name), b = Targets.Create(name);
        long budget = Program.Budget(a, InputsPerParser);
        for (long i = Math.Max(0, budget - 5); i < budget + 200; i++)
        {
            FuzzInput x = Fuzzer.Generate(a, 7, i, budget), y = Fuzzer.Generate(b, 7, i, budget);
            CollectionAssert.AreEqual(x.Bytes, y.Bytes, $"{name} #{i}");
            Assert.AreEqual(x.Mutation, y.Mutation);
        }

        Assert.IsFalse(Fuzzer.Generate(a, 7, budget + 1, budget).Bytes.AsSpan().SequenceEqual(Fuzzer.Generate(a, 8, budget + 1, budget).Bytes), "another seed, other inputs");
    }

    [TestMethod]
    public void TheFirstInputsAreEveryTruncationOfTheSmallSeeds()
    {
        FuzzTarget t = Targets.Create("idx-labels");
        long n = Fuzzer.TruncationCount(t);
        Assert.AreEqual(t.Seeds.Where(s => s.Length <= t.ExhaustiveTruncationLimit).Sum(s => (long)s.Length), n);
        var lengths = Enumerable.Range(0, (int)n).Select(i => Fuzzer.Generate(t, 1, i, n)).ToList();
        byte[] first = t.Seeds[0];
        for (int len = 0; len < first.Length; len++)
        {
            CollectionAssert.AreEqual(first[..len], lengths[len].Bytes, $"truncation at {len}");
        }
    }

    public static IEnumerable<object[]> Formats()
    {
        yield return new object[] { InputFormat.Binary, new[] { new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 } } };
        yield return new object[] { InputFormat.Framed, Targets.Create("optimizer-checkpoint").Seeds.ToArray() };
        yield return new object[] { InputFormat.Json, Targets.Create("keras-config").Seeds.ToArray() };
        yield return new object[] { InputFormat.Csv, new[] { Encoding.UTF8.GetBytes("a,b,label\n1,2.5,x\n3,4,y\n,6,x\n") } };
        yield return new object[] { InputFormat.Arguments, new[] { Mutators.EncodeArguments(new[] { "train", "--data", "d.csv", "--label", "y", "--epochs", "3" }) } };
    }

    public static string FormatName(System.Reflection.MethodInfo m, object[] d) => $"mutators of {d[0]} produce every mutation they name";

    [TestMethod]
    [DynamicData(nameof(Formats), DynamicDataDisplayName = nameof(FormatName))]
    public void TheMutatorsProduceEveryMutationTheyName(InputFormat format, byte[][] seeds)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int changed = 0;
        for (int i = 0; i < 4000; i++)
        {
            var rng = new FuzzRandom(FuzzRandom.Derive(3, format.ToString(), i));
            byte[] seed = seeds[rng.Next(seeds.Length)];
            (byte[] bytes, string mutation) = Mutators.Mutate(format, seed, seeds[rng.Next(seeds.Length)], rng);
            foreach (string m in mutation.Split(" + "))
            {
                seen.Add(m);
            }

            changed += bytes.AsSpan().SequenceEqual(seed) ? 0 : 1;
            if (format == InputFormat.Arguments)
            {
                Mutators.DecodeArguments(bytes);
            }
        }

        CollectionAssert.IsSubsetOf(Mutators.Names[format], seen.ToArray(), $"missing: {string.Join(", ", Mutators.Names[format].Except(seen))}");
        Assert.IsGreaterThan(3600, changed, "almost every mutation changes its seed");
    }

    [TestMethod]
    public void CsvMutationsIncludeTheSpecialNumbersAndLineEnds()
    {
        byte[] seed = Encoding.UTF8.GetBytes("a,b\n1,2\n3,4\n");
        var texts = new List<string>();
        for (int i = 0; i < 3000; i++)
        {
            var rng = new FuzzRandom(FuzzRandom.Derive(5, "csv", i));
            texts.Add(Encoding.UTF8.GetString(Mutators.Csv(seed, seed, rng).Item1));
        }

        foreach (string expected in new[] { "NaN", "inf", "1e400", "\r\n", "\uFEFF", "\"a,b\"", "1,000" })
        {
            Assert.IsTrue(texts.Any(t => t.Contains(expected, StringComparison.Ordinal)), $"a CSV mutation contains {expected}");
        }

        Assert.IsTrue(texts.Any(t => t.Split('\n').Any(l => l.Length > 100_000)), "a very long line");
    }
}

/// <summary>Regression tests for the defects the fuzzer found, named after them.</summary>
[TestClass]
public sealed class FuzzFindingTests
{
    /// <summary>
    /// csv-inference #698 (seed 20261206): a header repeating one name 50,000 times took minutes in
    /// <c>CsvInference.Infer</c> (renaming restarted its suffix search at <c>_2</c> for every repeat: quadratic). Replayed
    /// through the fuzzer, it must now end (here: rejected, the rows are shorter than the header) within the hang limit.
    /// </summary>
    [TestMethod]
    public void CsvInference_AHeaderRepeatingOneName50000TimesIsNotAHang()
    {
        FuzzTarget target = Targets.Create("csv-inference");
        FuzzStats s = Fuzzer.Run(target, Program.DefaultSeed, 698, 1, Program.Budget(target, 10_000));
        FuzzInput input = Fuzzer.Generate(target, Program.DefaultSeed, 698, Program.Budget(target, 10_000));
        Assert.IsGreaterThan(50_000, System.Text.Encoding.UTF8.GetString(input.Bytes).Split('\n')[0].Split(',').Length, "the replayed input is the 50,000-column header");
        Assert.AreEqual(1, s.Counts[Outcome.Rejected], string.Join("\n", s.Findings));
    }

    /// <summary>The renaming that replaced the quadratic one gives the same names: the first free suffix from _2 on.</summary>
    [TestMethod]
    public void CsvInference_RepeatedHeaderNamesGetTheFirstFreeSuffix()
    {
        string path = Path.Combine(Path.GetTempPath(), "mlnopt-names-" + Guid.NewGuid().ToString("N") + ".csv");
        try
        {
            var sb = new StringBuilder("a,a_3,a,a,b,a,y\n");
            for (int i = 0; i < 30; i++)
            {
                sb.Append(i).Append(',').Append(i * 2).Append(',').Append(i % 7).Append(',').Append(i % 5).Append(',').Append(i % 3).Append(',').Append(i % 11).Append(',').Append(i % 2 == 0 ? "p" : "q").Append('\n');
            }

            File.WriteAllText(path, sb.ToString());
            global::MLNet.Optimizers.MLNet.Data.CsvInferenceResult r = global::MLNet.Optimizers.MLNet.Data.CsvInference.Infer(path, "y");
            CollectionAssert.AreEqual(new[] { "a", "a_3", "a_2", "a_4", "b", "a_5", "y" }, r.Columns.Select(c => c.Name).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
