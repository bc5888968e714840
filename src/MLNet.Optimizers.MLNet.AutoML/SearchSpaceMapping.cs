using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.ML.SearchSpace;
using Microsoft.ML.SearchSpace.Option;
using MLNet.Optimizers.Training.Tuning;
using MlParameter = Microsoft.ML.SearchSpace.Parameter;
using MlSearchSpace = Microsoft.ML.SearchSpace.SearchSpace;

namespace MLNet.Optimizers.MLNet.AutoML;

/// <summary>
/// Maps the tuner's search ranges (<see cref="SearchRange"/>) onto Microsoft.ML.SearchSpace options, and a sampled
/// ML.NET <see cref="MlParameter"/> back onto a point of configuration keys (a <see cref="JsonObject"/>, as
/// <see cref="OptimizerSearchSpace.CreateOptimizer"/> takes it). One option per range, under the range's name:
/// <list type="bullet">
/// <item><see cref="FloatRange"/> → <see cref="UniformDoubleOption"/> over [Min, Max] with <c>logBase</c> for
/// <see cref="SearchScale.Log"/> and the range's default as the option's default (initial) value.</item>
/// <item><see cref="IntegerRange"/> → <see cref="UniformDoubleOption"/> over the half-open [Min, Max + 1), floored
/// when read back, with the default at the middle of its unit cell. This reproduces the range's own sampling (every
/// integer of [Min, Max] as likely as <see cref="IntegerRange.SampleValue"/> makes it) and returns the default exactly.
/// ML.NET's <see cref="UniformIntOption"/> does neither: it floors a draw over [min, max], so max has probability 0,
/// and its default maps back one lower for many values (for example 18 in a log [16, 256] range comes back as 17).</item>
/// <item><see cref="ChoiceRange"/> → <see cref="ChoiceOption"/> of the values, default the range's default.</item>
/// <item>A fixed range (Min = Max, or a single choice) → a one-value <see cref="ChoiceOption"/> (no search dimension;
/// ML.NET's uniform options need max &gt; min).</item>
/// </list>
/// </summary>
public static class SearchSpaceMapping
{
    // ML.NET's feature-space mapping of a double (x → [0, 1] → x) is not exact; a value read back within this relative
    // distance of the range's default is the default, so the initial trial uses exactly the configured defaults.
    private const double DefaultSnap = 1e-12;

    /// <summary>The Microsoft.ML.SearchSpace option of one range (see the class remarks for the mapping).</summary>
    /// <param name="range">The range.</param>
    /// <returns>The option.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="range"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An integer range ends at <see cref="int.MaxValue"/> (no room for the half-open upper bound).</exception>
    /// <exception cref="ArgumentException">A range type this mapping does not know.</exception>
    public static OptionBase ToOption(SearchRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        switch (range)
        {
            case FloatRange f when f.IsFixed:
                return new ChoiceOption(new object[] { f.Min }, f.Min);
            case FloatRange f:
                return new UniformDoubleOption(f.Min, f.Max, f.Scale == SearchScale.Log, f.Default);
            case IntegerRange i when i.IsFixed:
                return new ChoiceOption(new object[] { i.Min }, i.Min);
            case IntegerRange i:
                if (i.Max == int.MaxValue)
                {
                    throw new ArgumentOutOfRangeException(nameof(range), i.Max, $"{i.Name}: an integer range mapped to ML.NET must end below int.MaxValue, got {i.Max}.");
                }

                return new UniformDoubleOption(i.Min, i.Max + 1.0, i.Scale == SearchScale.Log, CellMiddle(i, i.Default));
            case ChoiceRange c:
                return new ChoiceOption(c.Values.Cast<object>().ToArray(), c.Default);
            default:
                throw new ArgumentException($"{range.Name}: no Microsoft.ML.SearchSpace mapping for a range of type {range.GetType().Name}.", nameof(range));
        }
    }

    /// <summary>A search space with one option per range, keyed by the range's name.</summary>
    /// <param name="ranges">The ranges (distinct names).</param>
    /// <returns>The ML.NET search space.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="ranges"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException">Two ranges share a name, or a range cannot be mapped.</exception>
    public static MlSearchSpace ToSearchSpace(IEnumerable<SearchRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        var space = new MlSearchSpace();
        foreach (SearchRange range in ranges)
        {
            if (range is null)
            {
                throw new ArgumentNullException(nameof(ranges), "A search range is null.");
            }

            if (space.ContainsKey(range.Name))
            {
                throw new ArgumentException($"Two search ranges are named '{range.Name}'.", nameof(ranges));
            }

            space.Add(range.Name, ToOption(range));
        }

        return space;
    }

    /// <summary>The ML.NET search space of an optimizer's space, after checking it (<see cref="OptimizerSearchSpace.Validate"/>).</summary>
    /// <param name="space">The optimizer's space.</param>
    /// <returns>The ML.NET search space.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="space"/> is null.</exception>
    /// <exception cref="ArgumentException">The space is empty, repeats a name, or its default point is invalid.</exception>
    /// <exception cref="Serialization.OptimizerConfigException">A range names a key the optimizer does not have, or a default it rejects.</exception>
    public static MlSearchSpace ToSearchSpace(OptimizerSearchSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        space.Validate();
        return ToSearchSpace(space.Ranges);
    }

