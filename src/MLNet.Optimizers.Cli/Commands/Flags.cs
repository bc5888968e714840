using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>Option construction and value parsing with the tool's own one-line messages (flag, expected, got).</summary>
internal static class Flags
{
    /// <summary>A string-valued option.</summary>
    /// <param name="name">The long name.</param>
    /// <param name="helpName">The value's name in help.</param>
    /// <param name="description">Help text.</param>
    /// <param name="aliases">Short aliases.</param>
    /// <returns>The option.</returns>
    public static Option<string?> Text(string name, string helpName, string description, params string[] aliases) =>
        new(name, aliases) { HelpName = helpName, Description = description };

    /// <summary>A repeatable option whose values may also be comma-separated.</summary>
    /// <param name="name">The long name.</param>
    /// <param name="helpName">The value's name in help.</param>
    /// <param name="description">Help text.</param>
    /// <returns>The option.</returns>
    public static Option<string[]> List(string name, string helpName, string description) =>
        new(name) { HelpName = helpName, Description = description, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore };

    /// <summary>An on/off flag.</summary>
    /// <param name="name">The long name.</param>
    /// <param name="description">Help text.</param>
    /// <param name="aliases">Short aliases.</param>
    /// <returns>The option.</returns>
    public static Option<bool> Switch(string name, string description, params string[] aliases) =>
        new(name, aliases) { Description = description };

    /// <summary>Splits list values on commas and drops empty entries.</summary>
    /// <param name="values">The raw values (may be null).</param>
    /// <returns>The entries.</returns>
    public static string[] SplitList(string[]? values) =>
        values is null ? Array.Empty<string>() : values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToArray();

    /// <summary>
    /// Checks a file or folder path given to a flag: a NUL or another character no path may hold is a usage error
    /// (rather than an exception deep in the file system).
    /// </summary>
    /// <param name="flag">The flag.</param>
    /// <param name="text">The path (null: absent).</param>
    /// <returns>The path, or null when absent.</returns>
    public static string? Path(string flag, string? text)
    {
        if (text is null)
        {
            return null;
        }

        int bad = text.IndexOfAny(System.IO.Path.GetInvalidPathChars());
        if (text.Trim().Length == 0 || bad >= 0)
        {
            string what = bad < 0 ? "an empty path" : text[bad] == '\0' ? "a NUL character" : $"the character U+{(int)text[bad]:X4}";
            throw CliException.Usage($"{flag}: expected a file path, got {what}{(bad >= 0 ? string.Create(CultureInfo.InvariantCulture, $" at position {bad + 1}") : string.Empty)}.");
        }

        return text;
    }

    /// <summary>Parses an integer in a range.</summary>
    /// <param name="flag">The flag.</param>
    /// <param name="text">The text (null: absent).</param>
    /// <param name="min">Smallest allowed.</param>
    /// <param name="max">Largest allowed.</param>
    /// <returns>The value, or null when absent.</returns>
    public static int? Int(string flag, string? text, int min, int max)
    {
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max)
        {
            return v;
        }

        throw CliException.Usage(string.Create(CultureInfo.InvariantCulture, $"{flag}: expected an integer in [{min}, {max}], got '{text}'."));
    }

    /// <summary>Parses a non-negative 64-bit integer.</summary>
    /// <param name="flag">The flag.</param>
    /// <param name="text">The text (null: absent).</param>
    /// <returns>The value, or null when absent.</returns>
    public static ulong? ULong(string flag, string? text)
    {
        if (text is null)
        {
            return null;
        }

        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)
            ? v
            : throw CliException.Usage($"{flag}: expected a non-negative integer, got '{text}'.");
    }

    /// <summary>Parses a finite number in a range.</summary>
    /// <param name="flag">The flag.</param>
    /// <param name="text">The text (null: absent).</param>
    /// <param name="min">Smallest allowed.</param>
    /// <param name="max">Largest allowed.</param>
    /// <param name="minExclusive">Whether <paramref name="min"/> itself is excluded.</param>
    /// <returns>The value, or null when absent.</returns>
    public static double? Double(string flag, string? text, double min, double max, bool minExclusive = false)
    {
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            && (minExclusive ? v > min : v >= min) && v <= max)
        {
            return v;
        }

        string range = (minExclusive ? "(" : "[") + min.ToString(CultureInfo.InvariantCulture) + ", " + (double.IsPositiveInfinity(max) ? "inf)" : max.ToString(CultureInfo.InvariantCulture) + "]");
        throw CliException.Usage($"{flag}: expected a number in {range}, got '{text}'.");
    }

    /// <summary>Parses one of a table of spellings.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="flag">The flag.</param>
    /// <param name="text">The text (null: absent).</param>
    /// <param name="table">The spellings.</param>
    /// <param name="value">The value.</param>
    /// <returns>Whether the flag was given.</returns>
    public static bool Choice<T>(string flag, string? text, IReadOnlyList<(string Name, T Value)> table, out T value)
    {
        value = default!;
        if (text is null)
        {
            return false;
        }

        return Settings.Names.TryParse(table, text, out value)
            ? true
            : throw CliException.Usage($"{flag}: expected one of {Settings.Names.List(table)}, got '{text}'{Suggest.DidYouMean(text, table.Select(e => e.Name))}.");
    }
}
