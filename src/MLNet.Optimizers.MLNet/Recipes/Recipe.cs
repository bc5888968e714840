using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.MLNet.Data;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet.Recipes;

/// <summary>
/// A versioned JSON recipe for an ML.NET pipeline: how to read the data (<see cref="Data"/>: ML.NET's text loader),
/// the label and its transform (<see cref="Label"/>), the featurization as stock ML.NET transforms
/// (<see cref="Featurization"/>) and the trainer (<see cref="Trainer"/>: task, linear or MLP, the optimizer as its Keras
/// config, epochs, batch size, early stopping), with one <see cref="Seed"/>. <see cref="BuildPipeline"/> turns it into
/// an <see cref="IEstimator{TTransformer}"/>; the same recipe, data and seed give the same model bits.
/// </summary>
/// <remarks>
/// <para>
/// JSON: <c>{"format_version": 1, "seed": 42, "data": {...}, "label": {...}, "featurization": [...], "trainer": {...}}</c>.
/// Reading is strict: malformed JSON (with its one-based line and column), an unknown key (with a did-you-mean), a
/// value of the wrong type or out of range, a key that does not apply (a regression key on a classifier), a step that
/// names a column that does not exist at that point, or a featurization that does not end with a <c>Features</c>
/// vector all throw <see cref="RecipeException"/> naming the JSON path and the value. Comments and trailing commas are
/// not JSON and are rejected.
/// </para>
/// <para>
/// Writing (<see cref="ToJson"/>) is canonical: every key in a fixed order, defaults included, two-space indentation,
/// <c>\n</c> line ends; <c>ToJson(Parse(ToJson(r)))</c> is <c>ToJson(r)</c> byte for byte. The optimizer object is kept
/// as given (not completed with Keras's defaults).
/// </para>
/// <para>
/// The scored output: the task's ML.NET columns (<c>Score</c>; <c>Probability</c> and a Boolean <c>PredictedLabel</c>
/// for binary; a <c>Score</c> vector and <c>PredictedLabel</c> as the class text for multiclass). For regression with a
/// <c>log</c> or <c>log1p</c> label transform, <c>Score</c> is mapped back to the label's own units and evaluated there
/// against <c>Label</c> (the label as it is); the model trains on <c>TransformedLabel</c>.
/// </para>
/// </remarks>
public sealed class Recipe : IEquatable<Recipe>
{
    /// <summary>The <c>format_version</c> this build reads and writes.</summary>
    public const int CurrentFormatVersion = RecipeDefaults.FormatVersion;

    private const ulong HoldoutStream = 10;

    /// <summary>The seed of everything random: the holdout split, the selection split, initialization, shuffling, dropout.</summary>
    public ulong Seed { get; set; } = TrainingDefaults.Seed;

    /// <summary>How to read the data.</summary>
    public RecipeData Data { get; set; } = new();

    /// <summary>The label.</summary>
    public RecipeLabel Label { get; set; } = new();

    /// <summary>The featurization steps, in order.</summary>
    public List<RecipeStep> Featurization { get; set; } = new();

    /// <summary>The trainer.</summary>
    public RecipeTrainer Trainer { get; set; } = new();

    /// <summary>The folder a relative <c>data.path</c> is resolved against: the recipe file's folder after <see cref="Load"/>, else null (the current folder).</summary>
    public string? BaseDirectory { get; set; }

    /// <summary>Parses and checks a recipe.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The recipe.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="RecipeException">Malformed JSON or an invalid entry (named by its JSON path).</exception>
    public static Recipe Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonElement root = RecipeJson.ParseDocument(json);
        var r = new RecipeReader(root, "$");
        if (!r.Has("format_version"))
        {
            throw r.Missing("format_version", $"the integer {CurrentFormatVersion}");
        }

