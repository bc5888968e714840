using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.MLNet.Recipes;

namespace MLNet.Optimizers.MLNet.Tests;

// A model.zip written from a recipe loads with LoadWithDataLoader in a process that references only Microsoft.ML,
// reads the original CSV, scores it and evaluates with ML.NET's evaluator exactly as this process does.
[TestClass]
public sealed class DeployTests
{
    [TestMethod]
    [DynamicData(nameof(RecipeTests.Recipes), typeof(RecipeTests), DynamicDataDisplayName = nameof(RecipeTests.RecipeName), DynamicDataDisplayNameDeclaringType = typeof(RecipeTests))]
    public void A_MLNet_only_process_reads_the_CSV_and_reproduces_the_scores_and_metrics_bit_for_bit(string name, string json, string file)
    {
        var ml = new MLContext(seed: 1);
        Recipe recipe = Recipe.Parse(json);
        string csv = SampleData.PathOf(file);
        IDataView all = recipe.LoadData(ml, csv);
        (IDataView train, _) = recipe.SplitHoldout(ml, RecipeTests.Data(ml, recipe, file));
        RecipeFitResult fit = recipe.Fit(ml, train);
        string dir = RecipeTests.TempDir();
        try
        {
            string modelPath = Path.Combine(dir, "model.zip");
            RecipeModel.Save(ml, fit.Model, recipe.CreateLoader(ml), modelPath, recipe, ModelProvenance.Current());
            string task = recipe.Trainer.Task switch
            {
                Training.Data.TaskKind.Regression => "regression",
                Training.Data.TaskKind.BinaryClassification => "binary",
                _ => "multiclass",
            };
            string[] lines = TestData.RunDeployCheck("csv", modelPath, csv, task);
            IDataView scored = fit.Model.Transform(all);
            string[] scores = scored.Schema["Score"].Type is VectorDataViewType
                ? scored.GetColumn<float[]>("Score").Select(v => string.Join(" ", v.Select(Bits))).ToArray()
                : scored.GetColumn<float>("Score").Select(Bits).ToArray();
            CollectionAssert.AreEqual(scores, lines.Where(l => !l.StartsWith("metric ", StringComparison.Ordinal)).ToArray(), name + ": scores, bit for bit");
            string[] metrics = lines.Where(l => l.StartsWith("metric ", StringComparison.Ordinal)).ToArray();
            double[] expected = recipe.Trainer.Task switch
            {
                Training.Data.TaskKind.Regression => Values(ml.Regression.Evaluate(scored)),
                Training.Data.TaskKind.BinaryClassification => Values(ml.BinaryClassification.Evaluate(scored)),
                _ => Values(ml.MulticlassClassification.Evaluate(scored)),
            };
            Assert.HasCount(expected.Length, metrics);
            for (int i = 0; i < expected.Length; i++)
            {
                string[] parts = metrics[i].Split(' ');
                Assert.AreEqual(BitConverter.DoubleToInt64Bits(expected[i]).ToString("x16", CultureInfo.InvariantCulture), parts[2], $"{name}: {parts[1]}");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static double[] Values(RegressionMetrics m) => new[] { m.RootMeanSquaredError, m.MeanAbsoluteError, m.RSquared };

    private static double[] Values(CalibratedBinaryClassificationMetrics m) => new[] { m.Accuracy, m.AreaUnderRocCurve, m.F1Score, m.LogLoss };

    private static double[] Values(MulticlassClassificationMetrics m) => new[] { m.MicroAccuracy, m.MacroAccuracy, m.LogLoss };

    private static string Bits(float f) => BitConverter.SingleToInt32Bits(f).ToString("x8", CultureInfo.InvariantCulture);
}
