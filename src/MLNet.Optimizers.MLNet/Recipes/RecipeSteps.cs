using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.Optimizers.MLNet.Recipes;

/// <summary>
/// One step of a recipe's <c>featurization</c>: a stock ML.NET transform, named by its <c>kind</c>. The steps run in
/// the order listed; each names columns that exist at that point (data columns, or outputs of earlier steps). The
/// featurization must end with a <c>Features</c> column (a known-size float32 vector: <c>concatenate</c> makes one).
/// Kinds: <see cref="ReplaceMissingStep"/>, <see cref="OneHotStep"/>, <see cref="NormalizeStep"/>,
/// <see cref="ConcatenateStep"/>, <see cref="DropStep"/>; <see cref="RecipeSteps.Kinds"/> lists them.
/// </summary>
public abstract class RecipeStep : IEquatable<RecipeStep>
{
    private protected RecipeStep()
    {
    }

    /// <summary>The JSON <c>kind</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>A deep copy.</summary>
    /// <returns>The copy.</returns>
    public abstract RecipeStep Clone();

    /// <inheritdoc />
    public abstract bool Equals(RecipeStep? other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RecipeStep);

    /// <inheritdoc />
    public override int GetHashCode() => Kind.GetHashCode(StringComparison.Ordinal);

    /// <summary>The step's JSON object, <c>kind</c> first.</summary>
    internal abstract JsonObject Write();

    /// <summary>Checks the step against the columns that exist before it and updates them to those after it.</summary>
    internal abstract void Apply(RecipeSchema schema, string path);

    /// <summary>The ML.NET estimator of the step.</summary>
    internal abstract IEstimator<ITransformer> CreateEstimator(MLContext ml);

    /// <summary>Checks a list of input column names: present, distinct, existing, not the label, of an accepted shape.</summary>
    private protected static void CheckInputs(RecipeSchema schema, List<string>? columns, string path, Func<ColumnShape, bool> accepts, string what)
    {
        if (columns is null || columns.Count == 0)
        {
            throw new RecipeException(path, "must list at least one column, got none.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < columns.Count; i++)
        {
            string p = RecipeJson.Index(path, i);
            string? name = columns[i];
            if (string.IsNullOrEmpty(name))
            {
                throw new RecipeException(p, "expected a column name, got " + (name is null ? "null." : "\"\"."));
            }

            if (!seen.Add(name))
            {
                throw new RecipeException(p, $"\"{name}\" is listed twice.", RecipeJson.Quote(name));
            }

            ColumnShape shape = schema.Require(name, p);
            if (!accepts(shape))
            {
                throw new RecipeException(p, $"\"{name}\" is {shape}; this step takes {what}.", RecipeJson.Quote(name));
            }
        }
    }

    private protected static InputOutputColumnPair[] InPlace(IEnumerable<string> columns) => columns.Select(c => new InputOutputColumnPair(c)).ToArray();
}

/// <summary>The step kinds a recipe knows, by JSON <c>kind</c>. Adding a step is its class and one line here.</summary>
public static class RecipeSteps
{
    private static readonly Dictionary<string, Func<RecipeReader, RecipeStep>> Readers = new(StringComparer.Ordinal)
    {
        ["replace_missing"] = ReplaceMissingStep.Read,
        ["one_hot"] = OneHotStep.Read,
        ["normalize"] = NormalizeStep.Read,
        ["concatenate"] = ConcatenateStep.Read,
        ["drop"] = DropStep.Read,
    };

    /// <summary>The known kinds.</summary>
    public static IReadOnlyCollection<string> Kinds => Readers.Keys;

    internal static RecipeStep Read(RecipeReader r)
    {
        string kind = r.RequiredString("kind");
        if (!Readers.TryGetValue(kind, out Func<RecipeReader, RecipeStep>? read))
        {
            string? near = RecipeJson.Closest(kind, Readers.Keys);
            throw new RecipeException(r.PathOf("kind"), $"unknown step kind \"{kind}\"; expected {string.Join(", ", Readers.Keys.Select(k => "\"" + k + "\""))}" + (near is null ? "." : $"; did you mean \"{near}\"?"), RecipeJson.Quote(kind));
        }

        RecipeStep step = read(r);
        r.Done();
        return step;
    }
}

