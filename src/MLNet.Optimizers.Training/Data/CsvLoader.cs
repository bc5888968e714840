using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// Loads a CSV file into a <see cref="DenseTable"/> plus the <see cref="DatasetSchema"/> that describes (and can repeat)
/// its featurization. See <see cref="CsvOptions"/> for the parsing rules and task inference and
/// <see cref="DatasetSchema"/> for the class order and the one-hot encoding.
/// </summary>
/// <remarks>
/// The file is read three times, streaming (memory is the output table plus small per-column statistics): pass 1 checks
/// field counts and missing values and decides which columns are numeric, pass 2 collects the categories (first-seen
/// order) and classes, pass 3 encodes the rows with the finished schema — the same code that
/// <see cref="DatasetSchema.EncodeRow(IReadOnlyList{string})"/> and <see cref="CsvStreamingBatchSource"/> use.
/// Every data error is a <see cref="CsvFormatException"/> naming the file, the 1-based line and the column.
/// </remarks>
public static class CsvLoader
{
    /// <summary>Loads and featurizes a CSV file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">How to read it (<see cref="CsvOptions.LabelColumn"/> is required).</param>
    /// <returns>The table and its schema.</returns>
    /// <exception cref="ArgumentException">The options are inconsistent (no label name, a quote as separator, the label also ignored or used as weight, a label transform on a classification label).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CsvFormatException">The file is empty or header-only, a named column is absent, a row has the wrong field count, or a value is missing or not a number.</exception>
    public static CsvDataset Load(string path, CsvOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CSV file '{path}' was not found.", path);
        }

        string[] tokens = options.MissingValueTokens.Select(t => (t ?? string.Empty).Trim()).ToArray();
        Func<double, double>? transform = options.LabelTransform;

        // Pass 1: header, roles, numeric-ness, means, label statistics, missing values under Fail.
        string[] names;
        bool[] isFeature;
        bool[] explicitCategorical;
        bool[] numeric;
        double[] sums;
        long[] counts;
        int labelIndex;
        int weightIndex;
        long rows = 0;
        bool labelNumeric = true;
        bool labelInteger = true;
        var labelDistinct = new HashSet<double>();
        using (CsvTokenizer tok = CsvTokenizer.Open(path, options.Separator))
        {
            names = ReadHeader(tok, options.HasHeader, path, out bool pending);
            int n = names.Length;
            labelIndex = IndexOf(names, options.LabelColumn, "label", path);
            weightIndex = options.WeightColumn is null ? -1 : IndexOf(names, options.WeightColumn, "weight", path);
            if (weightIndex == labelIndex)
            {
                throw new ArgumentException($"The weight column '{options.WeightColumn}' cannot be the label column.", nameof(options));
            }

            isFeature = new bool[n];
            explicitCategorical = new bool[n];
            Array.Fill(isFeature, true);
            isFeature[labelIndex] = false;
            if (weightIndex >= 0)
            {
                isFeature[weightIndex] = false;
            }

            foreach (string ignored in options.IgnoreColumns)
            {
                int i = IndexOf(names, ignored, "ignored", path);
                if (i == labelIndex)
                {
                    throw new ArgumentException($"The label column '{ignored}' cannot be ignored.", nameof(options));
                }

                isFeature[i] = false;
            }

            foreach (string cat in options.CategoricalColumns)
            {
                int i = IndexOf(names, cat, "categorical", path);
                if (i == labelIndex || i == weightIndex)
                {
                    throw new ArgumentException($"Column '{cat}' is the label or weight column; it cannot be a categorical feature.", nameof(options));
                }

                explicitCategorical[i] = true;
            }

            numeric = new bool[n];
            Array.Fill(numeric, true);
            sums = new double[n];
            counts = new long[n];
            while (pending || tok.ReadRecord())
            {
                pending = false;
                long line = tok.RecordLine;
                CheckFieldCount(tok, n, path);
                for (int s = 0; s < n; s++)
                {
                    if (!isFeature[s])
                    {
                        continue;
                    }

                    ReadOnlySpan<char> v = tok.Field(s).Trim();
                    if (IsMissing(v, tokens))
                    {
                        if (options.Imputation == MissingValuePolicy.Fail)
                        {
                            throw new CsvFormatException("the value is missing (set CsvOptions.Imputation to Mean or Zero to impute it)", path, line, names[s]);
                        }

                        continue;
                    }

                    if (explicitCategorical[s] || !numeric[s])
                    {
                        continue;
                    }

                    if (TryParseNumber(v, out double d))
                    {
                        sums[s] += d;
                        counts[s]++;
                    }
                    else if (options.InferCategorical)
                    {
                        numeric[s] = false;
                    }
                    else
                    {
                        throw new CsvFormatException($"'{v.ToString()}' is not a number (list the column in CsvOptions.CategoricalColumns, or set InferCategorical)", path, line, names[s]);
                    }
                }

                ReadOnlySpan<char> lv = tok.Field(labelIndex).Trim();
                if (IsMissing(lv, tokens))
                {
                    throw new CsvFormatException("the label is missing", path, line, names[labelIndex]);
                }

                if (labelNumeric)
                {
                    if (TryParseNumber(lv, out double d))
                    {
                        if (labelDistinct.Count <= 100)
                        {
                            labelDistinct.Add(d);
                        }

                        labelInteger &= d == Math.Floor(d);
                    }
                    else if (options.Task == TaskKind.Regression)
                    {
                        throw new CsvFormatException($"'{lv.ToString()}' is not a number (the task is regression)", path, line, names[labelIndex]);
                    }
                    else
                    {
                        labelNumeric = false;
                    }
                }

                if (weightIndex >= 0)
                {
                    ReadOnlySpan<char> wv = tok.Field(weightIndex).Trim();
                    if (IsMissing(wv, tokens))
                    {
                        throw new CsvFormatException("the weight is missing", path, line, names[weightIndex]);
                    }

                    if (!TryParseNumber(wv, out double w))
                    {
                        throw new CsvFormatException($"'{wv.ToString()}' is not a number", path, line, names[weightIndex]);
                    }

                    if (w < 0)
                    {
                        throw new CsvFormatException($"weight '{wv.ToString()}' is negative", path, line, names[weightIndex]);
                    }
                }

                rows++;
            }
        }

