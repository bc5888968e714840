// Consumption (the shape of Model Builder's <Model>.consumption.cs): the input and output classes and Predict over the
// saved model.zip. This file and Microsoft.ML are all an application needs to use the model.
using System;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace BinaryBreastCancer;

/// <summary>Malignant or benign, from 30 measurements of cell nuclei in a fine-needle aspirate (Wisconsin diagnostic data).</summary>
public partial class BreastCancerModel
{
    /// <summary>One row of breast_cancer.csv: the columns in file order, the label (diagnosis) last.</summary>
    public class ModelInput
    {
        /// <summary>Mean of the nuclei's radius.</summary>
        [LoadColumn(0), ColumnName("mean_radius")]
        public float MeanRadius { get; set; }

        /// <summary>Mean of the nuclei's texture.</summary>
        [LoadColumn(1), ColumnName("mean_texture")]
        public float MeanTexture { get; set; }

        /// <summary>Mean of the nuclei's perimeter.</summary>
        [LoadColumn(2), ColumnName("mean_perimeter")]
        public float MeanPerimeter { get; set; }

        /// <summary>Mean of the nuclei's area.</summary>
        [LoadColumn(3), ColumnName("mean_area")]
        public float MeanArea { get; set; }

        /// <summary>Mean of the nuclei's smoothness.</summary>
        [LoadColumn(4), ColumnName("mean_smoothness")]
        public float MeanSmoothness { get; set; }

        /// <summary>Mean of the nuclei's compactness.</summary>
        [LoadColumn(5), ColumnName("mean_compactness")]
        public float MeanCompactness { get; set; }

        /// <summary>Mean of the nuclei's concavity.</summary>
        [LoadColumn(6), ColumnName("mean_concavity")]
        public float MeanConcavity { get; set; }

        /// <summary>Mean of the nuclei's concave points.</summary>
        [LoadColumn(7), ColumnName("mean_concave_points")]
        public float MeanConcavePoints { get; set; }

        /// <summary>Mean of the nuclei's symmetry.</summary>
        [LoadColumn(8), ColumnName("mean_symmetry")]
        public float MeanSymmetry { get; set; }

        /// <summary>Mean of the nuclei's fractal dimension.</summary>
        [LoadColumn(9), ColumnName("mean_fractal_dimension")]
        public float MeanFractalDimension { get; set; }

        /// <summary>Standard error of the nuclei's radius.</summary>
        [LoadColumn(10), ColumnName("radius_se")]
        public float RadiusSe { get; set; }

        /// <summary>Standard error of the nuclei's texture.</summary>
        [LoadColumn(11), ColumnName("texture_se")]
        public float TextureSe { get; set; }

        /// <summary>Standard error of the nuclei's perimeter.</summary>
        [LoadColumn(12), ColumnName("perimeter_se")]
        public float PerimeterSe { get; set; }

        /// <summary>Standard error of the nuclei's area.</summary>
        [LoadColumn(13), ColumnName("area_se")]
        public float AreaSe { get; set; }

        /// <summary>Standard error of the nuclei's smoothness.</summary>
        [LoadColumn(14), ColumnName("smoothness_se")]
        public float SmoothnessSe { get; set; }

        /// <summary>Standard error of the nuclei's compactness.</summary>
        [LoadColumn(15), ColumnName("compactness_se")]
        public float CompactnessSe { get; set; }

        /// <summary>Standard error of the nuclei's concavity.</summary>
        [LoadColumn(16), ColumnName("concavity_se")]
        public float ConcavitySe { get; set; }

        /// <summary>Standard error of the nuclei's concave points.</summary>
        [LoadColumn(17), ColumnName("concave_points_se")]
        public float ConcavePointsSe { get; set; }

        /// <summary>Standard error of the nuclei's symmetry.</summary>
        [LoadColumn(18), ColumnName("symmetry_se")]
        public float SymmetrySe { get; set; }

        /// <summary>Standard error of the nuclei's fractal dimension.</summary>
        [LoadColumn(19), ColumnName("fractal_dimension_se")]
        public float FractalDimensionSe { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's radius.</summary>
        [LoadColumn(20), ColumnName("worst_radius")]
        public float WorstRadius { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's texture.</summary>
        [LoadColumn(21), ColumnName("worst_texture")]
        public float WorstTexture { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's perimeter.</summary>
        [LoadColumn(22), ColumnName("worst_perimeter")]
        public float WorstPerimeter { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's area.</summary>
        [LoadColumn(23), ColumnName("worst_area")]
        public float WorstArea { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's smoothness.</summary>
        [LoadColumn(24), ColumnName("worst_smoothness")]
        public float WorstSmoothness { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's compactness.</summary>
        [LoadColumn(25), ColumnName("worst_compactness")]
        public float WorstCompactness { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's concavity.</summary>
        [LoadColumn(26), ColumnName("worst_concavity")]
        public float WorstConcavity { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's concave points.</summary>
        [LoadColumn(27), ColumnName("worst_concave_points")]
        public float WorstConcavePoints { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's symmetry.</summary>
        [LoadColumn(28), ColumnName("worst_symmetry")]
        public float WorstSymmetry { get; set; }

        /// <summary>Worst (mean of the three largest values) of the nuclei's fractal dimension.</summary>
        [LoadColumn(29), ColumnName("worst_fractal_dimension")]
        public float WorstFractalDimension { get; set; }

        /// <summary>The diagnosis, <c>malignant</c> or <c>benign</c> (the label; ignored by Predict).</summary>
        [LoadColumn(30), ColumnName("diagnosis")]
        public string Diagnosis { get; set; } = string.Empty;
    }

    /// <summary>The model's output.</summary>
    public class ModelOutput
    {
        /// <summary>The predicted diagnosis, <c>malignant</c> or <c>benign</c>.</summary>
        [ColumnName("PredictedDiagnosis")]
        public string PredictedDiagnosis { get; set; } = string.Empty;

        /// <summary>Whether the prediction is malignant (the positive class): <see cref="Score"/> &gt; 0.</summary>
        [ColumnName("PredictedLabel")]
        public bool PredictedLabel { get; set; }

        /// <summary>P(malignant).</summary>
        [ColumnName("Probability")]
        public float Probability { get; set; }

        /// <summary>The raw margin (the logit of <see cref="Probability"/>).</summary>
        [ColumnName("Score")]
        public float Score { get; set; }
    }

    private static readonly object Gate = new();

    /// <summary>The saved model that <see cref="PredictEngine"/> loads (set it before the first prediction).</summary>
    public static string MLNetModelPath { get; set; } = Path.GetFullPath("model.zip");

    /// <summary>The prediction engine over <see cref="MLNetModelPath"/>, created on first use.</summary>
    public static readonly Lazy<PredictionEngine<ModelInput, ModelOutput>> PredictEngine = new(CreatePredictEngine, isThreadSafe: true);

    /// <summary>Classifies one sample (thread-safe: one prediction at a time).</summary>
    /// <param name="input">The measurements.</param>
    /// <returns>The predicted diagnosis and the probability that it is malignant.</returns>
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
