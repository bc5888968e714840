using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Pipelines;

namespace MLNet.Optimizers.Training.Tuning;

/// <summary>How each trial is scored.</summary>
public enum TrialEvaluation
{
    /// <summary>One split: fit on the training part, score on a held-out part (<see cref="TunerOptions.HoldoutFraction"/>).</summary>
    Holdout,

    /// <summary>k-fold cross-validation: fit k times, score the mean over the folds (<see cref="TunerOptions.Folds"/>).</summary>
    KFold,
}

/// <summary>The search space of a pipeline sweep: the optimizers to try (one is chosen per trial) and the model part.</summary>
public sealed class PipelineSearchSpace
{
    /// <summary>The optimizer spaces; each trial picks one uniformly. Default: Lion and Adafactor.</summary>
    public IReadOnlyList<OptimizerSearchSpace> Optimizers { get; init; } = new OptimizerSearchSpace[] { new LionSearchSpace(), new AdafactorSearchSpace() };

    /// <summary>The model and batching space, or null to keep the base configuration's model and batch size.</summary>
    public ModelSearchSpace? Model { get; init; } = new();

    /// <summary>Checks every part.</summary>
    /// <exception cref="ArgumentException">No optimizer space, a repeated optimizer class, or an invalid part.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Optimizers, nameof(Optimizers));
        if (Optimizers.Count == 0)
        {
            throw new ArgumentException("The search space has no optimizer: give at least one optimizer search space.", nameof(Optimizers));
        }

        var classes = new HashSet<string>(StringComparer.Ordinal);
        foreach (OptimizerSearchSpace space in Optimizers)
        {
            ArgumentNullException.ThrowIfNull(space, nameof(Optimizers));
            if (!classes.Add(space.ClassName))
            {
                throw new ArgumentException($"The search space names the optimizer {space.ClassName} twice.", nameof(Optimizers));
            }

            space.Validate();
        }

        Model?.Validate();
    }
}

/// <summary>Settings of <see cref="PipelineTuner.Run"/>.</summary>
public sealed class TunerOptions
{
    /// <summary>Candidates to draw (the default configuration counts as one when <see cref="IncludeDefault"/>). Default 20.</summary>
    public int Trials { get; set; } = 20;

    /// <summary>Seed of the sampler and of the holdout/fold split. Default 42.</summary>
    public ulong Seed { get; set; } = PipelineDefaults.Seed;

    /// <summary>Epochs of the full budget (the last rung). Default 30.</summary>
    public int MaxEpochs { get; set; } = 30;

    /// <summary>Smallest epoch budget of successive halving (the first rung). Default 3.</summary>
    public int MinEpochs { get; set; } = 3;

    /// <summary>Successive halving's reduction factor η: each rung keeps the best 1/η and trains η× longer. Default 3.</summary>
    public int ReductionFactor { get; set; } = 3;

    /// <summary>False for plain random search: every candidate trains for <see cref="MaxEpochs"/>. Default true.</summary>
    public bool SuccessiveHalving { get; set; } = true;

    /// <summary>Wall-time budget, or null for none; the sweep stops starting evaluations once it has run out.</summary>
    public TimeSpan? TimeBudget { get; set; }

    /// <summary>Holdout or k-fold scoring. Default holdout.</summary>
    public TrialEvaluation Evaluation { get; set; } = TrialEvaluation.Holdout;

    /// <summary>The held-out share for <see cref="TrialEvaluation.Holdout"/>, strictly between 0 and 1. Default 0.2.</summary>
    public double HoldoutFraction { get; set; } = 0.2;

    /// <summary>Folds for <see cref="TrialEvaluation.KFold"/> (2 to 20). Default 5.</summary>
    public int Folds { get; set; } = 5;

    /// <summary>
    /// Candidate 0 is the base configuration itself (with the spaces' default points applied to nothing), and it always
    /// reaches the full budget, so the best trial is never worse than the default on the sweep's own score. Default true.
    /// </summary>
    public bool IncludeDefault { get; set; } = true;

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
    /// How many evaluations (candidate × rung) the schedule runs when every evaluation succeeds and no time budget or
    /// cancellation cuts it short: all <see cref="Trials"/> on the first rung, then the best 1/η of the previous rung's
    /// contenders (at least one) on each later rung, plus the default configuration, which rides along to every rung
    /// when <see cref="IncludeDefault"/>. For progress displays.
    /// </summary>
    /// <returns>The planned number of evaluations (per fold-averaged score; k-fold fits each k times).</returns>
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
        if (Trials < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Trials), Trials, $"Trials must be at least 1, got {Trials}.");
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

