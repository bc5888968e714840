// Evaluation: the metrics of every run on the validation rows, and the HTML report with every curve (the same report
// generator as mlnet-opt compare, from src/MLNet.Optimizers.Reports).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Pipelines;

namespace OptimizerComparison;

/// <summary>A finished run: the optimizer, the fitted model and its metrics on the validation rows.</summary>
/// <param name="Contender">The optimizer.</param>
/// <param name="Model">The fitted model.</param>
/// <param name="Metrics">Its metrics.</param>
public sealed record Run(Contender Contender, PipelineModel Model, PipelineMetrics Metrics);

public static partial class LettersModel
{
    /// <summary>Evaluates a fitted model on the validation rows.</summary>
    /// <param name="contender">The optimizer it was trained with.</param>
    /// <param name="model">The model.</param>
    /// <param name="validation">The validation rows.</param>
    /// <returns>The run.</returns>
    public static Run Evaluate(Contender contender, PipelineModel model, TabularData validation) => new(contender, model, model.Evaluate(validation));

    /// <summary>Prints the runs' metrics side by side.</summary>
    /// <param name="runs">The runs.</param>
    public static void PrintTable(IReadOnlyList<Run> runs)
    {
        Console.WriteLine($"  {"",-20}{string.Concat(runs.Select(r => r.Contender.Name.PadLeft(11)))}");
        Row("accuracy", runs.Select(r => r.Metrics.Multiclass!.MicroAccuracy.ToString("F4", CultureInfo.InvariantCulture)));
        Row("macro accuracy", runs.Select(r => r.Metrics.Multiclass!.MacroAccuracy.ToString("F4", CultureInfo.InvariantCulture)));
        Row("log-loss", runs.Select(r => r.Metrics.Multiclass!.LogLoss.ToString("F4", CultureInfo.InvariantCulture)));
        Row("best epoch (loss)", runs.Select(r => BestEpoch(r).ToString(CultureInfo.InvariantCulture)));
        Row("training time", runs.Select(r => r.Model.TrainingResult!.Seconds.ToString("F2", CultureInfo.InvariantCulture) + " s"));

        static void Row(string name, IEnumerable<string> values) => Console.WriteLine($"  {name,-20}{string.Concat(values.Select(v => v.PadLeft(11)))}");
    }

    /// <summary>The report: metrics side by side, loss and validation-accuracy curves of every run, confusion matrices, settings.</summary>
    /// <param name="runs">The runs.</param>
    /// <param name="train">The training rows.</param>
    /// <param name="validation">The validation rows.</param>
    /// <param name="epochs">Epochs.</param>
    /// <returns>The report model (render it with <see cref="HtmlReport"/>).</returns>
    public static ReportModel Report(IReadOnlyList<Run> runs, TabularData train, TabularData validation, int epochs)
    {
        IReadOnlyList<string> classes = runs[0].Model.ClassNames;
        var reportRuns = runs.Select(r => new ReportRun(
            r.Contender.Name,
            r.Contender.Description,
            r.Model.TrainingResult!.History,
            Evaluation.From(r.Metrics, r.Model.ClassNames),
            r.Model.TrainingResult.Seconds,
            r.Model.TrainingResult.Steps,
            BestEpoch(r))).ToArray();
        string title = $"{string.Join(" vs ", runs.Select(r => r.Contender.Name))} on LetterRecognition.csv";
        string subtitle = string.Create(
            CultureInfo.InvariantCulture,
            $"label 'lettr': multiclass classification ({classes.Count} classes) · {train.RowCount + validation.RowCount:N0} rows: {train.RowCount:N0} training, {validation.RowCount:N0} validation · 16 features");
        var settings = new List<(string, string)>
        {
            ("data", "samples/data/LetterRecognition.csv (UCI Letter Recognition)"),
            ("split", string.Create(CultureInfo.InvariantCulture, $"80 / 20, seed {Seed}: the same rows for every optimizer")),
            ("pipeline", "z-scored features (mean-variance, fitted on the training rows) → MLP 16-" + Hidden + "-26, ReLU, softmax, cross-entropy"),
            ("training", string.Create(CultureInfo.InvariantCulture, $"{epochs} epochs, batch {BatchSize}, shuffled; seed {Seed}: the same initial weights and batch order for every optimizer; the last epoch's weights are evaluated")),
        };
        return new ReportModel(title, subtitle, string.Create(CultureInfo.InvariantCulture, $"validation rows ({validation.RowCount:N0})"), "cross-entropy", "accuracy", reportRuns, settings)
        {
            Generator = "samples/OptimizerComparison (MLNet.Optimizers)",
        };
    }

    private static int BestEpoch(Run r)
    {
        var h = r.Model.TrainingResult!.History;
        return h.Count == 0 ? 0 : h.MinBy(e => e.ValidationLoss)!.Epoch;
    }
}
