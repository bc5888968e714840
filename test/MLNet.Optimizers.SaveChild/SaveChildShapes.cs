using System;
using System.Globalization;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.SaveChild;

/// <summary>The shapes the child saves, shared with the test that checks what it finds (linked into the test project).</summary>
internal static class SaveChildShapes
{
    public static Parameter[] OptimizerParameters() => new[] { Parameter.Zeros("w", 1024, 1024) };

    public static Optimizer Optimizer() => new Lion(1e-3) { UseEma = true };

    /// <summary>About 4 MB of text that says at both ends which generation it is.</summary>
    public static string Text(long gen) => string.Concat(TextLines(gen));

    /// <summary>The lines of <see cref="Text"/>.</summary>
    public static System.Collections.Generic.IEnumerable<string> TextLines(long gen)
    {
        yield return "gen " + gen.ToString(CultureInfo.InvariantCulture) + "\n";
        string line = new string((char)('a' + (gen % 26)), 1023) + "\n";
        for (int i = 0; i < 4096; i++)
        {
            yield return line;
        }

        yield return "end " + gen.ToString(CultureInfo.InvariantCulture) + "\n";
    }

    /// <summary>An MLP of about 1M weights (a checkpoint of about 8 MB) and random data.</summary>
    public static (NeuralModel Model, DenseTable Data) Trainer()
    {
        const int features = 512, rows = 256;
        var rng = new DeterministicRandom(3);
        var x = new float[features * rows];
        var y = new float[rows];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.NextGaussian();
        }

        for (int i = 0; i < rows; i++)
        {
            y[i] = i % 2;
        }

        var model = new NeuralModel(features, new ModelOptions { Task = TaskKind.BinaryClassification, HiddenLayers = new[] { 1024, 512 } }, 5);
        return (model, new DenseTable(x, features, y));
    }
}
