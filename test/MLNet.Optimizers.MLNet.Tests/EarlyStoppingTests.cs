using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet.Tests;

// Honest early stopping: selection rows split off the training rows choose the epoch and are not trained on; real
// patience; the refit on all rows is exactly a run of the epoch count found.
[TestClass]
public sealed class EarlyStoppingTests
{
    [TestMethod]
    public void Selection_rows_are_a_stratified_split_that_chooses_the_epoch_and_is_not_trained_on()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = NativeModelTests.Prepared(ml, "binary");
        OptimizerTrainingReport? report = null;
        var o = new OptimizerTrainerOptions { Optimizer = new Lion(2e-3), NumberOfEpochs = 30, Seed = 9, TrainingCompleted = r => report = r };
        float[] split = ml.Optimizers().BinaryClassification.Linear(o).Fit(data).Model.SubModel.Weights.ToArray();
        Assert.IsNotNull(report);
        Assert.AreEqual(36 + 21, report!.SelectionRows, "10 % of each class of breast_cancer (357 benign, 212 malignant)");
        Assert.AreEqual(569 - 57, report.TrainingRows);
        Assert.IsTrue(report.SelectionSplit);
        Assert.AreEqual(TrainingDefaults.EpochRule, report.EpochRule);
        Assert.IsTrue(report.History.All(h => double.IsFinite(h.ValidationLoss)), "every epoch has a selection loss");
        int best = report.History.Select((h, i) => (h.ValidationLoss, i)).Aggregate((a, b) => b.ValidationLoss < a.ValidationLoss ? b : a).i + 1;
        Assert.AreEqual(best, report.KeptEpoch, "best_loss keeps the epoch of the lowest selection loss");

        // The same model as training on the other rows with the selection rows given explicitly: they chose the epoch only.
        float[] labels = data.GetColumn<bool>("Label").Select(b => b ? 1f : 0f).ToArray();
        (int[] train, int[] selection) = DataSplit.SelectionIndices(labels, TaskKind.BinaryClassification, 0.1, DeterministicRandom.Derive(9, 3));
        var explicitOptions = new OptimizerTrainerOptions { Optimizer = new Lion(2e-3), NumberOfEpochs = 30, Seed = 9, ValidationData = new RowSubsetDataView(data, RowSubsetDataView.Mask(labels.Length, selection)) };
        float[] given = ml.Optimizers().BinaryClassification.Linear(explicitOptions).Fit(new RowSubsetDataView(data, RowSubsetDataView.Mask(labels.Length, train))).Model.SubModel.Weights.ToArray();
        TestData.AssertBitsEqual(given, split, "split-off selection rows = the same rows given as ValidationData");
    }

    [TestMethod]
    public void Patience_stops_the_run_and_the_rule_picks_the_kept_epoch()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = NativeModelTests.Prepared(ml, "multiclass");
        OptimizerTrainingReport? report = null;
        // A large learning rate: the selection loss stops improving quickly.
        var o = new MlpTrainerOptions { Optimizer = new Lion(0.05), HiddenLayers = new[] { 32 }, NumberOfEpochs = 200, EarlyStoppingPatience = 4, SelectionFraction = 0.25, TrainingCompleted = r => report = r };
        ml.Optimizers().MulticlassClassification.Mlp(o).Fit(data);
        Assert.IsTrue(report!.StoppedEarly, $"stopped after {report.EpochsRun} epochs");
        Assert.IsLessThan(200, report.EpochsRun);
        Assert.AreEqual(report.EpochsRun - 4, report.KeptEpoch, "the best epoch, then 4 epochs without improvement");

        o.EpochRule = EpochRule.Last;
        ml.Optimizers().MulticlassClassification.Mlp(o).Fit(data);
        Assert.AreEqual(report.EpochsRun, report.KeptEpoch, "last keeps the last epoch run");

        o.SelectionFraction = 0;
        ml.Optimizers().MulticlassClassification.Mlp(o).Fit(data);
        Assert.AreEqual(200, report.EpochsRun, "no selection rows: every epoch, patience unused");
        Assert.AreEqual(0, report.SelectionRows);
        Assert.IsTrue(report.History.All(h => double.IsNaN(h.ValidationLoss)));
    }

    [TestMethod]
    public void Refit_trains_on_all_rows_for_the_epoch_count_found()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = NativeModelTests.Prepared(ml, "binary");
        OptimizerTrainingReport? report = null;
        var o = new OptimizerTrainerOptions { Optimizer = new Lion(2e-3), NumberOfEpochs = 25, RefitOnAllRows = true, TrainingCompleted = r => report = r };
        float[] refit = ml.Optimizers().BinaryClassification.Linear(o).Fit(data).Model.SubModel.Weights.ToArray();
        Assert.IsTrue(report!.Refit);
        Assert.AreEqual(569, report.RefitRows);
        int kept = report.KeptEpoch;
        var plain = new OptimizerTrainerOptions { Optimizer = new Lion(2e-3), NumberOfEpochs = kept, SelectionFraction = 0 };
        TestData.AssertBitsEqual(ml.Optimizers().BinaryClassification.Linear(plain).Fit(data).Model.SubModel.Weights.ToArray(), refit, $"the refit is a plain run of {kept} epochs on all rows");
        o.RefitOnAllRows = false;
        Assert.IsFalse(refit.SequenceEqual(ml.Optimizers().BinaryClassification.Linear(o).Fit(data).Model.SubModel.Weights.ToArray()), "without the refit, the model of the selection run");
    }

    [TestMethod]
    public void The_recommended_Mlp_needs_no_arguments_and_streaming_splits_the_same_rows()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = NativeModelTests.Prepared(ml, "multiclass");
        var chain = ml.Optimizers().MulticlassClassification.Mlp().Fit(data);
        Assert.IsGreaterThan(0.9, ml.MulticlassClassification.Evaluate(chain.Transform(data)).MicroAccuracy);
        OptimizerTrainingReport? a = null, b = null;
        float[] W(bool inMemory, Action<OptimizerTrainingReport> report)
        {
            var o = new OptimizerTrainerOptions { NumberOfEpochs = 3, Shuffle = false, MaterializeInMemory = inMemory, TrainingCompleted = report };
            var t = ml.Optimizers().MulticlassClassification.Linear(o).Fit(data);
            Microsoft.ML.Data.VBuffer<float>[] w = Array.Empty<Microsoft.ML.Data.VBuffer<float>>();
            t.Model.GetWeights(ref w, out int k);
            return w.Take(k).SelectMany(v => v.DenseValues()).ToArray();
        }

        TestData.AssertBitsEqual(W(true, r => a = r), W(false, r => b = r), "unshuffled, streaming and in memory split the same rows and train the same model");
        Assert.AreEqual(a!.SelectionRows, b!.SelectionRows);
    }
}
