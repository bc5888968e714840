using System;

namespace MLNet.Optimizers.Training.Training;

/// <summary>
/// Which epoch's weights a run keeps when it has selection rows (rows split off the training part to choose the epoch).
/// One rule for every tool (train, compare, sweep): the default is <see cref="TrainingDefaults.EpochRule"/>, chosen by
/// measurement (docs/early-stopping.md).
/// </summary>
public enum EpochRule
{
    /// <summary>The epoch with the lowest selection loss (Keras's <c>EarlyStopping(monitor="val_loss", restore_best_weights=True)</c>).</summary>
    BestLoss,

    /// <summary>The epoch with the best selection metric: accuracy for classification, R² for regression.</summary>
    BestMetric,

    /// <summary>The last epoch run (early stopping, when on, still watches the selection loss to end the run).</summary>
    Last,
}

/// <summary>How an <see cref="EpochRule"/> drives the <see cref="Trainer"/>, and its spelling in recipes.</summary>
public static class EpochRules
{
    /// <summary>Sets <paramref name="options"/>' early-stopping metric and whether the best weights are restored for <paramref name="rule"/>.</summary>
    /// <param name="options">The trainer settings to change.</param>
    /// <param name="rule">The rule.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rule"/> is not defined.</exception>
    public static void Configure(TrainerOptions options, EpochRule rule)
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (rule)
        {
            case EpochRule.BestLoss:
                options.EarlyStoppingMetric = ValidationMetric.Loss;
                options.RestoreBestWeights = true;
                break;
            case EpochRule.BestMetric:
                options.EarlyStoppingMetric = ValidationMetric.Quality;
                options.RestoreBestWeights = true;
                break;
            case EpochRule.Last:
                options.EarlyStoppingMetric = ValidationMetric.Loss;
                options.RestoreBestWeights = false;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule, $"Unknown epoch rule {(int)rule}; expected BestLoss, BestMetric or Last.");
        }
    }

    /// <summary>The recipe spelling: <c>best_loss</c>, <c>best_metric</c> or <c>last</c>.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>The name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rule"/> is not defined.</exception>
    public static string NameOf(EpochRule rule) => rule switch
    {
        EpochRule.BestLoss => "best_loss",
        EpochRule.BestMetric => "best_metric",
        EpochRule.Last => "last",
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, $"Unknown epoch rule {(int)rule}."),
    };

    /// <summary>The rule named <paramref name="name"/> (<c>best_loss</c>, <c>best_metric</c>, <c>last</c>), or null.</summary>
    /// <param name="name">The recipe spelling.</param>
    /// <returns>The rule, or null for an unknown name.</returns>
    public static EpochRule? Parse(string? name) => name switch
    {
        "best_loss" => EpochRule.BestLoss,
        "best_metric" => EpochRule.BestMetric,
        "last" => EpochRule.Last,
        _ => null,
    };
}
