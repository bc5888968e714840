// Consumption: the input and output classes and Predict, as Model Builder's <Name>.consumption.cs. This file is all
// an application needs to use the saved model.
using System;
using System.IO;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Pipelines;

namespace MulticlassWine;

/// <summary>The cultivar of a wine (three grape varieties of one Italian region) from 13 chemical measurements.</summary>
public static partial class WineModel
{
    /// <summary>The saved model that <see cref="Predict"/> loads on first use (set it before the first call).</summary>
    public static string ModelPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "WineModel.mlnm");

    private static readonly Lazy<PipelineModel> Loaded = new(() => PipelineModel.Load(ModelPath));
    private static readonly object Gate = new();

    /// <summary>The classes in <see cref="ModelOutput.Score"/> order (loads the saved model).</summary>
    public static System.Collections.Generic.IReadOnlyList<string> ClassNames => Loaded.Value.ClassNames;

    /// <summary>Classifies one wine with the saved model (loaded once; thread-safe).</summary>
    /// <param name="input">The measurements (the cultivar is ignored).</param>
    /// <returns>The predicted cultivar and the probability of each.</returns>
    public static ModelOutput Predict(ModelInput input)
    {
        lock (Gate)
        {
            return TypedRows.ToOutput<ModelOutput>(Loaded.Value.Predict(TypedRows.ToRow(input)));
        }
    }

    /// <summary>One row of wine.csv: the columns in file order, the label (cultivar) last.</summary>
    public sealed class ModelInput
    {
        /// <summary>Alcohol (% by volume).</summary>
        [ColumnName("alcohol")]
        public float Alcohol { get; set; }

        /// <summary>Malic acid (g/l).</summary>
        [ColumnName("malic_acid")]
        public float MalicAcid { get; set; }

        /// <summary>Ash (g/l).</summary>
        [ColumnName("ash")]
        public float Ash { get; set; }

        /// <summary>Alcalinity of ash.</summary>
        [ColumnName("alcalinity_of_ash")]
        public float AlcalinityOfAsh { get; set; }

        /// <summary>Magnesium (mg/l).</summary>
        [ColumnName("magnesium")]
        public float Magnesium { get; set; }

        /// <summary>Total phenols.</summary>
        [ColumnName("total_phenols")]
        public float TotalPhenols { get; set; }

        /// <summary>Flavanoids.</summary>
        [ColumnName("flavanoids")]
        public float Flavanoids { get; set; }

        /// <summary>Nonflavanoid phenols.</summary>
        [ColumnName("nonflavanoid_phenols")]
        public float NonflavanoidPhenols { get; set; }

        /// <summary>Proanthocyanins.</summary>
        [ColumnName("proanthocyanins")]
        public float Proanthocyanins { get; set; }

        /// <summary>Colour intensity.</summary>
        [ColumnName("color_intensity")]
        public float ColorIntensity { get; set; }

        /// <summary>Hue.</summary>
        [ColumnName("hue")]
        public float Hue { get; set; }

        /// <summary>OD280/OD315 of diluted wines.</summary>
        [ColumnName("od280_od315")]
        public float Od280Od315 { get; set; }

        /// <summary>Proline (mg/l).</summary>
        [ColumnName("proline")]
        public float Proline { get; set; }

        /// <summary>The cultivar, <c>class_0</c>, <c>class_1</c> or <c>class_2</c> (the label).</summary>
        [ColumnName("cultivar")]
        public string? Cultivar { get; set; }
    }

    /// <summary>The model's output.</summary>
    public sealed class ModelOutput
    {
        /// <summary>The most probable cultivar.</summary>
        [ColumnName("PredictedLabel")]
        public string? PredictedLabel { get; set; }

        /// <summary>The probability of each cultivar, in <see cref="ClassNames"/> order (class_0, class_1, class_2).</summary>
        [ColumnName("Score")]
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
