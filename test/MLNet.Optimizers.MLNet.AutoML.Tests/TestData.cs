using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;

[assembly: Parallelize(Workers = 2, Scope = ExecutionScope.ClassLevel)]

namespace MLNet.Optimizers.MLNet.AutoML.Tests;

/// <summary>The real data sets of samples/data, loaded with ML.NET's text loader.</summary>
internal static class TestData
{
    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "data", file);

    /// <summary>The header names of a CSV file.</summary>
    public static string[] Header(string file) => File.ReadLines(PathOf(file)).First().Split(',').Select(h => h.Trim('"')).ToArray();

    /// <summary>breast_cancer.csv as 30 separate float columns (named as in the header) and Label = (diagnosis == "malignant").</summary>
    public static IDataView BreastCancerColumns(MLContext ml, out string[] featureNames)
    {
        string[] header = Header("breast_cancer.csv");
        featureNames = header.Take(30).ToArray();
        TextLoader.Column[] columns = featureNames.Select((n, i) => new TextLoader.Column(n, DataKind.Single, i))
            .Append(new TextLoader.Column("Diagnosis", DataKind.String, 30)).ToArray();
        IDataView raw = ml.Data.LoadFromTextFile(PathOf("breast_cancer.csv"), columns, separatorChar: ',', hasHeader: true);
        return ml.Transforms.Expression("Label", "s => s == \"malignant\"", "Diagnosis").Fit(raw).Transform(raw);
    }

    /// <summary>breast_cancer.csv: Features (30 floats, min-max normalized) and a bool Label.</summary>
    public static IDataView BreastCancer(MLContext ml)
    {
        IDataView raw = ml.Data.LoadFromTextFile(PathOf("breast_cancer.csv"), new[]
        {
            new TextLoader.Column("Features", DataKind.Single, 0, 29),
            new TextLoader.Column("Diagnosis", DataKind.String, 30),
        }, separatorChar: ',', hasHeader: true);
        var pipeline = ml.Transforms.Expression("Label", "s => s == \"malignant\"", "Diagnosis").Append(ml.Transforms.NormalizeMinMax("Features"));
        return ml.Data.Cache(pipeline.Fit(raw).Transform(raw));
    }

    /// <summary>wine.csv: Features (13 floats, min-max normalized) and Label, a key of the cultivar.</summary>
    public static IDataView Wine(MLContext ml)
    {
        IDataView raw = ml.Data.LoadFromTextFile(PathOf("wine.csv"), new[]
        {
            new TextLoader.Column("Features", DataKind.Single, 0, 12),
            new TextLoader.Column("Cultivar", DataKind.String, 13),
        }, separatorChar: ',', hasHeader: true);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Cultivar").Append(ml.Transforms.NormalizeMinMax("Features"));
        return ml.Data.Cache(pipeline.Fit(raw).Transform(raw));
    }

    /// <summary>The first 1000 rows of diamonds.csv: Features (carat, depth, table, x, y, z; min-max normalized) and Label = price in thousands.</summary>
    public static IDataView Diamonds(MLContext ml)
    {
        IDataView raw = ml.Data.TakeRows(ml.Data.LoadFromTextFile(PathOf("diamonds.csv"), new[]
        {
            new TextLoader.Column("carat", DataKind.Single, 0),
            new TextLoader.Column("depth", DataKind.Single, 4),
            new TextLoader.Column("table", DataKind.Single, 5),
            new TextLoader.Column("price", DataKind.Single, 6),
            new TextLoader.Column("x", DataKind.Single, 7),
            new TextLoader.Column("y", DataKind.Single, 8),
            new TextLoader.Column("z", DataKind.Single, 9),
        }, separatorChar: ',', hasHeader: true, allowQuoting: true), 1000);
        var pipeline = ml.Transforms.Concatenate("Features", "carat", "depth", "table", "x", "y", "z")
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.Transforms.Expression("Label", "p => p / 1000", "price"));
        return ml.Data.Cache(pipeline.Fit(raw).Transform(raw));
    }
}
