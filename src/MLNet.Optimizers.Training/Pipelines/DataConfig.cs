using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>One column of the data (<c>data.columns</c>): its name and how its text is read.</summary>
/// <param name="Name">The column's name (the CSV header name).</param>
/// <param name="Type">Numeric or text.</param>
public sealed record ColumnConfig(string Name, ColumnType Type);

/// <summary>
/// The <c>data</c> section of a pipeline configuration: the columns of the data and their types, the label, the task,
/// the optional weight column and how CSV files are read.
/// </summary>
/// <remarks>
/// JSON keys: <c>path</c> (the training data file, or null; written only when set), <c>label</c> (required), <c>task</c> (required: <c>"regression"</c>, <c>"binary_classification"</c>,
/// <c>"multiclass_classification"</c>), <c>weight</c> (column name or null), <c>columns</c> (required: an object from
/// column name to <c>"numeric"</c> or <c>"text"</c>, in column order, the label and weight included),
/// <c>separator</c> (one character, default <c>","</c>), <c>has_header</c> (default true), <c>missing_tokens</c>
/// (values that mean "missing" besides the empty field, default none).
/// </remarks>
public sealed class DataConfig : IEquatable<DataConfig>
{
    /// <summary>
    /// The training data file, or null (the default). The pipeline itself never reads it — <see cref="Pipeline.Fit"/>
    /// takes the data — it records where the data is for tools that train from a configuration file alone (the
    /// <c>mlnet-opt</c> command-line tool resolves a relative path against the configuration file's folder). Written
    /// to JSON only when set, so configurations without it keep their canonical text.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>The label column's name (required).</summary>
    public string Label { get; set; } = string.Empty;

    /// <summary>The task: it fixes the label encoding, the model head and the loss.</summary>
    public TaskKind Task { get; set; }

    /// <summary>The column of example weights (numeric, finite, ≥ 0), or null.</summary>
    public string? Weight { get; set; }

    /// <summary>Every column of the data, in order: the label, the weight and the features.</summary>
    public List<ColumnConfig> Columns { get; set; } = new();

    /// <summary>The CSV field separator (not a quote, CR or LF).</summary>
    public char Separator { get; set; } = PipelineDefaults.Separator;

    /// <summary>Whether CSV files start with a header row of column names (then columns are matched by name, in any order; otherwise by position).</summary>
    public bool HasHeader { get; set; } = PipelineDefaults.HasHeader;

    /// <summary>Values that mean "missing" besides the empty field (for example <c>"NA"</c>), compared after trimming.</summary>
    public List<string> MissingValueTokens { get; set; } = new();

    /// <summary>
    /// Reads a CSV file's header and values to describe its columns: a column is numeric when every present value is a
    /// finite invariant-culture number, text otherwise. The task, when not given, is inferred from the label as
    /// <see cref="CsvOptions.Task"/> describes (two distinct values: binary; text with three or more, or integers with
    /// 3..100 distinct values: multiclass; other numbers: regression).
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="label">The label column's name.</param>
    /// <param name="task">The task, or null to infer it.</param>
    /// <param name="separator">The field separator.</param>
    /// <param name="hasHeader">Whether the file has a header row (without one, columns are named <c>col0</c>, <c>col1</c>, ...).</param>
    /// <param name="missingValueTokens">
    /// Values that mean "missing" besides the empty field (compared after trimming), or null for none: they are skipped
    /// when typing a column (so <c>NA</c> in a numeric column keeps it numeric) and become <see cref="MissingValueTokens"/>.
    /// </param>
    /// <returns>The data section (<see cref="Path"/> is left null).</returns>
    /// <exception cref="System.IO.FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CsvFormatException">The file is empty, the label is not a column, a row has the wrong field count, the label is missing in a row, a regression label is not a number, or a classification label has a single value.</exception>
    /// <exception cref="ArgumentException">A missing-value token is null.</exception>
    public static DataConfig InferFromCsv(string path, string label, TaskKind? task = null, char separator = PipelineDefaults.Separator, bool hasHeader = PipelineDefaults.HasHeader, IReadOnlyList<string>? missingValueTokens = null) =>
        TabularCsv.Infer(path, label, task, separator, hasHeader, missingValueTokens, out _);

