using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Tuning;

/// <summary>How a numeric range is sampled.</summary>
public enum SearchScale
{
    /// <summary>Uniform in the value.</summary>
    Linear,

    /// <summary>Uniform in the logarithm of the value (every decade equally likely); the minimum must be positive.</summary>
    Log,
}

/// <summary>
/// One dimension of a search space: a name (the snake_case key it sets in a configuration), a range, a scale and a
/// default. Ranges are plain data with no dependency on ML.NET, so the ML.NET bridge can translate them into
/// Microsoft.ML.SearchSpace options one to one.
/// </summary>
public abstract class SearchRange
{
    private protected SearchRange(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException($"A search range needs a name, got '{name}'.", nameof(name));
        }

        Name = name;
    }

    /// <summary>The dimension's name: the snake_case configuration key it sets (for example <c>learning_rate</c>).</summary>
    public string Name { get; }

    /// <summary>True when the range holds a single value (nothing to search).</summary>
    public abstract bool IsFixed { get; }

    /// <summary>The default value as JSON (a number, or a string for a choice).</summary>
    public abstract JsonNode DefaultValue { get; }

    /// <summary>Draws one value.</summary>
    /// <param name="random">The random source (one draw of <see cref="DeterministicRandom.NextDouble"/> per call).</param>
    /// <returns>The value as JSON.</returns>
    public abstract JsonNode Sample(DeterministicRandom random);

    /// <summary>A short description such as <c>learning_rate: log [1e-05, 0.0033], default 0.001</c>.</summary>
    /// <returns>The description.</returns>
    public abstract override string ToString();

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A real-valued range <c>[Min, Max]</c>, sampled linearly or log-uniformly.</summary>
public sealed class FloatRange : SearchRange
{
    /// <summary>Creates a range.</summary>
    /// <param name="name">The configuration key it sets.</param>
    /// <param name="min">The smallest value (finite; positive on a log scale).</param>
    /// <param name="max">The largest value (finite, at least <paramref name="min"/>).</param>
    /// <param name="defaultValue">The default, inside the range.</param>
    /// <param name="scale">Linear or log sampling.</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound or the default is not finite, the bounds are reversed,
    /// a log range does not start above 0, or the default lies outside the range.</exception>
    public FloatRange(string name, double min, double max, double defaultValue, SearchScale scale = SearchScale.Linear)
        : base(name)
    {
        if (!double.IsFinite(min))
        {
            throw new ArgumentOutOfRangeException(nameof(min), min, $"{name}: the minimum must be finite, got {Format(min)}.");
        }

        if (!double.IsFinite(max) || max < min)
        {
            throw new ArgumentOutOfRangeException(nameof(max), max, $"{name}: the maximum must be finite and at least the minimum {Format(min)}, got {Format(max)}.");
        }

        if (scale == SearchScale.Log && min <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(min), min, $"{name}: a log-scaled range must start above 0, got {Format(min)}.");
        }

        if (!Enum.IsDefined(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"{name}: unknown scale.");
        }

        if (!double.IsFinite(defaultValue) || defaultValue < min || defaultValue > max)
        {
            throw new ArgumentOutOfRangeException(nameof(defaultValue), defaultValue, $"{name}: the default must lie in [{Format(min)}, {Format(max)}], got {Format(defaultValue)}.");
        }

        Min = min;
        Max = max;
        Default = defaultValue;
        Scale = scale;
    }

    /// <summary>The smallest value.</summary>
    public double Min { get; }

    /// <summary>The largest value.</summary>
    public double Max { get; }

    /// <summary>The default value.</summary>
    public double Default { get; }

    /// <summary>Linear or log sampling.</summary>
    public SearchScale Scale { get; }

    /// <inheritdoc />
    public override bool IsFixed => Min == Max;

    /// <inheritdoc />
    public override JsonNode DefaultValue => JsonValue.Create(Default);

    /// <inheritdoc />
    public override JsonNode Sample(DeterministicRandom random) => JsonValue.Create(SampleValue(random));

    /// <summary>Draws one value.</summary>
    /// <param name="random">The random source.</param>
    /// <returns>A value in [<see cref="Min"/>, <see cref="Max"/>].</returns>
    public double SampleValue(DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double u = random.NextDouble();
        double value = Scale == SearchScale.Log
            ? Math.Exp(Math.Log(Min) + (u * (Math.Log(Max) - Math.Log(Min))))
            : Min + (u * (Max - Min));
        return Math.Clamp(value, Min, Max);
    }

    /// <summary>A copy with other bounds and default (same name and scale).</summary>
    /// <param name="min">The new minimum.</param>
    /// <param name="max">The new maximum.</param>
    /// <param name="defaultValue">The new default.</param>
    /// <returns>The new range.</returns>
    public FloatRange With(double min, double max, double defaultValue) => new(Name, min, max, defaultValue, Scale);

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {(Scale == SearchScale.Log ? "log" : "linear")} [{Format(Min)}, {Format(Max)}], default {Format(Default)}";
}

