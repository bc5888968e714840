using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>
/// An estimator chain (ML.NET's <c>EstimatorChain</c>): a data schema, featurizers and a trainer. Build it in code with
/// <see cref="Append(FeaturizerEstimator)"/> or from a <see cref="PipelineConfig"/> with <see cref="FromConfig"/> — the
/// two are interchangeable (<see cref="ToConfig"/> gives the configuration of a code-built chain). <see cref="Fit"/>
/// returns a <see cref="PipelineModel"/>, the transformer chain. Immutable: <c>Append</c> returns a new pipeline.
/// </summary>
/// <example>
/// <code>
/// var pipeline = new Pipeline(DataConfig.InferFromCsv("diamonds.csv", "price"), seed: 42)
///     .Append(new OneHotEncodingEstimator())
///     .Append(new NormalizingEstimator(NormalizerKind.MinMax))
///     .Append(new NeuralTrainerEstimator(ModelConfig.Mlp(Activation.ReLU, 64), new Lion(1e-3), epochs: 20));
/// PipelineModel model = pipeline.Fit(pipeline.LoadData("diamonds.csv"));
/// </code>
/// </example>
public sealed class Pipeline
{
    private readonly DataConfig _data;
    private readonly FeaturizerEstimator[] _featurizers;

    /// <summary>Creates an empty chain over a data schema.</summary>
    /// <param name="data">The data schema (copied).</param>
    /// <param name="seed">The pipeline seed.</param>
    /// <exception cref="PipelineConfigException">The data schema is invalid (paths under <c>$.data</c>).</exception>
    public Pipeline(DataConfig data, ulong seed = PipelineDefaults.Seed)
        : this(Checked(data), seed, Array.Empty<FeaturizerEstimator>(), null, null)
    {
    }

    private Pipeline(DataConfig data, ulong seed, FeaturizerEstimator[] featurizers, NeuralTrainerEstimator? trainer, BlasProvider? blas)
    {
        _data = data;
        Seed = seed;
        _featurizers = featurizers;
        Trainer = trainer;
        Blas = blas;
    }

    /// <summary>The data schema (a copy).</summary>
    public DataConfig Data => _data.Clone();

    /// <summary>The pipeline seed.</summary>
    public ulong Seed { get; }

    /// <summary>The featurizers, in order.</summary>
    public IReadOnlyList<FeaturizerEstimator> Featurizers => Array.AsReadOnly(_featurizers);

    /// <summary>The trainer, or null before one is appended.</summary>
    public NeuralTrainerEstimator? Trainer { get; }

    /// <summary>The compute provider used for training and by the fitted model; null: <see cref="BlasProviders.Default"/>.</summary>
    public BlasProvider? Blas { get; }

    /// <summary>Builds the chain a configuration describes.</summary>
    /// <param name="config">The configuration (validated, then copied).</param>
    /// <returns>The pipeline.</returns>
    /// <exception cref="PipelineConfigException">The configuration is invalid.</exception>
    public static Pipeline FromConfig(PipelineConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        PipelineConfig c = config.Clone();
        return new Pipeline(c.Data, c.Seed, c.Featurizers.Select(f => f.CreateEstimator()).ToArray(), new NeuralTrainerEstimator(c.Trainer), null);
    }

    /// <summary>Appends a featurizer (ML.NET's <c>Append</c>).</summary>
    /// <param name="featurizer">The featurizer.</param>
    /// <returns>A new pipeline.</returns>
    /// <exception cref="InvalidOperationException">A trainer was already appended (it must be last).</exception>
    public Pipeline Append(FeaturizerEstimator featurizer)
    {
        ArgumentNullException.ThrowIfNull(featurizer);
        if (Trainer != null)
        {
            throw new InvalidOperationException("The trainer must be the last step; append featurizers before it.");
        }

        return new Pipeline(_data, Seed, _featurizers.Append(featurizer).ToArray(), null, Blas);
    }

    /// <summary>Appends the trainer, which ends the chain.</summary>
    /// <param name="trainer">The trainer.</param>
    /// <returns>A new pipeline.</returns>
    /// <exception cref="InvalidOperationException">A trainer was already appended.</exception>
    public Pipeline Append(NeuralTrainerEstimator trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        if (Trainer != null)
        {
            throw new InvalidOperationException("The pipeline already has a trainer; a pipeline has exactly one, at the end.");
        }

        return new Pipeline(_data, Seed, _featurizers, trainer, Blas);
    }

