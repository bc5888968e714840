// Evaluation: metrics on rows the model has not seen, as Model Builder's <Name>.evaluate.cs.
using System;
using MLNet.Optimizers.Training.Metrics;
using MLNet.Optimizers.Training.Pipelines;

namespace BinaryBreastCancer;

public static partial class BreastCancerModel
{
    /// <summary>Evaluates the model on labelled rows and prints the metrics and the confusion matrix.</summary>
    /// <param name="model">The model.</param>
    /// <param name="test">The rows (with the diagnosis).</param>
    /// <returns>The binary-classification metrics (positive class: malignant).</returns>
    public static BinaryClassificationMetrics Evaluate(PipelineModel model, TabularData test)
    {
        BinaryClassificationMetrics m = model.Evaluate(test).Binary!;
        Console.WriteLine($"  accuracy {m.Accuracy:F4}   AUC {m.AreaUnderRocCurve:F4}   F1 {m.F1Score:F4}   log-loss {m.LogLoss:F4}   ({m.ExampleCount} test rows)");
        Console.WriteLine($"  malignant: precision {m.PositivePrecision:F4}, recall {m.PositiveRecall:F4}");
        // ConfusionMatrix follows ML.NET: row/column 0 is the positive class (malignant), so Counts = [[TP, FN], [FP, TN]].
        var c = m.ConfusionMatrix.Counts;
        Console.WriteLine("                      predicted benign  predicted malignant");
        Console.WriteLine($"  actual benign       {c[1][1],16:0}  {c[1][0],19:0}");
        Console.WriteLine($"  actual malignant    {c[0][1],16:0}  {c[0][0],19:0}");
        return m;
    }
}
