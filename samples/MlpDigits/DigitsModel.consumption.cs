// Consumption: the input and output classes and Predict, as Model Builder's <Name>.consumption.cs. This file is all
// an application needs to use the saved model.
using System;
using System.Collections.Generic;
using System.IO;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Pipelines;

namespace MlpDigits;

/// <summary>A handwritten digit (0-9) from its 8x8 image (UCI optdigits).</summary>
public static partial class DigitsModel
{
    /// <summary>The saved model that <see cref="Predict"/> loads on first use (set it before the first call).</summary>
    public static string ModelPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "DigitsModel.mlnm");

    private static readonly Lazy<PipelineModel> Loaded = new(() => PipelineModel.Load(ModelPath));
    private static readonly object Gate = new();

    /// <summary>The classes in <see cref="ModelOutput.Score"/> order ("0" .. "9"; loads the saved model).</summary>
    public static IReadOnlyList<string> ClassNames => Loaded.Value.ClassNames;

    /// <summary>Recognizes one digit with the saved model (loaded once; thread-safe).</summary>
    /// <param name="input">The image (the label is ignored).</param>
    /// <returns>The predicted digit and the probability of each.</returns>
    public static ModelOutput Predict(ModelInput input)
    {
        lock (Gate)
        {
            return TypedRows.ToOutput<ModelOutput>(Loaded.Value.Predict(TypedRows.ToRow(input)));
        }
    }

    /// <summary>One row of digits.csv: 64 pixel columns px0 .. px63 (row-major, counts 0..16), then the digit.</summary>
    public sealed class ModelInput
    {
        /// <summary>The 8x8 image, row by row: the columns px0 .. px63.</summary>
        [VectorColumns("px", 64)]
        public float[] Pixels { get; set; } = new float[64];

        /// <summary>The digit (the label; a number, so the classes are sorted numerically).</summary>
        [ColumnName("digit")]
        public float Digit { get; set; }
    }

    /// <summary>The model's output.</summary>
    public sealed class ModelOutput
    {
        /// <summary>The most probable digit.</summary>
        [ColumnName("PredictedLabel")]
        public string? PredictedLabel { get; set; }

        /// <summary>The probability of each digit, in <see cref="ClassNames"/> order.</summary>
        [ColumnName("Score")]
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
