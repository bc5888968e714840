using System.Collections.Generic;
using MLNet.Optimizers.MLNet.Recipes;

namespace MLNet.Optimizers.Cli.Settings;

/// <summary>
/// What one <c>train</c>, <c>compare</c> or <c>sweep</c> call asks for: the recipe (from a recipe file, or inferred
/// from the CSV, with every flag applied to its keys), the data file and the run settings that are not part of the
/// recipe (the compute provider, checkpoints).
/// </summary>
internal sealed record RunRequest
{
    /// <summary>The recipe (its <c>data.path</c> is not used; see <see cref="DataPath"/>).</summary>
    public required Recipe Recipe { get; init; }

    /// <summary>The training CSV file, as a path usable from the current folder.</summary>
    public required string DataPath { get; init; }

    /// <summary>The compute provider: auto, managed, mkl or openblas (not part of the recipe).</summary>
    public string Compute { get; init; } = "auto";

    /// <summary>What schema inference decided, one line each (empty with a recipe file).</summary>
    public IReadOnlyList<string> Decisions { get; init; } = System.Array.Empty<string>();

    /// <summary>The recipe file given with <c>--config</c>, or null.</summary>
    public string? ConfigPath { get; init; }
}
