using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.MLNet.Tuning;
using MLNet.Optimizers.Training.Tuning;

namespace MLNet.Optimizers.MLNet.Tests;

/// <summary>
/// The tuner over recipes: the successive-halving schedule, the time budget driven by a clock of the test's own (no
/// assertion on elapsed time anywhere), brackets that a time budget adds, determinism, and trial recipes.
/// </summary>
[TestClass]
public sealed class TunerTests
{
    [TestMethod]
    [DataRow(1, 27, 3, new[] { 1, 3, 9, 27 }, DisplayName = "rungs: 1..27 by 3")]
    [DataRow(2, 20, 3, new[] { 2, 6, 20 }, DisplayName = "rungs: 2..20 by 3")]
    [DataRow(5, 5, 3, new[] { 5 }, DisplayName = "rungs: one rung")]
    [DataRow(4, 30, 2, new[] { 7, 15, 30 }, DisplayName = "rungs: 4..30 by 2")]
    public void RungEpochsGrowByEta(int min, int max, int eta, int[] expected) =>
        CollectionAssert.AreEqual(expected, SuccessiveHalving.RungEpochs(min, max, eta));

    [TestMethod]
    public void HalvingKeepsTheBestThirdAndAlwaysTheBase()
    {
        // Candidate c scores c at every budget, except the base (0) which scores worst: it is still promoted.
        var (results, reason) = SuccessiveHalving.Run(0, 9, new[] { 1, 3, 9 }, 3, 0, (c, e, _) => c, new FakeClock(), 0, null, null, CancellationToken.None);
        Assert.AreEqual(SweepStopReason.Completed, reason);
        CollectionAssert.AreEqual(Enumerable.Range(0, 9).ToArray(), results.Where(r => r.Rung == 0).Select(r => r.Candidate).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 6, 7, 8 }, results.Where(r => r.Rung == 1).Select(r => r.Candidate).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 8 }, results.Where(r => r.Rung == 2).Select(r => r.Candidate).ToArray());
        Assert.IsTrue(results.Where(r => r.Rung == 2).All(r => r.Epochs == 9));
    }

    [TestMethod]
    public void FailedEvaluationsAreRecordedAndNeverPromoted()
    {
        var (results, _) = SuccessiveHalving.Run(0, 4, new[] { 1, 2 }, 2, -1, (c, e, _) => c == 3 ? throw new InvalidOperationException("diverged") : c, new FakeClock(), 0, null, null, CancellationToken.None);
        RungResult failed = results.Single(r => r.Candidate == 3);
        Assert.IsTrue(double.IsNaN(failed.Score));
        StringAssert.Contains(failed.Error, "diverged");
        CollectionAssert.AreEqual(new[] { 1, 2 }, results.Where(r => r.Rung == 1).Select(r => r.Candidate).ToArray());
    }

    [TestMethod]
    public void CancellationStopsBetweenEvaluations()
    {
        using var cts = new CancellationTokenSource();
        int calls = 0;
        var (results, reason) = SuccessiveHalving.Run(0, 10, new[] { 1 }, 3, -1, (c, e, _) =>
        {
            if (++calls == 3)
            {
                cts.Cancel();
            }

            return c;
        }, new FakeClock(), 0, null, null, cts.Token);
        Assert.AreEqual(SweepStopReason.Cancelled, reason);
        Assert.AreEqual(3, results.Count);
    }

    [TestMethod]
    [DataRow(70.0, 3, DisplayName = "time budget: 70 s of 30 s evaluations starts 3 (at 0, 30, 60 s)")]
    [DataRow(60.0, 2, DisplayName = "time budget: an evaluation does not start at the budget")]
    [DataRow(1000.0, 10, DisplayName = "time budget: a long budget runs the whole schedule")]
    public void TheTimeBudgetIsReadFromTheClockBeforeEachEvaluation(double budgetSeconds, int expected)
    {
        var clock = new FakeClock();
        var (results, reason) = SuccessiveHalving.Run(0, 10, new[] { 1 }, 3, -1, (c, e, _) =>
        {
            clock.Advance(TimeSpan.FromSeconds(30));
            return c;
        }, clock, clock.GetTimestamp(), TimeSpan.FromSeconds(budgetSeconds), null, CancellationToken.None);
        Assert.HasCount(expected, results);
        Assert.AreEqual(expected < 10 ? SweepStopReason.TimeBudget : SweepStopReason.Completed, reason);
        Assert.IsTrue(results.All(r => r.Seconds == 30), "an evaluation's time is the clock's");
    }

    [TestMethod]
    public void ATimeBudgetAddsBracketsUntilItIsSpentAndCutsTheLastShort()
    {
        // 2 trials per bracket, one rung, every evaluation "takes" 10 s on the test's clock.
        var (recipe, data) = Iris();
        TuningResult Run(TimeSpan? budget, int trials)
        {
            var clock = new FakeClock();
            var options = new TunerOptions { Trials = trials, MaxEpochs = 2, MinEpochs = 1, SuccessiveHalving = false, TimeBudget = budget, Clock = clock, Seed = 5 };
            return RecipeTuner.Run(new MLContext(seed: 0), recipe, data, new RecipeSearchSpace(), options, new Progress(_ => clock.Advance(TimeSpan.FromSeconds(10))));
        }

        // Without a budget: exactly --trials.
        TuningResult plain = Run(null, 2);
        Assert.HasCount(2, plain.Evaluations);
        Assert.AreEqual((1, 2, SweepStopReason.Completed), (plain.Brackets, plain.Trials, plain.StopReason));

        // With one, the trials end at 20 s, and brackets of new candidates follow until 45 s: evaluations start at 0..40 s.
        TuningResult longer = Run(TimeSpan.FromSeconds(45), 2);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4 }, longer.Evaluations.Select(e => e.Trial).ToArray());
        Assert.AreEqual((3, 6, SweepStopReason.TimeBudget), (longer.Brackets, longer.Trials, longer.StopReason));
        Assert.AreEqual(50, longer.Seconds, "the sweep's time on its clock");

        // The same candidates in the same order: the first bracket is the plain sweep, bit for bit.
        Assert.AreEqual(plain.Evaluations[0].Recipe.ToJson(), longer.Evaluations[0].Recipe.ToJson());
        Assert.AreEqual(plain.Evaluations[1].Recipe.ToJson(), longer.Evaluations[1].Recipe.ToJson());
        Assert.AreEqual(plain.Evaluations[1].Metric, longer.Evaluations[1].Metric);

        // A budget shorter than the trials cuts the bracket short.
        TuningResult shorter = Run(TimeSpan.FromSeconds(25), 10);
        Assert.HasCount(3, shorter.Evaluations);
        Assert.AreEqual((1, 10, SweepStopReason.TimeBudget), (shorter.Brackets, shorter.Trials, shorter.StopReason));
    }

    [TestMethod]
    public void SameSeedSameSweepAndTheBestRecipeRetrainsTheBestTrial()
    {
        var (recipe, data) = Iris();
        var options = new TunerOptions { Trials = 4, MaxEpochs = 4, MinEpochs = 2, Seed = 11, Clock = new FakeClock() };
        TuningResult a = RecipeTuner.Run(new MLContext(seed: 0), recipe, data, new RecipeSearchSpace(), options);
        TuningResult b = RecipeTuner.Run(new MLContext(seed: 0), recipe, data, new RecipeSearchSpace(), options);
        CollectionAssert.AreEqual(a.Evaluations.Select(e => (e.Trial, e.Rung, e.Metric)).ToArray(), b.Evaluations.Select(e => (e.Trial, e.Rung, e.Metric)).ToArray());
        Assert.AreEqual(0, a.Evaluations[0].Trial);
        Assert.AreEqual(recipe.Trainer.Optimizer.ToJsonString(), a.Evaluations[0].Recipe.Trainer.Optimizer.ToJsonString(), "trial 0 is the base recipe");
        Assert.AreEqual(a.Best.Epochs, a.BestRecipe.Trainer.Epochs, "the best recipe has the epochs it was scored at");
        Assert.AreEqual(recipe.Trainer.EarlyStopping, a.BestRecipe.Trainer.EarlyStopping, "and the base's epoch rule, which it was ranked with");

        // Leaderboard order: highest rung, then the metric.
        for (int i = 1; i < a.Leaderboard.Count; i++)
        {
            TrialResult p = a.Leaderboard[i - 1], q = a.Leaderboard[i];
            Assert.IsTrue(p.Rung > q.Rung || (p.Rung == q.Rung && p.Metric >= q.Metric));
        }
    }

    [TestMethod]
    public void TrialRecipesApplyTheModelPoint()
    {
        var (recipe, _) = Iris();
        OptimizerSearchSpace lion = new LionSearchSpace();
        (_, JsonObject point, Recipe linear) = RecipeTuner.Apply(recipe, lion, lion.DefaultPoint(), new JsonObject { ["batch_size"] = 16, ["hidden_depth"] = 0, ["hidden_width"] = 99, ["activation"] = "tanh" });
        Assert.AreEqual(RecipeModelType.Linear, linear.Trainer.Model);
        Assert.AreEqual(16, linear.Trainer.BatchSize);
        Assert.IsFalse(point.ContainsKey("hidden_width"), "a linear model has no width: the point says so");
        (_, _, Recipe mlp) = RecipeTuner.Apply(recipe, lion, lion.DefaultPoint(), new JsonObject { ["hidden_depth"] = 2, ["hidden_width"] = 24, ["activation"] = "tanh" });
        CollectionAssert.AreEqual(new[] { 24, 24 }, mlp.Trainer.HiddenLayers);
        Assert.AreEqual(Training.Models.Activation.Tanh, mlp.Trainer.Activation);
        var e = Assert.ThrowsExactly<RecipeException>(() => RecipeTuner.Apply(recipe, lion, lion.DefaultPoint(), new JsonObject { ["hidden_depth"] = 1, ["activation"] = "gelu" }));
        StringAssert.Contains(e.Message, "gelu");
        Assert.IsTrue(new ModelSearchSpace().Activation!.Values.All(v => v is "relu" or "tanh"), "the default model space searches only activations an ML.NET model can score");
    }

    [TestMethod]
    [DataRow("no trials", DisplayName = "options: no trials")]
    [DataRow("negative time", DisplayName = "options: negative time budget")]
    [DataRow("first rung past the budget", DisplayName = "options: first rung past the budget")]
    [DataRow("one fold", DisplayName = "options: one fold")]
    public void BadOptionsFailBeforeAnyTraining(string @case)
    {
        TunerOptions options = @case switch
        {
            "no trials" => new TunerOptions { Trials = 0 },
            "negative time" => new TunerOptions { TimeBudget = TimeSpan.FromSeconds(-1) },
            "first rung past the budget" => new TunerOptions { MaxEpochs = 3, MinEpochs = 5 },
            _ => new TunerOptions { Folds = 1 },
        };
        var (recipe, data) = Iris();
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RecipeTuner.Run(new MLContext(seed: 0), recipe, data, new RecipeSearchSpace(), options));
    }

    private static (Recipe Recipe, IDataView Data) Iris()
    {
        Recipe recipe = Recipe.Parse(RecipeTests.IrisJson);
        recipe.Trainer.Epochs = 3;
        var ml = new MLContext(seed: 0);
        return (recipe, recipe.LoadData(ml, SampleData.PathOf("iris.csv")));
    }

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class FakeClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    /// <summary>Reports synchronously on the tuner's thread.</summary>
    private sealed class Progress : IProgress<TrialResult>
    {
        private readonly Action<TrialResult> _action;

        public Progress(Action<TrialResult> action) => _action = action;

        public void Report(TrialResult value) => _action(value);
    }
}
