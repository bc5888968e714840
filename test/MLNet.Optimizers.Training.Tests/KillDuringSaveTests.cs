using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.IO;
using MLNet.Optimizers.SaveChild;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>
/// Nothing half-done: a child process saves the same file again and again with one of the library's writers and is
/// SIGKILLed at a random moment (seeded; every other kill right after a save opened its temporary file); the target is then the old file or the complete new one, and the next save
/// of the same target leaves no temporary file behind. 12 kills for each of the three writers.
/// </summary>
[TestClass]
public sealed class KillDuringSaveTests
{
    private const int KillsPerWriter = 12;

    [TestMethod]
    [DataRow("optimizer", DisplayName = "SIGKILL during Optimizer.SaveState(path), 12 times")]
    [DataRow("trainer", DisplayName = "SIGKILL during trainer checkpoints, 12 times")]
    [DataRow("text", DisplayName = "SIGKILL during AtomicFile.Write (reports and text), 12 times")]
    public void AKilledSaveLeavesTheOldOrTheNewFileAndTheNextSaveCleansUp(string writer)
    {
        using var dir = new TempFolder();
        string target = dir["target.bin"];
        var rng = new Random(writer.Length * 7919);
        int killedMidSave = 0;
        for (int kill = 0; kill < KillsPerWriter; kill++)
        {
            // Even kills at an arbitrary moment of the save loop; odd ones as soon as a save has its temporary file open.
            RunAndKill(writer, target, dir.Path, waitForSave: kill % 2 == 1, rng.Next(0, kill % 2 == 1 ? 3 : 120));
            string what = $"{writer}, kill {kill + 1}";
            Assert.IsTrue(File.Exists(target), $"{what}: the target exists (it did before the kill)");
            Verify(writer, target, what);
            string[] temps = Temporaries(dir.Path);
            if (temps.Length > 0)
            {
                killedMidSave++;
            }

            Assert.IsLessThanOrEqualTo(1, temps.Length, $"{what}: at most the killed save's temporary file: {string.Join(", ", temps)}");
        }

        // The next save of the same target, in this process, removes what the killed saves left.
        Save(writer, target);
        Verify(writer, target, writer + ", after the next save");
        Assert.IsEmpty(Temporaries(dir.Path), $"{writer}: no temporary file is left after the next save");
        Console.WriteLine($"{writer}: {KillsPerWriter} kills, {killedMidSave} during a save (a temporary file was left)");
        Assert.IsGreaterThan(0, killedMidSave, $"{writer}: at least one of the {KillsPerWriter} kills landed during a save (else this test tested nothing)");
    }

    private static string[] Temporaries(string folder) => Directory.GetFiles(folder).Select(Path.GetFileName).Where(f => f!.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal)).ToArray()!;

    private static void RunAndKill(string writer, string target, string folder, bool waitForSave, int delayMs)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ChildPath());
        psi.ArgumentList.Add(writer);
        psi.ArgumentList.Add(target);
        using Process p = Process.Start(psi)!;
        string? line = p.StandardOutput.ReadLine();
        if (line != "ready")
        {
            p.Kill();
            Assert.Fail($"the child did not get ready: '{line}' {p.StandardError.ReadToEnd()}");
        }

        if (waitForSave)
        {
            var watch = Stopwatch.StartNew();
            string[] before = Temporaries(folder);
            while (watch.Elapsed < TimeSpan.FromSeconds(20) && Temporaries(folder).Except(before).FirstOrDefault() is null)
            {
                System.Threading.Thread.Sleep(1);
            }
        }

        System.Threading.Thread.Sleep(delayMs);
        p.Kill(entireProcessTree: false); // SIGKILL on Unix
        p.WaitForExit();
    }

    private static void Verify(string writer, string target, string what)
    {
        switch (writer)
        {
            case "optimizer":
                Optimizer o = SaveChildShapes.Optimizer();
                o.Build(SaveChildShapes.OptimizerParameters());
                o.LoadState(target);
                Assert.IsGreaterThanOrEqualTo(1L, o.Iterations, what);
                break;
            case "trainer":
                Frame f = FramedFile.ReadFile(target, "MLNTRNCK", 2, what);
                Assert.AreEqual(2, f.Version, what);
                break;
            default:
                string text = File.ReadAllText(target);
                string first = text[..text.IndexOf('\n', StringComparison.Ordinal)];
                long gen = long.Parse(first["gen ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                Assert.AreEqual(SaveChildShapes.Text(gen), text, $"{what}: generation {gen} complete");
                break;
        }
    }

    private static void Save(string writer, string target)
    {
        switch (writer)
        {
            case "optimizer":
                Optimizer o = SaveChildShapes.Optimizer();
                Parameter[] vars = SaveChildShapes.OptimizerParameters();
                o.Build(vars);
                o.Apply(new ReadOnlyMemory<float>?[] { new float[vars[0].Length] });
                o.SaveState(target);
                break;
            case "trainer":
                DenseTable data = TrainerTests.Synthetic(TaskKind.Regression, 32, 1);
                var model = new NeuralModel(data.FeatureCount, new ModelOptions { Task = TaskKind.Regression }, 1);
                Trainer.Fit(model, new Lion(1e-3), new InMemoryBatchSource(data, 16, false, 1), null, new TrainerOptions { Epochs = 1, BatchSize = 16, Blas = new ManagedBlasProvider(), CheckpointPath = target });
                break;
            default:
                AtomicFile.WriteAllText(target, SaveChildShapes.Text(1));
                break;
        }
    }

    private static string ChildPath()
    {
        // test/MLNet.Optimizers.Training.Tests/bin/<Configuration>/<tfm>/ -> test/MLNet.Optimizers.SaveChild/bin/<Configuration>/<tfm>/
        var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = dir.Name, configuration = dir.Parent!.Name;
        string testRoot = dir.Parent.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(testRoot, "MLNet.Optimizers.SaveChild", "bin", configuration, tfm, "MLNet.Optimizers.SaveChild.dll");
        Assert.IsTrue(File.Exists(path), "the save child is built at " + path);
        return path;
    }
}
