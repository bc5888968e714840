using System;
using System.Collections.Generic;
using System.Globalization;

namespace MLNet.Optimizers.Training.Data;

/// <summary>Raw fields of one row, by source index.</summary>
internal interface IRowFields
{
    int Count { get; }

    ReadOnlySpan<char> Get(int index);
}

/// <summary>The fields of a tokenizer's current record.</summary>
internal readonly struct TokenizerFields : IRowFields
{
    private readonly CsvTokenizer _tokenizer;

    public TokenizerFields(CsvTokenizer tokenizer) => _tokenizer = tokenizer;

    public int Count => _tokenizer.FieldCount;

    public ReadOnlySpan<char> Get(int index) => _tokenizer.Field(index);
}

/// <summary>Featurizes raw rows with a <see cref="DatasetSchema"/> (one code path for loading, streaming and scoring).</summary>
internal sealed class RowEncoder
{
    private const byte RoleIgnored = 0;
    private const byte RoleNumeric = 1;
    private const byte RoleCategorical = 2;
    private const byte RoleLabel = 3;
    private const byte RoleWeight = 4;

    private readonly DatasetSchema _schema;
    private readonly byte[] _roles;
    private readonly int[] _offset;
    private readonly int[] _width;
    private readonly double[] _fill;
    private readonly SpanStringMap?[] _maps;
    private readonly int[] _missingCategory;
    private readonly string[] _tokens;
    private readonly SpanStringMap? _classMap;
    private readonly Dictionary<double, int>? _numericClassMap;

    public RowEncoder(DatasetSchema schema)
    {
        _schema = schema;
        int n = schema.SourceColumns.Count;
        _roles = new byte[n];
        _offset = new int[n];
        _width = new int[n];
        _fill = new double[n];
        _maps = new SpanStringMap?[n];
        _missingCategory = new int[n];
        _roles[schema.LabelIndex] = RoleLabel;
        if (schema.WeightIndex >= 0)
        {
            _roles[schema.WeightIndex] = RoleWeight;
        }

        foreach (ColumnSchema c in schema.Columns)
        {
            int s = c.SourceIndex;
            _offset[s] = c.FeatureOffset;
            _width[s] = c.FeatureWidth;
            _fill[s] = c.FillValue;
            if (c.Kind == ColumnKind.Numeric)
            {
                _roles[s] = RoleNumeric;
            }
            else
            {
                _roles[s] = RoleCategorical;
                var map = new SpanStringMap(c.Categories);
                _maps[s] = map;
                _missingCategory[s] = map.Find(DatasetSchema.MissingCategory.AsSpan());
            }
        }

        _tokens = new string[schema.MissingValueTokens.Count];
        for (int i = 0; i < _tokens.Length; i++)
        {
            _tokens[i] = schema.MissingValueTokens[i];
        }

        if (schema.Task != TaskKind.Regression)
        {
            if (schema.NumericClasses)
            {
                _numericClassMap = new Dictionary<double, int>();
                for (int i = 0; i < schema.ClassNames.Count; i++)
                {
                    CsvLoader.TryParseNumber(schema.ClassNames[i].AsSpan(), out double v);
                    _numericClassMap[v] = i;
                }
            }
            else
            {
                _classMap = new SpanStringMap(schema.ClassNames);
            }
        }
    }

    public int FieldCount => _roles.Length;

