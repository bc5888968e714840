using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet.Data;

/// <summary>What <see cref="CsvInference.Infer"/> is told instead of inferring it.</summary>
public sealed class CsvInferenceOptions
{
    /// <summary>The field separator; null: detected from the first lines (<c>,</c> <c>;</c> tab <c>|</c>).</summary>
    public char? Separator { get; set; }

    /// <summary>The decimal separator of numbers ('.' or ','); null: detected (',' only with another field separator).</summary>
    public char? DecimalSeparator { get; set; }

    /// <summary>Whether the first line is a header (otherwise columns are named <c>column_1</c>, <c>column_2</c>, ...).</summary>
    public bool HasHeader { get; set; } = RecipeDefaults.HasHeader;

    /// <summary>The task; null: inferred from the label's values.</summary>
    public TaskKind? Task { get; set; }

    /// <summary>Regression: the label transform; null: <c>log</c> for a positive label skewed above <see cref="CsvInference.LogLabelSkewness"/>, else none.</summary>
    public LabelTransform? LabelTransform { get; set; }

    /// <summary>Field values that mean "missing" besides the empty field (added to those detected).</summary>
    public IReadOnlyList<string> MissingTokens { get; set; } = Array.Empty<string>();

    /// <summary>Columns to drop (never features).</summary>
    public IReadOnlyList<string> Ignore { get; set; } = Array.Empty<string>();

    /// <summary>Whether ID-like columns are dropped (see <see cref="CsvInference.IdUniquenessThreshold"/>).</summary>
    public bool DropIdColumns { get; set; } = true;
}

/// <summary>What inference found about one column.</summary>
/// <param name="Name">The column name in the recipe.</param>
/// <param name="Index">The zero-based field position.</param>
/// <param name="Type">How it is read.</param>
/// <param name="Role"><c>label</c>, <c>numeric</c>, <c>categorical</c> or <c>dropped</c>.</param>
/// <param name="Levels">Distinct non-missing values (at most <see cref="CsvInference.DistinctLimit"/>; more are counted as that).</param>
/// <param name="Missing">Missing values (empty fields and missing tokens).</param>
public sealed record CsvColumnSummary(string Name, int Index, RecipeColumnType Type, string Role, int Levels, long Missing);

/// <summary>The outcome of <see cref="CsvInference.Infer"/>.</summary>
public sealed class CsvInferenceResult
{
    internal CsvInferenceResult(Recipe recipe, IReadOnlyList<string> decisions, IReadOnlyList<CsvColumnSummary> columns, long rows)
    {
        Recipe = recipe;
        Decisions = decisions;
        Columns = columns;
        Rows = rows;
    }

    /// <summary>
    /// The recipe: data section, label, featurization and the default trainer of the task (<see cref="TrainingDefaults"/>);
    /// <c>data.path</c> is left unset.
    /// </summary>
    public Recipe Recipe { get; }

    /// <summary>What was decided, one line each (separator, decimal separator, task, dropped columns, categorical columns with their level counts, missing tokens, imputation).</summary>
    public IReadOnlyList<string> Decisions { get; }

    /// <summary>Every column of the file, in order.</summary>
    public IReadOnlyList<CsvColumnSummary> Columns { get; }

    /// <summary>Data rows read (the header excluded).</summary>
    public long Rows { get; }
}

/// <summary>
/// Schema inference from a CSV file, in one pass over it (ML.NET's own lives in the AutoML package): the separator, the
/// decimal separator, each column's type, the task, ID-like and constant columns, categorical columns, missing values;
/// it returns a <see cref="Recipe"/> and one line per decision. Rows with the wrong number of fields, broken quoting, a
/// missing label and a stray text value in a numeric column throw <see cref="CsvDataException"/> naming the line and
/// the column. Advice in messages names recipe keys (and the command-line flags of the same name), never library APIs.
/// </summary>
public static class CsvInference
{
    /// <summary>A text column with at least this share of distinct values (among its non-missing values) is ID-like and dropped: one-hot encoding cannot generalize from it.</summary>
    public const double IdUniquenessThreshold = 0.5;

