// Consumption (the shape of Model Builder's <Model>.consumption.cs): the input and output classes and Predict over the
// saved model.zip. This file and Microsoft.ML are all an application needs to use the model.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MulticlassWine;

/// <summary>The cultivar (class_0, class_1, class_2) of an Italian wine from 13 chemical measurements (UCI wine data).</summary>
public partial class WineModel
{
    /// <summary>One row of wine.csv: the columns in file order, the label (cultivar) last.</summary>
    public class ModelInput
    {
        /// <summary>Alcohol (% vol).</summary>
        [LoadColumn(0), ColumnName("alcohol")]
        public float Alcohol { get; set; }

        /// <summary>Malic acid (g/l).</summary>
        [LoadColumn(1), ColumnName("malic_acid")]
        public float MalicAcid { get; set; }

        /// <summary>Ash (g/l).</summary>
        [LoadColumn(2), ColumnName("ash")]
        public float Ash { get; set; }

        /// <summary>Alcalinity of ash.</summary>
        [LoadColumn(3), ColumnName("alcalinity_of_ash")]
        public float AlcalinityOfAsh { get; set; }

        /// <summary>Magnesium (mg/l).</summary>
        [LoadColumn(4), ColumnName("magnesium")]
        public float Magnesium { get; set; }

        /// <summary>Total phenols.</summary>
        [LoadColumn(5), ColumnName("total_phenols")]
        public float TotalPhenols { get; set; }

        /// <summary>Flavanoids.</summary>
        [LoadColumn(6), ColumnName("flavanoids")]
        public float Flavanoids { get; set; }

        /// <summary>Nonflavanoid phenols.</summary>
        [LoadColumn(7), ColumnName("nonflavanoid_phenols")]
        public float NonflavanoidPhenols { get; set; }

        /// <summary>Proanthocyanins.</summary>
        [LoadColumn(8), ColumnName("proanthocyanins")]
        public float Proanthocyanins { get; set; }

        /// <summary>Colour intensity.</summary>
        [LoadColumn(9), ColumnName("color_intensity")]
        public float ColorIntensity { get; set; }

        /// <summary>Hue.</summary>
        [LoadColumn(10), ColumnName("hue")]
        public float Hue { get; set; }

        /// <summary>OD280/OD315 of diluted wines.</summary>
        [LoadColumn(11), ColumnName("od280_od315")]
        public float Od280Od315 { get; set; }

        /// <summary>Proline (mg/l).</summary>
        [LoadColumn(12), ColumnName("proline")]
        public float Proline { get; set; }

        /// <summary>The cultivar, <c>class_0</c>, <c>class_1</c> or <c>class_2</c> (the label; ignored by Predict).</summary>
        [LoadColumn(13), ColumnName("cultivar")]
        public string Cultivar { get; set; } = string.Empty;
    }

    /// <summary>The model's output.</summary>
    public class ModelOutput
    {
        /// <summary>The most probable cultivar.</summary>
        [ColumnName("PredictedLabel")]
        public string PredictedLabel { get; set; } = string.Empty;

        /// <summary>The probability of each cultivar, in the order of <see cref="PredictAllLabels"/>' slot names (class_0, class_1, class_2).</summary>
        [ColumnName("Score")]
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private static readonly object Gate = new();

    /// <summary>The saved model that <see cref="PredictEngine"/> loads (set it before the first prediction).</summary>
    public static string MLNetModelPath { get; set; } = Path.GetFullPath("model.zip");

    /// <summary>The prediction engine over <see cref="MLNetModelPath"/>, created on first use.</summary>
    public static readonly Lazy<PredictionEngine<ModelInput, ModelOutput>> PredictEngine = new(CreatePredictEngine, isThreadSafe: true);

    /// <summary>Predicts the cultivar of one wine (thread-safe: one prediction at a time).</summary>
    /// <param name="input">The measurements.</param>
    /// <returns>The predicted cultivar and the class probabilities.</returns>
    public static ModelOutput Predict(ModelInput input)
    {
        lock (Gate)
        {
            return PredictEngine.Value.Predict(input);
        }
    }

    /// <summary>Every cultivar with its probability, the most probable first.</summary>
    /// <param name="input">The measurements.</param>
    /// <returns>(cultivar, probability) pairs, by decreasing probability.</returns>
    public static IOrderedEnumerable<KeyValuePair<string, float>> PredictAllLabels(ModelInput input)
    {
        ModelOutput output = Predict(input);
        VBuffer<ReadOnlyMemory<char>> names = default;
        PredictEngine.Value.OutputSchema["Score"].GetSlotNames(ref names);
        return names.DenseValues().Select((n, i) => new KeyValuePair<string, float>(n.ToString(), output.Score[i])).OrderByDescending(p => p.Value);
    }

    private static PredictionEngine<ModelInput, ModelOutput> CreatePredictEngine()
    {
        var mlContext = new MLContext();
        ITransformer mlModel = mlContext.Model.Load(MLNetModelPath, out _);
        return mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(mlModel);
    }
}
