// The command line every sample takes (linked into each as Shared/SampleArgs.cs): --epochs N, --quick, --output DIR.
// It is not part of the Model Builder shape; an application that copies a sample does not need it.
using System;
using System.Globalization;
using System.IO;

namespace MLNet.Optimizers.Samples;

/// <summary>A sample's command line: <c>--epochs N</c>, <c>--quick</c> (short settings for CI), <c>--output DIR</c>, <c>--help</c>.</summary>
/// <param name="Epochs">Training epochs.</param>
/// <param name="Quick">Whether <c>--quick</c> was given.</param>
/// <param name="OutputDirectory">Where <c>model.zip</c> (and a report) are written; created, absolute.</param>
public sealed record SampleArgs(int Epochs, bool Quick, string OutputDirectory)
{
    /// <summary>Parses the arguments; prints the usage (exit code 0) or the bad argument (exit code 2) and returns null when the program should stop.</summary>
    /// <param name="name">The sample's name (usage text).</param>
    /// <param name="args">The arguments.</param>
    /// <param name="defaultEpochs">Epochs by default.</param>
    /// <param name="quickEpochs">Epochs with <c>--quick</c>.</param>
    /// <param name="exitCode">The exit code when null is returned.</param>
    /// <returns>The parsed arguments, or null.</returns>
    public static SampleArgs? Parse(string name, string[] args, int defaultEpochs, int quickEpochs, out int exitCode)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        int? epochs = null;
        bool quick = false;
        string output = Path.Combine(AppContext.BaseDirectory, "output");
        exitCode = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            if (args[i] == "--epochs" && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int e) && e >= 1)
            {
                epochs = e;
                i++;
            }
            else if (args[i] == "--output" && !string.IsNullOrEmpty(value))
            {
                output = value;
                i++;
            }
            else if (args[i] == "--quick")
            {
                quick = true;
            }
            else
            {
                bool help = args[i] is "--help" or "-h";
                (help ? Console.Out : Console.Error).WriteLine(
                    (help ? string.Empty : $"{name}: bad argument '{args[i]}'{(args[i] is "--epochs" or "--output" ? $" (value '{value}')" : string.Empty)}\n")
                    + $"usage: {name} [--epochs N] [--quick] [--output DIR]\n"
                    + $"  --epochs N    training epochs, an integer >= 1 (default {defaultEpochs}; {quickEpochs} with --quick)\n"
                    + "  --quick       short settings for CI\n"
                    + $"  --output DIR  where model.zip is written (default {output})");
                exitCode = help ? 0 : 2;
                return null;
            }
        }

        Directory.CreateDirectory(output);
        return new SampleArgs(epochs ?? (quick ? quickEpochs : defaultEpochs), quick, Path.GetFullPath(output));
    }
}
