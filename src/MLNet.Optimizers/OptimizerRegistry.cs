using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers;

/// <summary>
/// One optimizer as the library knows it: its Keras class name, its short name (as tools spell it), its type, its
/// defaults and how to rebuild it from a Keras config. Each optimizer declares its own (for example <see cref="Lion.Info"/>);
/// <see cref="OptimizerRegistry"/> lists them.
/// </summary>
public sealed class OptimizerInfo
{
    private readonly Func<Optimizer> _create;
    private readonly Func<JsonObject, KerasConfigOptions?, Optimizer> _fromConfig;

    /// <summary>Describes an optimizer.</summary>
    /// <param name="className">The Keras class name (<c>Lion</c>), also the display name.</param>
    /// <param name="name">The short lower-case name tools use (<c>lion</c>).</param>
    /// <param name="type">The optimizer's type.</param>
    /// <param name="defaultLearningRate">Keras's default learning rate.</param>
    /// <param name="recommendedLearningRate">The tabular recommendation of the learning rate.</param>
    /// <param name="recommendedWeightDecay">The tabular recommendation of decoupled weight decay, or null for none.</param>
    /// <param name="create">A new optimizer with Keras's defaults.</param>
    /// <param name="fromConfig">Rebuilds the optimizer from Keras's <c>get_config()</c> dictionary.</param>
    public OptimizerInfo(string className, string name, Type type, double defaultLearningRate, double recommendedLearningRate, double? recommendedWeightDecay, Func<Optimizer> create, Func<JsonObject, KerasConfigOptions?, Optimizer> fromConfig)
    {
        ArgumentException.ThrowIfNullOrEmpty(className);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(fromConfig);
        ClassName = className;
        Name = name;
        Type = type;
        DefaultLearningRate = defaultLearningRate;
        RecommendedLearningRate = recommendedLearningRate;
        RecommendedWeightDecay = recommendedWeightDecay;
        _create = create;
        _fromConfig = fromConfig;
    }

    /// <summary>The Keras class name (<c>Lion</c>, <c>Adafactor</c>, <c>AdamW</c>, <c>SGD</c>), also the display name.</summary>
    public string ClassName { get; }

    /// <summary>The short lower-case name tools use (<c>lion</c>, <c>adafactor</c>, <c>adamw</c>, <c>sgd</c>).</summary>
    public string Name { get; }

    /// <summary>The optimizer's type.</summary>
    public Type Type { get; }

    /// <summary>Keras's default learning rate.</summary>
    public double DefaultLearningRate { get; }

    /// <summary>The tabular recommendation of the learning rate (the optimizer's <c>*Defaults.RecommendedLearningRate</c>).</summary>
    public double RecommendedLearningRate { get; }

    /// <summary>The tabular recommendation of decoupled weight decay, or null for none.</summary>
    public double? RecommendedWeightDecay { get; }

    /// <summary>A new optimizer with Keras's defaults.</summary>
    /// <returns>The optimizer (not built).</returns>
    public Optimizer Create() => _create();

    /// <summary>Rebuilds the optimizer from Keras's <c>get_config()</c> dictionary.</summary>
    /// <param name="config">The config.</param>
    /// <param name="options">Callable resolution and the error path prefix.</param>
    /// <returns>The optimizer (not built).</returns>
    /// <exception cref="OptimizerConfigException">An unknown key, a wrong type or an invalid value (named by its JSON path).</exception>
    public Optimizer FromConfig(JsonObject config, KerasConfigOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return _fromConfig(config, options);
    }

    /// <inheritdoc />
    public override string ToString() => ClassName;
}

/// <summary>
/// The optimizers of the library, in one place: Keras config reading (<see cref="KerasConfig"/>), the command-line
/// tool's optimizer names and the search spaces look them up here. Adding an optimizer is its own file (with its
/// <see cref="OptimizerInfo"/>) and one line in this list.
/// </summary>
public static class OptimizerRegistry
{
    private static readonly OptimizerInfo[] Registered =
    {
        Lion.Info,
        Adafactor.Info,
        AdamW.Info,
        Sgd.Info,
    };

    /// <summary>Every optimizer, in a fixed order (the order tools list and compare them in).</summary>
    public static IReadOnlyList<OptimizerInfo> All { get; } = Array.AsReadOnly(Registered);

    /// <summary>The Keras class names, in <see cref="All"/> order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Array.AsReadOnly(Registered.Select(r => r.ClassName).ToArray());

    /// <summary>The short names, in <see cref="All"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(Registered.Select(r => r.Name).ToArray());

    /// <summary>The optimizer with Keras class name <paramref name="className"/> (exact), or null.</summary>
    /// <param name="className">A Keras class name (<c>Lion</c>).</param>
    /// <returns>The optimizer's info, or null.</returns>
    public static OptimizerInfo? FindByClassName(string? className) => Registered.FirstOrDefault(r => string.Equals(r.ClassName, className, StringComparison.Ordinal));

    /// <summary>The optimizer named <paramref name="name"/>: its short name or its Keras class name, ignoring case; or null.</summary>
    /// <param name="name">A short name (<c>lion</c>) or class name (<c>Lion</c>).</param>
    /// <returns>The optimizer's info, or null.</returns>
    public static OptimizerInfo? Find(string? name) =>
        name is null ? null : Registered.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase) || string.Equals(r.ClassName, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The optimizer of <paramref name="optimizer"/>'s class.</summary>
    /// <param name="optimizer">An optimizer.</param>
    /// <returns>Its info.</returns>
    /// <exception cref="ArgumentException">The optimizer's class is not registered.</exception>
    public static OptimizerInfo Of(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return FindByClassName(optimizer.ClassName)
            ?? throw new ArgumentException($"The optimizer class '{optimizer.ClassName}' is not registered; registered: {string.Join(", ", ClassNames)}.", nameof(optimizer));
    }
}
