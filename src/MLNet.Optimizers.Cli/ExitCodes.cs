namespace MLNet.Optimizers.Cli;

/// <summary>
/// Process exit codes, after BSD <c>sysexits.h</c>: 0 success, 1 the work failed, 64-73 what was wrong with the
/// request, 130 / 143 interrupted (128 + SIGINT / SIGTERM). Every non-zero exit prints one line on stderr saying why.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The work itself failed (for example training diverged).</summary>
    public const int Failure = 1;

    /// <summary>EX_USAGE: the command line is wrong (unknown verb or flag, a flag value out of range, a missing flag).</summary>
    public const int Usage = 64;

    /// <summary>EX_DATAERR: an input is malformed (missing column, empty data set, non-numeric value, bad config or model file).</summary>
    public const int DataError = 65;

    /// <summary>EX_NOINPUT: an input file does not exist or cannot be read.</summary>
    public const int NoInput = 66;

    /// <summary>EX_UNAVAILABLE: a requested compute provider cannot be loaded on this machine.</summary>
    public const int Unavailable = 69;

    /// <summary>EX_SOFTWARE: an unexpected internal error (a bug).</summary>
    public const int InternalError = 70;

    /// <summary>EX_CANTCREAT: an output file or folder cannot be written.</summary>
    public const int CannotCreate = 73;

    /// <summary>Interrupted with Ctrl+C (128 + SIGINT), or cancelled in-process.</summary>
    public const int Cancelled = 130;

    /// <summary>Terminated by SIGTERM (128 + 15), after cleaning up.</summary>
    public const int Terminated = 143;
}
