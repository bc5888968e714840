using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// What <see cref="CsvLoader"/> learned from a training file, enough to featurize new raw rows exactly like the training
/// rows: the source columns, the feature columns in order (numeric, or categorical with their categories for one-hot),
/// the label column, the task, the class names and the missing-value policy.
/// </summary>
/// <remarks>
/// <para>
/// Class order: classes are the sorted distinct label values — numerically sorted when every label is a number (so a
/// {0, 1} label maps 0 → 0 and 1 → 1, and digits 0..9 map to themselves), ordinally (<see cref="StringComparer.Ordinal"/>)
/// sorted otherwise (so breast_cancer's benign → 0, malignant → 1). Numeric class names are the invariant round-trip
/// text of the value (<c>"1"</c>, <c>"2.5"</c>), so <c>"1.0"</c> and <c>"1"</c> are the same class.
/// </para>
/// <para>
/// Featurizing: a numeric column gives one feature; a categorical column one feature per category, 1 for the row's
/// category and 0 elsewhere; an unknown category (not seen in training) gives all zeros. A missing value fails under
/// <see cref="MissingValuePolicy.Fail"/>; otherwise a numeric one becomes <see cref="ColumnSchema.FillValue"/> and a
/// categorical one the <see cref="MissingCategory"/> category (all zeros if training had no missing value there).
/// </para>
/// </remarks>
public sealed class DatasetSchema
{
    /// <summary>The category a missing categorical value becomes under <see cref="MissingValuePolicy.Mean"/> or <see cref="MissingValuePolicy.Zero"/>.</summary>
    public const string MissingCategory = "<missing>";

    private readonly string[] _featureNames;
    private RowEncoder? _encoder;

