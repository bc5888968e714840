using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using MLNet.Optimizers.Cli.Data;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>What schema inference is told instead of inferring it (the flags of the same names).</summary>
internal sealed class InferenceSettings
{
    /// <summary>The field separator (null: ',').</summary>
    public char? Separator { get; init; }

    /// <summary>The decimal separator (null: '.').</summary>
    public char? DecimalSeparator { get; init; }

    /// <summary>The task (null: inferred).</summary>
    public TaskKind? Task { get; init; }

    /// <summary>Values that mean "missing" besides the empty field.</summary>
    public IReadOnlyList<string> MissingTokens { get; init; } = Array.Empty<string>();

    /// <summary>Columns that are never features.</summary>
    public IReadOnlyList<string> Ignore { get; init; } = Array.Empty<string>();

    /// <summary>Columns to one-hot encode whatever their values.</summary>
    public IReadOnlyList<string> Categorical { get; init; } = Array.Empty<string>();
}

/// <summary>A recipe inferred from a CSV file, with one line per decision.</summary>
/// <param name="Recipe">The recipe (no <c>data.path</c>).</param>
/// <param name="Decisions">What was decided, one line each.</param>
/// <param name="Rows">Data rows read.</param>
internal sealed record InferredRecipe(Recipe Recipe, IReadOnlyList<string> Decisions, long Rows);

/// <summary>
/// Schema inference from a CSV file into a recipe laid out as the library's inference lays it out (drop, replace_missing
/// on the numeric features, one_hot on the text ones, concatenate into Features, normalize). Interim: the library's
/// <c>CsvInference</c> replaces it when it is merged.
/// </summary>
internal static class SchemaInference
{
    /// <summary>Infers a recipe.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="label">The label column.</param>
    /// <param name="settings">What not to infer.</param>
    /// <returns>The recipe and the decisions.</returns>
    /// <exception cref="CliException">The file is missing (66) or does not fit (65), naming line and column.</exception>
    public static InferredRecipe Infer(string path, string label, InferenceSettings settings)
    {
        char separator = settings.Separator ?? RecipeDefaults.Separator;
        DataProfile profile = DataInspector.InspectTrainingFile(path, separator, label, settings.Categorical, settings.Ignore, settings.MissingTokens, imputeMissing: true);
        Training.Pipelines.DataConfig schema;
        try
        {
            schema = Training.Pipelines.DataConfig.InferFromCsv(path, label, settings.Task, separator, hasHeader: true, settings.MissingTokens);
        }
        catch (Training.Data.CsvFormatException e)
        {
            throw CliException.BadData(CliException.OneLine(e.Message), e);
        }

        var decisions = new List<string>();
        var recipe = new Recipe();
        recipe.Data.Separator = separator;
        recipe.Data.DecimalSeparator = settings.DecimalSeparator ?? RecipeDefaults.DecimalSeparator;
        recipe.Data.MissingTokens = settings.MissingTokens.Distinct(StringComparer.Ordinal).ToList();
        TaskKind task = schema.Task;
        decisions.Add(settings.Task is null ? $"task {TaskName(task)}: inferred from the label '{label}' (trainer.task, --task)" : $"task {TaskName(task)} (given)");
        var numeric = new List<string>();
        var text = new List<string>();
        for (int i = 0; i < profile.Columns.Count; i++)
        {
            string name = profile.Columns[i];
            bool isText = schema.TypeOf(name) == Training.Pipelines.ColumnType.Text || settings.Categorical.Contains(name);
            RecipeColumnType type = name == label
                ? (task == TaskKind.Regression ? RecipeColumnType.Single : RecipeColumnType.String)
                : isText ? RecipeColumnType.String : RecipeColumnType.Single;
            recipe.Data.Columns.Add(new RecipeColumn(name, type, i));
            if (name == label || settings.Ignore.Contains(name))
            {
                continue;
            }

            (isText ? text : numeric).Add(name);
            if (isText)
            {
                decisions.Add($"column '{name}' categorical (one_hot)");
            }
        }

        var label0 = new RecipeLabel { Column = label };
        if (task == TaskKind.BinaryClassification)
        {
            string[] values = File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => Field(l, separator, profile.Columns.ToList().IndexOf(label))).Distinct(StringComparer.Ordinal).ToArray();
            bool numbers = values.All(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            label0.PositiveClass = numbers ? values.OrderBy(v => double.Parse(v, CultureInfo.InvariantCulture)).Last() : values.OrderBy(v => v, StringComparer.Ordinal).Last();
            decisions.Add($"positive class '{label0.PositiveClass}' of '{label}' (the larger of its two values; label.positive_class)");
        }

        recipe.Label = label0;
        if (settings.Ignore.Count > 0)
        {
            recipe.Featurization.Add(new DropStep { Columns = settings.Ignore.ToList() });
        }

        if (numeric.Count > 0)
        {
            recipe.Featurization.Add(new ReplaceMissingStep { Columns = numeric, Mode = MissingReplacement.Mean });
        }

        if (text.Count > 0)
        {
            recipe.Featurization.Add(new OneHotStep { Columns = text });
        }

        recipe.Featurization.Add(new ConcatenateStep { Output = RecipeDefaults.FeatureColumn, Columns = numeric.Concat(text).ToList() });
        recipe.Featurization.Add(new NormalizeStep { Columns = new List<string> { RecipeDefaults.FeatureColumn }, Method = NormalizeMethod.MeanVariance });
        recipe.Trainer = new RecipeTrainer { Task = task };
        recipe.Validate();
        return new InferredRecipe(recipe, decisions, profile.Rows);
    }

    private static string Field(string line, char separator, int index)
    {
        string[] f = line.Split(separator);
        return index < f.Length ? f[index].Trim().Trim('"') : string.Empty;
    }

    private static string TaskName(TaskKind t) => t switch
    {
        TaskKind.Regression => "regression",
        TaskKind.BinaryClassification => "binary_classification",
        _ => "multiclass_classification",
    };
}
