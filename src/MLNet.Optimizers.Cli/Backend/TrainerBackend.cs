using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Persistence;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>
/// The backend built on the training layer's building blocks: <see cref="CsvLoader"/>, <see cref="DataSplit"/>,
/// the normalizers, <see cref="NeuralModel"/>, <see cref="Trainer.Fit"/>, the metrics evaluators and
/// <see cref="TrainedModel"/>. Regression labels are standardized with the training rows' mean and deviation for
/// training (so one learning rate suits every label scale); predictions and metrics are on the original scale.
/// </summary>
internal sealed class TrainerBackend : ITrainingBackend
{
    /// <summary>Automatic epochs aim at about this many optimizer steps ...</summary>
    public const int AutoTargetSteps = 2000;

    /// <summary>... but run at least this many epochs ...</summary>
    public const int AutoMinEpochs = 10;

    /// <summary>... and at most this many.</summary>
    public const int AutoMaxEpochs = 1000;

    private static readonly ConcurrentDictionary<string, BlasProvider> Providers = new(StringComparer.Ordinal);

    /// <summary>The epochs chosen when none are given: enough for about <see cref="AutoTargetSteps"/> steps, within [<see cref="AutoMinEpochs"/>, <see cref="AutoMaxEpochs"/>].</summary>
    /// <param name="stepsPerEpoch">Steps per epoch.</param>
    /// <returns>The epochs.</returns>
    public static int AutoEpochs(long stepsPerEpoch) =>
        (int)Math.Clamp((AutoTargetSteps + stepsPerEpoch - 1) / Math.Max(1, stepsPerEpoch), AutoMinEpochs, AutoMaxEpochs);

    /// <inheritdoc />
    public RunSettings ReadConfig(string path) => RunConfigFile.Read(path);

    /// <inheritdoc />
    public IPreparedData Prepare(RunSettings settings)
    {
        string path = settings.DataPath ?? throw new ArgumentException("No data path.", nameof(settings));
        string label = settings.Label ?? throw new ArgumentException("No label.", nameof(settings));
        CsvDataset dataset;
        try
        {
            dataset = CsvLoader.Load(path, new CsvOptions
            {
                LabelColumn = label,
                Separator = settings.Separator,
                Task = settings.Task,
                CategoricalColumns = settings.Categorical,
                IgnoreColumns = settings.Ignore,
                MissingValueTokens = settings.MissingValues,
                Imputation = settings.Imputation,
            });
        }
        catch (CsvFormatException e)
        {
            throw CliException.BadData(RunConfigFile.OneLine(e.Message), e);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(ExitCodes.NoInput, $"data file '{path}' was not found.", e);
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage(RunConfigFile.OneLine(e.Message));
        }

        DatasetSchema schema = dataset.Schema;
        DenseTable all = dataset.Table;
        DenseTable train = all;
        DenseTable? validation = null;
        if (settings.ValidationFraction > 0)
        {
            if (all.RowCount < 2)
            {
                throw CliException.BadData($"data file '{path}' has {all.RowCount} data row; holding out validation rows needs at least 2 (or pass --validation-fraction 0).");
            }

            (int[] trainRows, int[] validationRows) = DataSplit.TrainTestIndices(all.RowCount, settings.ValidationFraction, settings.Seed);
            train = all.Select(trainRows);
            validation = all.Select(validationRows);
        }

        float[] trainLabels = train.Labels;
        float[]? validationLabels = validation?.Labels;
        double labelMean = 0, labelStd = 1;
        if (schema.Task == TaskKind.Regression)
        {
            (labelMean, labelStd) = MeanStd(trainLabels);
            train = WithLabels(train, Standardize(trainLabels, labelMean, labelStd));
            if (validation != null)
            {
                validation = WithLabels(validation, Standardize(validation.Labels, labelMean, labelStd));
            }
        }

        AffineNormalizer? normalizer = settings.Normalize switch
        {
            NormalizeKind.MeanVariance => MeanVarianceNormalizer.Fit(train),
            NormalizeKind.MinMax => MinMaxNormalizer.Fit(train),
            _ => null,
        };
        if (normalizer != null)
        {
            train = normalizer.Apply(train);
            validation = validation is null ? null : normalizer.Apply(validation);
        }

        var summary = new DataSummary(
            path,
            schema.LabelColumn,
            schema.Task,
            schema.ClassNames,
            all.RowCount,
            train.RowCount,
            validation?.RowCount ?? 0,
            schema.FeatureCount,
            schema.Columns.Where(c => c.Kind == ColumnKind.Numeric).Select(c => c.Name).ToArray(),
            schema.Columns.Where(c => c.Kind == ColumnKind.Categorical).Select(c => c.Name).ToArray(),
            schema.Task switch
            {
                TaskKind.Regression => "squared error (standardized label)",
                TaskKind.BinaryClassification => "log loss",
                _ => "cross-entropy",
            },
            schema.Task == TaskKind.Regression ? "R²" : "accuracy");
        return new PreparedData(summary, settings with { Task = schema.Task }, schema, normalizer, train, validation, trainLabels, validationLabels, labelMean, labelStd);
    }

