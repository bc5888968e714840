using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.Cli.Output;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.MLNet;
using MLNet.Optimizers.MLNet.Data;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>Where and how often <c>train</c> checkpoints, and what it resumes from.</summary>
/// <param name="Path">The checkpoint file, or null.</param>
/// <param name="EverySteps">Steps between checkpoints besides the epoch ends (0: epoch ends only).</param>
/// <param name="ResumeFrom">The checkpoint to resume from, or null.</param>
internal sealed record CheckpointSettings(string? Path, int EverySteps, string? ResumeFrom);

/// <summary>
/// Where the tool meets the library: recipes are read, fitted with ML.NET (<see cref="Recipe.Fit"/>), evaluated with
/// ML.NET's evaluators and saved as ML.NET model files (<see cref="RecipeModel"/>); library exceptions become the tool's
/// one-line errors with their exit codes.
/// </summary>
internal static class RecipeBackend
{
    /// <summary>Providers are not thread-safe: each thread gets its own (the tool trains on one thread; tests run verbs side by side).</summary>
    [ThreadStatic]
    private static Dictionary<string, BlasProvider>? providers;

    /// <summary>Reads a recipe file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The recipe (its <c>data.path</c> resolved against the file's folder).</returns>
    /// <exception cref="CliException">Missing (66), unreadable (66) or invalid (65, naming the JSON path or the one-based line and column).</exception>
    public static Recipe ReadRecipe(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CliException(ExitCodes.NoInput, $"recipe file '{path}' is a folder, not a file.");
        }

        try
        {
            return Recipe.Load(path);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(ExitCodes.NoInput, $"recipe file '{path}' was not found.", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new CliException(ExitCodes.NoInput, $"recipe file '{path}' was not found.", e);
        }
        catch (RecipeException e)
        {
            throw CliException.BadRecipe($"recipe file '{path}'", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.NoInput, $"recipe file '{path}' cannot be read: {CliException.OneLine(e.Message)}", e);
        }
    }