    /// <summary>ID-like detection needs at least this many rows (in a tiny file every column looks unique).</summary>
    public const int IdMinimumRows = 20;

    /// <summary>A numeric label with more distinct values than this is a regression target unless the task is given; integers with 3 to this many values are classes.</summary>
    public const int MaxClassesForNumericLabel = 10;

    /// <summary>A regression label with all values &gt; 0 and a skewness above this is trained on its logarithm (<c>label.transform</c> <c>log</c>).</summary>
    public const double LogLabelSkewness = 1.0;

    /// <summary>A column whose values are numbers except for at most <see cref="StrayValueLimit"/> distinct other values in at most this share of its rows has bad cells.</summary>
    public const double StrayValueShare = 0.05;

    /// <summary>See <see cref="StrayValueShare"/>.</summary>
    public const int StrayValueLimit = 2;

    /// <summary>Distinct values counted per column (beyond, a column counts as having this many).</summary>
    public const int DistinctLimit = 100_000;

    /// <summary>Lines the separator is detected on.</summary>
    public const int SeparatorSampleLines = 100;

    /// <summary>Values read as missing in an otherwise numeric column without being asked (besides the empty field).</summary>
    public static IReadOnlyList<string> CommonMissingTokens { get; } = Array.AsReadOnly(new[] { "NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL", "None", "?", "-" });

    private static readonly char[] SeparatorCandidates = { ',', ';', '\t', '|' };