    /// <summary>The same pipeline with another compute provider (not part of the configuration: results are bit-identical only with the same provider).</summary>
    /// <param name="blas">The provider, or null for <see cref="BlasProviders.Default"/>.</param>
    /// <returns>A new pipeline.</returns>
    public Pipeline WithBlas(BlasProvider? blas) => new(_data, Seed, _featurizers, Trainer, blas);

    /// <summary>The configuration that describes this chain (validated).</summary>
    /// <returns>A new configuration; <see cref="FromConfig"/> of it fits bit-identically to this pipeline.</returns>
    /// <exception cref="InvalidOperationException">No trainer was appended.</exception>
    /// <exception cref="PipelineConfigException">The chain does not fit the data schema, or a setting is invalid.</exception>
    public PipelineConfig ToConfig()
    {
        if (Trainer is null)
        {
            throw new InvalidOperationException("The pipeline has no trainer; Append a NeuralTrainerEstimator before fitting it or turning it into a config.");
        }

        var c = new PipelineConfig
        {
            Seed = Seed,
            Data = _data.Clone(),
            Featurizers = _featurizers.Select(f => f.ToConfig()).ToList(),
            Trainer = Trainer.ToConfig(),
        };
        c.Validate();
        return c;
    }

    /// <summary>Loads a CSV file with this pipeline's data schema (<see cref="TabularData.LoadCsv"/>).</summary>
    /// <param name="path">The CSV file.</param>
    /// <returns>The table.</returns>
    /// <exception cref="CsvFormatException">The file does not match the schema.</exception>
    public TabularData LoadData(string path) => TabularData.LoadCsv(path, _data);

    /// <summary>
    /// Fits the chain: checks the configuration and the data first (nothing is trained when either is wrong), holds out
    /// <see cref="TrainerConfig.ValidationFraction"/> of the rows when set (seeded; featurizers never see them), fits
    /// each featurizer on the output of the previous one, then trains the model.
    /// </summary>
    /// <param name="data">The training table (label required; columns as the data schema declares them).</param>
    /// <param name="validation">Separate validation data for early stopping and progress reports, or null (not together with a validation fraction).</param>
    /// <param name="progress">Progress reports, or null.</param>
    /// <param name="cancellationToken">Cancels between training steps.</param>
    /// <returns>The fitted transformer chain.</returns>
    /// <exception cref="PipelineConfigException">The configuration is invalid.</exception>
    /// <exception cref="InvalidOperationException">No trainer was appended.</exception>
    /// <exception cref="ArgumentException">The data does not match the schema (a column absent, undeclared or of another type, no label), a value the chain cannot take (a missing feature value without replace_missing, a missing label), a binary label without exactly two values, or early stopping without validation data.</exception>
    /// <exception cref="TrainingDivergedException">Training produced non-finite weights.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public PipelineModel Fit(TabularData data, TabularData? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        PipelineConfig config = ToConfig();
        DataConfig schema = config.Data;
        TrainerConfig t = config.Trainer;
        TabularData train = PipelineModel.Conform(data, schema, requireLabel: true, nameof(data));
        TabularData? valid = validation is null ? null : PipelineModel.Conform(validation, schema, requireLabel: true, nameof(validation));
        if (valid != null && t.ValidationFraction > 0)
        {
            throw new ArgumentException($"Validation data was passed and $.trainer.validation_fraction is {t.ValidationFraction}; use one or the other.", nameof(validation));
        }

        if (t.ValidationFraction > 0)
        {
            (train, valid) = Split(train, config, nameof(data));
        }
        else if (train.RowCount < 1)
        {
            throw new ArgumentException($"The training data has {train.RowCount} rows; at least 1 is needed.", nameof(data));
        }

        if (t.EarlyStoppingPatience != null && valid is null)
        {
            throw new ArgumentException("$.trainer.early_stopping_patience is set but there is no validation data: set $.trainer.validation_fraction or pass validation data.", nameof(validation));
        }

