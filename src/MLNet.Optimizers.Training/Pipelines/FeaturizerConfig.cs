using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>
/// One entry of the <c>featurizers</c> list: <see cref="SelectColumnsConfig"/> (<c>select_columns</c>),
/// <see cref="ReplaceMissingConfig"/> (<c>replace_missing</c>), <see cref="OneHotConfig"/> (<c>one_hot</c>) or
/// <see cref="NormalizeConfig"/> (<c>normalize</c>). Each type may appear once, in that order.
/// </summary>
public abstract class FeaturizerConfig : IEquatable<FeaturizerConfig>
{
    private protected FeaturizerConfig()
    {
    }

    /// <summary>The JSON <c>type</c>: <c>select_columns</c>, <c>replace_missing</c>, <c>one_hot</c> or <c>normalize</c>.</summary>
    public abstract string Type { get; }

    /// <summary>The position of this type in the fixed featurizer order (0 = first).</summary>
    internal abstract int Order { get; }

    /// <summary>A deep copy.</summary>
    /// <returns>A new object with the same values.</returns>
    public abstract FeaturizerConfig Clone();

    /// <inheritdoc />
    public abstract bool Equals(FeaturizerConfig? other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as FeaturizerConfig);

    /// <inheritdoc />
    public override int GetHashCode() => Type.GetHashCode(StringComparison.Ordinal);

    /// <summary>The estimator this entry describes.</summary>
    /// <returns>A new estimator (holding a copy of this configuration).</returns>
    public abstract FeaturizerEstimator CreateEstimator();

    internal static readonly string[] TypeNames = { "select_columns", "replace_missing", "one_hot", "normalize" };

    internal static FeaturizerConfig Read(JsonConfigReader r)
    {
        string type = r.RequiredString("type");
        FeaturizerConfig f;
        switch (type)
        {
            case "select_columns":
                var sel = new SelectColumnsConfig();
                if (!r.Has("columns"))
                {
                    throw r.Missing("columns", "an array of column names");
                }

                sel.Columns = r.StringList("columns", nullAllowed: false)!;
                r.EnsureNoUnknownKeys("type or columns");
                f = sel;
                break;
            case "replace_missing":
                f = new ReplaceMissingConfig { Mode = r.Enum("mode", JsonNames.ReplacementModes, PipelineDefaults.ReplaceMissingMode) };
                r.EnsureNoUnknownKeys("type or mode");
                break;
            case "one_hot":
                f = new OneHotConfig { Columns = r.StringList("columns", nullAllowed: true) };
                r.EnsureNoUnknownKeys("type or columns");
                break;
            case "normalize":
                f = new NormalizeConfig
                {
                    Kind = r.Enum("kind", JsonNames.NormalizerKinds, PipelineDefaults.NormalizerKind),
                    FixZero = r.Bool("fix_zero", PipelineDefaults.FixZero),
                };
                r.EnsureNoUnknownKeys("type, kind or fix_zero");
                break;
            default:
                throw new PipelineConfigException(r.PathOf("type"), $"unknown featurizer type \"{type}\"; expected \"select_columns\", \"replace_missing\", \"one_hot\" or \"normalize\".");
        }

        return f;
    }

    internal abstract JsonObject Write();

    /// <summary>Checks the entry's own values (not its fit with the data; <see cref="PipelineConfig.Validate"/> does that).</summary>
    internal abstract void ValidateValues(string path);

    internal static void ValidateNames(List<string>? names, string path, bool nullAllowed)
    {
        if (names is null)
        {
            if (!nullAllowed)
            {
                throw new PipelineConfigException(path, "expected an array of column names, got null.");
            }

            return;
        }

        if (names.Count == 0)
        {
            throw new PipelineConfigException(path, nullAllowed ? "must list at least one column, got []; leave the key out (or null) for every text column." : "must list at least one column, got [].");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] is null)
            {
                throw new PipelineConfigException(JsonPaths.Index(path, i), "expected a column name, got null.");
            }

