using MLNet.Optimizers.Training.Pipelines;

namespace MLNet.Optimizers.Cli.Settings;

/// <summary>
/// What one <c>train</c>, <c>compare</c> or <c>sweep</c> call asks for: a pipeline configuration (from a config file or
/// from the tool's defaults, with every flag applied) plus the choices that depend on the data and are made when the
/// data is loaded: the epochs (when automatic), the early-stopping patience that only keeps the best epoch, and the
/// optimizer built from <c>--optimizer</c> flags for the run's number of steps.
/// </summary>
internal sealed record RunRequest
{
    /// <summary>The pipeline configuration (its <c>data.path</c> is not used; see <see cref="DataPath"/>).</summary>
    public required PipelineConfig Config { get; init; }

    /// <summary>The training CSV file, as a path usable from the current folder.</summary>
    public required string DataPath { get; init; }

    /// <summary>The compute provider: auto, managed, mkl or openblas (not part of the configuration).</summary>
    public string Compute { get; init; } = "auto";

    /// <summary>The optimizer to build with the tool's defaults and overrides for the run's steps, or null to train with <see cref="Config"/>'s optimizer object as written.</summary>
    public OptimizerSpec? Optimizer { get; init; }

    /// <summary>Whether the epochs are chosen from the data size (about 2000 optimizer steps).</summary>
    public bool AutoEpochs { get; init; }

    /// <summary>
    /// Whether the run keeps the weights of the best validation epoch without stopping early: early-stopping patience
    /// equal to the epochs (so it never stops) with <c>restore_best_weights</c>.
    /// </summary>
    public bool KeepBestEpoch { get; init; }

    /// <summary>
    /// The trainer section as read from the config file before flags changed it, or null. When flags change the run's
    /// length, a learning-rate schedule that spanned the file's run exactly is stretched to span the new one.
    /// </summary>
    public TrainerConfig? FileTrainer { get; init; }
}
