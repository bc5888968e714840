using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Persistence;
using MLNet.Optimizers.Training.Pipelines;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>
/// Where the tool meets the training library: every model is built, fitted, saved and loaded through the pipeline API
/// (<see cref="PipelineConfig"/>, <see cref="Pipeline"/>, <see cref="PipelineModel"/>). The config file the tool reads
/// and writes is the pipeline configuration and the model file is the pipeline model file (which embeds it); this class
/// turns library exceptions into the tool's one-line errors with their exit codes.
/// </summary>
internal static class PipelineBackend
{
    /// <summary>Automatic epochs aim at about this many optimizer steps ...</summary>
    public const int AutoTargetSteps = 2000;

    /// <summary>... but run at least this many epochs ...</summary>
    public const int AutoMinEpochs = 10;

    /// <summary>... and at most this many.</summary>
    public const int AutoMaxEpochs = 1000;

    /// <summary>Providers are not thread-safe: each thread gets its own (the tool trains on one thread; tests run verbs side by side).</summary>
    [ThreadStatic]
    private static Dictionary<string, BlasProvider>? providers;

    /// <summary>The epochs chosen when none are given: enough for about <see cref="AutoTargetSteps"/> steps, within [<see cref="AutoMinEpochs"/>, <see cref="AutoMaxEpochs"/>].</summary>
    /// <param name="stepsPerEpoch">Steps per epoch.</param>
    /// <returns>The epochs.</returns>
    public static int AutoEpochs(long stepsPerEpoch) =>
        (int)Math.Clamp((AutoTargetSteps + stepsPerEpoch - 1) / Math.Max(1, stepsPerEpoch), AutoMinEpochs, AutoMaxEpochs);

    /// <summary>Optimizer steps of one epoch over <paramref name="rows"/> rows.</summary>
    /// <param name="rows">Training rows.</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <returns>The steps.</returns>
    public static long StepsPerEpoch(int rows, int batchSize) => (rows + (long)batchSize - 1) / batchSize;

    /// <summary>Reads a pipeline config file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="CliException">Missing (66) or invalid (65, naming the JSON path and the reason).</exception>
    public static PipelineConfig ReadConfig(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CliException(ExitCodes.NoInput, $"config file '{path}' is a folder, not a file.");
        }

