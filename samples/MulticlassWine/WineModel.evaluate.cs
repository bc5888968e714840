// Evaluation: metrics on rows the model has not seen, as Model Builder's <Name>.evaluate.cs.
using System;
using System.Linq;
using MLNet.Optimizers.Training.Metrics;
using MLNet.Optimizers.Training.Pipelines;

namespace MulticlassWine;

public static partial class WineModel
{
    /// <summary>Evaluates the model on labelled rows and prints the metrics and the confusion matrix.</summary>
    /// <param name="model">The model.</param>
    /// <param name="test">The rows (with the cultivar).</param>
    /// <returns>The multiclass metrics.</returns>
    public static MulticlassClassificationMetrics Evaluate(PipelineModel model, TabularData test)
    {
        MulticlassClassificationMetrics m = model.Evaluate(test).Multiclass!;
        Console.WriteLine($"  micro accuracy {m.MicroAccuracy:F4}   macro accuracy {m.MacroAccuracy:F4}   log-loss {m.LogLoss:F4}   log-loss reduction {m.LogLossReduction:F4}   ({m.ExampleCount} test rows)");
        Console.WriteLine($"  {"actual \\ predicted",-18} {string.Join(" ", model.ClassNames.Select(c => c.PadLeft(8)))}");
        for (int r = 0; r < model.ClassNames.Count; r++)
        {
            Console.WriteLine($"  {model.ClassNames[r],-18} {string.Join(" ", m.ConfusionMatrix.Counts[r].Select(v => v.ToString("0").PadLeft(8)))}");
        }

        return m;
    }
}
