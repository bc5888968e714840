using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MLNet.Optimizers.Cli.Commands;
using MLNet.Optimizers.MLNet.Data;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>What schema inference is told instead of inferring it (the flags of the same names).</summary>
internal sealed class InferenceSettings
{
    /// <summary>The field separator (null: detected).</summary>
    public char? Separator { get; init; }

    /// <summary>The decimal separator (null: detected).</summary>
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

/// <summary>Schema inference from a CSV file (the library's <see cref="CsvInference"/>), its failures as the tool's one-line errors.</summary>
internal static class SchemaInference
{
    /// <summary>Infers a recipe, then one-hot encodes the columns given to <c>--categorical</c>.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="label">The label column.</param>
    /// <param name="settings">What not to infer.</param>
    /// <returns>The recipe and the decisions.</returns>
    /// <exception cref="CliException">The file is missing (66) or does not fit (65), naming the line and the column.</exception>
    public static InferredRecipe Infer(string path, string label, InferenceSettings settings)
    {
        RecipeBackend.RequireFile(path, "data file");
        CsvInferenceResult result;
        try
        {
            result = CsvInference.Infer(path, label, new CsvInferenceOptions
            {
                Separator = settings.Separator,
                DecimalSeparator = settings.DecimalSeparator,
                Task = settings.Task,
                MissingTokens = settings.MissingTokens,
                Ignore = settings.Ignore,
            });
        }
        catch (CsvDataException e)
        {
            throw CliException.BadData(CliException.OneLine(e.Message), e);
        }
        catch (RecipeException e)
        {
            throw CliException.BadRecipe($"data file '{path}'", e);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(ExitCodes.NoInput, $"data file '{path}' was not found.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.NoInput, $"data file '{path}' cannot be read: {CliException.OneLine(e.Message)}", e);
        }

        Recipe recipe = result.Recipe;
        var decisions = result.Decisions.ToList();
        foreach (string column in settings.Categorical)
        {
            CsvColumnSummary? c = result.Columns.FirstOrDefault(x => x.Name == column);
            if (c is { Role: "categorical" })
            {
                continue;
            }

            RecipeEdits.MakeCategorical(recipe, column);
            decisions.Add($"column '{column}' categorical (asked: --categorical)");
        }

        return new InferredRecipe(recipe, decisions, result.Rows);
    }
}