        try
        {
            return PipelineConfig.Load(path);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(ExitCodes.NoInput, $"config file '{path}' was not found.", e);
        }
        catch (PipelineConfigException e)
        {
            throw CliException.BadConfig($"config file '{path}'", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.NoInput, $"config file '{path}' cannot be read: {CliException.OneLine(e.Message)}", e);
        }
    }

    /// <summary>Infers the data schema of a CSV file (the file has been checked by <c>DataInspector</c>).</summary>
    /// <param name="path">The file.</param>
    /// <param name="label">The label column.</param>
    /// <param name="task">The task, or null to infer it.</param>
    /// <param name="separator">The separator.</param>
    /// <param name="missingTokens">Values that mean missing.</param>
    /// <returns>The data section.</returns>
    public static DataConfig InferSchema(string path, string label, TaskKind? task, char separator, IReadOnlyList<string> missingTokens)
    {
        try
        {
            return DataConfig.InferFromCsv(path, label, task, separator, hasHeader: true, missingTokens);
        }
        catch (CsvFormatException e)
        {
            throw CliException.BadData(CliException.OneLine(e.Message), e);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(ExitCodes.NoInput, $"data file '{path}' was not found.", e);
        }
    }

    /// <summary>Loads the data of a run and splits it as the pipeline will.</summary>
    /// <param name="request">The run.</param>
    /// <returns>The prepared data, shared by every run of a comparison.</returns>
    public static PreparedData Prepare(RunRequest request)
    {
        PipelineConfig config = request.Config;
        TabularData all = LoadTable(request.DataPath, config.Data);
        Pipeline pipeline = FromConfig(config);
        TabularData training;
        TabularData? validation;
        IReadOnlyList<string> classes;
        TabularData featurized;
        try
        {
            (training, validation) = pipeline.SplitValidation(all);
            classes = pipeline.ClassNames(all);
            featurized = training;
            foreach (FeaturizerConfig f in config.Featurizers)
            {
                featurized = f.CreateEstimator().Fit(featurized).Transform(featurized);
            }
        }
        catch (PipelineConfigException e)
        {
            throw CliException.BadConfig("configuration", e);
        }
        catch (ArgumentException e)
        {
            throw CliException.BadData($"data file '{request.DataPath}': {CliException.OneLine(e.Message)}", e);
        }

        DataConfig data = config.Data;
        if (data.Task != TaskKind.Regression && classes.Count < 2)
        {
            throw CliException.BadData($"data file '{request.DataPath}': the label '{data.Label}' has a single value '{classes.FirstOrDefault()}'; there is nothing to classify.");
        }

        if (data.Task == TaskKind.BinaryClassification && classes.Count != 2)
        {
            throw CliException.BadData($"data file '{request.DataPath}': binary classification needs exactly 2 distinct values of the label '{data.Label}', found {classes.Count}.");
        }

        var features = featurized.FeatureColumns.ToArray();
        int featureCount = features.Sum(c => c is NumericColumn n ? n.Width : 1);
        string[] categorical = features.Where(c => data.TypeOf(c.Name) == ColumnType.Text).Select(c => c.Name).ToArray();
        string[] numeric = features.Where(c => data.TypeOf(c.Name) == ColumnType.Numeric).Select(c => c.Name).ToArray();
        var summary = new DataSummary(
            request.DataPath,
            data.Label,
            data.Task,
            classes,
            all.RowCount,
            training.RowCount,
            validation?.RowCount ?? 0,
            featureCount,
            numeric,
            categorical,
            LossName(config),
            data.Task == TaskKind.Regression ? "R²" : "accuracy");
        return new PreparedData(summary, all, training, validation);
    }

    /// <summary>The configuration a run trains: the request's, with the epochs, the patience that keeps the best epoch and the optimizer resolved for the data.</summary>
    /// <param name="data">The prepared data.</param>
    /// <param name="request">The run.</param>
    /// <param name="optimizer">The optimizer to build (overrides <see cref="RunRequest.Optimizer"/>), or null.</param>
    /// <param name="trainingRows">The rows each fit trains on, when not those of <paramref name="data"/>'s split (a sweep's trials train on part of the data).</param>
    /// <param name="epochs">The epochs, when not the request's (a sweep's budget).</param>
    /// <returns>A new configuration (its <c>data.path</c> unset).</returns>
    public static PipelineConfig Resolve(PreparedData data, RunRequest request, OptimizerSpec? optimizer, int? trainingRows = null, int? epochs = null)
    {
        PipelineConfig c = request.Config.Clone();
        c.Data.Path = null;
        TrainerConfig t = c.Trainer;
        long steps = StepsPerEpoch(trainingRows ?? data.Training.RowCount, t.BatchSize);
        if (epochs is int e)
        {
            t.Epochs = e;
        }
        else if (request.AutoEpochs)
        {
            t.Epochs = AutoEpochs(steps);
        }

        if (request.KeepBestEpoch && t.ValidationFraction > 0)
        {
            t.EarlyStoppingPatience = t.Epochs;
            t.RestoreBestWeights = true;
        }

        long total = t.Epochs * steps;
        optimizer ??= request.Optimizer;
        if (optimizer != null)
        {
            t.Optimizer = OptimizerFactory.Create(optimizer, total);
        }
        else if (request.FileTrainer is TrainerConfig file
            && (file.Epochs != t.Epochs || file.BatchSize != t.BatchSize || !file.ValidationFraction.Equals(t.ValidationFraction) || trainingRows != null))
        {
            PipelineConfig before = c.Clone();
            before.Trainer.BatchSize = file.BatchSize;
            before.Trainer.ValidationFraction = file.ValidationFraction;
            before.Trainer.EarlyStoppingPatience = null;
            int rows = FromConfig(before).SplitValidation(data.All).Training.RowCount;
            t.Optimizer = OptimizerFactory.FitScheduleToRun(t.Optimizer, file.Epochs * StepsPerEpoch(rows, file.BatchSize), total);
        }

        return c;
    }

    /// <summary>Trains a run.</summary>
    /// <param name="data">The prepared data.</param>
    /// <param name="request">The run.</param>
    /// <param name="optimizer">The optimizer to train with (overrides <see cref="RunRequest.Optimizer"/>), or null.</param>
    /// <param name="outputDirectory">Where the run's config and model files go (the data path is written relative to it).</param>
    /// <param name="observer">Receives the run's size and its progress, or null.</param>
    /// <param name="cancellationToken">Cancels between steps.</param>
    /// <returns>The trained run.</returns>
    public static TrainedRun Train(PreparedData data, RunRequest request, OptimizerSpec? optimizer, string outputDirectory, ITrainingObserver? observer, CancellationToken cancellationToken) =>
        Fit(data, Resolve(data, request, optimizer), request, optimizer ?? request.Optimizer, outputDirectory, observer, cancellationToken);

    /// <summary>Trains exactly <paramref name="config"/> on the prepared data (its <c>data.path</c> is set relative to the output folder).</summary>
    /// <param name="data">The prepared data.</param>
    /// <param name="config">The configuration (not modified).</param>
    /// <param name="request">The run (data path and compute provider).</param>
    /// <param name="optimizer">The spec the optimizer was built from, for its label; null to name the run by the optimizer class.</param>
    /// <param name="outputDirectory">Where the run's config and model files go.</param>
    /// <param name="observer">Receives the run's size and its progress, or null.</param>
    /// <param name="cancellationToken">Cancels between steps.</param>
    /// <returns>The trained run.</returns>
    public static TrainedRun Fit(PreparedData data, PipelineConfig config, RunRequest request, OptimizerSpec? optimizer, string outputDirectory, ITrainingObserver? observer, CancellationToken cancellationToken)
    {
        PipelineConfig c = config.Clone();
        c.Data.Path = RelativePath(outputDirectory, request.DataPath);
        TrainerConfig t = c.Trainer;
        if (t.EarlyStoppingPatience != null && t.ValidationFraction == 0)
        {
            throw CliException.Usage("--early-stopping needs validation rows; pass a --validation-fraction above 0.");
        }

        BlasProvider blas = Provider(request.Compute);
        Pipeline pipeline = FromConfig(c).WithBlas(blas);
        observer?.Started(t.Epochs, StepsPerEpoch(data.Training.RowCount, t.BatchSize));
        PipelineModel model;
        try
        {
            model = pipeline.Fit(data.All, progress: observer is null ? null : new ObserverProgress(observer), cancellationToken: cancellationToken);
        }
        catch (TrainingDivergedException e)
        {
            string name = OptimizerSpec.NameOfKerasClass(c.Trainer.Optimizer["class_name"]?.GetValue<string>() ?? string.Empty) ?? "lion";
            throw new CliException(
                ExitCodes.Failure,
                $"training with {LabelOf(c, optimizer)} diverged (NaN or infinite weights); try a smaller learning rate (e.g. --learning-rate {OptimizerFactory.Defaults[name].LearningRate / 10:G3}) or check the data for extreme values.",
                e);
        }
        catch (PipelineConfigException e)
        {
            throw CliException.BadConfig("configuration", e);
        }
        catch (ArgumentException e)
        {
            throw CliException.BadData($"data file '{request.DataPath}': {CliException.OneLine(e.Message)}", e);
        }

        observer?.Finished();
        Evaluation training = Evaluate(model, data.Training);
        Evaluation? validation = data.Validation is null ? null : Evaluate(model, data.Validation);
        return new TrainedRun(LabelOf(c, optimizer), c, model, training, validation);
    }

    /// <summary>Loads a model file written by <c>train</c> (a pipeline model).</summary>
    /// <param name="path">The model file.</param>
    /// <returns>The model.</returns>
    /// <exception cref="CliException">The file is missing (66) or damaged (65).</exception>
    public static ScoringModel LoadModel(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CliException(ExitCodes.NoInput, $"model file '{path}' is a folder, not a file.");
        }

        PipelineModel model;
        try
        {
            model = PipelineModel.Load(path);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(ExitCodes.NoInput, $"model file '{path}' was not found.", e);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw CliException.BadData($"model file '{path}' is damaged or not a model: {CliException.OneLine(e.Message)}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.NoInput, $"model file '{path}' cannot be read: {CliException.OneLine(e.Message)}", e);
        }

        return new ScoringModel(model, Provider("auto"));
    }

    /// <summary>The compute provider for a name.</summary>
    /// <param name="name">auto, managed, mkl or openblas.</param>
    /// <returns>The provider, this thread's own (auto: one of the kind <see cref="BlasProviders.Default"/> chose, or the default itself when it routes products by shape).</returns>
    /// <exception cref="CliException">It cannot be loaded (exit code 69).</exception>
    public static BlasProvider Provider(string name)
    {
        try
        {
            string kind = name == "auto" ? BlasProviders.Default.Name : name;
            if (kind == "auto")
            {
                // A routed selection (different providers by product shape) is the library's own default; it is used as it is.
                return BlasProviders.Default;
            }

            providers ??= new Dictionary<string, BlasProvider>(StringComparer.Ordinal);
            if (!providers.TryGetValue(kind, out BlasProvider? provider))
            {
                provider = BlasProviders.Create(kind);
                providers[kind] = provider;
            }

            return provider;
        }
        catch (BlasProviderLoadException e)
        {
            throw new CliException(ExitCodes.Unavailable, $"the compute provider '{name}' cannot be loaded on this machine (use --compute managed): {CliException.OneLine(e.Message)}", e);
        }
    }

    /// <summary>One line describing a network.</summary>
    /// <param name="model">The network.</param>
    /// <returns>For example "MLP (relu) 4-64-3, 515 parameters".</returns>
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

    /// <summary>The metrics of a fitted model on labelled rows.</summary>
    /// <param name="model">The model.</param>
    /// <param name="table">Raw rows with the label.</param>
    /// <returns>The metrics.</returns>
    public static Evaluation Evaluate(PipelineModel model, TabularData table) =>
        MetricsCalculator.FromPipeline(model.Evaluate(table), model.ClassNames, table.RowCount);

    /// <summary><paramref name="path"/> relative to <paramref name="directory"/>, with forward slashes.</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="path">The file.</param>
    /// <returns>The relative path.</returns>
    public static string RelativePath(string directory, string path) =>
        Path.GetRelativePath(Path.GetFullPath(directory), Path.GetFullPath(path)).Replace('\\', '/');

    /// <summary>The loss the trainer reports, in words.</summary>
    /// <param name="config">The configuration.</param>
    /// <returns>For example "squared error (standardized label)".</returns>
    public static string LossName(PipelineConfig config) => config.Data.Task switch
    {
        TaskKind.Regression => (config.Trainer.Model.Loss == RegressionLoss.Huber ? "Huber loss" : "squared error") + (config.Trainer.StandardizeLabel ? " (standardized label)" : string.Empty),
        TaskKind.BinaryClassification => "log loss",
        _ => "cross-entropy",
    };

    /// <summary>Builds the pipeline of a configuration, reporting an invalid one (exit code 65).</summary>
    /// <param name="config">The configuration.</param>
    /// <returns>The pipeline.</returns>
    public static Pipeline FromConfig(PipelineConfig config)
    {
        try
        {
            return Pipeline.FromConfig(config);
        }
        catch (PipelineConfigException e)
        {
            throw CliException.BadConfig("configuration", e);
        }
    }

    /// <summary>Loads a CSV file with a data schema, reporting problems with the file, line and column.</summary>
    /// <param name="path">The file.</param>
    /// <param name="data">The schema.</param>
    /// <returns>The table.</returns>
    public static TabularData LoadTable(string path, DataConfig data)
    {
        try
        {
            return TabularData.LoadCsv(path, data);
        }
        catch (CsvFormatException e)
        {
            throw CliException.BadData(CliException.OneLine(e.Message), e);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(ExitCodes.NoInput, $"data file '{path}' was not found.", e);
        }
        catch (PipelineConfigException e)
        {
            throw CliException.BadConfig("configuration", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.NoInput, $"data file '{path}' cannot be read: {CliException.OneLine(e.Message)}", e);
        }
    }

    private static string LabelOf(PipelineConfig config, OptimizerSpec? spec) =>
        spec?.Label ?? OptimizerSpec.DisplayNameOf(OptimizerSpec.NameOfKerasClass(config.Trainer.Optimizer["class_name"]?.GetValue<string>() ?? string.Empty) ?? "optimizer");

    private sealed class ObserverProgress : IProgress<TrainingProgress>
    {
        private readonly ITrainingObserver _observer;

        public ObserverProgress(ITrainingObserver observer) => _observer = observer;

        public void Report(TrainingProgress value) => _observer.Report(value);
    }
}

