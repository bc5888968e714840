using System;
using System.Collections.Generic;
using Microsoft.ML;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet;

/// <summary>The entry point of the ML.NET bridge: <c>mlContext.Optimizers()</c>.</summary>
public static class MLContextOptimizersExtensions
{
    /// <summary>
    /// Trainers driven by MLNet.Optimizers optimizers (Lion, Adafactor, SGD, AdamW):
    /// <c>mlContext.Optimizers().Regression.Linear(new Lion(1e-3))</c>,
    /// <c>mlContext.Optimizers().MulticlassClassification.Mlp(new Adafactor(), new[] { 64, 64 })</c>, ...
    /// (ML.NET's own catalogs cannot be extended with access to the context, so the entry point hangs off <see cref="MLContext"/>.)
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <returns>The catalog.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="mlContext"/> is null.</exception>
    public static OptimizersCatalog Optimizers(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new OptimizersCatalog(mlContext);
    }
}

/// <summary>Trainers by task, each with a linear and an MLP model.</summary>
public sealed class OptimizersCatalog
{
    internal OptimizersCatalog(MLContext mlContext)
    {
        Regression = new OptimizerRegressionTrainers(mlContext);
        BinaryClassification = new OptimizerBinaryClassificationTrainers(mlContext);
        MulticlassClassification = new OptimizerMulticlassClassificationTrainers(mlContext);
    }

    /// <summary>Regression trainers (label: <see cref="float"/>).</summary>
    public OptimizerRegressionTrainers Regression { get; }

    /// <summary>Binary classification trainers (label: <see cref="bool"/>).</summary>
    public OptimizerBinaryClassificationTrainers BinaryClassification { get; }

    /// <summary>Multiclass classification trainers (label: a key, e.g. from <c>MapValueToKey</c>).</summary>
    public OptimizerMulticlassClassificationTrainers MulticlassClassification { get; }
}

/// <summary>Shared argument handling of the task catalogs.</summary>
public abstract class OptimizerTaskTrainers
{
    private protected OptimizerTaskTrainers(MLContext mlContext) => Context = mlContext;

    private protected MLContext Context { get; }

    private protected static OptimizerTrainerOptions Simple(Optimizer optimizer, string labelColumnName, string featureColumnName, string? exampleWeightColumnName, int numberOfEpochs, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return new OptimizerTrainerOptions
        {
            Optimizer = optimizer,
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            ExampleWeightColumnName = exampleWeightColumnName,
            NumberOfEpochs = numberOfEpochs,
            BatchSize = batchSize,
        };
    }

    private protected static MlpTrainerOptions SimpleMlp(Optimizer optimizer, IReadOnlyList<int>? hiddenLayers, Activation activation, string labelColumnName, string featureColumnName, string? exampleWeightColumnName, int numberOfEpochs, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var o = new MlpTrainerOptions
        {
            Optimizer = optimizer,
            Activation = activation,
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            ExampleWeightColumnName = exampleWeightColumnName,
            NumberOfEpochs = numberOfEpochs,
            BatchSize = batchSize,
        };
        if (hiddenLayers != null)
        {
            o.HiddenLayers = hiddenLayers;
        }

        return o;
    }
}

/// <summary>Regression trainers.</summary>
public sealed class OptimizerRegressionTrainers : OptimizerTaskTrainers
{
    internal OptimizerRegressionTrainers(MLContext mlContext)
        : base(mlContext)
    {
    }

    /// <summary>Linear regression (squared loss).</summary>
    /// <param name="optimizer">Any MLNet.Optimizers optimizer (a template: each fit uses a fresh copy).</param>
    /// <param name="labelColumnName">The <see cref="float"/> label column.</param>
    /// <param name="featureColumnName">The known-size <see cref="float"/> vector feature column.</param>
    /// <param name="exampleWeightColumnName">An optional <see cref="float"/> weight column.</param>
    /// <param name="numberOfEpochs">Passes over the data (at most: by default early stopping on selection rows split off the data ends sooner; see <see cref="OptimizerTrainerOptions.SelectionFraction"/>).</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">An argument is null, empty or out of range (named in the exception).</exception>
    public OptimizerRegressionTrainer Linear(Optimizer optimizer, string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null, int numberOfEpochs = TrainingDefaults.Epochs, int batchSize = TrainingDefaults.BatchSize)
        => new(Context, Simple(optimizer, labelColumnName, featureColumnName, exampleWeightColumnName, numberOfEpochs, batchSize));

    /// <summary>Linear regression with all options.</summary>
    /// <param name="options">The options (copied).</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">An option is out of range (named in the exception).</exception>
    public OptimizerRegressionTrainer Linear(OptimizerTrainerOptions options) => new(Context, options);