/// <summary>What <see cref="ReplaceMissingStep"/> puts in place of a missing (NaN) value.</summary>
public enum MissingReplacement
{
    /// <summary>The column's training mean. JSON <c>"mean"</c>.</summary>
    Mean,

    /// <summary>The column's training minimum. JSON <c>"minimum"</c>.</summary>
    Minimum,

    /// <summary>The column's training maximum. JSON <c>"maximum"</c>.</summary>
    Maximum,

    /// <summary>Zero. JSON <c>"zero"</c>.</summary>
    Zero,
}

/// <summary>
/// <c>{"kind": "replace_missing", "columns": [...], "mode": "mean"}</c>: ML.NET's <c>ReplaceMissingValues</c>, in
/// place, on <c>single</c> columns (scalars or vectors): a missing value (NaN) becomes the column's training mean,
/// minimum, maximum, or zero.
/// </summary>
public sealed class ReplaceMissingStep : RecipeStep
{
    private static readonly (MissingReplacement Value, string Name)[] Modes =
    {
        (MissingReplacement.Mean, "mean"),
        (MissingReplacement.Minimum, "minimum"),
        (MissingReplacement.Maximum, "maximum"),
        (MissingReplacement.Zero, "zero"),
    };

    /// <inheritdoc />
    public override string Kind => "replace_missing";

    /// <summary>The <c>single</c> columns to fill, in place.</summary>
    public List<string> Columns { get; set; } = new();

    /// <summary>What a missing value becomes.</summary>
    public MissingReplacement Mode { get; set; } = MissingReplacement.Mean;

    /// <inheritdoc />
    public override RecipeStep Clone() => new ReplaceMissingStep { Columns = new List<string>(Columns), Mode = Mode };

    /// <inheritdoc />
    public override bool Equals(RecipeStep? other) => other is ReplaceMissingStep o && Columns.SequenceEqual(o.Columns, StringComparer.Ordinal) && Mode == o.Mode;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Columns.Count, Mode);

    internal static RecipeStep Read(RecipeReader r) => new ReplaceMissingStep
    {
        Columns = r.StringList("columns", required: true)!,
        Mode = r.Enum("mode", Modes, MissingReplacement.Mean),
    };

    internal override JsonObject Write() => new() { ["kind"] = Kind, ["columns"] = RecipeJson.Array(Columns), ["mode"] = RecipeJson.NameOf(Modes, Mode) };

    internal override void Apply(RecipeSchema schema, string path)
    {
        CheckInputs(schema, Columns, RecipeJson.Property(path, "columns"), s => s.Kind == ColumnKind.Single, "\"single\" columns");
        if (!RecipeJson.IsDefined(Modes, Mode))
        {
            throw new RecipeException(RecipeJson.Property(path, "mode"), $"expected {RecipeJson.Choices(Modes)}, got {(int)Mode}.");
        }
    }

    internal override IEstimator<ITransformer> CreateEstimator(MLContext ml) => ml.Transforms.ReplaceMissingValues(InPlace(Columns), Mode switch
    {
        MissingReplacement.Mean => MissingValueReplacingEstimator.ReplacementMode.Mean,
        MissingReplacement.Minimum => MissingValueReplacingEstimator.ReplacementMode.Minimum,
        MissingReplacement.Maximum => MissingValueReplacingEstimator.ReplacementMode.Maximum,
        _ => MissingValueReplacingEstimator.ReplacementMode.DefaultValue,
    });
}

/// <summary>
/// <c>{"kind": "one_hot", "columns": [...]}</c>: ML.NET's <c>OneHotEncoding</c>, in place: each listed scalar column
/// (<c>string</c>, or a <c>single</c> column of codes) becomes a float32 vector of one 0/1 slot per category seen in
/// training (in order of first appearance); a category not seen in training encodes as all zeros.
/// </summary>
public sealed class OneHotStep : RecipeStep
{
    /// <inheritdoc />
    public override string Kind => "one_hot";

    /// <summary>The categorical columns to encode, in place.</summary>
    public List<string> Columns { get; set; } = new();

