using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using Microsoft.ML;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Tuning;

namespace MLNet.Optimizers.MLNet.Tuning;

/// <summary>What a recipe sweep searches: the optimizers (one is chosen per trial, with its point) and the model part.</summary>
public sealed class RecipeSearchSpace
{
    /// <summary>The optimizer spaces (plain data, from the engine); each trial picks one uniformly. Default: Lion and Adafactor.</summary>
    public IReadOnlyList<OptimizerSearchSpace> Optimizers { get; init; } = new OptimizerSearchSpace[] { new LionSearchSpace(), new AdafactorSearchSpace() };

    /// <summary>The model and batching space, or null to keep the base recipe's model and batch size.</summary>
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

/// <summary>One evaluation of a sweep.</summary>
/// <param name="Trial">The candidate's number (0 is the base recipe when included).</param>
/// <param name="Rung">The successive-halving rung (0 = smallest budget).</param>
/// <param name="Epochs">The most epochs trained (the recipe's <c>trainer.epochs</c>; early stopping may end sooner).</param>
/// <param name="Optimizer">The optimizer's Keras class name.</param>
/// <param name="Point">The sampled values (optimizer keys, then model keys), as set in <paramref name="Recipe"/>; empty for the base recipe.</param>
/// <param name="Recipe">The full recipe evaluated (with <paramref name="Epochs"/> as its epochs).</param>
/// <param name="MetricName">The score's name (<see cref="TrialScore.PrimaryMetricName"/>).</param>
/// <param name="Metric">The score, higher is better (mean over folds for k-fold); NaN when the evaluation failed.</param>
/// <param name="Seconds">Time of the evaluation on the tuner's clock.</param>
/// <param name="Error">Why the evaluation failed, or null.</param>
public sealed record TrialResult(int Trial, int Rung, int Epochs, string Optimizer, JsonObject Point, Recipe Recipe, string MetricName, double Metric, double Seconds, string? Error);

/// <summary>The outcome of a sweep.</summary>
public sealed class TuningResult
{
    internal TuningResult(IReadOnlyList<TrialResult> leaderboard, IReadOnlyList<TrialResult> evaluations, SweepStopReason stopReason, string metricName, int trials, int brackets, double seconds)
    {
        Leaderboard = leaderboard;
        Evaluations = evaluations;
        StopReason = stopReason;
        MetricName = metricName;
        Trials = trials;
        Brackets = brackets;
        Seconds = seconds;
    }

    /// <summary>Each candidate's furthest evaluation, best first: highest rung, then highest metric, then lowest trial number; failures last.</summary>
    public IReadOnlyList<TrialResult> Leaderboard { get; }

    /// <summary>Every evaluation in the order it ran.</summary>
    public IReadOnlyList<TrialResult> Evaluations { get; }

    /// <summary>The best evaluation (the head of the leaderboard).</summary>
    public TrialResult Best => Leaderboard[0];

    /// <summary>The best trial's recipe (a copy): fitting it on the same rows reproduces the best trial's model bit for bit.</summary>
    public Recipe BestRecipe => Best.Recipe.Clone();

    /// <summary>Why the sweep ended.</summary>
    public SweepStopReason StopReason { get; }

    /// <summary>The score's name.</summary>
    public string MetricName { get; }

    /// <summary>The candidates drawn (over every bracket), evaluated or not.</summary>
    public int Trials { get; }

    /// <summary>The brackets started.</summary>
    public int Brackets { get; }

    /// <summary>The sweep's time on the tuner's clock.</summary>
    public double Seconds { get; }
}

/// <summary>
/// Tunes a recipe: draws candidates from a <see cref="RecipeSearchSpace"/> (an optimizer space chosen uniformly, then
/// its point, then the model point), fits each (its recipe's seed, epoch rule and early stopping as they are), scores it
/// with ML.NET's evaluator of the task on tuning rows (a seeded split of the rows given, or k folds), and spends the
/// epoch budget by successive halving (or plain random search). Deterministic for a seed and an epoch budget; a time
/// budget or cancellation only changes how many evaluations run (see <see cref="TunerOptions"/>).
/// </summary>
/// <remarks>
/// Pass the rows the final model may train on (the training part of <see cref="Recipe.SplitHoldout"/>): the tuning rows
/// choose the trial, so they are not held-out rows, and metrics on them are not estimates of new data.
/// </remarks>
public static class RecipeTuner
{
    private const ulong SamplerStream = 0x5EE9;
    private const ulong SplitStream = 0x5B17;

