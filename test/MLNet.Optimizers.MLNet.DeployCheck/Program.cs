using System;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

// Usage: DeployCheck <model.zip> <data.idv> <column>
// Loads the model with Microsoft.ML alone, scores the binary data file and prints the column's values as float bits
// (one line per row; vectors space-separated), then a line "assemblies: ..." naming every loaded MLNet.Optimizers
// assembly (none expected).
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: DeployCheck <model.zip> <data.idv> <column>");
    return 2;
}

var ml = new MLContext(seed: 0);
ITransformer model = ml.Model.Load(args[0], out _);
IDataView scored = model.Transform(ml.Data.LoadFromBinary(args[1]));
DataViewSchema.Column column = scored.Schema[args[2]];
using (DataViewRowCursor cursor = scored.GetRowCursor(new[] { column }))
{
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

Console.WriteLine("assemblies: " + string.Join(",", AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).Where(n => n != null && n.StartsWith("MLNet.Optimizers", StringComparison.Ordinal) && n != typeof(MLContext).Assembly.GetName().Name && n != System.Reflection.Assembly.GetEntryAssembly()!.GetName().Name)));
return 0;

static string Bits(float f) => BitConverter.SingleToInt32Bits(f).ToString("x8", CultureInfo.InvariantCulture);
