// Evaluation (the shape of Model Builder's <Model>.evaluate.cs): ML.NET's evaluator on held-out rows.
using System;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace RegressionDiamonds;

public partial class DiamondsModel
{
    /// <summary>
    /// Scores <paramref name="testData"/> and prints ML.NET's regression metrics twice: on the log price the network fits
    /// (Label vs Score) and on the price in dollars (price vs PredictedPrice).
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="model">The trained model.</param>
    /// <param name="testData">Labelled rows the model has not seen.</param>
    /// <returns>The metrics in dollars.</returns>
    public static RegressionMetrics Evaluate(MLContext mlContext, ITransformer model, IDataView testData)
    {
        IDataView scored = model.Transform(testData);
        RegressionMetrics log = mlContext.Regression.Evaluate(scored, "Label", "Score");
        RegressionMetrics dollars = mlContext.Regression.Evaluate(scored, "price", "PredictedPrice");
        Console.WriteLine($"  log price: R² {log.RSquared:F4}   RMSE {log.RootMeanSquaredError:F4}");
        Console.WriteLine($"  price:     R² {dollars.RSquared:F4}   RMSE ${dollars.RootMeanSquaredError:N0}   MAE ${dollars.MeanAbsoluteError:N0}");
        return dollars;
    }
}
