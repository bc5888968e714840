using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace MLNet.Optimizers.MLNet.Tests;

/// <summary>The row helpers shared by the face and the command-line tool, on views that know their count and views that do not.</summary>
[TestClass]
public sealed class DataViewsTests
{
    private sealed class Row
    {
        public float X { get; set; }
    }

    [TestMethod]
    [DataRow(0, DisplayName = "rows: header only")]
    [DataRow(1, DisplayName = "rows: one")]
    [DataRow(7, DisplayName = "rows: seven")]
    public void CountRowsAndHasRowsAgreeOnAFileWhoseCountIsUnknown(int n)
    {
        string path = Path.Combine(Path.GetTempPath(), $"dataviews-{n}-{System.Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllLines(path, new[] { "x" }.Concat(Enumerable.Range(0, n).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            var ml = new MLContext(seed: 0);
            IDataView view = ml.Data.LoadFromTextFile(path, new[] { new TextLoader.Column("x", DataKind.Single, 0) }, ',', hasHeader: true);
            Assert.IsNull(view.GetRowCount(), "a text file's count is unknown until read");
            Assert.AreEqual((long)n, DataViews.CountRows(view));
            Assert.AreEqual(n > 0, DataViews.HasRows(view));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void HasRowsUsesAKnownCount()
    {
        var ml = new MLContext(seed: 0);
        IDataView three = ml.Data.LoadFromEnumerable(new[] { new Row { X = 1 }, new Row { X = 2 }, new Row { X = 3 } });
        Assert.AreEqual(3L, DataViews.CountRows(three));
        Assert.IsTrue(DataViews.HasRows(three));
        Assert.IsFalse(DataViews.HasRows(new EmptyDataView(three.Schema)));
        Assert.AreEqual(0L, DataViews.CountRows(new EmptyDataView(three.Schema)));
    }
}