        JsonElement version = r.Get("format_version")!.Value;
        if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int v) || v != CurrentFormatVersion)
        {
            throw new RecipeException(r.PathOf("format_version"), $"unsupported format version {RecipeJson.Describe(version)}; this build reads format version {CurrentFormatVersion}.", RecipeJson.Describe(version));
        }

        var recipe = new Recipe { Seed = r.ULong("seed", TrainingDefaults.Seed) };
        recipe.Data = RecipeData.Read(r.Object("data"));
        RecipeReader trainer = r.Object("trainer");
        TaskKind task = trainer.RequiredEnum("task", RecipeNames.Tasks);
        recipe.Label = RecipeLabel.Read(r.Object("label"), task, recipe.Data);
        JsonElement.ArrayEnumerator? steps = r.Array("featurization", required: true);
        int i = 0;
        foreach (JsonElement step in steps!.Value)
        {
            recipe.Featurization.Add(RecipeSteps.Read(new RecipeReader(step, RecipeJson.Index("$.featurization", i++))));
        }

        recipe.Trainer = RecipeTrainer.Read(trainer, task);
        r.Done();
        recipe.Validate();
        return recipe;
    }

    /// <summary>Reads a recipe file; a relative <c>data.path</c> is then resolved against the file's folder.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The recipe.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="RecipeException">Malformed JSON or an invalid entry; the message names the file.</exception>
    public static Recipe Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text = File.ReadAllText(path, Encoding.UTF8);
        Recipe recipe;
        try
        {
            recipe = Parse(text);
        }
        catch (RecipeException e)
        {
            throw e.InFile(path);
        }

        recipe.BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(path));
        return recipe;
    }

    /// <summary>The canonical JSON text (see the remarks of <see cref="Recipe"/>; no final line end).</summary>
    /// <returns>The text.</returns>
    /// <exception cref="RecipeException">The recipe is invalid (nothing invalid is written).</exception>
    public string ToJson()
    {
        Validate();
        var steps = new JsonArray();
        foreach (RecipeStep s in Featurization)
        {
            steps.Add(s.Write());
        }

        var root = new JsonObject
        {
            ["format_version"] = CurrentFormatVersion,
            ["seed"] = Seed,
            ["data"] = Data.Write(),
            ["label"] = Label.Write(Trainer.Task),
            ["featurization"] = steps,
            ["trainer"] = Trainer.Write(),
        };
        return RecipeJson.Write(root);
    }

    /// <summary>Writes <see cref="ToJson"/> and a final line end to a file atomically (a temporary file in the same folder, then a rename).</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="RecipeException">The recipe is invalid (the file is not touched).</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = new UTF8Encoding(false).GetBytes(ToJson() + "\n");
        global::MLNet.Optimizers.IO.AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>Checks every value and that the pipeline fits together; throws the first problem found.</summary>
    /// <exception cref="RecipeException">An entry is invalid; the JSON path says which.</exception>
    public void Validate()
    {
        if (Data is null || Label is null || Featurization is null || Trainer is null)
        {
            string key = Data is null ? "data" : Label is null ? "label" : Featurization is null ? "featurization" : "trainer";
            throw new RecipeException("$." + key, "expected a value, got null.");
        }

        Data.Validate("$.data");
        Trainer.Validate("$.trainer");
        Label.Validate("$.label", Trainer.Task, Data);
        foreach (RecipeColumn c in Data.Columns)
        {
            bool reserved = c.Name is RecipeDefaults.TransformedLabelColumn or "Score" or "Probability" or "PredictedLabel"
                || (c.Name == RecipeDefaults.LabelColumn && c.Name != Label.Column);
            if (reserved)
            {
                throw new RecipeException("$.data.columns", $"a column is named \"{c.Name}\", a name the pipeline uses for its own columns (Label, TransformedLabel, Score, Probability, PredictedLabel); rename it.", RecipeJson.Quote(c.Name));
            }
        }

        var schema = new RecipeSchema(Data, Label.Column);
        for (int i = 0; i < Featurization.Count; i++)
        {
            string p = RecipeJson.Index("$.featurization", i);
            RecipeStep? step = Featurization[i] ?? throw new RecipeException(p, "expected a step object, got null.");
            step.Apply(schema, p);
        }

        ColumnShape? features = schema.Find(RecipeDefaults.FeatureColumn);
        if (features is not { Kind: ColumnKind.Single, IsVector: true })
        {
            throw new RecipeException(
                "$.featurization",
                features is null
                    ? $"the featurization must end with a \"{RecipeDefaults.FeatureColumn}\" column; add {{\"kind\": \"concatenate\", \"output\": \"{RecipeDefaults.FeatureColumn}\", \"columns\": [...]}}."
                    : $"\"{RecipeDefaults.FeatureColumn}\" must be a vector of \"single\" values at the end of the featurization; it is {features}.");
        }
    }

    /// <summary>A deep copy (the base folder included).</summary>
    /// <returns>The copy.</returns>
    public Recipe Clone() => new()
    {
        Seed = Seed,
        Data = Data.Clone(),
        Label = Label.Clone(),
        Featurization = Featurization.Select(s => s.Clone()).ToList(),
        Trainer = Trainer.Clone(),
        BaseDirectory = BaseDirectory,
    };

    /// <summary>The data file: <c>data.path</c> resolved against <see cref="BaseDirectory"/> (or the current folder), or null when the recipe has none.</summary>
    /// <returns>The full path, or null.</returns>
    public string? ResolveDataPath() => Data.Path is null ? null : Path.GetFullPath(Path.IsPathRooted(Data.Path) ? Data.Path : Path.Combine(BaseDirectory ?? Directory.GetCurrentDirectory(), Data.Path));

    /// <summary>ML.NET's text loader of <see cref="Data"/> (saved with the model, so a deployed app reads the same CSV format).</summary>
    /// <param name="ml">The context.</param>
    /// <returns>The loader.</returns>
    /// <exception cref="RecipeException">The recipe is invalid.</exception>
    public TextLoader CreateLoader(MLContext ml)
    {
        ArgumentNullException.ThrowIfNull(ml);
        Data.Validate("$.data");
        return ml.Data.CreateTextLoader(Data.ToLoaderOptions());
    }

    /// <summary>Loads a data file with <see cref="CreateLoader"/> (the file is read lazily, as ML.NET does).</summary>
    /// <param name="ml">The context.</param>
    /// <param name="path">The file; null: <see cref="ResolveDataPath"/>.</param>
    /// <returns>The data view.</returns>
    /// <exception cref="RecipeException">The recipe is invalid, or no path was given and the recipe has none.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public IDataView LoadData(MLContext ml, string? path = null)
    {
        string file = path ?? ResolveDataPath() ?? throw new RecipeException("$.data.path", "the recipe names no data file; pass one.");
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"Data file '{file}' was not found.", file);
        }

        return CreateLoader(ml).Load(file);
    }

    /// <summary>
    /// Reads a data file once and checks it against <see cref="Data"/>, because ML.NET's text loader reads a bad cell as
    /// missing without a word: every row has the header's number of fields (or the first row's, without a header),
    /// quoting is well formed, and every field of a <c>single</c> column is a number (with <c>data.decimal_separator</c>),
    /// empty, <c>NaN</c> or a missing token. Throws on the first problem.
    /// </summary>
    /// <param name="path">The file; null: <see cref="ResolveDataPath"/>.</param>
    /// <returns>The data rows read.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CsvDataException">A ragged row, broken quoting or a bad cell (the line, the column and the value are named).</exception>
    /// <exception cref="RecipeException">The recipe is invalid, or no path was given and it has none.</exception>
    public long CheckData(string? path = null)
    {
        Data.Validate("$.data");
        string file = path ?? ResolveDataPath() ?? throw new RecipeException("$.data.path", "the recipe names no data file; pass one.");
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"Data file '{file}' was not found.", file);
        }

        var numeric = Data.Columns.Where(c => c.Type == RecipeColumnType.Single).ToArray();
        var tokens = new HashSet<string>(Data.MissingTokens, StringComparer.Ordinal) { "NaN" };
        int maxIndex = Data.Columns.Max(c => c.LastIndex ?? c.Index);
        var fields = new List<string>();
        using var reader = new CsvReader(file, Data.Separator, Data.AllowQuoting);
        int expected = -1;
        long rows = 0;
        while (reader.Read(fields))
        {
            if (expected < 0)
            {
                expected = fields.Count;
                if (expected <= maxIndex)
                {
                    throw new CsvDataException(file, reader.Line, null, $"the {(Data.HasHeader ? "header" : "first row")} has {expected} fields split on '{CsvReader.Printable(Data.Separator)}'; the recipe reads field {maxIndex} (zero-based; data.separator, data.columns).");
                }

                if (Data.HasHeader)
                {
                    continue;
                }
            }

            if (fields.Count != expected)
            {
                throw new CsvDataException(file, reader.Line, null, $"the row has {fields.Count} fields; the {(Data.HasHeader ? "header" : "first row")} has {expected}.");
            }

            rows++;
            foreach (RecipeColumn c in numeric)
            {
                for (int i = c.Index; i <= (c.LastIndex ?? c.Index); i++)
                {
                    string v = fields[i];
                    if (v.Length == 0 || tokens.Contains(v))
                    {
                        continue;
                    }

                    if (CsvNumbers.TryParse(v, Data.DecimalSeparator, out double x) && (!double.IsFinite(x) || Math.Abs(x) > float.MaxValue))
                    {
                        throw new CsvDataException(file, reader.Line, c.IsVector ? $"{c.Name}[{i - c.Index}]" : c.Name, $"'{v}' is beyond the float32 range (±{float.MaxValue.ToString("R", CultureInfo.InvariantCulture)}) of a \"single\" column: it would read as infinity.");
                    }

                    if (!CsvNumbers.IsNumber(v, Data.DecimalSeparator))
                    {
                        throw new CsvDataException(file, reader.Line, c.IsVector ? $"{c.Name}[{i - c.Index}]" : c.Name, $"'{v}' is not a number (the column is \"single\", decimal separator '{Data.DecimalSeparator}'). If it means \"missing\", add it to data.missing_tokens (--missing); otherwise fix the file.");
                    }
                }
            }
        }

        return rows;
    }

    /// <summary>
    /// The ML.NET pipeline: the label columns, the featurization steps, the trainer and the output mapping (see the
    /// remarks of <see cref="Recipe"/>). Fitting it gives an ML.NET <see cref="ITransformer"/> made of ML.NET's own
    /// transformers.
    /// </summary>
    /// <param name="ml">The context.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="RecipeException">The recipe is invalid.</exception>
    public IEstimator<ITransformer> BuildPipeline(MLContext ml) => BuildPipelineCore(ml, null, null);

    /// <summary>
    /// Fits the pipeline on <paramref name="trainingData"/> (rows from <see cref="LoadData"/>, or its training part from
    /// <see cref="SplitHoldout"/>), after checking the label values (two classes with the positive one for binary, at
    /// least two for multiclass, positive values for a log transform: the first bad row is named).
    /// </summary>
    /// <param name="ml">The context.</param>
    /// <param name="trainingData">The training rows.</param>
    /// <param name="options">Progress, cancellation and the compute provider, or null.</param>
    /// <returns>The model and what training did.</returns>
    /// <exception cref="RecipeException">The recipe is invalid.</exception>
    /// <exception cref="ArgumentException">The data does not fit the recipe, or has a bad value (the row and column are named).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="TrainingDivergedException">The weights became NaN or infinite.</exception>
    public RecipeFitResult Fit(MLContext ml, IDataView trainingData, RecipeFitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(trainingData);
        Validate();
        if (Trainer.InMemory)
        {
            // Fitting reads the rows several times (the label check, each fitted step, the trainer): parse the text once.
            trainingData = ml.Data.Cache(trainingData);
        }

        CheckLabels(trainingData);
        OptimizerTrainingReport? report = null;
        IEstimator<ITransformer> pipeline = BuildPipelineCore(ml, options, r => report = r);
        ITransformer model = pipeline.Fit(trainingData);
        return new RecipeFitResult(model, report ?? throw new InvalidOperationException("The trainer did not report its run."));
    }

    /// <summary>
    /// Splits rows into a training part and a held-out part of <c>data.holdout_fraction</c> of the rows (exact count,
    /// seeded by <see cref="Seed"/>, stratified by label value for classification), each in the data's order: the
    /// held-out rows choose nothing, so metrics on them are honest. A fraction of 0 returns the data and null.
    /// </summary>
    /// <param name="ml">The context.</param>
    /// <param name="data">All rows (read twice: once for the labels here, then by whoever consumes the parts).</param>
    /// <returns>The training rows and the held-out rows (or null).</returns>
    /// <exception cref="ArgumentException">There are fewer than 2 rows, or a label is missing.</exception>
    public (IDataView Train, IDataView? Holdout) SplitHoldout(MLContext ml, IDataView data)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(data);
        Validate();
        if (Data.HoldoutFraction == 0)
        {
            return (data, null);
        }

        float[] strata = LabelStrata(data);
        if (strata.Length < 2)
        {
            throw new ArgumentException($"The data has {strata.Length} row(s); holding out {RecipeJson.Num(Data.HoldoutFraction)} of them needs at least 2 (set data.holdout_fraction to 0).", nameof(data));
        }

        (int[] train, int[] holdout) = DataSplit.SelectionIndices(strata, Trainer.Task, Data.HoldoutFraction, DeterministicRandom.Derive(Seed, HoldoutStream));
        return (new RowSubsetDataView(data, RowSubsetDataView.Mask(strata.Length, train)), new RowSubsetDataView(data, RowSubsetDataView.Mask(strata.Length, holdout)));
    }

    /// <inheritdoc />
    public bool Equals(Recipe? other) =>
        other is not null && Seed == other.Seed && Equals(Data, other.Data) && Equals(Label, other.Label) && Featurization.SequenceEqual(other.Featurization) && Equals(Trainer, other.Trainer);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Recipe);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Seed, Data, Label, Featurization.Count, Trainer);

    /// <summary>The canonical JSON, or for an invalid recipe a line naming the first problem (never throws).</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        try
        {
            return ToJson();
        }
        catch (RecipeException e)
        {
            return "invalid recipe: " + e.Message;
        }
    }

    /// <summary>
    /// The first part of <see cref="BuildPipeline"/>: the label columns (<c>Label</c>, and <c>TransformedLabel</c> with a
    /// label transform) and the featurization steps, ending with <c>Features</c> — what the trainer sees.
    /// </summary>
    /// <param name="ml">The context.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="RecipeException">The recipe is invalid.</exception>
    public IEstimator<ITransformer> BuildFeaturizer(MLContext ml)
    {
        ArgumentNullException.ThrowIfNull(ml);
        Validate();
        IEstimator<ITransformer> est = new EstimatorChain<ITransformer>();
        string label = Label.Column;
        switch (Trainer.Task)
        {
            case TaskKind.Regression:
                if (label != RecipeDefaults.LabelColumn)
                {
                    est = est.Append(ml.Transforms.CopyColumns(RecipeDefaults.LabelColumn, label));
                }

                if (Label.Transform != LabelTransform.None)
                {
                    est = est.Append(ml.Transforms.Expression(RecipeDefaults.TransformedLabelColumn, Label.Transform == LabelTransform.Log ? "x => ln(x)" : "x => ln(x + 1)", RecipeDefaults.LabelColumn));
                }

                break;
            case TaskKind.BinaryClassification:
                if (Label.PositiveClass != null)
                {
                    est = est.Append(ml.Transforms.Expression(RecipeDefaults.LabelColumn, "s => s == @\"" + Label.PositiveClass.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"", label));
                }
                else if (label != RecipeDefaults.LabelColumn)
                {
                    est = est.Append(ml.Transforms.CopyColumns(RecipeDefaults.LabelColumn, label));
                }

                break;
            default:
                est = est.Append(ml.Transforms.Conversion.MapValueToKey(RecipeDefaults.LabelColumn, label, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue));
                break;
        }

        foreach (RecipeStep step in Featurization)
        {
            est = est.Append(step.CreateEstimator(ml));
        }

        return est;
    }

    /// <summary>The label column the trainer fits: <c>TransformedLabel</c> with a label transform, else <c>Label</c>.</summary>
    public string TrainerLabelColumn => Trainer.Task == TaskKind.Regression && Label.Transform != LabelTransform.None ? RecipeDefaults.TransformedLabelColumn : RecipeDefaults.LabelColumn;

    internal IEstimator<ITransformer> BuildPipelineCore(MLContext ml, RecipeFitOptions? fit, Action<OptimizerTrainingReport>? report)
    {
        IEstimator<ITransformer> est = BuildFeaturizer(ml);
        string trainerLabel = TrainerLabelColumn;
        OptimizerTrainerOptions o = Trainer.ToOptions(Seed);
        o.LabelColumnName = trainerLabel;
        o.FeatureColumnName = RecipeDefaults.FeatureColumn;
        o.Progress = fit?.Progress;
        o.CancellationToken = fit?.CancellationToken ?? CancellationToken.None;
        o.Blas = fit?.Blas;
        o.TrainingCompleted = report;
        o.CheckpointPath = fit?.CheckpointPath;
        o.CheckpointEverySteps = fit?.CheckpointEverySteps ?? 0;
        o.ResumeFrom = fit?.ResumeFrom;
        OptimizersCatalog catalog = ml.Optimizers();
        IEstimator<ITransformer> trainer = (Trainer.Task, Trainer.Model) switch
        {
            (TaskKind.Regression, RecipeModelType.Linear) => catalog.Regression.Linear(o),
            (TaskKind.Regression, _) => catalog.Regression.Mlp((MlpTrainerOptions)o),
            (TaskKind.BinaryClassification, RecipeModelType.Linear) => catalog.BinaryClassification.Linear(o),
            (TaskKind.BinaryClassification, _) => catalog.BinaryClassification.Mlp((MlpTrainerOptions)o),
            (_, RecipeModelType.Linear) => catalog.MulticlassClassification.Linear(o),
            _ => catalog.MulticlassClassification.Mlp((MlpTrainerOptions)o),
        };
        est = est.Append(trainer);
        switch (Trainer.Task)
        {
            case TaskKind.Regression when Label.Transform != LabelTransform.None:
                est = est.Append(new ScoreMapping(ml, Label.Transform));
                break;
            case TaskKind.MulticlassClassification:
                est = est.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
                break;
        }

        return est;
    }

    /// <summary>One value per row that stratifies a split: the class index (classes sorted) for classification, the label for regression.</summary>
    private float[] LabelStrata(IDataView data)
    {
        DataViewSchema.Column column = data.Schema.GetColumnOrNull(Label.Column) ?? throw new ArgumentException($"The data has no column '{Label.Column}' (label.column).", nameof(data));
        if (Trainer.Task == TaskKind.Regression)
        {
            float[] y = data.GetColumn<float>(column).ToArray();
            for (int i = 0; i < y.Length; i++)
            {
                if (float.IsNaN(y[i]))
                {
                    throw new ArgumentException($"Row {i + 1}: the label '{Label.Column}' is missing.", nameof(data));
                }
            }

            return y;
        }

        string[] values = column.Type is BooleanDataViewType
            ? data.GetColumn<bool>(column).Select(b => b ? "true" : "false").ToArray()
            : data.GetColumn<string>(column).ToArray();
        string[] classes = values.Distinct(StringComparer.Ordinal).OrderBy(v => v, StringComparer.Ordinal).ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < classes.Length; i++)
        {
            index[classes[i]] = i;
        }

        return values.Select(v => (float)index[v]).ToArray();
    }

    /// <summary>The label values the task needs, checked on the training rows before anything is fitted.</summary>
    private void CheckLabels(IDataView data)
    {
        DataViewSchema.Column column = data.Schema.GetColumnOrNull(Label.Column) ?? throw new ArgumentException($"The data has no column '{Label.Column}' (label.column).", nameof(data));
        switch (Trainer.Task)
        {
            case TaskKind.Regression:
            {
                if (column.Type != NumberDataViewType.Single)
                {
                    throw new ArgumentException($"The label column '{Label.Column}' is {column.Type}; the recipe reads it as \"single\".", nameof(data));
                }

                long row = 0;
                foreach (float y in data.GetColumn<float>(column))
                {
                    row++;
                    bool bad = !float.IsFinite(y) || (Label.Transform == LabelTransform.Log && y <= 0) || (Label.Transform == LabelTransform.Log1p && y <= -1);
                    if (bad)
                    {
                        string need = Label.Transform switch
                        {
                            LabelTransform.Log => "label.transform \"log\" needs values > 0 (\"log1p\" takes zeros)",
                            LabelTransform.Log1p => "label.transform \"log1p\" needs values > -1",
                            _ => "a regression label must be a number",
                        };
                        string got = float.IsNaN(y) ? "a missing value" : y.ToString("R", CultureInfo.InvariantCulture);
                        throw new ArgumentException($"Row {row}: the label '{Label.Column}' is {got}; {need}.", nameof(data));
                    }
                }

                break;
            }

            case TaskKind.BinaryClassification when Label.PositiveClass != null:
            {
                var seen = new List<string>();
                long row = 0;
                foreach (string v in data.GetColumn<string>(column))
                {
                    row++;
                    if (!seen.Contains(v, StringComparer.Ordinal))
                    {
                        seen.Add(v);
                        if (seen.Count > 2)
                        {
                            throw new ArgumentException($"Row {row}: the label '{Label.Column}' has a third value \"{v}\" (after \"{seen[0]}\" and \"{seen[1]}\"); binary classification needs two (label.positive_class = \"{Label.PositiveClass}\"). Use trainer.task \"multiclass_classification\".", nameof(data));
                        }
                    }
                }

                if (!seen.Contains(Label.PositiveClass, StringComparer.Ordinal))
                {
                    throw new ArgumentException($"The label '{Label.Column}' never has the positive class \"{Label.PositiveClass}\" (label.positive_class); its values are {string.Join(", ", seen.Select(s => "\"" + s + "\""))}.", nameof(data));
                }

                break;
            }

            case TaskKind.MulticlassClassification:
            {
                int distinct = data.GetColumn<string>(column).Distinct(StringComparer.Ordinal).Take(2).Count();
                if (distinct < 2)
                {
                    throw new ArgumentException($"The label '{Label.Column}' has {(distinct == 0 ? "no rows" : "a single value")}; classification needs at least two classes.", nameof(data));
                }

                break;
            }
        }
    }
}

