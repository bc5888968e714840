// Shared by every sample (linked into each project as Shared/TypedRows.cs): maps Model-Builder-style typed classes
// to and from the pipeline API's untyped rows, with reflection and nothing else.
//
//   ModelInput  -> DataConfig      Schema<ModelInput>(label, task): one column per property, in declaration order;
//                                  float -> "numeric", string -> "text"; the name is [ColumnName] or the property name;
//                                  a float[] property with [VectorColumns("px", 64)] stands for columns px0 .. px63.
//   ModelInput  -> row             ToRow(input): column name -> invariant text (float.NaN and null mean "missing"),
//                                  what PipelineModel.Predict takes.
//   ModelInput[] -> TabularData    ToTable(schema, inputs), through TabularData.FromRows (the CSV parsing rules).
//   TabularData -> ModelInput[]    FromTable<ModelInput>(table): the rows back as objects (absent columns keep defaults).
//   Prediction  -> ModelOutput     ToOutput<ModelOutput>(prediction): [ColumnName("Score")] float (regression, binary
//                                  margin) or float[] (multiclass probabilities), "PredictedLabel" string,
//                                  "Probability" float (binary).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Pipelines;

namespace MLNet.Optimizers.Samples;

/// <summary>The CSV column a property holds (as Model Builder's <c>[ColumnName]</c>).</summary>
/// <param name="name">The column name, as in the CSV header.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ColumnNameAttribute(string name) : Attribute
{
    /// <summary>The column name.</summary>
    public string Name { get; } = name;
}

/// <summary>A <c>float[]</c> property holding the consecutive columns <c>prefix0</c> .. <c>prefix{count-1}</c>.</summary>
/// <param name="prefix">The common prefix of the column names.</param>
/// <param name="count">How many columns.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class VectorColumnsAttribute(string prefix, int count) : Attribute
{
    /// <summary>The prefix.</summary>
    public string Prefix { get; } = prefix;

    /// <summary>The number of columns.</summary>
    public int Count { get; } = count;
}

/// <summary>Typed Model-Builder classes to and from the pipeline API's rows and tables.</summary>
public static class TypedRows
{
    /// <summary>The data schema a typed input class describes.</summary>
    /// <typeparam name="T">The input class (its properties are the CSV columns, the label included).</typeparam>
    /// <param name="label">The label column.</param>
    /// <param name="task">The task.</param>
    /// <returns>The data section of the pipeline configuration.</returns>
    public static DataConfig Schema<T>(string label, TaskKind task)
    {
        var columns = new List<ColumnConfig>();
        foreach (Field f in Fields(typeof(T)))
        {
            ColumnType type = f.Property.PropertyType == typeof(string) ? ColumnType.Text : ColumnType.Numeric;
            columns.AddRange(f.Columns.Select(c => new ColumnConfig(c, type)));
        }

        return new DataConfig { Label = label, Task = task, Columns = columns };
    }

    /// <summary>One input as a raw row (column name to text; null for a missing value), as <see cref="PipelineModel.Predict"/> takes it.</summary>
    /// <typeparam name="T">The input class.</typeparam>
    /// <param name="input">The input.</param>
    /// <returns>The row.</returns>
    public static IReadOnlyDictionary<string, string?> ToRow<T>(T input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var row = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (Field f in Fields(typeof(T)))
        {
            object? value = f.Property.GetValue(input);
            if (f.Property.PropertyType == typeof(float[]))
            {
                float[] v = (float[]?)value ?? throw new ArgumentException($"{typeof(T).Name}.{f.Property.Name} is null; it needs {f.Columns.Length} values.", nameof(input));
                if (v.Length != f.Columns.Length)
                {
                    throw new ArgumentException($"{typeof(T).Name}.{f.Property.Name} has {v.Length} values; it needs {f.Columns.Length} ({f.Columns[0]} .. {f.Columns[^1]}).", nameof(input));
                }

                for (int i = 0; i < v.Length; i++)
                {
                    row[f.Columns[i]] = Text(v[i]);
                }
            }
            else
            {
                row[f.Columns[0]] = value is float x ? Text(x) : (string?)value;
            }
        }

        return row;
    }

