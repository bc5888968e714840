using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.MLNet.Native;

namespace MLNet.Optimizers.MLNet.Tests;

// The hand-written training schema of an MLP's part is the file ML.NET's own saver writes for the same empty
// one-column view, and ML.NET's loader reads it back as that column.
[TestClass]
public sealed class SchemaFileTests
{
    public static IEnumerable<object[]> Columns()
    {
        yield return new object[] { "one slot", "F", new[] { 1 } };
        yield return new object[] { "wine width", "__mlp1_out__Features", new[] { 13 } };
        yield return new object[] { "a slot count over 127", "Features", new[] { 300 } };
        yield return new object[] { "an image's two dimensions", "Pixels", new[] { 28, 28 } };
        yield return new object[] { "a non-ASCII name over 127 bytes", "Ünïcødé " + new string('x', 130), new[] { 5 } };
    }

    public static string CaseName(System.Reflection.MethodInfo method, object[] data) => $"{method.Name}({data[0]})";

    [TestMethod]
    [DynamicData(nameof(Columns), DynamicDataDisplayName = nameof(CaseName))]
    public void The_file_is_byte_identical_to_MLNets_saver_and_loads_back_as_the_column(string what, string name, int[] dims)
    {
        var ml = new MLContext(seed: 1);
        var type = new VectorDataViewType(NumberDataViewType.Single, dims);
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(name, type);
        byte[] theirs = NativeModels.SchemaBytes(ml, new EmptyDataView(builder.ToSchema()));

        byte[] ours = SchemaFile.Write(name, type);

        CollectionAssert.AreEqual(theirs, ours, what);
        IDataView loaded = ml.Data.LoadFromBinary(new BytesSource(ours));
        Assert.AreEqual(1, loaded.Schema.Count, "columns");
        Assert.AreEqual(name, loaded.Schema[0].Name);
        Assert.AreEqual(type, loaded.Schema[0].Type);
        Assert.AreEqual(0, loaded.Schema[0].Annotations.Schema.Count, "annotations");
        Assert.AreEqual(0L, loaded.GetRowCount(), "rows");
    }

    public static IEnumerable<object[]> Unsupported()
    {
        yield return new object[] { "a scalar", NumberDataViewType.Single };
        yield return new object[] { "a vector of unknown size", new VectorDataViewType(NumberDataViewType.Single) };
        yield return new object[] { "a vector of Double", new VectorDataViewType(NumberDataViewType.Double, 3) };
        yield return new object[] { "text", TextDataViewType.Instance };
    }

    [TestMethod]
    public void A_null_type_is_refused_as_null()
    {
        Assert.AreEqual("type", Assert.ThrowsExactly<ArgumentNullException>(() => SchemaFile.Write("Col", null!)).ParamName);
    }

    [TestMethod]
    [DynamicData(nameof(Unsupported), DynamicDataDisplayName = nameof(CaseName))]
    public void Any_other_column_type_is_refused_with_the_column_and_type(string what, DataViewType type)
    {
        Assert.IsFalse(SchemaFile.CanWrite(type), what);
        var e = Assert.ThrowsExactly<ArgumentException>(() => SchemaFile.Write("Col", type));
        Assert.AreEqual("type", e.ParamName);
        StringAssert.Contains(e.Message, "'Col'");
        StringAssert.Contains(e.Message, type.ToString());
    }

    [TestMethod]
    public void An_MLP_parts_training_schema_is_the_columns_it_reads()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = NativeModelTests.Prepared(ml, "multiclass");
        var chain = (TransformerChain<ITransformer>)ml.Optimizers().MulticlassClassification.Mlp(new MlpTrainerOptions { HiddenLayers = new[] { 4 }, NumberOfEpochs = 1 }).Fit(data);
        Dictionary<string, byte[]> entries = TestData.ZipEntries(TestData.Save(ml, chain, data.Schema));
        ITransformer[] parts = chain.ToArray();
        int layers = 0, heads = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            if (!entries.TryGetValue($"{NativeModels.Root}/Transform_{i:000}/TrainSchema", out byte[]? schema))
            {
                continue;
            }

            DataViewSchema saved = ml.Data.LoadFromBinary(new BytesSource(schema)).Schema;
            if (parts[i] is MulticlassPredictionTransformer<Microsoft.ML.Trainers.LinearMulticlassModelParameters> layer)
            {
                layers++;
                Assert.AreEqual(1, saved.Count, $"part {i}: columns");
                Assert.AreEqual(layer.FeatureColumnName, saved[0].Name, $"part {i}");
                Assert.AreEqual(layer.FeatureColumnType, saved[0].Type, $"part {i}");
            }
            else
            {
                // The multiclass head: the column it reads and the label, whose key values its predicted label carries.
                var head = (MulticlassPredictionTransformer<Microsoft.ML.Trainers.MaximumEntropyModelParameters>)parts[i];
                heads++;
                CollectionAssert.AreEqual(new[] { head.FeatureColumnName, "Label" }, saved.Select(c => c.Name).ToArray(), $"part {i}: columns");
                Assert.AreEqual(data.Schema["Label"].Type, saved["Label"].Type, "label type");
                Assert.IsTrue(saved["Label"].HasKeyValues(), "the label's key values");
            }
        }

        Assert.IsGreaterThanOrEqualTo(3, layers, "two encoding layers and one hidden layer");
        Assert.AreEqual(1, heads, "the head's schema was checked");
    }

    private sealed class BytesSource(byte[] bytes) : IMultiStreamSource
    {
        public int Count => 1;

        public string? GetPathOrNull(int index) => null;

        public Stream Open(int index) => new MemoryStream(bytes, writable: false);

        public TextReader OpenTextReader(int index) => new StreamReader(Open(index));
    }
}