        string[] classNames = Array.Empty<string>();
        if (schema.Task != TaskKind.Regression)
        {
            var labelColumns = new List<DataColumn> { train[schema.Label] };
            if (valid != null)
            {
                labelColumns.Add(valid[schema.Label]);
            }

            classNames = LabelCodec.ClassNames(labelColumns);
            if (schema.Task == TaskKind.BinaryClassification && classNames.Length != 2)
            {
                throw new ArgumentException($"Binary classification needs exactly 2 distinct values of the label '{schema.Label}'; the data has {classNames.Length} ({DataConfig.Preview(classNames)}).", nameof(data));
            }

            if (classNames.Length < 2)
            {
                throw new ArgumentException($"Multiclass classification needs at least 2 distinct values of the label '{schema.Label}'; the data has {classNames.Length} ({DataConfig.Preview(classNames)}).", nameof(data));
            }
        }

        var transformers = new List<ITabularTransformer>();
        foreach (FeaturizerConfig f in config.Featurizers)
        {
            ITabularTransformer fitted = f.CreateEstimator().Fit(train);
            train = fitted.Transform(train);
            valid = valid is null ? null : fitted.Transform(valid);
            transformers.Add(fitted);
        }

        (PredictionTransformer predictor, TrainingResult result) = new NeuralTrainerEstimator(t).Fit(train, valid, schema.Task, classNames, config.Seed, progress, cancellationToken, Blas);
        return new PipelineModel(config, transformers, predictor, result);
    }

    /// <summary>
    /// The rows <see cref="Fit"/> trains on and the rows it holds out as validation data: with
    /// <see cref="TrainerConfig.ValidationFraction"/> &gt; 0 the same seeded split <c>Fit</c> makes (so a caller can
    /// score the fitted model on exactly the training and validation rows), otherwise all rows and null.
    /// </summary>
    /// <param name="data">The data that would be passed to <see cref="Fit"/> (label required; columns as the data schema declares them).</param>
    /// <returns>The training rows and the validation rows (null without a validation fraction), in their original order.</returns>
    /// <exception cref="PipelineConfigException">The configuration is invalid.</exception>
    /// <exception cref="InvalidOperationException">No trainer was appended.</exception>
    /// <exception cref="ArgumentException">The data does not match the schema, or has fewer than 2 rows with a validation fraction.</exception>
    public (TabularData Training, TabularData? Validation) SplitValidation(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        PipelineConfig config = ToConfig();
        TabularData all = PipelineModel.Conform(data, config.Data, requireLabel: true, nameof(data));
        return config.Trainer.ValidationFraction > 0 ? Split(all, config, nameof(data)) : (all, null);
    }

    /// <summary>
    /// The classes <see cref="Fit"/> finds in <paramref name="data"/> (the model's class order): the sorted distinct
    /// label values, numerically for a numeric label and ordinally for text; empty for regression.
    /// </summary>
    /// <param name="data">The data that would be passed to <see cref="Fit"/> (label required).</param>
    /// <returns>The class names.</returns>
    /// <exception cref="ArgumentException">The data does not match the schema, or a label is missing.</exception>
    public IReadOnlyList<string> ClassNames(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        TabularData all = PipelineModel.Conform(data, _data, requireLabel: true, nameof(data));
        return _data.Task == TaskKind.Regression ? Array.Empty<string>() : LabelCodec.ClassNames(new[] { all[_data.Label] });
    }

    private static (TabularData Training, TabularData Validation) Split(TabularData data, PipelineConfig config, string argument)
    {
        if (data.RowCount < 2)
        {
            throw new ArgumentException($"The training data has {data.RowCount} rows; at least 2 are needed to hold out $.trainer.validation_fraction of them.", argument);
        }

        (int[] trainRows, int[] validRows) = DataSplit.TrainTestIndices(data.RowCount, config.Trainer.ValidationFraction, DeterministicRandom.Derive(config.Seed, PipelineSeeds.ValidationSplit));
        return (data.SelectRows(trainRows), data.SelectRows(validRows));
    }

    private static DataConfig Checked(DataConfig data)
    {
        ArgumentNullException.ThrowIfNull(data);
        DataConfig d = data.Clone();
        d.Validate("$.data");
        return d;
    }
}
