// Consumption: the input and output classes and Predict, as Model Builder's <Name>.consumption.cs. This file is all
// an application needs to use the saved model.
using System;
using System.IO;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Pipelines;

namespace RegressionDiamonds;

/// <summary>A diamond's price from its carat, cut, colour, clarity and dimensions (ggplot2's diamonds data).</summary>
public static partial class DiamondsModel
{
    /// <summary>The saved model that <see cref="Predict"/> loads on first use (set it before the first call).</summary>
    public static string ModelPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "DiamondsModel.mlnm");

    private static readonly Lazy<PipelineModel> Loaded = new(() => PipelineModel.Load(ModelPath));
    private static readonly object Gate = new();

    /// <summary>Predicts the price of one diamond with the saved model (loaded once; thread-safe).</summary>
    /// <param name="input">The diamond (the price is ignored).</param>
    /// <returns>The predicted price.</returns>
    public static ModelOutput Predict(ModelInput input)
    {
        lock (Gate)
        {
            return TypedRows.ToOutput<ModelOutput>(Loaded.Value.Predict(TypedRows.ToRow(input)));
        }
    }

    /// <summary>One row of diamonds.csv: the columns in file order, the label (price) included.</summary>
    public sealed class ModelInput
    {
        /// <summary>Weight in carats.</summary>
        [ColumnName("carat")]
        public float Carat { get; set; }

        /// <summary>Cut quality: Fair, Good, Very Good, Premium, Ideal.</summary>
        [ColumnName("cut")]
        public string? Cut { get; set; }

        /// <summary>Colour, from D (best) to J.</summary>
        [ColumnName("color")]
        public string? Color { get; set; }

        /// <summary>Clarity: I1, SI2, SI1, VS2, VS1, VVS2, VVS1, IF (best).</summary>
        [ColumnName("clarity")]
        public string? Clarity { get; set; }

        /// <summary>Total depth percentage.</summary>
        [ColumnName("depth")]
        public float Depth { get; set; }

        /// <summary>Width of the top relative to the widest point.</summary>
        [ColumnName("table")]
        public float Table { get; set; }

        /// <summary>Price in US dollars (the label).</summary>
        [ColumnName("price")]
        public float Price { get; set; }

        /// <summary>Length in mm.</summary>
        [ColumnName("x")]
        public float X { get; set; }

        /// <summary>Width in mm.</summary>
        [ColumnName("y")]
        public float Y { get; set; }

        /// <summary>Depth in mm.</summary>
        [ColumnName("z")]
        public float Z { get; set; }
    }

    /// <summary>The model's output.</summary>
    public sealed class ModelOutput
    {
        /// <summary>The predicted price in US dollars.</summary>
        [ColumnName("Score")]
        public float Score { get; set; }
    }
}
