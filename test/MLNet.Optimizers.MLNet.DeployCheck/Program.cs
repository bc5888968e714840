using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

// A deployment stand-in that references Microsoft.ML only.
//
// Usage 1: DeployCheck <model.zip> <data.idv> <column>
//   Loads the model with Model.Load, scores the binary data file and prints the column's values as float bits (one
//   line per row; vectors space-separated).
// Usage 2: DeployCheck csv <model.zip> <data.csv> <regression|binary|multiclass>
//   Loads the model with Model.LoadWithDataLoader, reads the CSV with the saved loader, scores it, prints the Score
//   column as float bits (one line per row), then evaluates with ML.NET's evaluator of the task and prints one line
//   "metric <name> <double bits>" per metric.
// Both end with a line "assemblies: ..." naming every loaded MLNet.Optimizers assembly (none expected).
if (args.Length == 4 && args[0] == "csv")
{
    var ml = new MLContext(seed: 0);
    ITransformer model = ml.Model.LoadWithDataLoader(args[1], out IDataLoader<IMultiStreamSource> loader);
    IDataView scored = model.Transform(loader.Load(args[2]));
    PrintColumn(scored, "Score");
    foreach ((string name, double value) in Evaluate(ml, scored, args[3]))
    {
        Console.WriteLine($"metric {name} {BitConverter.DoubleToInt64Bits(value).ToString("x16", CultureInfo.InvariantCulture)}");
    }
}
else if (args.Length == 3)
{
    var ml = new MLContext(seed: 0);
    ITransformer model = ml.Model.Load(args[0], out _);
    PrintColumn(model.Transform(ml.Data.LoadFromBinary(args[1])), args[2]);
}
else
{
    Console.Error.WriteLine("usage: DeployCheck <model.zip> <data.idv> <column>");
    Console.Error.WriteLine("       DeployCheck csv <model.zip> <data.csv> <regression|binary|multiclass>");
    return 2;
}

Console.WriteLine("assemblies: " + string.Join(",", AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).Where(n => n != null && n.StartsWith("MLNet.Optimizers", StringComparison.Ordinal) && n != typeof(MLContext).Assembly.GetName().Name && n != System.Reflection.Assembly.GetEntryAssembly()!.GetName().Name)));
return 0;

static IEnumerable<(string Name, double Value)> Evaluate(MLContext ml, IDataView scored, string task)
{
    switch (task)
    {
        case "regression":
            RegressionMetrics r = ml.Regression.Evaluate(scored);
            return new[] { ("rmse", r.RootMeanSquaredError), ("mae", r.MeanAbsoluteError), ("r2", r.RSquared) };
        case "binary":
            CalibratedBinaryClassificationMetrics b = ml.BinaryClassification.Evaluate(scored);
            return new[] { ("accuracy", b.Accuracy), ("auc", b.AreaUnderRocCurve), ("f1", b.F1Score), ("log_loss", b.LogLoss) };
        case "multiclass":
            MulticlassClassificationMetrics m = ml.MulticlassClassification.Evaluate(scored);
            return new[] { ("micro_accuracy", m.MicroAccuracy), ("macro_accuracy", m.MacroAccuracy), ("log_loss", m.LogLoss) };
        default:
            throw new ArgumentException($"unknown task '{task}'; expected regression, binary or multiclass.", nameof(task));
    }
}

static void PrintColumn(IDataView scored, string name)
{
    DataViewSchema.Column column = scored.Schema[name];
    using DataViewRowCursor cursor = scored.GetRowCursor(new[] { column });
    if (column.Type is VectorDataViewType)
    {
        ValueGetter<VBuffer<float>> get = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> v = default;
        while (cursor.MoveNext())
        {
            get(ref v);
            Console.WriteLine(string.Join(" ", v.DenseValues().Select(Bits)));
        }
    }
    else
    {
        ValueGetter<float> get = cursor.GetGetter<float>(column);
        float v = 0;
        while (cursor.MoveNext())
        {
            get(ref v);
            Console.WriteLine(Bits(v));
        }
    }
}

static string Bits(float f) => BitConverter.SingleToInt32Bits(f).ToString("x8", CultureInfo.InvariantCulture);
