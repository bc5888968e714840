// Evaluation (the shape of Model Builder's <Model>.evaluate.cs): ML.NET's evaluator on held-out rows.
using System;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlpDigits;

public partial class DigitsModel
{
    /// <summary>Scores <paramref name="testData"/> and prints ML.NET's multiclass metrics and the confusion matrix.</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="model">The trained model.</param>
    /// <param name="testData">Labelled rows the model has not seen.</param>
    /// <returns>The metrics.</returns>
    public static MulticlassClassificationMetrics Evaluate(MLContext mlContext, ITransformer model, IDataView testData)
    {
        MulticlassClassificationMetrics m = mlContext.MulticlassClassification.Evaluate(model.Transform(testData));
        Console.WriteLine($"  micro accuracy {m.MicroAccuracy:F4}   macro accuracy {m.MacroAccuracy:F4}   log-loss {m.LogLoss:F4}   log-loss reduction {m.LogLossReduction:F4}");
        Console.Write(m.ConfusionMatrix.GetFormattedConfusionTable());
        return m;
    }
}