    /// <summary>Creates a schema (for example when restoring a persisted one); <see cref="CsvLoader"/> builds it from a file.</summary>
    /// <param name="sourceColumns">Every column of a raw row, in file order.</param>
    /// <param name="columns">The feature columns in feature order; their feature offsets must be contiguous from 0.</param>
    /// <param name="labelColumn">The label column (one of <paramref name="sourceColumns"/>).</param>
    /// <param name="task">The task.</param>
    /// <param name="classNames">The classes in index order (2 for binary, at least 2 for multiclass, none for regression).</param>
    /// <param name="weightColumn">The weight column, or null.</param>
    /// <param name="imputation">The missing-value policy.</param>
    /// <param name="missingValueTokens">Values that mean "missing" besides the empty field, or null for none.</param>
    /// <exception cref="ArgumentException">The parts are inconsistent.</exception>
    public DatasetSchema(
        IReadOnlyList<string> sourceColumns,
        IReadOnlyList<ColumnSchema> columns,
        string labelColumn,
        TaskKind task,
        IReadOnlyList<string> classNames,
        string? weightColumn = null,
        MissingValuePolicy imputation = MissingValuePolicy.Fail,
        IReadOnlyList<string>? missingValueTokens = null)
    {
        ArgumentNullException.ThrowIfNull(sourceColumns);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(labelColumn);
        ArgumentNullException.ThrowIfNull(classNames);
        string[] src = sourceColumns.ToArray();
        if (src.Any(string.IsNullOrEmpty) || src.Distinct(StringComparer.Ordinal).Count() != src.Length)
        {
            throw new ArgumentException("Source column names must be non-empty and distinct.", nameof(sourceColumns));
        }

        LabelIndex = Array.IndexOf(src, labelColumn);
        if (LabelIndex < 0)
        {
            throw new ArgumentException($"Label column '{labelColumn}' is not a source column.", nameof(labelColumn));
        }

        WeightIndex = -1;
        if (weightColumn != null)
        {
            WeightIndex = Array.IndexOf(src, weightColumn);
            if (WeightIndex < 0 || WeightIndex == LabelIndex)
            {
                throw new ArgumentException($"Weight column '{weightColumn}' is not a source column other than the label.", nameof(weightColumn));
            }
        }

        ColumnSchema[] cols = columns.ToArray();
        if (cols.Length == 0)
        {
            throw new ArgumentException("There must be at least one feature column.", nameof(columns));
        }

        var used = new HashSet<int>();
        var names = new List<string>();
        int offset = 0;
        foreach (ColumnSchema c in cols)
        {
            ArgumentNullException.ThrowIfNull(c, nameof(columns));
            if (c.SourceIndex >= src.Length || src[c.SourceIndex] != c.Name)
            {
                throw new ArgumentException($"Column '{c.Name}' does not match source column {c.SourceIndex}.", nameof(columns));
            }

            if (c.SourceIndex == LabelIndex || c.SourceIndex == WeightIndex || !used.Add(c.SourceIndex))
            {
                throw new ArgumentException($"Column '{c.Name}' is the label, the weight, or listed twice.", nameof(columns));
            }

            if (c.FeatureOffset != offset)
            {
                throw new ArgumentException($"Column '{c.Name}' has feature offset {c.FeatureOffset}; expected {offset}.", nameof(columns));
            }

            if (c.Kind == ColumnKind.Numeric)
            {
                names.Add(c.Name);
            }
            else
            {
                foreach (string cat in c.Categories)
                {
                    names.Add(c.Name + "=" + cat);
                }
            }

            offset += c.FeatureWidth;
        }

        string[] classes = classNames.ToArray();
        if (classes.Any(n => n is null) || classes.Distinct(StringComparer.Ordinal).Count() != classes.Length)
        {
            throw new ArgumentException("Class names must be non-null and distinct.", nameof(classNames));
        }

        switch (task)
        {
            case TaskKind.Regression when classes.Length != 0:
                throw new ArgumentException("A regression schema has no class names.", nameof(classNames));
            case TaskKind.BinaryClassification when classes.Length != 2:
                throw new ArgumentException($"A binary schema needs exactly 2 class names, got {classes.Length}.", nameof(classNames));
            case TaskKind.MulticlassClassification when classes.Length < 2:
                throw new ArgumentException($"A multiclass schema needs at least 2 class names, got {classes.Length}.", nameof(classNames));
            case TaskKind.Regression or TaskKind.BinaryClassification or TaskKind.MulticlassClassification:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown task.");
        }

        if (!Enum.IsDefined(imputation))
        {
            throw new ArgumentOutOfRangeException(nameof(imputation), imputation, "Unknown policy.");
        }

        SourceColumns = Array.AsReadOnly(src);
        Columns = Array.AsReadOnly(cols);
        _featureNames = names.ToArray();
        FeatureNames = Array.AsReadOnly(_featureNames);
        LabelColumn = labelColumn;
        Task = task;
        ClassNames = Array.AsReadOnly(classes);
        NumericClasses = classes.Length > 0 && classes.All(n => CsvLoader.TryParseNumber(n.AsSpan(), out _));
        WeightColumn = weightColumn;
        Imputation = imputation;
        MissingValueTokens = Array.AsReadOnly((missingValueTokens ?? Array.Empty<string>()).Select(t => t.Trim()).ToArray());
    }

    /// <summary>Every column of a raw row, in file order.</summary>
    public IReadOnlyList<string> SourceColumns { get; }

    /// <summary>The feature columns in feature order (source columns that are not the label, the weight or ignored).</summary>
    public IReadOnlyList<ColumnSchema> Columns { get; }

    /// <summary>Feature names after one-hot expansion (<c>carat</c>, <c>cut=Ideal</c>, ...).</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Features per row after one-hot expansion.</summary>
    public int FeatureCount => _featureNames.Length;

    /// <summary>The label column's name.</summary>
    public string LabelColumn { get; }

    /// <summary>The label column's 0-based index in a raw row.</summary>
    public int LabelIndex { get; }

