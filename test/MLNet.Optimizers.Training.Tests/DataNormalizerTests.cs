using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>Min-max and mean-variance normalizers: hand-computed parameters, constant columns, fit-on-train-only, in-place transform.</summary>
[TestClass]
public sealed class DataNormalizerTests
{
    // Columns: f0 = {1, 2, 3, 5}, f1 = {-4, 2, 0, 1}, f2 = constant 7.
    private static DenseTable Small() => new(
        new float[] { 1, -4, 7, 2, 2, 7, 3, 0, 7, 5, 1, 7 },
        3,
        new float[] { 0, 1, 0, 1 });

    private static void AssertColumn(DenseTable t, int col, params double[] expected)
    {
        for (int r = 0; r < expected.Length; r++)
        {
            Assert.AreEqual(expected[r], t.Row(r)[col], 1e-6, $"row {r}, feature {col}");
        }
    }

    [TestMethod]
    public void MinMaxFixZeroScalesByLargestMagnitude()
    {
        AffineNormalizer n = MinMaxNormalizer.Fit(Small());
        CollectionAssert.AreEqual(new[] { 0f, 0f, 0f }, n.Offsets.ToArray());
        CollectionAssert.AreEqual(new[] { 1f / 5, 1f / 4, 0f }, n.Scales.ToArray());
        DenseTable t = n.Apply(Small());
        AssertColumn(t, 0, 0.2, 0.4, 0.6, 1.0);
        AssertColumn(t, 1, -1, 0.5, 0, 0.25);
        AssertColumn(t, 2, 0, 0, 0, 0);
    }

    [TestMethod]
    public void MinMaxWithoutFixZeroMapsToUnitInterval()
    {
        AffineNormalizer n = MinMaxNormalizer.Fit(Small(), fixZero: false);
        CollectionAssert.AreEqual(new[] { 1f, -4f, 0f }, n.Offsets.ToArray());
        DenseTable t = n.Apply(Small());
        AssertColumn(t, 0, 0, 0.25, 0.5, 1);
        AssertColumn(t, 1, 0, 1, 4.0 / 6, 5.0 / 6);
        AssertColumn(t, 2, 0, 0, 0, 0);
    }

    [TestMethod]
    public void MeanVarianceIsPopulationZScore()
    {
        AffineNormalizer n = MeanVarianceNormalizer.Fit(Small());
        double std0 = Math.Sqrt(8.75 / 4);          // f0: mean 2.75, squared deviations sum 8.75
        double std1 = Math.Sqrt(20.75 / 4);         // f1: mean -0.25, squared deviations 14.0625 + 5.0625 + 0.0625 + 1.5625
        Assert.AreEqual(2.75f, n.Offsets[0]);
        Assert.AreEqual(-0.25f, n.Offsets[1]);
        Assert.AreEqual((float)(1 / std0), n.Scales[0]);
        Assert.AreEqual((float)(1 / std1), n.Scales[1]);
        Assert.AreEqual(0f, n.Scales[2]);
        DenseTable t = n.Apply(Small());
        AssertColumn(t, 0, (1 - 2.75) / std0, (2 - 2.75) / std0, (3 - 2.75) / std0, (5 - 2.75) / std0);
        AssertColumn(t, 1, (-4 + 0.25) / std1, (2 + 0.25) / std1, 0.25 / std1, 1.25 / std1);
        AssertColumn(t, 2, 0, 0, 0, 0);
        for (int j = 0; j < 2; j++)
        {
            double[] col = Enumerable.Range(0, 4).Select(r => (double)t.Row(r)[j]).ToArray();
            Assert.AreEqual(0, col.Average(), 1e-6);
            Assert.AreEqual(1, col.Select(v => v * v).Average(), 1e-5);
        }
    }

    [TestMethod]
    public void MeanVarianceFixZeroDividesByRms()
    {
        AffineNormalizer n = MeanVarianceNormalizer.Fit(Small(), fixZero: true);
        Assert.AreEqual(0f, n.Offsets[0]);
        Assert.AreEqual((float)(1 / Math.Sqrt((1 + 4 + 9 + 25) / 4.0)), n.Scales[0], 1e-7f);
        Assert.AreEqual((float)(1 / Math.Sqrt((16 + 4 + 0 + 1) / 4.0)), n.Scales[1], 1e-7f);
        Assert.AreEqual(0f, n.Scales[2]);
    }

