using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Data;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Pipelines;
using static System.FormattableString;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>
/// The flags <c>train</c>, <c>compare</c> and <c>sweep</c> share — data and featurization, model, trainer, output — and
/// how they become a pipeline configuration: the config file (<c>--config</c>) or the tool's defaults
/// (<see cref="CliDefaults"/>), then every flag given, each setting its key of the configuration.
/// </summary>
internal sealed class RunFlags
{
    private readonly bool _modelFlags;

    /// <summary>Creates the flags of a verb.</summary>
    /// <param name="outputSuffix">The default output folder's suffix ("model", "compare", "sweep").</param>
    /// <param name="modelFlags">Whether the verb takes the model and trainer flags (<c>sweep</c> searches them instead).</param>
    public RunFlags(string outputSuffix, bool modelFlags = true)
    {
        OutputSuffix = outputSuffix;
        _modelFlags = modelFlags;
        Output = Flags.Text("--output", "folder", $"Where to write the results [default: <data file name>-{outputSuffix} in the current folder].", "-o");
    }

    public Option<string?> Data { get; } = Flags.Text("--data", "file.csv", "The CSV file (header row, one row per example).", "-d");

    public Option<string?> Label { get; } = Flags.Text("--label", "column", "The label column; the task is inferred from it unless --task is given.", "-l");

    public Option<string?> Config { get; } = Flags.Text("--config", "file.json", "A pipeline config (the config.json an earlier run wrote); flags given as well override its keys.", "-c");

    public Option<string?> Output { get; }

    public Option<string?> Task { get; } = Flags.Text("--task", "task", "auto, regression, binary or multiclass [default: auto].");

    public Option<string?> Model { get; } = Flags.Text("--model", "kind", "mlp or linear [default: mlp].");

    public Option<string?> Hidden { get; } = Flags.Text("--hidden", "widths", Invariant($"MLP hidden layer widths, comma-separated [default: {string.Join(',', PipelineDefaults.DefaultHiddenLayers)}]."));

    public Option<string?> Activation { get; } = Flags.Text("--activation", "name", "relu, gelu, tanh or sigmoid [default: relu].");

    public Option<string?> Dropout { get; } = Flags.Text("--dropout", "rate", "Dropout on hidden units while training, in [0, 0.95] [default: 0].");

    public Option<string?> Epochs { get; } = Flags.Text("--epochs", "n", Invariant($"Passes over the training rows [default: enough for about {PipelineBackend.AutoTargetSteps} optimizer steps, {PipelineBackend.AutoMinEpochs} to {PipelineBackend.AutoMaxEpochs} epochs]."));

    public Option<string?> BatchSize { get; } = Flags.Text("--batch-size", "n", Invariant($"Rows per optimizer step [default: {PipelineDefaults.BatchSize}]."));

    public Option<string?> ValidationFraction { get; } = Flags.Text("--validation-fraction", "share", Invariant($"Share of rows held out for validation curves and metrics, in [0, 0.9] [default: {CliDefaults.ValidationFraction}]."));

    public Option<string?> EarlyStopping { get; } = Flags.Text("--early-stopping", "patience", "Stop after this many epochs without validation-loss improvement and keep the best weights [default: off].");

    public Option<bool> LastEpoch { get; } = Flags.Switch("--last-epoch", "Keep the weights of the last epoch instead of those of the epoch with the lowest validation loss.");

    public Option<string?> Normalize { get; } = Flags.Text("--normalize", "kind", "mean-variance, min-max or none [default: mean-variance].");

    public Option<string[]> Categorical { get; } = Flags.List("--categorical", "columns", "Columns to one-hot encode even if their values are numbers (comma-separated or repeated).");

    public Option<string[]> Ignore { get; } = Flags.List("--ignore", "columns", "Columns that are not features, e.g. ids (comma-separated or repeated).");

    public Option<string[]> MissingValues { get; } = Flags.List("--missing-values", "tokens", "Values that mean \"missing\" besides the empty field, e.g. NA,? (comma-separated or repeated).");

    public Option<string?> Impute { get; } = Flags.Text("--impute", "policy", "What a missing feature value becomes: fail, mean or zero [default: fail].");

    public Option<string?> Separator { get; } = Flags.Text("--separator", "char", "The field separator: one character or 'tab' [default: ,].");

    public Option<string?> Seed { get; } = Flags.Text("--seed", "n", Invariant($"Seed of the split, initial weights, shuffling and dropout; same seed, same model [default: {PipelineDefaults.Seed}]."));