    /// <summary>Throws unless <paramref name="path"/> is an existing file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file is ("data file", "model file", ...).</param>
    /// <exception cref="CliException">The file does not exist (exit code 66).</exception>
    public static void RequireFile(string path, string what)
    {
        if (Directory.Exists(path))
        {
            throw new CliException(ExitCodes.NoInput, $"{what} '{path}' is a folder, not a file.");
        }

        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.NoInput, $"{what} '{path}' was not found.");
        }
    }

    /// <summary>
    /// Checks a data file against a recipe before ML.NET reads it (its text loader reads a bad cell as missing without a
    /// word, and reads fields by position): the header names the recipe's columns at their positions, every row has the
    /// header's fields, and every field of a number column is a number or missing (<see cref="Recipe.CheckData"/>).
    /// </summary>
    /// <param name="recipe">The recipe.</param>
    /// <param name="path">The data file.</param>
    /// <exception cref="CliException">The file is missing (66) or does not fit (65), naming the line and the column.</exception>
    public static void CheckData(Recipe recipe, string path)
    {
        RequireFile(path, "data file");
        if (recipe.Data.HasHeader)
        {
            string[] header = ReadHeader(path, recipe.Data.Separator, recipe.Data.AllowQuoting);
            foreach (RecipeColumn c in recipe.Data.Columns.Where(c => !c.IsVector))
            {
                if (c.Index >= header.Length || header[c.Index] != c.Name)
                {
                    int at = Array.IndexOf(header, c.Name);
                    string where = c.Index >= header.Length ? $"has {header.Length} fields split on {Names.Printable(recipe.Data.Separator)}" : $"has '{header[c.Index]}' at field {c.Index}";
                    string hint = at >= 0 ? $" ('{c.Name}' is field {at})" : SeparatorHint(header, c.Name, recipe.Data.Separator);
                    throw CliException.BadData($"data file '{path}', line 1: the recipe reads column '{c.Name}' at field {c.Index} (data.columns), but the header {where}{hint}.");
                }
            }
        }

        try
        {
            recipe.CheckData(path);
        }
        catch (CsvDataException e)
        {
            throw CliException.BadData(CliException.OneLine(e.Message), e);
        }
        catch (RecipeException e)
        {
            throw CliException.BadRecipe("recipe", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.NoInput, $"data file '{path}' cannot be read: {CliException.OneLine(e.Message)}", e);
        }
    }

    /// <summary>
    /// Checks a file to score against the model's recipe with its columns found by name (<see cref="MatchColumns"/>): every
    /// row's fields and cells (<see cref="Recipe.CheckData"/>), and no missing value in a numeric column the recipe does
    /// not fill (no <c>replace_missing</c> step names it), which the model would score as NaN.
    /// </summary>
    /// <param name="recipe">The matched recipe.</param>
    /// <param name="hasLabel">Whether the file has the label column.</param>
    /// <param name="path">The file.</param>
    /// <exception cref="CliException">A bad row, cell or missing value (65), naming the line or row and the column.</exception>
    public static void CheckScoringData(Recipe recipe, bool hasLabel, string path)
    {
        Recipe check = recipe.Clone();
        if (!hasLabel)
        {
            check.Data.Columns.RemoveAll(c => c.Name == recipe.Label.Column);
        }

        try
        {
            check.CheckData(path);
        }
        catch (CsvDataException e)
        {
            throw CliException.BadData(CliException.OneLine(e.Message), e);
        }

        CheckUnfilledMissing(check, check.LoadData(new MLContext(seed: 0), path), path);
    }

    /// <summary>
    /// Throws on the first missing value (NaN) in a numeric feature column that no <c>replace_missing</c> step fills:
    /// the trainer would reject it, and a model would score it as NaN.
    /// </summary>
    /// <param name="recipe">The recipe.</param>
    /// <param name="rows">Rows read with the recipe's columns.</param>
    /// <param name="path">The data file (for the message).</param>
    /// <exception cref="CliException">A missing value (65), naming the data row and the column, with the flag and recipe key that fill it.</exception>
    public static void CheckUnfilledMissing(Recipe recipe, IDataView rows, string path)
    {
        var filled = recipe.Featurization.OfType<ReplaceMissingStep>().SelectMany(r => r.Columns).ToHashSet(StringComparer.Ordinal);
        (List<string> numeric, _, _) = Columns(recipe);
        string[] unfilled = numeric.Where(n => !filled.Contains(n) && recipe.Data.Find(n) is { Type: RecipeColumnType.Single, IsVector: false }).ToArray();
        if (unfilled.Length == 0)
        {
            return;
        }

        DataViewSchema.Column[] columns = unfilled.Select(n => rows.Schema[n]).ToArray();
        using DataViewRowCursor cursor = rows.GetRowCursor(columns);
        ValueGetter<float>[] getters = columns.Select(c => cursor.GetGetter<float>(c)).ToArray();
        long row = 0;
        float v = 0;
        while (cursor.MoveNext())
        {
            row++;
            for (int i = 0; i < getters.Length; i++)
            {
                getters[i](ref v);
                if (float.IsNaN(v))
                {
                    throw CliException.BadData(string.Create(CultureInfo.InvariantCulture, $"data file '{path}', data row {row}, column '{unfilled[i]}': the value is missing, and the recipe has no replace_missing step for this column (--impute none); give the value, or use --impute mean (the recipe's replace_missing step)."));
                }
            }
        }
    }

    /// <summary>The header of a CSV file, trimmed.</summary>
    /// <param name="path">The file.</param>
    /// <param name="separator">The separator.</param>
    /// <param name="allowQuoting">Whether fields may be quoted.</param>
    /// <returns>The names.</returns>
    /// <exception cref="CliException">The file is missing, unreadable (66) or empty (65).</exception>
    public static string[] ReadHeader(string path, char separator, bool allowQuoting = true)
    {
        RequireFile(path, "data file");
        try
        {
            return CsvInference.ReadHeader(path, separator, allowQuoting).ToArray();
        }
        catch (CsvDataException e)
        {
            throw CliException.BadData(CliException.OneLine(e.Message), e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.NoInput, $"data file '{path}' cannot be read: {CliException.OneLine(e.Message)}", e);
        }
    }

    /// <summary>The message for a column that is not in a file's header, with a close match or a separator that finds it.</summary>
    /// <param name="path">The file.</param>
    /// <param name="column">The column asked for.</param>
    /// <param name="what">What the column is for.</param>
    /// <param name="header">The header.</param>
    /// <param name="separator">The separator the header was split on.</param>
    /// <returns>The message.</returns>
    public static string MissingColumnMessage(string path, string column, string what, IReadOnlyList<string> header, char separator)
    {
        string? close = header.FirstOrDefault(h => string.Equals(h, column, StringComparison.OrdinalIgnoreCase)) ?? Suggest.Closest(column, header);
        string hint = SeparatorHint(header, column, separator);
        if (hint.Length == 0 && close != null)
        {
            hint = $"; did you mean '{close}'?";
        }

        string preview = header.Count <= 8 ? string.Join(", ", header) : string.Join(", ", header.Take(8)) + string.Create(CultureInfo.InvariantCulture, $", ... ({header.Count} in all)");
        return $"data file '{path}' has no column '{column}' ({what}){hint} (its columns: {preview}).";
    }

    /// <summary>"; split on ';' the header has it: pass --separator ';'" when another separator finds the column, else empty.</summary>
    private static string SeparatorHint(IReadOnlyList<string> header, string column, char separator)
    {
        string line = string.Join(separator, header);
        foreach (char other in new[] { ';', '\t', '|', ',' }.Where(c => c != separator))
        {
            if (line.Split(other).Select(f => f.Trim()).Contains(column, StringComparer.Ordinal))
            {
                string flag = other == '\t' ? "tab" : other.ToString();
                return $"; split on {Names.Printable(other)} the header has it: pass --separator '{flag}' (data.separator)";
            }
        }

        return string.Empty;
    }

    /// <summary>Loads the data of a run and splits off the held-out rows.</summary>
    /// <param name="request">The run.</param>
    /// <returns>The prepared data, shared by every run of a comparison.</returns>
    public static PreparedData Prepare(RunRequest request)
    {
        Recipe recipe = request.Recipe;
        CheckData(recipe, request.DataPath);
        var ml = new MLContext(seed: 0);
        IDataView all;
        IDataView train;
        IDataView? holdout;
        try
        {
            all = ml.Data.Cache(recipe.LoadData(ml, request.DataPath));
            (train, holdout) = recipe.SplitHoldout(ml, all);
        }
        catch (RecipeException e)
        {
            throw CliException.BadRecipe("recipe", e);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(ExitCodes.NoInput, $"data file '{request.DataPath}' was not found.", e);
        }
        catch (ArgumentException e)
        {
            throw CliException.BadData($"data file '{request.DataPath}': {CliException.OneLine(e.Message)}", e);
        }

        CheckUnfilledMissing(recipe, all, request.DataPath);
        long rows = DataViews.CountRows(all);
        if (rows == 0)
        {
            throw CliException.BadData($"data file '{request.DataPath}' has a header but no data rows: the data set is empty.");
        }

        long holdoutRows = holdout is null ? 0 : DataViews.CountRows(holdout);
        string[] classes = recipe.Trainer.Task == TaskKind.Regression ? Array.Empty<string>() : LabelValues(all, recipe).Distinct(StringComparer.Ordinal).OrderBy(c => c, StringComparer.Ordinal).ToArray();
        if (recipe.Trainer.Task != TaskKind.Regression && classes.Length < 2)
        {
            throw CliException.BadData($"data file '{request.DataPath}': the label '{recipe.Label.Column}' has a single value '{classes.FirstOrDefault()}'; there is nothing to classify.");
        }

        (List<string> numeric, List<string> categorical, List<string> dropped) = Columns(recipe);
        var summary = new DataSummary(
            request.DataPath,
            recipe.Label.Column,
            recipe.Trainer.Task,
            classes,
            rows,
            rows - holdoutRows,
            holdoutRows,
            numeric,
            categorical,
            dropped,
            ModelMetrics.LossName(recipe),
            recipe.Trainer.Task == TaskKind.Regression ? "R²" : "accuracy");
        return new PreparedData(ml, summary, all, train, holdout);
    }

    /// <summary>Trains a recipe on the training part of the prepared data and evaluates it on both parts.</summary>
    /// <param name="data">The prepared data.</param>
    /// <param name="recipe">The recipe to fit (not modified).</param>
    /// <param name="label">The run's name (the optimizer as asked for).</param>
    /// <param name="compute">The compute provider's name.</param>
    /// <param name="checkpoints">Checkpoint settings, or null.</param>
    /// <param name="observer">Receives the run's size and progress, or null.</param>
    /// <param name="cancellationToken">Cancels between steps.</param>
    /// <returns>The trained run.</returns>
    public static TrainedRun Fit(PreparedData data, Recipe recipe, string label, string compute, CheckpointSettings? checkpoints, ITrainingObserver? observer, CancellationToken cancellationToken)
    {
        MLContext ml = data.Ml;
        BlasProvider blas = Provider(compute);
        observer?.Started(recipe.Trainer.Epochs);
        RecipeFitResult fit;
        try
        {
            fit = recipe.Fit(ml, data.Train, new RecipeFitOptions
            {
                Progress = observer is null ? null : new ObserverProgress(observer),
                CancellationToken = cancellationToken,
                Blas = blas,
                CheckpointPath = checkpoints?.Path,
                CheckpointEverySteps = checkpoints?.EverySteps ?? 0,
                ResumeFrom = checkpoints?.ResumeFrom,
            });
        }
        catch (TrainingDivergedException e)
        {
            double lr = OptimizerRegistry.FindByClassName(OptimizerSpec.DisplayNameOf(recipe.Trainer.Optimizer))?.RecommendedLearningRate ?? 1e-3;
            throw new CliException(
                ExitCodes.Failure,
                $"training with {label} diverged (NaN or infinite weights); try a smaller learning rate (e.g. --learning-rate {(lr / 10).ToString("G3", CultureInfo.InvariantCulture)}) or check the data for extreme values.",
                e);
        }
        catch (RecipeException e)
        {
            throw CliException.BadRecipe("recipe", e);
        }
        catch (ComputeMismatchException e)
        {
            throw CliException.BadData($"--resume: {CliException.OneLine(e.Message)}", e);
        }
        catch (InvalidDataException e) when (checkpoints?.ResumeFrom != null)
        {
            throw CliException.BadData($"--resume: checkpoint '{checkpoints.ResumeFrom}' cannot be used: {CliException.OneLine(e.Message)}", e);
        }
        catch (FileNotFoundException e) when (checkpoints?.ResumeFrom != null)
        {
            throw new CliException(ExitCodes.NoInput, $"--resume: checkpoint '{checkpoints.ResumeFrom}' was not found.", e);
        }
        catch (CheckpointWriteException e)
        {
            throw new CliException(ExitCodes.CannotCreate, $"--checkpoint: cannot write '{e.Path}': {CliException.OneLine(e.InnerException?.Message ?? e.Message)}", e);
        }
        catch (ArgumentException e)
        {
            throw CliException.BadData($"data file '{data.Summary.Path}': {CliException.InToolTerms(e.Message)}", e);
        }
        catch (InvalidOperationException e) when (e is not ObjectDisposedException)
        {
            throw CliException.BadData($"data file '{data.Summary.Path}': {CliException.OneLine(e.Message)}", e);
        }

        OptimizerTrainingReport report = fit.Report;
        observer?.Finished(report.EpochsRun, report.KeptEpoch);
        Evaluation training = Evaluate(ml, fit.Model, data.Train, recipe, data.Summary.Path, strict: false);
        Evaluation? holdout = data.Holdout is null ? null : Evaluate(ml, fit.Model, data.Holdout, recipe, data.Summary.Path, strict: false);
        int features = fit.Model.GetOutputSchema(data.Train.Schema).GetColumnOrNull(RecipeDefaults.FeatureColumn)?.Type is VectorDataViewType v ? v.Size : 0;
        return new TrainedRun(label, recipe.Clone(), fit.Model, report, training, holdout, features, blas.Description);
    }

    /// <summary>Scores rows with a model and evaluates them.</summary>
    /// <param name="ml">The context.</param>
    /// <param name="model">The model.</param>
    /// <param name="rows">Rows read with the recipe's columns.</param>
    /// <param name="recipe">The recipe.</param>
    /// <param name="path">The data file (for messages).</param>
    /// <param name="strict">Whether a class the model never trained on is an error (<c>evaluate</c>) or a note on the metrics (the held-out rows of a training run).</param>
    /// <returns>The metrics.</returns>
    public static Evaluation Evaluate(MLContext ml, ITransformer model, IDataView rows, Recipe recipe, string path, bool strict = true)
    {
        try
        {
            IDataView scored = model.Transform(rows);
            (long unknown, string? first) = UnknownClasses(scored, recipe, path, strict);
            Evaluation e = ModelMetrics.Evaluate(ml, scored, recipe);
            return unknown == 0 ? e : e with
            {
                Notes = e.Notes.Append(string.Create(CultureInfo.InvariantCulture, $"{unknown} row(s) have a class the model never trained on (such as '{first}'): ML.NET's evaluator leaves them out")).ToArray(),
            };
        }
        catch (ArgumentException e)
        {
            throw CliException.BadData($"data file '{path}': {CliException.OneLine(e.Message)}", e);
        }
    }

    /// <summary>Loads a model file written by <c>train</c> (an ML.NET model with its loader and recipe).</summary>
    /// <param name="path">The model file, or the folder train wrote it to.</param>
    /// <returns>The model.</returns>
    /// <exception cref="CliException">The file is missing (66) or not a model of this tool (65).</exception>
    public static LoadedRecipeModel LoadModel(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CliException(ExitCodes.NoInput, $"model file '{path}' is a folder, not a file.");
        }

        try
        {
            LoadedRecipeModel m = RecipeModel.Load(new MLContext(seed: 0), path);
            if (m.Recipe is null)
            {
                throw CliException.BadData($"model file '{path}' holds no recipe (entry '{RecipeModel.RecipeEntry}'): it is an ML.NET model not written by mlnet-opt, which cannot tell its task and columns.");
            }

            return m;
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(ExitCodes.NoInput, $"model file '{path}' was not found.", e);
        }
        catch (InvalidDataException e)
        {
            throw CliException.BadData($"model file '{path}' is damaged or not a model: {CliException.OneLine(e.Message)}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.NoInput, $"model file '{path}' cannot be read: {CliException.OneLine(e.Message)}", e);
        }
    }

    /// <summary>
    /// The recipe of a model with its columns found by name in another file's header (scoring files may order their
    /// columns differently, and may lack the label); a missing label is read past the last field (as missing).
    /// </summary>
    /// <param name="recipe">The model's recipe.</param>
    /// <param name="path">The file to score.</param>
    /// <param name="separator">The file's separator (null: the recipe's).</param>
    /// <param name="requireLabel">Whether the label column must be present.</param>
    /// <returns>The recipe to read the file with, and whether the file has the label.</returns>
    /// <exception cref="CliException">A column the model reads is missing (65).</exception>
    public static (Recipe Recipe, bool HasLabel, string[] Header) MatchColumns(Recipe recipe, string path, char? separator, bool requireLabel)
    {
        Recipe r = recipe.Clone();
        if (separator is char s)
        {
            r.Data.Separator = s;
        }

        string[] header = ReadHeader(path, r.Data.Separator, r.Data.AllowQuoting);
        bool hasLabel = true;
        foreach (RecipeColumn c in r.Data.Columns)
        {
            int at = Array.IndexOf(header, c.Name);
            if (at < 0 && c.Name == r.Label.Column && !requireLabel)
            {
                hasLabel = false;
                c.Index = header.Length;
                continue;
            }

            if (at < 0)
            {
                string what = c.Name == r.Label.Column ? "the label, needed to evaluate" : "a column the model reads";
                throw CliException.BadData(MissingColumnMessage(path, c.Name, what, header, r.Data.Separator));
            }

            c.Index = at;
        }

        return (r, hasLabel, header);
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

    /// <summary>
    /// One line describing a recipe's model: "logistic regression 30-1, 31 parameters"; for an MLP its layers and the
    /// recommended-MLP pieces the recipe turns on: "MLP (relu) 30-128-64-1, robust scaling, clip ±3, 4 bins per
    /// feature, warmup-cosine, label smoothing 0.1, at most 6,000 steps" (the parameter count only when the encoding adds no
    /// inputs and there is one network: bins depend on the data's quantiles).
    /// </summary>
    /// <param name="recipe">The recipe.</param>
    /// <param name="features">The feature count (0 when unknown).</param>
    /// <param name="classes">The classes (multiclass; 0 otherwise).</param>
    /// <returns>The description.</returns>
    public static string DescribeModel(Recipe recipe, int features, int classes)
    {
        RecipeTrainer t = recipe.Trainer;
        int outputs = t.Task == TaskKind.MulticlassClassification ? classes : 1;
        var widths = new List<int> { features };
        if (t.Model == RecipeModelType.Mlp)
        {
            widths.AddRange(t.HiddenLayers);
        }

        widths.Add(outputs);
        long parameters = 0;
        for (int i = 1; i < widths.Count; i++)
        {
            parameters += ((long)widths[i - 1] * widths[i]) + widths[i];
        }

        string kind = t.Model == RecipeModelType.Linear
            ? t.Task switch
            {
                TaskKind.Regression => "linear regression",
                TaskKind.BinaryClassification => "logistic regression",
                _ => "softmax regression",
            }
            : $"MLP ({Names.Format(Names.Activations, t.Activation)}{(t.Dropout > 0 ? ", dropout " + t.Dropout.ToString("G3", CultureInfo.InvariantCulture) : string.Empty)})";
        if (t.Model == RecipeModelType.Linear)
        {
            return features > 0
                ? string.Create(CultureInfo.InvariantCulture, $"{kind} {string.Join('-', widths)}, {parameters:N0} parameters")
                : kind;
        }

        var pieces = new List<string>();
        if (t.EnsembleSize > 1)
        {
            pieces.Add(string.Create(CultureInfo.InvariantCulture, $"ensemble of {t.EnsembleSize}"));
        }

        if (features > 0 && t.PiecewiseLinearBins == 0 && t.EnsembleSize == 1)
        {
            pieces.Add(string.Create(CultureInfo.InvariantCulture, $"{parameters:N0} parameters"));
        }

        if (t.RobustScaling)
        {
            pieces.Add("robust scaling");
        }

        if (t.SmoothClip > 0)
        {
            pieces.Add("clip ±" + t.SmoothClip.ToString("G4", CultureInfo.InvariantCulture));
        }

        if (t.PiecewiseLinearBins > 0)
        {
            pieces.Add(string.Create(CultureInfo.InvariantCulture, $"{t.PiecewiseLinearBins} bins per feature"));
        }

        if (t.LearningRateCurve == LearningRateCurve.WarmupCosine)
        {
            pieces.Add("warmup-cosine");
        }

        if (t.Task != TaskKind.Regression && t.LabelSmoothing > 0)
        {
            pieces.Add("label smoothing " + t.LabelSmoothing.ToString("G3", CultureInfo.InvariantCulture));
        }

        if (t.MaxSteps is long steps)
        {
            pieces.Add(string.Create(CultureInfo.InvariantCulture, $"at most {steps:N0} steps"));
        }

        string layers = features > 0 ? string.Join('-', widths) : string.Join('-', t.HiddenLayers);
        return $"{kind} {layers}" + (pieces.Count > 0 ? ", " + string.Join(", ", pieces) : string.Empty);
    }

    /// <summary><paramref name="path"/> relative to <paramref name="directory"/>, with forward slashes.</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="path">The file.</param>
    /// <returns>The relative path.</returns>
    public static string RelativePath(string directory, string path) =>
        Path.GetRelativePath(Path.GetFullPath(directory), Path.GetFullPath(path)).Replace('\\', '/');

    /// <summary>The feature columns of a recipe by role: numeric, categorical (one-hot) and dropped.</summary>
    /// <param name="recipe">The recipe.</param>
    /// <returns>The three lists.</returns>
    public static (List<string> Numeric, List<string> Categorical, List<string> Dropped) Columns(Recipe recipe)
    {
        var oneHot = recipe.Featurization.OfType<OneHotStep>().SelectMany(s => s.Columns).ToHashSet(StringComparer.Ordinal);
        var features = recipe.Featurization.OfType<ConcatenateStep>().LastOrDefault()?.Columns ?? new List<string>();
        var numeric = features.Where(c => !oneHot.Contains(c)).ToList();
        var categorical = features.Where(oneHot.Contains).ToList();
        var dropped = recipe.Data.Columns.Select(c => c.Name).Where(n => n != recipe.Label.Column && !features.Contains(n)).ToList();
        return (numeric, categorical, dropped);
    }

    private static IEnumerable<string> LabelValues(IDataView data, Recipe recipe)
    {
        DataViewSchema.Column c = data.Schema[recipe.Label.Column];
        return c.Type is BooleanDataViewType
            ? data.GetColumn<bool>(c).Select(b => b ? "true" : "false")
            : data.GetColumn<string>(c);
    }

    /// <summary>
    /// A multiclass label the model does not know maps to key 0, which ML.NET's evaluator leaves out: with
    /// <paramref name="strict"/> that is an error naming the first such row, otherwise the rows are counted.
    /// </summary>
    private static (long Count, string? First) UnknownClasses(IDataView scored, Recipe recipe, string path, bool strict)
    {
        if (recipe.Trainer.Task != TaskKind.MulticlassClassification)
        {
            return (0, null);
        }

        DataViewSchema.Column label = scored.Schema[RecipeDefaults.LabelColumn];
        VBuffer<ReadOnlyMemory<char>> keys = default;
        label.GetKeyValues(ref keys);
        long row = 0, count = 0;
        string? first = null;
        using DataViewRowCursor cursor = scored.GetRowCursor(new[] { label, scored.Schema[recipe.Label.Column] });
        ValueGetter<uint> key = cursor.GetGetter<uint>(label);
        ValueGetter<ReadOnlyMemory<char>> text = cursor.GetGetter<ReadOnlyMemory<char>>(scored.Schema[recipe.Label.Column]);
        uint k = 0;
        ReadOnlyMemory<char> t = default;
        while (cursor.MoveNext())
        {
            row++;
            key(ref k);
            if (k == 0)
            {
                text(ref t);
                if (strict)
                {
                    string known = string.Join(", ", keys.DenseValues().Select(v => v.ToString()));
                    throw CliException.BadData($"data file '{path}', data row {row}: label column '{recipe.Label.Column}' has the class '{t}', which the model was not trained on (the model's classes: {known}).");
                }

                count++;
                first ??= t.ToString();
            }
        }

        return (count, first);
    }

    private sealed class ObserverProgress : IProgress<TrainingProgress>
    {
        private readonly ITrainingObserver _observer;

        public ObserverProgress(ITrainingObserver observer) => _observer = observer;

        public void Report(TrainingProgress value) => _observer.Report(value);
    }
}

