using System;
using System.Collections.Generic;
using System.Linq;
using MLNet.Optimizers.MLNet.Recipes;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>The featurization changes flags make to a recipe, keeping its steps consistent.</summary>
internal static class RecipeEdits
{
    /// <summary>Makes a column no feature (<c>--ignore</c>): dropped first, and out of every later step.</summary>
    /// <param name="recipe">The recipe.</param>
    /// <param name="column">The column.</param>
    /// <exception cref="CliException">The column is not in the recipe, or is the label (exit code 65 / 64).</exception>
    public static void Ignore(Recipe recipe, string column)
    {
        Require(recipe, column, "--ignore");
        foreach (RecipeStep step in recipe.Featurization.ToList())
        {
            List<string>? columns = ColumnsOf(step);
            if (columns != null && step is not DropStep)
            {
                columns.Remove(column);
                if (columns.Count == 0 && step is not ConcatenateStep)
                {
                    recipe.Featurization.Remove(step);
                }
            }
        }

        DropStep drop = recipe.Featurization.OfType<DropStep>().FirstOrDefault() ?? new DropStep();
        if (!recipe.Featurization.Contains(drop))
        {
            recipe.Featurization.Insert(0, drop);
        }

        if (!drop.Columns.Contains(column))
        {
            drop.Columns.Add(column);
        }
    }

    /// <summary>Reads a column as text and one-hot encodes it (<c>--categorical</c>).</summary>
    /// <param name="recipe">The recipe.</param>
    /// <param name="column">The column.</param>
    /// <exception cref="CliException">The column is not in the recipe, is the label, or is not a feature.</exception>
    public static void MakeCategorical(Recipe recipe, string column)
    {
        RecipeColumn c = Require(recipe, column, "--categorical");
        ConcatenateStep? concat = recipe.Featurization.OfType<ConcatenateStep>().LastOrDefault();
        if (concat is null || !concat.Columns.Contains(column))
        {
            throw CliException.BadData($"--categorical {column}: the recipe does not use '{column}' as a feature (it is not in the concatenate step).");
        }

        c.Type = RecipeColumnType.String;
        foreach (RecipeStep step in recipe.Featurization.ToList())
        {
            if (step is ReplaceMissingStep or NormalizeStep && ColumnsOf(step) is List<string> columns && columns.Remove(column) && columns.Count == 0)
            {
                recipe.Featurization.Remove(step);
            }
        }

        OneHotStep? oneHot = recipe.Featurization.OfType<OneHotStep>().FirstOrDefault();
        if (oneHot is null)
        {
            oneHot = new OneHotStep();
            recipe.Featurization.Insert(recipe.Featurization.IndexOf(concat), oneHot);
        }

        if (!oneHot.Columns.Contains(column))
        {
            oneHot.Columns.Add(column);
        }
    }

    /// <summary>Sets what a missing numeric feature becomes (<c>--impute</c>): the mode of the replace_missing step over every numeric feature, or no step.</summary>
    /// <param name="recipe">The recipe.</param>
    /// <param name="mode">The mode, or null for no replacement (a missing value is then an error).</param>
    public static void SetImputation(Recipe recipe, MissingReplacement? mode)
    {
        ReplaceMissingStep? step = recipe.Featurization.OfType<ReplaceMissingStep>().FirstOrDefault();
        if (mode is null)
        {
            recipe.Featurization.RemoveAll(s => s is ReplaceMissingStep);
            return;
        }

        if (step is null)
        {
            var (numeric, _, _) = Backend.RecipeBackend.Columns(recipe);
            numeric = numeric.Where(n => recipe.Data.Find(n)?.Type == RecipeColumnType.Single).ToList();
            if (numeric.Count == 0)
            {
                return;
            }

            step = new ReplaceMissingStep { Columns = numeric };
            int at = recipe.Featurization.FindIndex(s => s is not DropStep);
            recipe.Featurization.Insert(at < 0 ? recipe.Featurization.Count : at, step);
        }

        step.Mode = mode.Value;
    }

    /// <summary>Sets the normalizer of the Features vector (<c>--normalize</c>), or removes it.</summary>
    /// <param name="recipe">The recipe.</param>
    /// <param name="method">The method, or null for none.</param>
    public static void SetNormalization(Recipe recipe, NormalizeMethod? method)
    {
        recipe.Featurization.RemoveAll(s => s is NormalizeStep n && n.Columns.SequenceEqual(new[] { RecipeDefaults.FeatureColumn }));
        if (method is NormalizeMethod m)
        {
            recipe.Featurization.Add(new NormalizeStep { Columns = new List<string> { RecipeDefaults.FeatureColumn }, Method = m, FixZero = false });
        }
    }

    private static RecipeColumn Require(Recipe recipe, string column, string flag)
    {
        RecipeColumn? c = recipe.Data.Find(column);
        if (c is null)
        {
            throw CliException.BadData($"{flag} {column}: the recipe has no column '{column}' in data.columns{Suggest.DidYouMean(column, recipe.Data.Columns.Select(x => x.Name))}.");
        }

        if (column == recipe.Label.Column)
        {
            throw CliException.Usage($"the label column '{column}' cannot also be given to {flag}.");
        }

        return c;
    }

    private static List<string>? ColumnsOf(RecipeStep step) => step switch
    {
        ReplaceMissingStep s => s.Columns,
        OneHotStep s => s.Columns,
        NormalizeStep s => s.Columns,
        ConcatenateStep s => s.Columns,
        DropStep s => s.Columns,
        _ => null,
    };
}
