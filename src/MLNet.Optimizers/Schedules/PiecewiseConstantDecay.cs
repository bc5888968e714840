using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Schedules;

/// <summary>
/// A piecewise-constant learning rate: <c>values[0]</c> while <c>step &lt;= boundaries[0]</c>, <c>values[i+1]</c> while
/// <c>boundaries[i] &lt; step &lt;= boundaries[i+1]</c>, and the last value after the last boundary.
/// </summary>
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly long[] _boundaries;
    private readonly double[] _values;

    /// <summary>Creates the schedule.</summary>
    /// <param name="boundaries">Keras <c>boundaries</c>: strictly increasing step counts.</param>
    /// <param name="values">Keras <c>values</c>: one more than the boundaries, each finite and &gt;= 0.</param>
    /// <param name="name">Keras <c>name</c>.</param>
    public PiecewiseConstantDecay(IReadOnlyList<long> boundaries, IReadOnlyList<double> values, string name = "PiecewiseConstant")
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != boundaries.Count + 1)
        {
            throw new ArgumentException(
                $"values must have exactly one more entry than boundaries, got {values.Count} values for {boundaries.Count} boundaries.",
                nameof(values));
        }

        for (int i = 1; i < boundaries.Count; i++)
        {
            if (boundaries[i] <= boundaries[i - 1])
            {
                throw new ArgumentException(
                    $"boundaries must be strictly increasing, got {boundaries[i - 1]} then {boundaries[i]} at index {i}.",
                    nameof(boundaries));
            }
        }

        for (int i = 0; i < values.Count; i++)
        {
            Check.NonNegative(values[i], $"values[{i}]");
        }

        _boundaries = boundaries.ToArray();
        _values = values.ToArray();
        Name = name;
    }

    /// <summary>Keras <c>boundaries</c>.</summary>
    public IReadOnlyList<long> Boundaries => _boundaries;

    /// <summary>Keras <c>values</c>.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <inheritdoc />
    public override string ClassName => "PiecewiseConstantDecay";

    /// <inheritdoc />
    public override float Evaluate(long step)
    {
        int k = 0;
        while (k < _boundaries.Length && step > _boundaries[k])
        {
            k++;
        }

        return (float)_values[k];
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["boundaries"] = new JsonArray(_boundaries.Select(b => (JsonNode?)JsonValue.Create(b)).ToArray()),
        ["values"] = new JsonArray(_values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
        ["name"] = Name,
    };
}
