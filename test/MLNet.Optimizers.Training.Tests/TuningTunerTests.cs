using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Pipelines;
using MLNet.Optimizers.Training.Tuning;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>The pipeline tuner on breast_cancer: quality against the default, determinism, export, bad input.</summary>
[TestClass]
public sealed class TuningTunerTests
{
    private static readonly Lazy<(PipelineConfig Config, TabularData Data)> BreastCancer = new(() =>
    {
        PipelineConfig config = PipelineConfig.CreateDefault(PipelineTestData.PathOf("breast_cancer.csv"), "diagnosis");
        return (config, TabularData.LoadCsv(PipelineTestData.PathOf("breast_cancer.csv"), config.Data));
    });

    private static readonly Lazy<TuningResult> TwentyTrials = new(() => Sweep(seed: 11));

    private static TunerOptions Options(ulong seed) => new() { Trials = 20, Seed = seed, MinEpochs = 2, MaxEpochs = 18, ReductionFactor = 3 };

    private static TuningResult Sweep(ulong seed)
    {
        (PipelineConfig config, TabularData data) = BreastCancer.Value;
        return PipelineTuner.Run(config, data, new PipelineSearchSpace(), Options(seed));
    }

    [TestMethod]
    public void TwentyTrialSweepIsAtLeastAsGoodAsTheDefaultModel()
    {
        TuningResult result = TwentyTrials.Value;
        (PipelineConfig config, TabularData data) = BreastCancer.Value;
        Assert.AreEqual(SweepStopReason.Completed, result.StopReason);
        Assert.AreEqual(20, result.Leaderboard.Count, "one leaderboard row per trial");
        Assert.AreEqual("accuracy", result.MetricName);

        // The default model, fitted independently on the same holdout split with the same epoch budget.
        (int[] train, int[] test) = DataSplit.TrainTestIndices(data.RowCount, 0.2, DeterministicRandom.Derive(11, 0x5B17));
        PipelineConfig defaults = config.Clone();
        defaults.Trainer.Epochs = 18;
        double defaultAccuracy = Pipeline.FromConfig(defaults).Fit(data.SelectRows(train)).Evaluate(data.SelectRows(test)).PrimaryMetric;

        Assert.IsTrue(result.Best.Metric >= defaultAccuracy, $"best {result.Best.Metric} < default {defaultAccuracy}");
        Assert.IsTrue(result.Best.Metric > 0.9, $"best accuracy {result.Best.Metric}");
        Assert.AreEqual(18, result.Best.Epochs, "the best trial comes from the full budget");
        TrialResult defaultRow = result.Leaderboard.Single(t => t.Trial == 0);
        Assert.AreEqual(defaultAccuracy, defaultRow.Metric, "trial 0 is the default configuration");

        // Successive halving spent less than 20 full budgets.
        int epochs = result.Evaluations.Sum(e => e.Epochs);
        Assert.IsTrue(epochs < 20 * 18 / 2, $"{epochs} epochs spent");
        Assert.IsTrue(result.Evaluations.Select(e => e.Optimizer).Distinct().Count() == 2, "both Lion and Adafactor were tried");
    }

    [TestMethod]
    public void SameSeedSameLeaderboardOtherSeedOtherCandidates()
    {
        TuningResult a = TwentyTrials.Value;
        TuningResult b = Sweep(seed: 11);
        Assert.AreEqual(Describe(a), Describe(b));
        TuningResult c = PipelineTuner.Run(BreastCancer.Value.Config, BreastCancer.Value.Data, new PipelineSearchSpace(), new TunerOptions { Trials = 3, Seed = 12, MinEpochs = 2, MaxEpochs = 2 });
        Assert.AreNotEqual(a.Evaluations[1].Point.ToJsonString(), c.Evaluations[1].Point.ToJsonString());

        static string Describe(TuningResult r) => string.Join("\n", r.Leaderboard.Select(t =>
            $"{t.Trial} {t.Rung} {t.Epochs} {t.Optimizer} {t.Metric:R} {t.Point.ToJsonString()} {t.Config.ToJson()}"));
    }

    [TestMethod]
    public void BestConfigRetrainsToTheSameModel()
    {
        TuningResult result = TwentyTrials.Value;
        (_, TabularData data) = BreastCancer.Value;
        PipelineConfig exported = PipelineConfig.Parse(result.BestConfig.ToJson());
        (int[] train, int[] test) = DataSplit.TrainTestIndices(data.RowCount, 0.2, DeterministicRandom.Derive(11, 0x5B17));
        PipelineModel retrained = Pipeline.FromConfig(exported).Fit(data.SelectRows(train));
        TabularData holdout = data.SelectRows(test);
        var expected = (NumericColumn)result.BestModel!.Transform(holdout)["Score"];
        var actual = (NumericColumn)retrained.Transform(holdout)["Score"];
        CollectionAssert.AreEqual(expected.Values.ToArray(), actual.Values.ToArray(), "bit-identical scores");
        Assert.AreEqual(result.Best.Metric, retrained.Evaluate(holdout).PrimaryMetric);

        // The exported point is what the config holds.
        JsonObject optimizer = (JsonObject)exported.Trainer.Optimizer["config"]!;
        foreach (var entry in result.Best.Point.Where(e => optimizer.ContainsKey(e.Key)))
        {
            Assert.AreEqual(entry.Value!.ToJsonString(), optimizer[entry.Key]!.ToJsonString(), entry.Key);
        }
    }