    public Option<string?> Compute { get; } = Flags.Text("--compute", "provider", "Matrix compute provider: auto, managed, mkl or openblas [default: auto].");

    public Option<bool> NoReport { get; } = Flags.Switch("--no-report", "Do not write the HTML report.");

    public Option<bool> Quiet { get; } = Flags.Switch("--quiet", "No progress and no run summary; only results and errors.", "-q");

    /// <summary>The default output folder's suffix.</summary>
    public string OutputSuffix { get; }

    /// <summary>Adds the options to a command, with the verb's own options after the model options.</summary>
    /// <param name="command">The command.</param>
    /// <param name="verbOptions">The verb's options.</param>
    public void AddTo(Command command, params Option[] verbOptions)
    {
        var options = new List<Option> { Data, Label, Config, Output, Task };
        if (_modelFlags)
        {
            options.AddRange(new Option[] { Model, Hidden, Activation, Dropout });
        }

        options.AddRange(verbOptions);
        if (_modelFlags)
        {
            options.AddRange(new Option[] { Epochs, BatchSize });
        }

        options.Add(ValidationFraction);
        if (_modelFlags)
        {
            options.AddRange(new Option[] { EarlyStopping, LastEpoch });
        }

        options.AddRange(new Option[] { Normalize, Categorical, Ignore, MissingValues, Impute, Separator, Seed, Compute, NoReport, Quiet });
        foreach (Option o in options)
        {
            command.Options.Add(o);
        }
    }

