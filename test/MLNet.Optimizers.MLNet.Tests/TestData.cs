using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;

[assembly: Parallelize(Workers = 2, Scope = ExecutionScope.ClassLevel)]

namespace MLNet.Optimizers.MLNet.Tests;

/// <summary>Real data sets from samples/data, loaded with ML.NET's text loader, and comparison helpers.</summary>
internal static class TestData
{
    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "data", file);

    /// <summary>breast_cancer.csv: 30 float features; Label = (diagnosis == "malignant").</summary>
    public static IDataView BreastCancer(MLContext ml)
    {
        IDataView raw = ml.Data.LoadFromTextFile(PathOf("breast_cancer.csv"), new[]
        {
            new TextLoader.Column("Features", DataKind.Single, 0, 29),
            new TextLoader.Column("Diagnosis", DataKind.String, 30),
        }, separatorChar: ',', hasHeader: true);
        return ml.Transforms.Expression("Label", "s => s == \"malignant\"", "Diagnosis").Fit(raw).Transform(raw);
    }

    /// <summary>wine.csv: 13 float features, label "cultivar" as text (map it to a key).</summary>
    public static IDataView Wine(MLContext ml) => ml.Data.LoadFromTextFile(PathOf("wine.csv"), new[]
    {
        new TextLoader.Column("Features", DataKind.Single, 0, 12),
        new TextLoader.Column("Cultivar", DataKind.String, 13),
    }, separatorChar: ',', hasHeader: true);

    /// <summary>The first <paramref name="rows"/> rows of diamonds.csv: numeric columns, three categorical text columns, price.</summary>
    public static IDataView Diamonds(MLContext ml, int rows) => ml.Data.TakeRows(ml.Data.LoadFromTextFile(PathOf("diamonds.csv"), new[]
    {
        new TextLoader.Column("carat", DataKind.Single, 0),
        new TextLoader.Column("cut", DataKind.String, 1),
        new TextLoader.Column("color", DataKind.String, 2),
        new TextLoader.Column("clarity", DataKind.String, 3),
        new TextLoader.Column("depth", DataKind.Single, 4),
        new TextLoader.Column("table", DataKind.Single, 5),
        new TextLoader.Column("price", DataKind.Single, 6),
        new TextLoader.Column("x", DataKind.Single, 7),
        new TextLoader.Column("y", DataKind.Single, 8),
        new TextLoader.Column("z", DataKind.Single, 9),
    }, separatorChar: ',', hasHeader: true, allowQuoting: true), rows);

    /// <summary>The data cached in memory (ML.NET's own cache), so repeated passes in a test are cheap.</summary>
    public static IDataView Cached(MLContext ml, IDataView data) => ml.Data.Cache(data);

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