/// <summary>Loaded data split as the pipeline splits it.</summary>
/// <param name="Summary">What the data is.</param>
/// <param name="All">Every row (what the pipeline is fitted on).</param>
/// <param name="Training">The rows trained on.</param>
/// <param name="Validation">The rows held out (null without a validation fraction).</param>
internal sealed record PreparedData(DataSummary Summary, TabularData All, TabularData Training, TabularData? Validation);

/// <summary>A finished training run: the fitted pipeline, its configuration and its metrics.</summary>
internal sealed class TrainedRun
{
    /// <summary>Creates the run.</summary>
    /// <param name="label">The run's name (the optimizer as asked for).</param>
    /// <param name="config">The configuration trained (its <c>data.path</c> relative to the output folder).</param>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="training">Metrics on the training rows.</param>
    /// <param name="validation">Metrics on the validation rows, or null.</param>
    public TrainedRun(string label, PipelineConfig config, PipelineModel model, Evaluation training, Evaluation? validation)
    {
        Label = label;
        Config = config;
        Model = model;
        Training = training;
        Validation = validation;
        Result = model.TrainingResult!;
    }

    /// <summary>The run's name: the optimizer as asked for (<c>Lion</c>, <c>AdamW (lr=0.003)</c>).</summary>
    public string Label { get; }

