using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>
/// <c>trainer.model</c>: a linear model or an MLP (see <see cref="NeuralModel"/>).
/// </summary>
/// <remarks>
/// JSON keys: <c>type</c> (<c>"linear"</c> or <c>"mlp"</c>); for <c>"mlp"</c> only: <c>hidden_layers</c> (required,
/// widths ≥ 1), <c>activation</c> (<c>"relu"</c>, <c>"gelu"</c>, <c>"tanh"</c>, <c>"sigmoid"</c>), <c>dropout</c> (in
/// [0, 1)); <c>initializer</c> (<c>"auto"</c>, <c>"glorot_uniform"</c>, <c>"he_normal"</c>); for regression only:
/// <c>loss</c> (<c>"squared"</c> or <c>"huber"</c>) and, with <c>"huber"</c>, <c>huber_delta</c> (&gt; 0). A key that
/// does not apply to the model type or the task is an error.
/// </remarks>
public sealed class ModelConfig : IEquatable<ModelConfig>
{
    /// <summary>Linear or MLP.</summary>
    public ModelType Type { get; set; } = PipelineDefaults.ModelType;

    /// <summary>Hidden layer widths (MLP only; at least one); empty for a linear model.</summary>
    public List<int> HiddenLayers { get; set; } = new();

    /// <summary>Hidden-layer activation (MLP only).</summary>
    public Activation Activation { get; set; } = PipelineDefaults.Activation;

    /// <summary>Dropout rate on hidden activations during training, in [0, 1) (MLP only).</summary>
    public double Dropout { get; set; } = PipelineDefaults.Dropout;

    /// <summary>Weight initialization.</summary>
    public WeightInitializer Initializer { get; set; } = PipelineDefaults.Initializer;

    /// <summary>The regression loss (regression only).</summary>
    public RegressionLoss Loss { get; set; } = PipelineDefaults.Loss;

    /// <summary>Huber's delta (regression with <see cref="RegressionLoss.Huber"/> only), finite and &gt; 0.</summary>
    public double HuberDelta { get; set; } = PipelineDefaults.HuberDelta;

    /// <summary>A linear model.</summary>
    /// <returns>The configuration.</returns>
    public static ModelConfig Linear() => new() { Type = ModelType.Linear };

    /// <summary>An MLP with the given hidden layers.</summary>
    /// <param name="activation">The hidden-layer activation.</param>
    /// <param name="hiddenLayers">Hidden layer widths (at least one).</param>
    /// <returns>The configuration.</returns>
    public static ModelConfig Mlp(Activation activation, params int[] hiddenLayers) =>
        new() { Type = ModelType.Mlp, Activation = activation, HiddenLayers = new List<int>(hiddenLayers ?? throw new ArgumentNullException(nameof(hiddenLayers))) };

    /// <summary>The <see cref="ModelOptions"/> of a network for <paramref name="task"/>.</summary>
    /// <param name="task">The task.</param>
    /// <param name="classCount">Classes (multiclass), otherwise ignored.</param>
    /// <returns>New options.</returns>
    public ModelOptions ToModelOptions(TaskKind task, int classCount) => new()
    {
        Task = task,
        ClassCount = Math.Max(2, classCount),
        HiddenLayers = Type == ModelType.Mlp ? HiddenLayers.ToArray() : Array.Empty<int>(),
        Activation = Activation,
        Dropout = Type == ModelType.Mlp ? Dropout : 0,
        Initializer = Initializer,
        RegressionLoss = Loss,
        HuberDelta = HuberDelta,
    };

    /// <summary>A deep copy.</summary>
    /// <returns>A new object with the same values.</returns>
    public ModelConfig Clone() => new()
    {
        Type = Type,
        HiddenLayers = new List<int>(HiddenLayers),
        Activation = Activation,
        Dropout = Dropout,
        Initializer = Initializer,
        Loss = Loss,
        HuberDelta = HuberDelta,
    };