            if (!seen.Add(names[i]))
            {
                throw new PipelineConfigException(JsonPaths.Index(path, i), $"the column \"{names[i]}\" is listed twice.");
            }
        }
    }

    internal static JsonArray ToArray(IEnumerable<string> values)
    {
        var a = new JsonArray();
        foreach (string v in values)
        {
            a.Add(v);
        }

        return a;
    }
}

/// <summary>
/// <c>{"type": "select_columns", "columns": [...]}</c>: keeps only the listed feature columns, in the listed order (the
/// label and weight columns are always kept). Without it every column other than the label and weight is a feature.
/// </summary>
public sealed class SelectColumnsConfig : FeaturizerConfig
{
    /// <summary>Creates the entry with no columns (set <see cref="Columns"/>).</summary>
    public SelectColumnsConfig()
    {
    }

    /// <summary>Creates the entry.</summary>
    /// <param name="columns">The feature columns to keep, in order.</param>
    public SelectColumnsConfig(params string[] columns) => Columns = new List<string>(columns ?? throw new ArgumentNullException(nameof(columns)));

    /// <inheritdoc />
    public override string Type => "select_columns";

    /// <summary>The feature columns to keep, in order (required, at least one).</summary>
    public List<string> Columns { get; set; } = new();

    internal override int Order => 0;

    /// <inheritdoc />
    public override FeaturizerConfig Clone() => new SelectColumnsConfig { Columns = new List<string>(Columns) };

    /// <inheritdoc />
    public override bool Equals(FeaturizerConfig? other) => other is SelectColumnsConfig o && Columns.SequenceEqual(o.Columns, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, Columns.Count);

    /// <inheritdoc />
    public override FeaturizerEstimator CreateEstimator() => new ColumnSelectingEstimator(this);

    internal override JsonObject Write() => new() { ["type"] = Type, ["columns"] = ToArray(Columns) };

    internal override void ValidateValues(string path) => ValidateNames(Columns, JsonPaths.Property(path, "columns"), nullAllowed: false);
}

/// <summary>
/// <c>{"type": "replace_missing", "mode": "mean"}</c>: replaces a missing numeric feature value with the column's
/// training mean (<c>"mean"</c>) or 0 (<c>"zero"</c>), and a missing text feature value with the category
/// <see cref="Data.DatasetSchema.MissingCategory"/> (which <c>one_hot</c> then encodes like any other). Without it a
/// missing feature value fails with the column and row.
/// </summary>
public sealed class ReplaceMissingConfig : FeaturizerConfig
{
    /// <inheritdoc />
    public override string Type => "replace_missing";

    /// <summary>What a missing numeric value becomes.</summary>
    public ReplacementMode Mode { get; set; } = PipelineDefaults.ReplaceMissingMode;

    internal override int Order => 1;

    /// <inheritdoc />
    public override FeaturizerConfig Clone() => new ReplaceMissingConfig { Mode = Mode };

    /// <inheritdoc />
    public override bool Equals(FeaturizerConfig? other) => other is ReplaceMissingConfig o && Mode == o.Mode;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, Mode);

    /// <inheritdoc />
    public override FeaturizerEstimator CreateEstimator() => new MissingValueReplacingEstimator(this);

    internal override JsonObject Write() => new() { ["type"] = Type, ["mode"] = JsonNames.NameOf(JsonNames.ReplacementModes, Mode) };

    internal override void ValidateValues(string path)
    {
        if (JsonNames.NameOf(JsonNames.ReplacementModes, Mode) is null)
        {
            throw new PipelineConfigException(JsonPaths.Property(path, "mode"), $"expected {JsonNames.Choices(JsonNames.ReplacementModes)}, got {(int)Mode} (not a ReplacementMode).");
        }
    }
}

