using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Metrics;
using MLNet.Optimizers.Training.Persistence;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>
/// A fitted pipeline (ML.NET's <c>TransformerChain</c>): the fitted featurizers and the trained model, with the
/// configuration it was trained from. <see cref="Transform"/> adds the output columns, <see cref="Predict"/> scores one
/// raw row, <see cref="Evaluate"/> computes the task's metrics, <see cref="Save"/> / <see cref="Load"/> persist it. Not
/// thread-safe (use one instance per thread).
/// </summary>
/// <remarks>
/// A saved pipeline model is a <see cref="TrainedModel"/> file (same format, version
/// <see cref="TrainedModel.FormatVersion"/>): the fitted featurizers fold into its <see cref="DatasetSchema"/> (columns,
/// one-hot categories, fill values, classes) and its normalizer, and <see cref="TrainedModel.TrainingConfigJson"/> holds
/// the pipeline configuration. So <see cref="TrainedModel.PredictRow"/> scores raw rows of a saved pipeline too, and
/// <see cref="Load"/> rebuilds every step from the file.
/// </remarks>
public sealed class PipelineModel : ITabularTransformer
{
    private readonly PipelineConfig _config;
    private readonly ITabularTransformer[] _featurizers;

    internal PipelineModel(PipelineConfig config, IReadOnlyList<ITabularTransformer> featurizers, PredictionTransformer predictor, TrainingResult? result)
    {
        _config = config;
        _featurizers = featurizers.ToArray();
        Predictor = predictor;
        TrainingResult = result;
    }

    /// <summary>The configuration the model was trained from (a copy).</summary>
    public PipelineConfig Config => _config.Clone();

    /// <summary>The fitted featurizers, in order.</summary>
    public IReadOnlyList<ITabularTransformer> Featurizers => Array.AsReadOnly(_featurizers);

    /// <summary>The fitted trainer: the network, the classes and the feature names.</summary>
    public PredictionTransformer Predictor { get; }

    /// <summary>The task.</summary>
    public TaskKind Task => _config.Data.Task;

    /// <summary>The classes in index order (empty for regression).</summary>
    public IReadOnlyList<string> ClassNames => Predictor.ClassNames;

    /// <summary>The training history (loss and validation metrics per epoch) and summary; null for a model read by <see cref="Load"/>.</summary>
    public TrainingResult? TrainingResult { get; }

    /// <summary>The compute provider for scoring; null: <see cref="BlasProviders.Default"/>.</summary>
    public BlasProvider? Blas
    {
        get => Predictor.Blas;
        set => Predictor.Blas = value;
    }

    /// <summary>Loads a CSV file with the model's data schema (the label may be absent).</summary>
    /// <param name="path">The CSV file.</param>
    /// <returns>The table.</returns>
    /// <exception cref="CsvFormatException">The file does not match the schema.</exception>
    public TabularData LoadData(string path) => TabularData.LoadCsv(path, _config.Data);

    /// <summary>Runs every step: the featurizers, then the model, which adds <c>Score</c> (and <c>Probability</c>, <c>PredictedLabel</c>).</summary>
    /// <param name="data">Raw data with the declared columns (the label and weight may be absent).</param>
    /// <returns>The transformed table.</returns>
    /// <exception cref="ArgumentException">The data does not match the schema, or has a value the chain cannot take.</exception>
    public TabularData Transform(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        TabularData d = Conform(data, _config.Data, requireLabel: false, nameof(data));
        foreach (ITabularTransformer t in _featurizers)
        {
            d = t.Transform(d);
        }

        return Predictor.Transform(d);
    }

