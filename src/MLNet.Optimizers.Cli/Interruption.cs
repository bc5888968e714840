using System.Threading;

namespace MLNet.Optimizers.Cli;

/// <summary>Which signal cancelled the run (Ctrl+C or SIGTERM), so the tool can say so and exit with 128 + its number.</summary>
internal static class Interruption
{
    private static int signal;

    /// <summary>Records SIGINT (2) or SIGTERM (15) before the run's token is cancelled.</summary>
    /// <param name="number">The signal number.</param>
    public static void Record(int number) => Interlocked.CompareExchange(ref signal, number, 0);

    /// <summary>The exit code of an interrupted run: 143 after SIGTERM, else 130.</summary>
    public static int ExitCode => Volatile.Read(ref signal) == 15 ? ExitCodes.Terminated : ExitCodes.Cancelled;

    /// <summary>What interrupted the run, in words: "interrupted by SIGTERM", "interrupted by Ctrl+C", or "cancelled".</summary>
    public static string What => Volatile.Read(ref signal) switch
    {
        15 => "interrupted by SIGTERM",
        2 => "interrupted by Ctrl+C",
        _ => "cancelled",
    };
}
