using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.MLNet.Data;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.MLNet.Tests;

// CSV schema inference: every decision said in one line, nothing guessed silently, bad files named by line and column.
[TestClass]
public sealed class InferenceTests
{
    private static string _dir = string.Empty;

    [ClassInitialize]
    public static void Setup(TestContext context) => _dir = RecipeTests.TempDir();

    [ClassCleanup]
    public static void Cleanup() => Directory.Delete(_dir, true);

    public static IEnumerable<object[]> SampleFiles()
    {
        yield return new object[] { "iris.csv", "species", TaskKind.MulticlassClassification };
        yield return new object[] { "wine.csv", "cultivar", TaskKind.MulticlassClassification };
        yield return new object[] { "breast_cancer.csv", "diagnosis", TaskKind.BinaryClassification };
        yield return new object[] { "diabetes.csv", "progression", TaskKind.Regression };
        yield return new object[] { "digits.csv", "digit", TaskKind.MulticlassClassification };
    }

    public static string FileName(System.Reflection.MethodInfo method, object[] data) => $"{method.Name}({data[0]})";

    [TestMethod]
    [DynamicData(nameof(SampleFiles), DynamicDataDisplayName = nameof(FileName))]
    public void Sample_files_give_valid_recipes_of_the_right_task(string file, string label, TaskKind task)
    {
        CsvInferenceResult r = CsvInference.Infer(SampleData.PathOf(file), label);
        Assert.AreEqual(task, r.Recipe.Trainer.Task);
        Assert.AreEqual(File.ReadLines(SampleData.PathOf(file)).Count() - 1, r.Rows);
        Assert.AreEqual(r.Recipe, Recipe.Parse(r.Recipe.ToJson()), "the inferred recipe round-trips");
        Assert.AreEqual(r.Rows, r.Recipe.CheckData(SampleData.PathOf(file)), "the file passes the recipe's strict check");
        StringAssert.StartsWith(r.Decisions[0], "separator ','");
        Assert.IsTrue(r.Decisions.All(d => !d.Contains('\n', StringComparison.Ordinal)), "one line per decision");
        Assert.IsTrue(r.Decisions.Any(d => d.StartsWith("task " + (task == TaskKind.Regression ? "regression" : task == TaskKind.BinaryClassification ? "binary_classification" : "multiclass_classification"), StringComparison.Ordinal)), "the task is a decision");
    }

    [TestMethod]
    public void Digits_constant_pixels_are_dropped_and_a_ten_value_integer_label_is_classes()
    {
        CsvInferenceResult r = CsvInference.Infer(SampleData.PathOf("digits.csv"), "digit");
        Assert.AreEqual(TaskKind.MulticlassClassification, r.Recipe.Trainer.Task);
        StringAssert.Contains(r.Decisions.First(d => d.StartsWith("task", StringComparison.Ordinal)), $"at most {CsvInference.MaxClassesForNumericLabel} are classes");
        string[] dropped = r.Columns.Where(c => c.Role == "dropped").Select(c => c.Name).ToArray();
        CollectionAssert.AreEqual(new[] { "px0", "px32", "px39" }, dropped, "the pixels that are 0 in every row");
        CollectionAssert.AreEqual(dropped, ((DropStep)r.Recipe.Featurization[0]).Columns);
    }

    [TestMethod]
    public void A_semicolon_file_with_decimal_commas_reads_numbers_and_trains_the_same_model_as_the_dot_file()
    {
        string dot = SampleData.PathOf("iris.csv");
        string comma = Path.Combine(_dir, "iris_semicolon.csv");
        File.WriteAllLines(comma, File.ReadLines(dot).Select(l => l.Replace(',', ';').Replace('.', ',')));
        CsvInferenceResult a = CsvInference.Infer(dot, "species");
        CsvInferenceResult b = CsvInference.Infer(comma, "species");
        StringAssert.StartsWith(b.Decisions[0], "separator ';' (detected");
        string dec = b.Decisions.Single(d => d.StartsWith("decimal separator", StringComparison.Ordinal));
        StringAssert.Contains(dec, "5,1");
        StringAssert.Contains(dec, "data.decimal_separator");
        Assert.AreEqual(',', b.Recipe.Data.DecimalSeparator);
        StringAssert.Contains(b.Recipe.ToJson(), "\"decimal_separator\": \",\"");
        Assert.IsTrue(b.Columns.Where(c => c.Role != "label").All(c => c.Type == RecipeColumnType.Single), "every measurement is a number");

        var ml = new MLContext(seed: 1);
        float[] Scores(Recipe r, string file)
        {
            r.Trainer.Epochs = 5;
            IDataView data = r.LoadData(ml, file);
            return RecipeTests.Flatten(r.Fit(ml, data).Model.Transform(data));
        }

        TestData.AssertBitsEqual(Scores(a.Recipe, dot), Scores(b.Recipe, comma), "the same numbers, the same model");
    }

