using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Persistence;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>
/// What a pipeline flows over (ML.NET's <c>IDataView</c>, in memory): named columns of equal length — numeric (scalar or
/// vector, float32, NaN for missing) or text (null for missing) — plus the names of the label and weight columns. Raw
/// data from <see cref="LoadCsv"/> has one column per CSV column; featurizers replace columns (one-hot turns a text
/// column into a vector column of the same name); the trained model adds <c>Score</c>, <c>Probability</c> and
/// <c>PredictedLabel</c>. Immutable: every transform returns a new table that shares unchanged columns.
/// </summary>
public sealed class TabularData
{
    private readonly DataColumn[] _columns;
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates a table.</summary>
    /// <param name="columns">The columns (at least one; distinct names; equal row counts).</param>
    /// <param name="labelColumn">The label column's name (a column of the table), or null.</param>
    /// <param name="weightColumn">The weight column's name (a numeric scalar column of the table), or null.</param>
    /// <exception cref="ArgumentException">No columns, a repeated name, unequal row counts, or a role naming no column.</exception>
    public TabularData(IEnumerable<DataColumn> columns, string? labelColumn = null, string? weightColumn = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = columns.ToArray();
        if (_columns.Length == 0)
        {
            throw new ArgumentException("A table needs at least one column.", nameof(columns));
        }

        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _columns.Length; i++)
        {
            DataColumn c = _columns[i] ?? throw new ArgumentException($"Column {i} is null.", nameof(columns));
            if (!_index.TryAdd(c.Name, i))
            {
                throw new ArgumentException($"The column name '{c.Name}' appears twice.", nameof(columns));
            }

            if (c.RowCount != _columns[0].RowCount)
            {
                throw new ArgumentException($"Column '{c.Name}' has {c.RowCount} rows; column '{_columns[0].Name}' has {_columns[0].RowCount}.", nameof(columns));
            }
        }

        if (labelColumn != null && !_index.ContainsKey(labelColumn))
        {
            throw new ArgumentException($"The label column '{labelColumn}' is not a column ({Names()}).", nameof(labelColumn));
        }

        if (weightColumn != null && (!_index.TryGetValue(weightColumn, out int w) || _columns[w] is not NumericColumn { SlotNames: null } || weightColumn == labelColumn))
        {
            throw new ArgumentException($"The weight column '{weightColumn}' is not a numeric scalar column other than the label ({Names()}).", nameof(weightColumn));
        }

