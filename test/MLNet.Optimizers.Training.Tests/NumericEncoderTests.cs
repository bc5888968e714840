using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>The numeric encoding of the tabular recipe: robust scaling, smooth clipping, piecewise-linear bins.</summary>
[TestClass]
public sealed class NumericEncoderTests
{
    /// <summary>Columns: 0..99 (numeric), a binary column (10% ones), a constant, a three-valued column.</summary>
    private static DenseTable Table()
    {
        const int n = 100, d = 4;
        var x = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            x[(i * d) + 0] = i;
            x[(i * d) + 1] = i % 10 == 0 ? 1 : 0;
            x[(i * d) + 2] = 7;
            x[(i * d) + 3] = i % 3;
        }

        return new DenseTable(x, d, new float[n]);
    }

    [TestMethod]
    public void RobustScaling_UsesMedianAndQuartiles_WithFallbacks()
    {
        NumericEncoder e = NumericEncoder.Fit(Table(), new NumericEncodingOptions { SmoothClip = 0, PiecewiseLinearBins = 0 });
        Assert.AreEqual(4, e.OutputCount);
        Assert.AreEqual(0, e.BinCount);

        // Column 0: sorted 0..99, quantile index floor(q * 99): median 49, q25 24, q75 74, so (x - 49) / 50.
        Assert.AreEqual(1f / 50, e.RawScale[0]);
        Assert.AreEqual(-49f * (1f / 50), e.RawOffset[0]);

        // Binary column: equal quartiles (0, 0), so half the range: scale 1 / 0.5, center the median 0.
        Assert.AreEqual(2f, e.RawScale[1]);
        Assert.AreEqual(0f, e.RawOffset[1]);

        // Constant column: nothing to scale by, the output is 0.
        Assert.AreEqual(0f, e.RawScale[2]);
        Assert.AreEqual(0f, e.RawOffset[2]);

        var y = new float[4];
        e.Encode(new float[] { 99, 1, 7, 2 }, y);
        Assert.AreEqual(1f, y[0], 1e-6f, "(99 - 49) / 50");
        Assert.AreEqual(2f, y[1]);
        Assert.AreEqual(0f, y[2]);
    }

    [TestMethod]
    public void SmoothClip_IsBoundedAndNearlyTheIdentityNearZero()
    {
        const float c2 = 9f;
        Assert.AreEqual(0f, NumericEncoder.Clip(0f, c2));
        Assert.AreEqual(0.1f, NumericEncoder.Clip(0.1f, c2), 1e-3f);
        Assert.IsLessThanOrEqualTo(3f, NumericEncoder.Clip(1e6f, c2));
        Assert.IsGreaterThan(2.99f, NumericEncoder.Clip(1e6f, c2));
        Assert.AreEqual(-NumericEncoder.Clip(5f, c2), NumericEncoder.Clip(-5f, c2));
        float previous = float.NegativeInfinity;
        for (float v = -50; v <= 50; v += 0.25f)
        {
            float c = NumericEncoder.Clip(v, c2);
            Assert.IsGreaterThanOrEqualTo(previous, c, $"monotonic at {v}");
            previous = c;
        }
    }

    [TestMethod]
    public void PiecewiseLinearBins_FromQuantiles_MonotoneAndInUnitRange()
    {
        NumericEncoder e = NumericEncoder.Fit(Table(), new NumericEncodingOptions { PiecewiseLinearBins = 4 });

        // Column 0 gets 4 bins with edges 0, 24, 49, 74, 99; the binary and the constant column none; column 3
        // (values 0, 1, 2) two bins (duplicate quantile edges merge).
        CollectionAssert.AreEqual(new[] { 0, 0, 0, 0, 3, 3 }, e.BinFeature.ToArray());
        Assert.AreEqual(1f / 24, e.BinScale[0]);
        Assert.AreEqual(0f, e.BinOffset[0]);
        Assert.AreEqual(4 + 6, e.OutputCount);

        var y = new float[e.OutputCount];
        float[] last = new float[e.BinCount];
        for (int v = -10; v <= 110; v++)
        {
            e.Encode(new float[] { v, 0, 7, 1 }, y);
            float[] bins = y.Skip(4).ToArray();
            Assert.IsTrue(bins.All(b => b >= 0 && b <= 1), $"bins in [0, 1] at {v}");
            for (int t = 0; t < 4; t++)
            {
                Assert.IsGreaterThanOrEqualTo(last[t], bins[t], $"bin {t} is monotone in x at {v}");
            }

            last = bins;
        }

        e.Encode(new float[] { 36.5f, 0, 7, 1 }, y);
        float[] expected = { 1f, 0.5f, 0f, 0f };
        for (int t = 0; t < 4; t++)
        {
            Assert.AreEqual(expected[t], y[4 + t], 1e-6f, $"x = 36.5: first bin full, second half, the rest empty (bin {t})");
        }

        CollectionAssert.AreEqual(new[] { 1f, 0f }, y.Skip(8).ToArray(), "three-valued column at 1");
    }

    [TestMethod]
    public void EncodeTable_EqualsRowEncoding_AndNamesTheBins()
    {
        DenseTable t = Table();
        NumericEncoder e = NumericEncoder.Fit(t, new NumericEncodingOptions { PiecewiseLinearBins = 4 });
        DenseTable encoded = e.Encode(t);
        Assert.AreEqual(e.OutputCount, encoded.FeatureCount);
        Assert.AreSame(t.Labels, encoded.Labels);
        var y = new float[e.OutputCount];
        for (int r = 0; r < t.RowCount; r++)
        {
            e.Encode(t.Row(r), y);
            CollectionAssert.AreEqual(y, encoded.Row(r).ToArray(), $"row {r}");
        }

        Assert.AreEqual("f0#bin0", encoded.FeatureNames[4]);
        Assert.AreEqual("f3#bin5", encoded.FeatureNames[9]);
    }

    [TestMethod]
    public void EncodingBatchSource_DeliversEncodedBatches()
    {
        DenseTable t = Table();
        NumericEncoder e = NumericEncoder.Fit(t, new NumericEncodingOptions());
        var source = new EncodingBatchSource(new InMemoryBatchSource(t, 16, false, 1), e);
        Assert.AreEqual(e.OutputCount, source.FeatureCount);
        source.StartEpoch(0);
        var batch = new Batch(16, source.FeatureCount);
        var y = new float[e.OutputCount];
        int row = 0;
        while (source.Next(batch))
        {
            for (int r = 0; r < batch.Count; r++, row++)
            {
                e.Encode(t.Row(row), y);
                CollectionAssert.AreEqual(y, batch.Features.AsSpan(r * e.OutputCount, e.OutputCount).ToArray(), $"row {row}");
            }
        }

        Assert.AreEqual(t.RowCount, row);
        Assert.ThrowsExactly<ArgumentException>(() => source.Next(new Batch(16, 3)));
    }

    [TestMethod]
    [DataRow(-1.0, 16, DisplayName = "negative smooth clip")]
    [DataRow(double.PositiveInfinity, 16, DisplayName = "infinite smooth clip")]
    [DataRow(3.0, 1, DisplayName = "one bin")]
    [DataRow(3.0, -2, DisplayName = "negative bins")]
    [DataRow(3.0, 2000, DisplayName = "too many bins")]
    public void BadOptions_ThrowNamingTheOption(double clip, int bins)
    {
        var o = new NumericEncodingOptions { SmoothClip = clip, PiecewiseLinearBins = bins };
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NumericEncoder.Fit(Table(), o));
        StringAssert.Contains(ex.ParamName, bins is >= 2 and <= 1024 || bins == 0 ? "SmoothClip" : "PiecewiseLinearBins");
    }
}
