using System;
using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet;

/// <summary>Trains a <see cref="NeuralModel"/> on an <see cref="IDataView"/> with the Training layer's <see cref="Trainer"/>.</summary>
internal static class BridgeEngine
{
    /// <summary>The stock ML.NET trainer of the same task whose output schema, validation and info the bridge's trainers share.</summary>
    internal static IEstimator<ITransformer> StockEstimator(MLContext ml, TaskKind task, OptimizerTrainerOptions o) => task switch
    {
        TaskKind.Regression => ml.Regression.Trainers.Sdca(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName),
        TaskKind.BinaryClassification => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName),
        _ => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName),
    };

    /// <summary>The stock trainer's <see cref="TrainerInfo"/>.</summary>
    internal static TrainerInfo StockInfo(MLContext ml, TaskKind task, OptimizerTrainerOptions o) => task switch
    {
        TaskKind.Regression => ml.Regression.Trainers.Sdca(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName).Info,
        TaskKind.BinaryClassification => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName).Info,
        _ => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName).Info,
    };

    /// <summary>Trains a model with <paramref name="hiddenLayers"/> on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentException">A column is missing or has the wrong type, or a bad value.</exception>
    internal static NeuralModel Train(MLContext ml, IDataView input, OptimizerTrainerOptions o, TaskKind task, IReadOnlyList<int> hiddenLayers, Activation activation, double dropout)
    {
        ArgumentNullException.ThrowIfNull(input);

        // ML.NET's own checks of the label, feature and weight columns (types, sizes), with ML.NET's messages.
        StockEstimator(ml, task, o).GetOutputSchema(SchemaShapes.Of(input.Schema));

        using var source = new DataViewBatchSource(input, o.FeatureColumnName, o.LabelColumnName, o.ExampleWeightColumnName, task, o.Shuffle && !o.MaterializeInMemory, DeterministicRandom.Derive(o.Seed, 1), o.ShuffleBufferRows);
        var modelOptions = new ModelOptions
        {
            Task = task,
            ClassCount = task == TaskKind.MulticlassClassification ? source.ClassCount : 2,
            HiddenLayers = hiddenLayers,
            Activation = activation,
            Dropout = dropout,
            Initializer = o.Initializer,
            RegressionLoss = o.RegressionLoss,
            HuberDelta = o.HuberDelta,
        };
        var model = new NeuralModel(source.FeatureCount, modelOptions, DeterministicRandom.Derive(o.Seed, 0));
        DenseTable? validation = null;
        if (o.ValidationData != null)
        {
            using var v = new DataViewBatchSource(o.ValidationData, o.FeatureColumnName, o.LabelColumnName, o.ExampleWeightColumnName, task, false, 0, 1);
            if (v.FeatureCount != source.FeatureCount || v.ClassCount != source.ClassCount)
            {
                throw new ArgumentException($"ValidationData has {v.FeatureCount} features and {v.ClassCount} classes; the training data has {source.FeatureCount} and {source.ClassCount}.", nameof(o.ValidationData));
            }

            validation = v.ReadAll();
        }

        var trainerOptions = new TrainerOptions
        {
            Epochs = o.NumberOfEpochs,
            BatchSize = o.BatchSize,
            Seed = DeterministicRandom.Derive(o.Seed, 2),
            EarlyStoppingPatience = o.EarlyStoppingPatience,
            RestoreBestWeights = true,
            Blas = o.Blas,
        };
        Optimizer optimizer = o.CreateOptimizer();
        if (o.MaterializeInMemory)
        {
            DenseTable table = source.ReadAll();
            Trainer.Fit(model, optimizer, new InMemoryBatchSource(table, o.BatchSize, o.Shuffle, DeterministicRandom.Derive(o.Seed, 1)), validation, trainerOptions, o.Progress);
        }
        else
        {
            Trainer.Fit(model, optimizer, source, validation, trainerOptions, o.Progress);
        }

        return model;
    }

    /// <summary>Layer <paramref name="layer"/>'s kernel transposed to class-major (outputs × inputs), as ML.NET's multiclass models store it.</summary>
    internal static float[] ClassMajorKernel(NeuralModel model, int layer, out int inputs, out int outputs)
    {
        Parameter kernel = model.Parameters[2 * layer];
        inputs = kernel.Shape[0];
        outputs = kernel.Shape[1];
        ReadOnlySpan<float> k = kernel.Value.Span;
        var t = new float[k.Length];
        for (int i = 0; i < inputs; i++)
        {
            for (int j = 0; j < outputs; j++)
            {
                t[(j * inputs) + i] = k[(i * outputs) + j];
            }
        }

        return t;
    }

    /// <summary>Layer <paramref name="layer"/>'s bias.</summary>
    internal static float[] Bias(NeuralModel model, int layer) => model.Parameters[(2 * layer) + 1].Value.ToArray();
}
