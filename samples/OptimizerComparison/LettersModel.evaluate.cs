// Evaluation (the shape of Model Builder's <Model>.evaluate.cs): ML.NET's evaluator on the held-out rows for every
// contender, one table, and the HTML report (src/MLNet.Optimizers.Reports, the generator mlnet-opt uses).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace OptimizerComparison;

/// <summary>A finished run: the contender, the fitted model, ML.NET's metrics on the held-out rows and the training time.</summary>
/// <param name="Contender">The contender.</param>
/// <param name="Model">The fitted pipeline.</param>
/// <param name="Metrics">ML.NET's multiclass metrics on the held-out rows.</param>
/// <param name="ClassNames">The classes in key order (A .. Z).</param>
/// <param name="Seconds">Wall time of the fit.</param>
public sealed record Run(Contender Contender, ITransformer Model, MulticlassClassificationMetrics Metrics, IReadOnlyList<string> ClassNames, double Seconds);

public partial class LettersModel
{
    /// <summary>Scores <paramref name="testData"/> with a fitted pipeline and evaluates it with ML.NET's evaluator.</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="contender">The contender it was trained with.</param>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="testData">Labelled rows no contender has trained on.</param>
    /// <param name="seconds">Wall time of the fit.</param>
    /// <returns>The run.</returns>
    public static Run Evaluate(MLContext mlContext, Contender contender, ITransformer model, IDataView testData, double seconds)
    {
        IDataView scored = model.Transform(testData);
        VBuffer<ReadOnlyMemory<char>> keys = default;
        scored.Schema["Label"].GetKeyValues(ref keys);
        return new Run(contender, model, mlContext.MulticlassClassification.Evaluate(scored), keys.DenseValues().Select(k => k.ToString()).ToArray(), seconds);
    }

    /// <summary>Prints the runs' metrics side by side.</summary>
    /// <param name="runs">The runs.</param>
    public static void PrintTable(IReadOnlyList<Run> runs)
    {
        Console.WriteLine($"  {string.Empty,-16}{string.Concat(runs.Select(r => r.Contender.Name.PadLeft(11)))}");
        Row("accuracy", runs.Select(r => r.Metrics.MicroAccuracy.ToString("F4", CultureInfo.InvariantCulture)));
        Row("macro accuracy", runs.Select(r => r.Metrics.MacroAccuracy.ToString("F4", CultureInfo.InvariantCulture)));
        Row("log-loss", runs.Select(r => r.Metrics.LogLoss.ToString("F4", CultureInfo.InvariantCulture)));
        Row("training time", runs.Select(r => r.Seconds.ToString("F1", CultureInfo.InvariantCulture) + " s"));

        static void Row(string name, IEnumerable<string> values) => Console.WriteLine($"  {name,-16}{string.Concat(values.Select(v => v.PadLeft(11)))}");
    }

    /// <summary>The report: metrics side by side, the MLPs' loss and validation-accuracy curves, a confusion matrix per run, the settings.</summary>
    /// <param name="runs">The runs.</param>
    /// <param name="trainingRows">Training rows.</param>
    /// <param name="testRows">Held-out rows.</param>
    /// <returns>The report model (render it with <see cref="HtmlReport"/>).</returns>
    public static ReportModel Report(IReadOnlyList<Run> runs, long trainingRows, long testRows)
    {
        var reportRuns = runs.Select(r =>
        {
            IReadOnlyList<EpochRecord> history = r.Contender.History?.Epochs ?? new List<EpochRecord>();
            long steps = history.Count * ((trainingRows + BatchSize - 1) / BatchSize);
            int kept = history.Count; // the last epoch's weights are kept
            var metrics = new[]
            {
                new Metric("accuracy", "accuracy", r.Metrics.MicroAccuracy, true),
                new Metric("macro_accuracy", "macro accuracy", r.Metrics.MacroAccuracy, true),
                new Metric("log_loss", "log-loss", r.Metrics.LogLoss, false),
                new Metric("log_loss_reduction", "log-loss reduction", r.Metrics.LogLossReduction, true),
            };
            var evaluation = new Evaluation(TaskKind.MulticlassClassification, (int)testRows, metrics, new ConfusionTable(r.ClassNames, r.Metrics.ConfusionMatrix.Counts));
            return new ReportRun(r.Contender.Name, r.Contender.Description, history, evaluation, r.Seconds, steps, kept);
        }).ToArray();
        var settings = new List<(string, string)>
        {
            ("data", "samples/data/LetterRecognition.csv (UCI Letter Recognition): 20,000 rows, 16 integer features, 26 classes"),
            ("split", string.Create(CultureInfo.InvariantCulture, $"ML.NET TrainTestSplit, 20 % held out, seed {Seed}: {trainingRows:N0} training, {testRows:N0} held-out rows, the same for every contender")),
            ("pipeline", "MapValueToKey(lettr) → Concatenate(16 features) → NormalizeMeanVariance (fitted on the training rows) → trainer → MapKeyToValue(PredictedLabel)"),
            ("evaluation", "ML.NET's MulticlassClassification.Evaluate on the held-out rows; the MLPs' curves are on the same rows, which choose nothing (the last epoch's weights are kept)"),
        };
        return new ReportModel(
            $"{string.Join(" vs ", runs.Select(r => r.Contender.Name))} on LetterRecognition.csv",
            string.Create(CultureInfo.InvariantCulture, $"label 'lettr': multiclass classification (26 classes) · {trainingRows:N0} training rows, {testRows:N0} held-out rows · 16 features"),
            string.Create(CultureInfo.InvariantCulture, $"held-out rows ({testRows:N0})"),
            "cross-entropy",
            "accuracy",
            reportRuns,
            settings)
        {
            Generator = "samples/OptimizerComparison (MLNet.Optimizers)",
            CurveRows = "held-out rows",
        };
    }
}
