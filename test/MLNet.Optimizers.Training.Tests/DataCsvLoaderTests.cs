using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class DataTempDir : IDisposable
{
    public DataTempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mlnet-data-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string content, bool bom = false)
    {
        string p = System.IO.Path.Combine(Path, name);
        File.WriteAllText(p, content, new UTF8Encoding(bom));
        return p;
    }

    public string WriteBytes(string name, byte[] content)
    {
        string p = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(p, content);
        return p;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Shared helpers of the Data* tests.</summary>
internal static class DataTestUtil
{
    public static string DataFile(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    public static CsvFormatException AssertCsvError(Action action, string path, long line, string? column, string detailFragment)
    {
        CsvFormatException e = Assert.ThrowsExactly<CsvFormatException>(action);
        Assert.AreEqual(path, e.FilePath, e.Message);
        Assert.AreEqual(line, e.LineNumber, e.Message);
        Assert.AreEqual(column, e.ColumnName, e.Message);
        Assert.Contains(path, e.Message);
        if (line > 0)
        {
            Assert.Contains(":" + line.ToString(CultureInfo.InvariantCulture) + ":", e.Message);
        }

        if (column != null)
        {
            Assert.Contains("column '" + column + "'", e.Message);
        }

        Assert.Contains(detailFragment, e.Message);
        return e;
    }
}

/// <summary>CsvLoader: the real data sets, RFC 4180 quoting, task inference, imputation, schema re-encoding and every error path.</summary>
[TestClass]
public sealed class DataCsvLoaderTests
{
    [TestMethod]
    [DataRow("iris.csv", "species", 150, 4, TaskKind.MulticlassClassification, 3, DisplayName = "iris: 3 classes, 4 features")]
    [DataRow("wine.csv", "cultivar", 178, 13, TaskKind.MulticlassClassification, 3, DisplayName = "wine: 3 classes, 13 features")]
    [DataRow("breast_cancer.csv", "diagnosis", 569, 30, TaskKind.BinaryClassification, 2, DisplayName = "breast_cancer: binary, 30 features")]
    [DataRow("digits.csv", "digit", 1797, 64, TaskKind.MulticlassClassification, 10, DisplayName = "digits: 10 classes, 64 features")]
    [DataRow("diabetes.csv", "progression", 442, 10, TaskKind.Regression, 0, DisplayName = "diabetes: regression, 10 features")]
    [DataRow("diamonds.csv", "price", 53940, 26, TaskKind.Regression, 0, DisplayName = "diamonds: regression, 6 numeric + 20 one-hot")]
    [DataRow("Shuttle.csv", "Class", 58000, 9, TaskKind.MulticlassClassification, 7, DisplayName = "Shuttle: 7 classes, 9 features")]
    [DataRow("LetterRecognition.csv", "lettr", 20000, 16, TaskKind.MulticlassClassification, 26, DisplayName = "LetterRecognition: 26 classes, 16 features")]
    public void LoadsRealFile(string file, string label, int rows, int features, TaskKind task, int classes)
    {
        CsvDataset ds = CsvLoader.Load(DataTestUtil.DataFile(file), new CsvOptions { LabelColumn = label });
        Assert.AreEqual(rows, ds.Table.RowCount);
        Assert.AreEqual(features, ds.Table.FeatureCount);
        Assert.AreEqual(features, ds.Schema.FeatureCount);
        Assert.AreEqual(task, ds.Schema.Task);
        Assert.AreEqual(classes, ds.Schema.ClassCount);
        Assert.AreEqual(label, ds.Schema.LabelColumn);
        Assert.IsNull(ds.Table.Weights);
        CollectionAssert.AreEqual(ds.Schema.FeatureNames.ToArray(), ds.Table.FeatureNames.ToArray());
        Assert.IsTrue(ds.Table.Features.All(float.IsFinite));
        if (classes > 0)
        {
            Assert.IsTrue(ds.Table.Labels.All(l => l >= 0 && l < classes && l == MathF.Floor(l)));
            var seen = new HashSet<float>(ds.Table.Labels);
            Assert.HasCount(classes, seen);
        }
    }

    [TestMethod]
    public void DiamondsHasOneHotInFirstSeenOrderAndRawPrice()
    {
        string path = DataTestUtil.DataFile("diamonds.csv");
        CsvDataset ds = CsvLoader.Load(path, new CsvOptions { LabelColumn = "price" });

        // Independent first-seen order (diamonds has no quoted commas).
        string[] lines = File.ReadAllLines(path);
        List<string> FirstSeen(int col) => lines.Skip(1).Select(l => l.Split(',')[col].Trim('"')).Distinct().ToList();
        var expectedNames = new List<string> { "carat" };
        expectedNames.AddRange(FirstSeen(1).Select(v => "cut=" + v));
        expectedNames.AddRange(FirstSeen(2).Select(v => "color=" + v));
        expectedNames.AddRange(FirstSeen(3).Select(v => "clarity=" + v));
        expectedNames.AddRange(new[] { "depth", "table", "x", "y", "z" });
        CollectionAssert.AreEqual(expectedNames, ds.Schema.FeatureNames.ToList());
        Assert.AreEqual("cut=Ideal", ds.Schema.FeatureNames[1]);

        Assert.AreEqual(7, ds.Schema.Columns.Count(c => c.Kind == ColumnKind.Numeric) + 1);
        ColumnSchema cut = ds.Schema.Columns.Single(c => c.Name == "cut");
        Assert.AreEqual(ColumnKind.Categorical, cut.Kind);
        Assert.HasCount(5, cut.Categories);
        Assert.HasCount(7, ds.Schema.Columns.Single(c => c.Name == "color").Categories);
        Assert.HasCount(8, ds.Schema.Columns.Single(c => c.Name == "clarity").Categories);

        // Row 0: 0.23,"Ideal","E","SI2",61.5,55,326,3.95,3.98,2.43
        ReadOnlySpan<float> r0 = ds.Table.Row(0);
        Assert.AreEqual(0.23f, r0[0]);
        Assert.AreEqual(1f, r0[ds.Schema.FeatureNames.ToList().IndexOf("cut=Ideal")]);
        Assert.AreEqual(1f, r0[ds.Schema.FeatureNames.ToList().IndexOf("color=E")]);
        Assert.AreEqual(1f, r0[ds.Schema.FeatureNames.ToList().IndexOf("clarity=SI2")]);
        Assert.AreEqual(3f, r0.ToArray().Skip(1).Take(20).Sum());
        Assert.AreEqual(61.5f, r0[21]);
        Assert.AreEqual(2.43f, r0[25]);
        Assert.AreEqual(326f, ds.Table.Labels[0]);
        for (int r = 0; r < ds.Table.RowCount; r++)
        {
            Assert.AreEqual(3f, ds.Table.Row(r).Slice(1, 20).ToArray().Sum());
        }
    }

    [TestMethod]
    public void LabelTransformAppliesToRegressionLabels()
    {
        CsvDataset ds = CsvLoader.Load(DataTestUtil.DataFile("diamonds.csv"), new CsvOptions { LabelColumn = "price", LabelTransform = Math.Log });
        Assert.AreEqual((float)Math.Log(326), ds.Table.Labels[0]);
        Assert.ThrowsExactly<ArgumentException>(() => CsvLoader.Load(DataTestUtil.DataFile("iris.csv"), new CsvOptions { LabelColumn = "species", LabelTransform = Math.Log }));
    }

    [TestMethod]
    [DataRow("breast_cancer.csv", "diagnosis", "benign,malignant", DisplayName = "breast_cancer classes are ordinal-sorted strings")]
    [DataRow("iris.csv", "species", "setosa,versicolor,virginica", DisplayName = "iris classes")]
    [DataRow("wine.csv", "cultivar", "class_0,class_1,class_2", DisplayName = "wine classes")]
    [DataRow("digits.csv", "digit", "0,1,2,3,4,5,6,7,8,9", DisplayName = "digits classes are numeric-sorted")]
    [DataRow("Shuttle.csv", "Class", "Bpv.Close,Bpv.Open,Bypass,Fpv.Close,Fpv.Open,High,Rad.Flow", DisplayName = "Shuttle classes")]
    [DataRow("LetterRecognition.csv", "lettr", "A,B,C,D,E,F,G,H,I,J,K,L,M,N,O,P,Q,R,S,T,U,V,W,X,Y,Z", DisplayName = "LetterRecognition classes")]
    public void ClassNamesAreSorted(string file, string label, string classes)
    {
        string path = DataTestUtil.DataFile(file);
        CsvDataset ds = CsvLoader.Load(path, new CsvOptions { LabelColumn = label });
        CollectionAssert.AreEqual(classes.Split(','), ds.Schema.ClassNames.ToArray());

        // Every label equals the class index of the raw value.
        string[] lines = File.ReadAllLines(path);
        int labelCol = Array.IndexOf(lines[0].Split(',').Select(h => h.Trim('"')).ToArray(), label);
        for (int r = 0; r < ds.Table.RowCount; r += 97)
        {
            string raw = lines[r + 1].Split(',')[labelCol].Trim('"');
            Assert.AreEqual(ds.Schema.EncodeLabel(raw), ds.Table.Labels[r]);
            Assert.AreEqual(raw, ds.Schema.ClassNames[(int)ds.Table.Labels[r]]);
        }
    }

    [TestMethod]
    public void QuotingEdgeCases()
    {
        using var dir = new DataTempDir();
        string text = "\"na,me\",\"q\"\"uote\",label\r\n"
            + "\"a,b\",\"say \"\"hi\"\"\",1\r\n"
            + "\"multi\nline\", \"x\" ,0\r\n"
            + "plain,\"\",1\r\n"
            + "\r\n"
            + "\"a,b\",y,0";
        string path = dir.Write("quoting.csv", text, bom: true);
        CsvDataset ds = CsvLoader.Load(path, new CsvOptions { LabelColumn = "label", Imputation = MissingValuePolicy.Zero });
        CollectionAssert.AreEqual(new[] { "na,me", "q\"uote", "label" }, ds.Schema.SourceColumns.ToArray());
        Assert.AreEqual(TaskKind.BinaryClassification, ds.Schema.Task);
        Assert.AreEqual(4, ds.Table.RowCount);
        CollectionAssert.AreEqual(new[] { "a,b", "multi\nline", "plain" }, ds.Schema.Columns[0].Categories.ToArray());
        CollectionAssert.AreEqual(new[] { "say \"hi\"", "x", DatasetSchema.MissingCategory, "y" }, ds.Schema.Columns[1].Categories.ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 0f, 1f, 0f }, ds.Table.Labels);
        CollectionAssert.AreEqual(new[] { 1f, 0, 0, 1, 0, 0, 0 }, ds.Table.Row(0).ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 0, 0, 0, 0, 0, 1 }, ds.Table.Row(3).ToArray());

        // The quoted line break advances the line count: the bad record starts on physical line 4.
        string bad = dir.Write("lines.csv", "a,b\n\"x\ny\",1\n\"z\",oops\n");
        DataTestUtil.AssertCsvError(
            () => CsvLoader.Load(bad, new CsvOptions { LabelColumn = "a", InferCategorical = false }), bad, 4, "b", "'oops' is not a number");
    }

    [TestMethod]
    [DataRow("\n", DisplayName = "LF line endings")]
    [DataRow("\r\n", DisplayName = "CRLF line endings")]
    [DataRow("\r", DisplayName = "CR line endings")]
    public void LineEndings(string eol)
    {
        using var dir = new DataTempDir();
        string path = dir.Write("eol.csv", string.Join(eol, "x,y", "1,2.5", "2,3.5", "3,4.5", "abc,5.5") + eol + eol);
        CsvDataset ds = CsvLoader.Load(path, new CsvOptions { LabelColumn = "y" });
        Assert.AreEqual(4, ds.Table.RowCount);
        Assert.AreEqual(TaskKind.Regression, ds.Schema.Task);
        CollectionAssert.AreEqual(new[] { 2.5f, 3.5f, 4.5f, 5.5f }, ds.Table.Labels);
        Assert.AreEqual(ColumnKind.Categorical, ds.Schema.Columns[0].Kind);
        DataTestUtil.AssertCsvError(
            () => CsvLoader.Load(path, new CsvOptions { LabelColumn = "y", InferCategorical = false }), path, 5, "x", "'abc' is not a number");
    }

    [TestMethod]
    public void SeparatorHeaderlessIgnoreAndWeights()
    {
        using var dir = new DataTempDir();
        string path = dir.Write("semi.csv", "1;10;a;0.5;3\n2;20;b;1;4\n3;30;a;2;5\n");
        CsvDataset ds = CsvLoader.Load(path, new CsvOptions
        {
            LabelColumn = "col4",
            Separator = ';',
            HasHeader = false,
            IgnoreColumns = new[] { "col1" },
            WeightColumn = "col3",
            CategoricalColumns = new[] { "col0" },
        });
        CollectionAssert.AreEqual(new[] { "col0=1", "col0=2", "col0=3", "col2=a", "col2=b" }, ds.Schema.FeatureNames.ToArray());
        Assert.AreEqual(TaskKind.MulticlassClassification, ds.Schema.Task);
        CollectionAssert.AreEqual(new[] { 0f, 1f, 2f }, ds.Table.Labels);
        CollectionAssert.AreEqual(new[] { 0.5f, 1f, 2f }, ds.Table.Weights);
        Assert.AreEqual("col3", ds.Schema.WeightColumn);
    }

    [TestMethod]
    [DataRow("0,1,1,0", TaskKind.BinaryClassification, "0,1", DisplayName = "{0,1} is binary")]
    [DataRow("-1,1,1,-1", TaskKind.BinaryClassification, "-1,1", DisplayName = "{-1,1} is binary")]
    [DataRow("yes,no,no,yes", TaskKind.BinaryClassification, "no,yes", DisplayName = "two strings are binary, ordinal order")]
    [DataRow("1,2,3,2", TaskKind.MulticlassClassification, "1,2,3", DisplayName = "3 integers are multiclass")]
    [DataRow("10,9,100,2.0", TaskKind.MulticlassClassification, "2,9,10,100", DisplayName = "integers sort numerically")]
    [DataRow("a,b,c,a", TaskKind.MulticlassClassification, "a,b,c", DisplayName = "3 strings are multiclass")]
    [DataRow("1.5,2,3,4", TaskKind.Regression, "", DisplayName = "non-integers are regression")]
    [DataRow("5,5,5,5", TaskKind.Regression, "", DisplayName = "a constant number is regression")]
    public void TaskInference(string labels, TaskKind task, string classes)
    {
        using var dir = new DataTempDir();
        string[] ls = labels.Split(',');
        string path = dir.Write("t.csv", "x,label\n" + string.Concat(ls.Select((l, i) => $"{i},{l}\n")));
        CsvDataset ds = CsvLoader.Load(path, new CsvOptions { LabelColumn = "label" });
        Assert.AreEqual(task, ds.Schema.Task);
        CollectionAssert.AreEqual(classes.Length == 0 ? Array.Empty<string>() : classes.Split(','), ds.Schema.ClassNames.ToArray());
    }

    [TestMethod]
    public void TaskInferenceBoundaries()
    {
        using var dir = new DataTempDir();
        string hundred = dir.Write("100.csv", "x,y\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"{i},{i}\n")));
        Assert.AreEqual(TaskKind.MulticlassClassification, CsvLoader.Load(hundred, new CsvOptions { LabelColumn = "y" }).Schema.Task);
        string hundredOne = dir.Write("101.csv", "x,y\n" + string.Concat(Enumerable.Range(0, 101).Select(i => $"{i},{i}\n")));
        Assert.AreEqual(TaskKind.Regression, CsvLoader.Load(hundredOne, new CsvOptions { LabelColumn = "y" }).Schema.Task);

        // Explicit tasks override inference.
        CsvDataset multi = CsvLoader.Load(hundredOne, new CsvOptions { LabelColumn = "y", Task = TaskKind.MulticlassClassification });
        Assert.AreEqual(101, multi.Schema.ClassCount);
        Assert.AreEqual(100f, multi.Table.Labels[100]);
        CsvDataset reg = CsvLoader.Load(DataTestUtil.DataFile("digits.csv"), new CsvOptions { LabelColumn = "digit", Task = TaskKind.Regression });
        Assert.AreEqual(TaskKind.Regression, reg.Schema.Task);
        DataTestUtil.AssertCsvError(
            () => CsvLoader.Load(DataTestUtil.DataFile("iris.csv"), new CsvOptions { LabelColumn = "species", Task = TaskKind.BinaryClassification }),
            DataTestUtil.DataFile("iris.csv"), 0, "species", "exactly 2 distinct label values, found 3");
        string iris = DataTestUtil.DataFile("iris.csv");
        DataTestUtil.AssertCsvError(
            () => CsvLoader.Load(iris, new CsvOptions { LabelColumn = "species", Task = TaskKind.Regression }), iris, 2, "species", "'setosa' is not a number");
        string single = dir.Write("single.csv", "x,y\n1,a\n2,a\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(single, new CsvOptions { LabelColumn = "y" }), single, 0, "y", "single value 'a'");
    }

    [TestMethod]
    public void ImputationPolicies()
    {
        using var dir = new DataTempDir();
        string path = dir.Write("missing.csv", "n,c,y\n1,red,0\n,blue,1\n5,,0\n3,NA,1\nNA,red,0\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(path, new CsvOptions { LabelColumn = "y" }), path, 3, "n", "missing");

        CsvDataset mean = CsvLoader.Load(path, new CsvOptions { LabelColumn = "y", Imputation = MissingValuePolicy.Mean, MissingValueTokens = new[] { "NA" } });
        Assert.AreEqual(3.0, mean.Schema.Columns[0].FillValue);
        CollectionAssert.AreEqual(new[] { "red", "blue", DatasetSchema.MissingCategory }, mean.Schema.Columns[1].Categories.ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 3f, 5f, 3f, 3f }, Enumerable.Range(0, 5).Select(r => mean.Table.Row(r)[0]).ToArray());
        CollectionAssert.AreEqual(new[] { 0f, 0f, 1f }, mean.Table.Row(2).Slice(1).ToArray());
        CollectionAssert.AreEqual(new[] { 0f, 0f, 1f }, mean.Table.Row(3).Slice(1).ToArray());

        CsvDataset zero = CsvLoader.Load(path, new CsvOptions { LabelColumn = "y", Imputation = MissingValuePolicy.Zero, MissingValueTokens = new[] { "NA" } });
        CollectionAssert.AreEqual(new[] { 1f, 0f, 5f, 3f, 0f }, Enumerable.Range(0, 5).Select(r => zero.Table.Row(r)[0]).ToArray());

        // Without the token, "NA" is a category and makes n categorical.
        CsvDataset noToken = CsvLoader.Load(path, new CsvOptions { LabelColumn = "y", Imputation = MissingValuePolicy.Zero });
        Assert.AreEqual(ColumnKind.Categorical, noToken.Schema.Columns[0].Kind);

        // A missing label fails under every policy.
        string noLabel = dir.Write("nolabel.csv", "n,y\n1,0\n2,\n");
        DataTestUtil.AssertCsvError(
            () => CsvLoader.Load(noLabel, new CsvOptions { LabelColumn = "y", Imputation = MissingValuePolicy.Mean }), noLabel, 3, "y", "the label is missing");
    }

    [TestMethod]
    public void EncodeRowRepeatsTheTrainingFeaturization()
    {
        string path = DataTestUtil.DataFile("diamonds.csv");
        CsvDataset ds = CsvLoader.Load(path, new CsvOptions { LabelColumn = "price" });
        string[] lines = File.ReadLines(path).Take(200).ToArray();
        for (int r = 0; r < 199; r += 13)
        {
            string[] fields = lines[r + 1].Split(',').Select(f => f.Trim('"')).ToArray();
            CollectionAssert.AreEqual(ds.Table.Row(r).ToArray(), ds.Schema.EncodeRow(fields));
            string[] withoutLabel = fields.Where((_, i) => i != ds.Schema.LabelIndex).ToArray();
            CollectionAssert.AreEqual(ds.Table.Row(r).ToArray(), ds.Schema.EncodeRow(withoutLabel));
        }

        // An unknown category is all zeros; a missing value fails under Fail; a bad number names the column.
        float[] unknown = ds.Schema.EncodeRow(new[] { "0.3", "Superb", "E", "SI2", "61", "55", "400", "4", "4", "2.4" });
        Assert.AreEqual(0f, unknown.Skip(1).Take(5).Sum());
        Assert.AreEqual(1f, unknown.Skip(6).Take(7).Sum());
        CsvFormatException e = Assert.ThrowsExactly<CsvFormatException>(() => ds.Schema.EncodeRow(new[] { "", "Ideal", "E", "SI2", "61", "55", "400", "4", "4", "2.4" }));
        Assert.AreEqual("carat", e.ColumnName);
        e = Assert.ThrowsExactly<CsvFormatException>(() => ds.Schema.EncodeRow(new[] { "0.3", "Ideal", "E", "SI2", "abc", "55", "4", "4", "2.4" }));
        Assert.AreEqual("depth", e.ColumnName);
        Assert.Contains("'abc' is not a number", e.Message);
        e = Assert.ThrowsExactly<CsvFormatException>(() => ds.Schema.EncodeRow(new[] { "0.3", "Ideal" }));
        Assert.Contains("expected 10 fields (or 9 without the label 'price'), found 2", e.Message);

        // Missing values under Mean use the training mean and the <missing> category (or zeros if training had none).
        using var dir = new DataTempDir();
        string m = dir.Write("m.csv", "n,c,y\n2,a,1.5\n,b,2.5\n4,,3.5\n");
        CsvDataset md = CsvLoader.Load(m, new CsvOptions { LabelColumn = "y", Imputation = MissingValuePolicy.Mean });
        CollectionAssert.AreEqual(new[] { 3f, 0f, 0f, 1f }, md.Schema.EncodeRow(new[] { " ", "" }));
        CollectionAssert.AreEqual(new[] { 7f, 0f, 0f, 0f }, md.Schema.EncodeRow(new[] { "7", "zzz", "9" }));
        Assert.AreEqual(2.5f, md.Schema.EncodeLabel("2.5"));
    }

    [TestMethod]
    public void EncodeLabelMatchesClassesNumerically()
    {
        CsvDataset ds = CsvLoader.Load(DataTestUtil.DataFile("digits.csv"), new CsvOptions { LabelColumn = "digit" });
        Assert.AreEqual(7f, ds.Schema.EncodeLabel("7"));
        Assert.AreEqual(7f, ds.Schema.EncodeLabel("7.0"));
        Assert.ThrowsExactly<CsvFormatException>(() => ds.Schema.EncodeLabel("11"));
        Assert.ThrowsExactly<CsvFormatException>(() => ds.Schema.EncodeLabel(""));
    }

    [TestMethod]
    public void ErrorPathsNameFileLineAndColumn()
    {
        using var dir = new DataTempDir();
        var opts = new CsvOptions { LabelColumn = "y" };

        string empty = dir.Write("empty.csv", "");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(empty, opts), empty, 0, null, "the file is empty");
        string blank = dir.Write("blank.csv", "\r\n\r\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(blank, opts), blank, 0, null, "the file is empty");
        string headerOnly = dir.Write("header.csv", "x,y\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(headerOnly, opts), headerOnly, 0, null, "header row but no data rows");
        string noLabel = dir.Write("nolabelcol.csv", "x,z\n1,2\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(noLabel, opts), noLabel, 1, "y", "the label column is not in the header (columns: x, z)");
        DataTestUtil.AssertCsvError(
            () => CsvLoader.Load(noLabel, new CsvOptions { LabelColumn = "x", IgnoreColumns = new[] { "nope" } }), noLabel, 1, "nope", "the ignored column is not in the header");
        DataTestUtil.AssertCsvError(
            () => CsvLoader.Load(noLabel, new CsvOptions { LabelColumn = "x", WeightColumn = "w" }), noLabel, 1, "w", "the weight column is not in the header");
        string dup = dir.Write("dup.csv", "x,x,y\n1,2,3\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(dup, opts), dup, 1, "x", "twice");
        string fields = dir.Write("fields.csv", "x,y\n1,2\n3,4\n5\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(fields, opts), fields, 4, null, "expected 2 fields, found 1");
        string extra = dir.Write("extra.csv", "x,y\n1,2,3\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(extra, opts), extra, 2, null, "expected 2 fields, found 3");
        string unclosed = dir.Write("unclosed.csv", "x,y\n1,2\n\"abc,2\n3,4\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(unclosed, opts), unclosed, 3, "x", "not closed");
        string afterQuote = dir.Write("after.csv", "x,y\n1,2\n\"ab\"c,2\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(afterQuote, opts), afterQuote, 3, "x", "after the closing quote");
        string notNumber = dir.Write("nan.csv", "x,y\n1,2\n3,4\nabc,5\n");
        DataTestUtil.AssertCsvError(
            () => CsvLoader.Load(notNumber, new CsvOptions { LabelColumn = "y", InferCategorical = false }), notNumber, 4, "x", "'abc' is not a number");
        string infinite = dir.Write("inf.csv", "x,y\n1,2\n1e999,4\n");
        DataTestUtil.AssertCsvError(
            () => CsvLoader.Load(infinite, new CsvOptions { LabelColumn = "y", InferCategorical = false }), infinite, 3, "x", "'1e999' is not a number");
        string missing = dir.Write("missing.csv", "x,y\n1,2\n,4\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(missing, opts), missing, 3, "x", "the value is missing");
        string weights = dir.Write("w.csv", "x,w,y\n1,1,2\n2,-1,3\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(weights, new CsvOptions { LabelColumn = "y", WeightColumn = "w" }), weights, 3, "w", "negative");
        string badWeight = dir.Write("w2.csv", "x,w,y\n1,1,2\n2,,3\n");
        DataTestUtil.AssertCsvError(() => CsvLoader.Load(badWeight, new CsvOptions { LabelColumn = "y", WeightColumn = "w" }), badWeight, 3, "w", "the weight is missing");
        string transform = dir.Write("log.csv", "x,y\n1,2\n2,-3\n3,1.5\n");
        DataTestUtil.AssertCsvError(
            () => CsvLoader.Load(transform, new CsvOptions { LabelColumn = "y", LabelTransform = Math.Log }), transform, 3, "y", "is not finite");
        string onlyLabel = dir.Write("only.csv", "x,y\n1,2\n2,3\n");
        DataTestUtil.AssertCsvError(
            () => CsvLoader.Load(onlyLabel, new CsvOptions { LabelColumn = "y", IgnoreColumns = new[] { "x" } }), onlyLabel, 0, null, "no feature columns");

        Assert.ThrowsExactly<FileNotFoundException>(() => CsvLoader.Load(Path.Combine(dir.Path, "absent.csv"), opts));
        Assert.ThrowsExactly<ArgumentException>(() => CsvLoader.Load(onlyLabel, new CsvOptions { LabelColumn = " " }));
        Assert.ThrowsExactly<ArgumentException>(() => CsvLoader.Load(onlyLabel, new CsvOptions { LabelColumn = "y", Separator = '"' }));
    }

    [TestMethod]
    public void SchemaConstructorValidates()
    {
        var cols = new[] { new ColumnSchema("a", 0, ColumnKind.Numeric, 0), new ColumnSchema("c", 2, ColumnKind.Categorical, 1, new[] { "u", "v" }) };
        var schema = new DatasetSchema(new[] { "a", "y", "c" }, cols, "y", TaskKind.BinaryClassification, new[] { "no", "yes" });
        CollectionAssert.AreEqual(new[] { "a", "c=u", "c=v" }, schema.FeatureNames.ToArray());
        CollectionAssert.AreEqual(new[] { 2.5f, 0f, 1f }, schema.EncodeRow(new[] { "2.5", "yes", "v" }));
        Assert.AreEqual(1f, schema.EncodeLabel("yes"));

        Assert.ThrowsExactly<ArgumentException>(() => new DatasetSchema(new[] { "a", "y", "c" }, cols, "nope", TaskKind.Regression, Array.Empty<string>()));
        Assert.ThrowsExactly<ArgumentException>(() => new DatasetSchema(new[] { "a", "y", "c" }, cols, "y", TaskKind.BinaryClassification, new[] { "x" }));
        Assert.ThrowsExactly<ArgumentException>(() => new DatasetSchema(new[] { "a", "y", "c" }, cols, "y", TaskKind.Regression, new[] { "x" }));
        var badOffset = new[] { new ColumnSchema("a", 0, ColumnKind.Numeric, 0), new ColumnSchema("c", 2, ColumnKind.Categorical, 2, new[] { "u" }) };
        Assert.ThrowsExactly<ArgumentException>(() => new DatasetSchema(new[] { "a", "y", "c" }, badOffset, "y", TaskKind.Regression, Array.Empty<string>()));
        Assert.ThrowsExactly<ArgumentException>(() => new ColumnSchema("c", 0, ColumnKind.Categorical, 0, new[] { "u", "u" }));
        Assert.ThrowsExactly<ArgumentException>(() => new ColumnSchema("c", 0, ColumnKind.Categorical, 0));
    }
}
