using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Threading;
using MLNet.Optimizers.Cli.Commands;
using MLNet.Optimizers.Cli.Output;

namespace MLNet.Optimizers.Cli;

/// <summary>
/// The tool's entry point, callable in-process: parses the verb and flags, runs it, and turns every failure into one
/// line on stderr (<c>mlnet-opt: error: ...</c>) and an exit code from <see cref="ExitCodes"/>.
/// </summary>
internal static class CliApp
{
    /// <summary>The command name.</summary>
    public const string ToolName = "mlnet-opt";

    /// <summary>Runs the tool.</summary>
    /// <param name="args">The arguments (verb first).</param>
    /// <param name="console">The streams.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    /// <returns>The exit code.</returns>
    public static int Run(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("mlnet-opt: train, evaluate, predict, compare and sweep optimizers (Lion, Adafactor, AdamW, SGD) on CSV data.\n"
            + "Example: mlnet-opt train --data samples/data/iris.csv --label species")
        {
            TrainingCommands.Train(console, cancellationToken),
            ScoringCommands.Evaluate(console),
            ScoringCommands.Predict(console),
            TrainingCommands.Compare(console, cancellationToken),
            SweepCommand.Create(console, cancellationToken),
        };

        // No argument may hold a NUL character (no operating system passes one; an in-process caller can): a usage
        // error naming the argument, whatever verb or flag it belongs to (issue 18 #7).
        for (int i = 0; i < args.Count; i++)
        {
            int nul = args[i].IndexOf('\0', StringComparison.Ordinal);
            if (nul >= 0)
            {
                string after = i > 0 && args[i - 1] is string previous && previous.StartsWith('-') ? $" (after '{previous}')" : string.Empty;
                return Fail(console, ExitCodes.Usage, string.Create(CultureInfo.InvariantCulture, $"argument {i + 1}{after} holds a NUL character at position {nul + 1}; no argument may hold one."));
            }
        }

        ParseResult parsed;
        try
        {
            parsed = root.Parse(args.ToArray());
        }
        catch (Exception e)
        {
            return Fail(console, ExitCodes.Usage, e.Message);
        }

        if (parsed.Errors.Count > 0)
        {
            bool atRoot = parsed.CommandResult.Command is RootCommand;
            string verb = atRoot ? string.Empty : " " + parsed.CommandResult.Command.Name;
            string message = parsed.Errors.Select(e => e.Message).FirstOrDefault(m => m.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0].Message;
            if (atRoot && args.Count == 0)
            {
                message = "no verb given; expected train, evaluate, predict, compare or sweep.";
            }
            else if (parsed.UnmatchedTokens.FirstOrDefault() is string unknown)
            {
                // A typo'd flag or verb: the closest spelling of this verb's flags (or of the verbs).
                IEnumerable<string> names = atRoot
                    ? root.Subcommands.Select(c => c.Name)
                    : parsed.CommandResult.Command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
                string token = unknown.Split('=')[0];
                if (Suggest.Closest(token, names) is string near)
                {
                    message = $"unknown {(atRoot ? "verb" : "flag")} '{token}'; did you mean '{near}'?";
                }
            }

            return Fail(console, ExitCodes.Usage, $"{message} (see '{ToolName}{verb} --help')");
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Fail(console, ExitCodes.InternalError, $"internal error: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Runs a verb's body, mapping failures to exit codes and one-line messages.</summary>
    /// <param name="console">The streams.</param>
    /// <param name="body">The body.</param>
    /// <returns>The exit code.</returns>
    public static int Guard(CliConsole console, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CliException e)
        {
            return Fail(console, e.ExitCode, e.Message);
        }
        catch (OperationCanceledException)
        {
            return Fail(console, Interruption.ExitCode, Interruption.What + ".");
        }
        catch (Exception e)
        {
            return Fail(console, ExitCodes.InternalError, $"internal error: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>The tool's version (informational version without the source hash).</summary>
    public static string Version =>
        (typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0").Split('+')[0];

    private static int Fail(CliConsole console, int code, string message)
    {
        console.Out.Flush();
        console.Error.WriteLine($"{ToolName}: error: {CliException.OneLine(message)}");
        console.Error.Flush();
        return code;
    }
}
