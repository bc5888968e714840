using System.Collections.Generic;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>Receives a run's size before it starts and its progress while it trains.</summary>
internal interface ITrainingObserver
{
    /// <summary>Called once before the first step.</summary>
    /// <param name="epochs">Planned epochs.</param>
    /// <param name="stepsPerEpoch">Optimizer steps per epoch.</param>
    void Started(int epochs, long stepsPerEpoch);

    /// <summary>Called during training (every few steps and at every epoch end).</summary>
    /// <param name="progress">The report.</param>
    void Report(TrainingProgress progress);

    /// <summary>Called once after the last step (also when early stopping ended the run).</summary>
    void Finished();
}

/// <summary>A description of prepared data.</summary>
/// <param name="Path">The CSV file.</param>
/// <param name="Label">The label column.</param>
/// <param name="Task">The task (given or inferred).</param>
/// <param name="ClassNames">The classes (empty for regression).</param>
/// <param name="Rows">All rows.</param>
/// <param name="TrainingRows">Rows trained on.</param>
/// <param name="ValidationRows">Rows held out (0 without validation).</param>
/// <param name="FeatureCount">Features after one-hot expansion.</param>
/// <param name="NumericColumns">The numeric feature columns.</param>
/// <param name="CategoricalColumns">The categorical feature columns (one-hot).</param>
/// <param name="LossName">The training loss ("cross-entropy", "log loss", "squared error (standardized label)").</param>
/// <param name="QualityName">The validation metric the trainer reports ("accuracy" or "R²").</param>
internal sealed record DataSummary(
    string Path,
    string Label,
    TaskKind Task,
    IReadOnlyList<string> ClassNames,
    int Rows,
    int TrainingRows,
    int ValidationRows,
    int FeatureCount,
    IReadOnlyList<string> NumericColumns,
    IReadOnlyList<string> CategoricalColumns,
    string LossName,
    string QualityName);

/// <summary>One prediction.</summary>
/// <param name="Value">Regression: the predicted value. Classification: the predicted class index.</param>
/// <param name="Score">Regression: the value. Binary: the raw margin (logit). Multiclass: the top probability.</param>
/// <param name="Probabilities">Classification: the probability of each class; empty for regression.</param>
internal sealed record Prediction(double Value, double Score, float[] Probabilities);

/// <summary>A row that could not be scored.</summary>
internal sealed class ScoringRowException : System.Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="row">The 0-based row index in the batch.</param>
    /// <param name="inner">Why (names the column).</param>
    public ScoringRowException(int row, CsvFormatException inner)
        : base(inner.Message, inner)
    {
        Row = row;
        Format = inner;
    }

    /// <summary>The 0-based row index in the batch.</summary>
    public int Row { get; }

    /// <summary>The format error.</summary>
    public CsvFormatException Format { get; }
}
