using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;

[assembly: Parallelize(Workers = 2, Scope = ExecutionScope.ClassLevel)]

namespace MLNet.Optimizers.MLNet.Tests;

/// <summary>Comparison and inspection helpers (the data sets are in <see cref="SampleData"/>).</summary>
internal static class TestData
{
    public static float[] Floats(IDataView data, string column) => data.GetColumn<float>(column).ToArray();

    public static float[][] Vectors(IDataView data, string column) => data.GetColumn<float[]>(column).ToArray();

    public static void AssertBitsEqual(float[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what + ": row count");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(actual[i]), $"{what}: row {i}: {expected[i]} vs {actual[i]}");
        }
    }

    /// <summary>
    /// Runs test/MLNet.Optimizers.MLNet.DeployCheck (a program that references Microsoft.ML only) in its own process and
    /// returns its output lines without the last; asserts that it succeeded, depends on no MLNet.Optimizers assembly and
    /// loaded none.
    /// </summary>
    public static string[] RunDeployCheck(params string[] args)
    {
        string checker = DeployCheckPath();
        Assert.IsTrue(File.Exists(checker), $"deploy check built at {checker}");
        string deps = File.ReadAllText(Path.ChangeExtension(checker, ".deps.json"));
        Assert.DoesNotContain("MLNet.Optimizers.MLNet\"", deps, "the checker does not depend on the bridge");
        Assert.DoesNotContain("MLNet.Optimizers.Training", deps, "the checker does not depend on the Training layer");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(checker);
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using Process p = Process.Start(psi)!;
        System.Threading.Tasks.Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.IsTrue(p.WaitForExit(120_000), "the checker finished");
        Assert.AreEqual(0, p.ExitCode, "checker failed: " + stderr.Result);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.AreEqual("assemblies: ", lines[^1], "no MLNet.Optimizers assembly was loaded by the checker");
        return lines[..^1];
    }

    private static string DeployCheckPath()
    {
        // test/MLNet.Optimizers.MLNet.Tests/bin/<Configuration>/<tfm>/ -> test/MLNet.Optimizers.MLNet.DeployCheck/bin/<Configuration>/<tfm>/
        var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = dir.Name, configuration = dir.Parent!.Name;
        string testRoot = dir.Parent.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(testRoot, "MLNet.Optimizers.MLNet.DeployCheck", "bin", configuration, tfm, "MLNet.Optimizers.MLNet.DeployCheck.dll");
    }

    public static Dictionary<string, byte[]> ZipEntries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        var d = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (ZipArchiveEntry e in archive.Entries)
        {
            using Stream s = e.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            d[e.FullName] = ms.ToArray();
        }

        return d;
    }

    public static byte[] Save(MLContext ml, ITransformer model, DataViewSchema? schema)
    {
        using var ms = new MemoryStream();
        ml.Model.Save(model, schema, ms);
        return ms.ToArray();
    }

    /// <summary>Every column's name, type, visibility and annotations (names, types and values), one line each.</summary>
    public static List<string> Describe(DataViewSchema schema)
    {
        var lines = new List<string>();
        foreach (DataViewSchema.Column c in schema)
        {
            var parts = new List<string> { $"{c.Index}:{c.Name}:{c.Type}:{(c.IsHidden ? "hidden" : "visible")}" };
            foreach (DataViewSchema.Column a in c.Annotations.Schema)
            {
                parts.Add($"{a.Name}:{a.Type}={AnnotationValue(c, a)}");
            }

            lines.Add(string.Join(" | ", parts));
        }

        return lines;
    }

    private static string AnnotationValue(DataViewSchema.Column c, DataViewSchema.Column a)
    {
        Type raw = a.Type.RawType;
        var m = typeof(TestData).GetMethod(nameof(ReadAnnotation), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(raw);
        return (string)m.Invoke(null, new object[] { c, a.Name })!;
    }

    private static string ReadAnnotation<T>(DataViewSchema.Column c, string name)
    {
        T value = default!;
        c.Annotations.GetValue(name, ref value);
        return value switch
        {
            VBuffer<ReadOnlyMemory<char>> v => string.Join(",", v.DenseValues().Select(x => x.ToString())),
            VBuffer<float> v => string.Join(",", v.DenseValues().Select(x => x.ToString("R", CultureInfo.InvariantCulture))),
            ReadOnlyMemory<char> s => s.ToString(),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
        };
    }
}
