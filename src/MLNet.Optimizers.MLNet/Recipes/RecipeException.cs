using System;
using System.Globalization;

namespace MLNet.Optimizers.MLNet.Recipes;

/// <summary>
/// A recipe that cannot be used: malformed JSON (with its one-based <see cref="Line"/> and <see cref="Column"/>), an
/// unknown key (with a did-you-mean), a value of the wrong type, a bad value, or a pipeline that does not fit together
/// (a step that names a column that does not exist at that point). The message starts with the JSON path of the
/// offending entry and carries the value received: <c>$.trainer.epochs: must be an integer >= 1, got 0.</c>. It is the
/// only exception <see cref="Recipe.Parse"/> throws for bad input.
/// </summary>
public sealed class RecipeException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="jsonPath">The JSON path of the offending entry (<c>$</c> for the whole document).</param>
    /// <param name="reason">Why it was rejected (with the value received where there is one).</param>
    /// <param name="value">The offending value as compact JSON, or null.</param>
    /// <param name="inner">The error behind it, if any.</param>
    public RecipeException(string jsonPath, string reason, string? value = null, Exception? inner = null)
        : this(jsonPath, reason, value, null, null, null, inner)
    {
    }

    private RecipeException(string jsonPath, string reason, string? value, int? line, int? column, string? filePath, Exception? inner)
        : base(Compose(jsonPath, reason, line, column, filePath), inner)
    {
        JsonPath = jsonPath ?? "$";
        Reason = reason ?? string.Empty;
        Value = value;
        Line = line;
        Column = column;
        FilePath = filePath;
    }

    /// <summary>The JSON path of the offending entry, e.g. <c>$.featurization[1].columns[0]</c>.</summary>
    public string JsonPath { get; }

    /// <summary>Why the entry was rejected.</summary>
    public string Reason { get; }

    /// <summary>The offending value as compact JSON (cut at 80 characters), or null.</summary>
    public string? Value { get; }

    /// <summary>For malformed JSON: the one-based line of the error; otherwise null.</summary>
    public int? Line { get; }

    /// <summary>For malformed JSON: the one-based column (in characters) of the error; otherwise null.</summary>
    public int? Column { get; }

    /// <summary>The recipe file, when the recipe was read from one; otherwise null.</summary>
    public string? FilePath { get; }

    /// <summary>Malformed JSON at a one-based line and column.</summary>
    internal static RecipeException Syntax(string reason, int line, int column, Exception? inner) =>
        new("$", reason, null, line, column, null, inner);

    /// <summary>The same error, naming the file it came from.</summary>
    internal RecipeException InFile(string filePath) => new(JsonPath, Reason, Value, Line, Column, filePath, InnerException);

    private static string Compose(string? jsonPath, string? reason, int? line, int? column, string? filePath)
    {
        string where = line is int l && column is int c
            ? string.Create(CultureInfo.InvariantCulture, $"line {l}, column {c}")
            : jsonPath ?? "$";
        return (filePath is null ? string.Empty : $"recipe '{filePath}': ") + where + ": " + reason;
    }
}
