using System;
using System.Globalization;
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
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C stops training at the next step; a second one ends the process.
            if (!cancel.IsCancellationRequested)
            {
                e.Cancel = true;
                cancel.Cancel();
            }
        };
        return CliApp.Run(args, CliConsole.FromSystemConsole(), cancel.Token);
    }
}
