using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>A named column of a <see cref="TabularData"/>: <see cref="NumericColumn"/> or <see cref="TextColumn"/>.</summary>
public abstract class DataColumn
{
    private protected DataColumn(string name, int rowCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        RowCount = rowCount;
    }

    /// <summary>The column's name.</summary>
    public string Name { get; }

    /// <summary>Number of rows.</summary>
    public int RowCount { get; }

    /// <summary>Numeric or text.</summary>
    public abstract ColumnType Type { get; }

    /// <summary>A new column with the given rows, in that order.</summary>
    internal abstract DataColumn SelectRows(IReadOnlyList<int> rows);
}

/// <summary>
/// A float32 column: a scalar per row (<see cref="Width"/> 1), or a vector per row with named slots (a one-hot encoded
/// column, a multiclass score). A missing value is NaN.
/// </summary>
public sealed class NumericColumn : DataColumn
{
    private readonly float[] _values;

    /// <summary>Creates a scalar column over <paramref name="values"/> (not copied; do not modify it afterwards).</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="values">One value per row; NaN means missing.</param>
    public NumericColumn(string name, float[] values)
        : base(name, (values ?? throw new ArgumentNullException(nameof(values))).Length)
    {
        _values = values;
        Width = 1;
    }

    /// <summary>Creates a vector column over row-major <paramref name="values"/> (not copied; do not modify it afterwards).</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="values">rows × slots values, row-major.</param>
    /// <param name="slotNames">The slot names (at least one); the width is their count.</param>
    /// <exception cref="ArgumentException">The value count is not a multiple of the width, or a slot name is null.</exception>
    public NumericColumn(string name, float[] values, IReadOnlyList<string> slotNames)
        : base(name, RowsOf(values, slotNames))
    {
        _values = values;
        Width = slotNames.Count;
        SlotNames = Array.AsReadOnly(slotNames.ToArray());
    }

    /// <inheritdoc />
    public override ColumnType Type => ColumnType.Numeric;

    /// <summary>Values per row: 1 for a scalar column.</summary>
    public int Width { get; }

    /// <summary>The slot names of a vector column; null for a scalar column.</summary>
    public IReadOnlyList<string>? SlotNames { get; }

    /// <summary>All values, row-major (rows × <see cref="Width"/>).</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>The value of row <paramref name="row"/> of a scalar column.</summary>
    /// <param name="row">The row.</param>
    /// <returns>The value (NaN when missing).</returns>
    /// <exception cref="InvalidOperationException">The column is a vector.</exception>
    public float this[int row] => Width == 1 && SlotNames is null
        ? _values[row]
        : throw new InvalidOperationException($"Column '{Name}' is a vector of {Width} slots; use GetRow.");

    /// <summary>The values of row <paramref name="row"/>.</summary>
    /// <param name="row">The row.</param>
    /// <returns>A view of <see cref="Width"/> values.</returns>
    public ReadOnlySpan<float> GetRow(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowCount);
        return _values.AsSpan(row * Width, Width);
    }

    internal float[] RawValues => _values;

    internal override DataColumn SelectRows(IReadOnlyList<int> rows)
    {
        var v = new float[rows.Count * Width];
        for (int i = 0; i < rows.Count; i++)
        {
            Array.Copy(_values, rows[i] * Width, v, i * Width, Width);
        }

        return SlotNames is null ? new NumericColumn(Name, v) : new NumericColumn(Name, v, SlotNames);
    }

    private static int RowsOf(float[] values, IReadOnlyList<string> slotNames)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(slotNames);
        if (slotNames.Count == 0 || slotNames.Any(s => s is null))
        {
            throw new ArgumentException("A vector column needs at least one slot name, and none may be null.", nameof(slotNames));
        }

        if (values.Length % slotNames.Count != 0)
        {
            throw new ArgumentException($"values has {values.Length} elements, not a multiple of the {slotNames.Count} slots.", nameof(values));
        }

        return values.Length / slotNames.Count;
    }
}

/// <summary>A text column; a missing value is null.</summary>
public sealed class TextColumn : DataColumn
{
    private readonly string?[] _values;

    /// <summary>Creates the column over <paramref name="values"/> (not copied; do not modify it afterwards).</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="values">One value per row; null means missing.</param>
    public TextColumn(string name, string?[] values)
        : base(name, (values ?? throw new ArgumentNullException(nameof(values))).Length)
    {
        _values = values;
    }

    /// <inheritdoc />
    public override ColumnType Type => ColumnType.Text;

    /// <summary>All values.</summary>
    public IReadOnlyList<string?> Values => _values;

    /// <summary>The value of row <paramref name="row"/>.</summary>
    /// <param name="row">The row.</param>
    /// <returns>The value, or null when missing.</returns>
    public string? this[int row] => _values[row];

    internal string?[] RawValues => _values;

    internal override DataColumn SelectRows(IReadOnlyList<int> rows)
    {
        var v = new string?[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            v[i] = _values[rows[i]];
        }

        return new TextColumn(Name, v);
    }
}
