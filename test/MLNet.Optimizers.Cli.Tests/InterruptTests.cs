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