    /// <summary>The configuration trained (it retrains the same model bit for bit).</summary>
    public PipelineConfig Config { get; }

    /// <summary>The fitted pipeline.</summary>
    public PipelineModel Model { get; }

    /// <summary>One line describing the optimizer as built (class, learning rate and schedule, weight decay, ...).</summary>
    public string OptimizerDescription => OptimizerFactory.Describe(Config.Trainer.Optimizer);

    /// <summary>One line describing the model (layers, activation, parameters).</summary>
    public string ModelDescription => PipelineBackend.DescribeModel(Model.Predictor.Model);

    /// <summary>The training history and summary.</summary>
    public TrainingResult Result { get; }

    /// <summary>Per-epoch history.</summary>
    public IReadOnlyList<EpochRecord> History => Result.History;

    /// <summary>Whether the run ended with the weights of its best validation epoch (rather than its last).</summary>
    public bool KeptBestEpoch => Result.BestEpoch > 0 && Config.Trainer.RestoreBestWeights && Config.Trainer.EarlyStoppingPatience != null && Validation != null;

    /// <summary>Metrics on the training rows.</summary>
    public Evaluation Training { get; }

    /// <summary>Metrics on the validation rows (null without validation).</summary>
    public Evaluation? Validation { get; }

    /// <summary>The config file text that repeats this run (<c>train --config</c>).</summary>
    /// <returns>JSON text ending with a line end.</returns>
    public string ConfigJson() => Config.ToJson() + "\n";