    /// <summary>Scores one raw row: column name → raw text, parsed as a CSV field would be (the label may be left out; null or "" is missing).</summary>
    /// <param name="row">The row.</param>
    /// <returns>The prediction.</returns>
    /// <exception cref="ArgumentException">The row lacks a column, names an unknown one, or has a value the chain cannot take.</exception>
    /// <exception cref="CsvFormatException">A numeric value is not a number.</exception>
    public Prediction Predict(IReadOnlyDictionary<string, string?> row)
    {
        ArgumentNullException.ThrowIfNull(row);
        TabularData t = Transform(TabularData.FromRows(_config.Data, new[] { row }));
        var score = (NumericColumn)t[PredictionTransformer.ScoreColumn];
        float? p = t.TryGetColumn(PredictionTransformer.ProbabilityColumn, out DataColumn? pc) ? ((NumericColumn)pc)[0] : null;
        string? label = t.TryGetColumn(PredictionTransformer.PredictedLabelColumn, out DataColumn? lc) ? ((TextColumn)lc)[0] : null;
        return new Prediction(Task, score.GetRow(0).ToArray(), p, label);
    }

    /// <summary>
    /// The task's metrics on labelled data (with ML.NET's names and definitions; see the Metrics namespace). Rows are
    /// weighted when the data has the weight column.
    /// </summary>
    /// <param name="data">Raw data with the label.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentException">The data has no label, a label is missing or not a class the model knows, or the data does not match the schema.</exception>
    public PipelineMetrics Evaluate(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        TabularData d = Conform(data, _config.Data, requireLabel: true, nameof(data));
        TabularData t = Transform(d);
        float[] labels = new LabelCodec(Task, ClassNames).Encode(d, "evaluation data");
        ReadOnlySpan<float> weights = d.WeightColumn is null ? default : ((NumericColumn)d[d.WeightColumn]).Values;
        ReadOnlySpan<float> score = ((NumericColumn)t[PredictionTransformer.ScoreColumn]).Values;
        return Task switch
        {
            TaskKind.Regression => new PipelineMetrics(Task, RegressionMetrics.Evaluate(labels, score, weights), null, null),
            TaskKind.BinaryClassification => new PipelineMetrics(
                Task, null, BinaryClassificationMetrics.Evaluate(labels, score, ((NumericColumn)t[PredictionTransformer.ProbabilityColumn]).Values, weights), null),
            _ => new PipelineMetrics(Task, null, null, MulticlassClassificationMetrics.Evaluate(labels, score, ClassNames.Count, 0, weights)),
        };
    }

    /// <summary>
    /// The model as a <see cref="TrainedModel"/>: the featurizers folded into a <see cref="DatasetSchema"/> and a
    /// normalizer, the network (shared, not copied) and the pipeline configuration as <see cref="TrainedModel.TrainingConfigJson"/>.
    /// </summary>
    /// <returns>The trained model.</returns>
    public TrainedModel ToTrainedModel()
    {
        DataConfig data = _config.Data;
        MissingValueReplacingTransformer? fills = _featurizers.OfType<MissingValueReplacingTransformer>().FirstOrDefault();
        NormalizingTransformer? normalize = _featurizers.OfType<NormalizingTransformer>().FirstOrDefault();
        var fillOf = fills?.FillValues.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal) ?? new Dictionary<string, double>();
        List<string> sources = data.Columns.Select(c => c.Name).ToList();
        var columns = new List<ColumnSchema>();
        int offset = 0;
        foreach ((string name, IReadOnlyList<string>? slots) in Predictor.Layout.Columns)
        {
            ColumnSchema c = slots is null
                ? new ColumnSchema(name, sources.IndexOf(name), ColumnKind.Numeric, offset, null, fillOf.GetValueOrDefault(name))
                : new ColumnSchema(name, sources.IndexOf(name), ColumnKind.Categorical, offset, slots);
            columns.Add(c);
            offset += c.FeatureWidth;
        }

