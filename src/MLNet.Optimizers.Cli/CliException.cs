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
}
