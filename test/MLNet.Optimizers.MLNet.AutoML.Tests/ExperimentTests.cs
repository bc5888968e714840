using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.AutoML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Tuning;
using TrialResult = Microsoft.ML.AutoML.TrialResult;

namespace MLNet.Optimizers.MLNet.AutoML.Tests;

/// <summary>Short AutoML experiments on breast_cancer with the sweepables after a Concatenate/Normalize pipeline.</summary>
[TestClass]
public sealed class ExperimentTests
{
    [TestMethod]
    public void AutoMLExperimentTunesLionAndReturnsATrainedModel()
    {
        var ml = new MLContext(seed: 3);
        Run run = RunExperiment(ml, tunerSeed: null, trials: 5);

        Console.WriteLine($"best validation accuracy {run.Best.Metric:F4} after {run.Monitor.Completed.Count} trials; trial times (ms): {string.Join(", ", run.Monitor.Completed.Select(t => t.DurationInMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.HasCount(5, run.Monitor.Completed, "completed trials");
        Assert.IsEmpty(run.Monitor.Failed, "failed trials: " + string.Join("; ", run.Monitor.Failed));
        Assert.IsNotNull(run.Best.Model);
        Assert.IsGreaterThan(0.9, run.Best.Metric, $"best validation accuracy {run.Best.Metric}");
        Assert.AreEqual(run.Monitor.Completed.Max(t => t.Metric), run.Best.Metric, "the best trial is the best completed one");

        // The returned model is the whole pipeline (concatenate, normalize, trained model): scoring the raw
        // validation rows reproduces the reported metric.
        BinaryClassificationMetrics m = ml.BinaryClassification.Evaluate(run.Best.Model.Transform(run.Validation));
        Assert.AreEqual(run.Best.Metric, m.Accuracy, 1e-12, "accuracy of the returned model on the validation rows");

        // Every trial's parameter reads back as a point of the Lion space and of the model space.
        foreach (TrialResult t in run.Monitor.Completed)
        {
            var p = t.TrialSettings.Parameter["_pipeline_"][run.Key];
            var point = run.Sweepable.ReadOptimizerPoint(p);
            Assert.IsNotNull(new LionSearchSpace().CreateOptimizer(point));
            Assert.IsNotNull(run.Sweepable.ReadModelPoint(p)["batch_size"]);
        }
    }

    [TestMethod]
    public void SameSeedSameTrialSequence()
    {
        Run a = RunExperiment(new MLContext(seed: 5), tunerSeed: 11, trials: 4);
        Run b = RunExperiment(new MLContext(seed: 5), tunerSeed: 11, trials: 4);
        Run c = RunExperiment(new MLContext(seed: 5), tunerSeed: 12, trials: 4);

        CollectionAssert.AreEqual(a.Points(), b.Points(), "same seed: same parameters, trial by trial");
        CollectionAssert.AreEqual(a.Monitor.Completed.Select(t => t.Metric).ToArray(), b.Monitor.Completed.Select(t => t.Metric).ToArray(), "same seed: same metrics");
        CollectionAssert.AreNotEqual(a.Points(), c.Points(), "another seed: other parameters");
        Assert.HasCount(4, a.Points().Distinct().ToArray(), "four distinct trials");
    }

    private static Run RunExperiment(MLContext ml, int? tunerSeed, int trials)
    {
        IDataView data = TestData.BreastCancerColumns(ml, out string[] features);
        DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 7);
        OptimizerSweepableEstimator sweepable = ml.Auto().Optimizers().BinaryClassification(
            new LionSearchSpace(),
            OptimizerSweepableCatalog.DefaultModelSpace,
            new OptimizerSweepableOptions { NumberOfEpochs = 8 });
        SweepablePipeline pipeline = ml.Transforms.Concatenate("Features", features)
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(sweepable);
        string key = pipeline.Estimators.Single(kv => kv.Value is OptimizerSweepableEstimator).Key;

        var monitor = new RecordingMonitor();
        AutoMLExperiment experiment = ml.Auto().CreateExperiment(new AutoMLExperiment.AutoMLExperimentSettings { Seed = 1 })
            .SetPipeline(pipeline)
            .SetDataset(split)
            .SetBinaryClassificationMetric(BinaryClassificationMetric.Accuracy, labelColumn: "Label")
            .SetMaxModelToExplore(trials)
            .SetTrainingTimeInSeconds(300)
            .SetMonitor(monitor);
        if (tunerSeed is int s)
        {
            experiment.SetRandomSearchTuner(s);
        }

        TrialResult best = experiment.Run();
        return new Run(best, monitor, sweepable, key, split.TestSet);
    }

    private sealed record Run(TrialResult Best, RecordingMonitor Monitor, OptimizerSweepableEstimator Sweepable, string Key, IDataView Validation)
    {
        public string[] Points() => Monitor.Completed
            .Select(t => t.TrialSettings.Parameter["_pipeline_"][Key])
            .Select(p => Sweepable.ReadOptimizerPoint(p).ToJsonString() + Sweepable.ReadModelPoint(p).ToJsonString())
            .ToArray();
    }

    private sealed class RecordingMonitor : IMonitor
    {
        public List<TrialResult> Completed { get; } = new();

        public List<string> Failed { get; } = new();

        public void ReportBestTrial(TrialResult result)
        {
        }

        public void ReportCompletedTrial(TrialResult result) => Completed.Add(result);

        public void ReportFailTrial(TrialSettings settings, Exception? exception = null) => Failed.Add($"trial {settings.TrialId}: {exception}");

        public void ReportRunningTrial(TrialSettings settings)
        {
        }
    }
}
