// Consumption (the shape of Model Builder's <Model>.consumption.cs): the input and output classes and Predict over the
// saved model.zip. This file and Microsoft.ML are all an application needs to use the model.
using System;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace OptimizerComparison;

/// <summary>A capital letter (A-Z) from 16 statistics of its distorted image (UCI Letter Recognition).</summary>
public partial class LettersModel
{
    /// <summary>One row of LetterRecognition.csv: the label (lettr) first, then 16 integer features.</summary>
    public class ModelInput
    {
        /// <summary>The letter, A .. Z (the label, the file's first column; ignored by Predict).</summary>
        [LoadColumn(0), ColumnName("lettr")]
        public string Letter { get; set; } = string.Empty;

        /// <summary>Horizontal position of the box (0 .. 15).</summary>
        [LoadColumn(1), ColumnName("x.box")]
        public float XBox { get; set; }

        /// <summary>Vertical position of the box (0 .. 15).</summary>
        [LoadColumn(2), ColumnName("y.box")]
        public float YBox { get; set; }

        /// <summary>Width of the box (0 .. 15).</summary>
        [LoadColumn(3), ColumnName("width")]
        public float Width { get; set; }

        /// <summary>Height of the box (0 .. 15).</summary>
        [LoadColumn(4), ColumnName("high")]
        public float High { get; set; }

        /// <summary>Total number of on pixels (0 .. 15).</summary>
        [LoadColumn(5), ColumnName("onpix")]
        public float Onpix { get; set; }

        /// <summary>Mean x of the on pixels in the box (0 .. 15).</summary>
        [LoadColumn(6), ColumnName("x.bar")]
        public float XBar { get; set; }

        /// <summary>Mean y of the on pixels in the box (0 .. 15).</summary>
        [LoadColumn(7), ColumnName("y.bar")]
        public float YBar { get; set; }

        /// <summary>Mean x variance (0 .. 15).</summary>
        [LoadColumn(8), ColumnName("x2bar")]
        public float X2Bar { get; set; }

        /// <summary>Mean y variance (0 .. 15).</summary>
        [LoadColumn(9), ColumnName("y2bar")]
        public float Y2Bar { get; set; }

        /// <summary>Mean x-y correlation (0 .. 15).</summary>
        [LoadColumn(10), ColumnName("xybar")]
        public float XYBar { get; set; }

        /// <summary>Mean of x * x * y (0 .. 15).</summary>
        [LoadColumn(11), ColumnName("x2ybr")]
        public float X2YBr { get; set; }

        /// <summary>Mean of x * y * y (0 .. 15).</summary>
        [LoadColumn(12), ColumnName("xy2br")]
        public float XY2Br { get; set; }

        /// <summary>Mean edge count left to right (0 .. 15).</summary>
        [LoadColumn(13), ColumnName("x.ege")]
        public float XEge { get; set; }

        /// <summary>Correlation of x-edge with y (0 .. 15).</summary>
        [LoadColumn(14), ColumnName("xegvy")]
        public float XEgvy { get; set; }

        /// <summary>Mean edge count bottom to top (0 .. 15).</summary>
        [LoadColumn(15), ColumnName("y.ege")]
        public float YEge { get; set; }

        /// <summary>Correlation of y-edge with x (0 .. 15).</summary>
        [LoadColumn(16), ColumnName("yegvx")]
        public float YEgvx { get; set; }
    }

    /// <summary>The model's output.</summary>
    public class ModelOutput
    {
        /// <summary>The most probable letter.</summary>
        [ColumnName("PredictedLabel")]
        public string PredictedLabel { get; set; } = string.Empty;

        /// <summary>The probability of each letter, A .. Z.</summary>
        [ColumnName("Score")]
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private static readonly object Gate = new();

    /// <summary>The saved model that <see cref="PredictEngine"/> loads (set it before the first prediction).</summary>
    public static string MLNetModelPath { get; set; } = Path.GetFullPath("model.zip");

    /// <summary>The prediction engine over <see cref="MLNetModelPath"/>, created on first use.</summary>
    public static readonly Lazy<PredictionEngine<ModelInput, ModelOutput>> PredictEngine = new(CreatePredictEngine, isThreadSafe: true);

    /// <summary>Recognizes one letter (thread-safe: one prediction at a time).</summary>
    /// <param name="input">The statistics.</param>
    /// <returns>The predicted letter and the probability of each.</returns>
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
