using System.Collections.Generic;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>Receives a run's size before it starts and its progress while it trains.</summary>
internal interface ITrainingObserver
{
    /// <summary>Called once before the first step.</summary>
    /// <param name="maxEpochs">The most epochs (early stopping may end the run sooner).</param>
    void Started(int maxEpochs);

    /// <summary>Called during training (every few steps and at every epoch end).</summary>
    /// <param name="progress">The report (its validation values are the selection rows').</param>
    void Report(TrainingProgress progress);

    /// <summary>Called once after the last step (also when early stopping ended the run).</summary>
    /// <param name="epochsRun">The epochs run.</param>
    /// <param name="keptEpoch">The epoch kept.</param>
    void Finished(int epochsRun, int keptEpoch);
}

/// <summary>A description of the data of a run.</summary>
/// <param name="Path">The CSV file.</param>
/// <param name="Label">The label column.</param>
/// <param name="Task">The task.</param>
/// <param name="ClassNames">The classes in the data (empty for regression).</param>
/// <param name="Rows">All rows.</param>
/// <param name="TrainingRows">Rows of the training part (selection rows included).</param>
/// <param name="HoldoutRows">Rows held out (0 without <c>data.holdout_fraction</c>).</param>
/// <param name="NumericColumns">The numeric feature columns.</param>
/// <param name="CategoricalColumns">The categorical feature columns (one-hot).</param>
/// <param name="DroppedColumns">Columns that are not features.</param>
/// <param name="LossName">The training loss with its unit ("cross-entropy, nats").</param>
/// <param name="QualityName">The selection metric the trainer reports ("accuracy" or "R²").</param>
internal sealed record DataSummary(
    string Path,
    string Label,
    TaskKind Task,
    IReadOnlyList<string> ClassNames,
    long Rows,
    long TrainingRows,
    long HoldoutRows,
    IReadOnlyList<string> NumericColumns,
    IReadOnlyList<string> CategoricalColumns,
    IReadOnlyList<string> DroppedColumns,
    string LossName,
    string QualityName);
