using System;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>
/// Issue 14: Adafactor with Keras's defaults on one-hot data. A batch that lacks a category has an all-zero row in
/// the first kernel's gradient; a ReLU unit that no row of the batch activates has an all-zero column; where both
/// meet, Keras's factored second moment underflows to 0 and its update is 0/0. The library's default trains on.
/// Batches of 8 rows make both common within a few epochs (with 32 rows the same data needs far more steps).
/// </summary>
[TestClass]
public sealed class AdafactorOneHotTests
{
    private static readonly BlasProvider Blas = new ManagedBlasProvider();

    /// <summary>
    /// 2 numeric features and 3 categorical ones one-hot encoded (4 + 12 + 30 levels, the rarest seen in a few
    /// batches only), a target with a per-level effect: a small diamonds-like regression.
    /// </summary>
    internal static DenseTable OneHotRegression(int rows, ulong seed)
    {
        int[] levels = { 4, 12, 30 };
        int f = 2 + 4 + 12 + 30;
        var rng = new DeterministicRandom(seed);
        var x = new float[rows * f];
        var y = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            float a = (float)rng.NextGaussian(), b = (float)rng.NextGaussian();
            x[i * f] = a;
            x[(i * f) + 1] = b;
            double s = (1.5 * a) - (0.5 * b * b);
            int offset = 2;
            foreach (int k in levels)
            {
                // Skewed level frequencies: level j has weight 1 / (j + 1).
                double u = rng.NextDouble() * Harmonic(k), acc = 0;
                int level = k - 1;
                for (int j = 0; j < k; j++)
                {
                    acc += 1.0 / (j + 1);
                    if (u < acc)
                    {
                        level = j;
                        break;
                    }
                }

                x[(i * f) + offset + level] = 1f;
                s += Math.Sin(level * 1.3) * 0.8;
                offset += k;
            }

            y[i] = (float)(s + (0.1 * rng.NextGaussian()));
        }

        return new DenseTable(x, f, y);
    }

    private static double Harmonic(int k)
    {
        double h = 0;
        for (int j = 1; j <= k; j++)
        {
            h += 1.0 / j;
        }

        return h;
    }

    private static (NeuralModel Model, Exception? Error) Train(bool kerasZeroMoment)
    {
        DenseTable data = OneHotRegression(2000, 5);
        var model = new NeuralModel(data.FeatureCount, new ModelOptions { Task = TaskKind.Regression, HiddenLayers = new[] { 64 } }, seed: 1);
        var optimizer = new Adafactor { ZeroMomentNaN = kerasZeroMoment };
        try
        {
            Trainer.Fit(model, optimizer, new InMemoryBatchSource(data, 8, true, 3), null, new TrainerOptions { Epochs = 4, BatchSize = 8, Blas = Blas });
            return (model, null);
        }
        catch (TrainingDivergedException e)
        {
            return (model, e);
        }
    }

    /// <summary>Before: Keras's arithmetic (<see cref="Adafactor.ZeroMomentNaN"/>) diverges to NaN on this data.</summary>
    [TestMethod]
    public void KerasZeroMomentArithmetic_Diverges()
    {
        (NeuralModel model, Exception? error) = Train(kerasZeroMoment: true);
        Assert.IsInstanceOfType<TrainingDivergedException>(error, "Keras's 0/0 turns the first kernel into NaN");
        Assert.IsFalse(model.AllFinite());
    }

    /// <summary>After: Adafactor with Keras's defaults trains the same data to a finite model that fits it.</summary>
    [TestMethod]
    public void Defaults_TrainToAFiniteModel()
    {
        (NeuralModel model, Exception? error) = Train(kerasZeroMoment: false);
        Assert.IsNull(error, error?.Message);
        Assert.IsTrue(model.AllFinite());
        DenseTable data = OneHotRegression(2000, 5);
        (_, double r2) = Trainer.Evaluate(model, Blas, data, new float[data.RowCount]);
        Assert.IsGreaterThan(0.5, r2, $"training R² {r2}");
    }
}
