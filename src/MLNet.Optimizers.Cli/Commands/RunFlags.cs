using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;
using static System.FormattableString;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>
/// The flags <c>train</c>, <c>compare</c> and <c>sweep</c> share — data, featurization, model, trainer, output — and
/// how they become a recipe: the recipe file (<c>--config</c>) or the recipe inferred from the CSV file, then every flag
/// given, each setting its key of the recipe (the flag's help names the key). Defaults are the library's
/// (<see cref="TrainingDefaults"/>, <see cref="RecipeDefaults"/>): the tool keeps no copies.
/// </summary>
internal sealed class RunFlags
{
    private readonly bool _modelFlags;

    /// <summary>Creates the flags of a verb.</summary>
    /// <param name="outputSuffix">The default output folder's suffix ("model", "compare", "sweep").</param>
    /// <param name="modelFlags">Whether the verb takes the model, optimizer and epoch flags (<c>sweep</c> searches them instead).</param>
    public RunFlags(string outputSuffix, bool modelFlags = true)
    {
        OutputSuffix = outputSuffix;
        _modelFlags = modelFlags;
        Output = Flags.Text("--output", "folder", $"Where to write the results [default: <data file name>-{outputSuffix} in the current folder].", "-o");
    }

    public Option<string?> Data { get; } = Flags.Text("--data", "file.csv", "The CSV file (header row, one row per example).", "-d");

    public Option<string?> Label { get; } = Flags.Text("--label", "column", "The label column (label.column); the task is inferred from it unless --task is given.", "-l");

    public Option<string?> Config { get; } = Flags.Text("--config", "recipe.json", "A recipe (the config.json an earlier run wrote); flags given as well override its keys.", "-c");

    public Option<string?> Output { get; }

    public Option<string?> Task { get; } = Flags.Text("--task", "task", "auto, regression, binary or multiclass (trainer.task) [default: auto].");

    public Option<string?> Model { get; } = Flags.Text("--model", "kind", "mlp or linear (trainer.model.type) [default: mlp].");

    public Option<string?> Hidden { get; } = Flags.Text("--hidden", "widths", Invariant($"MLP hidden layer widths, comma-separated (trainer.model.hidden_layers) [default: {string.Join(',', TrainingDefaults.HiddenLayers)}]."));

    public Option<string?> Activation { get; } = Flags.Text("--activation", "name", $"relu, tanh or sigmoid (trainer.model.activation) [default: {ModelSearchName(TrainingDefaults.Activation)}].");

    public Option<string?> Dropout { get; } = Flags.Text("--dropout", "rate", Invariant($"Dropout on hidden units while training, in [0, 0.95] (trainer.model.dropout) [default: {TrainingDefaults.Dropout}]."));

    public Option<string?> Epochs { get; } = Flags.Text("--epochs", "n", Invariant($"The most passes over the training rows; early stopping usually ends sooner (trainer.epochs) [default: {TrainingDefaults.Epochs}]."));

    public Option<string?> BatchSize { get; } = Flags.Text("--batch-size", "n", Invariant($"Rows per optimizer step (trainer.batch_size) [default: {TrainingDefaults.MlpBatchSize} for an MLP, {TrainingDefaults.BatchSize} for a linear model]."));

    public Option<string?> HoldoutFraction { get; } = Flags.Text("--holdout-fraction", "share", Invariant($"Share of the rows held out to evaluate the model on rows that chose nothing, in [0, 0.9] (data.holdout_fraction) [default: {RecipeDefaults.HoldoutFraction}]."));

    public Option<string?> SelectionFraction { get; } = Flags.Text("--selection-fraction", "share", Invariant($"Share of the training rows split off as selection rows, on which early stopping chooses the epoch, in [0, 0.9); 0: none, every epoch runs and the last is kept (trainer.early_stopping.selection_fraction) [default: {TrainingDefaults.SelectionFraction}]."));

    public Option<string?> Patience { get; } = Flags.Text("--patience", "epochs", Invariant($"Stop after this many epochs without improvement on the selection rows, or 'none' to run every epoch (trainer.early_stopping.patience) [default: {TrainingDefaults.EarlyStoppingPatience}]."));

    public Option<string?> Keep { get; } = Flags.Text("--keep", "rule", $"Which epoch's weights to keep: best-loss, best-metric or last (trainer.early_stopping.keep) [default: {Names.Format(Names.EpochRules, TrainingDefaults.EpochRule)}].");

    public Option<bool> Refit { get; } = Flags.Switch("--refit", "After early stopping has chosen the epoch count, train again on every training row (selection rows too) for that many epochs (trainer.early_stopping.refit).");

