using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>Reads CSV files and raw rows into <see cref="TabularData"/>, and infers a <see cref="DataConfig"/> from a file.</summary>
internal static class TabularCsv
{
    public static TabularData Load(string path, DataConfig data)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CSV file '{path}' was not found.", path);
        }

        int n = data.Columns.Count;
        int labelIndex = data.Columns.FindIndex(c => c.Name == data.Label);
        using CsvTokenizer tok = CsvTokenizer.Open(path, data.Separator);
        string[] fileNames = CsvLoader.ReadHeader(tok, data.HasHeader, path, out bool pending);
        var fileIndex = new int[n];
        if (data.HasHeader)
        {
            for (int f = 0; f < fileNames.Length; f++)
            {
                if (data.TypeOf(fileNames[f]) is null)
                {
                    throw new CsvFormatException(
                        $"the header has a column that $.data.columns does not declare (declared: {DataConfig.Preview(data.Columns.Select(c => c.Name))})", path, 1, fileNames[f]);
                }
            }

            for (int i = 0; i < n; i++)
            {
                fileIndex[i] = Array.IndexOf(fileNames, data.Columns[i].Name);
                if (fileIndex[i] < 0 && !data.IsRole(data.Columns[i].Name))
                {
                    throw new CsvFormatException($"the column is declared in $.data.columns but not in the header (header: {DataConfig.Preview(fileNames)})", path, 1, data.Columns[i].Name);
                }
            }
        }
        else
        {
            int fields = fileNames.Length;
            if (fields != n && fields != n - 1)
            {
                throw new CsvFormatException(
                    string.Create(CultureInfo.InvariantCulture, $"the first row has {fields} fields; $.data.columns declares {n} (or {n - 1} without the label '{data.Label}')"), path, 1, null);
            }

            for (int i = 0, f = 0; i < n; i++)
            {
                fileIndex[i] = fields == n || i != labelIndex ? f++ : -1;
            }

            tok.ColumnNames = fields == n ? data.Columns.Select(c => c.Name).ToArray() : data.Columns.Where(c => c.Name != data.Label).Select(c => c.Name).ToArray();
        }

        var builder = new Builder(data, fileIndex.Select(i => i >= 0).ToArray(), path);
        int expected = fileNames.Length;
        while (pending || tok.ReadRecord())
        {
            pending = false;
            CsvLoader.CheckFieldCount(tok, expected, path);

            for (int i = 0; i < n; i++)
            {
                if (fileIndex[i] >= 0)
                {
                    builder.Add(i, tok.Field(fileIndex[i]), tok.RecordLine);
                }
            }
        }

        if (builder.Rows == 0)
        {
            throw new CsvFormatException(data.HasHeader ? "the file has a header row but no data rows" : "the file has no data rows", path, 0, null);
        }

        return builder.Build();
    }

    public static TabularData FromRows(DataConfig data, IEnumerable<IReadOnlyDictionary<string, string?>> rows)
    {
        int n = data.Columns.Count;
        Builder? builder = null;
        int r = 0;
        foreach (IReadOnlyDictionary<string, string?> row in rows)
        {
            if (row is null)
            {
                throw new ArgumentException($"Row {r} is null.", nameof(rows));
            }

            foreach (string key in row.Keys)
            {
                if (data.TypeOf(key) is null)
                {
                    throw new ArgumentException($"Row {r} has a value for '{key}', which is not a column of the data (columns: {DataConfig.Preview(data.Columns.Select(c => c.Name))}).", nameof(rows));
                }
            }

            var present = new bool[n];
            for (int i = 0; i < n; i++)
            {
                string name = data.Columns[i].Name;
                present[i] = row.ContainsKey(name);
                if (!present[i] && !data.IsRole(name))
                {
                    throw new ArgumentException($"Row {r} has no value for column '{name}' (give null or \"\" for a missing value).", nameof(rows));
                }
            }

            builder ??= new Builder(data, present, null);
            for (int i = 0; i < n; i++)
            {
                if (present[i] != builder.Present[i])
                {
                    throw new ArgumentException($"Row {r} {(present[i] ? "has" : "lacks")} column '{data.Columns[i].Name}' but row 0 {(present[i] ? "lacks" : "has")} it; every row must have the same columns.", nameof(rows));
                }

                if (present[i])
                {
                    builder.Add(i, (row[data.Columns[i].Name] ?? string.Empty).AsSpan(), r);
                }
            }

            r++;
        }

        return (builder ?? new Builder(data, data.Columns.Select(c => !data.IsRole(c.Name)).ToArray(), null)).Build();
    }

    public static DataConfig Infer(string path, string label, TaskKind? task, char separator, bool hasHeader, IReadOnlyList<string>? missingValueTokens, out long rows)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(label);
        if (separator is '"' or '\r' or '\n' or '\0')
        {
            throw new ArgumentException($"separator cannot be a quote, CR, LF or NUL (got U+{(int)separator:X4}).", nameof(separator));
        }

        if (task is TaskKind t && !Enum.IsDefined(t))
        {
            throw new ArgumentOutOfRangeException(nameof(task), t, "Unknown task.");
        }

        if (missingValueTokens != null && missingValueTokens.Any(t => t is null))
        {
            throw new ArgumentException("A missing-value token is null.", nameof(missingValueTokens));
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CSV file '{path}' was not found.", path);
        }

        string[] tokens = missingValueTokens?.Select(t => t.Trim()).ToArray() ?? Array.Empty<string>();
        using CsvTokenizer tok = CsvTokenizer.Open(path, separator);
        string[] names = CsvLoader.ReadHeader(tok, hasHeader, path, out bool pending);
        int labelIndex = Array.IndexOf(names, label.Trim());
        if (labelIndex < 0)
        {
            throw new CsvFormatException($"the label column is not in the header (columns: {DataConfig.Preview(names)})", path, 1, label);
        }

        var numeric = new bool[names.Length];
        Array.Fill(numeric, true);
        bool labelNumeric = true, labelInteger = true;
        var numericLabels = new HashSet<double>();
        var textLabels = new HashSet<string>(StringComparer.Ordinal);
        rows = 0;
        while (pending || tok.ReadRecord())
        {
            pending = false;
            CsvLoader.CheckFieldCount(tok, names.Length, path);

            for (int s = 0; s < names.Length; s++)
            {
                ReadOnlySpan<char> v = tok.Field(s).Trim();
                bool missing = CsvLoader.IsMissing(v, tokens);

                if (s == labelIndex)
                {
                    if (missing)
                    {
                        throw new CsvFormatException("the label is missing", path, tok.RecordLine, names[s]);
                    }

                    if (labelNumeric && CsvLoader.TryParseNumber(v, out double d))
                    {
                        if (numericLabels.Count <= 100)
                        {
                            numericLabels.Add(d);
                        }

                        labelInteger &= d == Math.Floor(d);
                    }
                    else if (task == TaskKind.Regression)
                    {
                        throw new CsvFormatException($"'{v.ToString()}' is not a number (the task is regression)", path, tok.RecordLine, names[s]);
                    }
                    else
                    {
                        labelNumeric = false;
                    }

                    if (textLabels.Count <= 2)
                    {
                        textLabels.Add(v.ToString());
                    }
                }
                else if (numeric[s] && !missing && !CsvLoader.TryParseNumber(v, out _))
                {
                    numeric[s] = false;
                }
            }

            rows++;
        }

        if (rows == 0)
        {
            throw new CsvFormatException(hasHeader ? "the file has a header row but no data rows" : "the file has no data rows", path, 0, null);
        }

        int distinct = labelNumeric ? numericLabels.Count : textLabels.Count;
        if (task is null)
        {
            task = labelNumeric ? CsvLoader.InferNumericLabelTask(distinct, labelInteger)
                : distinct == 2 ? TaskKind.BinaryClassification : TaskKind.MulticlassClassification;
        }

        if (task != TaskKind.Regression && distinct < 2)
        {
            string only = labelNumeric ? LabelCodec.NameOf((float)numericLabels.First()) : textLabels.First();
            throw new CsvFormatException($"the label has a single value '{only}'; there is nothing to classify", path, 0, names[labelIndex]);
        }

        if (task == TaskKind.BinaryClassification && distinct != 2)
        {
            throw new CsvFormatException("binary classification needs exactly 2 distinct label values, found more", path, 0, names[labelIndex]);
        }

        var config = new DataConfig { Label = names[labelIndex], Task = task.Value, Separator = separator, HasHeader = hasHeader, MissingValueTokens = new List<string>(missingValueTokens ?? Array.Empty<string>()) };
        for (int s = 0; s < names.Length; s++)
        {
            config.Columns.Add(new ColumnConfig(names[s], (s == labelIndex ? labelNumeric : numeric[s]) ? ColumnType.Numeric : ColumnType.Text));
        }

        return config;
    }

    /// <summary>Accumulates parsed values column by column.</summary>
    private sealed class Builder
    {
        private readonly DataConfig _data;
        private readonly string? _path;
        private readonly List<float>?[] _numbers;
        private readonly List<string?>?[] _texts;
        private readonly SpanStringMap?[] _interned;
        private readonly string[] _tokens;
        private readonly int _lastPresent;

        public Builder(DataConfig data, bool[] present, string? path)
        {
            _data = data;
            _path = path;
            Present = present;
            _lastPresent = Array.LastIndexOf(present, true);
            int n = data.Columns.Count;
            _numbers = new List<float>?[n];
            _texts = new List<string?>?[n];
            _interned = new SpanStringMap?[n];
            _tokens = data.MissingValueTokens.Select(t => t.Trim()).ToArray();
            for (int i = 0; i < n; i++)
            {
                if (!present[i])
                {
                    continue;
                }

                if (data.Columns[i].Type == ColumnType.Numeric)
                {
                    _numbers[i] = new List<float>();
                }
                else
                {
                    _texts[i] = new List<string?>();
                    _interned[i] = new SpanStringMap();
                }
            }
        }

        public bool[] Present { get; }

        public int Rows { get; private set; }

        /// <summary>Adds one raw field of column <paramref name="i"/>; <paramref name="line"/> is the file line (or the row index without a file).</summary>
        public void Add(int i, ReadOnlySpan<char> raw, long line)
        {
            ReadOnlySpan<char> v = raw.Trim();
            bool missing = CsvLoader.IsMissing(v, _tokens);

            if (_numbers[i] is List<float> nums)
            {
                if (missing)
                {
                    nums.Add(float.NaN);
                }
                else if (CsvLoader.TryParseNumber(v, out double d))
                {
                    nums.Add((float)d);
                }
                else
                {
                    string detail = $"'{v.ToString()}' is not a number (the column is declared \"numeric\" in $.data.columns)";
                    throw _path is null
                        ? new CsvFormatException(string.Create(CultureInfo.InvariantCulture, $"row {line}: {detail}"), null, 0, _data.Columns[i].Name)
                        : new CsvFormatException(detail, _path, line, _data.Columns[i].Name);
                }

                if (i == _lastPresent)
                {
                    Rows++;
                }

                return;
            }

            SpanStringMap map = _interned[i]!;
            _texts[i]!.Add(missing ? null : map.Keys[map.GetOrAdd(v)]);
            if (i == _lastPresent)
            {
                Rows++;
            }
        }

        public TabularData Build()
        {
            var cols = new List<DataColumn>();
            string? label = null, weight = null;
            for (int i = 0; i < Present.Length; i++)
            {
                if (!Present[i])
                {
                    continue;
                }

                string name = _data.Columns[i].Name;
                cols.Add(_numbers[i] is List<float> nums ? new NumericColumn(name, nums.ToArray()) : new TextColumn(name, _texts[i]!.ToArray()));
                if (name == _data.Label)
                {
                    label = name;
                }
                else if (name == _data.Weight)
                {
                    weight = name;
                }
            }

            return new TabularData(cols, label, weight);
        }
    }
}
