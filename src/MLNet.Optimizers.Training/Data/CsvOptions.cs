using System;
using System.Collections.Generic;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// How <see cref="CsvLoader"/> reads a CSV file (RFC 4180: quoted fields may hold separators, doubled quotes and line
/// breaks; CRLF, LF or CR line endings; an optional UTF-8 byte order mark).
/// </summary>
/// <remarks>
/// <para>Leading and trailing white space of every value and header name is ignored. Completely blank lines are skipped.</para>
/// <para>
/// Every column that is not the label, the weight or ignored becomes features, in file order: a numeric column gives one
/// feature, a categorical column one feature per category (one-hot, categories in first-seen order, named
/// <c>column=value</c>).
/// </para>
/// </remarks>
public sealed class CsvOptions
{
    /// <summary>The label column's name (required). Without a header, columns are named <c>col0</c>, <c>col1</c>, ...</summary>
    public required string LabelColumn { get; init; }

    /// <summary>The field separator (default <c>','</c>); not a quote, CR or LF.</summary>
    public char Separator { get; init; } = ',';

    /// <summary>Whether the first record is a header of column names (default true). An empty header name becomes <c>col{index}</c>.</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>Columns that are categorical whatever their values look like (for example numeric codes).</summary>
    public IReadOnlyList<string> CategoricalColumns { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Whether a column whose present values are not all finite invariant-culture numbers is categorical (default true).
    /// When false, such a value fails with a <see cref="CsvFormatException"/> unless the column is listed in
    /// <see cref="CategoricalColumns"/>.
    /// </summary>
    public bool InferCategorical { get; init; } = true;

    /// <summary>Columns that are read (their field count is checked) but become no features.</summary>
    public IReadOnlyList<string> IgnoreColumns { get; init; } = Array.Empty<string>();

    /// <summary>
    /// The task, or null to infer it from the label values:
    /// <list type="bullet">
    /// <item>a label with exactly 2 distinct values (numeric or not) is <see cref="TaskKind.BinaryClassification"/>;</item>
    /// <item>a non-numeric label with 3 or more distinct values, or an integer-valued numeric label with 3..100 distinct
    /// values, is <see cref="TaskKind.MulticlassClassification"/>;</item>
    /// <item>any other numeric label is <see cref="TaskKind.Regression"/>; a non-numeric label with a single value fails.</item>
    /// </list>
    /// Note: a numeric label with exactly two values (not only {0, 1}, also {-1, 1} or {1, 2}) is inferred as binary; set
    /// <see cref="TaskKind.Regression"/> explicitly if that is not wanted.
    /// </summary>
    public TaskKind? Task { get; init; }

    /// <summary>What a missing feature value becomes (default <see cref="MissingValuePolicy.Fail"/>).</summary>
    public MissingValuePolicy Imputation { get; init; } = MissingValuePolicy.Fail;

    /// <summary>
    /// Values that mean "missing" besides the empty field (for example <c>"NA"</c> or <c>"?"</c>), compared ordinally
    /// after trimming. Empty by default.
    /// </summary>
    public IReadOnlyList<string> MissingValueTokens { get; init; } = Array.Empty<string>();

    /// <summary>
    /// A function applied to every regression label as it is read (for example <c>Math.Log</c> to learn ln(price)); its
    /// result must be finite. Only valid for regression. It is not part of the <see cref="DatasetSchema"/>: predictions
    /// are on the transformed scale.
    /// </summary>
    public Func<double, double>? LabelTransform { get; init; }

    /// <summary>An optional column of example weights (finite, non-negative numbers; never missing).</summary>
    public string? WeightColumn { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(LabelColumn))
        {
            throw new ArgumentException("CsvOptions.LabelColumn is required.", "options");
        }

        if (Separator is '"' or '\r' or '\n')
        {
            throw new ArgumentException($"CsvOptions.Separator cannot be a quote, CR or LF (got U+{(int)Separator:X4}).", "options");
        }

        if (CategoricalColumns is null || IgnoreColumns is null || MissingValueTokens is null)
        {
            throw new ArgumentException("CsvOptions.CategoricalColumns, IgnoreColumns and MissingValueTokens cannot be null.", "options");
        }
    }
}
