using System.Collections.Generic;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet;

/// <summary>
/// What one <c>Fit</c> of a bridge trainer did (<see cref="OptimizerTrainerOptions.TrainingCompleted"/>): the epochs
/// run with their training and selection values, the epoch kept and why, and the rows each part had. The selection rows
/// chose the epoch, so their values are <em>selection</em> values, not held-out estimates.
/// </summary>
public sealed class OptimizerTrainingReport
{
    internal OptimizerTrainingReport(IReadOnlyList<EpochRecord> history, int keptEpoch, bool stoppedEarly, EpochRule rule, long trainingRows, long selectionRows, bool selectionSplit, bool refit, long refitRows, double seconds)
    {
        History = history;
        KeptEpoch = keptEpoch;
        StoppedEarly = stoppedEarly;
        EpochRule = rule;
        TrainingRows = trainingRows;
        SelectionRows = selectionRows;
        SelectionSplit = selectionSplit;
        Refit = refit;
        RefitRows = refitRows;
        Seconds = seconds;
    }

    /// <summary>
    /// One record per epoch run (of the run that chose the epoch): training loss, selection loss and selection metric
    /// (accuracy, or R² for regression; NaN without selection rows). Regression losses are on the standardized label's
    /// scale when the label is standardized.
    /// </summary>
    public IReadOnlyList<EpochRecord> History { get; }

    /// <summary>The epoch whose weights were kept (1-based): chosen by <see cref="EpochRule"/> on the selection rows, or the last epoch without selection rows.</summary>
    public int KeptEpoch { get; }

    /// <summary>The number of epochs run (those in <see cref="History"/>).</summary>
    public int EpochsRun => History.Count;

    /// <summary>Whether early stopping ended the run before the last epoch.</summary>
    public bool StoppedEarly { get; }

    /// <summary>The rule that chose <see cref="KeptEpoch"/>.</summary>
    public EpochRule EpochRule { get; }

    /// <summary>Rows the epoch-choosing run trained on.</summary>
    public long TrainingRows { get; }

    /// <summary>Selection rows (0: none).</summary>
    public long SelectionRows { get; }

    /// <summary>Whether the selection rows were split off the training data (rather than given as <see cref="OptimizerTrainerOptions.ValidationData"/>).</summary>
    public bool SelectionSplit { get; }

    /// <summary>Whether the returned model is a refit on all rows for <see cref="KeptEpoch"/> epochs (<see cref="OptimizerTrainerOptions.RefitOnAllRows"/>).</summary>
    public bool Refit { get; }

    /// <summary>Rows of the refit (0 without one).</summary>
    public long RefitRows { get; }

    /// <summary>Wall time of the whole fit, refit included (informational).</summary>
    public double Seconds { get; }

    /// <summary>The kept epoch's record.</summary>
    public EpochRecord Kept => History[KeptEpoch - 1];
}
