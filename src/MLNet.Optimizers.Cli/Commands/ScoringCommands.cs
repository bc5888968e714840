using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Output;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.MLNet;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>The <c>evaluate</c> and <c>predict</c> verbs: they read a <c>model.zip</c> written by <c>train</c>.</summary>
internal static class ScoringCommands
{
    /// <summary>Builds <c>evaluate</c>.</summary>
    /// <param name="console">The streams.</param>
    /// <returns>The command.</returns>
    public static Command Evaluate(CliConsole console)
    {
        Option<string?> model = ModelOption();
        Option<string?> data = Flags.Text("--data", "file.csv", "A CSV file with the label column (columns matched by name).", "-d");
        Option<string?> separator = Flags.Text("--separator", "char", "The field separator: one character or 'tab' [default: the model's data.separator].");
        Option<string?> report = Flags.Text("--report", "file.html", "Also write an HTML report (metrics and, for classification, the confusion matrix).");
        Option<bool> json = Flags.Switch("--json", "Print the metrics as JSON instead of tables.");
        Option<bool> quiet = Flags.Switch("--quiet", "Print only the metrics.", "-q");
        var command = new Command("evaluate", "Score a labelled CSV file with a trained model (model.zip) and print its metrics from ML.NET's evaluators (and the confusion matrix for classification).");
        foreach (Option o in new Option[] { model, data, separator, report, json, quiet })
        {
            command.Options.Add(o);
        }

        command.SetAction(pr => CliApp.Guard(console, () =>
        {
            string modelPath = ModelPath(pr.GetValue(model));
            string dataPath = Flags.Path("--data", pr.GetValue(data)) ?? throw CliException.Usage("--data is required: the labelled CSV file to evaluate on.");
            char? sep = Separator(pr.GetValue(separator));
            string? reportPath = Flags.Path("--report", pr.GetValue(report));
            if (reportPath != null)
            {
                OutputFiles.EnsureParent(reportPath, "--report");
            }

            LoadedRecipeModel m = RecipeBackend.LoadModel(modelPath);
            Recipe trained = m.Recipe!;
            (Recipe recipe, _, _) = RecipeBackend.MatchColumns(trained, dataPath, sep, requireLabel: true);
            RecipeBackend.CheckScoringData(recipe, hasLabel: true, dataPath);
            var ml = new MLContext(seed: 0);
            IDataView rows = recipe.LoadData(ml, dataPath);
            if (!DataViews.HasRows(rows))
            {
                throw CliException.BadData($"data file '{dataPath}' has a header but no data rows: the data set is empty.");
            }

            Evaluation e = RecipeBackend.Evaluate(ml, m.Model, rows, recipe, dataPath);
            string description = Describe(trained, m);
            if (reportPath != null)
            {
                var run = new ReportRun(Path.GetFileName(modelPath), description, Array.Empty<Training.Training.EpochRecord>(), e, double.NaN, 0, 0);
                string subtitle = string.Create(CultureInfo.InvariantCulture, $"model {modelPath} · label '{trained.Label.Column}': {Names.Describe(trained.Trainer.Task)} · {e.Rows:N0} rows");
                var settings = new List<(string, string)> { ("model file", modelPath), ("model", description), ("data file", dataPath) };
                if (m.Provenance is ModelProvenance p)
                {
                    settings.Add(("trained with", $"{p.Library}, ML.NET {p.MLNet}, {p.Compute.Provider} ({p.Compute.Libraries}, {p.Compute.Threads} threads), {p.Runtime}"));
                }

                OutputFiles.WriteText(reportPath, HtmlReport.Render(new ReportModel($"Evaluation of {Path.GetFileName(modelPath)} on {Path.GetFileName(dataPath)}", subtitle, string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(dataPath)} ({e.Rows:N0} rows)"), string.Empty, string.Empty, new[] { run }, settings) { Generator = CliApp.ToolName + " (MLNet.Optimizers)" }));
            }

            if (pr.GetValue(json))
            {
                var doc = MetricsJson.Evaluation(e);
                doc["model"] = modelPath;
                doc["data"] = dataPath;
                doc["task"] = Names.Format(Names.Tasks, trained.Trainer.Task);
                console.Out.Write(OutputFiles.JsonText(doc));
                return ExitCodes.Ok;
            }

            if (!pr.GetValue(quiet))
            {
                console.Out.WriteLine($"model: {modelPath}: {description}");
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"data:  {dataPath}: {e.Rows:N0} rows, label '{trained.Label.Column}' ({Names.Describe(trained.Trainer.Task)})"));
            }

            Tables.Metrics(console, $"Metrics on {Path.GetFileName(dataPath)}", new[] { (Path.GetFileName(dataPath), e) });
            if (e.Confusion != null)
            {
                Tables.Confusion(console, "Confusion matrix", e.Confusion);
            }

            if (reportPath != null)
            {
                console.Out.WriteLine($"report: {reportPath}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Builds <c>predict</c>.</summary>
    /// <param name="console">The streams.</param>
    /// <returns>The command.</returns>
    public static Command Predict(CliConsole console)
    {
        Option<string?> model = ModelOption();
        Option<string?> data = Flags.Text("--data", "file.csv", "The CSV file to score (the label column may be absent; columns matched by name).", "-d");
        Option<string?> output = Flags.Text("--output", "file.csv", "Where to write the predictions [default: stdout].", "-o");
        Option<string?> separator = Flags.Text("--separator", "char", "The field separator of input and output: one character or 'tab' [default: the model's data.separator].");
        Option<bool> quiet = Flags.Switch("--quiet", "No summary line on stderr.", "-q");
        var command = new Command("predict", "Score a CSV file with a trained model (model.zip): the columns the model reads, then its predictions (Score for regression; PredictedLabel, Probability and Score for binary, where PredictedLabel is true for the positive class; PredictedLabel and one Probability.<class> column per class for multiclass).");
        foreach (Option o in new Option[] { model, data, output, separator, quiet })
        {
            command.Options.Add(o);
        }

        command.SetAction(pr => CliApp.Guard(console, () =>
        {
            string modelPath = ModelPath(pr.GetValue(model));
            string dataPath = Flags.Path("--data", pr.GetValue(data)) ?? throw CliException.Usage("--data is required: the CSV file to score.");
            char? sep = Separator(pr.GetValue(separator));
            string? outputPath = Flags.Path("--output", pr.GetValue(output));
            if (outputPath != null)
            {
                OutputFiles.EnsureParent(outputPath, "--output");
            }

            LoadedRecipeModel m = RecipeBackend.LoadModel(modelPath);
            (Recipe recipe, bool hasLabel, _) = RecipeBackend.MatchColumns(m.Recipe!, dataPath, sep, requireLabel: false);
            RecipeBackend.CheckScoringData(recipe, hasLabel, dataPath);
            var ml = new MLContext(seed: 0);
            IDataView rows = recipe.LoadData(ml, dataPath);
            IDataView scored;
            try
            {
                scored = m.Model.Transform(rows);
            }
            catch (ArgumentException e)
            {
                throw CliException.BadData($"data file '{dataPath}': {CliException.OneLine(e.Message)}", e);
            }

            string text = WritePredictions(scored, recipe, hasLabel, recipe.Data.Separator, dataPath, out long count);
            if (count == 0)
            {
                throw CliException.BadData($"data file '{dataPath}' has a header but no data rows: the data set is empty.");
            }

            if (outputPath is null)
            {
                console.Out.Write(text);
                console.Out.Flush();
            }
            else
            {
                OutputFiles.WriteText(outputPath, text);
            }

            if (!pr.GetValue(quiet))
            {
                console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"predicted {count:N0} rows with {modelPath} ({Names.Describe(recipe.Trainer.Task)}){(outputPath is null ? string.Empty : " -> " + outputPath)}"));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>One line describing a model from its recipe and its pipeline's schema.</summary>
    /// <param name="recipe">The recipe.</param>
    /// <param name="model">The loaded model.</param>
    /// <returns>The description.</returns>
    public static string Describe(Recipe recipe, LoadedRecipeModel model)
    {
        DataViewSchema output = model.Model.GetOutputSchema(model.InputSchema);
        int features = output.GetColumnOrNull(RecipeDefaults.FeatureColumn)?.Type is VectorDataViewType v ? v.Size : 0;
        int classes = output.GetColumnOrNull("Score")?.Type is VectorDataViewType s ? s.Size : 0;
        return $"{RecipeBackend.DescribeModel(recipe, features, classes)} trained with {OptimizerText.Describe(recipe.Trainer.Optimizer)}";
    }

    /// <summary>Writes one CSV record, quoting fields that need it.</summary>
    /// <param name="w">The writer.</param>
    /// <param name="fields">The fields.</param>
    /// <param name="sep">The separator.</param>
    public static void WriteRecord(TextWriter w, IReadOnlyList<string> fields, char sep)
    {
        for (int i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                w.Write(sep);
            }

            string f = fields[i];
            bool quote = f.Length > 0 && (f.IndexOf(sep, StringComparison.Ordinal) >= 0 || f.IndexOfAny(new[] { '"', '\r', '\n' }) >= 0 || char.IsWhiteSpace(f[0]) || char.IsWhiteSpace(f[^1]));
            w.Write(quote ? "\"" + f.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : f);
        }

        w.Write('\n');
    }

    /// <summary>The prediction CSV: the recipe's columns as read (the label only when the file has it), then the predictions.</summary>
    private static string WritePredictions(IDataView scored, Recipe recipe, bool hasLabel, char sep, string path, out long count)
    {
        TaskKind task = recipe.Trainer.Task;
        var inputs = recipe.Data.Columns.Where(c => !c.IsVector && (hasLabel || c.Name != recipe.Label.Column)).ToList();
        var header = inputs.Select(c => c.Name).ToList();
        string[] classes = Array.Empty<string>();
        switch (task)
        {
            case TaskKind.Regression:
                header.Add("Score");
                break;
            case TaskKind.BinaryClassification:
                header.AddRange(new[] { "PredictedLabel", "Probability", "Score" });
                break;
            default:
                VBuffer<ReadOnlyMemory<char>> slots = default;
                scored.Schema["Score"].GetSlotNames(ref slots);
                classes = slots.DenseValues().Select(v => v.ToString()).ToArray();
                header.Add("PredictedLabel");
                header.AddRange(classes.Select(c => "Probability." + c));
                break;
        }

        // The columns as loaded (before the pipeline changed them): the loader's view of the same rows.
        var w = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        WriteRecord(w, header, sep);
        var wanted = new List<DataViewSchema.Column>();
        count = 0;
        IDataView raw = new MLContext(seed: 0).Data.CreateTextLoader(LoaderOptions(recipe, inputs)).Load(path);
        using DataViewRowCursor rawCursor = raw.GetRowCursor(raw.Schema);
        var rawGetters = inputs.Select((c, i) => Getter(rawCursor, raw.Schema[i], c.Type)).ToArray();
        DataViewSchema.Column score = scored.Schema["Score"];
        wanted.Add(score);
        DataViewSchema.Column? predicted = task == TaskKind.Regression ? null : scored.Schema["PredictedLabel"];
        DataViewSchema.Column? probability = task == TaskKind.BinaryClassification ? scored.Schema["Probability"] : null;
        if (predicted is DataViewSchema.Column pc)
        {
            wanted.Add(pc);
        }

        if (probability is DataViewSchema.Column pr)
        {
            wanted.Add(pr);
        }

        using DataViewRowCursor cursor = scored.GetRowCursor(wanted);
        ValueGetter<float>? scalarScore = task == TaskKind.MulticlassClassification ? null : cursor.GetGetter<float>(score);
        ValueGetter<VBuffer<float>>? vectorScore = task == TaskKind.MulticlassClassification ? cursor.GetGetter<VBuffer<float>>(score) : null;
        ValueGetter<bool>? boolPredicted = task == TaskKind.BinaryClassification ? cursor.GetGetter<bool>(predicted!.Value) : null;
        ValueGetter<ReadOnlyMemory<char>>? textPredicted = task == TaskKind.MulticlassClassification ? cursor.GetGetter<ReadOnlyMemory<char>>(predicted!.Value) : null;
        ValueGetter<float>? prob = probability is DataViewSchema.Column p2 ? cursor.GetGetter<float>(p2) : null;
        float s = 0, p = 0;
        bool b = false;
        VBuffer<float> v = default;
        ReadOnlyMemory<char> t = default;
        while (cursor.MoveNext() && rawCursor.MoveNext())
        {
            count++;
            var record = rawGetters.Select(g => g()).ToList();
            switch (task)
            {
                case TaskKind.Regression:
                    scalarScore!(ref s);
                    record.Add(Number(s));
                    break;
                case TaskKind.BinaryClassification:
                    boolPredicted!(ref b);
                    prob!(ref p);
                    scalarScore!(ref s);
                    record.Add(b ? "true" : "false");
                    record.Add(Number(p));
                    record.Add(Number(s));
                    break;
                default:
                    textPredicted!(ref t);
                    vectorScore!(ref v);
                    record.Add(t.ToString());
                    record.AddRange(v.DenseValues().Select(Number));
                    break;
            }

            WriteRecord(w, record, sep);
        }

        return w.ToString();
    }

    private static Microsoft.ML.Data.TextLoader.Options LoaderOptions(Recipe recipe, IReadOnlyList<RecipeColumn> columns) => new()
    {
        Separators = new[] { recipe.Data.Separator },
        HasHeader = recipe.Data.HasHeader,
        AllowQuoting = recipe.Data.AllowQuoting,
        DecimalMarker = recipe.Data.DecimalSeparator,
        MissingRealsAsNaNs = true,
        Columns = columns.Select(c => new Microsoft.ML.Data.TextLoader.Column(c.Name, c.Kind, c.Index)).ToArray(),
    };

    private static Func<string> Getter(DataViewRowCursor cursor, DataViewSchema.Column column, RecipeColumnType type)
    {
        switch (type)
        {
            case RecipeColumnType.Single:
            {
                ValueGetter<float> g = cursor.GetGetter<float>(column);
                float v = 0;
                return () =>
                {
                    g(ref v);
                    return Number(v);
                };
            }

            case RecipeColumnType.Boolean:
            {
                ValueGetter<bool> g = cursor.GetGetter<bool>(column);
                bool v = false;
                return () =>
                {
                    g(ref v);
                    return v ? "true" : "false";
                };
            }

            default:
            {
                ValueGetter<ReadOnlyMemory<char>> g = cursor.GetGetter<ReadOnlyMemory<char>>(column);
                ReadOnlyMemory<char> v = default;
                return () =>
                {
                    g(ref v);
                    return v.ToString();
                };
            }
        }
    }

    /// <summary>A float as written in predictions: every digit; a missing value as an empty field.</summary>
    private static string Number(float v) => float.IsNaN(v) ? string.Empty : v.ToString("R", CultureInfo.InvariantCulture);

    private static Option<string?> ModelOption() =>
        Flags.Text("--model", "file", "The model: a model.zip file, or the folder train wrote it to.", "-m");

    private static string ModelPath(string? value)
    {
        string path = Flags.Path("--model", value) ?? throw CliException.Usage("--model is required: a model.zip file or the folder train wrote.");
        return Directory.Exists(path) ? Path.Combine(path, "model.zip") : path;
    }

    private static char? Separator(string? text)
    {
        if (text is null)
        {
            return null;
        }

        return Names.TryParseSeparator(text, out char c) && c is not ('"' or '\r' or '\n' or '\0') ? c : throw CliException.Usage($"--separator: expected one character (not a quote) or 'tab', got '{text}'.");
    }
}