    public bool IsMissing(ReadOnlySpan<char> trimmed)
    {
        if (trimmed.IsEmpty)
        {
            return true;
        }

        foreach (string t in _tokens)
        {
            if (trimmed.SequenceEqual(t.AsSpan()))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Featurizes one row; optionally reads its label and weight.</summary>
    public void Encode<T>(ref T row, Span<float> features, bool readLabel, bool readWeight, Func<double, double>? labelTransform, out float label, out float weight, string? path, long line)
        where T : struct, IRowFields
    {
        if (row.Count != _roles.Length)
        {
            throw new CsvFormatException(
                string.Create(CultureInfo.InvariantCulture, $"expected {_roles.Length} fields, found {row.Count}"),
                path,
                line,
                null);
        }

        label = 0;
        weight = 1;
        for (int s = 0; s < _roles.Length; s++)
        {
            switch (_roles[s])
            {
                case RoleNumeric:
                {
                    ReadOnlySpan<char> v = row.Get(s).Trim();
                    if (IsMissing(v))
                    {
                        FailIfNoImputation(s, path, line);
                        features[_offset[s]] = (float)_fill[s];
                    }
                    else if (CsvLoader.TryParseNumber(v, out double d))
                    {
                        features[_offset[s]] = (float)d;
                    }
                    else
                    {
                        throw NotANumber(v, s, path, line);
                    }

                    break;
                }

                case RoleCategorical:
                {
                    ReadOnlySpan<char> v = row.Get(s).Trim();
                    Span<float> slots = features.Slice(_offset[s], _width[s]);
                    slots.Clear();
                    int k;
                    if (IsMissing(v))
                    {
                        FailIfNoImputation(s, path, line);
                        k = _missingCategory[s];
                    }
                    else
                    {
                        k = _maps[s]!.Find(v);
                    }

                    if (k >= 0)
                    {
                        slots[k] = 1f;
                    }

                    break;
                }

                case RoleLabel when readLabel:
                    label = EncodeLabel(row.Get(s), labelTransform, path, line);
                    break;

                case RoleWeight when readWeight:
                {
                    ReadOnlySpan<char> v = row.Get(s).Trim();
                    if (IsMissing(v))
                    {
                        throw new CsvFormatException("the weight is missing", path, line, _schema.SourceColumns[s]);
                    }

                    if (!CsvLoader.TryParseNumber(v, out double w))
                    {
                        throw NotANumber(v, s, path, line);
                    }

                    if (w < 0)
                    {
                        throw new CsvFormatException($"weight '{v.ToString()}' is negative", path, line, _schema.SourceColumns[s]);
                    }

                    weight = (float)w;
                    break;
                }

                default:
                    break;
            }
        }
    }

    public float EncodeLabel(ReadOnlySpan<char> raw, Func<double, double>? labelTransform, string? path, long line)
    {
        ReadOnlySpan<char> v = raw.Trim();
        int s = _schema.LabelIndex;
        if (IsMissing(v))
        {
            throw new CsvFormatException("the label is missing", path, line, _schema.LabelColumn);
        }

        if (_schema.Task == TaskKind.Regression)
        {
            if (!CsvLoader.TryParseNumber(v, out double d))
            {
                throw NotANumber(v, s, path, line);
            }

            if (labelTransform != null)
            {
                double t = labelTransform(d);
                if (!double.IsFinite(t))
                {
                    throw new CsvFormatException(
                        string.Create(CultureInfo.InvariantCulture, $"LabelTransform maps '{v.ToString()}' to {t}, which is not finite"),
                        path,
                        line,
                        _schema.LabelColumn);
                }

                d = t;
            }

            return (float)d;
        }

        int k = -1;
        if (_numericClassMap != null)
        {
            if (CsvLoader.TryParseNumber(v, out double d) && _numericClassMap.TryGetValue(d, out int found))
            {
                k = found;
            }
        }
        else
        {
            k = _classMap!.Find(v);
        }

        if (k < 0)
        {
            throw new CsvFormatException(
                string.Create(CultureInfo.InvariantCulture, $"'{v.ToString()}' is not one of the {_schema.ClassCount} classes of the training data"),
                path,
                line,
                _schema.LabelColumn);
        }

        return k;
    }

    private void FailIfNoImputation(int s, string? path, long line)
    {
        if (_schema.Imputation == MissingValuePolicy.Fail)
        {
            throw new CsvFormatException("the value is missing (set CsvOptions.Imputation to Mean or Zero to impute it)", path, line, _schema.SourceColumns[s]);
        }
    }

    private CsvFormatException NotANumber(ReadOnlySpan<char> v, int s, string? path, long line) =>
        new($"'{v.ToString()}' is not a number", path, line, _schema.SourceColumns[s]);
}
