using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.MLNet.Tests;

[assembly: Parallelize(Workers = 2, Scope = ExecutionScope.ClassLevel)]

namespace MLNet.Optimizers.MLNet.AutoML.Tests;

/// <summary>The real data sets of samples/data (loaded by the bridge tests' <see cref="SampleData"/>), ready for a trainer.</summary>
internal static class TestData
{
    /// <summary>breast_cancer.csv as 30 separate float columns (named as in the header) and Label = (diagnosis == "malignant").</summary>
    public static IDataView BreastCancerColumns(MLContext ml, out string[] featureNames)
    {
        featureNames = SampleData.Header("breast_cancer.csv").Take(30).ToArray();
        TextLoader.Column[] columns = featureNames.Select((n, i) => new TextLoader.Column(n, DataKind.Single, i))
            .Append(new TextLoader.Column("Diagnosis", DataKind.String, 30)).ToArray();
        IDataView raw = ml.Data.LoadFromTextFile(SampleData.PathOf("breast_cancer.csv"), columns, separatorChar: ',', hasHeader: true);
        return ml.Transforms.Expression("Label", "s => s == \"malignant\"", "Diagnosis").Fit(raw).Transform(raw);
    }

    /// <summary>breast_cancer.csv: Features (30 floats, min-max normalized) and a bool Label, cached.</summary>
    public static IDataView BreastCancer(MLContext ml) => Cache(ml, SampleData.BreastCancer(ml), ml.Transforms.NormalizeMinMax("Features"));

    /// <summary>wine.csv: Features (13 floats, min-max normalized) and Label, a key of the cultivar, cached.</summary>
    public static IDataView Wine(MLContext ml)
        => Cache(ml, SampleData.Wine(ml), ml.Transforms.Conversion.MapValueToKey("Label", "Cultivar").Append(ml.Transforms.NormalizeMinMax("Features")));

    /// <summary>The first 1000 rows of diamonds.csv: Features (carat, depth, table, x, y, z; min-max normalized) and Label = price in thousands, cached.</summary>
    public static IDataView Diamonds(MLContext ml)
        => Cache(ml, SampleData.Diamonds(ml, 1000), ml.Transforms.Concatenate("Features", "carat", "depth", "table", "x", "y", "z")
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.Transforms.Expression("Label", "p => p / 1000", "price")));

    private static IDataView Cache<T>(MLContext ml, IDataView raw, IEstimator<T> pipeline)
        where T : class, ITransformer
        => ml.Data.Cache(pipeline.Fit(raw).Transform(raw));
}