        MissingValuePolicy imputation = fills is null ? MissingValuePolicy.Fail
            : ((ReplaceMissingConfig)_config.Featurizers.First(f => f is ReplaceMissingConfig)).Mode == ReplacementMode.Mean ? MissingValuePolicy.Mean : MissingValuePolicy.Zero;
        var schema = new DatasetSchema(sources, columns, data.Label, data.Task, ClassNames, data.Weight, imputation, data.MissingValueTokens);
        return new TrainedModel(Predictor.Model, schema, normalize?.Normalizer, _config.ToJson());
    }

    /// <summary>Saves the model, its featurization and its configuration to one file, atomically (<see cref="TrainedModel.Save(string)"/>).</summary>
    /// <param name="path">The model file (by convention <c>.mlnm</c>).</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(string path) => ToTrainedModel().Save(path);

    /// <summary>Loads a model saved by <see cref="Save"/> and rebuilds every step.</summary>
    /// <param name="path">The model file.</param>
    /// <returns>The model (<see cref="TrainingResult"/> is null).</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, was not saved by a pipeline, or its parts disagree with its configuration; the message names the file.</exception>
    public static PipelineModel Load(string path)
    {
        TrainedModel m = TrainedModel.Load(path);
        try
        {
            return FromTrainedModel(m);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"model file '{path}': {e.Message}", e);
        }
    }

    /// <summary>Rebuilds a pipeline model from a <see cref="TrainedModel"/> that a pipeline saved (its configuration, schema, normalizer and network).</summary>
    /// <param name="model">The trained model (its network is shared, not copied).</param>
    /// <returns>The pipeline model (<see cref="TrainingResult"/> is null).</returns>
    /// <exception cref="InvalidDataException">The model has no pipeline configuration, or its parts disagree with it.</exception>
    public static PipelineModel FromTrainedModel(TrainedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.TrainingConfigJson is null)
        {
            throw new InvalidDataException("the model has no training configuration, so it was not saved by a pipeline; use TrainedModel to score it.");
        }

        PipelineConfig config;
        try
        {
            config = PipelineConfig.Parse(model.TrainingConfigJson);
        }
        catch (PipelineConfigException e)
        {
            throw new InvalidDataException($"the model's training configuration is not a pipeline configuration this build reads: {e.Message}", e);
        }

        DatasetSchema schema = model.Schema ?? throw new InvalidDataException("the model has no schema; a pipeline model always has one.");
        DataConfig data = config.Data;
        Expect(schema.SourceColumns.SequenceEqual(data.Columns.Select(c => c.Name)), "the schema's columns differ from $.data.columns");
        Expect(schema.LabelColumn == data.Label && schema.Task == data.Task && schema.WeightColumn == data.Weight, "the schema's label, task or weight differs from $.data");
        Expect(schema.MissingValueTokens.SequenceEqual(data.MissingValueTokens.Select(t => t.Trim())), "the schema's missing-value tokens differ from $.data.missing_tokens");

        var features = data.Columns.Where(c => !data.IsRole(c.Name)).Select(c => c.Name).ToList();
        var byName = schema.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var transformers = new List<ITabularTransformer>();
        bool replaces = false;
        FeatureLayout layout = new(schema.Columns.Select(c => (c.Name, c.Kind == ColumnKind.Categorical ? c.Categories : (IReadOnlyList<string>?)null)).ToArray());
        foreach (FeaturizerConfig f in config.Featurizers)
        {
            switch (f)
            {
                case SelectColumnsConfig s:
                    features = new List<string>(s.Columns);
                    transformers.Add(new ColumnSelectingTransformer(s.Columns));
                    break;
                case ReplaceMissingConfig r:
                    replaces = true;
                    Expect(schema.Imputation == (r.Mode == ReplacementMode.Mean ? MissingValuePolicy.Mean : MissingValuePolicy.Zero), "the schema's imputation differs from replace_missing's mode");
                    transformers.Add(new MissingValueReplacingTransformer(
                        features.Where(n => data.TypeOf(n) == ColumnType.Numeric).Select(n => new KeyValuePair<string, double>(n, Find(byName, n).FillValue)).ToArray(),
                        features.Where(n => data.TypeOf(n) == ColumnType.Text).ToArray()));
                    break;
                case OneHotConfig o:
                    IEnumerable<string> targets = o.Columns ?? features.Where(n => data.TypeOf(n) == ColumnType.Text);
                    transformers.Add(new OneHotEncodingTransformer(targets.Select(n =>
                    {
                        ColumnSchema c = Find(byName, n);
                        Expect(c.Kind == ColumnKind.Categorical, $"the schema's column '{n}' is not categorical, but one_hot encodes it");
                        return new KeyValuePair<string, IReadOnlyList<string>>(n, c.Categories);
                    }).ToArray()));
                    break;
                case NormalizeConfig:
                    AffineNormalizer normalizer = model.Normalizer ?? throw new InvalidDataException("the configuration has a normalize featurizer but the model has no normalizer.");
                    transformers.Add(new NormalizingTransformer(normalizer, layout));
                    break;
            }
        }

        Expect(replaces || schema.Imputation == MissingValuePolicy.Fail, "the schema imputes missing values but the configuration has no replace_missing");
        Expect(config.Featurizers.Any(f => f is NormalizeConfig) || model.Normalizer is null, "the model has a normalizer but the configuration has no normalize featurizer");
        Expect(schema.Columns.Select(c => c.Name).SequenceEqual(features), $"the schema's feature columns ({DataConfig.Preview(schema.Columns.Select(c => c.Name))}) differ from the configuration's ({DataConfig.Preview(features)})");
        Models.ModelOptions expected = config.Trainer.Model.ToModelOptions(data.Task, schema.ClassCount);
        Models.ModelOptions actual = model.Model.Options;
        Expect(
            expected.HiddenLayers.SequenceEqual(actual.HiddenLayers) && expected.Activation == actual.Activation && expected.Dropout.Equals(actual.Dropout)
                && expected.Initializer == actual.Initializer && expected.RegressionLoss == actual.RegressionLoss && expected.HuberDelta.Equals(actual.HuberDelta),
            "the network's options (layers, activation, dropout, initializer, loss) differ from $.trainer.model");
        var predictor = new PredictionTransformer(model.Model, data.Task, schema.ClassNames, layout);
        return new PipelineModel(config, transformers, predictor, null);
    }

    /// <summary>The data with its columns in declared order and its roles set; fails when a column is undeclared, absent or of another type.</summary>
    internal static TabularData Conform(TabularData data, DataConfig schema, bool requireLabel, string paramName)
    {
        foreach (DataColumn c in data.Columns)
        {
            if (schema.TypeOf(c.Name) is null)
            {
                throw new ArgumentException($"The data has a column '{c.Name}' that $.data.columns does not declare (declared: {DataConfig.Preview(schema.Columns.Select(x => x.Name))}).", paramName);
            }
        }

        var cols = new List<DataColumn>();
        string? label = null, weight = null;
        foreach (ColumnConfig declared in schema.Columns)
        {
            if (!data.TryGetColumn(declared.Name, out DataColumn? c))
            {
                if (schema.IsRole(declared.Name) && !(requireLabel && declared.Name == schema.Label))
                {
                    continue;
                }

                throw new ArgumentException($"The data has no column '{declared.Name}'{(declared.Name == schema.Label ? " (the label)" : string.Empty)} (columns: {data.Names()}).", paramName);
            }

            bool ok = declared.Type == ColumnType.Text ? c is TextColumn : c is NumericColumn { SlotNames: null };
            if (!ok)
            {
                throw new ArgumentException($"The data's column '{declared.Name}' is {MissingValueReplacingTransformer.Describe(c)}; $.data.columns declares it \"{(declared.Type == ColumnType.Text ? "text" : "numeric")}\".", paramName);
            }

            cols.Add(c);
            label = declared.Name == schema.Label ? declared.Name : label;
            weight = declared.Name == schema.Weight ? declared.Name : weight;
        }

        return new TabularData(cols, label, weight);
    }

    private static ColumnSchema Find(Dictionary<string, ColumnSchema> byName, string name) =>
        byName.TryGetValue(name, out ColumnSchema? c) ? c : throw new InvalidDataException($"the schema has no feature column '{name}', which the configuration uses.");

    private static void Expect(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException(message + ".");
        }
    }
}