    /// <inheritdoc />
    public ITrainedRun Train(IPreparedData data, RunSettings settings, OptimizerSpec optimizer, ITrainingObserver? observer, CancellationToken cancellationToken)
    {
        var d = (PreparedData)data;
        BlasProvider blas = Provider(settings.Compute);
        long stepsPerEpoch = (d.Train.RowCount + settings.BatchSize - 1) / settings.BatchSize;
        int epochs = settings.Epochs ?? AutoEpochs(stepsPerEpoch);
        if (settings.EarlyStoppingPatience != null && d.Validation is null)
        {
            throw CliException.Usage("--early-stopping needs validation rows; pass a --validation-fraction above 0.");
        }

        var modelOptions = new ModelOptions
        {
            Task = d.Schema.Task,
            ClassCount = Math.Max(2, d.Schema.ClassCount),
            HiddenLayers = settings.EffectiveHidden.ToArray(),
            Activation = settings.Activation,
            Dropout = settings.Dropout,
        };
        NeuralModel model;
        try
        {
            model = new NeuralModel(d.Schema.FeatureCount, modelOptions, settings.Seed);
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage(RunConfigFile.OneLine(e.Message));
        }

        Optimizer opt = OptimizerFactory.Create(optimizer, epochs * stepsPerEpoch);
        JsonObject keras = opt.Serialize();
        RunSettings resolved = d.Settings with
        {
            Model = settings.Model,
            Hidden = settings.Hidden,
            Activation = settings.Activation,
            Dropout = settings.Dropout,
            Epochs = epochs,
            BatchSize = settings.BatchSize,
            EarlyStoppingPatience = settings.EarlyStoppingPatience,
            RestoreBest = settings.RestoreBest,
            Compute = settings.Compute,
            Optimizer = new OptimizerSpec { Name = optimizer.Name, Keras = (JsonObject)keras.DeepClone() },
        };

        observer?.Started(epochs, stepsPerEpoch);
        var trainerOptions = new TrainerOptions
        {
            Epochs = epochs,
            BatchSize = settings.BatchSize,
            Seed = settings.Seed + 2,
            // Restoring the best epoch without stopping early: patience longer than the run.
            EarlyStoppingPatience = d.Validation is null ? null : settings.EarlyStoppingPatience ?? (settings.RestoreBest ? epochs + 1 : null),
            RestoreBestWeights = settings.RestoreBest,
            ReportEverySteps = (int)Math.Max(1, Math.Min(int.MaxValue, stepsPerEpoch / 20)),
            Blas = blas,
        };
        TrainingResult result;
        try
        {
            result = Trainer.Fit(
                model,
                opt,
                new InMemoryBatchSource(d.Train, settings.BatchSize, shuffle: true, settings.Seed + 1),
                d.Validation,
                trainerOptions,
                observer is null ? null : new ObserverProgress(observer),
                cancellationToken);
        }
        catch (TrainingDivergedException e)
        {
            throw new CliException(
                ExitCodes.Failure,
                $"training with {optimizer.Label} diverged (NaN or infinite weights); try a smaller learning rate (e.g. --learning-rate {OptimizerFactory.Defaults[optimizer.Name].LearningRate / 10:G3}) or check the data for extreme values.",
                e);
        }

        observer?.Finished();
        var scorer = new Scorer(model, d.Schema, null, d.LabelMean, d.LabelStd, blas);
        Evaluation trainEval = scorer.EvaluateTable(d.Train, d.TrainLabels);
        Evaluation? validationEval = d.Validation is null ? null : scorer.EvaluateTable(d.Validation, d.ValidationLabels!);
        return new TrainedRun(optimizer, keras, resolved, d, model, result, trainEval, validationEval);
    }