    /// <summary>
    /// The column names of a CSV file's header (its first non-empty line, split as ML.NET's loader splits it, each name
    /// trimmed): what a tool needs to read a file whose columns are in another order than the recipe's.
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="separator">The field separator.</param>
    /// <param name="allowQuoting">Whether fields may be quoted.</param>
    /// <returns>The names, in file order.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CsvDataException">The file is empty, or its header's quoting is broken.</exception>
    public static IReadOnlyList<string> ReadHeader(string path, char separator, bool allowQuoting = RecipeDefaults.AllowQuoting)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Data file '{path}' was not found.", path);
        }

        using var reader = new CsvReader(path, separator, allowQuoting);
        var fields = new List<string>();
        if (!reader.Read(fields))
        {
            throw new CsvDataException(path, 0, null, "the file is empty.");
        }

        return fields.Select(f => f.Trim()).ToArray();
    }

    /// <summary>Reads <paramref name="path"/> once and infers a recipe for predicting <paramref name="label"/>.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="label">The label column's name.</param>
    /// <param name="options">What not to infer, or null.</param>
    /// <returns>The recipe, the decisions and the column summaries.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CsvDataException">The file is empty, the label is not a column (with a separator suggestion when another separator finds it), a row has the wrong field count, a cell is bad, the label is missing in a row or cannot serve the task.</exception>
    public static CsvInferenceResult Infer(string path, string label, CsvInferenceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(label);
        options ??= new CsvInferenceOptions();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Data file '{path}' was not found.", path);
        }

        var decisions = new List<string>();
        using var reader = new StreamReader(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        var sample = new List<(string Text, long Line)>();
        long lineNo = 0;
        for (string? l; sample.Count < SeparatorSampleLines && (l = reader.ReadLine()) != null;)
        {
            lineNo++;
            if (l.Length > 0)
            {
                sample.Add((l, lineNo));
            }
        }

        if (sample.Count == 0)
        {
            throw new CsvDataException(path, 0, null, "the file is empty.");
        }

        char separator = options.Separator ?? DetectSeparator(sample, decisions);
        if (options.Separator is char given)
        {
            RecipeData.CheckSeparator("$.data.separator", given);
            decisions.Add($"separator '{CsvReader.Printable(given)}' (given)");
        }

        var fields = new List<string>();
        var sb = new StringBuilder();
        string[] names;
        int first;
        if (options.HasHeader)
        {
            CsvReader.Split(sample[0].Text, separator, true, fields, sb, r => new CsvDataException(path, sample[0].Line, null, r));
            names = fields.Select(f => f.Trim()).ToArray();
            first = 1;
        }
        else
        {
            CsvReader.Split(sample[0].Text, separator, true, fields, sb, null);
            names = Enumerable.Range(1, fields.Count).Select(i => "column_" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            first = 0;
        }

        int labelIndex = FindLabel(path, names, label, separator, sample[0].Text, options);
        names = UniqueNames(names, labelIndex, decisions);
        var stats = new ColumnStats[names.Length];
        for (int c = 0; c < names.Length; c++)
        {
            stats[c] = new ColumnStats();
        }

        var missingTokens = new HashSet<string>(options.MissingTokens, StringComparer.Ordinal);
        long rows = 0;
        void Row(string text, long line)
        {
            CsvReader.Split(text, separator, true, fields, sb, r => new CsvDataException(path, line, null, r));
            if (fields.Count != names.Length)
            {
                throw new CsvDataException(path, line, null, $"the row has {fields.Count} fields; the header has {names.Length} (split on '{CsvReader.Printable(separator)}').");
            }

            rows++;
            for (int c = 0; c < fields.Count; c++)
            {
                stats[c].Add(fields[c], line, missingTokens);
            }
        }

        for (int i = first; i < sample.Count; i++)
        {
            Row(sample[i].Text, sample[i].Line);
        }

        for (string? l; (l = reader.ReadLine()) != null;)
        {
            lineNo++;
            if (l.Length > 0)
            {
                Row(l, lineNo);
            }
        }

        if (rows == 0)
        {
            throw new CsvDataException(path, 0, null, "the file has a header but no data rows.");
        }

        char dec = DecideDecimal(path, separator, names, stats, labelIndex, options, decisions);
        return Build(path, label, names, stats, labelIndex, separator, dec, rows, missingTokens, options, decisions);
    }

    private static char DetectSeparator(List<(string Text, long Line)> sample, List<string> decisions)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        char best = RecipeDefaults.Separator;
        int bestFields = 0;
        bool bestConsistent = false;
        foreach (char c in SeparatorCandidates)
        {
            int count = -1;
            bool consistent = true;
            foreach ((string text, _) in sample)
            {
                CsvReader.Split(text, c, true, fields, sb, null);
                if (count < 0)
                {
                    count = fields.Count;
                }
                else if (fields.Count != count)
                {
                    consistent = false;
                }
            }

            if (count > 1 && ((consistent && !bestConsistent) || (consistent == bestConsistent && count > bestFields)))
            {
                best = c;
                bestFields = count;
                bestConsistent = consistent;
            }
        }

        decisions.Add(bestFields > 1
            ? $"separator '{CsvReader.Printable(best)}' (detected: {(bestConsistent ? "every one" : "most")} of the first {sample.Count} lines split into {bestFields} fields; data.separator)"
            : $"separator ',' (no candidate splits the lines; data.separator)");
        return best;
    }

    private static int FindLabel(string path, string[] names, string label, char separator, string header, CsvInferenceOptions options)
    {
        int index = Array.IndexOf(names, label);
        if (index >= 0)
        {
            return index;
        }

        var fields = new List<string>();
        var sb = new StringBuilder();
        foreach (char c in SeparatorCandidates.Where(c => c != separator))
        {
            CsvReader.Split(header, c, true, fields, sb, null);
            if (fields.Select(f => f.Trim()).Contains(label, StringComparer.Ordinal))
            {
                throw new CsvDataException(path, 1, null, $"no column '{label}' in the header split on '{CsvReader.Printable(separator)}'; splitting on '{CsvReader.Printable(c)}' finds it: set the separator to '{CsvReader.Printable(c)}' (data.separator, --separator).");
            }
        }

        string? near = RecipeJson.Closest(label, names);
        throw new CsvDataException(path, options.HasHeader ? 1 : 0, null, $"no column '{label}'" + (near is null ? string.Empty : $"; did you mean '{near}'?") + $" (columns: {Preview(names)}).");
    }

    private static string[] UniqueNames(string[] names, int labelIndex, List<string> decisions)
    {
        string[] reserved = { RecipeDefaults.LabelColumn, RecipeDefaults.TransformedLabelColumn, RecipeDefaults.FeatureColumn, "Score", "Probability", "PredictedLabel" };
        var used = new HashSet<string>(StringComparer.Ordinal);

        // The next suffix to try per name, so a header repeating one name n times costs O(n), not O(n^2).
        var nextSuffix = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new string[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            string n = names[i].Length == 0 ? "column_" + (i + 1).ToString(CultureInfo.InvariantCulture) : names[i];
            bool clash = reserved.Contains(n) && !(i == labelIndex && n == RecipeDefaults.LabelColumn);
            string u = n;
            if (clash || used.Contains(u))
            {
                int k = nextSuffix.GetValueOrDefault(n, 2);
                do
                {
                    u = n + "_" + k.ToString(CultureInfo.InvariantCulture);
                    k++;
                }
                while (used.Contains(u));

                nextSuffix[n] = k;
            }

            if (u != names[i])
            {
                decisions.Add(names[i].Length == 0
                    ? $"column {i + 1} has no name: named '{u}'"
                    : $"column {i + 1} '{names[i]}' renamed '{u}' ({(reserved.Contains(names[i]) ? "a name the pipeline uses" : "the name repeats")})");
            }

            used.Add(u);
            result[i] = u;
        }

        return result;
    }

    private static char DecideDecimal(string path, char separator, string[] names, ColumnStats[] stats, int labelIndex, CsvInferenceOptions options, List<string> decisions)
    {
        if (options.DecimalSeparator is char d)
        {
            if (d is not ('.' or ','))
            {
                throw new CsvDataException(path, 0, null, $"the decimal separator must be '.' or ',', got '{d}' (data.decimal_separator).");
            }

            decisions.Add($"decimal separator '{d}' (given)");
            return d;
        }

        if (separator == ',')
        {
            return '.';
        }

        var commaColumns = new List<string>();
        var dotColumns = new List<string>();
        for (int c = 0; c < names.Length; c++)
        {
            if (stats[c].NumericWith(',', CommonMissingTokens) && stats[c].HasDecimalMark(','))
            {
                commaColumns.Add(names[c]);
            }

            if (stats[c].NumericWith('.', CommonMissingTokens) && stats[c].HasDecimalMark('.'))
            {
                dotColumns.Add(names[c]);
            }
        }

        if (commaColumns.Count == 0)
        {
            return '.';
        }

        if (dotColumns.Count > 0)
        {
            throw new CsvDataException(path, 0, null, $"columns {Preview(commaColumns)} have decimal commas (5,1) and columns {Preview(dotColumns)} decimal points (5.1); one file has one decimal separator: set it (data.decimal_separator, --decimal-separator) and fix the other columns.");
        }

        decisions.Add($"decimal separator ',' (detected: {commaColumns.Count} column(s) such as '{commaColumns[0]}' have numbers like 5,1; data.decimal_separator)");
        return ',';
    }

    private static CsvInferenceResult Build(string path, string labelName, string[] names, ColumnStats[] stats, int labelIndex, char separator, char dec, long rows, HashSet<string> givenTokens, CsvInferenceOptions options, List<string> decisions)
    {
        var ignore = new HashSet<string>(options.Ignore, StringComparer.Ordinal);
        foreach (string i in ignore)
        {
            if (!names.Contains(i))
            {
                string? near = RecipeJson.Closest(i, names);
                throw new CsvDataException(path, 0, i, "a column to ignore is not in the header" + (near is null ? "." : $"; did you mean '{near}'?"));
            }

            if (i == names[labelIndex])
            {
                throw new CsvDataException(path, 0, i, "the label cannot be ignored.");
            }
        }

        var recipe = new Recipe();
        recipe.Data.Separator = separator;
        recipe.Data.DecimalSeparator = dec;
        recipe.Data.HasHeader = options.HasHeader;
        var summaries = new List<CsvColumnSummary>();
        var tokensUsed = new SortedSet<string>(StringComparer.Ordinal);
        var numeric = new bool[names.Length];
        for (int c = 0; c < names.Length; c++)
        {
            ColumnStats s = stats[c];
            numeric[c] = s.NumericWith(dec, CommonMissingTokens);
            if (!numeric[c] && c != labelIndex)
            {
                s.ThrowOnStrayValues(path, names[c], dec, rows);
            }

            if (numeric[c])
            {
                s.ThrowOnInfinite(path, names[c], dec);
                tokensUsed.UnionWith(s.TokensSeen(dec));
            }
        }

        // The label and the task.
        ColumnStats ls = stats[labelIndex];
        if (ls.Missing > 0 || (numeric[labelIndex] && ls.MissingTokenRows(dec, CommonMissingTokens) > 0))
        {
            throw new CsvDataException(path, ls.FirstMissingLine, labelName, "the label is missing in this row; every training row needs one (remove the rows without a label).");
        }

        TaskKind task = options.Task ?? InferTask(ls, numeric[labelIndex], dec, labelName, decisions);
        if (options.Task is TaskKind t)
        {
            decisions.Add($"task {TaskName(t)} (given)");
        }

        var label = new RecipeLabel { Column = names[labelIndex] };
        switch (task)
        {
            case TaskKind.Regression:
                if (!numeric[labelIndex])
                {
                    (string value, long line) = ls.FirstNonNumeric(dec);
                    throw new CsvDataException(path, line, labelName, $"regression needs a numeric label; '{value}' is not a number.");
                }

                label.Transform = options.LabelTransform ?? ChooseTransform(ls, dec, labelName, decisions);
                break;
            case TaskKind.BinaryClassification:
                if (ls.DistinctCount != 2)
                {
                    throw new CsvDataException(path, 0, labelName, $"binary classification needs exactly 2 label values; '{labelName}' has {ls.DistinctText()} (trainer.task, --task).");
                }

                label.PositiveClass = PositiveClass(ls, numeric[labelIndex], dec);
                decisions.Add($"positive class '{label.PositiveClass}' of '{labelName}' (the larger of its two values; label.positive_class)");
                break;
            default:
                if (ls.DistinctCount < 2)
                {
                    throw new CsvDataException(path, 0, labelName, $"the label has a single value '{ls.Values.FirstOrDefault()}'; there is nothing to classify.");
                }

                break;
        }

        // The columns.
        var dropped = new List<string>();
        var numericFeatures = new List<string>();
        var categorical = new List<string>();
        var features = new List<string>();
        for (int c = 0; c < names.Length; c++)
        {
            ColumnStats s = stats[c];
            RecipeColumnType type = c == labelIndex
                ? (task == TaskKind.Regression ? RecipeColumnType.Single : RecipeColumnType.String)
                : numeric[c] ? RecipeColumnType.Single : RecipeColumnType.String;
            recipe.Data.Columns.Add(new RecipeColumn(names[c], type, c));
            string role;
            if (c == labelIndex)
            {
                role = "label";
            }
            else if (ignore.Contains(names[c]))
            {
                role = "dropped";
                decisions.Add($"column '{names[c]}' dropped (asked)");
            }
            else if (s.DistinctCount <= 1)
            {
                role = "dropped";
                decisions.Add(s.DistinctCount == 0 ? $"column '{names[c]}' dropped: every value is missing" : $"column '{names[c]}' dropped: a single value '{s.Values.First()}' in every row");
            }
            else if (options.DropIdColumns && !numeric[c] && rows >= IdMinimumRows && s.Uniqueness >= IdUniquenessThreshold)
            {
                role = "dropped";
                decisions.Add($"column '{names[c]}' dropped as ID-like: {s.DistinctText()} distinct values in {s.NonMissing} rows ({s.Uniqueness * 100:0} % unique, at or above the ID threshold of {IdUniquenessThreshold * 100:0} %; featurization drop)");
            }
            else if (options.DropIdColumns && numeric[c] && rows >= IdMinimumRows && s.IsRowId(dec, rows))
            {
                role = "dropped";
                decisions.Add($"column '{names[c]}' dropped as ID-like: whole numbers, unique and increasing row by row (featurization drop)");
            }
            else if (numeric[c])
            {
                role = "numeric";
                numericFeatures.Add(names[c]);
                features.Add(names[c]);
            }
            else
            {
                role = "categorical";
                categorical.Add(names[c]);
                features.Add(names[c]);
                decisions.Add($"column '{names[c]}' categorical: {s.DistinctText()} levels (one_hot)");
            }

            if (role == "dropped")
            {
                dropped.Add(names[c]);
            }

            summaries.Add(new CsvColumnSummary(names[c], c, type, role, s.DistinctCount, s.Missing + (numeric[c] ? s.MissingTokenRows(dec, CommonMissingTokens) : 0)));
        }

        if (features.Count == 0)
        {
            throw new CsvDataException(path, 0, null, $"no feature column is left: every column but the label was dropped ({Preview(dropped)}).");
        }

        foreach (string token in tokensUsed)
        {
            if (!givenTokens.Contains(token))
            {
                decisions.Add($"missing token '{token}' (read as missing in numeric columns; data.missing_tokens)");
            }
        }

        recipe.Data.MissingTokens = givenTokens.Union(tokensUsed).OrderBy(x => x, StringComparer.Ordinal).ToList();
        if (dropped.Count > 0)
        {
            recipe.Featurization.Add(new DropStep { Columns = dropped });
        }

        if (numericFeatures.Count > 0)
        {
            string[] withMissing = numericFeatures.Where(n => summaries.First(s => s.Name == n).Missing > 0).ToArray();
            recipe.Featurization.Add(new ReplaceMissingStep { Columns = numericFeatures, Mode = MissingReplacement.Mean });
            decisions.Add(withMissing.Length == 0
                ? $"numeric columns: none has missing values here; a missing value when scoring becomes the training mean (replace_missing on all {numericFeatures.Count})"
                : $"numeric columns: missing values in {Preview(withMissing.Select(n => $"{n} ({summaries.First(s => s.Name == n).Missing})"))} become the training mean (replace_missing on all {numericFeatures.Count})");
        }

        if (categorical.Count > 0)
        {
            recipe.Featurization.Add(new OneHotStep { Columns = categorical });
        }

        recipe.Featurization.Add(new ConcatenateStep { Output = RecipeDefaults.FeatureColumn, Columns = features });
        recipe.Featurization.Add(new NormalizeStep { Columns = new List<string> { RecipeDefaults.FeatureColumn }, Method = NormalizeMethod.MeanVariance });
        recipe.Label = label;
        recipe.Trainer = new RecipeTrainer { Task = task };
        recipe.Validate();
        return new CsvInferenceResult(recipe, decisions, summaries, rows);
    }

    private static TaskKind InferTask(ColumnStats ls, bool numeric, char dec, string label, List<string> decisions)
    {
        int distinct = ls.DistinctCount;
        if (distinct == 2)
        {
            decisions.Add($"task binary_classification: the label '{label}' has 2 values (trainer.task, --task)");
            return TaskKind.BinaryClassification;
        }

        if (!numeric)
        {
            decisions.Add($"task multiclass_classification: the label '{label}' is text with {ls.DistinctText()} values (trainer.task, --task)");
            return TaskKind.MulticlassClassification;
        }

        if (ls.AllIntegers(dec) && distinct >= 3 && distinct <= MaxClassesForNumericLabel)
        {
            decisions.Add($"task multiclass_classification: the label '{label}' has {distinct} whole-number values (at most {MaxClassesForNumericLabel} are classes; trainer.task, --task)");
            return TaskKind.MulticlassClassification;
        }

        decisions.Add($"task regression: the label '{label}' is numeric with {ls.DistinctText()} distinct values (more than {MaxClassesForNumericLabel}, or not whole numbers, is regression; trainer.task, --task)");
        return TaskKind.Regression;
    }

    private static LabelTransform ChooseTransform(ColumnStats ls, char dec, string label, List<string> decisions)
    {
        (double min, double skewness) = ls.MinAndSkewness(dec);
        if (min > 0 && skewness > LogLabelSkewness)
        {
            decisions.Add($"label transform log: '{label}' is positive and right-skewed (skewness {skewness:0.00} > {LogLabelSkewness:0.0}); the model fits ln({label}) and scores in {label}'s own units (label.transform)");
            return LabelTransform.Log;
        }

        return LabelTransform.None;
    }

    private static string PositiveClass(ColumnStats ls, bool numeric, char dec)
    {
        string[] values = ls.Values.ToArray();
        return numeric
            ? values.OrderBy(v => CsvNumbers.Parse(v, dec)).Last()
            : values.OrderBy(v => v, StringComparer.Ordinal).Last();
    }

    private static string TaskName(TaskKind t) => t switch
    {
        TaskKind.Regression => "regression",
        TaskKind.BinaryClassification => "binary_classification",
        _ => "multiclass_classification",
    };

    private static string Preview(IEnumerable<string> names)
    {
        string[] a = names.Take(11).ToArray();
        return a.Length <= 10 ? string.Join(", ", a) : string.Join(", ", a.Take(10)) + ", ...";
    }

    /// <summary>One column's values as one pass sees them, for both decimal separators.</summary>
    private sealed class ColumnStats
    {
        private readonly HashSet<string> _distinct = new(StringComparer.Ordinal);
        private readonly Numbers _dot = new('.');
        private readonly Numbers _comma = new(',');
        private bool _overflow;

        public long NonMissing { get; private set; }

        public long Missing { get; private set; }

        public long FirstMissingLine { get; private set; }

        public IEnumerable<string> Values => _distinct;

        public int DistinctCount => _overflow ? DistinctLimit : _distinct.Count;

        public double Uniqueness => NonMissing == 0 ? 0 : DistinctCount / (double)NonMissing;

        public string DistinctText() => _overflow ? $"more than {DistinctLimit}" : _distinct.Count.ToString(CultureInfo.InvariantCulture);

        public void Add(string value, long line, HashSet<string> missingTokens)
        {
            if (value.Length == 0 || missingTokens.Contains(value))
            {
                Missing++;
                if (FirstMissingLine == 0)
                {
                    FirstMissingLine = line;
                }

                return;
            }

            NonMissing++;
            if (!_overflow)
            {
                _distinct.Add(value);
                if (_distinct.Count > DistinctLimit)
                {
                    _overflow = true;
                    _distinct.Clear();
                }
            }

            // One parse serves both readings: a value without '.' or ',' reads the same with either decimal separator,
            // and a value with one of them is not a number with the other.
            bool dot = value.Contains('.'), comma = value.Contains(',');
            if (!dot && !comma)
            {
                bool isNumber = CsvNumbers.TryParse(value, '.', out double x);
                _dot.Add(value, line, isNumber, x, false);
                _comma.Add(value, line, isNumber, x, false);
            }
            else
            {
                double xd = 0, xc = 0;
                bool dotNumber = !comma && CsvNumbers.TryParse(value, '.', out xd);
                _dot.Add(value, line, dotNumber, xd, dot);
                bool commaNumber = !dot && CsvNumbers.TryParse(value, ',', out xc);
                _comma.Add(value, line, commaNumber, xc, comma);
            }
        }

        /// <summary>Numeric when every non-missing value is a number or one of <paramref name="tokens"/> (at least one number).</summary>
        public bool NumericWith(char dec, IReadOnlyList<string> tokens)
        {
            Numbers n = Of(dec);
            return n.Count > 0 && n.Others.Keys.All(tokens.Contains) && !n.OthersOverflow;
        }

        public bool HasDecimalMark(char dec) => Of(dec).WithMark > 0;

        public IEnumerable<string> TokensSeen(char dec) => Of(dec).Others.Keys;

        public long MissingTokenRows(char dec, IReadOnlyList<string> tokens) => Of(dec).Others.Where(kv => tokens.Contains(kv.Key)).Sum(kv => kv.Value.Count);

        public bool AllIntegers(char dec) => Of(dec).AllIntegers;

        public (string Value, long Line) FirstNonNumeric(char dec) => Of(dec).Others.Select(kv => (kv.Key, kv.Value.FirstLine)).OrderBy(x => x.FirstLine).First();

        public (double Min, double Skewness) MinAndSkewness(char dec) => Of(dec).MinAndSkewness();

        public bool IsRowId(char dec, long rows) => !_overflow && _distinct.Count == rows && Of(dec) is { AllIntegers: true, Increasing: true };

        /// <summary>Throws for a number that a float32 column would read as infinity.</summary>
        public void ThrowOnInfinite(string path, string column, char dec)
        {
            if (Of(dec).Infinite is (string value, long line))
            {
                throw new CsvDataException(path, line, column, $"'{value}' is beyond the float32 range (±{float.MaxValue.ToString("R", CultureInfo.InvariantCulture)}) the column is read in: it would be infinity. Fix the value, or add it to the missing tokens (data.missing_tokens, --missing).");
            }
        }

        public void ThrowOnStrayValues(string path, string column, char dec, long rows)
        {
            Numbers n = Of(dec);
            var stray = n.Others.Where(kv => !CommonMissingTokens.Contains(kv.Key)).ToList();
            long strayRows = stray.Sum(kv => kv.Value.Count);
            if (n.Count > 0 && !n.OthersOverflow && stray.Count <= StrayValueLimit && strayRows <= StrayValueShare * NonMissing)
            {
                (string value, (long count, long line)) = stray.OrderBy(kv => kv.Value.FirstLine).First();
                throw new CsvDataException(path, line, column, $"'{value}' is not a number, but {n.Count} of the column's {NonMissing} values are ({count} row(s) have '{value}'). If it means \"missing\", add it to the missing tokens (data.missing_tokens, --missing); otherwise fix the file.");
            }
        }

        private Numbers Of(char dec) => dec == ',' ? _comma : _dot;
    }

    /// <summary>Statistics of a column read with one decimal separator.</summary>
    private sealed class Numbers
    {
        private const int OthersLimit = 64;
        private readonly char _dec;
        private double _mean, _m2, _m3;
        private double _previous = double.NegativeInfinity;

        public Numbers(char dec) => _dec = dec;

        public long Count { get; private set; }

        public long WithMark { get; private set; }

        public bool AllIntegers { get; private set; } = true;

        public bool Increasing { get; private set; } = true;

        public double Min { get; private set; } = double.PositiveInfinity;

        public Dictionary<string, (long Count, long FirstLine)> Others { get; } = new(StringComparer.Ordinal);

        public bool OthersOverflow { get; private set; }

        /// <summary>The first value that is infinite in float32 (<c>Infinity</c>, <c>1e39</c>), and its line; null when none.</summary>
        public (string Value, long Line)? Infinite { get; private set; }

        public void Add(string value, long line, bool isNumber, double x, bool hasMark)
        {
            if (!isNumber)
            {
                if (Others.TryGetValue(value, out (long Count, long FirstLine) o))
                {
                    Others[value] = (o.Count + 1, o.FirstLine);
                }
                else if (Others.Count < OthersLimit)
                {
                    Others[value] = (1, line);
                }
                else
                {
                    OthersOverflow = true;
                }

                return;
            }

            if (hasMark)
            {
                WithMark++;
            }

            if (!double.IsFinite(x) || Math.Abs(x) > float.MaxValue)
            {
                // Read into a float32 column this is infinity: a bad cell, reported when the column is numeric.
                Infinite ??= (value, line);
                AllIntegers = false;
                Increasing = false;
                Count++;
                return;
            }

            AllIntegers &= x == Math.Floor(x);
            Increasing &= x > _previous;
            _previous = x;
            Min = Math.Min(Min, x);

            // Running central moments (Welford / Terriberry) for the skewness.
            long n1 = Count;
            Count++;
            double delta = x - _mean, deltaN = delta / Count, term1 = delta * deltaN * n1;
            _mean += deltaN;
            _m3 += (term1 * deltaN * (Count - 2)) - (3 * deltaN * _m2);
            _m2 += term1;
        }

        public (double Min, double Skewness) MinAndSkewness()
        {
            if (Count < 3 || _m2 <= 0)
            {
                return (Min, 0);
            }

            return (Min, Math.Sqrt(Count) * _m3 / Math.Pow(_m2, 1.5));
        }
    }
}
