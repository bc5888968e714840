using System;
using MLNet.Optimizers.Compute;

namespace MLNet.Optimizers.Training.Training;

/// <summary>What early stopping watches on the validation set.</summary>
public enum ValidationMetric
{
    /// <summary>The model's loss (lower is better): squared/Huber, log loss or cross-entropy.</summary>
    Loss,

    /// <summary>Accuracy for classification, R² for regression (higher is better).</summary>
    Quality,
}

/// <summary>Trainer settings (defaults from <see cref="TrainingDefaults"/>).</summary>
public sealed class TrainerOptions
{
    /// <summary>Passes over the training data (at least 1).</summary>
    public int Epochs { get; set; } = TrainingDefaults.Epochs;

    /// <summary>The epoch to start at (Keras's <c>initial_epoch</c>): a later <see cref="Trainer.Fit"/> call with a larger
    /// <see cref="Epochs"/> continues training where an earlier call stopped, with the batch order of those epochs.</summary>
    public int InitialEpoch { get; set; }

    /// <summary>Rows per mini-batch (at least 1).</summary>
    public int BatchSize { get; set; } = TrainingDefaults.BatchSize;

    /// <summary>Seed for initialization-independent randomness (dropout). Shuffling is seeded by the batch source.</summary>
    public ulong Seed { get; set; }

    /// <summary>Stop after this many epochs without improvement of the validation metric; null: never stop early.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>What early stopping watches.</summary>
    public ValidationMetric EarlyStoppingMetric { get; set; } = ValidationMetric.Loss;

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinDelta { get; set; } = TrainingDefaults.MinDelta;

    /// <summary>With early stopping: end with the weights of the best validation epoch (Keras's restore_best_weights).</summary>
    public bool RestoreBestWeights { get; set; } = true;

    /// <summary>Where checkpoints are written (atomically); null: no checkpoints.</summary>
    public string? CheckpointPath { get; set; }

    /// <summary>Write a checkpoint every this many steps (and at the end of every epoch); 0: only at epoch ends.</summary>
    public int CheckpointEverySteps { get; set; }

    /// <summary>Resume from this checkpoint (written by a run with the same data, model, optimizer and options).</summary>
    public string? ResumeFrom { get; set; }

    /// <summary>
    /// What a resume does when the checkpoint was written under another compute provider (its recorded
    /// <see cref="BlasProvider.Provenance"/> differs from <see cref="Blas"/>'s): warn (default; the warning goes to
    /// <see cref="OnWarning"/> and <see cref="TrainingResult.Warnings"/>) or throw <see cref="ComputeMismatchException"/>
    /// before anything changes.
    /// </summary>
    public ComputeMismatchPolicy ComputeMismatch { get; set; } = ComputeMismatchPolicy.Warn;

    /// <summary>Receives each warning as it is raised (they are also returned in <see cref="TrainingResult.Warnings"/>); null: none.</summary>
    public Action<string>? OnWarning { get; set; }

    /// <summary>Report progress every this many steps (and at every epoch end).</summary>
    public int ReportEverySteps { get; set; } = 50;

    /// <summary>The compute provider for matrix work; null: <see cref="BlasProviders.Default"/>.</summary>
    public BlasProvider? Blas { get; set; }

    /// <summary>Throws when a setting is out of range (naming it and the value).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        if (Epochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, $"Epochs must be >= 1, got {Epochs}.");
        }

        if (InitialEpoch < 0 || InitialEpoch >= Epochs)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialEpoch), InitialEpoch, $"InitialEpoch must be in [0, Epochs), got {InitialEpoch} with Epochs = {Epochs}.");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"BatchSize must be >= 1, got {BatchSize}.");
        }

        if (EarlyStoppingPatience is int p && p < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), p, $"EarlyStoppingPatience must be null or >= 1, got {p}.");
        }

        if (!(MinDelta >= 0) || double.IsInfinity(MinDelta))
        {
            throw new ArgumentOutOfRangeException(nameof(MinDelta), MinDelta, $"MinDelta must be a finite number >= 0, got {MinDelta}.");
        }

        if (CheckpointEverySteps < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointEverySteps), CheckpointEverySteps, $"CheckpointEverySteps must be >= 0, got {CheckpointEverySteps}.");
        }

        if (!Enum.IsDefined(ComputeMismatch))
        {
            throw new ArgumentOutOfRangeException(nameof(ComputeMismatch), ComputeMismatch, $"ComputeMismatch must be Warn or Throw, got {(int)ComputeMismatch}.");
        }

        if (ReportEverySteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ReportEverySteps), ReportEverySteps, $"ReportEverySteps must be >= 1, got {ReportEverySteps}.");
        }
    }
}

/// <summary>A progress report during training.</summary>
/// <param name="Epoch">The epoch (1-based).</param>
/// <param name="Step">Optimizer steps so far (all epochs).</param>
/// <param name="Loss">Mean training loss of the epoch so far.</param>
/// <param name="ValidationLoss">Validation loss at the last epoch end (NaN before the first, or without validation data).</param>
/// <param name="ValidationQuality">Validation accuracy (classification) or R² (regression) at the last epoch end, or NaN.</param>
/// <param name="ExamplesPerSecond">Training throughput of the epoch so far.</param>
/// <param name="EpochEnd">Whether this report closes an epoch.</param>
public sealed record TrainingProgress(int Epoch, long Step, double Loss, double ValidationLoss, double ValidationQuality, double ExamplesPerSecond, bool EpochEnd);

/// <summary>One epoch of training history.</summary>
/// <param name="Epoch">The epoch (1-based).</param>
/// <param name="TrainingLoss">Mean training loss over the epoch's batches.</param>
/// <param name="ValidationLoss">Validation loss after the epoch, or NaN.</param>
/// <param name="ValidationQuality">Validation accuracy or R² after the epoch, or NaN.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
public sealed record EpochRecord(int Epoch, double TrainingLoss, double ValidationLoss, double ValidationQuality, double Seconds);