    public Option<string?> Normalize { get; } = Flags.Text("--normalize", "kind", "mean-variance, min-max, robust or none (the normalize step) [default: mean-variance].");

    public Option<string[]> Categorical { get; } = Flags.List("--categorical", "columns", "Columns to one-hot encode even if their values are numbers (comma-separated or repeated).");

    public Option<string[]> Ignore { get; } = Flags.List("--ignore", "columns", "Columns that are not features, e.g. ids (the drop step; comma-separated or repeated).");

    public Option<string[]> MissingValues { get; } = Flags.List("--missing-values", "tokens", "Values that mean \"missing\" besides the empty field, e.g. NA,? (data.missing_tokens; comma-separated or repeated).");

    public Option<string?> Impute { get; } = Flags.Text("--impute", "mode", "What a missing numeric feature becomes: mean, zero, minimum, maximum, or none (a missing value is then an error) (the replace_missing step) [default: mean].");

    public Option<string?> Separator { get; } = Flags.Text("--separator", "char", "The field separator: one character or 'tab' (data.separator) [default: ,].");

    public Option<string?> DecimalSeparator { get; } = Flags.Text("--decimal-separator", "char", "The decimal separator of numbers: . or , (data.decimal_separator) [default: .].");

    public Option<string?> Seed { get; } = Flags.Text("--seed", "n", Invariant($"Seed of the splits, initial weights, shuffling and dropout; same seed, same model (seed) [default: {TrainingDefaults.Seed}]."));

    public Option<string?> Compute { get; } = Flags.Text("--compute", "provider", "Matrix compute provider: auto, managed, mkl or openblas [default: auto].");

    public Option<bool> NoReport { get; } = Flags.Switch("--no-report", "Do not write the HTML report.");

    public Option<bool> Quiet { get; } = Flags.Switch("--quiet", "Print nothing but errors (the results are in the output folder).", "-q");

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

