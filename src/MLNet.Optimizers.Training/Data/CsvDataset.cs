using System;

namespace MLNet.Optimizers.Training.Data;

/// <summary>A loaded CSV file: the featurized table and the schema that featurizes new rows the same way.</summary>
public sealed class CsvDataset
{
    /// <summary>Pairs a table with its schema.</summary>
    /// <param name="table">The featurized rows.</param>
    /// <param name="schema">How the rows were featurized.</param>
    public CsvDataset(DenseTable table, DatasetSchema schema)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(schema);
        if (table.FeatureCount != schema.FeatureCount)
        {
            throw new ArgumentException($"The table has {table.FeatureCount} features; the schema has {schema.FeatureCount}.", nameof(table));
        }

        Table = table;
        Schema = schema;
    }

    /// <summary>The featurized rows (labels encoded per <see cref="DatasetSchema.Task"/>).</summary>
    public DenseTable Table { get; }

    /// <summary>How the rows were featurized.</summary>
    public DatasetSchema Schema { get; }
}
