using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>The flags <c>train</c> and <c>compare</c> share: data, featurization, model, trainer, seed, output.</summary>
internal sealed class RunFlags
{
    public Option<string?> Data { get; } = Flags.Text("--data", "file.csv", "The CSV file (header row, one row per example).", "-d");

    public Option<string?> Label { get; } = Flags.Text("--label", "column", "The label column; the task is inferred from it unless --task is given.", "-l");

    public Option<string?> Config { get; } = Flags.Text("--config", "file.json", "A run config written by an earlier run (config.json); flags given as well override it.", "-c");

    public Option<string?> Output { get; }

    public Option<string?> Task { get; } = Flags.Text("--task", "task", "auto, regression, binary or multiclass [default: auto].");

    public Option<string?> Model { get; } = Flags.Text("--model", "kind", "mlp or linear [default: mlp].");

    public Option<string?> Hidden { get; } = Flags.Text("--hidden", "widths", "MLP hidden layer widths, comma-separated [default: 64].");

    public Option<string?> Activation { get; } = Flags.Text("--activation", "name", "relu, gelu, tanh or sigmoid [default: relu].");

    public Option<string?> Dropout { get; } = Flags.Text("--dropout", "rate", "Dropout on hidden units while training, in [0, 0.95] [default: 0].");

    public Option<string?> Epochs { get; } = Flags.Text("--epochs", "n", "Passes over the training rows [default: enough for about 2000 optimizer steps, 10 to 1000 epochs].");

    public Option<string?> BatchSize { get; } = Flags.Text("--batch-size", "n", "Rows per optimizer step [default: 32].");

    public Option<string?> ValidationFraction { get; } = Flags.Text("--validation-fraction", "share", "Share of rows held out for validation curves and metrics, in [0, 0.9] [default: 0.2].");

    public Option<string?> EarlyStopping { get; } = Flags.Text("--early-stopping", "patience", "Stop after this many epochs without validation-loss improvement and keep the best weights [default: off].");

    public Option<bool> LastEpoch { get; } = Flags.Switch("--last-epoch", "Keep the weights of the last epoch instead of those of the epoch with the lowest validation loss.");

    public Option<string?> Normalize { get; } = Flags.Text("--normalize", "kind", "mean-variance, min-max or none [default: mean-variance].");

    public Option<string[]> Categorical { get; } = Flags.List("--categorical", "columns", "Columns to one-hot encode even if their values are numbers (comma-separated or repeated).");

    public Option<string[]> Ignore { get; } = Flags.List("--ignore", "columns", "Columns that are not features, e.g. ids (comma-separated or repeated).");

    public Option<string[]> MissingValues { get; } = Flags.List("--missing-values", "tokens", "Values that mean \"missing\" besides the empty field, e.g. NA,? (comma-separated or repeated).");

    public Option<string?> Impute { get; } = Flags.Text("--impute", "policy", "What a missing feature value becomes: fail, mean or zero [default: fail].");

    public Option<string?> Separator { get; } = Flags.Text("--separator", "char", "The field separator: one character or 'tab' [default: ,].");

    public Option<string?> Seed { get; } = Flags.Text("--seed", "n", "Seed of the split, initial weights, shuffling and dropout; same seed, same model [default: 42].");

    public Option<string?> Compute { get; } = Flags.Text("--compute", "provider", "Matrix compute provider: auto, managed, mkl or openblas [default: auto].");

    public Option<bool> NoReport { get; } = Flags.Switch("--no-report", "Do not write the HTML report.");

    public Option<bool> Quiet { get; } = Flags.Switch("--quiet", "No progress and no run summary; only results and errors.", "-q");

    /// <summary>Creates the flags of a verb.</summary>
    /// <param name="outputSuffix">The default output folder's suffix ("model" or "compare").</param>
    public RunFlags(string outputSuffix)
    {
        OutputSuffix = outputSuffix;
        Output = Flags.Text("--output", "folder", $"Where to write the results [default: <data file name>-{outputSuffix} in the current folder].", "-o");
    }