    [TestMethod]
    public void Id_like_columns_are_dropped_above_the_named_threshold_and_kept_when_asked()
    {
        string path = Write("ids.csv", "row_id,name,color,x,label", Enumerable.Range(1, 200).Select(i =>
            $"{i},person{i % 150},{(i % 3 == 0 ? "red" : i % 3 == 1 ? "green" : "blue")},{(i * 0.37 % 5).ToString(CultureInfo.InvariantCulture)},{(i % 2 == 0 ? "yes" : "no")}"));
        CsvInferenceResult r = CsvInference.Infer(path, "label");
        CollectionAssert.AreEqual(new[] { "row_id", "name" }, r.Columns.Where(c => c.Role == "dropped").Select(c => c.Name).ToArray());
        string name = r.Decisions.Single(d => d.Contains("'name' dropped", StringComparison.Ordinal));
        StringAssert.Contains(name, "150 distinct values in 200 rows (75 % unique");
        StringAssert.Contains(name, $"ID threshold of {CsvInference.IdUniquenessThreshold * 100:0} %");
        StringAssert.Contains(r.Decisions.Single(d => d.Contains("'row_id'", StringComparison.Ordinal)), "unique and increasing");
        StringAssert.Contains(r.Decisions.Single(d => d.Contains("'color'", StringComparison.Ordinal)), "categorical: 3 levels");
        Assert.AreEqual("yes", r.Recipe.Label.PositiveClass);
        Assert.IsTrue(r.Decisions.Any(d => d.StartsWith("positive class 'yes'", StringComparison.Ordinal)));

        CsvInferenceResult kept = CsvInference.Infer(path, "label", new CsvInferenceOptions { DropIdColumns = false, Ignore = new[] { "x" } });
        CollectionAssert.AreEqual(new[] { "x" }, kept.Columns.Where(c => c.Role == "dropped").Select(c => c.Name).ToArray());
        Assert.AreEqual("categorical", kept.Columns.Single(c => c.Name == "name").Role);
    }

    [TestMethod]
    public void A_numeric_label_with_many_values_is_regression_with_few_whole_values_classes_and_the_task_can_be_given()
    {
        string many = Write("many.csv", "x,y", Enumerable.Range(0, 300).Select(i => $"{i % 17},{18 + (i * 7 % 67)}"));
        CsvInferenceResult r = CsvInference.Infer(many, "y");
        Assert.AreEqual(TaskKind.Regression, r.Recipe.Trainer.Task);
        StringAssert.Contains(r.Decisions.Single(d => d.StartsWith("task", StringComparison.Ordinal)), "67 distinct values (more than 10");
        Assert.AreEqual(RecipeColumnType.Single, r.Recipe.Data.Find("y")!.Type);

        CsvInferenceResult given = CsvInference.Infer(many, "y", new CsvInferenceOptions { Task = TaskKind.MulticlassClassification });
        Assert.AreEqual(TaskKind.MulticlassClassification, given.Recipe.Trainer.Task);
        Assert.AreEqual(RecipeColumnType.String, given.Recipe.Data.Find("y")!.Type, "classes are read as text");
        Assert.IsTrue(given.Decisions.Contains("task multiclass_classification (given)"));

        string few = Write("few.csv", "x,y", Enumerable.Range(0, 300).Select(i => $"{i % 17},{i % 4}"));
        Assert.AreEqual(TaskKind.MulticlassClassification, CsvInference.Infer(few, "y").Recipe.Trainer.Task);
        string two = Write("two.csv", "x,y", Enumerable.Range(0, 300).Select(i => $"{i % 17},{i % 2}"));
        CsvInferenceResult binary = CsvInference.Infer(two, "y");
        Assert.AreEqual(TaskKind.BinaryClassification, binary.Recipe.Trainer.Task);
        Assert.AreEqual("1", binary.Recipe.Label.PositiveClass);
        string fractional = Write("frac.csv", "x,y", Enumerable.Range(0, 300).Select(i => $"{i % 17},{(i % 5) / 2.0}"));
        Assert.AreEqual(TaskKind.Regression, CsvInference.Infer(fractional, "y").Recipe.Trainer.Task, "five values, not whole numbers");
        var ex = Assert.ThrowsExactly<CsvDataException>(() => CsvInference.Infer(many, "y", new CsvInferenceOptions { Task = TaskKind.BinaryClassification }));
        StringAssert.Contains(ex.Message, "exactly 2 label values");
    }

