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
    public static CliResult Run(bool errorIsTerminal, CancellationToken cancellationToken, params string[] args)
    {
        var stdout = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var stderr = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        int code = CliApp.Run(args, new CliConsole(stdout, stderr, outputIsTerminal: false, errorIsTerminal: errorIsTerminal, width: 100), cancellationToken);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
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