    /// <summary>Saves the model (atomically; it embeds <see cref="Config"/>).</summary>
    /// <param name="path">The model file.</param>
    /// <exception cref="CliException">It cannot be written (exit code 73).</exception>
    public void SaveModel(string path)
    {
        try
        {
            Model.Save(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.CannotCreate, $"cannot write '{path}': {CliException.OneLine(e.Message)}", e);
        }
    }
}

/// <summary>
/// A trained pipeline loaded for scoring CSV rows one chunk at a time: rows are encoded by the saved schema (the fitted
/// featurizers folded into columns, fill values, one-hot categories and a normalizer; <see cref="PipelineModel.ToTrainedModel"/>)
/// so a bad value is reported with its row.
/// </summary>
internal sealed class ScoringModel
{
    private readonly NeuralModel _model;
    private readonly DatasetSchema _schema;
    private readonly AffineNormalizer? _normalizer;
    private readonly BlasProvider _blas;

    /// <summary>Wraps a loaded pipeline model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="blas">The compute provider.</param>
    public ScoringModel(PipelineModel model, BlasProvider blas)
    {
        TrainedModel trained = model.ToTrainedModel();
        _model = trained.Model;
        _schema = trained.Schema!;
        _normalizer = trained.Normalizer;
        _blas = blas;
        Description = $"{PipelineBackend.DescribeModel(_model)}; trained with {OptimizerFactory.Describe(model.Config.Trainer.Optimizer)}";
    }

