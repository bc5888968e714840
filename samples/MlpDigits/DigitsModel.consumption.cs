// Consumption (the shape of Model Builder's <Model>.consumption.cs): the input and output classes and Predict over the
// saved model.zip. This file and Microsoft.ML are all an application needs to use the model.
using System;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlpDigits;

/// <summary>A handwritten digit (0-9) from its 8x8 image (UCI optdigits).</summary>
public partial class DigitsModel
{
    /// <summary>One row of digits.csv: 64 pixel columns px0 .. px63 (the 8x8 image row by row, counts 0..16), then the digit.</summary>
    public class ModelInput
    {
        /// <summary>The 8x8 image, row by row (the columns px0 .. px63).</summary>
        [LoadColumn(0, 63), VectorType(64), ColumnName("Pixels")]
        public float[] Pixels { get; set; } = new float[64];

        /// <summary>The digit, 0 .. 9 (the label; ignored by Predict).</summary>
        [LoadColumn(64), ColumnName("digit")]
        public float Digit { get; set; }
    }

    /// <summary>The model's output.</summary>
    public class ModelOutput
    {
        /// <summary>The most probable digit.</summary>
        [ColumnName("PredictedLabel")]
        public float PredictedLabel { get; set; }

        /// <summary>The probability of each digit: <c>Score[d]</c> is P(digit d).</summary>
        [ColumnName("Score")]
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private static readonly object Gate = new();

    /// <summary>The saved model that <see cref="PredictEngine"/> loads (set it before the first prediction).</summary>
    public static string MLNetModelPath { get; set; } = Path.GetFullPath("model.zip");

    /// <summary>The prediction engine over <see cref="MLNetModelPath"/>, created on first use.</summary>
    public static readonly Lazy<PredictionEngine<ModelInput, ModelOutput>> PredictEngine = new(CreatePredictEngine, isThreadSafe: true);

    /// <summary>Recognizes one digit (thread-safe: one prediction at a time).</summary>
    /// <param name="input">The image.</param>
    /// <returns>The predicted digit and the probability of each.</returns>
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
