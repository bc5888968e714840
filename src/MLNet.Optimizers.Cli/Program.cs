using System;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading;
using MLNet.Optimizers.Cli.Output;

namespace MLNet.Optimizers.Cli;

/// <summary>The process entry point of <c>mlnet-opt</c>.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        Console.OutputEncoding = System.Text.Encoding.UTF8;
        using var cancel = new CancellationTokenSource();

        // The first Ctrl+C or SIGTERM stops training at the next step, cleans up and exits 130 / 143; a second Ctrl+C
        // ends the process at once.
        void Stop(PosixSignalContext context)
        {
            if (!cancel.IsCancellationRequested)
            {
                context.Cancel = true;
                Interruption.Record(context.Signal == PosixSignal.SIGTERM ? 15 : 2);
                cancel.Cancel();
            }
        }

        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return CliApp.Run(args, CliConsole.FromSystemConsole(), cancel.Token);
    }
}
