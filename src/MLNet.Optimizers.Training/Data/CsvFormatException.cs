using System;
using System.Globalization;
using System.Text;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// A CSV file (or a raw row handed to <see cref="DatasetSchema.EncodeRow(System.Collections.Generic.IReadOnlyList{string})"/>)
/// that cannot be read: a value that is missing or not a number, a row with the wrong number of fields, an unclosed quote,
/// a missing label column, an empty or header-only file. The message names the file, the 1-based line and the column,
/// e.g. <c>diamonds.csv:1234: column 'carat': 'abc' is not a number</c>.
/// </summary>
public sealed class CsvFormatException : FormatException
{
    /// <summary>Creates the exception; the message is composed from the location and <paramref name="detail"/>.</summary>
    /// <param name="detail">What is wrong, without the location.</param>
    /// <param name="filePath">The file, or null for a row not read from a file.</param>
    /// <param name="lineNumber">The 1-based line where the offending record starts, or 0 when unknown.</param>
    /// <param name="columnName">The column, or null when the error concerns a whole row or file.</param>
    public CsvFormatException(string detail, string? filePath, long lineNumber, string? columnName)
        : base(Compose(detail, filePath, lineNumber, columnName))
    {
        Detail = detail;
        FilePath = filePath;
        LineNumber = lineNumber;
        ColumnName = columnName;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Detail { get; }

    /// <summary>The file, or null for a row not read from a file.</summary>
    public string? FilePath { get; }

    /// <summary>The 1-based line where the offending record starts (0 when unknown).</summary>
    public long LineNumber { get; }

    /// <summary>The column, or null when the error concerns a whole row or file.</summary>
    public string? ColumnName { get; }

    private static string Compose(string detail, string? filePath, long lineNumber, string? columnName)
    {
        var sb = new StringBuilder();
        if (filePath != null)
        {
            sb.Append(filePath);
            if (lineNumber > 0)
            {
                sb.Append(':').Append(lineNumber.ToString(CultureInfo.InvariantCulture));
            }

            sb.Append(": ");
        }
        else if (lineNumber > 0)
        {
            sb.Append("line ").Append(lineNumber.ToString(CultureInfo.InvariantCulture)).Append(": ");
        }

        if (columnName != null)
        {
            sb.Append("column '").Append(columnName).Append("': ");
        }

        sb.Append(detail);
        return sb.ToString();
    }
}