/// <summary>One evaluation on the leaderboard.</summary>
/// <param name="Trial">The candidate's number (0 is the default configuration when included).</param>
/// <param name="Rung">The successive-halving rung (0 = smallest budget).</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="Optimizer">The optimizer's Keras class name.</param>
/// <param name="Point">The sampled values (optimizer keys, then model keys), as set in <paramref name="Config"/>.</param>
/// <param name="Config">The full pipeline configuration evaluated (with <paramref name="Epochs"/> as its epochs).</param>
/// <param name="MetricName">The score's name (<see cref="PipelineMetrics.PrimaryMetricName"/>).</param>
/// <param name="Metric">The score, higher is better (mean over folds for k-fold); NaN when the evaluation failed.</param>
/// <param name="Seconds">Wall time of the evaluation.</param>
/// <param name="Error">Why the evaluation failed, or null.</param>
public sealed record TrialResult(int Trial, int Rung, int Epochs, string Optimizer, JsonObject Point, PipelineConfig Config, string MetricName, double Metric, double Seconds, string? Error);

/// <summary>The outcome of a sweep.</summary>
public sealed class TuningResult
{
    internal TuningResult(IReadOnlyList<TrialResult> leaderboard, IReadOnlyList<TrialResult> evaluations, SweepStopReason stopReason, string metricName, PipelineModel? bestModel, double seconds)
    {
        Leaderboard = leaderboard;
        Evaluations = evaluations;
        StopReason = stopReason;
        MetricName = metricName;
        BestModel = bestModel;
        Seconds = seconds;
    }

    /// <summary>Each candidate's furthest evaluation, best first: highest rung, then highest metric, then lowest trial number; failures last.</summary>
    public IReadOnlyList<TrialResult> Leaderboard { get; }

    /// <summary>Every evaluation in the order it ran.</summary>
    public IReadOnlyList<TrialResult> Evaluations { get; }

    /// <summary>The best evaluation (the head of the leaderboard).</summary>
    public TrialResult Best => Leaderboard[0];

    /// <summary>
    /// The best trial's pipeline configuration, ready to save: fitting it on the same training data with its seed
    /// reproduces the best trial's model bit for bit.
    /// </summary>
    public PipelineConfig BestConfig => Best.Config.Clone();

    /// <summary>The best trial's model (holdout evaluation: trained on the training part), or null for k-fold.</summary>
    public PipelineModel? BestModel { get; }

    /// <summary>Why the sweep ended.</summary>
    public SweepStopReason StopReason { get; }

    /// <summary>The score's name.</summary>
    public string MetricName { get; }

    /// <summary>Wall time of the sweep.</summary>
    public double Seconds { get; }
}

