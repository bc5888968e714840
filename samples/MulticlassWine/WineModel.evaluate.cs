// Evaluation (the shape of Model Builder's <Model>.evaluate.cs): ML.NET's evaluator on held-out rows, and
// cross-validation of the pipeline on the training rows.
using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MulticlassWine;

public partial class WineModel
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

    /// <summary>Cross-validates the pipeline on <paramref name="trainData"/> (5 folds, seeded) and prints each fold's accuracy.</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="trainData">The training rows.</param>
    /// <param name="epochs">Training epochs per fold.</param>
    /// <returns>The folds' micro accuracies.</returns>
    public static IReadOnlyList<double> CrossValidate(MLContext mlContext, IDataView trainData, int epochs)
    {
        const int folds = 5;
        long foldRows = CountRows(mlContext, trainData) * (folds - 1) / folds;
        var results = mlContext.MulticlassClassification.CrossValidate(trainData, BuildPipeline(mlContext, epochs, foldRows), folds, "Label", seed: Seed);
        double[] accuracies = results.Select(r => r.Metrics.MicroAccuracy).ToArray();
        Console.WriteLine($"  {folds}-fold micro accuracy {string.Join(", ", accuracies.Select(a => a.ToString("F3")))}   mean {accuracies.Average():F4}");
        return accuracies;
    }
}
