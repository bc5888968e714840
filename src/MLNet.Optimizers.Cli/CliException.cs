using System;

namespace MLNet.Optimizers.Cli;

/// <summary>A failure the tool reports as one line on stderr with its exit code.</summary>
internal sealed class CliException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="exitCode">One of <see cref="ExitCodes"/>.</param>
    /// <param name="message">The reason, one line, naming the file, column, flag or value concerned.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public CliException(int exitCode, string message, Exception? inner = null)
        : base(message, inner)
    {
        ExitCode = exitCode;
    }

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; }

    /// <summary>A usage error (bad command line).</summary>
    public static CliException Usage(string message) => new(ExitCodes.Usage, message);

    /// <summary>A data error (malformed input).</summary>
    public static CliException BadData(string message, Exception? inner = null) => new(ExitCodes.DataError, message, inner);

    /// <summary>
    /// A recipe that cannot be used: <c>recipe 'F': JSON path: reason</c>, or for malformed JSON
    /// <c>recipe 'F': line L, column C: reason</c> (one-based), exit code 65.
    /// </summary>
    /// <param name="source">The recipe file, or a description of where the recipe came from.</param>
    /// <param name="e">The exception (its JSON path or position, and reason).</param>
    /// <returns>The exception to throw.</returns>
    public static CliException BadRecipe(string source, MLNet.Recipes.RecipeException e)
    {
        string where = e.Line is int l && e.Column is int c ? $"line {l}, column {c}" : e.JsonPath;
        return new(ExitCodes.DataError, $"{source}: {where}: {OneLine(e.Reason)}", e);
    }

    /// <summary>
    /// A library message with the library's option names replaced by the flags and recipe keys that set them (advice in
    /// the tool's messages names flags or recipe keys, never an API the command-line user cannot reach).
    /// </summary>
    /// <param name="message">The library's message.</param>
    /// <returns>The message in the tool's terms.</returns>
    public static string InToolTerms(string message)
    {
        string m = OneLine(message);
        m = System.Text.RegularExpressions.Regex.Replace(m, @"Set SelectionFraction = 0\.?", "Pass --selection-fraction 0 (trainer.early_stopping.selection_fraction).");
        m = System.Text.RegularExpressions.Regex.Replace(m, @"SelectionFraction = ([0-9.Ee+-]+)", "--selection-fraction $1");
        m = m.Replace("(for example with ReplaceMissingValues)", "(--impute mean: the recipe's replace_missing step)", StringComparison.Ordinal);
        m = m.Replace(" (Parameter 'input')", string.Empty, StringComparison.Ordinal).Replace(" (Parameter 'data')", string.Empty, StringComparison.Ordinal);
        return m;
    }

    /// <summary>Collapses a message to one line.</summary>
    /// <param name="message">The message.</param>
    /// <returns>One line.</returns>
    public static string OneLine(string message) => string.Join(' ', message.Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