/// <summary>Loaded data split into its training part and the held-out rows.</summary>
/// <param name="Ml">The context the data was loaded in.</param>
/// <param name="Summary">What the data is.</param>
/// <param name="All">Every row.</param>
/// <param name="Train">The training part (what the recipe is fitted on; its selection rows are split off inside).</param>
/// <param name="Holdout">The held-out rows (null without <c>data.holdout_fraction</c>): they choose nothing.</param>
internal sealed record PreparedData(MLContext Ml, DataSummary Summary, IDataView All, IDataView Train, IDataView? Holdout);

/// <summary>A finished training run: the fitted ML.NET model, its recipe, what the trainer did and its metrics.</summary>
/// <param name="Label">The run's name (the optimizer as asked for).</param>
/// <param name="Recipe">The recipe trained (it retrains the same model bit for bit).</param>
/// <param name="Model">The fitted ML.NET pipeline.</param>
/// <param name="Report">What the trainer did (epochs, kept epoch, selection rows).</param>
/// <param name="Training">Metrics on the training part (the rows it trained on and its selection rows).</param>
/// <param name="Holdout">Metrics on the held-out rows, or null.</param>
/// <param name="FeatureCount">The width of the Features vector.</param>
/// <param name="Compute">The compute provider's description.</param>
internal sealed record TrainedRun(string Label, Recipe Recipe, ITransformer Model, OptimizerTrainingReport Report, Evaluation Training, Evaluation? Holdout, int FeatureCount, string Compute)
{
    /// <summary>Optimizer steps (every epoch run, and the refit's).</summary>
    public long Steps
    {
        get
        {
            int b = Recipe.Trainer.BatchSize;
            long perEpoch = (Report.TrainingRows + b - 1) / b;
            long refit = Report.Refit ? Report.KeptEpoch * ((Report.RefitRows + b - 1) / b) : 0;
            return (Report.EpochsRun * perEpoch) + refit;
        }
    }

    /// <summary>One line describing the optimizer.</summary>
    public string OptimizerDescription => Backend.OptimizerText.Describe(Recipe.Trainer.Optimizer);
}