    /// <inheritdoc />
    public IScoringModel LoadModel(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CliException(ExitCodes.NoInput, $"model file '{path}' is a folder, not a file.");
        }

        TrainedModel trained;
        try
        {
            trained = TrainedModel.Load(path);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(ExitCodes.NoInput, $"model file '{path}' was not found.", e);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw CliException.BadData($"model file '{path}' is damaged or not a model: {RunConfigFile.OneLine(e.Message)}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.NoInput, $"model file '{path}' cannot be read: {RunConfigFile.OneLine(e.Message)}", e);
        }

        if (trained.Schema is null)
        {
            throw CliException.BadData($"model file '{path}' has no data schema, so it cannot read CSV rows (it was not written by mlnet-opt train).");
        }

        double mean = 0, std = 1;
        string? description = null;
        if (trained.TrainingConfigJson != null)
        {
            try
            {
                if (JsonNode.Parse(trained.TrainingConfigJson) is JsonObject o)
                {
                    if (o["label_scaling"] is JsonObject ls)
                    {
                        mean = ls["mean"]!.GetValue<double>();
                        std = ls["std"]!.GetValue<double>();
                    }

                    if (o["config"]?["optimizer"] is JsonObject opt)
                    {
                        description = OptimizerFactory.Describe(opt);
                    }
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException)
            {
                throw CliException.BadData($"model file '{path}' has an unreadable training config: {RunConfigFile.OneLine(e.Message)}", e);
            }
        }

        string model = DescribeModel(trained.Model);
        return new Scorer(trained.Model, trained.Schema, trained.Normalizer, mean, std, Provider("auto"))
        {
            Description = description is null ? model : $"{model}; trained with {description}",
        };
    }

    /// <summary>The compute provider for a name.</summary>
    /// <param name="name">auto, managed, mkl or openblas.</param>
    /// <returns>The provider.</returns>
    /// <exception cref="CliException">It cannot be loaded (exit code 69).</exception>
    public static BlasProvider Provider(string name)
    {
        try
        {
            return name == "auto" ? BlasProviders.Default : Providers.GetOrAdd(name, n => BlasProviders.Create(n));
        }
        catch (BlasProviderLoadException e)
        {
            throw new CliException(ExitCodes.Unavailable, $"the compute provider '{name}' cannot be loaded on this machine (use --compute managed): {RunConfigFile.OneLine(e.Message)}", e);
        }
    }

    /// <summary>One line describing a network.</summary>
    /// <param name="model">The network.</param>
    /// <returns>For example "MLP 4-64-3 (ReLU), 515 parameters".</returns>
    public static string DescribeModel(NeuralModel model)
    {
        var widths = new List<int> { model.InputCount };
        widths.AddRange(model.Options.HiddenLayers);
        widths.Add(model.OutputCount);
        string kind = model.Options.HiddenLayers.Count == 0
            ? model.Options.Task switch
            {
                TaskKind.Regression => "linear regression",
                TaskKind.BinaryClassification => "logistic regression",
                _ => "softmax regression",
            }
            : $"MLP ({Names.Format(Names.Activations, model.Options.Activation)}{(model.Options.Dropout > 0 ? ", dropout " + model.Options.Dropout.ToString("G3", CultureInfo.InvariantCulture) : string.Empty)})";
        return string.Create(CultureInfo.InvariantCulture, $"{kind} {string.Join('-', widths)}, {model.ParameterCount:N0} parameters");
    }

    private static (double Mean, double Std) MeanStd(float[] values)
    {
        double mean = values.Length == 0 ? 0 : values.Average(v => (double)v);
        double variance = values.Length == 0 ? 0 : values.Sum(v => (v - mean) * (v - mean)) / values.Length;
        double std = Math.Sqrt(variance);
        return (mean, std > 0 && double.IsFinite(std) ? std : 1);
    }

    private static float[] Standardize(float[] values, double mean, double std) => values.Select(v => (float)((v - mean) / std)).ToArray();

    private static DenseTable WithLabels(DenseTable t, float[] labels) => new(t.Features, t.FeatureCount, labels, t.Weights, t.FeatureNames);

    private sealed class ObserverProgress : IProgress<TrainingProgress>
    {
        private readonly ITrainingObserver _observer;

        public ObserverProgress(ITrainingObserver observer) => _observer = observer;

        public void Report(TrainingProgress value) => _observer.Report(value);
    }

    private sealed class PreparedData : IPreparedData
    {
        public PreparedData(DataSummary summary, RunSettings settings, DatasetSchema schema, AffineNormalizer? normalizer, DenseTable train, DenseTable? validation, float[] trainLabels, float[]? validationLabels, double labelMean, double labelStd)
        {
            Summary = summary;
            Settings = settings;
            Schema = schema;
            Normalizer = normalizer;
            Train = train;
            Validation = validation;
            TrainLabels = trainLabels;
            ValidationLabels = validationLabels;
            LabelMean = labelMean;
            LabelStd = labelStd;
        }

        public DataSummary Summary { get; }

        public RunSettings Settings { get; }

        public DatasetSchema Schema { get; }

        public AffineNormalizer? Normalizer { get; }

        public DenseTable Train { get; }

        public DenseTable? Validation { get; }

        public float[] TrainLabels { get; }

        public float[]? ValidationLabels { get; }

        public double LabelMean { get; }

        public double LabelStd { get; }
    }

    private sealed class TrainedRun : ITrainedRun
    {
        private readonly JsonObject _keras;
        private readonly PreparedData _data;
        private readonly NeuralModel _model;

        public TrainedRun(OptimizerSpec optimizer, JsonObject keras, RunSettings resolved, PreparedData data, NeuralModel model, TrainingResult result, Evaluation training, Evaluation? validation)
        {
            Optimizer = optimizer;
            _keras = keras;
            Resolved = resolved;
            _data = data;
            _model = model;
            History = result.History;
            Steps = result.Steps;
            Seconds = result.Seconds;
            StoppedEarly = result.StoppedEarly;
            BestEpoch = result.BestEpoch;
            Training = training;
            Validation = validation;
        }

        public OptimizerSpec Optimizer { get; }

        public string OptimizerDescription => OptimizerFactory.Describe(_keras);

        public string ModelDescription => DescribeModel(_model);

        public RunSettings Resolved { get; }

        public IReadOnlyList<EpochRecord> History { get; }

        public long Steps { get; }

        public double Seconds { get; }

        public bool StoppedEarly { get; }

        public int BestEpoch { get; }

        public Evaluation Training { get; }

        public Evaluation? Validation { get; }

        public string ConfigJson(string configDirectory) => RunConfigFile.ToText(RunConfigFile.ToJson(Resolved, _keras, configDirectory));

        public void SaveModel(string path, string configDirectory)
        {
            var embedded = new JsonObject
            {
                ["tool"] = "mlnet-opt",
                ["config"] = RunConfigFile.ToJson(Resolved, _keras, configDirectory),
                ["label_scaling"] = _data.Schema.Task == TaskKind.Regression
                    ? new JsonObject { ["mean"] = _data.LabelMean, ["std"] = _data.LabelStd }
                    : null,
            };
            new TrainedModel(_model, _data.Schema, _data.Normalizer, embedded.ToJsonString()).Save(path);
        }
    }

    /// <summary>Scores rows with a network, its schema and normalizer, and the label scaling.</summary>
    private sealed class Scorer : IScoringModel
    {
        private const int Chunk = 256;
        private readonly NeuralModel _model;
        private readonly DatasetSchema _schema;
        private readonly AffineNormalizer? _normalizer;
        private readonly double _labelMean;
        private readonly double _labelStd;
        private readonly BlasProvider _blas;

        public Scorer(NeuralModel model, DatasetSchema schema, AffineNormalizer? normalizer, double labelMean, double labelStd, BlasProvider blas)
        {
            _model = model;
            _schema = schema;
            _normalizer = normalizer;
            _labelMean = labelMean;
            _labelStd = labelStd;
            _blas = blas;
            Description = DescribeModel(model);
        }

        public TaskKind Task => _schema.Task;

        public string Label => _schema.LabelColumn;

        public IReadOnlyList<string> SourceColumns => _schema.SourceColumns;

        public IReadOnlyList<string> FeatureColumns => _schema.Columns.Select(c => c.Name).ToArray();

        public IReadOnlyList<string> ClassNames => _schema.ClassNames;

        public string Description { get; init; }

        public Prediction[] Predict(IReadOnlyList<IReadOnlyList<string>> rows)
        {
            int f = _schema.FeatureCount;
            var features = new float[rows.Count * f];
            for (int i = 0; i < rows.Count; i++)
            {
                try
                {
                    _schema.EncodeRow(rows[i], features.AsSpan(i * f, f));
                }
                catch (CsvFormatException e)
                {
                    throw new ScoringRowException(i, e);
                }
            }

            _normalizer?.Transform(features, f);
            return ScoreFeatures(features, rows.Count);
        }

        public float EncodeLabel(string value) => _schema.EncodeLabel(value);

        public Evaluation Evaluate(IReadOnlyList<float> labels, IReadOnlyList<Prediction> predictions) =>
            MetricsCalculator.Evaluate(_schema.Task, _schema.ClassNames, labels, predictions);

        /// <summary>Evaluates a table of normalized features against raw labels.</summary>
        public Evaluation EvaluateTable(DenseTable table, float[] rawLabels) =>
            MetricsCalculator.Evaluate(_schema.Task, _schema.ClassNames, rawLabels, ScoreFeatures(table.Features, table.RowCount));

        private Prediction[] ScoreFeatures(float[] normalized, int rows)
        {
            int k = _model.OutputCount;
            var scores = new float[rows * k];
            _model.Score(_blas, normalized, rows, scores);
            var result = new Prediction[rows];
            for (int i = 0; i < rows; i++)
            {
                Span<float> s = scores.AsSpan(i * k, k);
                switch (_schema.Task)
                {
                    case TaskKind.Regression:
                    {
                        double v = (s[0] * _labelStd) + _labelMean;
                        result[i] = new Prediction(v, v, Array.Empty<float>());
                        break;
                    }

                    case TaskKind.BinaryClassification:
                    {
                        float logit = s[0];
                        var p = new float[1] { logit };
                        _model.ApplyHead(p, 1);
                        result[i] = new Prediction(logit > 0 ? 1 : 0, logit, new[] { 1 - p[0], p[0] });
                        break;
                    }

                    default:
                    {
                        float[] p = s.ToArray();
                        _model.ApplyHead(p, 1);
                        int arg = 0;
                        for (int j = 1; j < k; j++)
                        {
                            if (p[j] > p[arg])
                            {
                                arg = j;
                            }
                        }

                        result[i] = new Prediction(arg, p[arg], p);
                        break;
                    }
                }
            }

            return result;
        }
    }
}
