// Evaluation: metrics on rows the model has not seen, as Model Builder's <Name>.evaluate.cs.
using System;
using MLNet.Optimizers.Training.Metrics;
using MLNet.Optimizers.Training.Pipelines;

namespace RegressionDiamonds;

public static partial class DiamondsModel
{
    /// <summary>Evaluates the model on labelled rows and prints the metrics.</summary>
    /// <param name="model">The model.</param>
    /// <param name="test">The rows (with the price).</param>
    /// <returns>The regression metrics.</returns>
    public static RegressionMetrics Evaluate(PipelineModel model, TabularData test)
    {
        RegressionMetrics m = model.Evaluate(test).Regression!;
        Console.WriteLine($"  R² {m.RSquared:F4}   RMSE ${m.RootMeanSquaredError:N0}   MAE ${m.MeanAbsoluteError:N0}   ({m.ExampleCount:N0} test rows)");
        return m;
    }
}