        options.AddRange(new Option[] { HoldoutFraction, SelectionFraction, Patience, Keep, Refit });
        options.AddRange(new Option[] { Normalize, Categorical, Ignore, MissingValues, Impute, Separator, DecimalSeparator, Seed, Compute, NoReport, Quiet });
        foreach (Option o in options)
        {
            command.Options.Add(o);
        }
    }

    /// <summary>
    /// Builds the run: parses every flag (usage errors first), reads the recipe file or infers a recipe from the data
    /// file, then sets every flag's key.
    /// </summary>
    /// <param name="pr">The parse result.</param>
    /// <param name="optimizer">The optimizer to set (<c>trainer.optimizer</c>), or null to keep the recipe's.</param>
    /// <param name="optimizerKeys">Keras config keys to set in the optimizer (<c>--learning-rate</c>, <c>--weight-decay</c>), or null.</param>
    /// <returns>The run.</returns>
    public RunRequest Resolve(ParseResult pr, OptimizerSpec? optimizer = null, IReadOnlyDictionary<string, double>? optimizerKeys = null)
    {
        string? configPath = Flags.Path("--config", pr.GetValue(Config));
        string? dataFlag = Flags.Path("--data", pr.GetValue(Data));
        string? labelFlag = pr.GetValue(Label);
        if (labelFlag is { Length: 0 })
        {
            throw CliException.Usage("--label: expected a column name, got an empty value.");
        }

        Flags.Path("--output", pr.GetValue(Output));
        if (configPath is null && (dataFlag is null || labelFlag is null))
        {
            throw CliException.Usage("--data and --label are required (or --config with a recipe file).");
        }

        // Every flag value first: a bad flag is a usage error before any file is read.
        Flags.Choice("--task", pr.GetValue(Task), Names.Tasks, out TaskKind? task);
        bool modelGiven = false, activationGiven = false;
        RecipeModelType model = RecipeModelType.Mlp;
        Activation activation = TrainingDefaults.Activation;
        int[]? hidden = null;
        double? dropout = null;
        int? epochs = null, batch = null;
        if (_modelFlags)
        {
            modelGiven = Flags.Choice("--model", pr.GetValue(Model), Names.Models, out model);
            hidden = ParseHidden(pr.GetValue(Hidden));
            activationGiven = Flags.Choice("--activation", pr.GetValue(Activation), Names.Activations, out activation);
            dropout = Flags.Double("--dropout", pr.GetValue(Dropout), 0, 0.95);
            epochs = Flags.Int("--epochs", pr.GetValue(Epochs), 1, 1_000_000);
            batch = Flags.Int("--batch-size", pr.GetValue(BatchSize), 1, 1 << 20);
        }

        double? holdout = Flags.Double("--holdout-fraction", pr.GetValue(HoldoutFraction), 0, 0.9);
        double? selection = Flags.Double("--selection-fraction", pr.GetValue(SelectionFraction), 0, 0.9);
        if (selection is 0.9)
        {
            throw CliException.Usage("--selection-fraction: expected a number in [0, 0.9), got '0.9'.");
        }

        (bool patienceGiven, int? patience) = ParsePatience(pr.GetValue(Patience));
        bool keepGiven = Flags.Choice("--keep", pr.GetValue(Keep), Names.EpochRules, out EpochRule keep);
        bool refit = pr.GetValue(Refit);
        ulong? seed = Flags.ULong("--seed", pr.GetValue(Seed));
        bool normalizeGiven = Flags.Choice("--normalize", pr.GetValue(Normalize), Names.Normalizations, out NormalizeMethod? normalize);
        bool imputeGiven = Flags.Choice("--impute", pr.GetValue(Impute), Names.Imputations, out MissingReplacement? impute);
        string[] categorical = Flags.SplitList(pr.GetValue(Categorical));
        string[] ignore = Flags.SplitList(pr.GetValue(Ignore));
        string[] missing = Flags.SplitList(pr.GetValue(MissingValues));
        char? separator = null;
        if (pr.GetValue(Separator) is string sep)
        {
            separator = Names.TryParseSeparator(sep, out char c) && c is not ('"' or '\r' or '\n' or '\0')
                ? c
                : throw CliException.Usage($"--separator: expected one character (not a quote) or 'tab', got '{sep}'.");
        }

        char? decimalSeparator = null;
        if (pr.GetValue(DecimalSeparator) is string dec)
        {
            decimalSeparator = dec is "." or "," ? dec[0] : throw CliException.Usage($"--decimal-separator: expected . or ,, got '{dec}'.");
        }

        string compute = "auto";
        if (pr.GetValue(Compute) is string computeText)
        {
            compute = Names.ComputeProviders.Contains(computeText.ToLowerInvariant())
                ? computeText.ToLowerInvariant()
                : throw CliException.Usage($"--compute: expected one of {string.Join(", ", Names.ComputeProviders)}, got '{computeText}'{Suggest.DidYouMean(computeText, Names.ComputeProviders)}.");
        }

        if (hidden != null && modelGiven && model == RecipeModelType.Linear)
        {
            throw CliException.Usage("--hidden cannot be used with --model linear (a linear model has no hidden layers).");
        }

        foreach (string name in categorical.Intersect(ignore, StringComparer.Ordinal))
        {
            throw CliException.Usage($"'{name}' is given to both --categorical and --ignore.");
        }

        // The optimizer's values are checked now (a usage error before any file is read); the recipe's model, known
        // below, chooses the recommended optimizer it starts from.
        optimizer?.ToKerasObject("--optimizer", RecipeTrainer.CreateDefaultOptimizer(modelGiven ? model : RecipeModelType.Mlp));

        // The recipe: the file's, or the one inferred from the data.
        Recipe recipe;
        string dataPath;
        IReadOnlyList<string> decisions = Array.Empty<string>();
        if (configPath != null)
        {
            recipe = RecipeBackend.ReadRecipe(configPath);
            if (labelFlag != null && labelFlag != recipe.Label.Column)
            {
                throw CliException.Usage($"--label '{labelFlag}' differs from the recipe's label.column '{recipe.Label.Column}'; edit the recipe file (or leave --config out to infer a new recipe).");
            }

            if (task is TaskKind t && t != recipe.Trainer.Task)
            {
                throw CliException.Usage($"--task {Names.Format(Names.Tasks, t)} differs from the recipe's trainer.task; edit the recipe file (or leave --config out to infer a new recipe).");
            }

            string? resolved = recipe.ResolveDataPath();
            if (dataFlag is null && resolved is null)
            {
                throw CliException.Usage($"recipe file '{configPath}' names no data file (no data.path); pass --data.");
            }

            // A relative data.path is shown relative to the current folder unless the recipe path was absolute.
            dataPath = dataFlag ?? (Path.IsPathRooted(recipe.Data.Path!) || Path.IsPathRooted(configPath) ? resolved! : Path.GetRelativePath(Directory.GetCurrentDirectory(), resolved!));
            recipe.Data.Path = null;
            recipe.BaseDirectory = null;
            Edit(recipe, () =>
            {
                if (separator is char s)
                {
                    recipe.Data.Separator = s;
                }

                if (decimalSeparator is char d)
                {
                    recipe.Data.DecimalSeparator = d;
                }

                if (missing.Length > 0)
                {
                    recipe.Data.MissingTokens = missing.Distinct(StringComparer.Ordinal).ToList();
                }

                foreach (string name in ignore)
                {
                    RecipeEdits.Ignore(recipe, name);
                }

                foreach (string name in categorical)
                {
                    RecipeEdits.MakeCategorical(recipe, name);
                }
            });
        }
        else
        {
            dataPath = dataFlag!;
            InferredRecipe inferred = SchemaInference.Infer(dataPath, labelFlag!, new InferenceSettings
            {
                Separator = separator,
                DecimalSeparator = decimalSeparator,
                Task = task,
                MissingTokens = missing,
                Ignore = ignore,
                Categorical = categorical,
            });
            recipe = inferred.Recipe;
            decisions = inferred.Decisions;
        }

        Edit(recipe, () =>
        {
            RecipeTrainer t = recipe.Trainer;
            if (holdout is double h)
            {
                recipe.Data.HoldoutFraction = h;
            }

            if (imputeGiven)
            {
                RecipeEdits.SetImputation(recipe, impute);
            }

            if (normalizeGiven)
            {
                RecipeEdits.SetNormalization(recipe, normalize);
            }

            if (modelGiven && model != t.Model)
            {
                // The optimizer, weight-decay exclusions and batch size follow the model where they are its defaults.
                t.SetModel(model);
            }

            if (t.Model == RecipeModelType.Linear && (hidden != null || activationGiven || dropout != null))
            {
                string flag = hidden != null ? "--hidden" : activationGiven ? "--activation" : "--dropout";
                throw CliException.Usage($"{flag} applies to an MLP; the model is linear (trainer.model.type; pass --model mlp).");
            }

            if (hidden != null)
            {
                t.HiddenLayers = hidden.ToList();
            }

            if (activationGiven)
            {
                t.Activation = activation;
            }

            if (dropout is double rate)
            {
                t.Dropout = rate;
            }

            if (optimizer != null)
            {
                t.Optimizer = optimizer.ToKerasObject("--optimizer", RecipeTrainer.CreateDefaultOptimizer(t.Model));
            }

            foreach (KeyValuePair<string, double> kv in optimizerKeys ?? new Dictionary<string, double>())
            {
                var config = (System.Text.Json.Nodes.JsonObject)t.Optimizer["config"]!;
                config[kv.Key] = kv.Value;
            }

            if (epochs is int e)
            {
                t.Epochs = e;
            }

            if (batch is int b)
            {
                t.BatchSize = b;
            }

            if (selection is 0.0)
            {
                if (patienceGiven && patience != null)
                {
                    throw CliException.Usage("--patience needs selection rows; --selection-fraction 0 has none.");
                }

                if (refit)
                {
                    throw CliException.Usage("--refit needs selection rows to choose the epoch count; --selection-fraction 0 has none.");
                }

                t.EarlyStopping = null;
            }
            else if (selection != null || patienceGiven || keepGiven || refit)
            {
                RecipeEarlyStopping es = t.EarlyStopping ?? new RecipeEarlyStopping();
                if (selection is double f)
                {
                    es.SelectionFraction = f;
                }

                if (patienceGiven)
                {
                    es.Patience = patience;
                }

                if (keepGiven)
                {
                    es.Keep = keep;
                }

                es.Refit |= refit;
                t.EarlyStopping = es;
            }

            if (seed is ulong s)
            {
                recipe.Seed = s;
            }
        });

        return new RunRequest { Recipe = recipe, DataPath = dataPath, Compute = compute, Decisions = decisions, ConfigPath = configPath };
    }

    /// <summary>The output folder: the flag, or a name derived from the data file in the current folder.</summary>
    /// <param name="pr">The parse result.</param>
    /// <param name="request">The run.</param>
    /// <returns>The folder.</returns>
    public string OutputFolder(ParseResult pr, RunRequest request) =>
        pr.GetValue(Output) ?? Path.GetFileNameWithoutExtension(request.DataPath) + "-" + OutputSuffix;

    private static string ModelSearchName(Activation a) => Names.Format(Names.Activations, a);

    /// <summary>Runs an edit of the recipe and checks the result, reporting a recipe the flags made invalid.</summary>
    private static void Edit(Recipe recipe, Action edit)
    {
        edit();
        try
        {
            recipe.Validate();
        }
        catch (RecipeException e)
        {
            throw CliException.BadRecipe("the recipe with the flags applied", e);
        }
    }

    private static (bool Given, int? Value) ParsePatience(string? text)
    {
        if (text is null)
        {
            return (false, null);
        }

        return string.Equals(text.Trim(), "none", StringComparison.OrdinalIgnoreCase) ? (true, null) : (true, Flags.Int("--patience", text, 1, 1_000_000));
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

        return parts.Select(p => Flags.Int("--hidden", p, 2, 1 << 16)!.Value).ToArray();
    }
}
