using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>ShuffleBuffer (shared by the CSV and IDataView streaming sources) and the stratified selection split.</summary>
[TestClass]
public sealed class ShuffleBufferTests
{
    [TestMethod]
    [DataRow(100, 7, DisplayName = "buffer of 7 over 100 rows")]
    [DataRow(100, 100, DisplayName = "buffer as large as the stream")]
    [DataRow(5, 64, DisplayName = "buffer larger than the stream")]
    [DataRow(1, 1, DisplayName = "one row, buffer of one")]
    public void Takes_every_row_once_in_the_order_of_the_reference_algorithm(int rows, int capacity)
    {
        List<float> Run(ulong seed)
        {
            int next = 0;
            bool Read(Span<float> f, out float label, out float weight)
            {
                label = weight = 0;
                if (next == rows)
                {
                    return false;
                }

                f[0] = next;
                f[1] = -next;
                label = next * 10;
                weight = 1;
                next++;
                return true;
            }

            var buffer = new ShuffleBuffer(capacity, 2, Read);
            buffer.Start(seed);
            var order = new List<float>();
            var row = new float[2];
            while (buffer.Take(row, out float label, out _))
            {
                Assert.AreEqual(-row[0], row[1], "features travel together");
                Assert.AreEqual(row[0] * 10, label, "the label travels with its row");
                order.Add(row[0]);
            }

            return order;
        }

        // The reference: fill, draw j uniformly, emit j, refill j from the stream or move the last slot into j.
        List<float> Reference(ulong seed)
        {
            var rng = new DeterministicRandom(seed);
            var buf = new List<float>();
            int next = 0;
            while (buf.Count < capacity && next < rows)
            {
                buf.Add(next++);
            }

            var order = new List<float>();
            while (buf.Count > 0)
            {
                int j = rng.NextInt(buf.Count);
                order.Add(buf[j]);
                if (next < rows)
                {
                    buf[j] = next++;
                }
                else
                {
                    buf[j] = buf[^1];
                    buf.RemoveAt(buf.Count - 1);
                }
            }

            return order;
        }

        List<float> a = Run(5);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, rows).Select(i => (float)i).ToList(), a, "every row exactly once");
        CollectionAssert.AreEqual(Reference(5), a, "the documented algorithm, draw for draw");
        CollectionAssert.AreEqual(a, Run(5), "same seed, same order");
        if (rows > 2)
        {
            CollectionAssert.AreNotEqual(a, Run(6), "another seed, another order");
        }
    }

    [TestMethod]
    public void Bad_arguments_throw()
    {
        static bool None(Span<float> f, out float l, out float w)
        {
            l = w = 0;
            return false;
        }

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ShuffleBuffer(0, 2, None));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ShuffleBuffer(2, 0, None));
        Assert.ThrowsExactly<ArgumentNullException>(() => new ShuffleBuffer(2, 2, null!));
        var b = new ShuffleBuffer(2, 2, None);
        b.Start(1);
        Assert.ThrowsExactly<ArgumentException>(() => b.Take(new float[3], out _, out _));
        Assert.IsFalse(b.Take(new float[2], out _, out _), "an empty stream gives no row");
    }

    [TestMethod]
    public void Selection_split_is_stratified_seeded_and_keeps_both_parts()
    {
        float[] labels = Enumerable.Range(0, 300).Select(i => (float)(i < 200 ? 0 : i < 290 ? 1 : 2)).ToArray();
        (int[] train, int[] selection) = DataSplit.SelectionIndices(labels, TaskKind.MulticlassClassification, 0.1, 3);
        Assert.AreEqual(20, selection.Count(i => labels[i] == 0));
        Assert.AreEqual(9, selection.Count(i => labels[i] == 1));
        Assert.AreEqual(1, selection.Count(i => labels[i] == 2));
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 300).ToArray(), train.Concat(selection).ToArray());
        CollectionAssert.AreEqual(train.OrderBy(i => i).ToArray(), train, "ascending");
        CollectionAssert.AreEqual(selection, DataSplit.SelectionIndices(labels, TaskKind.MulticlassClassification, 0.1, 3).Selection);
        CollectionAssert.AreNotEqual(selection, DataSplit.SelectionIndices(labels, TaskKind.MulticlassClassification, 0.1, 4).Selection);
        (_, int[] tiny) = DataSplit.SelectionIndices(new float[] { 0, 1, 0 }, TaskKind.BinaryClassification, 0.1, 1);
        Assert.HasCount(1, tiny, "at least one selection row");
        (int[] all, _) = DataSplit.SelectionIndices(new float[] { 0, 1 }, TaskKind.BinaryClassification, 0.9, 1);
        Assert.HasCount(1, all, "at least one training row");
        Assert.ThrowsExactly<ArgumentException>(() => DataSplit.SelectionIndices(new float[] { 0, 1.5f }, TaskKind.BinaryClassification, 0.5, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DataSplit.SelectionIndices(new float[] { 0 }, TaskKind.Regression, 0.5, 1));
    }
}
