using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.MLNet.Tests;

// Streaming over IDataView cursors, determinism, optimizer templates and configs, and bad arguments.
[TestClass]
public sealed class TrainingTests
{
    [TestMethod]
    public void Training_streams_one_cursor_pass_per_epoch_and_materializes_only_when_asked()
    {
        var ml = new MLContext(seed: 1);
        var counting = new CountingDataView(NativeModelTests.Prepared(ml, "binary"));
        ml.Optimizers().BinaryClassification.Linear(new OptimizerTrainerOptions { Optimizer = new Lion(1e-3), NumberOfEpochs = 4, MaterializeInMemory = false, SelectionFraction = 0 }).Fit(counting);
        Assert.AreEqual(4, counting.Cursors, "streaming: one cursor per epoch");
        Assert.AreEqual(4 * 569, counting.Rows, "each epoch reads every row once");

        counting.Reset();
        ml.Optimizers().BinaryClassification.Linear(new OptimizerTrainerOptions { Optimizer = new Lion(1e-3), NumberOfEpochs = 4, MaterializeInMemory = false, SelectionFraction = 0.1 }).Fit(counting);
        Assert.AreEqual(2 + 4, counting.Cursors, "streaming with selection rows: a pass over the labels, one reading the selection rows, one per epoch");
        Assert.AreEqual((2 + 4) * 569, counting.Rows);

        counting.Reset();
        ml.Optimizers().BinaryClassification.Linear(new OptimizerTrainerOptions { Optimizer = new Lion(1e-3), NumberOfEpochs = 4 }).Fit(counting);
        Assert.AreEqual(1, counting.Cursors, "materialized (the default): one pass");
        Assert.AreEqual(569, counting.Rows);
    }

    [TestMethod]
    public void DataViewBatchSource_delivers_every_row_once_per_epoch_in_a_seeded_order()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = NativeModelTests.Prepared(ml, "multiclass");
        const int n = 178; // wine.csv rows
        List<float[]> Epoch(DataViewBatchSource s, int epoch)
        {
            s.StartEpoch(epoch);
            var batch = new Batch(7, s.FeatureCount);
            var rows = new List<float[]>();
            while (s.Next(batch))
            {
                for (int r = 0; r < batch.Count; r++)
                {
                    rows.Add(batch.Features.AsSpan(r * s.FeatureCount, s.FeatureCount).ToArray().Append(batch.Labels[r]).ToArray());
                }
            }

            return rows;
        }

        using var a = new DataViewBatchSource(data, "Features", "Label", null, TaskKind.MulticlassClassification, true, 9, shuffleBufferRows: 50);
        using var b = new DataViewBatchSource(data, "Features", "Label", null, TaskKind.MulticlassClassification, true, 9, shuffleBufferRows: 50);
        using var plain = new DataViewBatchSource(data, "Features", "Label", null, TaskKind.MulticlassClassification, false, 9);
        Assert.AreEqual(3, a.ClassCount);
        List<float[]> inOrder = Epoch(plain, 0), e0 = Epoch(a, 0), e1 = Epoch(a, 1), again = Epoch(b, 0);
        static string Key(float[] r) => string.Join(",", r.Select(v => BitConverter.SingleToInt32Bits(v)));
        Assert.HasCount(n, e0);
        CollectionAssert.AreEquivalent(inOrder.Select(Key).ToList(), e0.Select(Key).ToList(), "epoch 0 is a permutation of the rows");
        CollectionAssert.AreEquivalent(inOrder.Select(Key).ToList(), e1.Select(Key).ToList(), "epoch 1 is a permutation of the rows");
        CollectionAssert.AreEqual(e0.Select(Key).ToList(), again.Select(Key).ToList(), "same seed, same epoch: same order");
        CollectionAssert.AreNotEqual(e0.Select(Key).ToList(), e1.Select(Key).ToList(), "another epoch: another order");
        CollectionAssert.AreNotEqual(inOrder.Select(Key).ToList(), e0.Select(Key).ToList(), "shuffled");
        CollectionAssert.AreEqual(new[] { 0f, 1f, 2f }, inOrder.Select(r => r[^1]).Distinct().OrderBy(v => v).ToArray(), "key k is class k - 1");