        if (rows == 0)
        {
            throw new CsvFormatException(options.HasHeader ? "the file has a header row but no data rows" : "the file has no data rows", path, 0, null);
        }

        TaskKind? task = options.Task;
        if (task is null && labelNumeric)
        {
            task = InferNumericLabelTask(labelDistinct.Count, labelInteger);
        }

        if (transform != null && (task is null || task != TaskKind.Regression))
        {
            throw new ArgumentException($"CsvOptions.LabelTransform applies to regression labels only; the label '{names[labelIndex]}' is {(task is null ? "categorical" : task.ToString())}.", nameof(options));
        }

        int n2 = names.Length;
        bool[] categorical = new bool[n2];
        bool anyCategorical = false;
        for (int s = 0; s < n2; s++)
        {
            categorical[s] = isFeature[s] && (explicitCategorical[s] || !numeric[s]);
            anyCategorical |= categorical[s];
        }

        // Pass 2: categories in first-seen order, and the classes.
        var categoryMaps = new SpanStringMap?[n2];
        string[] classNames = Array.Empty<string>();
        if (anyCategorical || task != TaskKind.Regression)
        {
            bool classify = task != TaskKind.Regression;
            var numericClasses = new HashSet<double>();
            var stringClasses = new SpanStringMap();
            for (int s = 0; s < n2; s++)
            {
                if (categorical[s])
                {
                    categoryMaps[s] = new SpanStringMap();
                }
            }

            using (CsvTokenizer tok = CsvTokenizer.Open(path, options.Separator))
            {
                ReadHeader(tok, options.HasHeader, path, out bool pending);
                tok.ColumnNames = names;
                while (pending || tok.ReadRecord())
                {
                    pending = false;
                    CheckFieldCount(tok, n2, path);
                    for (int s = 0; s < n2; s++)
                    {
                        SpanStringMap? map = categoryMaps[s];
                        if (map != null)
                        {
                            ReadOnlySpan<char> v = tok.Field(s).Trim();
                            map.GetOrAdd(IsMissing(v, tokens) ? DatasetSchema.MissingCategory.AsSpan() : v);
                        }
                    }

                    if (classify)
                    {
                        ReadOnlySpan<char> lv = tok.Field(labelIndex).Trim();
                        if (labelNumeric)
                        {
                            TryParseNumber(lv, out double d);
                            numericClasses.Add(d);
                        }
                        else
                        {
                            stringClasses.GetOrAdd(lv);
                        }
                    }
                }
            }

            if (classify)
            {
                classNames = labelNumeric
                    ? numericClasses.OrderBy(d => d).Select(d => d.ToString("R", CultureInfo.InvariantCulture)).ToArray()
                    : stringClasses.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
                if (task is null)
                {
                    if (classNames.Length < 2)
                    {
                        throw new CsvFormatException($"the label has a single value '{classNames[0]}'; there is nothing to classify", path, 0, names[labelIndex]);
                    }

                    task = classNames.Length == 2 ? TaskKind.BinaryClassification : TaskKind.MulticlassClassification;
                }
                else if (task == TaskKind.BinaryClassification && classNames.Length != 2)
                {
                    throw new CsvFormatException($"binary classification needs exactly 2 distinct label values, found {classNames.Length} ({Preview(classNames)})", path, 0, names[labelIndex]);
                }
                else if (classNames.Length < 2)
                {
                    throw new CsvFormatException($"multiclass classification needs at least 2 distinct label values, found {classNames.Length} ({Preview(classNames)})", path, 0, names[labelIndex]);
                }
            }
        }

        // The schema.
        var columns = new List<ColumnSchema>();
        int offset = 0;
        for (int s = 0; s < n2; s++)
        {
            if (!isFeature[s])
            {
                continue;
            }

            ColumnSchema col = categorical[s]
                ? new ColumnSchema(names[s], s, ColumnKind.Categorical, offset, categoryMaps[s]!.Keys)
                : new ColumnSchema(names[s], s, ColumnKind.Numeric, offset, null,
                    options.Imputation == MissingValuePolicy.Mean && counts[s] > 0 ? sums[s] / counts[s] : 0);
            columns.Add(col);
            offset += col.FeatureWidth;
        }