    /// <summary>Inputs as a table with the schema's column types (parsed as a CSV file would be).</summary>
    /// <typeparam name="T">The input class.</typeparam>
    /// <param name="schema">The data schema (<see cref="Schema{T}"/>).</param>
    /// <param name="inputs">The inputs.</param>
    /// <returns>The table.</returns>
    public static TabularData ToTable<T>(DataConfig schema, IEnumerable<T> inputs) =>
        TabularData.FromRows(schema, inputs.Select(i => ToRow(i)));

    /// <summary>The rows of a table as typed objects; a property whose column the table lacks keeps its default.</summary>
    /// <typeparam name="T">The input class.</typeparam>
    /// <param name="data">The table (raw columns, as loaded).</param>
    /// <returns>One object per row.</returns>
    public static T[] FromTable<T>(TabularData data)
        where T : new()
    {
        ArgumentNullException.ThrowIfNull(data);
        Field[] fields = Fields(typeof(T));
        var result = new T[data.RowCount];
        for (int r = 0; r < result.Length; r++)
        {
            var item = new T();
            foreach (Field f in fields)
            {
                if (f.Property.PropertyType == typeof(float[]))
                {
                    f.Property.SetValue(item, f.Columns.Select(c => ((NumericColumn)data[c])[r]).ToArray());
                }
                else if (data.TryGetColumn(f.Columns[0], out DataColumn? column))
                {
                    f.Property.SetValue(item, column is NumericColumn n ? n[r] : ((TextColumn)column)[r]);
                }
            }

            result[r] = item;
        }

        return result;
    }

    /// <summary>A prediction as a typed output object: <c>Score</c> (float, or float[] for the class probabilities), <c>PredictedLabel</c>, <c>Probability</c>.</summary>
    /// <typeparam name="T">The output class.</typeparam>
    /// <param name="prediction">The prediction.</param>
    /// <returns>The output.</returns>
    public static T ToOutput<T>(Prediction prediction)
        where T : new()
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var output = new T();
        foreach (Field f in Fields(typeof(T)))
        {
            object? value = (f.Columns[0], f.Property.PropertyType) switch
            {
                (PredictionTransformer.ScoreColumn, Type t) when t == typeof(float) => prediction.Score[0],
                (PredictionTransformer.ScoreColumn, Type t) when t == typeof(float[]) => prediction.Score.ToArray(),
                (PredictionTransformer.PredictedLabelColumn, Type t) when t == typeof(string) => prediction.PredictedLabel,
                (PredictionTransformer.ProbabilityColumn, Type t) when t == typeof(float) => prediction.Probability ?? float.NaN,
                _ => throw new InvalidOperationException(
                    $"{typeof(T).Name}.{f.Property.Name}: column '{f.Columns[0]}' of type {f.Property.PropertyType.Name} is not an output; expected Score (float or float[]), PredictedLabel (string) or Probability (float)."),
            };
            f.Property.SetValue(output, value);
        }

        return output;
    }

    private static string? Text(float v) => float.IsNaN(v) ? null : v.ToString("R", CultureInfo.InvariantCulture);

    private static Field[] Fields(Type type)
    {
        var fields = new List<Field>();
        foreach (PropertyInfo p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            string name = p.GetCustomAttribute<ColumnNameAttribute>()?.Name ?? p.Name;
            VectorColumnsAttribute? vector = p.GetCustomAttribute<VectorColumnsAttribute>();
            if (p.PropertyType == typeof(float[]) && vector != null)
            {
                fields.Add(new Field(p, Enumerable.Range(0, vector.Count).Select(i => vector.Prefix + i.ToString(CultureInfo.InvariantCulture)).ToArray()));
            }
            else if (p.PropertyType == typeof(float) || p.PropertyType == typeof(string) || p.PropertyType == typeof(float[]))
            {
                fields.Add(new Field(p, new[] { name }));
            }
            else
            {
                throw new InvalidOperationException($"{type.Name}.{p.Name} is a {p.PropertyType.Name}; columns are float, string, or float[] with [VectorColumns].");
            }
        }

        return fields.ToArray();
    }

    private sealed record Field(PropertyInfo Property, string[] Columns);
}