    /// <summary>The task.</summary>
    public TaskKind Task => _schema.Task;

    /// <summary>The label column it was trained on.</summary>
    public string Label => _schema.LabelColumn;

    /// <summary>The columns of the training file, in order (the label included).</summary>
    public IReadOnlyList<string> SourceColumns => _schema.SourceColumns;

    /// <summary>The columns a row to score must have (the features).</summary>
    public IReadOnlyList<string> FeatureColumns => _schema.Columns.Select(c => c.Name).ToArray();

    /// <summary>The classes (empty for regression).</summary>
    public IReadOnlyList<string> ClassNames => _schema.ClassNames;

    /// <summary>One line describing the model.</summary>
    public string Description { get; }

    /// <summary>Scores rows given in <see cref="SourceColumns"/> order (the label field may be empty).</summary>
    /// <param name="rows">The rows.</param>
    /// <returns>One prediction per row.</returns>
    /// <exception cref="ScoringRowException">A value is not a number or is missing (names the row and column).</exception>
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
        int k = _model.OutputCount;
        var scores = new float[rows.Count * k];
        _model.Score(_blas, features, rows.Count, scores);
        var result = new Prediction[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            Span<float> s = scores.AsSpan(i * k, k);
            switch (_schema.Task)
            {
                case TaskKind.Regression:
                    result[i] = new Prediction(s[0], s[0], Array.Empty<float>());
                    break;
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

    /// <summary>Encodes a label value.</summary>
    /// <param name="value">The raw label text.</param>
    /// <returns>The class index or the number.</returns>
    /// <exception cref="CsvFormatException">Not a known class, or not a number for regression.</exception>
    public float EncodeLabel(string value) => _schema.EncodeLabel(value);

    /// <summary>Metrics of predictions against encoded labels.</summary>
    /// <param name="labels">Encoded labels.</param>
    /// <param name="predictions">The predictions, one per label.</param>
    /// <returns>The metrics.</returns>
    public Evaluation Evaluate(IReadOnlyList<float> labels, IReadOnlyList<Prediction> predictions) =>
        MetricsCalculator.Evaluate(_schema.Task, _schema.ClassNames, labels, predictions);
}