    [TestMethod]
    public void Missing_tokens_are_detected_said_and_imputed_and_the_model_trains()
    {
        string path = Write("missing.csv", "a,b,c,label", Enumerable.Range(0, 120).Select(i =>
            $"{(i % 10 == 0 ? "NA" : (i * 0.5).ToString(CultureInfo.InvariantCulture))},{(i % 7 == 0 ? "?" : i % 11 == 0 ? "" : (i % 9).ToString(CultureInfo.InvariantCulture))},{(i % 4 == 0 ? "NA" : "k" + (i % 3))},{i % 3}"));
        CsvInferenceResult r = CsvInference.Infer(path, "label");
        CollectionAssert.AreEqual(new[] { "?", "NA" }, r.Recipe.Data.MissingTokens);
        Assert.IsTrue(r.Decisions.Contains("missing token 'NA' (read as missing in numeric columns; data.missing_tokens)"));
        Assert.AreEqual(RecipeColumnType.Single, r.Recipe.Data.Find("a")!.Type);
        Assert.AreEqual(RecipeColumnType.Single, r.Recipe.Data.Find("b")!.Type);
        Assert.AreEqual("categorical", r.Columns.Single(c => c.Name == "c").Role, "in a text column NA is a level of its own");
        StringAssert.Contains(r.Decisions.Single(d => d.StartsWith("numeric columns", StringComparison.Ordinal)), "a (12), b (");
        Assert.IsInstanceOfType<ReplaceMissingStep>(r.Recipe.Featurization[0]);
        r.Recipe.Trainer.Epochs = 3;
        var ml = new MLContext(seed: 1);
        r.Recipe.Fit(ml, r.Recipe.LoadData(ml, path));
        Assert.AreEqual(120, r.Recipe.CheckData(path));

        // Without the imputation, the first missing value is named by row and feature, and the advice is a recipe step.
        r.Recipe.Featurization.RemoveAt(0);
        var e = Assert.ThrowsExactly<ArgumentException>(() => r.Recipe.Fit(ml, r.Recipe.LoadData(ml, path)));
        StringAssert.Contains(e.Message, "Row 1:");
        StringAssert.Contains(e.Message, "('a')");
        StringAssert.Contains(e.Message, "replace_missing");
    }

    [TestMethod]
    public void A_label_not_found_suggests_the_separator_as_a_recipe_key_and_flag()
    {
        string path = Write("semi.csv", "sepal;petal;species", Enumerable.Range(0, 30).Select(i => $"{i};{i % 5};{(i % 2 == 0 ? "a" : "b")}"));
        var ex = Assert.ThrowsExactly<CsvDataException>(() => CsvInference.Infer(path, "species", new CsvInferenceOptions { Separator = ',' }));
        StringAssert.Contains(ex.Message, "splitting on ';' finds it");
        StringAssert.Contains(ex.Message, "data.separator");
        StringAssert.Contains(ex.Message, "--separator");
        Assert.DoesNotContain("Options", ex.Message, "advice names recipe keys and flags, not library APIs");
        var typo = Assert.ThrowsExactly<CsvDataException>(() => CsvInference.Infer(path, "specis"));
        StringAssert.Contains(typo.Message, "did you mean 'species'");
    }

