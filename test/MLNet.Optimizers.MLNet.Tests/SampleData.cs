using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Optimizers.MLNet.Tests;

/// <summary>
/// The real data sets of samples/data as ML.NET's text loader reads them, untransformed apart from the binary label.
/// Shared by the bridge's tests and (linked) by the AutoML sweepables' tests.
/// </summary>
internal static class SampleData
{
    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "data", file);

    /// <summary>The header names of a CSV file.</summary>
    public static string[] Header(string file) => File.ReadLines(PathOf(file)).First().Split(',').Select(h => h.Trim('"')).ToArray();

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
}
