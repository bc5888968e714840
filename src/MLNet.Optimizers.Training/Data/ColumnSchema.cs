using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Optimizers.Training.Data;

/// <summary>One source column that becomes features: its name, position in the file, kind, categories and place in the feature vector.</summary>
public sealed class ColumnSchema
{
    /// <summary>Creates a column description (for example when restoring a persisted <see cref="DatasetSchema"/>).</summary>
    /// <param name="name">The column's name in the header.</param>
    /// <param name="sourceIndex">The 0-based field index in a raw row.</param>
    /// <param name="kind">Numeric (one feature) or categorical (one-hot).</param>
    /// <param name="featureOffset">Index of the column's first feature.</param>
    /// <param name="categories">For a categorical column: its distinct categories (at least one), in feature order; null for numeric.</param>
    /// <param name="fillValue">For a numeric column: the value a missing field becomes under <see cref="MissingValuePolicy.Mean"/> or <see cref="MissingValuePolicy.Zero"/>.</param>
    /// <exception cref="ArgumentException">An argument is inconsistent with <paramref name="kind"/>, or categories repeat.</exception>
    public ColumnSchema(string name, int sourceIndex, ColumnKind kind, int featureOffset, IReadOnlyList<string>? categories = null, double fillValue = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(sourceIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(featureOffset);
        if (!double.IsFinite(fillValue))
        {
            throw new ArgumentException($"fillValue must be finite, got {fillValue}.", nameof(fillValue));
        }

        if (kind == ColumnKind.Categorical)
        {
            if (categories is null || categories.Count == 0)
            {
                throw new ArgumentException($"Categorical column '{name}' needs at least one category.", nameof(categories));
            }

            string[] cats = categories.ToArray();
            if (cats.Any(c => c is null) || cats.Distinct(StringComparer.Ordinal).Count() != cats.Length)
            {
                throw new ArgumentException($"Categorical column '{name}' has a null or repeated category.", nameof(categories));
            }

            Categories = Array.AsReadOnly(cats);
        }
        else if (kind == ColumnKind.Numeric)
        {
            if (categories is { Count: > 0 })
            {
                throw new ArgumentException($"Numeric column '{name}' cannot have categories.", nameof(categories));
            }

            Categories = Array.AsReadOnly(Array.Empty<string>());
        }
        else
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown column kind.");
        }

        Name = name;
        SourceIndex = sourceIndex;
        Kind = kind;
        FeatureOffset = featureOffset;
        FillValue = fillValue;
    }

    /// <summary>The column's name in the header.</summary>
    public string Name { get; }

    /// <summary>The 0-based field index in a raw row.</summary>
    public int SourceIndex { get; }

    /// <summary>Numeric or categorical.</summary>
    public ColumnKind Kind { get; }

    /// <summary>Index of the column's first feature.</summary>
    public int FeatureOffset { get; }

    /// <summary>Features the column produces: 1 for numeric, the category count for categorical.</summary>
    public int FeatureWidth => Kind == ColumnKind.Numeric ? 1 : Categories.Count;

    /// <summary>The categories in feature order (first-seen order in the training file); empty for a numeric column.</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>The value a missing numeric field becomes (the training mean, or 0); unused for categorical columns and under <see cref="MissingValuePolicy.Fail"/>.</summary>
    public double FillValue { get; }
}
