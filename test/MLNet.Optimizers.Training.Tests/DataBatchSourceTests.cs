using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>In-memory and streaming batch sources: coverage, determinism, per-epoch reshuffling, Seek, transforms, allocations.</summary>
[TestClass]
public sealed class DataBatchSourceTests
{
    /// <summary>A row as delivered: features, label, weight.</summary>
    private readonly record struct Row(float[] Features, float Label, float Weight)
    {
        public string Key => string.Join(",", Features.Select(f => f.ToString("R", CultureInfo.InvariantCulture))) + "|" + Label.ToString("R", CultureInfo.InvariantCulture) + "|" + Weight.ToString("R", CultureInfo.InvariantCulture);
    }

    private static List<Row> Drain(IBatchSource source, int capacity = 16)
    {
        var batch = new Batch(capacity, source.FeatureCount);
        var rows = new List<Row>();
        while (source.Next(batch))
        {
            Assert.IsGreaterThan(0, batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                rows.Add(new Row(batch.Features.AsSpan(i * source.FeatureCount, source.FeatureCount).ToArray(), batch.Labels[i], batch.Weights[i]));
            }
        }

        Assert.AreEqual(0, batch.Count);
        return rows;
    }

    private static List<Row> Epoch(IBatchSource source, int epoch, int capacity = 16)
    {
        source.StartEpoch(epoch);
        return Drain(source, capacity);
    }

    private static string[] Keys(IEnumerable<Row> rows) => rows.Select(r => r.Key).ToArray();

    /// <summary>A CSV whose first feature is the row id: id, x, c (categorical), w (weight), y (regression label).</summary>
    private static string WriteIdCsv(DataTempDir dir, int rows)
    {
        var sb = new StringBuilder("id,x,c,w,y\n");
        for (int i = 0; i < rows; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{i},{(i * 0.37) % 5:R},\"{"abc"[i % 3]}\",{1 + (i % 4) * 0.5},{i * 2.5}\n");
        }