    /// <summary>Runs a sweep.</summary>
    /// <param name="ml">The context.</param>
    /// <param name="baseRecipe">The recipe to tune (data, label, featurization, trainer); each candidate overrides its optimizer and, when the space has a model part, its model and batch size.</param>
    /// <param name="data">The rows to tune on (loaded with the recipe's loader).</param>
    /// <param name="space">What to search.</param>
    /// <param name="options">Budget, evaluation, clock and seed.</param>
    /// <param name="progress">Receives each evaluation as it finishes (on the tuner's thread).</param>
    /// <param name="cancellationToken">Stops the sweep; what finished is returned.</param>
    /// <returns>The leaderboard and the best recipe.</returns>
    /// <exception cref="ArgumentException">An invalid space, options, recipe, or too few rows (before any training).</exception>
    /// <exception cref="RecipeException">The base recipe is invalid.</exception>
    /// <exception cref="InvalidOperationException">No evaluation succeeded (every trial failed, or the budget ran out first).</exception>
    /// <exception cref="OperationCanceledException">Cancelled before any evaluation finished.</exception>
    public static TuningResult Run(MLContext ml, Recipe baseRecipe, IDataView data, RecipeSearchSpace space, TunerOptions options, IProgress<TrialResult>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(baseRecipe);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        space.Validate();
        baseRecipe.Validate();
        TimeProvider clock = options.Clock;
        long start = clock.GetTimestamp();
        IReadOnlyList<int> rungs = options.RungEpochs();
        List<(IDataView Train, IDataView Test)> folds = Folds(ml, baseRecipe, ml.Data.Cache(data), options);
        string metricName = TrialScore.PrimaryMetricName(baseRecipe.Trainer.Task);

        var random = new DeterministicRandom(DeterministicRandom.Derive(options.Seed, SamplerStream));
        var candidates = new List<(string Optimizer, JsonObject Point, Recipe Recipe)>();
        var evaluations = new List<TrialResult>();
        double Evaluate(int c, int epochs, CancellationToken ct)
        {
            Recipe recipe = WithEpochs(candidates[c].Recipe, epochs);
            double sum = 0;
            foreach ((IDataView train, IDataView test) in folds)
            {
                RecipeFitResult fit = recipe.Fit(ml, train, new RecipeFitOptions { CancellationToken = ct, Blas = options.Blas });
                sum += TrialScore.Evaluate(ml, fit.Model.Transform(test), recipe);
            }

            return sum / folds.Count;
        }

        void OnResult(RungResult r)
        {
            var result = new TrialResult(r.Candidate, r.Rung, r.Epochs, candidates[r.Candidate].Optimizer, (JsonObject)candidates[r.Candidate].Point.DeepClone(), WithEpochs(candidates[r.Candidate].Recipe, r.Epochs), metricName, r.Score, r.Seconds, r.Error);
            evaluations.Add(result);
            progress?.Report(result);
        }

        SweepStopReason reason;
        int brackets = 0;
        while (true)
        {
            // A bracket's candidates are drawn before it starts, in one seeded stream, so time cannot change what is drawn.
            int first = candidates.Count;
            int count = Math.Min(options.Trials, TunerOptions.MaxTrials - first);
            for (int i = 0; i < count; i++)
            {
                candidates.Add(first + i == 0 && options.IncludeDefault
                    ? (OptimizerClassOf(baseRecipe), new JsonObject(), baseRecipe.Clone())
                    : Draw(baseRecipe, space, random));
            }

            brackets++;
            int riding = brackets == 1 && options.IncludeDefault ? 0 : -1;
            (_, reason) = SuccessiveHalving.Run(first, count, rungs, options.ReductionFactor, riding, Evaluate, clock, start, options.TimeBudget, OnResult, cancellationToken);
            if (reason != SweepStopReason.Completed || options.TimeBudget is null || candidates.Count >= TunerOptions.MaxTrials)
            {
                break;
            }

            if (clock.GetElapsedTime(start) >= options.TimeBudget.Value)
            {
                reason = SweepStopReason.TimeBudget;
                break;
            }
        }

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

        return new TuningResult(leaderboard, evaluations, reason, metricName, candidates.Count, brackets, clock.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>A candidate: the base recipe with the points applied (<see cref="RecipeSearch.Apply"/>), and the point as it took effect.</summary>
    /// <param name="baseRecipe">The base recipe (not changed).</param>
    /// <param name="optimizer">The optimizer space the point comes from.</param>
    /// <param name="optimizerPoint">Optimizer configuration keys.</param>
    /// <param name="modelPoint">Model keys (<c>batch_size</c>, <c>hidden_width</c>, <c>hidden_depth</c>, <c>activation</c>), or null.</param>
    /// <returns>The optimizer class, the combined point (a linear model's width and activation left out: they do not apply) and the recipe.</returns>
    internal static (string Optimizer, JsonObject Point, Recipe Recipe) Apply(Recipe baseRecipe, OptimizerSearchSpace optimizer, JsonObject optimizerPoint, JsonObject? modelPoint)
    {
        Recipe recipe = RecipeSearch.Apply(baseRecipe, optimizer, optimizerPoint, modelPoint);
        var point = (JsonObject)optimizerPoint.DeepClone();
        foreach (KeyValuePair<string, JsonNode?> entry in modelPoint ?? new JsonObject())
        {
            if (recipe.Trainer.Model == RecipeModelType.Linear && entry.Key is "hidden_width" or "activation")
            {
                continue;
            }

            point[entry.Key] = entry.Value?.DeepClone();
        }

        return (optimizer.ClassName, point, recipe);
    }

    private static (string Optimizer, JsonObject Point, Recipe Recipe) Draw(Recipe baseRecipe, RecipeSearchSpace space, DeterministicRandom random)
    {
        OptimizerSearchSpace opt = space.Optimizers[random.NextInt(space.Optimizers.Count)];
        JsonObject optimizerPoint = opt.Sample(random);
        JsonObject? modelPoint = space.Model?.Sample(random);
        return Apply(baseRecipe, opt, optimizerPoint, modelPoint);
    }

    /// <summary>The tuning splits: one seeded, stratified holdout of the rows, or k seeded folds.</summary>
    private static List<(IDataView Train, IDataView Test)> Folds(MLContext ml, Recipe recipe, IDataView data, TunerOptions options)
    {
        var folds = new List<(IDataView, IDataView)>();
        ulong seed = DeterministicRandom.Derive(options.Seed, SplitStream);
        if (options.Evaluation == TrialEvaluation.Holdout)
        {
            // The recipe's own stratified split, with the tuner's share and seed.
            Recipe splitter = recipe.Clone();
            splitter.Seed = seed;
            splitter.Data.HoldoutFraction = options.HoldoutFraction;
            (IDataView train, IDataView? test) = splitter.SplitHoldout(ml, data);
            folds.Add((train, test!));
            return folds;
        }

        long rows = DataViews.CountRows(data);
        if (rows < options.Folds)
        {
            throw new ArgumentException($"The data has {rows} rows; {options.Folds}-fold evaluation needs at least {options.Folds}.", nameof(data));
        }

        int[] order = Enumerable.Range(0, (int)rows).ToArray();
        new DeterministicRandom(seed).Shuffle(order);
        for (int k = 0; k < options.Folds; k++)
        {
            var test = new bool[rows];
            for (int i = 0; i < order.Length; i++)
            {
                test[order[i]] = i % options.Folds == k;
            }

            folds.Add((new RowSubsetDataView(data, test.Select(x => !x).ToArray()), new RowSubsetDataView(data, test)));
        }

        return folds;
    }

    private static Recipe WithEpochs(Recipe recipe, int epochs)
    {
        Recipe r = recipe.Clone();
        r.Trainer.Epochs = epochs;
        return r;
    }

    private static string OptimizerClassOf(Recipe recipe) => recipe.Trainer.Optimizer["class_name"]?.GetValue<string>() ?? "?";
}

/// <summary>The score a sweep ranks trials by: the task's headline metric from ML.NET's evaluator (higher is better).</summary>
public static class TrialScore
{
    /// <summary>The headline metric's name: <c>accuracy</c> (binary), <c>micro_accuracy</c> (multiclass), <c>r_squared</c> (regression).</summary>
    /// <param name="task">The task.</param>
    /// <returns>The name.</returns>
    public static string PrimaryMetricName(TaskKind task) => task switch
    {
        TaskKind.Regression => "r_squared",
        TaskKind.BinaryClassification => "accuracy",
        _ => "micro_accuracy",
    };

    /// <summary>The headline metric of rows scored by a model of <paramref name="recipe"/>, from ML.NET's evaluator.</summary>
    /// <param name="ml">The context.</param>
    /// <param name="scored">The scored rows.</param>
    /// <param name="recipe">The recipe the model was trained from.</param>
    /// <returns>The metric (NaN when it is undefined for these rows, e.g. R² of a constant label).</returns>
    public static double Evaluate(MLContext ml, IDataView scored, Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(scored);
        ArgumentNullException.ThrowIfNull(recipe);
        return recipe.Trainer.Task switch
        {
            TaskKind.Regression => ml.Regression.Evaluate(scored).RSquared,
            TaskKind.BinaryClassification => ml.BinaryClassification.Evaluate(scored).Accuracy,
            _ => ml.MulticlassClassification.Evaluate(scored).MicroAccuracy,
        };
    }
}
