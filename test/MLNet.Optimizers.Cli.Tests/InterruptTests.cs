using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Cli.Output;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary>Interrupting <c>train</c>: SIGTERM to a child process cleans up and says so; a checkpointed run resumes to the same model bits.</summary>
[TestClass]
public sealed class InterruptTests
{
    [TestMethod]
    public void SigtermDuringTrainRemovesTheOutputFolderItCreatedAndSaysSo()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Inconclusive("POSIX signals only.");
        }

        using var dir = new TempDir();
        string output = dir["out"];
        string cli = Path.Combine(AppContext.BaseDirectory, "mlnet-opt.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { cli, "train", "--data", Cli.DataFile("breast_cancer.csv"), "--label", "diagnosis", "--epochs", "1000000", "--patience", "none", "--compute", "managed", "--no-report", "-o", output })
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        System.Threading.Tasks.Task<string> stdout = p.StandardOutput.ReadToEndAsync();

        // Wait until training runs (its first epoch line), then send SIGTERM as a service manager would.
        string? line;
        var seen = new System.Text.StringBuilder();
        while ((line = p.StandardError.ReadLine()) != null)
        {
            seen.AppendLine(line);
            if (line.Contains("  epoch ", StringComparison.Ordinal))
            {
                break;
            }
        }

        Assert.IsNotNull(line, "training started: " + seen);
        Assert.IsTrue(Directory.Exists(output), "the run created its output folder");
        Assert.AreEqual(0, Kill(p.Id, 15), "SIGTERM sent");
        string rest = p.StandardError.ReadToEnd();
        Assert.IsTrue(p.WaitForExit(120_000), "the tool exits after SIGTERM");
        Assert.AreEqual(ExitCodes.Terminated, p.ExitCode, rest);
        string error = rest.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        StringAssert.StartsWith(error, "mlnet-opt: error: interrupted by SIGTERM: no model was written; removed the output folder");
        Assert.IsFalse(Directory.Exists(output), "the folder it had created is gone");
        _ = stdout.Result;
    }

    [TestMethod]
    public void AnInterruptedCheckpointedRunResumesToTheSameModelBits()
    {
        using var dir = new TempDir();
        string[] args = ["train", "--data", Cli.DataFile("breast_cancer.csv"), "--label", "diagnosis", "--epochs", "14", "--patience", "6", "--compute", "managed", "--no-report"];
        Cli.Run([.. args, "--quiet", "-o", dir["whole"]]).Ok();

        // Interrupted after its fifth epoch line (Ctrl+C in-process), with a checkpoint every epoch and every 5 steps.
        string checkpoint = dir["run.ckpt"];
        using var cancel = new CancellationTokenSource();
        var stderr = new CancellingWriter(cancel, afterEpochLines: 3);
        int code = CliApp.Run([.. args, "--checkpoint", checkpoint, "--checkpoint-every", "5", "-o", dir["part"]], new CliConsole(new StringWriter(), stderr, width: 100), cancel.Token);
        Assert.AreEqual(ExitCodes.Cancelled, code, stderr.ToString());
        string error = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        StringAssert.Contains(error, $"the checkpoint '{checkpoint}' is kept: resume with the same command and --resume {checkpoint}");
        Assert.IsTrue(File.Exists(checkpoint));
        Assert.IsFalse(File.Exists(dir["part/model.zip"]));

        // The same command with --resume: the model of a run that never stopped, bit for bit.
        Cli.Run([.. args, "--quiet", "--checkpoint", checkpoint, "--checkpoint-every", "5", "--resume", checkpoint, "-o", dir["part"]]).Ok();
        CollectionAssert.AreEqual(File.ReadAllBytes(dir["whole/model.zip"]), File.ReadAllBytes(dir["part/model.zip"]), "resumed = never stopped");
    }

    /// <summary>
    /// Issue 15 "Kill and resume": the tool in a child process, SIGKILLed at three points during a checkpointed training
    /// (each after the checkpoint file has been replaced a given number of times since the run started: polled, not
    /// timed) and resumed each time with the same command and <c>--resume</c>, ends with a model.zip byte-identical to an
    /// uninterrupted run with the same seed; no temporary file is left beside the checkpoint.
    /// </summary>
    [TestMethod]
    public void SigkilledThreeTimesAndResumedGivesTheModelZipOfAnUninterruptedRun()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Inconclusive("POSIX signals only.");
        }

        using var dir = new TempDir();
        string checkpoint = dir["run.ckpt"];
        string[] args = ["train", "--data", Cli.DataFile("breast_cancer.csv"), "--label", "diagnosis", "--hidden", "8", "--epochs", "20", "--patience", "none", "--batch-size", "32", "--seed", "9", "--compute", "managed", "--no-report"];
        string[] checkpointing = ["--checkpoint", checkpoint, "--checkpoint-every", "3"];

        // The uninterrupted run (with the same checkpoint flags, into a checkpoint of its own).
        Assert.AreEqual(0, Child([.. args, "--checkpoint", dir["whole.ckpt"], "--checkpoint-every", "3", "-o", dir["whole"]], killAfterCheckpoints: 0, checkpoint: null).Code, "uninterrupted run");

        // Killed after 6, 8 and 10 replacements of the checkpoint (13 steps an epoch: 4-5 checkpoints; with 20 epochs
        // every epoch prints its line); the first run starts fresh, the others resume, and each resumed run's first epoch
        // line is later than the previous run's (it continued, it did not start over).
        int[] killPoints = [6, 8, 10];
        int firstEpoch = 0;
        for (int k = 0; k < killPoints.Length; k++)
        {
            string[] run = k == 0 ? [.. args, .. checkpointing, "-o", dir["part"]] : [.. args, .. checkpointing, "--resume", checkpoint, "-o", dir["part"]];
            (int code, string err) = Child(run, killPoints[k], checkpoint);
            Assert.AreEqual(137, code, $"kill {k + 1} landed while the child was training (exit 128 + SIGKILL): {err}");
            int epoch = FirstEpochLine(err);
            Assert.IsGreaterThan(firstEpoch, epoch, $"run {k + 1} started at epoch {epoch}, after the previous run's {firstEpoch}: {err}");
            firstEpoch = epoch;
            Assert.IsTrue(File.Exists(checkpoint), $"kill {k + 1}: the checkpoint survives the kill");
            Assert.IsFalse(File.Exists(dir["part/model.zip"]), $"kill {k + 1}: no model yet");
        }

        (int last, string lastErr) = Child([.. args, .. checkpointing, "--resume", checkpoint, "-o", dir["part"]], killAfterCheckpoints: 0, checkpoint: null);
        Assert.AreEqual(0, last, "the last resume finishes");
        Assert.IsGreaterThan(firstEpoch, FirstEpochLine(lastErr), "the last run resumed too: " + lastErr);
        CollectionAssert.AreEqual(File.ReadAllBytes(dir["whole/model.zip"]), File.ReadAllBytes(dir["part/model.zip"]), "killed three times and resumed = never stopped, byte for byte");
        string[] temporaries = Directory.GetFiles(dir.Path, "*" + global::MLNet.Optimizers.IO.AtomicFile.TempSuffix, SearchOption.AllDirectories);
        Assert.IsEmpty(temporaries, "temporary files left: " + string.Join(", ", temporaries));
    }

    /// <summary>Runs the tool in a child process; when <paramref name="killAfterCheckpoints"/> &gt; 0, SIGKILLs it once the checkpoint file has been replaced that many times. Returns the exit code and stderr.</summary>
    private static (int Code, string Stderr) Child(string[] args, int killAfterCheckpoints, string? checkpoint)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "mlnet-opt.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(cli);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // The checkpoint's identity before the child starts (the atomic writer renames a new file over it: a new write time).
        long Stamp() => checkpoint != null && File.Exists(checkpoint) ? File.GetLastWriteTimeUtc(checkpoint).Ticks : 0;
        long last = Stamp();
        using Process p = Process.Start(psi)!;
        System.Threading.Tasks.Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        System.Threading.Tasks.Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (killAfterCheckpoints > 0)
        {
            int seen = 0;
            while (seen < killAfterCheckpoints && !p.HasExited)
            {
                long now = Stamp();
                if (now != last)
                {
                    seen++;
                    last = now;
                }
                else
                {
                    Thread.Sleep(1);
                }
            }

            Assert.IsFalse(p.HasExited, $"the child finished (exit {(p.HasExited ? p.ExitCode : 0)}) before the checkpoint was replaced {killAfterCheckpoints} times: {stderr.Result}");
            p.Kill();
        }

        Assert.IsTrue(p.WaitForExit(300_000), "the child exits");
        p.WaitForExit();
        string err = stderr.Result;
        _ = stdout.Result;
        if (killAfterCheckpoints == 0)
        {
            Assert.AreEqual(0, p.ExitCode, err);
        }

        return (p.ExitCode, err);
    }

    /// <summary>The epoch number of the first progress line ("  epoch N/M  ") of a run's stderr, or 0.</summary>
    private static int FirstEpochLine(string stderr)
    {
        System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(stderr, "  epoch +(\\d+)/");
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>stderr that presses Ctrl+C once it has received a number of epoch progress lines.</summary>
    private sealed class CancellingWriter : StringWriter
    {
        private readonly CancellationTokenSource _cancel;
        private readonly int _after;
        private int _lines;

        public CancellingWriter(CancellationTokenSource cancel, int afterEpochLines)
            : base(CultureInfo.InvariantCulture)
        {
            _cancel = cancel;
            _after = afterEpochLines;
            NewLine = "\n";
        }

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains("  epoch ", StringComparison.Ordinal) == true && ++_lines == _after)
            {
                _cancel.Cancel();
            }
        }
    }
}