    /// <summary>The type of column <paramref name="name"/>, or null when it is not declared.</summary>
    /// <param name="name">The column name.</param>
    /// <returns>Its type, or null.</returns>
    public ColumnType? TypeOf(string name)
    {
        foreach (ColumnConfig c in Columns)
        {
            if (c?.Name == name)
            {
                return c.Type;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="name"/> is the label or the weight column.</summary>
    /// <param name="name">A column name.</param>
    /// <returns>True for the label and the weight.</returns>
    public bool IsRole(string name) => name == Label || (Weight != null && name == Weight);

    /// <summary>A deep copy.</summary>
    /// <returns>A new object with the same values.</returns>
    public DataConfig Clone() => new()
    {
        Path = Path,
        Label = Label,
        Task = Task,
        Weight = Weight,
        Columns = new List<ColumnConfig>(Columns),
        Separator = Separator,
        HasHeader = HasHeader,
        MissingValueTokens = new List<string>(MissingValueTokens),
    };

    /// <inheritdoc />
    public bool Equals(DataConfig? other) =>
        other is not null
        && Path == other.Path
        && Label == other.Label
        && Task == other.Task
        && Weight == other.Weight
        && Columns.SequenceEqual(other.Columns)
        && Separator == other.Separator
        && HasHeader == other.HasHeader
        && MissingValueTokens.SequenceEqual(other.MissingValueTokens, StringComparer.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as DataConfig);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Label, Task, Weight, Columns.Count, Separator, HasHeader);

    internal static DataConfig Read(JsonConfigReader r)
    {
        var d = new DataConfig
        {
            Path = r.NullableString("path", null),
            Label = r.RequiredString("label"),
            Task = r.RequiredEnum("task", JsonNames.Tasks),
            Weight = r.NullableString("weight", null),
        };
        if (!r.Has("columns"))
        {
            throw r.Missing("columns", "an object from column name to \"numeric\" or \"text\"");
        }

        if (r.Node("columns") is not JsonObject cols)
        {
            throw r.WrongKey("columns", "an object from column name to \"numeric\" or \"text\"", r.Node("columns"));
        }

        foreach (KeyValuePair<string, JsonNode?> kv in cols)
        {
            d.Columns.Add(new ColumnConfig(kv.Key, JsonConfigReader.AsEnum(kv.Value, JsonPaths.Property(r.PathOf("columns"), kv.Key), JsonNames.ColumnTypes)));
        }

        string sep = r.String("separator", PipelineDefaults.Separator.ToString());
        if (sep.Length != 1)
        {
            throw new PipelineConfigException(r.PathOf("separator"), $"must be exactly one character, got \"{sep}\".");
        }

        d.Separator = sep[0];
        d.HasHeader = r.Bool("has_header", PipelineDefaults.HasHeader);
        d.MissingValueTokens = r.StringList("missing_tokens", nullAllowed: false) ?? new List<string>();
        r.EnsureNoUnknownKeys("path, label, task, weight, columns, separator, has_header or missing_tokens");
        return d;
    }

    internal JsonObject Write()
    {
        var cols = new JsonObject();
        foreach (ColumnConfig c in Columns)
        {
            cols[c.Name] = JsonNames.NameOf(JsonNames.ColumnTypes, c.Type);
        }

        var tokens = new JsonArray();
        foreach (string t in MissingValueTokens)
        {
            tokens.Add(t);
        }

        var o = new JsonObject();
        if (Path != null)
        {
            o["path"] = Path;
        }

        o["label"] = Label;
        o["task"] = JsonNames.NameOf(JsonNames.Tasks, Task);
        o["weight"] = Weight;
        o["columns"] = cols;
        o["separator"] = Separator.ToString();
        o["has_header"] = HasHeader;
        o["missing_tokens"] = tokens;
        return o;
    }

    internal void Validate(string path)
    {
        if (Path != null && string.IsNullOrWhiteSpace(Path))
        {
            throw new PipelineConfigException(JsonPaths.Property(path, "path"), $"expected a file path or null, got \"{Path}\".");
        }

        if (JsonNames.NameOf(JsonNames.Tasks, Task) is null)
        {
            throw new PipelineConfigException(JsonPaths.Property(path, "task"), $"expected {JsonNames.Choices(JsonNames.Tasks)}, got {(int)Task} (not a TaskKind).");
        }

        string colsPath = JsonPaths.Property(path, "columns");
        if (Columns is null || Columns.Count == 0)
        {
            throw new PipelineConfigException(colsPath, "must declare at least the label and one feature column, got none.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Columns.Count; i++)
        {
            ColumnConfig? c = Columns[i];
            if (c is null || string.IsNullOrWhiteSpace(c.Name))
            {
                throw new PipelineConfigException(colsPath, $"column {i} has no name (got {(c is null ? "null" : "\"" + c.Name + "\"")}).");
            }

            string cp = JsonPaths.Property(colsPath, c.Name);
            if (c.Name != c.Name.Trim())
            {
                throw new PipelineConfigException(cp, $"a column name cannot start or end with white space (CSV header names are trimmed), got \"{c.Name}\".");
            }

            if (!seen.Add(c.Name))
            {
                throw new PipelineConfigException(cp, $"the column \"{c.Name}\" is declared twice.");
            }

            if (JsonNames.NameOf(JsonNames.ColumnTypes, c.Type) is null)
            {
                throw new PipelineConfigException(cp, $"expected {JsonNames.Choices(JsonNames.ColumnTypes)}, got {(int)c.Type} (not a ColumnType).");
            }
        }

        string labelPath = JsonPaths.Property(path, "label");
        if (string.IsNullOrEmpty(Label))
        {
            throw new PipelineConfigException(labelPath, "must name the label column, got \"\".");
        }

        ColumnType? labelType = TypeOf(Label);
        if (labelType is null)
        {
            throw new PipelineConfigException(labelPath, $"\"{Label}\" is not one of the columns ({Preview(Columns.Select(c => c.Name))}).");
        }

        if (Task == TaskKind.Regression && labelType != ColumnType.Numeric)
        {
            throw new PipelineConfigException(labelPath, $"a regression label must be a numeric column; \"{Label}\" is declared \"text\".");
        }

        if (Weight != null)
        {
            string wp = JsonPaths.Property(path, "weight");
            ColumnType? wt = TypeOf(Weight);
            if (wt is null)
            {
                throw new PipelineConfigException(wp, $"\"{Weight}\" is not one of the columns ({Preview(Columns.Select(c => c.Name))}).");
            }

            if (Weight == Label)
            {
                throw new PipelineConfigException(wp, $"the weight column cannot be the label column, got \"{Weight}\".");
            }

            if (wt != ColumnType.Numeric)
            {
                throw new PipelineConfigException(wp, $"the weight column must be numeric; \"{Weight}\" is declared \"text\".");
            }
        }

        if (!Columns.Any(c => !IsRole(c.Name)))
        {
            throw new PipelineConfigException(colsPath, "there is no feature column (every column is the label or the weight).");
        }

        if (Separator is '"' or '\r' or '\n' or '\0')
        {
            throw new PipelineConfigException(JsonPaths.Property(path, "separator"), $"cannot be a quote, CR, LF or NUL, got U+{(int)Separator:X4}.");
        }

        if (MissingValueTokens is null)
        {
            throw new PipelineConfigException(JsonPaths.Property(path, "missing_tokens"), "expected an array of strings, got null.");
        }

        for (int i = 0; i < MissingValueTokens.Count; i++)
        {
            if (MissingValueTokens[i] is null)
            {
                throw new PipelineConfigException(JsonPaths.Index(JsonPaths.Property(path, "missing_tokens"), i), "expected a string, got null.");
            }
        }
    }

    internal static string Preview(IEnumerable<string> names)
    {
        string[] a = names.Take(21).ToArray();
        return a.Length <= 20 ? string.Join(", ", a) : string.Join(", ", a.Take(20)) + ", ...";
    }
}
