// Evaluation (the shape of Model Builder's <Model>.evaluate.cs): ML.NET's evaluator on held-out rows.
using System;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BinaryBreastCancer;

public partial class BreastCancerModel
{
    /// <summary>Scores <paramref name="testData"/> and prints ML.NET's binary-classification metrics and the confusion matrix (positive class: malignant).</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="model">The trained model.</param>
    /// <param name="testData">Labelled rows the model has not seen.</param>
    /// <returns>The metrics.</returns>
    public static CalibratedBinaryClassificationMetrics Evaluate(MLContext mlContext, ITransformer model, IDataView testData)
    {
        CalibratedBinaryClassificationMetrics m = mlContext.BinaryClassification.Evaluate(model.Transform(testData));
        Console.WriteLine($"  accuracy {m.Accuracy:F4}   AUC {m.AreaUnderRocCurve:F4}   F1 {m.F1Score:F4}   log-loss {m.LogLoss:F4}");
        Console.WriteLine($"  malignant: precision {m.PositivePrecision:F4}, recall {m.PositiveRecall:F4}");
        Console.Write(m.ConfusionMatrix.GetFormattedConfusionTable());
        return m;
    }
}