    /// <inheritdoc />
    public override RecipeStep Clone() => new OneHotStep { Columns = new List<string>(Columns) };

    /// <inheritdoc />
    public override bool Equals(RecipeStep? other) => other is OneHotStep o && Columns.SequenceEqual(o.Columns, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Columns.Count);

    internal static RecipeStep Read(RecipeReader r) => new OneHotStep { Columns = r.StringList("columns", required: true)! };

    internal override JsonObject Write() => new() { ["kind"] = Kind, ["columns"] = RecipeJson.Array(Columns) };

    internal override void Apply(RecipeSchema schema, string path)
    {
        CheckInputs(schema, Columns, RecipeJson.Property(path, "columns"), s => !s.IsVector && s.Kind is ColumnKind.String or ColumnKind.Single or ColumnKind.Boolean, "scalar \"string\", \"single\" or \"boolean\" columns");
        foreach (string c in Columns)
        {
            schema.Set(c, new ColumnShape(ColumnKind.Single, true));
        }
    }

    internal override IEstimator<ITransformer> CreateEstimator(MLContext ml) => ml.Transforms.Categorical.OneHotEncoding(InPlace(Columns));
}

/// <summary>The normalizer of a <see cref="NormalizeStep"/>.</summary>
public enum NormalizeMethod
{
    /// <summary>ML.NET's <c>NormalizeMinMax</c>: to [0, 1] (or [-1, 1] with <c>fix_zero</c> for signed data). JSON <c>"min_max"</c>.</summary>
    MinMax,

    /// <summary>ML.NET's <c>NormalizeMeanVariance</c>: zero mean, unit variance (without <c>fix_zero</c>). JSON <c>"mean_variance"</c>.</summary>
    MeanVariance,

    /// <summary>ML.NET's <c>NormalizeRobustScaling</c>: minus the median, divided by the interquartile range. JSON <c>"robust_scaling"</c>.</summary>
    RobustScaling,
}

/// <summary>
/// <c>{"kind": "normalize", "columns": ["Features"], "method": "mean_variance", "fix_zero": false}</c>: one of ML.NET's
/// normalizers, fitted on the training rows, in place, on <c>single</c> columns. <c>fix_zero</c> (ML.NET's
/// <c>fixZero</c>: zero stays zero, for sparse data) applies to <c>min_max</c> and <c>mean_variance</c>; default false.
/// </summary>
public sealed class NormalizeStep : RecipeStep
{
    private static readonly (NormalizeMethod Value, string Name)[] Methods =
    {
        (NormalizeMethod.MinMax, "min_max"),
        (NormalizeMethod.MeanVariance, "mean_variance"),
        (NormalizeMethod.RobustScaling, "robust_scaling"),
    };

    /// <inheritdoc />
    public override string Kind => "normalize";

    /// <summary>The <c>single</c> columns to normalize, in place.</summary>
    public List<string> Columns { get; set; } = new();

    /// <summary>The normalizer.</summary>
    public NormalizeMethod Method { get; set; } = NormalizeMethod.MeanVariance;

    /// <summary>Whether zero stays zero (<c>min_max</c> and <c>mean_variance</c> only).</summary>
    public bool FixZero { get; set; }

    /// <inheritdoc />
    public override RecipeStep Clone() => new NormalizeStep { Columns = new List<string>(Columns), Method = Method, FixZero = FixZero };

