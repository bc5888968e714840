using System;
using System.Collections.Generic;
using System.Globalization;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet.Tuning;

/// <summary>How each trial is scored.</summary>
public enum TrialEvaluation
{
    /// <summary>One split of the rows given: fit on the rest, score on <see cref="TunerOptions.HoldoutFraction"/> of them (the tuning rows).</summary>
    Holdout,

    /// <summary>k-fold cross-validation: fit k times, score the mean over the folds (<see cref="TunerOptions.Folds"/>).</summary>
    KFold,
}

/// <summary>Settings of <see cref="RecipeTuner.Run"/>.</summary>
/// <remarks>
/// <para>
/// <b>Trials and time.</b> <see cref="Trials"/> candidates make one bracket of successive halving. Without a
/// <see cref="TimeBudget"/> the sweep is that one bracket. With one, brackets of new candidates follow each other until
/// the budget is spent: no evaluation starts after it, so the budget both cuts a long sweep short and lengthens one
/// whose trials end first (at most <see cref="MaxTrials"/> candidates in all).
/// </para>
/// <para>Time never changes what is drawn or how a candidate scores: only how many evaluations run.</para>
/// </remarks>
public sealed class TunerOptions
{
    /// <summary>The most candidates of one sweep, over all its brackets.</summary>
    public const int MaxTrials = 10_000;

    /// <summary>Candidates per bracket (the base recipe counts as one when <see cref="IncludeDefault"/>). Default 20.</summary>
    public int Trials { get; set; } = 20;

    /// <summary>Seed of the sampler and of the tuning split or folds (not of training: each candidate trains with its recipe's seed). Default <see cref="TrainingDefaults.Seed"/>.</summary>
    public ulong Seed { get; set; } = TrainingDefaults.Seed;

    /// <summary>Epochs of the full budget (the last rung). Default <see cref="TrainingDefaults.Epochs"/>.</summary>
    public int MaxEpochs { get; set; } = TrainingDefaults.Epochs;

    /// <summary>Smallest epoch budget of successive halving (the first rung). Default 3.</summary>
    public int MinEpochs { get; set; } = 3;

    /// <summary>Successive halving's reduction factor η: each rung keeps the best 1/η and trains η× longer. Default 3.</summary>
    public int ReductionFactor { get; set; } = 3;

    /// <summary>False for plain random search: every candidate trains for <see cref="MaxEpochs"/>. Default true.</summary>
    public bool SuccessiveHalving { get; set; } = true;

    /// <summary>The time budget, or null for none (see the remarks: it may cut the sweep short or add brackets).</summary>
    public TimeSpan? TimeBudget { get; set; }

    /// <summary>The clock of the time budget and of the evaluations' times; default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Holdout or k-fold scoring. Default holdout.</summary>
    public TrialEvaluation Evaluation { get; set; } = TrialEvaluation.Holdout;

    /// <summary>The share of the rows given that scores each trial (<see cref="TrialEvaluation.Holdout"/>), strictly between 0 and 1. Default 0.2.</summary>
    public double HoldoutFraction { get; set; } = 0.2;

    /// <summary>Folds for <see cref="TrialEvaluation.KFold"/> (2 to 20). Default 5.</summary>
    public int Folds { get; set; } = 5;

    /// <summary>
    /// Candidate 0 is the base recipe itself, and it always reaches the full budget, so the best trial is never worse
    /// than the base on the sweep's own score. Default true.
    /// </summary>
    public bool IncludeDefault { get; set; } = true;

    /// <summary>The compute provider every fit uses; null: <see cref="BlasProviders.Default"/>.</summary>
    public BlasProvider? Blas { get; set; }

    /// <summary>
    /// The epoch budget of each rung, smallest first: <see cref="MaxEpochs"/>, <see cref="MaxEpochs"/>/η, /η², ... down to
    /// no less than <see cref="MinEpochs"/>; a single rung of <see cref="MaxEpochs"/> without successive halving.
    /// </summary>
    /// <returns>The rungs' epochs, increasing.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A setting out of range.</exception>
    public IReadOnlyList<int> RungEpochs()
    {
        Validate();
        return SuccessiveHalving ? Tuning.SuccessiveHalving.RungEpochs(MinEpochs, MaxEpochs, ReductionFactor) : new[] { MaxEpochs };
    }

    /// <summary>
    /// How many evaluations (candidate × rung) one bracket runs when every evaluation succeeds: all
    /// <see cref="Trials"/> on the first rung, then the best 1/η of the previous rung's contenders (at least one) on
    /// each later rung, plus the base recipe, which rides along to every rung when <see cref="IncludeDefault"/>. For
    /// progress displays.
    /// </summary>
    /// <returns>The planned evaluations of one bracket (k-fold fits each k times).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A setting out of range.</exception>
    public int PlannedEvaluations()
    {
        IReadOnlyList<int> rungs = RungEpochs();
        int riding = IncludeDefault ? 1 : 0;
        int contenders = Trials - riding;
        int total = Trials;
        for (int rung = 1; rung < rungs.Count; rung++)
        {
            int keep = Math.Max(1, (int)Math.Ceiling(contenders / (double)ReductionFactor));
            contenders = Math.Min(keep, contenders);
            total += contenders + riding;
        }

        return total;
    }

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting out of range, named with its value.</exception>
    public void Validate()
    {
        if (Trials < 1 || Trials > MaxTrials)
        {
            throw new ArgumentOutOfRangeException(nameof(Trials), Trials, $"Trials must be in [1, {MaxTrials}], got {Trials}.");
        }

        if (MaxEpochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEpochs), MaxEpochs, $"MaxEpochs (the epoch budget) must be at least 1, got {MaxEpochs}.");
        }

        if (MinEpochs < 1 || MinEpochs > MaxEpochs)
        {
            throw new ArgumentOutOfRangeException(nameof(MinEpochs), MinEpochs, $"MinEpochs must be in [1, MaxEpochs = {MaxEpochs}], got {MinEpochs}.");
        }

        if (ReductionFactor < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(ReductionFactor), ReductionFactor, $"ReductionFactor must be at least 2, got {ReductionFactor}.");
        }

        if (TimeBudget is TimeSpan t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TimeBudget), t, $"TimeBudget must be positive, got {t}.");
        }

        if (Clock is null)
        {
            throw new ArgumentOutOfRangeException(nameof(Clock), null, "Clock must be a TimeProvider, got null.");
        }

        if (!Enum.IsDefined(Evaluation))
        {
            throw new ArgumentOutOfRangeException(nameof(Evaluation), Evaluation, "Unknown evaluation.");
        }

        if (!(HoldoutFraction > 0 && HoldoutFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(HoldoutFraction), HoldoutFraction, $"HoldoutFraction must be strictly between 0 and 1, got {HoldoutFraction.ToString("R", CultureInfo.InvariantCulture)}.");
        }

        if (Folds < 2 || Folds > 20)
        {
            throw new ArgumentOutOfRangeException(nameof(Folds), Folds, $"Folds must be in [2, 20], got {Folds}.");
        }
    }
}
