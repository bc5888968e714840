using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using MLNet.Optimizers.Cli;
using MLNet.Optimizers.Cli.Output;

namespace MLNet.Optimizers.Fuzz;

/// <summary>A run of <c>mlnet-opt</c> that ended with one of its documented failure exit codes (1, 64, 65, 66, 69, 73).</summary>
public sealed class CliExitException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">The exit code.</param>
    /// <param name="stderr">What the run wrote to stderr.</param>
    public CliExitException(int code, string stderr)
        : base(string.Create(CultureInfo.InvariantCulture, $"exit {code}: {stderr.Trim()}"))
    {
        Code = code;
        Stderr = stderr;
    }

    /// <summary>The exit code.</summary>
    public int Code { get; }

    /// <summary>stderr.</summary>
    public string Stderr { get; }
}

/// <summary>A run of <c>mlnet-opt</c> that ended with an exit code it does not document for a bad command line: 70 (internal error) or any other.</summary>
public sealed class CliUnexpectedExitException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">The exit code.</param>
    /// <param name="stderr">What the run wrote to stderr.</param>
    public CliUnexpectedExitException(int code, string stderr)
        : base(string.Create(CultureInfo.InvariantCulture, $"exit {code}: {stderr.Trim()}"))
    {
        Code = code;
    }

    /// <summary>The exit code.</summary>
    public int Code { get; }
}

/// <summary>The command-line tool's arguments as a fuzz target.</summary>
public static partial class Targets
{
    /// <summary>The exit codes a bad command line may end with (the tool's documented codes, <c>ExitCodes</c>): the work failed (1), usage (64), data (65), no input (66), provider unavailable (69), cannot write (73).</summary>
    private static readonly Dictionary<int, string> DocumentedExits = new()
    {
        [ExitCodes.Failure] = "failure",
        [ExitCodes.Usage] = "usage",
        [ExitCodes.DataError] = "data error",
        [ExitCodes.NoInput] = "no input",
        [ExitCodes.Unavailable] = "unavailable",
        [ExitCodes.CannotCreate] = "cannot create",
    };

    /// <summary>The files every input finds in its working folder, made once when the target is created.</summary>
    private static readonly string[] CliInputFiles = { "kinds.csv", "prices.csv", "model.zip", "config.json", "resume.ckpt" };

    /// <summary>
    /// Command lines the tool accepts, over the files of <see cref="CliInputFiles"/> (relative paths: an input is the same
    /// in every process): every verb, nearly every flag, a recipe file, checkpoints and a resume.
    /// </summary>
    private static readonly string[][] CliSeeds =
    {
        new[]
        {
            "train", "-d", "kinds.csv", "-l", "kind", "--task", "multiclass", "--model", "mlp", "--hidden", "4,3", "--activation", "tanh", "--dropout", "0.1",
            "--epochs", "3", "--batch-size", "8", "--holdout-fraction", "0.2", "--selection-fraction", "0.2", "--patience", "2", "--keep", "best-metric",
            "--refit", "--normalize", "min-max", "--ignore", "id", "--categorical", "size", "--missing-values", "NA", "--impute", "zero", "--seed", "3",
            "--compute", "managed", "--optimizer", "lion", "--lr", "0.003", "--wd", "0.01", "-o", "out-a", "--no-report",
        },
        new[] { "train", "--config", "config.json", "--data", "kinds.csv", "-o", "out-b", "--epochs", "1", "--quiet", "--no-report" },
        new[]
        {
            "train", "--data", "prices.csv", "--label", "price", "--separator", ";", "--decimal-separator", ",", "--model", "linear", "--epochs", "2",
            "--optimizer", "adamw:lr=0.01", "--checkpoint", "out-c.ckpt", "--checkpoint-every", "2", "--patience", "none", "--selection-fraction", "0",
            "--task", "regression", "--normalize", "robust", "--output", "out-c", "--quiet", "--no-report",
        },
        new[] { "evaluate", "--model", "model.zip", "--data", "kinds.csv", "--json", "-q" },
        new[] { "evaluate", "--model", "model.zip", "--data", "kinds.csv", "--report", "eval.html" },
        new[] { "predict", "--model", "model.zip", "--data", "kinds.csv", "-o", "predictions.csv", "-q" },
        new[] { "predict", "--model", "model.zip", "--data", "kinds.csv", "--separator", "," },
        new[] { "compare", "-d", "kinds.csv", "-l", "kind", "--optimizers", "lion,adamw", "--epochs", "1", "--hidden", "2", "--ignore", "id", "-o", "out-g", "--quiet", "--no-report", "--compute", "managed" },
        new[] { "sweep", "-d", "kinds.csv", "-l", "kind", "--trials", "2", "--max-epochs", "2", "--eta", "2", "--optimizers", "lion", "--ignore", "id", "-o", "out-h", "--quiet", "--no-report", "--compute", "managed" },
        new[] { "sweep", "-d", "kinds.csv", "-l", "kind", "--trials", "2", "--max-epochs", "1", "--cv", "2", "--no-halving", "--optimizers", "sgd", "-o", "out-i", "--quiet", "--no-report" },
        ResumeSeed(withResume: true),
        new[] { "train", "--help" },
        new[] { "--version" },
    };

