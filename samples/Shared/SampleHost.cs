// Shared by every sample (linked as Shared/SampleHost.cs): the command line (--epochs N, --quick, --output DIR,
// --help), the data path, progress lines and the exit code, so that each sample's own files show only the
// Model-Builder-style steps.
using System;
using System.Globalization;
using System.IO;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Samples;

/// <summary>A sample's command line.</summary>
/// <param name="Epochs">Training epochs.</param>
/// <param name="Quick">Whether <c>--quick</c> was given (short settings for CI).</param>
/// <param name="OutputDirectory">Where the model (and report) are written; created.</param>
public sealed record SampleOptions(int Epochs, bool Quick, string OutputDirectory)
{
    /// <summary>Parses <c>--epochs N</c>, <c>--quick</c>, <c>--output DIR</c> and <c>--help</c>.</summary>
    /// <param name="name">The sample's name (for the usage text and the default output folder).</param>
    /// <param name="args">The arguments.</param>
    /// <param name="defaultEpochs">Epochs by default (good quality).</param>
    /// <param name="quickEpochs">Epochs with <c>--quick</c>.</param>
    /// <param name="exitCode">Set when the program should stop: 0 after <c>--help</c>, 2 after a bad argument.</param>
    /// <returns>The options, or null when the program should stop with <paramref name="exitCode"/>.</returns>
    public static SampleOptions? Parse(string name, string[] args, int defaultEpochs, int quickEpochs, out int exitCode)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        int? epochs = null;
        bool quick = false;
        string output = Path.Combine(AppContext.BaseDirectory, "output");
        exitCode = 0;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int e) && e >= 1:
                    epochs = e;
                    i++;
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--output" when i + 1 < args.Length && args[i + 1].Length > 0:
                    output = args[++i];
                    break;
                case "--help" or "-h":
                    Console.WriteLine($"usage: {name} [--epochs N] [--quick] [--output DIR]");
                    Console.WriteLine($"  --epochs N    training epochs, N >= 1 (default {defaultEpochs}; {quickEpochs} with --quick)");
                    Console.WriteLine("  --quick       short settings for CI");
                    Console.WriteLine($"  --output DIR  where the model is saved (default {output})");
                    return null;
                default:
                    Console.Error.WriteLine($"{name}: bad argument '{args[i]}'{(args[i] is "--epochs" or "--output" ? " (it needs a value: --epochs takes an integer >= 1, --output a folder)" : string.Empty)}; see --help.");
                    exitCode = 2;
                    return null;
            }
        }

        Directory.CreateDirectory(output);
        return new SampleOptions(epochs ?? (quick ? quickEpochs : defaultEpochs), quick, Path.GetFullPath(output));
    }

    /// <summary><paramref name="count"/> items spread evenly over <paramref name="items"/> (the first included), to show a few predictions.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="items">The items.</param>
    /// <param name="count">How many to take.</param>
    /// <returns>The items at 0, n/count, 2n/count, ...</returns>
    public static T[] Spread<T>(T[] items, int count)
    {
        int n = Math.Min(count, items.Length);
        var result = new T[n];
        for (int i = 0; i < n; i++)
        {
            result[i] = items[(int)((long)i * items.Length / n)];
        }

        return result;
    }

    /// <summary>A bundled data file (copied next to the program from samples/data).</summary>
    /// <param name="fileName">The file name, e.g. <c>diamonds.csv</c>.</param>
    /// <returns>The full path.</returns>
    public static string DataFile(string fileName) => Path.Combine(AppContext.BaseDirectory, "data", fileName);
}

/// <summary>Prints one line per epoch (at most about 10 plus the last) while a pipeline trains.</summary>
/// <param name="epochs">The planned epochs.</param>
/// <param name="qualityName">The validation metric's name ("accuracy" or "R²").</param>
/// <param name="prefix">Put before each line (the run's name), or empty.</param>
public sealed class ConsoleProgress(int epochs, string qualityName, string prefix = "") : IProgress<TrainingProgress>
{
    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        int every = Math.Max(1, epochs / 10);
        if (!value.EpochEnd || (value.Epoch % every != 0 && value.Epoch != 1 && value.Epoch != epochs))
        {
            return;
        }

        string validation = double.IsNaN(value.ValidationLoss) ? string.Empty : $"  validation loss {value.ValidationLoss:F4}  validation {qualityName} {value.ValidationQuality:F4}";
        Console.WriteLine($"  {prefix}epoch {value.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(epochs.ToString(CultureInfo.InvariantCulture).Length)}/{epochs}  loss {value.Loss:F4}{validation}");
    }
}

/// <summary>The learning-rate schedule the samples share (and <c>mlnet-opt</c> uses by default).</summary>
public static class LearningRates
{
    /// <summary>
    /// A linear warmup from 0 to <paramref name="peak"/> over the first 5 % of the steps, then a cosine decay to 0 over
    /// the rest (Keras's <c>CosineDecay</c> with <c>warmup_target</c>), sized for a run of <paramref name="epochs"/>.
    /// </summary>
    /// <param name="peak">The peak learning rate.</param>
    /// <param name="trainingRows">Rows passed to <c>Pipeline.Fit</c>.</param>
    /// <param name="validationFraction">The share of them the trainer holds out (<c>TrainerConfig.ValidationFraction</c>).</param>
    /// <param name="epochs">Epochs.</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <returns>The schedule.</returns>
    public static CosineDecay WarmupCosine(double peak, int trainingRows, double validationFraction, int epochs, int batchSize)
    {
        int fitRows = trainingRows - (int)Math.Round(trainingRows * validationFraction);
        long steps = (long)epochs * ((fitRows + batchSize - 1) / batchSize);
        long warmup = Math.Max(1, steps / 20);
        return new CosineDecay(0.0, decaySteps: Math.Max(1, steps - warmup), warmupTarget: peak, warmupSteps: warmup);
    }
}
