using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace MLNet.Optimizers.Cli.Data;

/// <summary>What one scan of a training CSV found.</summary>
/// <param name="Path">The file.</param>
/// <param name="Columns">The header names in file order.</param>
/// <param name="Rows">Data rows.</param>
internal sealed record DataProfile(string Path, IReadOnlyList<string> Columns, long Rows);

/// <summary>
/// Checks a CSV file before it is handed to the training layer, so that the usual mistakes fail with a message in the
/// tool's terms (flag names, <c>file:line</c>, the value found): a missing file, an empty file or one with a header only,
/// a label or other named column that is not in the header, a row with the wrong number of fields, a missing value,
/// and a non-numeric value in a column whose other values are numbers (which the loader would otherwise silently turn
/// into a categorical column).
/// </summary>
internal static class DataInspector
{
    /// <summary>Throws unless <paramref name="path"/> is an existing file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file is ("data file", "model file", ...).</param>
    /// <exception cref="CliException">The file does not exist (exit code 66).</exception>
    public static void RequireFile(string path, string what)
    {
        if (Directory.Exists(path))
        {
            throw new CliException(ExitCodes.NoInput, $"{what} '{path}' is a folder, not a file.");
        }

        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.NoInput, $"{what} '{path}' was not found.");
        }
    }

    /// <summary>Reads the header of a CSV file.</summary>
    /// <param name="reader">The open reader.</param>
    /// <param name="path">The file (for messages).</param>
    /// <returns>The trimmed column names.</returns>
    /// <exception cref="CliException">The file is empty or names a column twice.</exception>
    public static string[] ReadHeader(CsvRecordReader reader, string path)
    {
        if (!reader.Read())
        {
            throw CliException.BadData($"data file '{path}' is empty: expected a header row and data rows.");
        }

        string[] names = reader.Fields.Select((f, i) => f.Trim().Length == 0 ? "col" + i.ToString(CultureInfo.InvariantCulture) : f.Trim()).ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            if (!seen.Add(name))
            {
                throw CliException.BadData($"data file '{path}' names the column '{name}' twice in its header.");
            }
        }

        return names;
    }

    /// <summary>The message for a column that is not in the header, with a close match if there is one.</summary>
    /// <param name="path">The file.</param>
    /// <param name="column">The column asked for.</param>
    /// <param name="flag">The flag or role that named it (for example <c>--label</c>).</param>
    /// <param name="header">The header.</param>
    /// <returns>The message.</returns>
    public static string MissingColumnMessage(string path, string column, string flag, IReadOnlyList<string> header)
    {
        string? close = header.FirstOrDefault(h => string.Equals(h, column, StringComparison.OrdinalIgnoreCase)) ?? Suggest.Closest(column, header);
        string hint = close != null ? $" Did you mean '{close}'?" : string.Empty;
        foreach (char other in new[] { ';', '\t', '|', ',' })
        {
            if (header.Any(h => h.Split(other).Select(f => f.Trim()).Contains(column, StringComparer.Ordinal)))
            {
                string flagValue = other == '\t' ? "tab" : other.ToString();
                hint = $" Split on '{(other == '\t' ? "\\t" : flagValue)}' the header has it: pass --separator '{flagValue}' (data.separator).";
                break;
            }
        }

        return $"data file '{path}' has no column '{column}' ({flag}); its columns are: {Preview(header)}.{hint}";
    }

    /// <summary>Scans a training file and throws on the first problem.</summary>
    /// <param name="path">The file.</param>
    /// <param name="separator">The field separator.</param>
    /// <param name="label">The label column.</param>
    /// <param name="categorical">Columns declared categorical (exempt from the numeric check).</param>
    /// <param name="ignore">Columns that become no features.</param>
    /// <param name="missingTokens">Values that mean "missing" besides the empty field.</param>
    /// <param name="imputeMissing">Whether missing feature values are filled (otherwise they are errors).</param>
    /// <param name="declaredText">Columns a config file declares text (exempt from the numeric check; absent ones are left to the loader).</param>
    /// <param name="leftOut">Columns a config file leaves out of the features (not checked; absent ones are left to the loader).</param>
    /// <returns>The profile.</returns>
    /// <exception cref="CliException">The first problem found.</exception>
    public static DataProfile InspectTrainingFile(
        string path,
        char separator,
        string label,
        IReadOnlyList<string> categorical,
        IReadOnlyList<string> ignore,
        IReadOnlyList<string> missingTokens,
        bool imputeMissing,
        IReadOnlyList<string>? declaredText = null,
        IReadOnlyList<string>? leftOut = null)
    {
        RequireFile(path, "data file");
        using CsvRecordReader reader = OpenReadable(path, separator);
        string[] header = ReadHeader(reader, path);
        int labelIndex = Array.IndexOf(header, label.Trim());
        if (labelIndex < 0)
        {
            throw CliException.BadData(MissingColumnMessage(path, label, "--label", header));
        }

        var declaredCategorical = new HashSet<int>();
        var ignored = new HashSet<int>();
        foreach ((IReadOnlyList<string> names, string flag, HashSet<int> set) in new[] { (categorical, "--categorical", declaredCategorical), (ignore, "--ignore", ignored) })
        {
            foreach (string name in names)
            {
                int i = Array.IndexOf(header, name.Trim());
                if (i < 0)
                {
                    throw CliException.BadData(MissingColumnMessage(path, name, flag, header));
                }

                if (i == labelIndex)
                {
                    throw CliException.Usage($"the label column '{label}' cannot also be given to {flag}.");
                }

                set.Add(i);
            }
        }

        foreach ((IReadOnlyList<string>? names, HashSet<int> set) in new[] { (declaredText, declaredCategorical), (leftOut, ignored) })
        {
            foreach (string name in names ?? Array.Empty<string>())
            {
                int i = Array.IndexOf(header, name.Trim());
                if (i >= 0 && i != labelIndex)
                {
                    set.Add(i);
                }
            }
        }

        int n = header.Length;
        var numeric = new long[n];
        var text = new long[n];
        var firstText = new string?[n];
        var firstTextLine = new long[n];
        string[] tokens = missingTokens.Select(t => t.Trim()).ToArray();
        long rows = 0;
        while (ReadRecord(reader, path))
        {
            IReadOnlyList<string> fields = reader.Fields;
            if (fields.Count != n)
            {
                throw CliException.BadData(string.Create(CultureInfo.InvariantCulture, $"{path}:{reader.RecordLine}: expected {n} fields (one per header column), found {fields.Count}."));
            }

            for (int c = 0; c < n; c++)
            {
                if (ignored.Contains(c))
                {
                    continue;
                }

                string v = fields[c].Trim();
                if (v.Length == 0 || Array.IndexOf(tokens, v) >= 0)
                {
                    if (c == labelIndex)
                    {
                        throw CliException.BadData($"{path}:{reader.RecordLine}: the label column '{header[c]}' has no value; every row needs a label.");
                    }

                    if (!imputeMissing)
                    {
                        throw CliException.BadData($"{path}:{reader.RecordLine}: column '{header[c]}' has no value; pass --impute mean or --impute zero to fill missing values.");
                    }

                    continue;
                }

                if (declaredCategorical.Contains(c))
                {
                    continue;
                }

                if (IsNumber(v))
                {
                    numeric[c]++;
                }
                else
                {
                    if (text[c] == 0)
                    {
                        firstText[c] = v;
                        firstTextLine[c] = reader.RecordLine;
                    }

                    text[c]++;
                }
            }

            rows++;
        }

        if (rows == 0)
        {
            throw CliException.BadData($"data file '{path}' has a header but no data rows: the data set is empty.");
        }

        // A column whose values are mostly numbers but not all is a numeric column with a bad value.
        for (int c = 0; c < n; c++)
        {
            if (text[c] > 0 && numeric[c] > text[c])
            {
                string role = c == labelIndex ? "the label column" : "column";
                string fix = c == labelIndex
                    ? "fix the value or remove the row"
                    : $"fix the value, list it in --missing-values, or pass --categorical {header[c]} if the column is categorical";
                throw CliException.BadData(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}:{firstTextLine[c]}: {role} '{header[c]}' is numeric ({numeric[c]} of {numeric[c] + text[c]} values are numbers) but has the non-numeric value '{firstText[c]}'; {fix}."));
            }
        }

        return new DataProfile(path, header, rows);
    }

    /// <summary>Opens a file, turning I/O failures into one-line errors.</summary>
    /// <param name="path">The file.</param>
    /// <param name="separator">The separator.</param>
    /// <returns>The reader.</returns>
    public static CsvRecordReader OpenReadable(string path, char separator)
    {
        try
        {
            return CsvRecordReader.Open(path, separator);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.NoInput, $"data file '{path}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Reads a record, turning I/O failures into one-line errors.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="path">The file.</param>
    /// <returns>False at the end.</returns>
    public static bool ReadRecord(CsvRecordReader reader, string path)
    {
        try
        {
            return reader.Read();
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.NoInput, $"data file '{path}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Whether a trimmed value is a finite invariant-culture number (the loader's rule).</summary>
    /// <param name="value">The value.</param>
    /// <returns>True for a number.</returns>
    public static bool IsNumber(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d);

    /// <summary>At most eight names, comma-separated.</summary>
    /// <param name="names">The names.</param>
    /// <returns>The preview.</returns>
    public static string Preview(IReadOnlyList<string> names) =>
        names.Count <= 8 ? string.Join(", ", names) : string.Join(", ", names.Take(8)) + string.Create(CultureInfo.InvariantCulture, $", ... ({names.Count} in all)");
}