    /// <summary>The ML.NET search space of a model space, after checking it (<see cref="ModelSearchSpace.Validate"/>).</summary>
    /// <param name="space">The model space.</param>
    /// <returns>The ML.NET search space (empty when no range is searched).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="space"/> is null.</exception>
    /// <exception cref="ArgumentException">A range admits an invalid value.</exception>
    public static MlSearchSpace ToSearchSpace(ModelSearchSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        space.Validate();
        return ToSearchSpace(space.Ranges);
    }

    /// <summary>
    /// Reads a sampled ML.NET parameter back as a point: for each range, the value under its name, converted to the
    /// range's type (integers floored, see the class remarks) and checked against the range.
    /// </summary>
    /// <param name="parameter">An object parameter, as <see cref="MlSearchSpace.SampleFromFeatureSpace"/> returns.</param>
    /// <param name="ranges">The ranges the parameter was sampled from.</param>
    /// <returns>A JSON object of configuration keys (numbers, or strings for choices).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The parameter is not an object, lacks a range's key or holds a value of the wrong kind.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value lies outside its range.</exception>
    public static JsonObject ToPoint(MlParameter parameter, IEnumerable<SearchRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(ranges);
        if (parameter.ParameterType != ParameterType.Object)
        {
            throw new ArgumentException($"Expected an object parameter of configuration keys, got a {parameter.ParameterType} ({parameter}).", nameof(parameter));
        }

        var point = new JsonObject();
        foreach (SearchRange range in ranges)
        {
            if (!parameter.ContainsKey(range.Name) || parameter[range.Name] is not MlParameter value)
            {
                throw new ArgumentException($"The parameter has no value for '{range.Name}' (keys: {string.Join(", ", parameter.Keys)}).", nameof(parameter));
            }

            point[range.Name] = range switch
            {
                FloatRange f => JsonValue.Create(ReadFloat(f, value)),
                IntegerRange i => JsonValue.Create(ReadInteger(i, value)),
                ChoiceRange c => JsonValue.Create(ReadChoice(c, value)),
                _ => throw new ArgumentException($"{range.Name}: no Microsoft.ML.SearchSpace mapping for a range of type {range.GetType().Name}.", nameof(ranges)),
            };
        }

        return point;
    }

    private static double CellMiddle(IntegerRange range, int value) => range.Scale == SearchScale.Log
        ? Math.Sqrt(value * (value + 1.0))
        : value + 0.5;

    private static double ReadNumber(SearchRange range, MlParameter value)
    {
        if (value.ParameterType is not (ParameterType.Number or ParameterType.Integer))
        {
            throw new ArgumentException($"{range.Name}: expected a number, got a {value.ParameterType} ({value}).", nameof(value));
        }

        double x = value.AsType<double>();
        if (!double.IsFinite(x))
        {
            throw new ArgumentOutOfRangeException(nameof(value), x, $"{range.Name}: expected a finite number, got {x.ToString("R", CultureInfo.InvariantCulture)}.");
        }

        return x;
    }

    private static double ReadFloat(FloatRange range, MlParameter value)
    {
        double x = ReadNumber(range, value);
        double tolerance = DefaultSnap * Math.Max(Math.Abs(range.Min), Math.Abs(range.Max));
        if (x < range.Min - tolerance || x > range.Max + tolerance)
        {
            throw new ArgumentOutOfRangeException(nameof(value), x, $"{range.Name}: {x.ToString("R", CultureInfo.InvariantCulture)} lies outside {range}.");
        }

        if (Math.Abs(x - range.Default) <= DefaultSnap * Math.Max(Math.Abs(range.Default), double.Epsilon))
        {
            return range.Default;
        }

        return Math.Clamp(x, range.Min, range.Max);
    }

    private static int ReadInteger(IntegerRange range, MlParameter value)
    {
        double x = ReadNumber(range, value);

        // The option spans [Min, Max + 1): floor to the cell; its upper bound itself (reachable when a tuner clips to
        // the edge of the feature space) belongs to Max.
        if (x < range.Min || x > range.Max + 1.0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), x, $"{range.Name}: {x.ToString("R", CultureInfo.InvariantCulture)} lies outside {range} (mapped to [{range.Min}, {range.Max + 1L})).");
        }

        return (int)Math.Min(Math.Floor(x), range.Max);
    }

    private static string ReadChoice(ChoiceRange range, MlParameter value)
    {
        if (value.ParameterType != ParameterType.String)
        {
            throw new ArgumentException($"{range.Name}: expected one of [{string.Join(", ", range.Values)}], got a {value.ParameterType} ({value}).", nameof(value));
        }

        string s = value.AsType<string>();
        if (!range.Values.Contains(s, StringComparer.Ordinal))
        {
            throw new ArgumentOutOfRangeException(nameof(value), s, $"{range.Name}: expected one of [{string.Join(", ", range.Values)}], got '{s}'.");
        }

        return s;
    }
}
