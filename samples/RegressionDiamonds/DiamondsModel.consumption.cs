// Consumption (the shape of Model Builder's <Model>.consumption.cs): the input and output classes and Predict over the
// saved model.zip. This file and Microsoft.ML are all an application needs to use the model.
using System;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace RegressionDiamonds;

/// <summary>A diamond's price from its carat, cut, colour, clarity and dimensions (ggplot2's diamonds data).</summary>
public partial class DiamondsModel
{
    /// <summary>One row of diamonds.csv: the columns in file order, the label (price) included.</summary>
    public class ModelInput
    {
        /// <summary>Weight in carats.</summary>
        [LoadColumn(0), ColumnName("carat")]
        public float Carat { get; set; }

        /// <summary>Cut quality: Fair, Good, Very Good, Premium, Ideal.</summary>
        [LoadColumn(1), ColumnName("cut")]
        public string Cut { get; set; } = string.Empty;

        /// <summary>Colour, from D (best) to J.</summary>
        [LoadColumn(2), ColumnName("color")]
        public string Color { get; set; } = string.Empty;

        /// <summary>Clarity: I1, SI2, SI1, VS2, VS1, VVS2, VVS1, IF (best).</summary>
        [LoadColumn(3), ColumnName("clarity")]
        public string Clarity { get; set; } = string.Empty;

        /// <summary>Total depth percentage.</summary>
        [LoadColumn(4), ColumnName("depth")]
        public float Depth { get; set; }

        /// <summary>Width of the top relative to the widest point.</summary>
        [LoadColumn(5), ColumnName("table")]
        public float Table { get; set; }

        /// <summary>Price in US dollars (the label; ignored by Predict).</summary>
        [LoadColumn(6), ColumnName("price")]
        public float Price { get; set; }

        /// <summary>Length in mm.</summary>
        [LoadColumn(7), ColumnName("x")]
        public float X { get; set; }

        /// <summary>Width in mm.</summary>
        [LoadColumn(8), ColumnName("y")]
        public float Y { get; set; }

        /// <summary>Depth in mm.</summary>
        [LoadColumn(9), ColumnName("z")]
        public float Z { get; set; }
    }

    /// <summary>The model's output.</summary>
    public class ModelOutput
    {
        /// <summary>The predicted natural logarithm of the price (what the network fits).</summary>
        [ColumnName("Score")]
        public float Score { get; set; }

        /// <summary>The predicted price in US dollars, exp(<see cref="Score"/>).</summary>
        [ColumnName("PredictedPrice")]
        public float PredictedPrice { get; set; }
    }

    private static readonly object Gate = new();

    /// <summary>The saved model that <see cref="PredictEngine"/> loads (set it before the first prediction).</summary>
    public static string MLNetModelPath { get; set; } = Path.GetFullPath("model.zip");

    /// <summary>The prediction engine over <see cref="MLNetModelPath"/>, created on first use.</summary>
    public static readonly Lazy<PredictionEngine<ModelInput, ModelOutput>> PredictEngine = new(CreatePredictEngine, isThreadSafe: true);

    /// <summary>Predicts the price of one diamond (thread-safe: one prediction at a time).</summary>
    /// <param name="input">The diamond.</param>
    /// <returns>The predicted price.</returns>
    public static ModelOutput Predict(ModelInput input)
    {
        lock (Gate)
        {
            return PredictEngine.Value.Predict(input);
        }
    }

    private static PredictionEngine<ModelInput, ModelOutput> CreatePredictEngine()
    {
        var mlContext = new MLContext();
        ITransformer mlModel = mlContext.Model.Load(MLNetModelPath, out _);
        return mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(mlModel);
    }
}