    /// <summary>MLP regression.</summary>
    /// <param name="optimizer">Any MLNet.Optimizers optimizer (a template: each fit uses a fresh copy).</param>
    /// <param name="hiddenLayers">Hidden layer widths (null: <see cref="TrainingDefaults.HiddenLayers"/>).</param>
    /// <param name="activation">ReLU, Tanh or Sigmoid.</param>
    /// <param name="labelColumnName">The <see cref="float"/> label column.</param>
    /// <param name="featureColumnName">The known-size <see cref="float"/> vector feature column.</param>
    /// <param name="exampleWeightColumnName">An optional <see cref="float"/> weight column.</param>
    /// <param name="numberOfEpochs">Passes over the data (at most: by default early stopping on selection rows split off the data ends sooner; see <see cref="OptimizerTrainerOptions.SelectionFraction"/>).</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">An argument is null, empty or out of range (named in the exception).</exception>
    public OptimizerMlpTrainer Mlp(Optimizer optimizer, IReadOnlyList<int>? hiddenLayers = null, Activation activation = Activation.ReLU, string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null, int numberOfEpochs = TrainingDefaults.Epochs, int batchSize = TrainingDefaults.BatchSize)
        => new(Context, SimpleMlp(optimizer, hiddenLayers, activation, labelColumnName, featureColumnName, exampleWeightColumnName, numberOfEpochs, batchSize), TaskKind.Regression);

    /// <summary>MLP regression with all options.</summary>
    /// <param name="options">The options (copied).</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">An option is out of range (named in the exception).</exception>
    public OptimizerMlpTrainer Mlp(MlpTrainerOptions options) => new(Context, options, TaskKind.Regression);

    /// <summary>
    /// The recommended MLP (<see cref="TrainingDefaults"/>: hidden layers, activation, dropout, optimizer, epochs with
    /// early stopping on selection rows split off the data), the same as <c>Mlp(new MlpTrainerOptions())</c>.
    /// </summary>
    /// <param name="labelColumnName">The <see cref="float"/> label column.</param>
    /// <param name="featureColumnName">The known-size <see cref="float"/> vector feature column.</param>
    /// <param name="exampleWeightColumnName">An optional <see cref="float"/> weight column.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">A column name is empty.</exception>
    public OptimizerMlpTrainer Mlp(string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null)
        => new(Context, new MlpTrainerOptions { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, ExampleWeightColumnName = exampleWeightColumnName }, TaskKind.Regression);
}

/// <summary>Binary classification trainers.</summary>
public sealed class OptimizerBinaryClassificationTrainers : OptimizerTaskTrainers
{
    internal OptimizerBinaryClassificationTrainers(MLContext mlContext)
        : base(mlContext)
    {
    }

    /// <summary>Logistic regression.</summary>
    /// <param name="optimizer">Any MLNet.Optimizers optimizer (a template: each fit uses a fresh copy).</param>
    /// <param name="labelColumnName">The <see cref="bool"/> label column.</param>
    /// <param name="featureColumnName">The known-size <see cref="float"/> vector feature column.</param>
    /// <param name="exampleWeightColumnName">An optional <see cref="float"/> weight column.</param>
    /// <param name="numberOfEpochs">Passes over the data (at most: by default early stopping on selection rows split off the data ends sooner; see <see cref="OptimizerTrainerOptions.SelectionFraction"/>).</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">An argument is null, empty or out of range (named in the exception).</exception>
    public OptimizerBinaryTrainer Linear(Optimizer optimizer, string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null, int numberOfEpochs = TrainingDefaults.Epochs, int batchSize = TrainingDefaults.BatchSize)
        => new(Context, Simple(optimizer, labelColumnName, featureColumnName, exampleWeightColumnName, numberOfEpochs, batchSize));

    /// <summary>Logistic regression with all options.</summary>
    /// <param name="options">The options (copied).</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">An option is out of range (named in the exception).</exception>
    public OptimizerBinaryTrainer Linear(OptimizerTrainerOptions options) => new(Context, options);

    /// <summary>MLP binary classifier.</summary>
    /// <param name="optimizer">Any MLNet.Optimizers optimizer (a template: each fit uses a fresh copy).</param>
    /// <param name="hiddenLayers">Hidden layer widths (null: <see cref="TrainingDefaults.HiddenLayers"/>).</param>
    /// <param name="activation">ReLU, Tanh or Sigmoid.</param>
    /// <param name="labelColumnName">The <see cref="bool"/> label column.</param>
    /// <param name="featureColumnName">The known-size <see cref="float"/> vector feature column.</param>
    /// <param name="exampleWeightColumnName">An optional <see cref="float"/> weight column.</param>
    /// <param name="numberOfEpochs">Passes over the data (at most: by default early stopping on selection rows split off the data ends sooner; see <see cref="OptimizerTrainerOptions.SelectionFraction"/>).</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">An argument is null, empty or out of range (named in the exception).</exception>
    public OptimizerMlpTrainer Mlp(Optimizer optimizer, IReadOnlyList<int>? hiddenLayers = null, Activation activation = Activation.ReLU, string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null, int numberOfEpochs = TrainingDefaults.Epochs, int batchSize = TrainingDefaults.BatchSize)
        => new(Context, SimpleMlp(optimizer, hiddenLayers, activation, labelColumnName, featureColumnName, exampleWeightColumnName, numberOfEpochs, batchSize), TaskKind.BinaryClassification);