/// <summary>
/// Tunes a pipeline: draws candidates from a <see cref="PipelineSearchSpace"/> (an optimizer space chosen uniformly,
/// then its point, then the model point), scores each by holdout or k-fold with the pipeline's headline metric, and
/// spends the epoch budget by successive halving (or plain random search). Deterministic for a seed and an epoch
/// budget; a time budget or cancellation only cuts the schedule short.
/// </summary>
public static class PipelineTuner
{
    /// <summary>Runs a sweep.</summary>
    /// <param name="baseConfig">The pipeline to tune (schema, featurizers, trainer settings); each candidate overrides its optimizer and, when the space has a model part, its model and batch size.</param>
    /// <param name="data">The data (with its label).</param>
    /// <param name="space">What to search.</param>
    /// <param name="options">Budget, evaluation and seed.</param>
    /// <param name="progress">Receives each evaluation as it finishes.</param>
    /// <param name="cancellationToken">Stops the sweep; what finished is returned.</param>
    /// <returns>The leaderboard and the best configuration.</returns>
    /// <exception cref="ArgumentException">An invalid space, options or base configuration (before any training).</exception>
    /// <exception cref="InvalidOperationException">No evaluation succeeded (every trial failed, or the budget ran out first).</exception>
    /// <exception cref="OperationCanceledException">Cancelled before any evaluation finished.</exception>
    public static TuningResult Run(PipelineConfig baseConfig, TabularData data, PipelineSearchSpace space, TunerOptions options, IProgress<TrialResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        space.Validate();
        baseConfig.Validate();
        var clock = Stopwatch.StartNew();

        // Candidates: drawn up front, so the schedule cannot change what is drawn.
        var random = new DeterministicRandom(DeterministicRandom.Derive(options.Seed, 0x5EE9));
        var candidates = new List<(string Optimizer, JsonObject Point, PipelineConfig Config)>(options.Trials);
        for (int i = 0; i < options.Trials; i++)
        {
            if (i == 0 && options.IncludeDefault)
            {
                PipelineConfig d = baseConfig.Clone();
                candidates.Add((OptimizerClassOf(d), new JsonObject(), d));
                continue;
            }

            OptimizerSearchSpace opt = space.Optimizers[random.NextInt(space.Optimizers.Count)];
            JsonObject optimizerPoint = opt.Sample(random);
            JsonObject? modelPoint = space.Model?.Sample(random);
            candidates.Add(Apply(baseConfig, opt, optimizerPoint, modelPoint));
        }

        // Evaluation data: one holdout split or k folds, fixed by the seed.
        ulong splitSeed = DeterministicRandom.Derive(options.Seed, 0x5B17);
        var folds = new List<(TabularData Train, TabularData Test)>();
        if (options.Evaluation == TrialEvaluation.Holdout)
        {
            if (data.RowCount < 2)
            {
                throw new ArgumentException($"The data has {data.RowCount} rows; a holdout evaluation needs at least 2.", nameof(data));
            }

            (int[] train, int[] test) = DataSplit.TrainTestIndices(data.RowCount, options.HoldoutFraction, splitSeed);
            folds.Add((data.SelectRows(train), data.SelectRows(test)));
        }
        else
        {
            if (data.RowCount < options.Folds)
            {
                throw new ArgumentException($"The data has {data.RowCount} rows; {options.Folds}-fold evaluation needs at least {options.Folds}.", nameof(data));
            }

            int[] order = Enumerable.Range(0, data.RowCount).ToArray();
            new DeterministicRandom(splitSeed).Shuffle(order);
            for (int k = 0; k < options.Folds; k++)
            {
                int[] test = order.Where((_, i) => i % options.Folds == k).OrderBy(r => r).ToArray();
                int[] train = order.Where((_, i) => i % options.Folds != k).OrderBy(r => r).ToArray();
                folds.Add((data.SelectRows(train), data.SelectRows(test)));
            }
        }

        IReadOnlyList<int> rungs = options.RungEpochs();

        string metricName = PipelineMetrics.PrimaryMetricNameOf(baseConfig.Data.Task);
        var evaluations = new List<TrialResult>();
        var models = new Dictionary<(int Candidate, int Epochs), PipelineModel>();
        (List<RungResult> results, SweepStopReason reason) = SuccessiveHalving.Run(
            candidates.Count,
            rungs,
            options.ReductionFactor,
            options.IncludeDefault ? 0 : -1,
            (c, epochs, ct) =>
            {
                PipelineConfig config = WithEpochs(candidates[c].Config, epochs);
                double sum = 0;
                foreach ((TabularData train, TabularData test) in folds)
                {
                    PipelineModel model = Pipeline.FromConfig(config).Fit(train, cancellationToken: ct);
                    double metric = model.Evaluate(test).PrimaryMetric;
                    sum += metric;
                    if (folds.Count == 1)
                    {
                        models[(c, epochs)] = model;
                    }
                }

                return sum / folds.Count;
            },
            options.TimeBudget,
            r =>
            {
                var result = new TrialResult(r.Candidate, r.Rung, r.Epochs, candidates[r.Candidate].Optimizer, (JsonObject)candidates[r.Candidate].Point.DeepClone(), WithEpochs(candidates[r.Candidate].Config, r.Epochs), metricName, r.Score, r.Seconds, r.Error);
                evaluations.Add(result);
                progress?.Report(result);
            },
            cancellationToken);

        if (evaluations.Count == 0 && reason == SweepStopReason.Cancelled)
        {
            throw new OperationCanceledException("The sweep was cancelled before any evaluation finished.", cancellationToken);
        }

        var leaderboard = evaluations
            .GroupBy(e => e.Trial)
            .Select(g => g.OrderByDescending(e => e.Rung).First())
            .OrderBy(e => double.IsNaN(e.Metric) ? 1 : 0)
            .ThenByDescending(e => e.Rung)
            .ThenByDescending(e => double.IsNaN(e.Metric) ? double.NegativeInfinity : e.Metric)
            .ThenBy(e => e.Trial)
            .ToList();
        if (leaderboard.Count == 0 || double.IsNaN(leaderboard[0].Metric))
        {
            string why = leaderboard.Count == 0 ? $"no evaluation finished ({reason})" : $"every evaluation failed; the first: {leaderboard[0].Error}";
            throw new InvalidOperationException($"The sweep found no model: {why}.");
        }

        models.TryGetValue((leaderboard[0].Trial, leaderboard[0].Epochs), out PipelineModel? best);
        return new TuningResult(leaderboard, evaluations, reason, metricName, best, clock.Elapsed.TotalSeconds);
    }