    /// <summary>
    /// Builds the run: parses every flag (usage errors first), reads the config file, checks the data file, then builds
    /// the pipeline configuration — the file's, or the tool's defaults for the data — with every flag applied.
    /// </summary>
    /// <param name="pr">The parse result.</param>
    /// <returns>The run (its optimizer not yet chosen: see the verbs' optimizer flags).</returns>
    public RunRequest Resolve(ParseResult pr)
    {
        string? configPath = pr.GetValue(Config);
        string? dataFlag = pr.GetValue(Data);
        string? labelFlag = pr.GetValue(Label);
        if (configPath is null && (dataFlag is null || labelFlag is null))
        {
            throw CliException.Usage("--data and --label are required (or --config with a pipeline config file).");
        }

        // Every flag value first: a bad flag is a usage error before any file is read.
        bool taskGiven = Flags.Choice("--task", pr.GetValue(Task), Names.Tasks, out TaskKind? task);
        bool modelGiven = false, activationGiven = false;
        ModelType model = ModelType.Mlp;
        Activation activation = Training.Models.Activation.ReLU;
        int[]? hidden = null;
        double? dropout = null;
        int? epochs = null, batch = null, patience = null;
        bool lastEpoch = false;
        if (_modelFlags)
        {
            modelGiven = Flags.Choice("--model", pr.GetValue(Model), Names.Models, out model);
            hidden = ParseHidden(pr.GetValue(Hidden));
            activationGiven = Flags.Choice("--activation", pr.GetValue(Activation), Names.Activations, out activation);
            dropout = Flags.Double("--dropout", pr.GetValue(Dropout), 0, 0.95);
            epochs = Flags.Int("--epochs", pr.GetValue(Epochs), 1, 1_000_000);
            batch = Flags.Int("--batch-size", pr.GetValue(BatchSize), 1, 1 << 20);
            patience = Flags.Int("--early-stopping", pr.GetValue(EarlyStopping), 1, 1_000_000);
            lastEpoch = pr.GetValue(LastEpoch);
        }

        double? validationFraction = Flags.Double("--validation-fraction", pr.GetValue(ValidationFraction), 0, 0.9);
        ulong? seed = Flags.ULong("--seed", pr.GetValue(Seed));
        bool normalizeGiven = Flags.Choice("--normalize", pr.GetValue(Normalize), Names.Normalizations, out NormalizeKind normalize);
        bool imputeGiven = Flags.Choice("--impute", pr.GetValue(Impute), Names.Imputations, out MissingValuePolicy impute);
        string[] categorical = Flags.SplitList(pr.GetValue(Categorical));
        string[] ignore = Flags.SplitList(pr.GetValue(Ignore));
        string[] missing = Flags.SplitList(pr.GetValue(MissingValues));
        char? separator = null;
        if (pr.GetValue(Separator) is string sep)
        {
            separator = Names.TryParseSeparator(sep, out char c) ? c : throw CliException.Usage($"--separator: expected one character (not a quote) or 'tab', got '{sep}'.");
        }

        string compute = "auto";
        if (pr.GetValue(Compute) is string computeText)
        {
            compute = Names.ComputeProviders.Contains(computeText.ToLowerInvariant())
                ? computeText.ToLowerInvariant()
                : throw CliException.Usage($"--compute: expected one of {string.Join(", ", Names.ComputeProviders)}, got '{computeText}'.");
        }

        if (hidden != null && (modelGiven ? model : ModelType.Mlp) == ModelType.Linear)
        {
            throw CliException.Usage("--hidden cannot be used with --model linear (a linear model has no hidden layers).");
        }

        // The config file, and where the data is.
        PipelineConfig? file = configPath is null ? null : PipelineBackend.ReadConfig(configPath);
        string? dataPath = dataFlag;
        if (dataPath is null && file?.Data.Path is string relative)
        {
            // Relative to the config file's folder; shown relative to the current folder unless the config path was absolute.
            string full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath!)) ?? ".", relative));
            dataPath = Path.IsPathRooted(relative) ? relative : Path.IsPathRooted(configPath!) ? full : Path.GetRelativePath(Directory.GetCurrentDirectory(), full);
        }

        if (dataPath is null)
        {
            throw CliException.Usage($"config file '{configPath}' names no data file (no data.path); pass --data.");
        }

        string label = labelFlag ?? file!.Data.Label;

        // Check the data file with the effective reading settings before anything is inferred or loaded.
        char effectiveSeparator = separator ?? file?.Data.Separator ?? ',';
        IReadOnlyList<string> tokens = missing.Length > 0 ? missing : file?.Data.MissingValueTokens ?? (IReadOnlyList<string>)Array.Empty<string>();
        bool imputes = imputeGiven ? impute != MissingValuePolicy.Fail : file?.Featurizers.Any(f => f is ReplaceMissingConfig) ?? false;
        if (file is null || file.Data.HasHeader)
        {
            IEnumerable<string> textColumns = file?.Data.Columns.Where(c => c.Type == ColumnType.Text && c.Name != label).Select(c => c.Name) ?? Enumerable.Empty<string>();
            IEnumerable<string> leftOut = file is null ? Enumerable.Empty<string>() : file.Data.Columns.Select(c => c.Name).Where(n => n != label && !FeatureColumns(file).Contains(n));
            DataInspector.InspectTrainingFile(dataPath, effectiveSeparator, label, categorical, ignore, tokens, imputes, textColumns.ToArray(), leftOut.ToArray());
        }

        // The configuration: the file's, or the defaults for the inferred schema.
        PipelineConfig config;
        if (file is null)
        {
            DataConfig schema = PipelineBackend.InferSchema(dataPath, label, task, effectiveSeparator, tokens);
            SetText(schema, categorical);
            config = CliDefaults.Create(schema);
        }
        else
        {
            config = file.Clone();
            DataConfig d = config.Data;
            d.Path = null;
            if (label != d.Label || taskGiven)
            {
                if (d.TypeOf(label) is null)
                {
                    throw CliException.BadData($"config file '{configPath}' declares no column '{label}' (--label) in data.columns.");
                }

                d.Label = label;
                d.Task = task ?? PipelineBackend.InferSchema(dataPath, label, null, effectiveSeparator, tokens).Task;
            }

            d.Separator = effectiveSeparator;
            d.MissingValueTokens = tokens.ToList();
            SetText(d, categorical);
        }

        ApplyFeaturizers(config, ignore, imputeGiven ? impute : null, normalizeGiven ? normalize : null);
        TrainerConfig t = config.Trainer;
        ModelConfig m = t.Model;
        if (modelGiven && model == ModelType.Linear)
        {
            config.Trainer.Model = new ModelConfig { Type = ModelType.Linear, Initializer = m.Initializer, Loss = m.Loss, HuberDelta = m.HuberDelta };
            m = config.Trainer.Model;
        }
        else if (modelGiven && model == ModelType.Mlp && m.Type == ModelType.Linear)
        {
            m.Type = ModelType.Mlp;
            m.HiddenLayers = PipelineDefaults.DefaultHiddenLayers.ToList();
        }

        if (m.Type == ModelType.Linear && (hidden != null || activationGiven || dropout != null))
        {
            string flag = hidden != null ? "--hidden" : activationGiven ? "--activation" : "--dropout";
            throw CliException.Usage($"{flag} applies to an MLP; the model is linear (pass --model mlp).");
        }

        if (hidden != null)
        {
            m.HiddenLayers = hidden.ToList();
        }

        if (activationGiven)
        {
            m.Activation = activation;
        }

        if (dropout is double rate)
        {
            m.Dropout = rate;
        }

        if (epochs is int e)
        {
            t.Epochs = e;
        }

        if (batch is int b)
        {
            t.BatchSize = b;
        }

        if (validationFraction is double f)
        {
            t.ValidationFraction = f;
        }

        if (seed is ulong s)
        {
            config.Seed = s;
        }

        bool keepBest;
        if (file is null)
        {
            keepBest = !lastEpoch && patience is null;
            t.EarlyStoppingPatience = patience;
            t.RestoreBestWeights = !lastEpoch;
        }
        else
        {
            // A file that keeps the best epoch (patience = epochs) keeps doing so when flags change the epochs.
            keepBest = patience is null && !lastEpoch && file.Trainer.EarlyStoppingPatience == file.Trainer.Epochs && file.Trainer.RestoreBestWeights;
            if (patience != null)
            {
                t.EarlyStoppingPatience = patience;
            }
            else if (lastEpoch)
            {
                t.EarlyStoppingPatience = null;
            }

            t.RestoreBestWeights &= !lastEpoch;
        }

        if (t.ValidationFraction == 0 && patience is null)
        {
            t.EarlyStoppingPatience = null;
            keepBest = false;
        }

        return new RunRequest
        {
            Config = config,
            DataPath = dataPath,
            Compute = compute,
            AutoEpochs = file is null && epochs is null,
            KeepBestEpoch = keepBest,
            FileTrainer = file?.Trainer.Clone(),
        };
    }

    /// <summary>The output folder: the flag, or a name derived from the data file in the current folder.</summary>
    /// <param name="pr">The parse result.</param>
    /// <param name="request">The run.</param>
    /// <returns>The folder.</returns>
    public string OutputFolder(ParseResult pr, RunRequest request) =>
        pr.GetValue(Output) ?? Path.GetFileNameWithoutExtension(request.DataPath) + "-" + OutputSuffix;

    /// <summary>The feature columns after <c>select_columns</c> (all non-role columns without it).</summary>
    /// <param name="config">The configuration.</param>
    /// <returns>The columns in order.</returns>
    public static IReadOnlyList<string> FeatureColumns(PipelineConfig config) =>
        config.Featurizers.OfType<SelectColumnsConfig>().FirstOrDefault()?.Columns
        ?? config.Data.Columns.Where(c => !config.Data.IsRole(c.Name)).Select(c => c.Name).ToList();

    /// <summary>Settings rows for the report.</summary>
    /// <param name="config">The configuration trained.</param>
    /// <param name="d">The data summary.</param>
    /// <param name="model">The model description.</param>
    /// <param name="compute">The compute provider.</param>
    /// <returns>(name, value) rows.</returns>
    public static IReadOnlyList<(string, string)> ReportSettings(PipelineConfig config, DataSummary d, string model, string compute)
    {
        TrainerConfig t = config.Trainer;
        NormalizeConfig? n = config.Featurizers.OfType<NormalizeConfig>().FirstOrDefault();
        string normalization = n is null ? "none" : n.Kind == NormalizerKind.MeanVariance ? (n.FixZero ? "mean-variance (zero kept)" : "mean-variance (z-score)") : (n.FixZero ? "min-max (zero kept)" : "min-max");
        ReplaceMissingConfig? r = config.Featurizers.OfType<ReplaceMissingConfig>().FirstOrDefault();
        string stopping = t.EarlyStoppingPatience is int p && d.ValidationRows > 0
            ? p >= t.Epochs ? (t.RestoreBestWeights ? ", weights of the epoch with the lowest validation loss" : ", weights of the last epoch") : $", early stopping after {p} epochs without improvement{(t.RestoreBestWeights ? " (best weights kept)" : string.Empty)}"
            : ", weights of the last epoch";
        return new List<(string, string)>
        {
            ("data file", d.Path),
            ("label", $"{d.Label} ({Names.Describe(d.Task)}{(d.ClassNames.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", {d.ClassNames.Count} classes") : string.Empty)})"),
            ("rows", string.Create(CultureInfo.InvariantCulture, $"{d.Rows:N0}: {d.TrainingRows:N0} training, {d.ValidationRows:N0} validation (pipeline seed {config.Seed})")),
            ("features", string.Create(CultureInfo.InvariantCulture, $"{d.FeatureCount} after one-hot encoding: {d.NumericColumns.Count} numeric columns, {d.CategoricalColumns.Count} categorical{(d.CategoricalColumns.Count > 0 ? " (" + string.Join(", ", d.CategoricalColumns) + ")" : string.Empty)}")),
            ("missing values", r is null ? "an error" : r.Mode == ReplacementMode.Mean ? "replaced by the training mean" : "replaced by zero"),
            ("normalization", normalization + (d.Task == TaskKind.Regression && t.StandardizeLabel ? "; label standardized for training (loss in label-variance units), predictions and metrics on the original scale" : string.Empty)),
            ("model", model),
            ("trainer", string.Create(CultureInfo.InvariantCulture, $"{t.Epochs} epochs, batch size {t.BatchSize}{stopping}, compute {compute}")),
        };
    }

    private static int[]? ParseHidden(string? text)
    {
        if (text is null)
        {
            return null;
        }

        string[] parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw CliException.Usage($"--hidden: expected comma-separated layer widths such as 64 or 128,64, got '{text}'.");
        }

        return parts.Select(p => Flags.Int("--hidden", p, 1, 1 << 16)!.Value).ToArray();
    }

    /// <summary>Declares columns as text (one-hot encoded) whatever their values look like.</summary>
    private static void SetText(DataConfig data, IReadOnlyList<string> columns)
    {
        foreach (string name in columns.Select(c => c.Trim()))
        {
            int i = data.Columns.FindIndex(c => c.Name == name);
            if (i < 0)
            {
                throw CliException.BadData($"the configuration declares no column '{name}' (--categorical) in data.columns.");
            }

            data.Columns[i] = data.Columns[i] with { Type = ColumnType.Text };
        }
    }

    /// <summary>Applies the featurization flags and keeps the chain valid: select_columns, replace_missing, one_hot (exactly when there are text features), normalize.</summary>
    private static void ApplyFeaturizers(PipelineConfig config, IReadOnlyList<string> ignore, MissingValuePolicy? impute, NormalizeKind? normalize)
    {
        DataConfig data = config.Data;
        List<FeaturizerConfig> chain = config.Featurizers;
        SelectColumnsConfig? select = chain.OfType<SelectColumnsConfig>().FirstOrDefault();
        ReplaceMissingConfig? replace = chain.OfType<ReplaceMissingConfig>().FirstOrDefault();
        OneHotConfig? oneHot = chain.OfType<OneHotConfig>().FirstOrDefault();
        NormalizeConfig? norm = chain.OfType<NormalizeConfig>().FirstOrDefault();
        if (ignore.Count > 0)
        {
            var keep = FeatureColumns(config).Where(c => !ignore.Contains(c)).ToList();
            select = new SelectColumnsConfig(keep.ToArray());
        }

        if (impute is MissingValuePolicy policy)
        {
            replace = policy == MissingValuePolicy.Fail ? null : new ReplaceMissingConfig { Mode = policy == MissingValuePolicy.Mean ? ReplacementMode.Mean : ReplacementMode.Zero };
        }

        if (normalize is NormalizeKind kind)
        {
            norm = kind switch
            {
                NormalizeKind.MeanVariance => new NormalizeConfig { Kind = NormalizerKind.MeanVariance, FixZero = false },
                NormalizeKind.MinMax => new NormalizeConfig { Kind = NormalizerKind.MinMax, FixZero = true },
                _ => null,
            };
        }

        IReadOnlyList<string> features = select?.Columns ?? data.Columns.Where(c => !data.IsRole(c.Name)).Select(c => c.Name).ToList();
        bool anyText = features.Any(c => data.TypeOf(c) == ColumnType.Text);
        if (anyText && oneHot is null)
        {
            oneHot = new OneHotConfig();
        }
        else if (!anyText && oneHot is { Columns: null })
        {
            oneHot = null;
        }
        else if (oneHot?.Columns is List<string> encoded)
        {
            // Every text feature must be encoded: a column made categorical by --categorical joins the list.
            foreach (string c in features.Where(c => data.TypeOf(c) == ColumnType.Text && !encoded.Contains(c)))
            {
                encoded.Add(c);
            }
        }

        config.Featurizers = new FeaturizerConfig?[] { select, replace, oneHot, norm }.Where(x => x != null).Cast<FeaturizerConfig>().ToList();
    }
}