    /// <summary>The default output folder's suffix.</summary>
    public string OutputSuffix { get; }

    /// <summary>Adds the shared options to a command, with the verb's optimizer options after the model options.</summary>
    /// <param name="command">The command.</param>
    /// <param name="optimizerOptions">The verb's optimizer options.</param>
    public void AddTo(Command command, params Option[] optimizerOptions)
    {
        foreach (Option o in new Option[] { Data, Label, Config, Output, Task, Model, Hidden, Activation, Dropout }.Concat(optimizerOptions).Concat(new Option[] { Epochs, BatchSize, ValidationFraction, EarlyStopping, LastEpoch, Normalize, Categorical, Ignore, MissingValues, Impute, Separator, Seed, Compute, NoReport, Quiet }))
        {
            command.Options.Add(o);
        }
    }

    /// <summary>Builds the run settings: the config file (if any), then every flag given.</summary>
    /// <param name="pr">The parse result.</param>
    /// <param name="backend">The backend (reads the config file).</param>
    /// <returns>The settings.</returns>
    public RunSettings Resolve(ParseResult pr, ITrainingBackend backend)
    {
        string? config = pr.GetValue(Config);
        RunSettings s = config is null ? new RunSettings() : backend.ReadConfig(config);

        string? data = pr.GetValue(Data);
        if (data != null)
        {
            s = s with { DataPath = data };
        }

        string? label = pr.GetValue(Label);
        if (label != null)
        {
            s = s with { Label = label };
        }

        if (s.DataPath is null || s.Label is null)
        {
            throw CliException.Usage(config is null
                ? "--data and --label are required (or --config with a run config file)."
                : $"config file '{config}' names no {(s.DataPath is null ? "data file" : "label")}; pass {(s.DataPath is null ? "--data" : "--label")}.");
        }

        if (Flags.Choice("--task", pr.GetValue(Task), Names.Tasks, out TaskKind? task))
        {
            s = s with { Task = task };
        }

        if (Flags.Choice("--model", pr.GetValue(Model), Names.Models, out ModelKind model))
        {
            s = s with { Model = model };
        }

        string? hidden = pr.GetValue(Hidden);
        if (hidden != null)
        {
            string[] parts = hidden.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                throw CliException.Usage($"--hidden: expected comma-separated layer widths such as 64 or 128,64, got '{hidden}'.");
            }

            int[] widths = parts.Select(p => Flags.Int("--hidden", p, 1, 1 << 16)!.Value).ToArray();
            if (s.Model == ModelKind.Linear)
            {
                throw CliException.Usage("--hidden cannot be used with --model linear (a linear model has no hidden layers).");
            }

            s = s with { Hidden = widths };
        }

        if (Flags.Choice("--activation", pr.GetValue(Activation), Names.Activations, out Activation activation))
        {
            s = s with { Activation = activation };
        }

        s = s with
        {
            Dropout = Flags.Double("--dropout", pr.GetValue(Dropout), 0, 0.95) ?? s.Dropout,
            Epochs = Flags.Int("--epochs", pr.GetValue(Epochs), 1, 1_000_000) ?? s.Epochs,
            BatchSize = Flags.Int("--batch-size", pr.GetValue(BatchSize), 1, 1 << 20) ?? s.BatchSize,
            ValidationFraction = Flags.Double("--validation-fraction", pr.GetValue(ValidationFraction), 0, 0.9) ?? s.ValidationFraction,
            EarlyStoppingPatience = Flags.Int("--early-stopping", pr.GetValue(EarlyStopping), 1, 1_000_000) ?? s.EarlyStoppingPatience,
            Seed = Flags.ULong("--seed", pr.GetValue(Seed)) ?? s.Seed,
            RestoreBest = !pr.GetValue(LastEpoch) && s.RestoreBest,
        };

        if (Flags.Choice("--normalize", pr.GetValue(Normalize), Names.Normalizations, out NormalizeKind normalize))
        {
            s = s with { Normalize = normalize };
        }

