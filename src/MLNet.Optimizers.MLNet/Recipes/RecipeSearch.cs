using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.Training.Tuning;

namespace MLNet.Optimizers.MLNet.Recipes;

/// <summary>
/// Recipe + search-space point → recipe: what a tuner does with each trial. The optimizer point (keys of the optimizer's
/// Keras config, from <see cref="OptimizerSearchSpace.Sample"/>) replaces <c>trainer.optimizer</c>; the model point
/// (<see cref="ModelSearchSpace"/>: <c>batch_size</c>, <c>hidden_width</c>, <c>hidden_depth</c>, <c>activation</c>)
/// sets the batch size and the model (depth 0: linear; a batch size the point does not set follows the model's default,
/// <see cref="RecipeTrainer.SetModel"/>). Everything else is the base recipe's, so a trial's recipe
/// retrains bit for bit.
/// </summary>
public static class RecipeSearch
{
    /// <summary>A copy of <paramref name="recipe"/> with a search point applied.</summary>
    /// <param name="recipe">The base recipe (not changed).</param>
    /// <param name="optimizerSpace">The optimizer's space.</param>
    /// <param name="optimizerPoint">Keys of the optimizer's config (for example <c>{"learning_rate": 0.003}</c>).</param>
    /// <param name="modelPoint">Model keys, or null to keep the base recipe's model and batch size.</param>
    /// <returns>The trial's recipe (validated).</returns>
    /// <exception cref="OptimizerConfigException">An optimizer key the optimizer does not have, or a value it rejects.</exception>
    /// <exception cref="ArgumentException">An unknown model key or a value of the wrong type.</exception>
    /// <exception cref="RecipeException">The result is not a valid recipe (for example an activation ML.NET cannot score).</exception>
    public static Recipe Apply(Recipe recipe, OptimizerSearchSpace optimizerSpace, JsonObject optimizerPoint, JsonObject? modelPoint = null)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(optimizerSpace);
        ArgumentNullException.ThrowIfNull(optimizerPoint);
        Recipe r = recipe.Clone();
        JsonObject serialized = optimizerSpace.CreateSerializedOptimizer(optimizerPoint);
        r.Trainer.Optimizer = new JsonObject { ["class_name"] = serialized["class_name"]!.DeepClone(), ["config"] = serialized["config"]!.DeepClone() };
        if (modelPoint != null)
        {
            int? width = null, depth = null, batch = null;
            foreach (KeyValuePair<string, JsonNode?> kv in modelPoint)
            {
                switch (kv.Key)
                {
                    case "batch_size":
                        batch = Int(kv);
                        break;
                    case "hidden_width":
                        width = Int(kv);
                        break;
                    case "hidden_depth":
                        depth = Int(kv);
                        break;
                    case "activation":
                        string name = kv.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw new ArgumentException($"activation: expected a string, got {RecipeJson.Describe(kv.Value)}.", nameof(modelPoint));
                        r.Trainer.Activation = RecipeNames.Activations.FirstOrDefault(a => a.Name == name) is var a && a.Name == name
                            ? a.Value
                            : throw new RecipeException("$.trainer.model.activation", $"expected {RecipeJson.Choices(RecipeNames.Activations)} (activations ML.NET can score), got \"{name}\".", RecipeJson.Quote(name));
                        break;
                    default:
                        throw new ArgumentException($"unknown model key '{kv.Key}'; expected batch_size, hidden_width, hidden_depth or activation.", nameof(modelPoint));
                }
            }

            // The model first: a batch size at the old model's default follows it (RecipeTrainer.SetModel); a sampled one wins.
            if (depth is int d)
            {
                r.Trainer.SetModel(d == 0 ? RecipeModelType.Linear : RecipeModelType.Mlp);
            }

            if (batch is int b)
            {
                r.Trainer.BatchSize = b;
            }

            if (r.Trainer.Model == RecipeModelType.Mlp && (width != null || depth != null))
            {
                int w = width ?? (recipe.Trainer.HiddenLayers.Count > 0 ? recipe.Trainer.HiddenLayers[0] : Training.Training.TrainingDefaults.HiddenLayers[0]);
                int n = depth ?? Math.Max(1, recipe.Trainer.HiddenLayers.Count);
                r.Trainer.HiddenLayers = Enumerable.Repeat(w, n).ToList();
            }
        }

        r.Validate();
        return r;
    }

    private static int Int(KeyValuePair<string, JsonNode?> kv) =>
        kv.Value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int i)
            ? i
            : throw new ArgumentException($"{kv.Key}: expected an integer, got {RecipeJson.Describe(kv.Value)}.", kv.Key);
}