/// <summary>An integer range <c>[Min, Max]</c>, sampled linearly or log-uniformly.</summary>
public sealed class IntegerRange : SearchRange
{
    /// <summary>Creates a range.</summary>
    /// <param name="name">The configuration key it sets.</param>
    /// <param name="min">The smallest value (positive on a log scale).</param>
    /// <param name="max">The largest value (at least <paramref name="min"/>).</param>
    /// <param name="defaultValue">The default, inside the range.</param>
    /// <param name="scale">Linear or log sampling.</param>
    /// <exception cref="ArgumentOutOfRangeException">The bounds are reversed, a log range does not start above 0,
    /// or the default lies outside the range.</exception>
    public IntegerRange(string name, int min, int max, int defaultValue, SearchScale scale = SearchScale.Linear)
        : base(name)
    {
        if (max < min)
        {
            throw new ArgumentOutOfRangeException(nameof(max), max, $"{name}: the maximum must be at least the minimum {min}, got {max}.");
        }

        if (scale == SearchScale.Log && min <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(min), min, $"{name}: a log-scaled range must start above 0, got {min}.");
        }

        if (!Enum.IsDefined(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"{name}: unknown scale.");
        }

        if (defaultValue < min || defaultValue > max)
        {
            throw new ArgumentOutOfRangeException(nameof(defaultValue), defaultValue, $"{name}: the default must lie in [{min}, {max}], got {defaultValue}.");
        }

        Min = min;
        Max = max;
        Default = defaultValue;
        Scale = scale;
    }

    /// <summary>The smallest value.</summary>
    public int Min { get; }

    /// <summary>The largest value.</summary>
    public int Max { get; }

    /// <summary>The default value.</summary>
    public int Default { get; }

    /// <summary>Linear or log sampling.</summary>
    public SearchScale Scale { get; }

    /// <inheritdoc />
    public override bool IsFixed => Min == Max;

    /// <inheritdoc />
    public override JsonNode DefaultValue => JsonValue.Create(Default);

    /// <inheritdoc />
    public override JsonNode Sample(DeterministicRandom random) => JsonValue.Create(SampleValue(random));

    /// <summary>Draws one value; on a log scale each value v has probability proportional to log((v+1)/v).</summary>
    /// <param name="random">The random source.</param>
    /// <returns>A value in [<see cref="Min"/>, <see cref="Max"/>].</returns>
    public int SampleValue(DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double u = random.NextDouble();
        double value = Scale == SearchScale.Log
            ? Math.Exp(Math.Log(Min) + (u * (Math.Log(Max + 1.0) - Math.Log(Min))))
            : Min + (u * (Max - Min + 1.0));
        return (int)Math.Clamp(Math.Floor(value), Min, Max);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {(Scale == SearchScale.Log ? "log" : "linear")} integer [{Min}, {Max}], default {Default}";
}

/// <summary>A choice among named values (for example activations), each equally likely.</summary>
public sealed class ChoiceRange : SearchRange
{
    /// <summary>Creates a choice.</summary>
    /// <param name="name">The configuration key it sets.</param>
    /// <param name="values">The choices (at least one, distinct, none empty).</param>
    /// <param name="defaultValue">The default, one of <paramref name="values"/>.</param>
    /// <exception cref="ArgumentException">No values, an empty or duplicate value, or a default that is not a value.</exception>
    public ChoiceRange(string name, IReadOnlyList<string> values, string defaultValue)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException($"{name}: a choice needs at least one value, got none.", nameof(values));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string v in values)
        {
            if (string.IsNullOrEmpty(v) || !seen.Add(v))
            {
                throw new ArgumentException($"{name}: values must be distinct and non-empty, got '{v}' in [{string.Join(", ", values)}].", nameof(values));
            }
        }

        if (!seen.Contains(defaultValue))
        {
            throw new ArgumentException($"{name}: the default must be one of [{string.Join(", ", values)}], got '{defaultValue}'.", nameof(defaultValue));
        }

        Values = values.ToArray();
        Default = defaultValue;
    }

    /// <summary>The choices.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>The default choice.</summary>
    public string Default { get; }

    /// <inheritdoc />
    public override bool IsFixed => Values.Count == 1;

    /// <inheritdoc />
    public override JsonNode DefaultValue => JsonValue.Create(Default);

    /// <inheritdoc />
    public override JsonNode Sample(DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        int i = (int)Math.Min(Values.Count - 1, Math.Floor(random.NextDouble() * Values.Count));
        return JsonValue.Create(Values[i]);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: one of [{string.Join(", ", Values)}], default {Default}";
}
