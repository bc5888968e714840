using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Training.Tuning;

/// <summary>
/// The model and batching part of a sweep: batch size, MLP width and depth (depth 0 is a linear model) and the hidden
/// activation. Range names are the keys of a sampled point (<c>batch_size</c>, <c>hidden_width</c>,
/// <c>hidden_depth</c>, <c>activation</c>); the tuner turns width and depth into the recipe's hidden-layer list.
/// </summary>
public sealed class ModelSearchSpace
{
    /// <summary>Mini-batch size, log scale [16, 256]; default <see cref="TrainingDefaults.BatchSize"/>.</summary>
    public IntegerRange? BatchSize { get; init; } = new("batch_size", 16, 256, TrainingDefaults.BatchSize, SearchScale.Log);

    /// <summary>Units per hidden layer, log scale [16, 256]; default the width of <see cref="TrainingDefaults.HiddenLayers"/>.</summary>
    public IntegerRange? HiddenWidth { get; init; } = new("hidden_width", 16, 256, TrainingDefaults.HiddenLayers[0], SearchScale.Log);

    /// <summary>Hidden layers, linear [0, 3] (0 = linear model); default the depth of <see cref="TrainingDefaults.HiddenLayers"/>.</summary>
    public IntegerRange? HiddenDepth { get; init; } = new("hidden_depth", 0, 3, TrainingDefaults.HiddenLayers.Count);

    /// <summary>
    /// Hidden activation, by name (<see cref="ActivationNames"/>): ReLU and tanh, which an ML.NET model can score; default
    /// <see cref="TrainingDefaults.Activation"/>.
    /// </summary>
    public ChoiceRange? Activation { get; init; } = new("activation", new[] { "relu", "tanh" }, NameOf(TrainingDefaults.Activation));

    /// <summary>The activation names a point may hold: <c>relu</c>, <c>tanh</c>, <c>sigmoid</c>, <c>gelu</c> (GELU trains in the engine; an ML.NET model cannot score it).</summary>
    public static IReadOnlyList<string> ActivationNames { get; } = Array.AsReadOnly(new[] { "relu", "tanh", "sigmoid", "gelu" });

    /// <summary>The ranges, in sampling order (null ranges are not searched).</summary>
    public IReadOnlyList<SearchRange> Ranges => new SearchRange?[] { BatchSize, HiddenWidth, HiddenDepth, Activation }.Where(r => r is not null).Cast<SearchRange>().ToArray();

    /// <summary>The default point.</summary>
    /// <returns>A JSON object of the ranges' defaults.</returns>
    public JsonObject DefaultPoint()
    {
        var point = new JsonObject();
        foreach (SearchRange r in Ranges)
        {
            point[r.Name] = r.DefaultValue;
        }

        return point;
    }

    /// <summary>Draws one point, one draw per range in <see cref="Ranges"/> order.</summary>
    /// <param name="random">The random source.</param>
    /// <returns>A JSON object of sampled values.</returns>
    public JsonObject Sample(DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var point = new JsonObject();
        foreach (SearchRange r in Ranges)
        {
            point[r.Name] = r.Sample(random);
        }

        return point;
    }

    /// <summary>Checks the space: batch size and width must be positive, depth non-negative.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A range admits an invalid value.</exception>
    /// <exception cref="ArgumentException">An unknown activation name.</exception>
    public void Validate()
    {
        if (BatchSize is { Min: < 1 })
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize.Min, $"batch_size must be at least 1, the range starts at {BatchSize.Min}.");
        }

        if (HiddenWidth is { Min: < 1 })
        {
            throw new ArgumentOutOfRangeException(nameof(HiddenWidth), HiddenWidth.Min, $"hidden_width must be at least 1, the range starts at {HiddenWidth.Min}.");
        }

        if (HiddenDepth is { Min: < 0 })
        {
            throw new ArgumentOutOfRangeException(nameof(HiddenDepth), HiddenDepth.Min, $"hidden_depth must be at least 0, the range starts at {HiddenDepth.Min}.");
        }

        if (Activation != null)
        {
            foreach (string name in Activation.Values)
            {
                if (!ActivationNames.Contains(name))
                {
                    throw new ArgumentException($"activation: unknown activation '{name}'; expected {string.Join(", ", ActivationNames)}.", nameof(Activation));
                }
            }
        }
    }

    /// <summary>The name of an activation (<see cref="ActivationNames"/>).</summary>
    /// <param name="activation">The activation.</param>
    /// <returns>Its name.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined activation.</exception>
    public static string NameOf(Activation activation) => activation switch
    {
        Models.Activation.ReLU => "relu",
        Models.Activation.Tanh => "tanh",
        Models.Activation.Sigmoid => "sigmoid",
        Models.Activation.Gelu => "gelu",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, $"Unknown activation {(int)activation}."),
    };
}
