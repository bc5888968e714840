using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>The in-memory batch source: coverage, determinism, per-epoch reshuffling, Seek, weights, allocations.</summary>
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
    public void InMemoryCopiesRowsAndWeights()
    {
        var table = new DenseTable(new float[] { 1, 2, 3, 4, 5, 6 }, 2, new float[] { 0, 1, 0 }, new float[] { 1, 2, 1 });
        var source = new InMemoryBatchSource(table, 2, false, 0);
        var batch = new Batch(2, 2);
        source.StartEpoch(0);
        Assert.IsTrue(source.Next(batch));
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f, 4f }, batch.Features);
        CollectionAssert.AreEqual(new[] { 1f, 2f }, batch.Weights);
        Assert.IsTrue(batch.HasWeights);
        Assert.IsTrue(source.Next(batch));
        Assert.AreEqual(1, batch.Count);
        Assert.IsFalse(batch.HasWeights);
        CollectionAssert.AreEqual(new[] { 5f, 6f }, batch.Features.Take(2).ToArray());
        batch.Features[0] = 99;
        Assert.AreEqual(5f, table.Features[4], "the batch is a copy: the table is not changed");
    }

    [TestMethod]
    public void InMemoryNextAllocatesNothing()
    {
        DenseTable table = MLNet.Optimizers.TestSupport.TabularTestData.Load(DataTestUtil.DataFile("digits.csv"), "digit").Table;
        var source = new InMemoryBatchSource(table, 32, true, 1);
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
}
