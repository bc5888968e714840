using System;
using System.Collections.Generic;

namespace MLNet.Optimizers;

/// <summary>
/// A named, shaped float32 tensor that an optimizer updates in place (Keras's <c>Variable</c>).
/// The optimizer never sees a model: it sees parameters and their gradients.
/// </summary>
public sealed class Parameter
{
    private readonly int[] _shape;

    /// <summary>Creates a parameter over existing memory (row-major, C order).</summary>
    /// <param name="name">The parameter's name (Keras's <c>variable.name</c>); used by weight-decay exclusion patterns and checkpoints.</param>
    /// <param name="shape">The shape; an empty array is a scalar.</param>
    /// <param name="value">The values, updated in place; its length must be the product of <paramref name="shape"/>.</param>
    /// <exception cref="ArgumentException">The name is empty, a dimension is negative, or the length does not match the shape.</exception>
    public Parameter(string name, int[] shape, Memory<float> value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name.Length == 0)
        {
            throw new ArgumentException("A parameter name must not be empty.", nameof(name));
        }

        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Parameter '{name}': dimension {d} in shape [{string.Join(", ", shape)}] is negative.", nameof(shape));
            }

            count *= d;
        }

        if (count != value.Length)
        {
            throw new ArgumentException(
                $"Parameter '{name}': shape [{string.Join(", ", shape)}] holds {count} values but the memory has {value.Length}.",
                nameof(value));
        }

        Name = name;
        _shape = (int[])shape.Clone();
        Value = value;
    }

    /// <summary>Creates a parameter that owns a copy of <paramref name="initial"/>.</summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="shape">The shape; an empty array is a scalar.</param>
    /// <param name="initial">Initial values, copied.</param>
    /// <returns>The new parameter.</returns>
    public static Parameter Create(string name, int[] shape, ReadOnlySpan<float> initial) => new(name, shape, initial.ToArray());

    /// <summary>Creates a zero-initialized parameter of the given shape.</summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="shape">The shape; an empty array is a scalar.</param>
    /// <returns>The new parameter.</returns>
    public static Parameter Zeros(string name, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long n = 1;
        foreach (int d in shape)
        {
            n *= Math.Max(d, 0);
        }

        return new Parameter(name, shape, new float[n]);
    }

    /// <summary>The parameter's name.</summary>
    public string Name { get; }

    /// <summary>The shape (a copy is not made: do not modify).</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>The number of dimensions (0 for a scalar).</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of values.</summary>
    public int Length => Value.Length;

    /// <summary>The values, row-major.</summary>
    public Memory<float> Value { get; }

    /// <summary>The shape as text, for messages: <c>[3, 5]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", _shape) + "]";

    internal int[] ShapeArray => _shape;

    /// <inheritdoc />
    public override string ToString() => $"{Name} {ShapeText}";
}