/// <summary>Run-time settings of <see cref="Recipe.Fit"/> that are not part of the recipe.</summary>
public sealed class RecipeFitOptions
{
    /// <summary>Progress reports during training, or null.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Cancels training between steps.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>The compute provider; null: <see cref="BlasProviders.Default"/>. Results are bit-identical only with the same provider (it is recorded in the model file).</summary>
    public BlasProvider? Blas { get; set; }

    /// <summary>Where trainer checkpoints are written (<see cref="OptimizerTrainerOptions.CheckpointPath"/>); null: none.</summary>
    public string? CheckpointPath { get; set; }

    /// <summary>Also checkpoint every this many steps (<see cref="OptimizerTrainerOptions.CheckpointEverySteps"/>); 0: at epoch ends only.</summary>
    public int CheckpointEverySteps { get; set; }

    /// <summary>Resume from this trainer checkpoint (<see cref="OptimizerTrainerOptions.ResumeFrom"/>); null: from scratch.</summary>
    public string? ResumeFrom { get; set; }
}

/// <summary>The outcome of <see cref="Recipe.Fit"/>.</summary>
public sealed class RecipeFitResult
{
    internal RecipeFitResult(ITransformer model, OptimizerTrainingReport report)
    {
        Model = model;
        Report = report;
    }

    /// <summary>The fitted ML.NET pipeline (save it with <see cref="RecipeModel.Save"/>, or ML.NET's <c>Model.Save</c>).</summary>
    public ITransformer Model { get; }

    /// <summary>What the trainer did: epochs, the kept epoch, selection rows.</summary>
    public OptimizerTrainingReport Report { get; }
}