        return dir.Write("ids.csv", sb.ToString());
    }

    private static DenseTable IdTable(int rows) =>
        new(Enumerable.Range(0, rows).SelectMany(i => new float[] { i, -i }).ToArray(), 2, Enumerable.Range(0, rows).Select(i => (float)i).ToArray());

    [TestMethod]
    [DataRow(true, DisplayName = "in-memory shuffled: every row once per epoch")]
    [DataRow(false, DisplayName = "in-memory in order: every row once per epoch")]
    public void InMemoryVisitsEveryRowOncePerEpoch(bool shuffle)
    {
        var source = new InMemoryBatchSource(IdTable(103), 10, shuffle, 5);
        Assert.AreEqual(103L, source.RowCount);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            List<Row> rows = Epoch(source, epoch);
            Assert.AreEqual(103L, source.Position);
            CollectionAssert.AreEquivalent(Enumerable.Range(0, 103).Select(i => (float)i).ToArray(), rows.Select(r => r.Label).ToArray());
            Assert.IsTrue(rows.All(r => r.Features[0] == r.Label && r.Features[1] == -r.Label && r.Weight == 1f));
            if (!shuffle)
            {
                CollectionAssert.AreEqual(Enumerable.Range(0, 103).Select(i => (float)i).ToArray(), rows.Select(r => r.Label).ToArray());
            }
        }
    }

    [TestMethod]
    public void InMemoryBatchesAreSizedAndOrderIsSeededPerEpoch()
    {
        var a = new InMemoryBatchSource(IdTable(25), 10, true, 77);
        var b = new InMemoryBatchSource(IdTable(25), 10, true, 77);
        var c = new InMemoryBatchSource(IdTable(25), 10, true, 78);
        var batch = new Batch(32, 2);
        a.StartEpoch(0);
        var sizes = new List<int>();
        while (a.Next(batch))
        {
            sizes.Add(batch.Count);
        }

        CollectionAssert.AreEqual(new[] { 10, 10, 5 }, sizes);
        CollectionAssert.AreEqual(Keys(Epoch(a, 4)), Keys(Epoch(b, 4)));
        CollectionAssert.AreNotEqual(Keys(Epoch(a, 0)), Keys(Epoch(a, 1)));
        CollectionAssert.AreNotEqual(Keys(Epoch(a, 0)), Keys(Epoch(c, 0)));
        CollectionAssert.AreEqual(Keys(Epoch(a, 2)), Keys(Epoch(a, 2)), "replaying an epoch gives the same order");

        // Next without StartEpoch starts epoch 0; a batch with the wrong width is rejected.
        var fresh = new InMemoryBatchSource(IdTable(25), 10, true, 77);
        CollectionAssert.AreEqual(Keys(Epoch(b, 0)), Keys(Drain(fresh)));
        Assert.ThrowsExactly<ArgumentException>(() => fresh.Next(new Batch(4, 3)));
    }

    [TestMethod]
    public void InMemorySeekContinuesLikeAnUninterruptedRun()
    {
        DenseTable table = IdTable(57);
        var reference = new InMemoryBatchSource(table, 8, true, 11);
        string[] full = Keys(Epoch(reference, 3));
        foreach (long pos in new long[] { 0, 1, 8, 13, 56, 57 })
        {
            var resumed = new InMemoryBatchSource(table, 8, true, 11);
            Epoch(resumed, 0);
            resumed.Seek(3, pos);
            Assert.AreEqual(pos, resumed.Position);
            CollectionAssert.AreEqual(full.Skip((int)pos).ToArray(), Keys(Drain(resumed)), $"seek to {pos}");
        }

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => reference.Seek(0, 58));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => reference.Seek(-1, 0));
    }

    [TestMethod]
    public void InMemoryAppliesTransformAndWeights()
    {
        var table = new DenseTable(new float[] { 1, 2, 3, 4, 5, 6 }, 2, new float[] { 0, 1, 0 }, new float[] { 1, 2, 1 });
        var norm = new AffineNormalizer(new[] { 1f, 2f }, new[] { 0.5f, 0.25f });
        var source = new InMemoryBatchSource(table, 2, false, 0, norm);
        var batch = new Batch(2, 2);
        source.StartEpoch(0);
        Assert.IsTrue(source.Next(batch));
        CollectionAssert.AreEqual(new[] { 0f, 0f, 1f, 0.5f }, batch.Features);
        CollectionAssert.AreEqual(new[] { 1f, 2f }, batch.Weights);
        Assert.IsTrue(batch.HasWeights);
        Assert.IsTrue(source.Next(batch));
        Assert.AreEqual(1, batch.Count);
        Assert.IsFalse(batch.HasWeights);
        CollectionAssert.AreEqual(new[] { 2f, 1f }, batch.Features.Take(2).ToArray());
        Assert.AreEqual(1f, table.Features[0], "the table itself is not transformed");
    }

    [TestMethod]
    public void InMemoryNextAllocatesNothing()
    {
        DenseTable table = CsvLoader.Load(DataTestUtil.DataFile("digits.csv"), new CsvOptions { LabelColumn = "digit" }).Table;
        AffineNormalizer norm = MeanVarianceNormalizer.Fit(table);
        var source = new InMemoryBatchSource(table, 32, true, 1, norm);
        var batch = new Batch(32, table.FeatureCount);
        source.StartEpoch(0);
        while (source.Next(batch))
        {
        }

        source.StartEpoch(1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int batches = 0;
        while (source.Next(batch))
        {
            batches++;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.AreEqual(57, batches);
        Assert.AreEqual(0L, allocated, $"{allocated} bytes allocated over {batches} batches");
    }

    [TestMethod]
    [DataRow(true, 64, DisplayName = "streaming shuffled (buffer 64) yields the in-memory multiset")]
    [DataRow(true, 5000, DisplayName = "streaming shuffled (buffer larger than file) yields the in-memory multiset")]
    [DataRow(false, 64, DisplayName = "streaming in order yields the loaded table in order")]
    public void StreamingYieldsTheSameRowsAsInMemory(bool shuffle, int bufferRows)
    {
        using var dir = new DataTempDir();
        string path = WriteIdCsv(dir, 1000);
        var options = new CsvOptions { LabelColumn = "y", WeightColumn = "w" };
        CsvDataset ds = CsvLoader.Load(path, options);
        Assert.AreEqual(TaskKind.Regression, ds.Schema.Task);
        Assert.AreEqual(5, ds.Schema.FeatureCount);

        using var streaming = new CsvStreamingBatchSource(path, ds.Schema, options, 32, shuffle, 9, bufferRows);
        var memory = new InMemoryBatchSource(ds.Table, 32, shuffle, 9);
        Assert.AreEqual(1000L, streaming.RowCount);
        string[] expected = Keys(Epoch(memory, 0));
        for (int epoch = 0; epoch < 2; epoch++)
        {
            string[] got = Keys(Epoch(streaming, epoch, 32));
            Assert.AreEqual(1000L, streaming.Position);
            if (shuffle)
            {
                CollectionAssert.AreEquivalent(expected, got);
                CollectionAssert.AreNotEqual(expected.Order(StringComparer.Ordinal).ToArray(), got, "the stream is shuffled");
            }
            else
            {
                CollectionAssert.AreEqual(expected, got);
            }
        }
    }

    [TestMethod]
    public void StreamingIsDeterministicReshufflesPerEpochAndSeeks()
    {
        using var dir = new DataTempDir();
        string path = WriteIdCsv(dir, 300);
        var options = new CsvOptions { LabelColumn = "y", WeightColumn = "w" };
        DatasetSchema schema = CsvLoader.Load(path, options).Schema;
        using var a = new CsvStreamingBatchSource(path, schema, options, 7, true, 21, 50);
        using var b = new CsvStreamingBatchSource(path, schema, options, 7, true, 21, 50);
        using var c = new CsvStreamingBatchSource(path, schema, options, 7, true, 22, 50);
        string[] a1 = Keys(Epoch(a, 1));
        CollectionAssert.AreEqual(a1, Keys(Epoch(b, 1)));
        CollectionAssert.AreNotEqual(Keys(Epoch(a, 0)), a1);
        CollectionAssert.AreNotEqual(Keys(Epoch(c, 1)), a1);
        CollectionAssert.AreEqual(a1, Keys(Epoch(a, 1)), "replaying an epoch gives the same order");

        foreach (long pos in new long[] { 0, 1, 7, 50, 123, 299, 300 })
        {
            using var resumed = new CsvStreamingBatchSource(path, schema, options, 7, true, 21, 50);
            resumed.Seek(1, pos);
            Assert.AreEqual(pos, resumed.Position);
            CollectionAssert.AreEqual(a1.Skip((int)pos).ToArray(), Keys(Drain(resumed, 7)), $"seek to {pos}");
        }

        // A source interrupted mid-epoch and resumed elsewhere continues identically.
        var batch = new Batch(7, schema.FeatureCount);
        b.StartEpoch(1);
        for (int i = 0; i < 5; i++)
        {
            b.Next(batch);
        }

        using var resumedFromCheckpoint = new CsvStreamingBatchSource(path, schema, options, 7, true, 21, 50);
        resumedFromCheckpoint.Seek(1, b.Position);
        CollectionAssert.AreEqual(Keys(Drain(b, 7)), Keys(Drain(resumedFromCheckpoint, 7)));
    }

    [TestMethod]
    public void StreamingAppliesTransformAndLabelTransform()
    {
        string path = DataTestUtil.DataFile("diamonds.csv");
        var options = new CsvOptions { LabelColumn = "price", LabelTransform = Math.Log };
        CsvDataset ds = CsvLoader.Load(path, options);
        AffineNormalizer norm = MinMaxNormalizer.Fit(ds.Table);
        using var streaming = new CsvStreamingBatchSource(path, ds.Schema, options, 256, false, 0, transform: norm);
        var memory = new InMemoryBatchSource(ds.Table, 256, false, 0, norm);
        var sb = new Batch(256, ds.Schema.FeatureCount);
        var mb = new Batch(256, ds.Schema.FeatureCount);
        streaming.StartEpoch(0);
        memory.StartEpoch(0);
        long rows = 0;
        while (memory.Next(mb))
        {
            Assert.IsTrue(streaming.Next(sb));
            Assert.AreEqual(mb.Count, sb.Count);
            CollectionAssert.AreEqual(mb.Features.AsSpan(0, mb.Count * mb.FeatureCount).ToArray(), sb.Features.AsSpan(0, sb.Count * sb.FeatureCount).ToArray());
            CollectionAssert.AreEqual(mb.Labels.AsSpan(0, mb.Count).ToArray(), sb.Labels.AsSpan(0, sb.Count).ToArray());
            rows += mb.Count;
        }

        Assert.IsFalse(streaming.Next(sb));
        Assert.AreEqual(53940L, rows);
        Assert.AreEqual((float)Math.Log(326), ds.Table.Labels[0]);
    }

    [TestMethod]
    public void StreamingErrors()
    {
        using var dir = new DataTempDir();
        string path = WriteIdCsv(dir, 20);
        var options = new CsvOptions { LabelColumn = "y", WeightColumn = "w" };
        DatasetSchema schema = CsvLoader.Load(path, options).Schema;

        string otherHeader = dir.Write("other.csv", "id,x,k,w,y\n1,2,a,1,3\n");
        DataTestUtil.AssertCsvError(() => new CsvStreamingBatchSource(otherHeader, schema, options, 4, true, 1), otherHeader, 1, null, "does not match the schema");

        string badRow = dir.Write("bad.csv", "id,x,c,w,y\n1,2,a,1,3\n2,oops,b,1,4\n");
        using (var s = new CsvStreamingBatchSource(badRow, schema, options, 4, false, 1))
        {
            DataTestUtil.AssertCsvError(() => s.Next(new Batch(4, schema.FeatureCount)), badRow, 3, "x", "'oops' is not a number");
        }

        string unknownCategory = dir.Write("unknown.csv", "id,x,c,w,y\n1,2,zzz,1,3\n");
        using (var s = new CsvStreamingBatchSource(unknownCategory, schema, options, 4, true, 1))
        {
            var batch = new Batch(4, schema.FeatureCount);
            Assert.IsTrue(s.Next(batch));
            CollectionAssert.AreEqual(new[] { 1f, 2f, 0f, 0f, 0f }, batch.Features.Take(schema.FeatureCount).ToArray(), "an unknown category is all zeros");
        }

        Assert.ThrowsExactly<ArgumentException>(() => new CsvStreamingBatchSource(path, schema, new CsvOptions { LabelColumn = "x" }, 4, true, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CsvStreamingBatchSource(path, schema, options, 4, true, 1, 0));
        var disposed = new CsvStreamingBatchSource(path, schema, options, 4, true, 1);
        disposed.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => disposed.StartEpoch(0));
    }
}