        LabelColumn = labelColumn;
        WeightColumn = weightColumn;
        Columns = Array.AsReadOnly(_columns);
    }

    /// <summary>Number of rows.</summary>
    public int RowCount => _columns[0].RowCount;

    /// <summary>The columns, in order.</summary>
    public IReadOnlyList<DataColumn> Columns { get; }

    /// <summary>The label column's name, or null (for example data to predict, without labels).</summary>
    public string? LabelColumn { get; }

    /// <summary>The weight column's name, or null.</summary>
    public string? WeightColumn { get; }

    /// <summary>The columns other than the label and the weight, in order.</summary>
    public IReadOnlyList<DataColumn> FeatureColumns => _columns.Where(c => c.Name != LabelColumn && c.Name != WeightColumn).ToArray();

    /// <summary>The column named <paramref name="name"/>.</summary>
    /// <param name="name">The column name.</param>
    /// <returns>The column.</returns>
    /// <exception cref="ArgumentException">There is no such column (the message lists the columns).</exception>
    public DataColumn this[string name] => TryGetColumn(name, out DataColumn? c)
        ? c
        : throw new ArgumentException($"There is no column '{name}' (columns: {Names()}).", nameof(name));

    /// <summary>Looks a column up by name.</summary>
    /// <param name="name">The column name.</param>
    /// <param name="column">The column, or null.</param>
    /// <returns>Whether it exists.</returns>
    public bool TryGetColumn(string name, [NotNullWhen(true)] out DataColumn? column)
    {
        ArgumentNullException.ThrowIfNull(name);
        column = _index.TryGetValue(name, out int i) ? _columns[i] : null;
        return column != null;
    }

    /// <summary>A table with <paramref name="column"/> in place of the column of the same name, or appended when there is none.</summary>
    /// <param name="column">The column (its row count must match).</param>
    /// <returns>The new table (same roles).</returns>
    public TabularData WithColumn(DataColumn column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var cols = _columns.ToList();
        if (_index.TryGetValue(column.Name, out int i))
        {
            cols[i] = column;
        }
        else
        {
            cols.Add(column);
        }

        return new TabularData(cols, LabelColumn, WeightColumn);
    }

    /// <summary>A table with the given rows, in that order (values copied).</summary>
    /// <param name="rows">Row indices.</param>
    /// <returns>The new table (same columns and roles).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A row index is out of range.</exception>
    public TabularData SelectRows(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (int r in rows)
        {
            if ((uint)r >= (uint)RowCount)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), r, $"row {r} is outside 0..{RowCount - 1}.");
            }
        }

        return new TabularData(_columns.Select(c => c.SelectRows(rows)), LabelColumn, WeightColumn);
    }

    /// <summary>
    /// Loads a CSV file as <paramref name="data"/> describes it: one column per declared column, in declared order,
    /// numeric columns parsed as invariant-culture numbers, text trimmed; an empty field or a
    /// <see cref="DataConfig.MissingValueTokens"/> value is missing (NaN or null). With a header, columns are matched by
    /// name in any order; a column the header lacks is an error unless it is the label or the weight (data to predict
    /// need not have them), and a header column that is not declared is an error. Without a header, rows have every
    /// declared column in order, or every one but the label.
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="data">The data schema.</param>
    /// <returns>The table; <see cref="LabelColumn"/> and <see cref="WeightColumn"/> are set when the file has them.</returns>
    /// <exception cref="PipelineConfigException">The data schema is invalid.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CsvFormatException">The file is empty, a column is absent or undeclared, a row has the wrong field count, or a numeric value is not a number; the message names the file, line and column.</exception>
    public static TabularData LoadCsv(string path, DataConfig data)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(data);
        data.Validate("$.data");
        return TabularCsv.Load(path, data);
    }

    /// <summary>
    /// Builds a table from raw text rows, each a map from column name to its raw text, parsed exactly as
    /// <see cref="LoadCsv"/> parses fields. Every row must give every declared column except, optionally, the label
    /// and the weight (all rows alike); null or an empty string is a missing value.
    /// </summary>
    /// <param name="data">The data schema.</param>
    /// <param name="rows">The rows.</param>
    /// <returns>The table.</returns>
    /// <exception cref="PipelineConfigException">The data schema is invalid.</exception>
    /// <exception cref="ArgumentException">A row lacks a column, names an undeclared one, or differs from the first row in having the label or weight.</exception>
    /// <exception cref="CsvFormatException">A numeric value is not a number (the message names the row and column).</exception>
    public static TabularData FromRows(DataConfig data, IEnumerable<IReadOnlyDictionary<string, string?>> rows)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(rows);
        data.Validate("$.data");
        return TabularCsv.FromRows(data, rows);
    }

    /// <summary>
    /// Writes the table as CSV (RFC 4180, header row, invariant culture) atomically. A vector column becomes one CSV
    /// column per slot, named <c>column[slot]</c>; a missing value is an empty field; numbers are written with the
    /// shortest text that reads back to the same float.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="separator">The field separator (not a quote, CR or LF).</param>
    /// <exception cref="ArgumentException">The separator is a quote, CR or LF.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void SaveCsv(string path, char separator = ',')
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (separator is '"' or '\r' or '\n')
        {
            throw new ArgumentException($"separator cannot be a quote, CR or LF (got U+{(int)separator:X4}).", nameof(separator));
        }

        TrainedModel.SaveAtomic(path, s =>
        {
            using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            var header = new List<string>();
            foreach (DataColumn c in _columns)
            {
                if (c is NumericColumn { SlotNames: not null } v)
                {
                    header.AddRange(v.SlotNames.Select(slot => c.Name + "[" + slot + "]"));
                }
                else
                {
                    header.Add(c.Name);
                }
            }

            w.WriteLine(string.Join(separator, header.Select(h => Quote(h, separator))));
            var fields = new List<string>();
            for (int r = 0; r < RowCount; r++)
            {
                fields.Clear();
                foreach (DataColumn c in _columns)
                {
                    if (c is NumericColumn n)
                    {
                        foreach (float f in n.GetRow(r))
                        {
                            fields.Add(float.IsNaN(f) ? string.Empty : f.ToString("R", CultureInfo.InvariantCulture));
                        }
                    }
                    else
                    {
                        fields.Add(Quote(((TextColumn)c)[r] ?? string.Empty, separator));
                    }
                }

                w.WriteLine(string.Join(separator, fields));
            }

            w.Flush();
        });
    }

    /// <summary>A one-line description: rows and columns with their types.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{RowCount} rows: ") + string.Join(", ", _columns.Select(c => c switch
        {
            NumericColumn { SlotNames: not null } v => string.Create(CultureInfo.InvariantCulture, $"{c.Name} (numeric[{v.Width}])"),
            _ => $"{c.Name} ({(c.Type == ColumnType.Numeric ? "numeric" : "text")})",
        }));

    internal string Names() => DataConfig.Preview(_columns.Select(c => c.Name));

    private static string Quote(string s, char separator)
    {
        bool quote = s.Length > 0 && (char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1]));
        foreach (char ch in s)
        {
            quote |= ch == separator || ch == '"' || ch == '\r' || ch == '\n';
        }

        return quote ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
    }
}