    /// <summary>A candidate configuration: the base with the optimizer point and the model point applied.</summary>
    /// <param name="baseConfig">The base configuration (not changed).</param>
    /// <param name="optimizer">The optimizer space the point comes from.</param>
    /// <param name="optimizerPoint">Optimizer configuration keys.</param>
    /// <param name="modelPoint">Model keys (<c>batch_size</c>, <c>hidden_width</c>, <c>hidden_depth</c>, <c>activation</c>), or null.</param>
    /// <returns>The optimizer class, the combined point and the configuration.</returns>
    internal static (string Optimizer, JsonObject Point, PipelineConfig Config) Apply(PipelineConfig baseConfig, OptimizerSearchSpace optimizer, JsonObject optimizerPoint, JsonObject? modelPoint)
    {
        PipelineConfig config = baseConfig.Clone();
        config.Trainer.Optimizer = optimizer.CreateSerializedOptimizer(optimizerPoint);
        var point = (JsonObject)optimizerPoint.DeepClone();
        if (modelPoint != null)
        {
            ModelConfig model = config.Trainer.Model;
            if (modelPoint["batch_size"] is JsonNode b)
            {
                config.Trainer.BatchSize = b.GetValue<int>();
            }

            int depth = modelPoint["hidden_depth"]?.GetValue<int>() ?? (model.Type == ModelType.Mlp ? model.HiddenLayers.Count : 0);
            int width = modelPoint["hidden_width"]?.GetValue<int>() ?? (model.HiddenLayers.Count > 0 ? model.HiddenLayers[0] : PipelineDefaults.DefaultHiddenLayers[0]);
            if (depth == 0)
            {
                model.Type = ModelType.Linear;
                model.HiddenLayers = new List<int>();
            }
            else
            {
                model.Type = ModelType.Mlp;
                model.HiddenLayers = Enumerable.Repeat(width, depth).ToList();
            }

            if (depth == 0)
            {
                // A linear model has no hidden layers: width and activation do not apply, and the point says so.
                model.Activation = PipelineDefaults.Activation;
            }
            else if (modelPoint["activation"] is JsonNode a)
            {
                model.Activation = JsonNames.Parse(JsonNames.Activations, a.GetValue<string>())
                    ?? throw new ArgumentException($"activation: unknown activation '{a.GetValue<string>()}'.", nameof(modelPoint));
            }

            foreach (KeyValuePair<string, JsonNode?> entry in modelPoint)
            {
                if (depth == 0 && entry.Key is "hidden_width" or "activation")
                {
                    continue;
                }

                point[entry.Key] = entry.Value?.DeepClone();
            }
        }

        config.Validate();
        return (optimizer.ClassName, point, config);
    }

    private static PipelineConfig WithEpochs(PipelineConfig config, int epochs)
    {
        PipelineConfig c = config.Clone();
        c.Trainer.Epochs = epochs;
        return c;
    }

    private static string OptimizerClassOf(PipelineConfig config) => config.Trainer.Optimizer["class_name"]?.GetValue<string>() ?? "?";
}