        if (Flags.Choice("--impute", pr.GetValue(Impute), Names.Imputations, out MissingValuePolicy impute))
        {
            s = s with { Imputation = impute };
        }

        string[] categorical = Flags.SplitList(pr.GetValue(Categorical));
        string[] ignore = Flags.SplitList(pr.GetValue(Ignore));
        string[] missing = Flags.SplitList(pr.GetValue(MissingValues));
        s = s with
        {
            Categorical = categorical.Length > 0 ? categorical : s.Categorical,
            Ignore = ignore.Length > 0 ? ignore : s.Ignore,
            MissingValues = missing.Length > 0 ? missing : s.MissingValues,
        };

        string? sep = pr.GetValue(Separator);
        if (sep != null)
        {
            if (!Names.TryParseSeparator(sep, out char c))
            {
                throw CliException.Usage($"--separator: expected one character (not a quote) or 'tab', got '{sep}'.");
            }

            s = s with { Separator = c };
        }

        string? compute = pr.GetValue(Compute);
        if (compute != null)
        {
            if (!Names.ComputeProviders.Contains(compute.ToLowerInvariant()))
            {
                throw CliException.Usage($"--compute: expected one of {string.Join(", ", Names.ComputeProviders)}, got '{compute}'.");
            }

            s = s with { Compute = compute.ToLowerInvariant() };
        }

        return s;
    }

    /// <summary>The output folder: the flag, or a name derived from the data file in the current folder.</summary>
    /// <param name="pr">The parse result.</param>
    /// <param name="settings">The settings.</param>
    /// <returns>The folder.</returns>
    public string OutputFolder(ParseResult pr, RunSettings settings) =>
        pr.GetValue(Output) ?? Path.GetFileNameWithoutExtension(settings.DataPath!) + "-" + OutputSuffix;

    /// <summary>Checks the data file before loading it (flag-level messages).</summary>
    /// <param name="s">The settings.</param>
    public static void Inspect(RunSettings s) =>
        Cli.Data.DataInspector.InspectTrainingFile(s.DataPath!, s.Separator, s.Label!, s.Categorical, s.Ignore, s.MissingValues, s.Imputation != MissingValuePolicy.Fail);

    /// <summary>Settings rows for the report.</summary>
    /// <param name="s">Resolved settings.</param>
    /// <param name="d">The data summary.</param>
    /// <param name="model">The model description.</param>
    /// <returns>(name, value) rows.</returns>
    public static IReadOnlyList<(string, string)> ReportSettings(RunSettings s, DataSummary d, string model)
    {
        var rows = new List<(string, string)>
        {
            ("data file", d.Path),
            ("label", $"{d.Label} ({Names.Describe(d.Task)}{(d.ClassNames.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", {d.ClassNames.Count} classes") : string.Empty)})"),
            ("rows", string.Create(CultureInfo.InvariantCulture, $"{d.Rows:N0}: {d.TrainingRows:N0} training, {d.ValidationRows:N0} validation (split seed {s.Seed})")),
            ("features", string.Create(CultureInfo.InvariantCulture, $"{d.FeatureCount} after one-hot encoding: {d.NumericColumns.Count} numeric columns, {d.CategoricalColumns.Count} categorical{(d.CategoricalColumns.Count > 0 ? " (" + string.Join(", ", d.CategoricalColumns) + ")" : string.Empty)}")),
            ("normalization", Names.Format(Names.Normalizations, s.Normalize) + (d.Task == TaskKind.Regression ? "; label standardized for training (loss in label-variance units), predictions and metrics on the original scale" : string.Empty)),
            ("model", model),
            ("trainer", string.Create(CultureInfo.InvariantCulture, $"{s.Epochs} epochs, batch size {s.BatchSize}{(s.EarlyStoppingPatience is int p ? $", early stopping after {p} epochs without improvement" : string.Empty)}{(s.RestoreBest && d.ValidationRows > 0 ? ", weights of the epoch with the lowest validation loss" : ", weights of the last epoch")}, seed {s.Seed}, compute {s.Compute}")),
        };
        return rows;
    }
}