    [TestMethod]
    public void RungEpochsAndPlannedEvaluationsDescribeTheSchedule()
    {
        TunerOptions options = Options(11);
        CollectionAssert.AreEqual(new[] { 2, 6, 18 }, options.RungEpochs().ToArray());
        Assert.AreEqual(20 + 8 + 4, options.PlannedEvaluations(), "20 trials; then the best 7 of 19 plus the default; then the best 3 of 7 plus the default");
        Assert.AreEqual(TwentyTrials.Value.Evaluations.Count, options.PlannedEvaluations(), "the sweep ran what was planned");
        CollectionAssert.AreEqual(TwentyTrials.Value.Evaluations.Select(e => e.Epochs).Distinct().ToArray(), options.RungEpochs().ToArray());

        Assert.AreEqual(20 + 7 + 3, new TunerOptions { Trials = 20, MinEpochs = 2, MaxEpochs = 18, IncludeDefault = false }.PlannedEvaluations(), "no default riding along");
        var plain = new TunerOptions { Trials = 7, MaxEpochs = 9, SuccessiveHalving = false };
        CollectionAssert.AreEqual(new[] { 9 }, plain.RungEpochs().ToArray());
        Assert.AreEqual(7, plain.PlannedEvaluations());
        Assert.AreEqual(1, new TunerOptions { Trials = 1, MinEpochs = 1, MaxEpochs = 9 }.PlannedEvaluations() - 2, "a lone default runs every rung (1, 3, 9)");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TunerOptions { MaxEpochs = 0 }.RungEpochs());
    }

    [TestMethod]
    public void KFoldAndPlainRandomSearchRun()
    {
        (PipelineConfig config, TabularData data) = BreastCancer.Value;
        TuningResult result = PipelineTuner.Run(config, data, new PipelineSearchSpace { Model = null }, new TunerOptions
        {
            Trials = 3, Seed = 5, MaxEpochs = 3, SuccessiveHalving = false, Evaluation = TrialEvaluation.KFold, Folds = 3,
        });
        Assert.AreEqual(3, result.Evaluations.Count);
        Assert.IsTrue(result.Evaluations.All(e => e.Epochs == 3 && e.Rung == 0));
        Assert.IsNull(result.BestModel, "k-fold keeps no single model");
        Assert.IsTrue(result.Best.Metric > 0.85, $"3-fold accuracy {result.Best.Metric}");
        Assert.IsTrue(result.Leaderboard.All(t => t.Config.Trainer.Model.Equals(config.Trainer.Model)), "no model space: the base model is kept");
    }

    [TestMethod]
    public void CancellationReturnsWhatFinished()
    {
        (PipelineConfig config, TabularData data) = BreastCancer.Value;
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(t =>
        {
            if (t.Trial == 1)
            {
                cts.Cancel();
            }
        });
        TuningResult result = PipelineTuner.Run(config, data, new PipelineSearchSpace(), new TunerOptions { Trials = 10, Seed = 1, MinEpochs = 1, MaxEpochs = 1 }, progress, cts.Token);
        Assert.AreEqual(SweepStopReason.Cancelled, result.StopReason);
        Assert.AreEqual(2, result.Evaluations.Count);
    }

    [TestMethod]
    [DataRow("zero budget", "MaxEpochs", DisplayName = "zero epoch budget")]
    [DataRow("negative time", "TimeBudget", DisplayName = "negative time budget")]
    [DataRow("no trials", "Trials", DisplayName = "zero trials")]
    [DataRow("one fold", "Folds", DisplayName = "one fold")]
    public void InvalidOptionsFailBeforeTraining(string @case, string parameter)
    {
        TunerOptions options = @case switch
        {
            "zero budget" => new TunerOptions { MaxEpochs = 0, MinEpochs = 0 },
            "negative time" => new TunerOptions { TimeBudget = TimeSpan.FromSeconds(-1) },
            "no trials" => new TunerOptions { Trials = 0 },
            _ => new TunerOptions { Folds = 1 },
        };
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PipelineTuner.Run(BreastCancer.Value.Config, BreastCancer.Value.Data, new PipelineSearchSpace(), options));
        Assert.AreEqual(parameter, ex.ParamName);
    }

    [TestMethod]
    public void EmptySpaceAndInvalidRangeFailWithClearMessages()
    {
        (PipelineConfig config, TabularData data) = BreastCancer.Value;
        var empty = Assert.ThrowsExactly<ArgumentException>(() => PipelineTuner.Run(config, data, new PipelineSearchSpace { Optimizers = Array.Empty<OptimizerSearchSpace>() }, new TunerOptions()));
        StringAssert.Contains(empty.Message, "no optimizer");

        var range = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PipelineSearchSpace
        {
            Optimizers = new OptimizerSearchSpace[] { new LionSearchSpace { LearningRate = new FloatRange("learning_rate", 1e-2, 1e-4, 1e-3, SearchScale.Log) } },
        });
        StringAssert.Contains(range.Message, "learning_rate");

        var badModel = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PipelineTuner.Run(config, data, new PipelineSearchSpace
        {
            Model = new ModelSearchSpace { BatchSize = new IntegerRange("batch_size", 0, 8, 4) },
        }, new TunerOptions()));
        StringAssert.Contains(badModel.Message, "batch_size");
    }

    private sealed class SyncProgress(Action<TrialResult> action) : IProgress<TrialResult>
    {
        public void Report(TrialResult value) => action(value);
    }
}
