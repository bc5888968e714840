using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Cli.Output;

namespace MLNet.Optimizers.Cli.Tests;

/// <summary>The outcome of one in-process run of the tool.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="Stdout">Everything written to stdout.</param>
/// <param name="Stderr">Everything written to stderr.</param>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>stderr's non-empty lines.</summary>
    public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Asserts success (with the streams in the message).</summary>
    public CliResult Ok()
    {
        Assert.AreEqual(0, ExitCode, $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        return this;
    }

    /// <summary>Asserts a failure with exactly one line on stderr, prefixed "mlnet-opt: error: ", and returns that line.</summary>
    public string FailsWith(int exitCode)
    {
        Assert.AreEqual(exitCode, ExitCode, $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        string[] lines = Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, "stderr must be exactly one line:\n" + Stderr);
        StringAssert.StartsWith(lines[0], "mlnet-opt: error: ");
        Assert.DoesNotContain("error", Stdout, "the reason belongs on stderr, not stdout");
        return lines[0];
    }
}

/// <summary>Runs the tool in-process with captured streams.</summary>
internal static class Cli
{
    /// <summary>The bundled sample data folder next to the test assembly.</summary>
    public static string DataFile(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    /// <summary>Runs with redirected (non-terminal) stdout and stderr.</summary>
    public static CliResult Run(params string[] args) => Run(errorIsTerminal: false, args);

    /// <summary>Runs with stderr presented as a terminal or not.</summary>
    public static CliResult Run(bool errorIsTerminal, params string[] args) => Run(errorIsTerminal, CancellationToken.None, args);

    /// <summary>Runs with a cancellation token (Ctrl+C).</summary>
    public static CliResult Run(bool errorIsTerminal, CancellationToken cancellationToken, params string[] args) => RunWidth(100, errorIsTerminal, cancellationToken, args);

    /// <summary>Runs with the output laid out for a terminal of <paramref name="width"/> columns.</summary>
    public static CliResult RunWidth(int width, bool errorIsTerminal, CancellationToken cancellationToken, params string[] args)
    {
        var stdout = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var stderr = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        int code = CliApp.Run(args, new CliConsole(stdout, stderr, outputIsTerminal: false, errorIsTerminal: errorIsTerminal, width: width), cancellationToken);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// Runs test/MLNet.Optimizers.MLNet.DeployCheck (a program that references Microsoft.ML only) in its own process and
    /// returns its output lines without the last; asserts that it succeeded and loaded no MLNet.Optimizers assembly.
    /// </summary>
    public static string[] RunDeployCheck(params string[] args)
    {
        var dirInfo = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = dirInfo.Name, configuration = dirInfo.Parent!.Name;
        string testRoot = dirInfo.Parent.Parent!.Parent!.Parent!.FullName;
        string checker = Path.Combine(testRoot, "MLNet.Optimizers.MLNet.DeployCheck", "bin", configuration, tfm, "MLNet.Optimizers.MLNet.DeployCheck.dll");
        Assert.IsTrue(File.Exists(checker), $"deploy check built at {checker}");
        Assert.DoesNotContain("MLNet.Optimizers.MLNet\"", File.ReadAllText(Path.ChangeExtension(checker, ".deps.json")), "the checker references Microsoft.ML only");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(checker);
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using System.Diagnostics.Process p = System.Diagnostics.Process.Start(psi)!;
        System.Threading.Tasks.Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.IsTrue(p.WaitForExit(120_000), "the checker finished");
        Assert.AreEqual(0, p.ExitCode, "checker failed: " + err.Result);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.AreEqual("assemblies: ", lines[^1], "no MLNet.Optimizers assembly was loaded by the checker");
        return lines[..^1];
    }

    /// <summary>Every entry of a zip file (name → bytes).</summary>
    public static Dictionary<string, byte[]> ZipEntries(string path)
    {
        using var archive = System.IO.Compression.ZipFile.OpenRead(path);
        var d = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (System.IO.Compression.ZipArchiveEntry e in archive.Entries)
        {
            using Stream s = e.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            d[e.FullName] = ms.ToArray();
        }

        return d;
    }

    /// <summary>Text as a terminal shows it: escape sequences removed, each carriage-return-overwritten line as its last state.</summary>
    public static string[] ScreenLines(string text)
    {
        string plain = System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;?]*[A-Za-z]|\u001b\\][^\u0007]*\u0007", string.Empty);
        return plain.Split('\n').Select(l => l.Split('\r').Last()).ToArray();
    }

    /// <summary>Reads a JSON file.</summary>
    public static JsonObject Json(string path) => (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;

    /// <summary>Reads a CSV file written by the tool (no quoted separators in these tests).</summary>
    public static (string[] Header, List<string[]> Rows) ReadCsv(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (lines[0].Split(','), lines.Skip(1).Select(l => l.Split(',')).ToList());
    }
}

/// <summary>A temporary folder removed at dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mlnet-opt-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string this[string name] => System.IO.Path.Combine(Path, name);

    /// <summary>Writes a file inside the folder and returns its path.</summary>
    public string Write(string name, string content)
    {
        string p = this[name];
        File.WriteAllText(p, content);
        return p;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