    /// <inheritdoc />
    public bool Equals(ModelConfig? other) =>
        other is not null
        && Type == other.Type
        && HiddenLayers.SequenceEqual(other.HiddenLayers)
        && Activation == other.Activation
        && Dropout.Equals(other.Dropout)
        && Initializer == other.Initializer
        && Loss == other.Loss
        && HuberDelta.Equals(other.HuberDelta);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ModelConfig);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, HiddenLayers.Count, Activation, Dropout, Initializer, Loss, HuberDelta);

    internal static ModelConfig Read(JsonConfigReader r, TaskKind task)
    {
        var m = new ModelConfig { Type = r.Enum("type", JsonNames.ModelTypes, PipelineDefaults.ModelType) };
        if (m.Type == ModelType.Mlp)
        {
            if (!r.Has("hidden_layers"))
            {
                throw r.Missing("hidden_layers", "an array of hidden layer widths");
            }

            m.HiddenLayers = r.IntList("hidden_layers")!;
            m.Activation = r.Enum("activation", JsonNames.Activations, PipelineDefaults.Activation);
            m.Dropout = r.Double("dropout", PipelineDefaults.Dropout);
        }
        else
        {
            foreach (string k in new[] { "hidden_layers", "activation", "dropout" })
            {
                if (r.Has(k))
                {
                    throw new PipelineConfigException(r.PathOf(k), "does not apply to a linear model (it has no hidden layers; use \"type\": \"mlp\").");
                }
            }
        }

        m.Initializer = r.Enum("initializer", JsonNames.Initializers, PipelineDefaults.Initializer);
        if (task == TaskKind.Regression)
        {
            m.Loss = r.Enum("loss", JsonNames.Losses, PipelineDefaults.Loss);
            if (m.Loss == RegressionLoss.Huber)
            {
                m.HuberDelta = r.Double("huber_delta", PipelineDefaults.HuberDelta);
            }
            else if (r.Has("huber_delta"))
            {
                throw new PipelineConfigException(r.PathOf("huber_delta"), "applies only with \"loss\": \"huber\".");
            }
        }
        else
        {
            foreach (string k in new[] { "loss", "huber_delta" })
            {
                if (r.Has(k))
                {
                    throw new PipelineConfigException(r.PathOf(k), "applies to regression only (classification minimizes log loss).");
                }
            }
        }

        r.EnsureNoUnknownKeys(m.Type == ModelType.Mlp
            ? (task == TaskKind.Regression ? "type, hidden_layers, activation, dropout, initializer, loss or huber_delta" : "type, hidden_layers, activation, dropout or initializer")
            : (task == TaskKind.Regression ? "type, initializer, loss or huber_delta" : "type or initializer"));
        return m;
    }

    internal JsonObject Write(TaskKind task)
    {
        var o = new JsonObject { ["type"] = JsonNames.NameOf(JsonNames.ModelTypes, Type) };
        if (Type == ModelType.Mlp)
        {
            var hidden = new JsonArray();
            foreach (int h in HiddenLayers)
            {
                hidden.Add(h);
            }

            o["hidden_layers"] = hidden;
            o["activation"] = JsonNames.NameOf(JsonNames.Activations, Activation);
            o["dropout"] = Dropout;
        }

        o["initializer"] = JsonNames.NameOf(JsonNames.Initializers, Initializer);
        if (task == TaskKind.Regression)
        {
            o["loss"] = JsonNames.NameOf(JsonNames.Losses, Loss);
            if (Loss == RegressionLoss.Huber)
            {
                o["huber_delta"] = HuberDelta;
            }
        }

        return o;
    }

    internal void Validate(string path, TaskKind task)
    {
        string P(string key) => JsonPaths.Property(path, key);
        if (JsonNames.NameOf(JsonNames.ModelTypes, Type) is null)
        {
            throw new PipelineConfigException(P("type"), $"expected {JsonNames.Choices(JsonNames.ModelTypes)}, got {(int)Type} (not a ModelType).");
        }

        if (HiddenLayers is null)
        {
            throw new PipelineConfigException(P("hidden_layers"), "expected an array of widths, got null.");
        }

        if (Type == ModelType.Linear)
        {
            if (HiddenLayers.Count > 0)
            {
                throw new PipelineConfigException(P("hidden_layers"), $"a linear model has no hidden layers (use \"type\": \"mlp\"), got [{string.Join(", ", HiddenLayers)}].");
            }

            if (Activation != PipelineDefaults.Activation)
            {
                throw new PipelineConfigException(P("activation"), $"does not apply to a linear model (it has no hidden layers), got \"{JsonNames.NameOf(JsonNames.Activations, Activation) ?? ((int)Activation).ToString(System.Globalization.CultureInfo.InvariantCulture)}\".");
            }

            if (Dropout != 0)
            {
                throw new PipelineConfigException(P("dropout"), $"does not apply to a linear model (it has no hidden layers), got {JsonPaths.Num(Dropout)}.");
            }
        }
        else
        {
            if (HiddenLayers.Count == 0)
            {
                throw new PipelineConfigException(P("hidden_layers"), "an mlp needs at least one hidden layer, got [].");
            }

            for (int i = 0; i < HiddenLayers.Count; i++)
            {
                if (HiddenLayers[i] < 1)
                {
                    throw new PipelineConfigException(JsonPaths.Index(P("hidden_layers"), i), $"must be >= 1, got {HiddenLayers[i]}.");
                }
            }

            if (JsonNames.NameOf(JsonNames.Activations, Activation) is null)
            {
                throw new PipelineConfigException(P("activation"), $"expected {JsonNames.Choices(JsonNames.Activations)}, got {(int)Activation} (not an Activation).");
            }

            if (!(Dropout >= 0 && Dropout < 1))
            {
                throw new PipelineConfigException(P("dropout"), $"must be in [0, 1), got {JsonPaths.Num(Dropout)}.");
            }
        }

        if (JsonNames.NameOf(JsonNames.Initializers, Initializer) is null)
        {
            throw new PipelineConfigException(P("initializer"), $"expected {JsonNames.Choices(JsonNames.Initializers)}, got {(int)Initializer} (not a WeightInitializer).");
        }

        if (JsonNames.NameOf(JsonNames.Losses, Loss) is null)
        {
            throw new PipelineConfigException(P("loss"), $"expected {JsonNames.Choices(JsonNames.Losses)}, got {(int)Loss} (not a RegressionLoss).");
        }

        if (task != TaskKind.Regression && Loss != RegressionLoss.Squared)
        {
            throw new PipelineConfigException(P("loss"), $"applies to regression only (classification minimizes log loss), got \"{JsonNames.NameOf(JsonNames.Losses, Loss)}\".");
        }

        if (!(HuberDelta > 0) || double.IsInfinity(HuberDelta))
        {
            throw new PipelineConfigException(P("huber_delta"), $"must be a finite number > 0, got {JsonPaths.Num(HuberDelta)}.");
        }

        if (Loss != RegressionLoss.Huber && HuberDelta != PipelineDefaults.HuberDelta)
        {
            throw new PipelineConfigException(P("huber_delta"), $"applies only with \"loss\": \"huber\", got {JsonPaths.Num(HuberDelta)}.");
        }
    }
}
