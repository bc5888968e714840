// Consumption: the input and output classes and Predict, as Model Builder's <Name>.consumption.cs. This file is all
// an application needs to use the saved model.
using System;
using System.IO;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Training.Pipelines;

namespace BinaryBreastCancer;

/// <summary>Malignant or benign, from 30 measurements of cell nuclei in a fine-needle aspirate (Wisconsin diagnostic data).</summary>
public static partial class BreastCancerModel
{
    /// <summary>The saved model that <see cref="Predict"/> loads on first use (set it before the first call).</summary>
    public static string ModelPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "BreastCancerModel.mlnm");

    private static readonly Lazy<PipelineModel> Loaded = new(() => PipelineModel.Load(ModelPath));
    private static readonly object Gate = new();

    /// <summary>Classifies one sample with the saved model (loaded once; thread-safe).</summary>
    /// <param name="input">The measurements (the diagnosis is ignored).</param>
    /// <returns>The predicted diagnosis and the probability that it is malignant.</returns>
    public static ModelOutput Predict(ModelInput input)
    {
        lock (Gate)
        {
            return TypedRows.ToOutput<ModelOutput>(Loaded.Value.Predict(TypedRows.ToRow(input)));
        }
    }

    /// <summary>One row of breast_cancer.csv: the columns in file order, the label (diagnosis) last.</summary>
    public sealed class ModelInput
    {
        /// <summary>Mean of the nuclei's radius.</summary>
        [ColumnName("mean_radius")]
        public float MeanRadius { get; set; }

        /// <summary>Mean of the nuclei's texture.</summary>
        [ColumnName("mean_texture")]
        public float MeanTexture { get; set; }

        /// <summary>Mean of the nuclei's perimeter.</summary>
        [ColumnName("mean_perimeter")]
        public float MeanPerimeter { get; set; }

        /// <summary>Mean of the nuclei's area.</summary>
        [ColumnName("mean_area")]
        public float MeanArea { get; set; }

        /// <summary>Mean of the nuclei's smoothness.</summary>
        [ColumnName("mean_smoothness")]
        public float MeanSmoothness { get; set; }

        /// <summary>Mean of the nuclei's compactness.</summary>
        [ColumnName("mean_compactness")]
        public float MeanCompactness { get; set; }

        /// <summary>Mean of the nuclei's concavity.</summary>
        [ColumnName("mean_concavity")]
        public float MeanConcavity { get; set; }

        /// <summary>Mean of the nuclei's concave points.</summary>
        [ColumnName("mean_concave_points")]
        public float MeanConcavePoints { get; set; }

        /// <summary>Mean of the nuclei's symmetry.</summary>
        [ColumnName("mean_symmetry")]
        public float MeanSymmetry { get; set; }

        /// <summary>Mean of the nuclei's fractal dimension.</summary>
        [ColumnName("mean_fractal_dimension")]
        public float MeanFractalDimension { get; set; }

        /// <summary>Standard error of the nuclei's radius.</summary>
        [ColumnName("radius_se")]
        public float RadiusSe { get; set; }

        /// <summary>Standard error of the nuclei's texture.</summary>
        [ColumnName("texture_se")]
        public float TextureSe { get; set; }

        /// <summary>Standard error of the nuclei's perimeter.</summary>
        [ColumnName("perimeter_se")]
        public float PerimeterSe { get; set; }

        /// <summary>Standard error of the nuclei's area.</summary>
        [ColumnName("area_se")]
        public float AreaSe { get; set; }

        /// <summary>Standard error of the nuclei's smoothness.</summary>
        [ColumnName("smoothness_se")]
        public float SmoothnessSe { get; set; }

        /// <summary>Standard error of the nuclei's compactness.</summary>
        [ColumnName("compactness_se")]
        public float CompactnessSe { get; set; }

        /// <summary>Standard error of the nuclei's concavity.</summary>
        [ColumnName("concavity_se")]
        public float ConcavitySe { get; set; }

        /// <summary>Standard error of the nuclei's concave points.</summary>
        [ColumnName("concave_points_se")]
        public float ConcavePointsSe { get; set; }

        /// <summary>Standard error of the nuclei's symmetry.</summary>
        [ColumnName("symmetry_se")]
        public float SymmetrySe { get; set; }

        /// <summary>Standard error of the nuclei's fractal dimension.</summary>
        [ColumnName("fractal_dimension_se")]
        public float FractalDimensionSe { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's radius.</summary>
        [ColumnName("worst_radius")]
        public float WorstRadius { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's texture.</summary>
        [ColumnName("worst_texture")]
        public float WorstTexture { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's perimeter.</summary>
        [ColumnName("worst_perimeter")]
        public float WorstPerimeter { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's area.</summary>
        [ColumnName("worst_area")]
        public float WorstArea { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's smoothness.</summary>
        [ColumnName("worst_smoothness")]
        public float WorstSmoothness { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's compactness.</summary>
        [ColumnName("worst_compactness")]
        public float WorstCompactness { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's concavity.</summary>
        [ColumnName("worst_concavity")]
        public float WorstConcavity { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's concave points.</summary>
        [ColumnName("worst_concave_points")]
        public float WorstConcavePoints { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's symmetry.</summary>
        [ColumnName("worst_symmetry")]
        public float WorstSymmetry { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's fractal dimension.</summary>
        [ColumnName("worst_fractal_dimension")]
        public float WorstFractalDimension { get; set; }

        /// <summary>The diagnosis, <c>malignant</c> or <c>benign</c> (the label).</summary>
        [ColumnName("diagnosis")]
        public string? Diagnosis { get; set; }
    }

    /// <summary>The model's output.</summary>
    public sealed class ModelOutput
    {
        /// <summary>The predicted diagnosis: <c>malignant</c> when <see cref="Score"/> &gt; 0, else <c>benign</c>.</summary>
        [ColumnName("PredictedLabel")]
        public string? PredictedLabel { get; set; }

        /// <summary>P(malignant): the classes are sorted (benign, malignant), and the second is the positive class.</summary>
        [ColumnName("Probability")]
        public float Probability { get; set; }

        /// <summary>The raw margin (logit of <see cref="Probability"/>).</summary>
        [ColumnName("Score")]
        public float Score { get; set; }
    }
}
