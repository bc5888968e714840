using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace MLNet.Optimizers.MLNet.Data;

/// <summary>
/// A CSV file that cannot be read as described: a row with the wrong number of fields, a bad cell, broken quoting. The
/// message names the file, the one-based line, the column and the value.
/// </summary>
public sealed class CsvDataException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file.</param>
    /// <param name="line">The one-based line (0 for the file as a whole).</param>
    /// <param name="column">The column's name, or null.</param>
    /// <param name="reason">What is wrong (with the value found).</param>
    public CsvDataException(string filePath, long line, string? column, string reason)
        : base($"data file '{filePath}'" + (line > 0 ? $", line {line.ToString(CultureInfo.InvariantCulture)}" : string.Empty) + (column is null ? string.Empty : $", column '{column}'") + ": " + reason)
    {
        FilePath = filePath;
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>The one-based line (0 for the file as a whole).</summary>
    public long Line { get; }

    /// <summary>The column's name, or null.</summary>
    public string? Column { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}

/// <summary>
/// Reads the records of a delimited text file the way ML.NET's text loader with <c>AllowQuoting</c> does: one record
/// per line (empty lines are skipped), fields split on one separator, a field that starts with <c>"</c> is quoted up to
/// the next lone <c>"</c> (<c>""</c> is a quote inside it) and must be followed by the separator or the line end.
/// </summary>
internal sealed class CsvReader : IDisposable
{
    private readonly TextReader _reader;
    private readonly string _path;
    private readonly char _separator;
    private readonly bool _quoting;
    private readonly StringBuilder _field = new();

    public CsvReader(string path, char separator, bool quoting)
    {
        _path = path;
        _separator = separator;
        _quoting = quoting;
        _reader = new StreamReader(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
    }

    /// <summary>The one-based line of the last record read.</summary>
    public long Line { get; private set; }

    /// <summary>The text of the last record's line.</summary>
    public string RawLine { get; private set; } = string.Empty;

    /// <summary>Reads the next non-empty line's fields into <paramref name="fields"/>; false at the end of the file.</summary>
    /// <exception cref="CsvDataException">Broken quoting.</exception>
    public bool Read(List<string> fields)
    {
        fields.Clear();
        string? line;
        do
        {
            line = _reader.ReadLine();
            if (line is null)
            {
                return false;
            }

            Line++;
        }
        while (line.Length == 0);

        RawLine = line;
        Split(line, _separator, _quoting, fields, _field, (reason) => new CsvDataException(_path, Line, null, reason));
        return true;
    }

    /// <summary>Splits one line into fields.</summary>
    public static void Split(string line, char separator, bool quoting, List<string> fields, StringBuilder field, Func<string, Exception>? error)
    {
        fields.Clear();
        int i = 0;
        while (true)
        {
            field.Clear();
            if (quoting && i < line.Length && line[i] == '"')
            {
                int start = i;
                i++;
                bool closed = false;
                while (i < line.Length)
                {
                    char c = line[i];
                    if (c == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        closed = true;
                        i++;
                        break;
                    }

                    field.Append(c);
                    i++;
                }

                if (!closed)
                {
                    if (error is null)
                    {
                        fields.Add(field.ToString());
                        return;
                    }

                    throw error($"the quote opened at character {start + 1} is not closed on this line (quoted fields cannot span lines).");
                }

                if (i < line.Length && line[i] != separator)
                {
                    if (error is null)
                    {
                        while (i < line.Length && line[i] != separator)
                        {
                            field.Append(line[i++]);
                        }
                    }
                    else
                    {
                        throw error($"after the quoted field ending at character {i} comes '{line[i]}', not the separator '{Printable(separator)}'.");
                    }
                }
            }
            else
            {
                int end = line.IndexOf(separator, i);
                if (end < 0)
                {
                    end = line.Length;
                }

                field.Append(line, i, end - i);
                i = end;
            }

            fields.Add(field.ToString());
            if (i >= line.Length)
            {
                return;
            }

            i++; // the separator
            if (i == line.Length)
            {
                fields.Add(string.Empty);
                return;
            }
        }
    }

    /// <summary>A separator as people write it (<c>\t</c> for a tab).</summary>
    public static string Printable(char c) => c switch
    {
        '\t' => "\\t",
        ' ' => "space",
        _ => c.ToString(),
    };

    public void Dispose() => _reader.Dispose();
}

/// <summary>Numbers as ML.NET's text loader reads them into a float32 column.</summary>
internal static class CsvNumbers
{
    /// <summary>Whether <paramref name="s"/> reads as a number with <paramref name="decimalSeparator"/> (digits, one decimal mark, an exponent, surrounding spaces, or Infinity).</summary>
    public static bool IsNumber(ReadOnlySpan<char> s, char decimalSeparator)
    {
        s = s.Trim();
        if (s.Length == 0)
        {
            return false;
        }

        int i = 0;
        if (s[0] is '+' or '-')
        {
            i++;
        }

        if (s[i..].SequenceEqual("Infinity"))
        {
            return true;
        }

        int digits = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
            digits++;
        }

        if (i < s.Length && s[i] == decimalSeparator)
        {
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
                digits++;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        if (i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-')
            {
                i++;
            }

            int exp = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
                exp++;
            }

            if (exp == 0)
            {
                return false;
            }
        }

        return i == s.Length;
    }

    /// <summary>Whether <paramref name="s"/> is a number (as <see cref="IsNumber"/>) and its value, without allocating.</summary>
    public static bool TryParse(string s, char decimalSeparator, out double value)
    {
        value = 0;
        if (!IsNumber(s, decimalSeparator))
        {
            return false;
        }

        ReadOnlySpan<char> t = s.AsSpan().Trim();
        Span<char> buffer = t.Length <= 128 ? stackalloc char[t.Length] : new char[t.Length];
        t.CopyTo(buffer);
        if (decimalSeparator != '.')
        {
            buffer.Replace(decimalSeparator, '.');
        }

        value = double.Parse(buffer, NumberStyles.Float, CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>The value of a number <see cref="IsNumber"/> accepted.</summary>
    public static double Parse(string s, char decimalSeparator)
    {
        string t = s.Trim();
        if (decimalSeparator != '.')
        {
            t = t.Replace(decimalSeparator, '.');
        }

        return double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
