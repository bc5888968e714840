using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>A fitted step (ML.NET's <c>ITransformer</c>): turns a table into a new table.</summary>
public interface ITabularTransformer
{
    /// <summary>Applies the step; <paramref name="data"/> is not modified.</summary>
    /// <param name="data">The input table.</param>
    /// <returns>A new table.</returns>
    TabularData Transform(TabularData data);
}

/// <summary>
/// A featurizer before fitting (ML.NET's <c>IEstimator</c>): <see cref="Fit"/> learns from training data (categories,
/// means, ranges) and returns the transformer that applies what it learned. Built from (and described by) a
/// <see cref="FeaturizerConfig"/>; chain featurizers and a trainer with <see cref="Pipeline.Append(FeaturizerEstimator)"/>.
/// </summary>
public abstract class FeaturizerEstimator
{
    private protected FeaturizerEstimator()
    {
    }

    /// <summary>Learns from <paramref name="data"/>.</summary>
    /// <param name="data">The training table (its label and weight columns are never featurized).</param>
    /// <returns>The fitted transformer.</returns>
    /// <exception cref="ArgumentException">A column is absent, of the wrong type, or has a missing value the step cannot take.</exception>
    public abstract ITabularTransformer Fit(TabularData data);

    /// <summary>The configuration entry that describes this estimator (a copy).</summary>
    /// <returns>The configuration.</returns>
    public abstract FeaturizerConfig ToConfig();

    internal static IEnumerable<DataColumn> Features(TabularData data) =>
        data.Columns.Where(c => c.Name != data.LabelColumn && c.Name != data.WeightColumn);

    internal static string Row(int r) => r.ToString(CultureInfo.InvariantCulture);
}

/// <summary><c>select_columns</c>: keeps the listed feature columns, in the listed order, plus the label and weight.</summary>
public sealed class ColumnSelectingEstimator : FeaturizerEstimator
{
    private readonly SelectColumnsConfig _config;

    /// <summary>Creates the estimator.</summary>
    /// <param name="config">Its configuration (copied).</param>
    /// <exception cref="PipelineConfigException">The configuration is invalid.</exception>
    public ColumnSelectingEstimator(SelectColumnsConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.ValidateValues("$");
        _config = (SelectColumnsConfig)config.Clone();
    }

    /// <summary>Creates the estimator.</summary>
    /// <param name="columns">The feature columns to keep, in order.</param>
    public ColumnSelectingEstimator(params string[] columns)
        : this(new SelectColumnsConfig(columns))
    {
    }

    /// <inheritdoc />
    public override ITabularTransformer Fit(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var t = new ColumnSelectingTransformer(_config.Columns);
        t.Transform(data);
        return t;
    }

    /// <inheritdoc />
    public override FeaturizerConfig ToConfig() => _config.Clone();
}

/// <summary>The fitted <c>select_columns</c> step.</summary>
public sealed class ColumnSelectingTransformer : ITabularTransformer
{
    internal ColumnSelectingTransformer(IReadOnlyList<string> columns) => Columns = Array.AsReadOnly(columns.ToArray());

    /// <summary>The kept feature columns, in order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The label and weight columns (when present), then the kept columns in order.</summary>
    /// <param name="data">The input table.</param>
    /// <returns>The narrower table.</returns>
    /// <exception cref="ArgumentException">A kept column is absent, or is the label or weight.</exception>
    public TabularData Transform(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var cols = new List<DataColumn>();
        foreach (string? role in new[] { data.LabelColumn, data.WeightColumn })
        {
            if (role != null)
            {
                cols.Add(data[role]);
            }
        }

        foreach (string name in Columns)
        {
            if (name == data.LabelColumn || name == data.WeightColumn)
            {
                throw new ArgumentException($"select_columns: '{name}' is the label or weight column, which is always kept.", nameof(data));
            }

            if (!data.TryGetColumn(name, out DataColumn? c))
            {
                throw new ArgumentException($"select_columns: there is no column '{name}' (columns: {data.Names()}).", nameof(data));
            }

            cols.Add(c);
        }

        return new TabularData(cols, data.LabelColumn, data.WeightColumn);
    }
}

/// <summary>
/// <c>replace_missing</c>: learns a fill value for every numeric feature column (the training mean of its present
/// values, or 0) and maps missing text feature values to <see cref="DatasetSchema.MissingCategory"/>.
/// </summary>
public sealed class MissingValueReplacingEstimator : FeaturizerEstimator
{
    private readonly ReplaceMissingConfig _config;

    /// <summary>Creates the estimator.</summary>
    /// <param name="config">Its configuration (copied).</param>
    /// <exception cref="PipelineConfigException">The configuration is invalid.</exception>
    public MissingValueReplacingEstimator(ReplaceMissingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.ValidateValues("$");
        _config = (ReplaceMissingConfig)config.Clone();
    }

    /// <summary>Creates the estimator.</summary>
    /// <param name="mode">What a missing numeric value becomes.</param>
    public MissingValueReplacingEstimator(ReplacementMode mode = PipelineDefaults.ReplaceMissingMode)
        : this(new ReplaceMissingConfig { Mode = mode })
    {
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A numeric feature column is a vector (replace missing values before one-hot encoding).</exception>
    public override ITabularTransformer Fit(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var fills = new List<KeyValuePair<string, double>>();
        var texts = new List<string>();
        foreach (DataColumn c in Features(data))
        {
            if (c is TextColumn)
            {
                texts.Add(c.Name);
                continue;
            }

            var n = (NumericColumn)c;
            if (n.SlotNames != null)
            {
                throw new ArgumentException($"replace_missing: column '{c.Name}' is a vector; replace missing values before one_hot.", nameof(data));
            }

            double fill = 0;
            if (_config.Mode == ReplacementMode.Mean)
            {
                double sum = 0;
                long count = 0;
                foreach (float v in n.Values)
                {
                    if (!float.IsNaN(v))
                    {
                        sum += v;
                        count++;
                    }
                }

                fill = count > 0 ? sum / count : 0;
            }

            fills.Add(new(c.Name, fill));
        }

        return new MissingValueReplacingTransformer(fills, texts);
    }

    /// <inheritdoc />
    public override FeaturizerConfig ToConfig() => _config.Clone();
}

/// <summary>The fitted <c>replace_missing</c> step.</summary>
public sealed class MissingValueReplacingTransformer : ITabularTransformer
{
    internal MissingValueReplacingTransformer(IReadOnlyList<KeyValuePair<string, double>> fills, IReadOnlyList<string> textColumns)
    {
        FillValues = Array.AsReadOnly(fills.ToArray());
        TextColumns = Array.AsReadOnly(textColumns.ToArray());
    }

    /// <summary>The numeric columns and the value (rounded to float32 when applied) their missing values become.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> FillValues { get; }

    /// <summary>The text columns whose missing values become <see cref="DatasetSchema.MissingCategory"/>.</summary>
    public IReadOnlyList<string> TextColumns { get; }

    /// <summary>Replaces missing values in the fitted columns.</summary>
    /// <param name="data">The input table.</param>
    /// <returns>The table without missing feature values in those columns.</returns>
    /// <exception cref="ArgumentException">A fitted column is absent or of another type.</exception>
    public TabularData Transform(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        TabularData result = data;
        foreach (KeyValuePair<string, double> kv in FillValues)
        {
            if (data[kv.Key] is not NumericColumn { SlotNames: null } n)
            {
                throw new ArgumentException($"replace_missing: column '{kv.Key}' was numeric in training; here it is {Describe(data[kv.Key])}.", nameof(data));
            }

            float fill = (float)kv.Value;
            float[] v = n.Values.ToArray();
            bool changed = false;
            for (int i = 0; i < v.Length; i++)
            {
                if (float.IsNaN(v[i]))
                {
                    v[i] = fill;
                    changed = true;
                }
            }

            if (changed)
            {
                result = result.WithColumn(new NumericColumn(n.Name, v));
            }
        }

        foreach (string name in TextColumns)
        {
            if (data[name] is not TextColumn t)
            {
                throw new ArgumentException($"replace_missing: column '{name}' was text in training; here it is {Describe(data[name])}.", nameof(data));
            }

            if (t.Values.Contains(null))
            {
                result = result.WithColumn(new TextColumn(name, t.Values.Select(s => s ?? DatasetSchema.MissingCategory).ToArray()));
            }
        }

        return result;
    }

    internal static string Describe(DataColumn c) => c switch
    {
        TextColumn => "text",
        NumericColumn { SlotNames: not null } v => string.Create(CultureInfo.InvariantCulture, $"a numeric vector of {v.Width} slots"),
        _ => "numeric",
    };
}

/// <summary>
/// <c>one_hot</c>: learns the categories of text feature columns (first-seen order) and turns each into a vector column of
/// 0/1 features, one per category (slot names are the categories; an unseen category gives all zeros).
/// </summary>
public sealed class OneHotEncodingEstimator : FeaturizerEstimator
{
    private readonly OneHotConfig _config;

    /// <summary>Creates the estimator.</summary>
    /// <param name="config">Its configuration (copied).</param>
    /// <exception cref="PipelineConfigException">The configuration is invalid.</exception>
    public OneHotEncodingEstimator(OneHotConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.ValidateValues("$");
        _config = (OneHotConfig)config.Clone();
    }

    /// <summary>Creates the estimator.</summary>
    /// <param name="columns">The text columns to encode; none for every text feature column.</param>
    public OneHotEncodingEstimator(params string[] columns)
        : this(columns is null || columns.Length == 0 ? new OneHotConfig() : new OneHotConfig(columns))
    {
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A listed column is absent or not text, there is no text feature column, or a value is missing (add replace_missing first).</exception>
    public override ITabularTransformer Fit(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        IEnumerable<string> targets = _config.Columns ?? Features(data).Where(c => c is TextColumn).Select(c => c.Name);
        var encodings = new List<KeyValuePair<string, IReadOnlyList<string>>>();
        foreach (string name in targets)
        {
            if (name == data.LabelColumn || name == data.WeightColumn)
            {
                throw new ArgumentException($"one_hot: '{name}' is the label or weight column.", nameof(data));
            }

            if (!data.TryGetColumn(name, out DataColumn? c))
            {
                throw new ArgumentException($"one_hot: there is no column '{name}' (columns: {data.Names()}).", nameof(data));
            }

            if (c is not TextColumn t)
            {
                throw new ArgumentException($"one_hot: column '{name}' is {MissingValueReplacingTransformer.Describe(c)}, not text.", nameof(data));
            }

            var map = new SpanStringMap();
            for (int r = 0; r < t.RowCount; r++)
            {
                map.GetOrAdd((t[r] ?? throw MissingText(name, r)).AsSpan());
            }

            if (map.Count == 0)
            {
                throw new ArgumentException($"one_hot: column '{name}' has no values to learn categories from.", nameof(data));
            }

            encodings.Add(new(name, map.Keys.ToArray()));
        }

        if (encodings.Count == 0)
        {
            throw new ArgumentException($"one_hot: there is no text feature column to encode (columns: {data}).", nameof(data));
        }

        return new OneHotEncodingTransformer(encodings);
    }

    /// <inheritdoc />
    public override FeaturizerConfig ToConfig() => _config.Clone();

    internal static ArgumentException MissingText(string column, int row) =>
        new($"one_hot: column '{column}', row {Row(row)}: the value is missing; add a replace_missing featurizer before one_hot.", "data");
}

/// <summary>The fitted <c>one_hot</c> step.</summary>
public sealed class OneHotEncodingTransformer : ITabularTransformer
{
    private readonly Dictionary<string, int>[] _maps;

    internal OneHotEncodingTransformer(IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> encodings)
    {
        Encodings = Array.AsReadOnly(encodings.Select(e => new KeyValuePair<string, IReadOnlyList<string>>(e.Key, Array.AsReadOnly(e.Value.ToArray()))).ToArray());
        _maps = new Dictionary<string, int>[Encodings.Count];
        for (int i = 0; i < _maps.Length; i++)
        {
            _maps[i] = new Dictionary<string, int>(StringComparer.Ordinal);
            IReadOnlyList<string> cats = Encodings[i].Value;
            for (int k = 0; k < cats.Count; k++)
            {
                _maps[i].Add(cats[k], k);
            }
        }
    }

    /// <summary>Each encoded column with its categories, in slot order.</summary>
    public IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Encodings { get; }

    /// <summary>Replaces each encoded text column with a vector column of the same name (0/1 per category).</summary>
    /// <param name="data">The input table.</param>
    /// <returns>The encoded table.</returns>
    /// <exception cref="ArgumentException">An encoded column is absent or not text, or a value is missing.</exception>
    public TabularData Transform(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        TabularData result = data;
        for (int i = 0; i < Encodings.Count; i++)
        {
            string name = Encodings[i].Key;
            if (data[name] is not TextColumn t)
            {
                throw new ArgumentException($"one_hot: column '{name}' was text in training; here it is {MissingValueReplacingTransformer.Describe(data[name])}.", nameof(data));
            }

            int k = Encodings[i].Value.Count;
            var v = new float[t.RowCount * k];
            for (int r = 0; r < t.RowCount; r++)
            {
                string s = t[r] ?? throw OneHotEncodingEstimator.MissingText(name, r);
                if (_maps[i].TryGetValue(s, out int slot))
                {
                    v[(r * k) + slot] = 1f;
                }
            }

            result = result.WithColumn(new NumericColumn(name, v, Encodings[i].Value));
        }

        return result;
    }
}

/// <summary>
/// <c>normalize</c>: fits an affine normalizer (min-max or mean-variance) on every numeric feature, one-hot slots
/// included, in column order.
/// </summary>
public sealed class NormalizingEstimator : FeaturizerEstimator
{
    private readonly NormalizeConfig _config;

    /// <summary>Creates the estimator.</summary>
    /// <param name="config">Its configuration (copied).</param>
    /// <exception cref="PipelineConfigException">The configuration is invalid.</exception>
    public NormalizingEstimator(NormalizeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.ValidateValues("$");
        _config = (NormalizeConfig)config.Clone();
    }

    /// <summary>Creates the estimator.</summary>
    /// <param name="kind">Min-max or mean-variance.</param>
    /// <param name="fixZero">Whether zero stays zero.</param>
    public NormalizingEstimator(NormalizerKind kind = PipelineDefaults.NormalizerKind, bool fixZero = PipelineDefaults.FixZero)
        : this(new NormalizeConfig { Kind = kind, FixZero = fixZero })
    {
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A feature column is text, a value is missing, or there are no rows.</exception>
    public override ITabularTransformer Fit(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        FeatureLayout layout = FeatureLayout.Of(data, "normalize");
        float[] x = layout.Assemble(data, "normalize");
        if (data.RowCount == 0)
        {
            throw new ArgumentException("normalize: there are no rows to fit on.", nameof(data));
        }

        var table = new DenseTable(x, layout.FeatureCount, new float[data.RowCount]);
        AffineNormalizer n = _config.Kind == NormalizerKind.MinMax
            ? MinMaxNormalizer.Fit(table, _config.FixZero)
            : MeanVarianceNormalizer.Fit(table, _config.FixZero);
        return new NormalizingTransformer(n, layout);
    }

    /// <inheritdoc />
    public override FeaturizerConfig ToConfig() => _config.Clone();
}

/// <summary>The fitted <c>normalize</c> step.</summary>
public sealed class NormalizingTransformer : ITabularTransformer
{
    internal NormalizingTransformer(AffineNormalizer normalizer, FeatureLayout layout)
    {
        Normalizer = normalizer;
        Layout = layout;
    }

    /// <summary>The fitted per-feature offsets and scales, in <see cref="FeatureNames"/> order.</summary>
    public AffineNormalizer Normalizer { get; }

    /// <summary>The normalized features (<c>column</c> or <c>column=slot</c>), in order.</summary>
    public IReadOnlyList<string> FeatureNames => Layout.FeatureNames;

    internal FeatureLayout Layout { get; }

    /// <summary>Normalizes the fitted feature columns.</summary>
    /// <param name="data">The input table.</param>
    /// <returns>The table with normalized feature columns.</returns>
    /// <exception cref="ArgumentException">A fitted column is absent or has another shape, or a value is missing.</exception>
    public TabularData Transform(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        float[] x = Layout.Assemble(data, "normalize");
        Normalizer.Transform(x, Layout.FeatureCount);
        return Layout.Scatter(data, x);
    }
}

/// <summary>The numeric feature columns a step reads, in order, with their widths and slot names.</summary>
internal sealed class FeatureLayout
{
    public FeatureLayout(IReadOnlyList<(string Name, IReadOnlyList<string>? Slots)> columns)
    {
        Columns = columns.ToArray();
        var names = new List<string>();
        foreach ((string name, IReadOnlyList<string>? slots) in Columns)
        {
            if (slots is null)
            {
                names.Add(name);
            }
            else
            {
                names.AddRange(slots.Select(s => name + "=" + s));
            }
        }

        FeatureNames = Array.AsReadOnly(names.ToArray());
    }

    public IReadOnlyList<(string Name, IReadOnlyList<string>? Slots)> Columns { get; }

    public IReadOnlyList<string> FeatureNames { get; }

    public int FeatureCount => FeatureNames.Count;

    /// <summary>The numeric feature columns of <paramref name="data"/>; a text feature column is an error.</summary>
    public static FeatureLayout Of(TabularData data, string step)
    {
        var cols = new List<(string, IReadOnlyList<string>?)>();
        foreach (DataColumn c in FeaturizerEstimator.Features(data))
        {
            if (c is not NumericColumn n)
            {
                throw new ArgumentException($"{step}: column '{c.Name}' is text; one-hot encode it (one_hot) or leave it out (select_columns).", nameof(data));
            }

            cols.Add((c.Name, n.SlotNames));
        }

        if (cols.Count == 0)
        {
            throw new ArgumentException($"{step}: there is no feature column (columns: {data.Names()}).", nameof(data));
        }

        return new FeatureLayout(cols);
    }

    /// <summary>The features of every row, row-major; a missing (NaN) value is an error naming the column and row.</summary>
    public float[] Assemble(TabularData data, string step)
    {
        int rows = data.RowCount;
        int f = FeatureCount;
        var x = new float[(long)rows * f];
        int offset = 0;
        foreach ((string name, IReadOnlyList<string>? slots) in Columns)
        {
            if (!data.TryGetColumn(name, out DataColumn? c))
            {
                throw new ArgumentException($"{step}: there is no column '{name}' (columns: {data.Names()}).", nameof(data));
            }

            int width = slots?.Count ?? 1;
            if (c is not NumericColumn n || n.Width != width || (slots is null) != (n.SlotNames is null) || (slots != null && !slots.SequenceEqual(n.SlotNames!)))
            {
                string expected = slots is null ? "numeric" : string.Create(CultureInfo.InvariantCulture, $"a numeric vector of {width} slots");
                throw new ArgumentException($"{step}: column '{name}' was {expected} in training; here it is {MissingValueReplacingTransformer.Describe(c)}.", nameof(data));
            }

            ReadOnlySpan<float> v = n.Values;
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> src = v.Slice(r * width, width);
                int bad = IndexOfNonFinite(src);
                if (bad >= 0)
                {
                    throw new ArgumentException(
                        float.IsNaN(src[bad])
                            ? $"{step}: column '{name}', row {FeaturizerEstimator.Row(r)}: the value is missing; add a replace_missing featurizer (it must come before one_hot and normalize)."
                            : $"{step}: column '{name}', row {FeaturizerEstimator.Row(r)}: the value is {src[bad].ToString(CultureInfo.InvariantCulture)}; features must be finite.",
                        nameof(data));
                }

                src.CopyTo(x.AsSpan((r * f) + offset, width));
            }

            offset += width;
        }

        return x;
    }

    /// <summary>A table whose feature columns hold <paramref name="x"/> (same names, widths and slots).</summary>
    public TabularData Scatter(TabularData data, float[] x)
    {
        int rows = data.RowCount;
        int f = FeatureCount;
        int offset = 0;
        TabularData result = data;
        foreach ((string name, IReadOnlyList<string>? slots) in Columns)
        {
            int width = slots?.Count ?? 1;
            var v = new float[rows * width];
            for (int r = 0; r < rows; r++)
            {
                x.AsSpan((r * f) + offset, width).CopyTo(v.AsSpan(r * width, width));
            }

            result = result.WithColumn(slots is null ? new NumericColumn(name, v) : new NumericColumn(name, v, slots));
            offset += width;
        }

        return result;
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