    /// <summary>MLP binary classifier with all options.</summary>
    /// <param name="options">The options (copied).</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">An option is out of range (named in the exception).</exception>
    public OptimizerMlpTrainer Mlp(MlpTrainerOptions options) => new(Context, options, TaskKind.BinaryClassification);

    /// <summary>
    /// The recommended MLP (<see cref="TrainingDefaults"/>: hidden layers, activation, dropout, optimizer, epochs with
    /// early stopping on selection rows split off the data), the same as <c>Mlp(new MlpTrainerOptions())</c>.
    /// </summary>
    /// <param name="labelColumnName">The <see cref="bool"/> label column.</param>
    /// <param name="featureColumnName">The known-size <see cref="float"/> vector feature column.</param>
    /// <param name="exampleWeightColumnName">An optional <see cref="float"/> weight column.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">A column name is empty.</exception>
    public OptimizerMlpTrainer Mlp(string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null)
        => new(Context, new MlpTrainerOptions { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, ExampleWeightColumnName = exampleWeightColumnName }, TaskKind.BinaryClassification);
}

/// <summary>Multiclass classification trainers.</summary>
public sealed class OptimizerMulticlassClassificationTrainers : OptimizerTaskTrainers
{
    internal OptimizerMulticlassClassificationTrainers(MLContext mlContext)
        : base(mlContext)
    {
    }

    /// <summary>Softmax (multinomial logistic) regression.</summary>
    /// <param name="optimizer">Any MLNet.Optimizers optimizer (a template: each fit uses a fresh copy).</param>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <param name="featureColumnName">The known-size <see cref="float"/> vector feature column.</param>
    /// <param name="exampleWeightColumnName">An optional <see cref="float"/> weight column.</param>
    /// <param name="numberOfEpochs">Passes over the data (at most: by default early stopping on selection rows split off the data ends sooner; see <see cref="OptimizerTrainerOptions.SelectionFraction"/>).</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">An argument is null, empty or out of range (named in the exception).</exception>
    public OptimizerMulticlassTrainer Linear(Optimizer optimizer, string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null, int numberOfEpochs = TrainingDefaults.Epochs, int batchSize = TrainingDefaults.BatchSize)
        => new(Context, Simple(optimizer, labelColumnName, featureColumnName, exampleWeightColumnName, numberOfEpochs, batchSize));

    /// <summary>Softmax regression with all options.</summary>
    /// <param name="options">The options (copied).</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">An option is out of range (named in the exception).</exception>
    public OptimizerMulticlassTrainer Linear(OptimizerTrainerOptions options) => new(Context, options);

    /// <summary>MLP multiclass classifier.</summary>
    /// <param name="optimizer">Any MLNet.Optimizers optimizer (a template: each fit uses a fresh copy).</param>
    /// <param name="hiddenLayers">Hidden layer widths (null: <see cref="TrainingDefaults.HiddenLayers"/>).</param>
    /// <param name="activation">ReLU, Tanh or Sigmoid.</param>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <param name="featureColumnName">The known-size <see cref="float"/> vector feature column.</param>
    /// <param name="exampleWeightColumnName">An optional <see cref="float"/> weight column.</param>
    /// <param name="numberOfEpochs">Passes over the data (at most: by default early stopping on selection rows split off the data ends sooner; see <see cref="OptimizerTrainerOptions.SelectionFraction"/>).</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">An argument is null, empty or out of range (named in the exception).</exception>
    public OptimizerMlpTrainer Mlp(Optimizer optimizer, IReadOnlyList<int>? hiddenLayers = null, Activation activation = Activation.ReLU, string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null, int numberOfEpochs = TrainingDefaults.Epochs, int batchSize = TrainingDefaults.BatchSize)
        => new(Context, SimpleMlp(optimizer, hiddenLayers, activation, labelColumnName, featureColumnName, exampleWeightColumnName, numberOfEpochs, batchSize), TaskKind.MulticlassClassification);

    /// <summary>MLP multiclass classifier with all options.</summary>
    /// <param name="options">The options (copied).</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">An option is out of range (named in the exception).</exception>
    public OptimizerMlpTrainer Mlp(MlpTrainerOptions options) => new(Context, options, TaskKind.MulticlassClassification);

    /// <summary>
    /// The recommended MLP (<see cref="TrainingDefaults"/>: hidden layers, activation, dropout, optimizer, epochs with
    /// early stopping on selection rows split off the data), the same as <c>Mlp(new MlpTrainerOptions())</c>.
    /// </summary>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <param name="featureColumnName">The known-size <see cref="float"/> vector feature column.</param>
    /// <param name="exampleWeightColumnName">An optional <see cref="float"/> weight column.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentException">A column name is empty.</exception>
    public OptimizerMlpTrainer Mlp(string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null)
        => new(Context, new MlpTrainerOptions { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, ExampleWeightColumnName = exampleWeightColumnName }, TaskKind.MulticlassClassification);
}
