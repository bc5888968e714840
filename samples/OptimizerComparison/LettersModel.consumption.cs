// Consumption: the input and output classes and Predict, as Model Builder's <Name>.consumption.cs. This file is all
// an application needs to use the saved model.
using System;
using System.Collections.Generic;
using System.IO;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Pipelines;

namespace OptimizerComparison;

/// <summary>A capital letter (A-Z) from 16 statistics of its distorted image (UCI Letter Recognition).</summary>
public static partial class LettersModel
{
    /// <summary>The saved model that <see cref="Predict"/> loads on first use (set it before the first call).</summary>
    public static string ModelPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "LettersModel.mlnm");

    private static readonly Lazy<PipelineModel> Loaded = new(() => PipelineModel.Load(ModelPath));
    private static readonly object Gate = new();

    /// <summary>The classes in <see cref="ModelOutput.Score"/> order (A .. Z; loads the saved model).</summary>
    public static IReadOnlyList<string> ClassNames => Loaded.Value.ClassNames;

    /// <summary>Recognizes one letter with the saved model (loaded once; thread-safe).</summary>
    /// <param name="input">The statistics (the letter is ignored).</param>
    /// <returns>The predicted letter and the probability of each.</returns>
    public static ModelOutput Predict(ModelInput input)
    {
        lock (Gate)
        {
            return TypedRows.ToOutput<ModelOutput>(Loaded.Value.Predict(TypedRows.ToRow(input)));
        }
    }

    /// <summary>One row of LetterRecognition.csv: the label (lettr) first, then 16 integer features.</summary>
    public sealed class ModelInput
    {
        /// <summary>The letter, A .. Z (the label; the file's first column).</summary>
        [ColumnName("lettr")]
        public string? Letter { get; set; }

        /// <summary>Horizontal position of the box (0 .. 15).</summary>
        [ColumnName("x.box")]
        public float XBox { get; set; }

        /// <summary>Vertical position of the box (0 .. 15).</summary>
        [ColumnName("y.box")]
        public float YBox { get; set; }

        /// <summary>Width of the box (0 .. 15).</summary>
        [ColumnName("width")]
        public float Width { get; set; }

        /// <summary>Height of the box (0 .. 15).</summary>
        [ColumnName("high")]
        public float High { get; set; }

        /// <summary>Total number of on pixels (0 .. 15).</summary>
        [ColumnName("onpix")]
        public float Onpix { get; set; }

        /// <summary>Mean x of the on pixels in the box (0 .. 15).</summary>
        [ColumnName("x.bar")]
        public float XBar { get; set; }

        /// <summary>Mean y of the on pixels in the box (0 .. 15).</summary>
        [ColumnName("y.bar")]
        public float YBar { get; set; }

        /// <summary>Mean x variance (0 .. 15).</summary>
        [ColumnName("x2bar")]
        public float X2Bar { get; set; }

        /// <summary>Mean y variance (0 .. 15).</summary>
        [ColumnName("y2bar")]
        public float Y2Bar { get; set; }

        /// <summary>Mean x-y correlation (0 .. 15).</summary>
        [ColumnName("xybar")]
        public float XYBar { get; set; }

        /// <summary>Mean of x * x * y (0 .. 15).</summary>
        [ColumnName("x2ybr")]
        public float X2YBr { get; set; }

        /// <summary>Mean of x * y * y (0 .. 15).</summary>
        [ColumnName("xy2br")]
        public float XY2Br { get; set; }

        /// <summary>Mean edge count left to right (0 .. 15).</summary>
        [ColumnName("x.ege")]
        public float XEge { get; set; }

        /// <summary>Correlation of x-edge with y (0 .. 15).</summary>
        [ColumnName("xegvy")]
        public float XEgvy { get; set; }

        /// <summary>Mean edge count bottom to top (0 .. 15).</summary>
        [ColumnName("y.ege")]
        public float YEge { get; set; }

        /// <summary>Correlation of y-edge with x (0 .. 15).</summary>
        [ColumnName("yegvx")]
        public float YEgvx { get; set; }
    }

    /// <summary>The model's output.</summary>
    public sealed class ModelOutput
    {
        /// <summary>The most probable letter.</summary>
        [ColumnName("PredictedLabel")]
        public string? PredictedLabel { get; set; }

        /// <summary>The probability of each letter, in <see cref="ClassNames"/> order.</summary>
        [ColumnName("Score")]
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
