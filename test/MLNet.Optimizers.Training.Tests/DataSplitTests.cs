using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>DataSplit.TrainTest: deterministic, disjoint, complete, sized by the fraction.</summary>
[TestClass]
public sealed class DataSplitTests
{
    private static DenseTable Indexed(int rows) =>
        new(Enumerable.Range(0, rows).Select(i => (float)i).ToArray(), 1, Enumerable.Range(0, rows).Select(i => (float)i).ToArray());

    [TestMethod]
    [DataRow(1000, 0.2, 200, DisplayName = "1000 rows, 20% test")]
    [DataRow(150, 0.3, 45, DisplayName = "150 rows, 30% test")]
    [DataRow(10, 0.01, 1, DisplayName = "at least one test row")]
    [DataRow(10, 0.99, 9, DisplayName = "at least one train row")]
    public void SplitIsDisjointCompleteAndSized(int rows, double fraction, int testRows)
    {
        (DenseTable train, DenseTable test) = DataSplit.TrainTest(Indexed(rows), fraction, 42);
        Assert.AreEqual(testRows, test.RowCount);
        Assert.AreEqual(rows - testRows, train.RowCount);
        float[] all = train.Labels.Concat(test.Labels).OrderBy(v => v).ToArray();
        CollectionAssert.AreEqual(Enumerable.Range(0, rows).Select(i => (float)i).ToArray(), all);
        Assert.IsFalse(train.Labels.Intersect(test.Labels).Any());
        CollectionAssert.AreEqual(train.Labels.OrderBy(v => v).ToArray(), train.Labels, "each part keeps the original order");
        CollectionAssert.AreEqual(train.Labels, train.Features, "features travel with their labels");
    }

    [TestMethod]
    public void SameSeedSameSplitDifferentSeedDifferentSplit()
    {
        DenseTable t = Indexed(500);
        (DenseTable a, DenseTable at) = DataSplit.TrainTest(t, 0.25, 9);
        (DenseTable b, DenseTable bt) = DataSplit.TrainTest(t, 0.25, 9);
        (DenseTable c, _) = DataSplit.TrainTest(t, 0.25, 10);
        CollectionAssert.AreEqual(a.Labels, b.Labels);
        CollectionAssert.AreEqual(at.Labels, bt.Labels);
        CollectionAssert.AreNotEqual(a.Labels, c.Labels);
        (int[] trainIdx, int[] testIdx) = DataSplit.TrainTestIndices(500, 0.25, 9);
        CollectionAssert.AreEqual(at.Labels, testIdx.Select(i => (float)i).ToArray());
        Assert.HasCount(375, trainIdx);
    }

    [TestMethod]
    [DataRow(0.0, DisplayName = "fraction 0 is rejected")]
    [DataRow(1.0, DisplayName = "fraction 1 is rejected")]
    [DataRow(-0.5, DisplayName = "negative fraction is rejected")]
    [DataRow(double.NaN, DisplayName = "NaN fraction is rejected")]
    public void InvalidFractionThrows(double fraction)
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DataSplit.TrainTest(Indexed(10), fraction, 1));
    }

    [TestMethod]
    public void TooFewRowsThrows()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DataSplit.TrainTest(Indexed(1), 0.5, 1));
    }
}