    [TestMethod]
    public void Ragged_rows_broken_quotes_and_bad_cells_name_the_line_and_the_column()
    {
        var lines = Enumerable.Range(0, 50).Select(i => $"{i},{i % 3},x{i % 4}").ToList();
        lines[2] = "2,1";
        var ragged = Assert.ThrowsExactly<CsvDataException>(() => CsvInference.Infer(Write("ragged.csv", "a,b,y", lines), "y"));
        Assert.AreEqual(4, ragged.Line, "header + 3 rows: line 4");
        StringAssert.Contains(ragged.Message, "2 fields; the header has 3");

        lines = Enumerable.Range(0, 50).Select(i => $"{i},{i % 3},x{i % 4}").ToList();
        lines[9] = "9,abc,x1";
        var bad = Assert.ThrowsExactly<CsvDataException>(() => CsvInference.Infer(Write("bad.csv", "a,b,y", lines), "y"));
        Assert.AreEqual(11, bad.Line);
        Assert.AreEqual("b", bad.Column);
        StringAssert.Contains(bad.Message, "'abc' is not a number");
        StringAssert.Contains(bad.Message, "data.missing_tokens");

        lines[9] = "9,\"1,x1";
        var quote = Assert.ThrowsExactly<CsvDataException>(() => CsvInference.Infer(Write("quote.csv", "a,b,y", lines), "y"));
        Assert.AreEqual(11, quote.Line);
        StringAssert.Contains(quote.Message, "not closed");

        lines[9] = "9,2,";
        var missingLabel = Assert.ThrowsExactly<CsvDataException>(() => CsvInference.Infer(Write("nolabel.csv", "a,b,y", lines), "y"));
        Assert.AreEqual(11, missingLabel.Line);
        Assert.AreEqual("y", missingLabel.Column);

        // The recipe's own check on a file it reads: the cell TextLoader would read as missing without a word.
        string good = Write("good.csv", "a,b,y", Enumerable.Range(0, 50).Select(i => $"{i},{i % 3},x{i % 4}"));
        Recipe recipe = CsvInference.Infer(good, "y").Recipe;
        lines = Enumerable.Range(0, 50).Select(i => $"{i},{i % 3},x{i % 4}").ToList();
        lines[20] = "20,two,x0";
        var check = Assert.ThrowsExactly<CsvDataException>(() => recipe.CheckData(Write("check.csv", "a,b,y", lines)));
        Assert.AreEqual(22, check.Line);
        Assert.AreEqual("b", check.Column);
        lines[20] = "20,2";
        Assert.AreEqual(22, Assert.ThrowsExactly<CsvDataException>(() => recipe.CheckData(Write("check2.csv", "a,b,y", lines))).Line);
    }

    [TestMethod]
    [DataRow("1e39", DisplayName = "1e39 (finite double, infinite float32)")]
    [DataRow("-3.5e38", DisplayName = "-3.5e38")]
    [DataRow("Infinity", DisplayName = "Infinity")]
    [DataRow("1e400", DisplayName = "1e400 (infinite double)")]
    public void A_number_beyond_float32_is_a_bad_cell_named_by_line_and_column(string value)
    {
        var lines = Enumerable.Range(0, 40).Select(i => $"{i},{i % 3},x{i % 4}").ToList();
        lines[7] = $"7,{value},x1";
        var e = Assert.ThrowsExactly<CsvDataException>(() => CsvInference.Infer(Write("big.csv", "a,b,y", lines), "y"));
        Assert.AreEqual(9, e.Line);
        Assert.AreEqual("b", e.Column);
        StringAssert.Contains(e.Message, value);
        StringAssert.Contains(e.Message, "float32");

        Recipe recipe = CsvInference.Infer(Write("fine.csv", "a,b,y", Enumerable.Range(0, 40).Select(i => $"{i},{i % 3},x{i % 4}")), "y").Recipe;
        var c = Assert.ThrowsExactly<CsvDataException>(() => recipe.CheckData(Write("big2.csv", "a,b,y", lines)));
        Assert.AreEqual(9, c.Line);
        Assert.AreEqual("b", c.Column);
        lines[7] = "7,NaN,x1";
        CsvInferenceResult nan = CsvInference.Infer(Write("nan.csv", "a,b,y", lines), "y");
        Assert.AreEqual(1, nan.Columns.Single(x => x.Name == "b").Missing, "NaN is a missing value");
    }

    [TestMethod]
    public void Mixed_decimal_separators_and_a_single_valued_label_are_refused()
    {
        string mixed = Write("mixed.csv", "a;b;y", Enumerable.Range(0, 30).Select(i => $"{i},5;{i}.25;{i % 2}"));
        var ex = Assert.ThrowsExactly<CsvDataException>(() => CsvInference.Infer(mixed, "y"));
        StringAssert.Contains(ex.Message, "decimal commas");
        StringAssert.Contains(ex.Message, "--decimal-separator");
        string single = Write("single.csv", "a,y", Enumerable.Range(0, 30).Select(i => $"{i},same"));
        StringAssert.Contains(Assert.ThrowsExactly<CsvDataException>(() => CsvInference.Infer(single, "y")).Message, "single value");
    }

    private static string Write(string name, string header, IEnumerable<string> rows)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, header + "\n" + string.Join("\n", rows) + "\n", new UTF8Encoding(false));
        return path;
    }
}
