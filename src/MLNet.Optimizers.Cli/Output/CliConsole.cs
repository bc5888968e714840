using System;
using System.IO;
using Spectre.Console;

namespace MLNet.Optimizers.Cli.Output;

/// <summary>
/// The tool's two output streams. Results (tables, CSV, file paths) go to stdout; progress and errors go to stderr, so
/// redirected stdout holds only results. Colour and the live progress bar are used only on a terminal: redirected
/// streams get plain text (no ANSI escape sequences), ASCII table borders and one progress line per few epochs.
/// </summary>
internal sealed class CliConsole
{
    /// <summary>Describes the streams.</summary>
    /// <param name="output">stdout.</param>
    /// <param name="error">stderr.</param>
    /// <param name="outputIsTerminal">Whether stdout is a terminal.</param>
    /// <param name="errorIsTerminal">Whether stderr is a terminal.</param>
    /// <param name="width">The width the output is laid out for (the terminal's; 120 for redirected streams).</param>
    /// <param name="noColor">Whether NO_COLOR asks for no colour.</param>
    public CliConsole(TextWriter output, TextWriter error, bool outputIsTerminal = false, bool errorIsTerminal = false, int width = 120, bool noColor = false)
    {
        Out = output;
        Error = error;
        OutputIsTerminal = outputIsTerminal;
        ErrorIsTerminal = errorIsTerminal;
        Width = width;
        NoColor = noColor;
        Stdout = Create(output, outputIsTerminal, interactive: false);
        Stderr = Create(error, errorIsTerminal, interactive: errorIsTerminal);
    }

    /// <summary>stdout.</summary>
    public TextWriter Out { get; }

    /// <summary>stderr.</summary>
    public TextWriter Error { get; }

    /// <summary>Whether stdout is a terminal.</summary>
    public bool OutputIsTerminal { get; }

    /// <summary>Whether stderr is a terminal (the live progress bar is drawn there).</summary>
    public bool ErrorIsTerminal { get; }

    /// <summary>Layout width.</summary>
    public int Width { get; }

    /// <summary>Whether colour is off by request.</summary>
    public bool NoColor { get; }

    /// <summary>Spectre console on stdout.</summary>
    public IAnsiConsole Stdout { get; }

    /// <summary>Spectre console on stderr.</summary>
    public IAnsiConsole Stderr { get; }

    /// <summary>The process's console.</summary>
    /// <returns>The streams with terminal detection.</returns>
    public static CliConsole FromSystemConsole()
    {
        bool outTerminal = !Console.IsOutputRedirected && !IsDumbTerminal();
        bool errTerminal = !Console.IsErrorRedirected && !IsDumbTerminal();
        int width = 120;
        try
        {
            if (outTerminal || errTerminal)
            {
                width = Math.Max(40, Console.WindowWidth);
            }
        }
        catch (IOException)
        {
        }

        return new CliConsole(Console.Out, Console.Error, outTerminal, errTerminal, width, !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));
    }

    private static bool IsDumbTerminal() => string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);

    private IAnsiConsole Create(TextWriter writer, bool terminal, bool interactive)
    {
        var settings = new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = terminal && !NoColor ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        };
        settings.Enrichment.UseDefaultEnrichers = false;
        IAnsiConsole console = AnsiConsole.Create(settings);
        console.Profile.Width = Width;
        console.Profile.Capabilities.Unicode = terminal;
        return console;
    }
}