    /// <inheritdoc />
    public override bool Equals(RecipeStep? other) => other is NormalizeStep o && Columns.SequenceEqual(o.Columns, StringComparer.Ordinal) && Method == o.Method && FixZero == o.FixZero;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Columns.Count, Method, FixZero);

    internal static RecipeStep Read(RecipeReader r)
    {
        var s = new NormalizeStep
        {
            Columns = r.StringList("columns", required: true)!,
            Method = r.Enum("method", Methods, NormalizeMethod.MeanVariance),
        };
        if (s.Method == NormalizeMethod.RobustScaling)
        {
            if (r.Has("fix_zero"))
            {
                throw new RecipeException(r.PathOf("fix_zero"), "applies to \"min_max\" and \"mean_variance\" only.");
            }
        }
        else
        {
            s.FixZero = r.Bool("fix_zero", false);
        }

        return s;
    }

    internal override JsonObject Write()
    {
        var o = new JsonObject { ["kind"] = Kind, ["columns"] = RecipeJson.Array(Columns), ["method"] = RecipeJson.NameOf(Methods, Method) };
        if (Method != NormalizeMethod.RobustScaling)
        {
            o["fix_zero"] = FixZero;
        }

        return o;
    }

    internal override void Apply(RecipeSchema schema, string path)
    {
        CheckInputs(schema, Columns, RecipeJson.Property(path, "columns"), s => s.Kind == ColumnKind.Single, "\"single\" columns");
        if (!RecipeJson.IsDefined(Methods, Method))
        {
            throw new RecipeException(RecipeJson.Property(path, "method"), $"expected {RecipeJson.Choices(Methods)}, got {(int)Method}.");
        }

        if (Method == NormalizeMethod.RobustScaling && FixZero)
        {
            throw new RecipeException(RecipeJson.Property(path, "fix_zero"), "applies to \"min_max\" and \"mean_variance\" only.");
        }
    }

    internal override IEstimator<ITransformer> CreateEstimator(MLContext ml) => Method switch
    {
        NormalizeMethod.MinMax => ml.Transforms.NormalizeMinMax(InPlace(Columns), fixZero: FixZero),
        NormalizeMethod.MeanVariance => ml.Transforms.NormalizeMeanVariance(InPlace(Columns), fixZero: FixZero),
        _ => ml.Transforms.NormalizeRobustScaling(InPlace(Columns)),
    };
}

/// <summary>
/// <c>{"kind": "concatenate", "output": "Features", "columns": [...]}</c>: ML.NET's <c>Concatenate</c>: the listed
/// float32 columns (scalars and vectors, in order) into one float32 vector.
/// </summary>
public sealed class ConcatenateStep : RecipeStep
{
    /// <inheritdoc />
    public override string Kind => "concatenate";

    /// <summary>The output column (usually <c>Features</c>).</summary>
    public string Output { get; set; } = RecipeDefaults.FeatureColumn;

    /// <summary>The input columns, in order.</summary>
    public List<string> Columns { get; set; } = new();

    /// <inheritdoc />
    public override RecipeStep Clone() => new ConcatenateStep { Output = Output, Columns = new List<string>(Columns) };

    /// <inheritdoc />
    public override bool Equals(RecipeStep? other) => other is ConcatenateStep o && Output == o.Output && Columns.SequenceEqual(o.Columns, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Output, Columns.Count);

    internal static RecipeStep Read(RecipeReader r) => new ConcatenateStep
    {
        Output = r.String("output", RecipeDefaults.FeatureColumn),
        Columns = r.StringList("columns", required: true)!,
    };

    internal override JsonObject Write() => new() { ["kind"] = Kind, ["output"] = Output, ["columns"] = RecipeJson.Array(Columns) };

    internal override void Apply(RecipeSchema schema, string path)
    {
        CheckInputs(schema, Columns, RecipeJson.Property(path, "columns"), s => s.Kind == ColumnKind.Single, "float32 columns (\"single\", or one_hot outputs)");
        schema.CheckOutputName(Output, RecipeJson.Property(path, "output"));
        schema.Set(Output, new ColumnShape(ColumnKind.Single, true));
    }

    internal override IEstimator<ITransformer> CreateEstimator(MLContext ml) => ml.Transforms.Concatenate(Output, Columns.ToArray());
}

/// <summary><c>{"kind": "drop", "columns": [...]}</c>: ML.NET's <c>DropColumns</c> (for example an ID column).</summary>
public sealed class DropStep : RecipeStep
{
    /// <inheritdoc />
    public override string Kind => "drop";

    /// <summary>The columns to drop.</summary>
    public List<string> Columns { get; set; } = new();

    /// <inheritdoc />
    public override RecipeStep Clone() => new DropStep { Columns = new List<string>(Columns) };

    /// <inheritdoc />
    public override bool Equals(RecipeStep? other) => other is DropStep o && Columns.SequenceEqual(o.Columns, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Columns.Count);