    [TestMethod]
    public void FitOnTrainOnlyAppliesTrainParametersToTest()
    {
        CsvDataset ds = CsvLoader.Load(DataTestUtil.DataFile("wine.csv"), new CsvOptions { LabelColumn = "cultivar" });
        (DenseTable train, DenseTable test) = DataSplit.TrainTest(ds.Table, 0.3, 7);
        AffineNormalizer fromTrain = MinMaxNormalizer.Fit(train, fixZero: false);
        AffineNormalizer fromAll = MinMaxNormalizer.Fit(ds.Table, fixZero: false);
        CollectionAssert.AreNotEqual(fromAll.Offsets.ToArray(), fromTrain.Offsets.ToArray());
        for (int j = 0; j < train.FeatureCount; j++)
        {
            float min = Enumerable.Range(0, train.RowCount).Min(r => train.Row(r)[j]);
            Assert.AreEqual(min, fromTrain.Offsets[j]);
        }

        DenseTable normTest = fromTrain.Apply(test);
        for (int r = 0; r < test.RowCount; r++)
        {
            for (int j = 0; j < test.FeatureCount; j++)
            {
                Assert.AreEqual((test.Row(r)[j] - fromTrain.Offsets[j]) * fromTrain.Scales[j], normTest.Row(r)[j]);
            }
        }

        DenseTable normTrain = fromTrain.Apply(train);
        Assert.IsTrue(normTrain.Features.All(v => v >= 0f && v <= 1.0000001f));
        Assert.AreSame(test.Labels, normTest.Labels);
        Assert.AreNotSame(test.Features, normTest.Features);
    }

    [TestMethod]
    public void FitFromBatchSourceMatchesFitFromTable()
    {
        DenseTable digits = CsvLoader.Load(DataTestUtil.DataFile("digits.csv"), new CsvOptions { LabelColumn = "digit" }).Table;
        var source = new InMemoryBatchSource(digits, 100, shuffle: true, seed: 3);
        CollectionAssert.AreEqual(MinMaxNormalizer.Fit(digits).Scales.ToArray(), MinMaxNormalizer.Fit(source).Scales.ToArray());
        AffineNormalizer a = MeanVarianceNormalizer.Fit(digits);
        AffineNormalizer b = MeanVarianceNormalizer.Fit(source);
        for (int j = 0; j < digits.FeatureCount; j++)
        {
            Assert.AreEqual(a.Offsets[j], b.Offsets[j], 1e-5f);
            Assert.AreEqual(a.Scales[j], b.Scales[j], 1e-5f * Math.Max(1f, a.Scales[j]));
        }
    }

    [TestMethod]
    public void TransformIsInPlaceAndValidated()
    {
        var n = new AffineNormalizer(new[] { 1f, 2f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 1f }, Enumerable.Repeat(2f, 10).ToArray());
        var rows = new float[20];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = i;
        }

        n.Transform(rows, 10);
        Assert.AreEqual(-2f, rows[0]);
        Assert.AreEqual(-2f, rows[1]);
        Assert.AreEqual(16f, rows[9]);
        Assert.AreEqual(18f, rows[10]);
        Assert.AreEqual(36f, rows[19]);
        Assert.ThrowsExactly<ArgumentException>(() => n.Transform(new float[20], 5));
        Assert.ThrowsExactly<ArgumentException>(() => n.Transform(new float[15], 10));
        Assert.ThrowsExactly<ArgumentException>(() => new AffineNormalizer(new[] { 1f }, new[] { 1f, 2f }));
        Assert.ThrowsExactly<ArgumentException>(() => new AffineNormalizer(new[] { float.NaN }, new[] { 1f }));
        Assert.ThrowsExactly<ArgumentException>(() => MinMaxNormalizer.Fit(new DenseTable(Array.Empty<float>(), 2, Array.Empty<float>())));
    }
}
