using System;
using Microsoft.ML.AutoML;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Tuning;

namespace MLNet.Optimizers.MLNet.AutoML;

/// <summary>The entry point of the AutoML sweepables: <c>mlContext.Auto().Optimizers()</c>.</summary>
public static class AutoCatalogOptimizersExtensions
{
    /// <summary>
    /// Sweepable estimators for the MLNet.Optimizers trainers, to append to a pipeline and tune with an
    /// <see cref="AutoMLExperiment"/>:
    /// <c>mlContext.Transforms.NormalizeMinMax("Features").Append(mlContext.Auto().Optimizers().BinaryClassification(new LionSearchSpace()))</c>.
    /// </summary>
    /// <param name="catalog">The AutoML catalog.</param>
    /// <returns>The catalog of sweepable estimators.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> is null.</exception>
    public static OptimizerSweepableCatalog Optimizers(this AutoCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return OptimizerSweepableCatalog.Instance;
    }
}

/// <summary>
/// Sweepable estimators by task. Each takes an optimizer search space (<see cref="LionSearchSpace"/>,
/// <see cref="AdafactorSearchSpace"/>, <see cref="AdamWSearchSpace"/>, <see cref="SgdSearchSpace"/>), a model search
/// space (null: <see cref="DefaultModelSpace"/>; <see cref="LinearModelSpace"/> for linear models only) and the fixed
/// settings. The spaces are checked when the estimator is made, so a bad space fails there, naming the range.
/// </summary>
public sealed class OptimizerSweepableCatalog
{
    internal static readonly OptimizerSweepableCatalog Instance = new();

    private OptimizerSweepableCatalog()
    {
    }

    /// <summary>
    /// The default model space: <see cref="ModelSearchSpace"/>'s batch size, hidden width and depth (depth 0 is a
    /// linear model) and activations (relu, tanh: those the bridge's MLP can export to ML.NET).
    /// </summary>
    public static ModelSearchSpace DefaultModelSpace => new();

    /// <summary>Linear models only: the batch size is searched, no hidden layers.</summary>
    public static ModelSearchSpace LinearModelSpace => new()
    {
        HiddenWidth = null,
        HiddenDepth = null,
        Activation = null,
    };

    /// <summary>Regression (float label): linear regression or an MLP.</summary>
    /// <param name="optimizerSpace">The optimizer's search space.</param>
    /// <param name="modelSpace">The model search space (null: <see cref="DefaultModelSpace"/>).</param>
    /// <param name="options">Fixed settings (null: defaults).</param>
    /// <returns>The sweepable estimator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="optimizerSpace"/> is null.</exception>
    /// <exception cref="ArgumentException">A space or setting is invalid (the message names it and the value).</exception>
    public OptimizerSweepableEstimator Regression(OptimizerSearchSpace optimizerSpace, ModelSearchSpace? modelSpace = null, OptimizerSweepableOptions? options = null)
        => OptimizerSweepableEstimator.Create(TaskKind.Regression, optimizerSpace, modelSpace ?? DefaultModelSpace, options ?? new OptimizerSweepableOptions());

    /// <summary>Binary classification (bool label): logistic regression or an MLP.</summary>
    /// <param name="optimizerSpace">The optimizer's search space.</param>
    /// <param name="modelSpace">The model search space (null: <see cref="DefaultModelSpace"/>).</param>
    /// <param name="options">Fixed settings (null: defaults).</param>
    /// <returns>The sweepable estimator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="optimizerSpace"/> is null.</exception>
    /// <exception cref="ArgumentException">A space or setting is invalid (the message names it and the value).</exception>
    public OptimizerSweepableEstimator BinaryClassification(OptimizerSearchSpace optimizerSpace, ModelSearchSpace? modelSpace = null, OptimizerSweepableOptions? options = null)
        => OptimizerSweepableEstimator.Create(TaskKind.BinaryClassification, optimizerSpace, modelSpace ?? DefaultModelSpace, options ?? new OptimizerSweepableOptions());

    /// <summary>Multiclass classification (key label, e.g. from <c>MapValueToKey</c>): softmax regression or an MLP.</summary>
    /// <param name="optimizerSpace">The optimizer's search space.</param>
    /// <param name="modelSpace">The model search space (null: <see cref="DefaultModelSpace"/>).</param>
    /// <param name="options">Fixed settings (null: defaults).</param>
    /// <returns>The sweepable estimator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="optimizerSpace"/> is null.</exception>
    /// <exception cref="ArgumentException">A space or setting is invalid (the message names it and the value).</exception>
    public OptimizerSweepableEstimator MulticlassClassification(OptimizerSearchSpace optimizerSpace, ModelSearchSpace? modelSpace = null, OptimizerSweepableOptions? options = null)
        => OptimizerSweepableEstimator.Create(TaskKind.MulticlassClassification, optimizerSpace, modelSpace ?? DefaultModelSpace, options ?? new OptimizerSweepableOptions());
}