        // Seek: resume in the middle of epoch 1.
        a.Seek(1, 40);
        var batch = new Batch(1000, a.FeatureCount);
        Assert.IsTrue(a.Next(batch));
        var rest = Enumerable.Range(0, batch.Count).Select(r => Key(batch.Features.AsSpan(r * a.FeatureCount, a.FeatureCount).ToArray().Append(batch.Labels[r]).ToArray())).ToList();
        CollectionAssert.AreEqual(e1.Skip(40).Select(Key).ToList(), rest);
    }

    [TestMethod]
    public void Same_seed_gives_the_same_model_bits_and_an_optimizer_config_trains_like_the_object()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = NativeModelTests.Prepared(ml, "binary");
        var lion = new Lion(1e-3, beta1: 0.95) { WeightDecay = 0.1 };
        float[] W(OptimizerTrainerOptions o) => ml.Optimizers().BinaryClassification.Linear(o).Fit(data).Model.SubModel.Weights.ToArray();
        float[] a = W(new OptimizerTrainerOptions { Optimizer = lion, NumberOfEpochs = 3, Seed = 5 });
        float[] b = W(new OptimizerTrainerOptions { Optimizer = lion, NumberOfEpochs = 3, Seed = 5 });
        float[] c = W(new OptimizerTrainerOptions { OptimizerConfig = lion.Serialize().ToJsonString(), NumberOfEpochs = 3, Seed = 5 });
        float[] d = W(new OptimizerTrainerOptions { Optimizer = lion, NumberOfEpochs = 3, Seed = 6 });
        TestData.AssertBitsEqual(a, b, "same seed, the template reused");
        TestData.AssertBitsEqual(a, c, "config JSON");
        Assert.IsFalse(a.SequenceEqual(d), "another seed gives another model");
        Assert.IsFalse(lion.IsBuilt, "the template optimizer is never built or stepped");
    }

    [TestMethod]
    public void Example_weights_change_the_model_and_zero_weight_rows_do_not_count()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = NativeModelTests.Prepared(ml, "regression");
        IDataView ones = ml.Transforms.Expression("W", "x => 1.0", "LabelF").Fit(data).Transform(data);
        var baseOptions = new OptimizerTrainerOptions { Optimizer = new Sgd(0.05), NumberOfEpochs = 2, Shuffle = false, BatchSize = 1000 };
        float[] plain = ml.Optimizers().Regression.Linear(baseOptions).Fit(data).Model.Weights.ToArray();
        var weighted = (OptimizerTrainerOptions)baseOptions.Clone();
        weighted.ExampleWeightColumnName = "W";
        float[] unit = ml.Optimizers().Regression.Linear(weighted).Fit(ones).Model.Weights.ToArray();
        TestData.AssertBitsEqual(plain, unit, "weights of 1 change nothing");
        IDataView skewed = ml.Transforms.Expression("W", "x => x > 0.5 ? 3.0 : 1.0", "LabelF").Fit(data).Transform(data);
        float[] other = ml.Optimizers().Regression.Linear(weighted).Fit(skewed).Model.Weights.ToArray();
        Assert.IsFalse(plain.SequenceEqual(other), "other weights, another model");
    }

    [TestMethod]
    public void Bad_arguments_throw_typed_exceptions_naming_the_argument()
    {
        var ml = new MLContext(seed: 1);
        var lion = new Lion(1e-3);
        Assert.AreEqual("optimizer", Assert.ThrowsExactly<ArgumentNullException>(() => ml.Optimizers().Regression.Linear((Optimizer)null!)).ParamName);
        Assert.AreEqual("NumberOfEpochs", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Optimizers().Regression.Linear(lion, numberOfEpochs: 0)).ParamName);
        Assert.AreEqual("BatchSize", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Optimizers().BinaryClassification.Linear(lion, batchSize: -1)).ParamName);
        Assert.AreEqual("FeatureColumnName", Assert.ThrowsExactly<ArgumentException>(() => ml.Optimizers().BinaryClassification.Linear(lion, featureColumnName: " ")).ParamName);
        Assert.AreEqual("OptimizerConfig", Assert.ThrowsExactly<ArgumentException>(() => ml.Optimizers().Regression.Linear(new OptimizerTrainerOptions { Optimizer = lion, OptimizerConfig = "{}" })).ParamName);
        Assert.ThrowsExactly<OptimizerConfigException>(() => ml.Optimizers().Regression.Linear(new OptimizerTrainerOptions { OptimizerConfig = "{\"class_name\": \"Lion\", \"config\": {\"learning_rate\": \"fast\"}}" }));
        Assert.AreEqual("Activation", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Optimizers().Regression.Mlp(lion, new[] { 8 }, Activation.Gelu)).ParamName);
        Assert.AreEqual("HiddenLayers", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Optimizers().Regression.Mlp(lion, new[] { 8, 1 })).ParamName);
        Assert.AreEqual("HiddenLayers", Assert.ThrowsExactly<ArgumentException>(() => ml.Optimizers().Regression.Mlp(new MlpTrainerOptions { Optimizer = lion, HiddenLayers = Array.Empty<int>() })).ParamName);
        Assert.AreEqual("Dropout", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Optimizers().Regression.Mlp(new MlpTrainerOptions { Optimizer = lion, Dropout = 1 })).ParamName);
        Assert.AreEqual("EarlyStoppingPatience", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Optimizers().Regression.Linear(new OptimizerTrainerOptions { Optimizer = lion, EarlyStoppingPatience = 0 })).ParamName);
        Assert.AreEqual("SelectionFraction", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Optimizers().Regression.Linear(new OptimizerTrainerOptions { Optimizer = lion, SelectionFraction = 1 })).ParamName);
        Assert.AreEqual("MinDelta", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Optimizers().Regression.Linear(new OptimizerTrainerOptions { Optimizer = lion, MinDelta = double.NaN })).ParamName);
        Assert.AreEqual("EpochRule", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Optimizers().Regression.Linear(new OptimizerTrainerOptions { Optimizer = lion, EpochRule = (Training.Training.EpochRule)7 })).ParamName);
        Assert.AreEqual("mlContext", Assert.ThrowsExactly<ArgumentNullException>(() => ((MLContext)null!).Optimizers()).ParamName);
        Assert.AreEqual("input", Assert.ThrowsExactly<ArgumentNullException>(() => ml.Optimizers().Regression.Linear(lion).Fit(null!)).ParamName);

        IDataView binary = NativeModelTests.Prepared(ml, "binary");
        // Wrong label type or missing column: ML.NET's own schema check, naming the column.
        var wrongLabel = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Optimizers().Regression.Linear(lion).Fit(binary));
        StringAssert.Contains(wrongLabel.Message, "Label");
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Optimizers().BinaryClassification.Linear(lion, featureColumnName: "Nope").Fit(binary));
        StringAssert.Contains(missing.Message, "Nope");
        // A NaN feature: the row and column are named; the row is not skipped.
        IDataView withNaN = ml.Transforms.Expression("Features", "x => x > 0.99 ? na(x) : x", "Features").Fit(binary).Transform(binary);
        var nan = Assert.ThrowsExactly<ArgumentException>(() => ml.Optimizers().BinaryClassification.Linear(lion).Fit(withNaN));
        Assert.AreEqual("input", nan.ParamName);
        StringAssert.Contains(nan.Message, "'Features'");
        StringAssert.Contains(nan.Message, "Row ");
        // A negative example weight.
        IDataView negative = ml.Transforms.Expression("W", "x => x ? -1.0 : 1.0", "Label").Fit(binary).Transform(binary);
        var neg = Assert.ThrowsExactly<ArgumentException>(() => ml.Optimizers().BinaryClassification.Linear(lion, exampleWeightColumnName: "W").Fit(negative));
        StringAssert.Contains(neg.Message, "'W'");
    }

    /// <summary>Counts the cursors opened and the rows read through them.</summary>
    private sealed class CountingDataView : IDataView
    {
        private readonly IDataView _inner;

        public CountingDataView(IDataView inner) => _inner = inner;

        public int Cursors { get; private set; }

        public long Rows { get; private set; }

        public bool CanShuffle => _inner.CanShuffle;

        public DataViewSchema Schema => _inner.Schema;

        public void Reset()
        {
            Cursors = 0;
            Rows = 0;
        }

        public long? GetRowCount() => _inner.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            Cursors++;
            return new CountingCursor(this, _inner.GetRowCursor(columnsNeeded, rand));
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => new[] { GetRowCursor(columnsNeeded, rand) };

        private sealed class CountingCursor : DataViewRowCursor
        {
            private readonly CountingDataView _owner;
            private readonly DataViewRowCursor _inner;

            public CountingCursor(CountingDataView owner, DataViewRowCursor inner)
            {
                _owner = owner;
                _inner = inner;
            }

            public override long Position => _inner.Position;

            public override long Batch => _inner.Batch;

            public override DataViewSchema Schema => _inner.Schema;

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _inner.GetGetter<TValue>(column);

            public override ValueGetter<DataViewRowId> GetIdGetter() => _inner.GetIdGetter();

            public override bool IsColumnActive(DataViewSchema.Column column) => _inner.IsColumnActive(column);

            public override bool MoveNext()
            {
                bool more = _inner.MoveNext();
                if (more)
                {
                    _owner.Rows++;
                }

                return more;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _inner.Dispose();
                }

                base.Dispose(disposing);
            }
        }
    }
}