        if (columns.Count == 0)
        {
            throw new CsvFormatException("there are no feature columns (every column is the label, the weight or ignored)", path, 0, null);
        }

        var schema = new DatasetSchema(names, columns, names[labelIndex], task!.Value, classNames,
            weightIndex >= 0 ? names[weightIndex] : null, options.Imputation, tokens);

        // Pass 3: encode.
        int featureCount = schema.FeatureCount;
        if (rows * featureCount > Array.MaxLength)
        {
            throw new CsvFormatException(
                string.Create(CultureInfo.InvariantCulture, $"{rows} rows x {featureCount} features do not fit in one array; use CsvStreamingBatchSource"),
                path,
                0,
                null);
        }

        var features = new float[rows * featureCount];
        var labels = new float[rows];
        float[]? weights = weightIndex >= 0 ? new float[rows] : null;
        RowEncoder encoder = schema.Encoder;
        using (CsvTokenizer tok = CsvTokenizer.Open(path, options.Separator))
        {
            ReadHeader(tok, options.HasHeader, path, out bool pending);
            tok.ColumnNames = names;
            var fields = new TokenizerFields(tok);
            int r = 0;
            while (pending || tok.ReadRecord())
            {
                pending = false;
                if (r == rows)
                {
                    throw new CsvFormatException("the file changed while it was being read", path, tok.RecordLine, null);
                }

                encoder.Encode(ref fields, features.AsSpan(r * featureCount, featureCount), true, weights != null, transform, out float label, out float weight, path, tok.RecordLine);
                labels[r] = label;
                if (weights != null)
                {
                    weights[r] = weight;
                }

                r++;
            }

            if (r != rows)
            {
                throw new CsvFormatException("the file changed while it was being read", path, 0, null);
            }
        }

        return new CsvDataset(new DenseTable(features, featureCount, labels, weights, schema.FeatureNames), schema);
    }

    /// <summary>Parses a finite invariant-culture number (white space allowed around it; NaN and infinities rejected).</summary>
    internal static bool TryParseNumber(ReadOnlySpan<char> s, out double value) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>
    /// The task a numeric label implies: binary for 2 distinct values, multiclass for 3 to 100 distinct integers,
    /// regression otherwise (<paramref name="distinct"/> is counted up to 101).
    /// </summary>
    internal static TaskKind InferNumericLabelTask(int distinct, bool integer) =>
        distinct == 2 ? TaskKind.BinaryClassification
        : integer && distinct >= 3 && distinct <= 100 ? TaskKind.MulticlassClassification
        : TaskKind.Regression;

    /// <summary>Reads the header (or, without one, peeks the first record to name the columns <c>col0</c>, ...).</summary>
    internal static string[] ReadHeader(CsvTokenizer tok, bool hasHeader, string path, out bool firstRecordPending)
    {
        if (!tok.ReadRecord())
        {
            throw new CsvFormatException(hasHeader ? "the file is empty; expected a header row" : "the file is empty", path, 0, null);
        }

        var names = new string[tok.FieldCount];
        for (int i = 0; i < names.Length; i++)
        {
            string name = hasHeader ? tok.Field(i).Trim().ToString() : string.Empty;
            names[i] = name.Length == 0 ? "col" + i.ToString(CultureInfo.InvariantCulture) : name;
        }

        if (hasHeader)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string name in names)
            {
                if (!seen.Add(name))
                {
                    throw new CsvFormatException("the header names this column twice", path, tok.RecordLine, name);
                }
            }
        }

        tok.ColumnNames = names;
        firstRecordPending = !hasHeader;
        return names;
    }

    internal static void CheckFieldCount(CsvTokenizer tok, int expected, string path)
    {
        if (tok.FieldCount != expected)
        {
            throw new CsvFormatException(
                string.Create(CultureInfo.InvariantCulture, $"expected {expected} fields, found {tok.FieldCount}"),
                path,
                tok.RecordLine,
                null);
        }
    }

    private static int IndexOf(string[] names, string? name, string role, string path)
    {
        int i = name is null ? -1 : Array.IndexOf(names, name.Trim());
        if (i < 0)
        {
            throw new CsvFormatException($"the {role} column is not in the header (columns: {string.Join(", ", names)})", path, 1, name ?? string.Empty);
        }

        return i;
    }

    /// <summary>Whether a trimmed field is missing: empty or one of the (trimmed) missing-value tokens.</summary>
    internal static bool IsMissing(ReadOnlySpan<char> trimmed, string[] tokens)
    {
        if (trimmed.IsEmpty)
        {
            return true;
        }

        foreach (string t in tokens)
        {
            if (trimmed.SequenceEqual(t.AsSpan()))
            {
                return true;
            }
        }

        return false;
    }

    private static string Preview(string[] values) =>
        values.Length <= 5 ? string.Join(", ", values) : string.Join(", ", values.Take(5)) + ", ...";
}