    /// <summary>A checkpointed run (the setup writes resume.ckpt with it) and the same command resuming from that checkpoint.</summary>
    private static string[] ResumeSeed(bool withResume)
    {
        var a = new List<string> { "train", "-d", "kinds.csv", "-l", "kind", "--epochs", "3", "--hidden", "3", "--batch-size", "8", "--ignore", "id", "--compute", "managed", "--checkpoint", "resume.ckpt", "--checkpoint-every", "2", "-o", "out-r", "--quiet", "--no-report" };
        if (withResume)
        {
            a.AddRange(new[] { "--resume", "resume.ckpt" });
        }

        return a.ToArray();
    }

    /// <summary>A small multiclass file: an id, three numbers (one with NA), a category and the class.</summary>
    private static string KindsCsv()
    {
        var sb = new StringBuilder("id,a,b,size,color,kind\n");
        string[] kinds = { "x", "y", "z" }, colors = { "red", "green", "blue" };
        for (int i = 0; i < 30; i++)
        {
            double a = Math.Round(Math.Sin(i) * 3 + (i % 3), 2), b = Math.Round(Math.Cos(i * 0.7) * 2, 2);
            string bText = i % 11 == 5 ? "NA" : b.ToString(CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture, $"{i + 1},{a},{bText},{i % 4},{colors[(i * 7) % 3]},{kinds[i % 3]}\n");
        }

        return sb.ToString();
    }

    /// <summary>A small regression file with semicolons and decimal commas.</summary>
    private static string PricesCsv()
    {
        var sb = new StringBuilder("x;y;price\n");
        for (int i = 0; i < 24; i++)
        {
            double x = Math.Round(i * 0.37 % 5, 2), y = Math.Round(Math.Cos(i) * 4, 2);
            sb.Append(CultureInfo.InvariantCulture, $"{x.ToString(CultureInfo.InvariantCulture).Replace('.', ',')};{y.ToString(CultureInfo.InvariantCulture).Replace('.', ',')};{(10 + (3 * x) - y).ToString("0.##", CultureInfo.InvariantCulture).Replace('.', ',')}\n");
        }

        return sb.ToString();
    }

    /// <summary>
    /// <c>mlnet-opt</c>'s arguments, in-process through <c>CliApp.Run</c> (the entry point <c>Main</c> calls) with
    /// captured streams. Exit 0 is accepted; 1, 64, 65, 66, 69 and 73 are documented rejections (counted by code), whose
    /// stderr must end with exactly one <c>mlnet-opt: error: ...</c> line and hold no stack trace; exit 70 (internal
    /// error), any other code, or an exception out of the entry point is unexpected.
    /// </summary>
    /// <remarks>
    /// Every input runs in a working folder three levels below the target's sandbox (so relative paths such as
    /// <c>../../etc/passwd</c> stay inside it), holding the files the seeds name; before each input everything else in
    /// the sandbox is deleted and those files are restored, so no input sees another's outputs. The current directory of
    /// the process is set to that folder for the input.
    /// </remarks>
    /// <returns>The target.</returns>
    public static FuzzTarget CliArguments()
    {
        string sandbox = TempFolder("cli");
        string work = Path.Combine(sandbox, "w", "a", "b");
        Directory.CreateDirectory(work);
        var keep = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["kinds.csv"] = Encoding.UTF8.GetBytes(KindsCsv()),
            ["prices.csv"] = Encoding.UTF8.GetBytes(PricesCsv()),
        };
        foreach ((string name, byte[] bytes) in keep)
        {
            File.WriteAllBytes(Path.Combine(work, name), bytes);
        }

        lock (CliGate)
        {
            Environment.CurrentDirectory = work;
            RunCli(new[] { "train", "-d", "kinds.csv", "-l", "kind", "--epochs", "2", "--hidden", "3", "--ignore", "id", "--compute", "managed", "-o", "setup", "--quiet", "--no-report" }, mustSucceed: true);
            RunCli(ResumeSeed(withResume: false), mustSucceed: true);
        }

        keep["model.zip"] = File.ReadAllBytes(Path.Combine(work, "setup", "model.zip"));
        keep["config.json"] = File.ReadAllBytes(Path.Combine(work, "setup", "config.json"));
        keep["resume.ckpt"] = File.ReadAllBytes(Path.Combine(work, "resume.ckpt"));
        if (!CliInputFiles.All(keep.ContainsKey))
        {
            throw new InvalidOperationException("the CLI target's setup is incomplete");
        }

        return new FuzzTarget
        {
            Name = "cli-arguments",
            Format = InputFormat.Arguments,
            Seeds = CliSeeds.Select(Mutators.EncodeArguments).ToArray(),
            Documented = new[] { typeof(CliExitException) },
            RejectionName = e => e is CliExitException x ? string.Create(CultureInfo.InvariantCulture, $"exit {x.Code} ({DocumentedExits[x.Code]})") : e.GetType().Name,
            MessageCheck = e => e is CliExitException x && OneErrorLine(x.Stderr),
            ExhaustiveTruncationLimit = 0,
            Run = (input, check) =>
            {
                string[] args = Mutators.DecodeArguments(input.Bytes);

                // The gate is held by another input only after a hang (already counted; its thread still runs) or while
                // another instance of this target is set up: wait for the latter, do not queue behind the former.
                bool gated = Monitor.TryEnter(CliGate, Fuzzer.HangLimit / 2);
                try
                {
                    ResetSandbox(sandbox, work, keep);
                    if (!string.Equals(Environment.CurrentDirectory, work, StringComparison.Ordinal))
                    {
                        Environment.CurrentDirectory = work;
                    }

                    (int code, _, string stderr) = RunCli(args, mustSucceed: false);

                    // Issue 18 #7: an argument holding a NUL character is a usage error (64), whatever the verb or flag.
                    if (code != ExitCodes.Usage && args.FirstOrDefault(a => a.Contains('\0', StringComparison.Ordinal)) is string nul)
                    {
                        throw new CliUnexpectedExitException(code, $"not 64 (usage) for a command line with a NUL character in '{nul.Replace("\0", "\\0", StringComparison.Ordinal)}': {stderr}");
                    }

                    if (code == ExitCodes.Ok)
                    {
                        if (stderr.Contains("mlnet-opt: error:", StringComparison.Ordinal))
                        {
                            check.Fail("exit 0 with an error line on stderr: " + FuzzCheck.OneLine(stderr));
                        }

                        return;
                    }

                    if (DocumentedExits.ContainsKey(code))
                    {
                        throw new CliExitException(code, stderr);
                    }

                    throw new CliUnexpectedExitException(code, stderr);
                }
                finally
                {
                    if (gated)
                    {
                        Monitor.Exit(CliGate);
                    }
                }
            },
        };
    }