/// <summary>
/// <c>{"type": "one_hot", "columns": null}</c>: one-hot encodes text feature columns — every text feature column when
/// <c>columns</c> is null or left out, otherwise the listed ones (which must be text). Each encoded column becomes a
/// vector of one 0/1 feature per category (categories in first-seen order in the training data, named
/// <c>column=category</c>); a category not seen in training encodes as all zeros.
/// </summary>
public sealed class OneHotConfig : FeaturizerConfig
{
    /// <summary>Creates the entry for every text feature column.</summary>
    public OneHotConfig()
    {
    }

    /// <summary>Creates the entry for the listed text columns.</summary>
    /// <param name="columns">The text columns to encode.</param>
    public OneHotConfig(params string[] columns) => Columns = new List<string>(columns ?? throw new ArgumentNullException(nameof(columns)));

    /// <inheritdoc />
    public override string Type => "one_hot";

    /// <summary>The text columns to encode, or null for every text feature column.</summary>
    public List<string>? Columns { get; set; }

    internal override int Order => 2;

    /// <inheritdoc />
    public override FeaturizerConfig Clone() => new OneHotConfig { Columns = Columns is null ? null : new List<string>(Columns) };

    /// <inheritdoc />
    public override bool Equals(FeaturizerConfig? other) =>
        other is OneHotConfig o && (Columns is null ? o.Columns is null : o.Columns is not null && Columns.SequenceEqual(o.Columns, StringComparer.Ordinal));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, Columns?.Count ?? -1);

    /// <inheritdoc />
    public override FeaturizerEstimator CreateEstimator() => new OneHotEncodingEstimator(this);

    internal override JsonObject Write() => new() { ["type"] = Type, ["columns"] = Columns is null ? null : ToArray(Columns) };

    internal override void ValidateValues(string path) => ValidateNames(Columns, JsonPaths.Property(path, "columns"), nullAllowed: true);
}

/// <summary>
/// <c>{"type": "normalize", "kind": "min_max", "fix_zero": true}</c>: fits an affine normalizer (ML.NET's
/// <c>NormalizeMinMax</c> or <c>NormalizeMeanVariance</c>) on the training features — every feature, one-hot features
/// included — and applies it to every row. See <see cref="Data.MinMaxNormalizer"/> and
/// <see cref="Data.MeanVarianceNormalizer"/> for <c>fix_zero</c>.
/// </summary>
public sealed class NormalizeConfig : FeaturizerConfig
{
    /// <inheritdoc />
    public override string Type => "normalize";

    /// <summary>Min-max or mean-variance.</summary>
    public NormalizerKind Kind { get; set; } = PipelineDefaults.NormalizerKind;

    /// <summary>Whether zero stays zero (ML.NET's <c>fixZero</c>).</summary>
    public bool FixZero { get; set; } = PipelineDefaults.FixZero;

    internal override int Order => 3;

    /// <inheritdoc />
    public override FeaturizerConfig Clone() => new NormalizeConfig { Kind = Kind, FixZero = FixZero };

    /// <inheritdoc />
    public override bool Equals(FeaturizerConfig? other) => other is NormalizeConfig o && Kind == o.Kind && FixZero == o.FixZero;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, Kind, FixZero);

    /// <inheritdoc />
    public override FeaturizerEstimator CreateEstimator() => new NormalizingEstimator(this);

    internal override JsonObject Write() => new()
    {
        ["type"] = Type,
        ["kind"] = JsonNames.NameOf(JsonNames.NormalizerKinds, Kind),
        ["fix_zero"] = FixZero,
    };

    internal override void ValidateValues(string path)
    {
        if (JsonNames.NameOf(JsonNames.NormalizerKinds, Kind) is null)
        {
            throw new PipelineConfigException(JsonPaths.Property(path, "kind"), $"expected {JsonNames.Choices(JsonNames.NormalizerKinds)}, got {(int)Kind} (not a NormalizerKind).");
        }
    }
}