    /// <summary>The task.</summary>
    public TaskKind Task { get; }

    /// <summary>The classes in index order (empty for regression); see the remarks for the order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes (0 for regression).</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>The weight column's name, or null.</summary>
    public string? WeightColumn { get; }

    /// <summary>The weight column's 0-based index in a raw row, or -1.</summary>
    public int WeightIndex { get; }

    /// <summary>The missing-value policy used in training and for new rows.</summary>
    public MissingValuePolicy Imputation { get; }

    /// <summary>Values that mean "missing" besides the empty field.</summary>
    public IReadOnlyList<string> MissingValueTokens { get; }

    /// <summary>Whether classes are matched by numeric value (every class name is a number) rather than by text.</summary>
    internal bool NumericClasses { get; }

    internal RowEncoder Encoder => _encoder ??= new RowEncoder(this);

    /// <summary>Featurizes a raw row exactly as the training rows were.</summary>
    /// <param name="fields">The raw fields: either a full row (<see cref="SourceColumns"/> order; the label and weight fields are not read),
    /// or a row without the label field (one field fewer, the others in the same order).</param>
    /// <returns>The <see cref="FeatureCount"/> features.</returns>
    /// <exception cref="CsvFormatException">The field count is wrong, or a value is missing (under <see cref="MissingValuePolicy.Fail"/>) or not a number.</exception>
    public float[] EncodeRow(IReadOnlyList<string> fields)
    {
        var result = new float[FeatureCount];
        EncodeRow(fields, result);
        return result;
    }

    /// <summary>Featurizes a raw row into <paramref name="destination"/>; see <see cref="EncodeRow(IReadOnlyList{string})"/>.</summary>
    /// <param name="fields">The raw fields, with or without the label field.</param>
    /// <param name="destination">Receives <see cref="FeatureCount"/> features.</param>
    /// <exception cref="CsvFormatException">The field count is wrong, or a value is missing or not a number.</exception>
    public void EncodeRow(IReadOnlyList<string> fields, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (destination.Length < FeatureCount)
        {
            throw new ArgumentException($"destination has {destination.Length} elements; {FeatureCount} are needed.", nameof(destination));
        }

        bool full = fields.Count == SourceColumns.Count;
        if (!full && fields.Count != SourceColumns.Count - 1)
        {
            throw new CsvFormatException(
                string.Create(CultureInfo.InvariantCulture, $"expected {SourceColumns.Count} fields (or {SourceColumns.Count - 1} without the label '{LabelColumn}'), found {fields.Count}"),
                null,
                0,
                null);
        }

        var row = new ListFields(fields, full ? -1 : LabelIndex);
        Encoder.Encode(ref row, destination, readLabel: false, readWeight: false, null, out _, out _, null, 0);
    }

    /// <summary>Encodes a raw label value: the class index for classification, the number for regression (without any <see cref="CsvOptions.LabelTransform"/>).</summary>
    /// <param name="value">The raw label text.</param>
    /// <returns>The encoded label.</returns>
    /// <exception cref="CsvFormatException">The value is missing, not a number (regression) or not a known class.</exception>
    public float EncodeLabel(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Encoder.EncodeLabel(value.AsSpan(), null, null, 0);
    }

    private readonly struct ListFields : IRowFields
    {
        private readonly IReadOnlyList<string> _fields;
        private readonly int _omitted;

        public ListFields(IReadOnlyList<string> fields, int omitted)
        {
            _fields = fields;
            _omitted = omitted;
        }

        public int Count => _omitted < 0 ? _fields.Count : _fields.Count + 1;

        public ReadOnlySpan<char> Get(int index)
        {
            if (_omitted >= 0 && index >= _omitted)
            {
                return index == _omitted ? ReadOnlySpan<char>.Empty : (_fields[index - 1] ?? string.Empty).AsSpan();
            }

            return (_fields[index] ?? string.Empty).AsSpan();
        }
    }
}