    /// <summary>One CLI run (or target setup) at a time per process: the working folder is the process's current directory.</summary>
    private static readonly object CliGate = new();

    private static (int Code, string Stdout, string Stderr) RunCli(string[] args, bool mustSucceed)
    {
        var stdout = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var stderr = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        int code = CliApp.Run(args, new CliConsole(stdout, stderr, width: 100), CancellationToken.None);
        if (mustSucceed && code != ExitCodes.Ok)
        {
            throw new InvalidOperationException($"the CLI target's setup run '{string.Join(' ', args)}' exited {code}: {stderr}");
        }

        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>stderr of a failed run: exactly one <c>mlnet-opt: error: </c> line, the last one, with a reason and no stack trace.</summary>
    private static bool OneErrorLine(string stderr)
    {
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        const string Prefix = "mlnet-opt: error: ";
        return lines.Length > 0
            && lines.Count(l => l.Contains("mlnet-opt: error:", StringComparison.Ordinal)) == 1
            && lines[^1].StartsWith(Prefix, StringComparison.Ordinal)
            && lines[^1].Length > Prefix.Length + 5
            && !lines.Any(l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) && l.Contains(" in ", StringComparison.Ordinal))
            && !stderr.Contains("internal error", StringComparison.Ordinal);
    }

    /// <summary>Deletes everything in the sandbox but the working folder's input files, and restores those that an input changed.</summary>
    private static void ResetSandbox(string sandbox, string work, Dictionary<string, byte[]> keep)
    {
        string fullWork = Path.GetFullPath(work);
        foreach (string entry in Directory.EnumerateFileSystemEntries(sandbox, "*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 }))
        {
            Clean(entry, fullWork, keep);
        }

        Directory.CreateDirectory(work);
        foreach ((string name, byte[] bytes) in keep)
        {
            string path = Path.Combine(work, name);
            var info = new FileInfo(path);
            if (!info.Exists || info.Length != bytes.Length || !File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, true);
                }

                File.WriteAllBytes(path, bytes);
            }
        }
    }

    private static void Clean(string entry, string fullWork, Dictionary<string, byte[]> keep)
    {
        string full = Path.GetFullPath(entry);
        bool isDir = Directory.Exists(full) && !new FileInfo(full).Attributes.HasFlag(FileAttributes.ReparsePoint);
        if (isDir && (fullWork + Path.DirectorySeparatorChar).StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            // A folder on the way to the working folder (or the working folder itself): clean inside it.
            foreach (string child in Directory.EnumerateFileSystemEntries(full, "*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 }))
            {
                if (string.Equals(full, fullWork, StringComparison.Ordinal) && keep.ContainsKey(Path.GetFileName(child)) && File.Exists(child))
                {
                    continue;
                }

                Clean(child, fullWork, keep);
            }

            return;
        }

        if (isDir)
        {
            Directory.Delete(full, true);
        }
        else
        {
            File.Delete(full);
        }
    }
}