    internal static RecipeStep Read(RecipeReader r) => new DropStep { Columns = r.StringList("columns", required: true)! };

    internal override JsonObject Write() => new() { ["kind"] = Kind, ["columns"] = RecipeJson.Array(Columns) };

    internal override void Apply(RecipeSchema schema, string path)
    {
        CheckInputs(schema, Columns, RecipeJson.Property(path, "columns"), _ => true, "any column");
        foreach (string c in Columns)
        {
            schema.Remove(c);
        }
    }

    internal override IEstimator<ITransformer> CreateEstimator(MLContext ml) => ml.Transforms.DropColumns(Columns.ToArray());
}

/// <summary>The item type of a column while a recipe's steps are checked.</summary>
internal enum ColumnKind
{
    Single,
    String,
    Boolean,
    Key,
}

/// <summary>A column's item type and whether it is a vector.</summary>
internal readonly record struct ColumnShape(ColumnKind Kind, bool IsVector)
{
    public override string ToString() => (IsVector ? "a vector of " : "a ") + Kind switch
    {
        ColumnKind.Single => "\"single\"",
        ColumnKind.String => "\"string\"",
        ColumnKind.Boolean => "\"boolean\"",
        _ => "key",
    } + (IsVector ? " values" : " column");
}

/// <summary>The columns that exist at one point of a recipe's pipeline, and the names steps may not touch.</summary>
internal sealed class RecipeSchema
{
    private static readonly string[] Reserved = { RecipeDefaults.LabelColumn, RecipeDefaults.TransformedLabelColumn, "Score", "Probability", "PredictedLabel" };
    private readonly Dictionary<string, ColumnShape> _columns = new(StringComparer.Ordinal);
    private readonly HashSet<string> _protected = new(StringComparer.Ordinal);

    public RecipeSchema(RecipeData data, string labelColumn)
    {
        foreach (RecipeColumn c in data.Columns)
        {
            ColumnKind kind = c.Type switch
            {
                RecipeColumnType.Single => ColumnKind.Single,
                RecipeColumnType.String => ColumnKind.String,
                _ => ColumnKind.Boolean,
            };
            _columns[c.Name] = new ColumnShape(kind, c.IsVector);
        }

        _protected.Add(labelColumn);
        _protected.UnionWith(Reserved);
    }

    public ColumnShape? Find(string name) => _columns.TryGetValue(name, out ColumnShape s) ? s : null;

    public ColumnShape Require(string name, string path)
    {
        if (_protected.Contains(name))
        {
            throw new RecipeException(path, $"\"{name}\" is the label (or a column the pipeline makes from it); a step may not use it.", RecipeJson.Quote(name));
        }

        if (_columns.TryGetValue(name, out ColumnShape s))
        {
            return s;
        }

        string? near = RecipeJson.Closest(name, _columns.Keys.Where(k => !_protected.Contains(k)));
        throw new RecipeException(path, $"no column \"{name}\" exists at this step" + (near is null ? string.Empty : $"; did you mean \"{near}\"?") + $" (columns here: {Preview(_columns.Keys.Where(k => !_protected.Contains(k)))}).", RecipeJson.Quote(name));
    }

    public void CheckOutputName(string? name, string path)
    {
        if (string.IsNullOrWhiteSpace(name) || name != name.Trim())
        {
            throw new RecipeException(path, $"expected a column name without leading or trailing white space, got {RecipeJson.Quote(name ?? string.Empty)}.", RecipeJson.Quote(name ?? string.Empty));
        }

        if (_protected.Contains(name))
        {
            throw new RecipeException(path, $"\"{name}\" is the label or a name the pipeline uses for its own columns (Label, TransformedLabel, Score, Probability, PredictedLabel).", RecipeJson.Quote(name));
        }
    }

    public void Set(string name, ColumnShape shape) => _columns[name] = shape;

    public void Remove(string name) => _columns.Remove(name);

    private static string Preview(IEnumerable<string> names)
    {
        string[] a = names.Take(21).ToArray();
        return a.Length <= 20 ? string.Join(", ", a) : string.Join(", ", a.Take(20)) + ", ...";
    }
}
