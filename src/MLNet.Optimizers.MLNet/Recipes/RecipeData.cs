using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;

namespace MLNet.Optimizers.MLNet.Recipes;

/// <summary>How a recipe column's text is read (ML.NET's <see cref="DataKind"/>).</summary>
public enum RecipeColumnType
{
    /// <summary>A float32 number (<see cref="DataKind.Single"/>); an empty field or one that is not a number reads as missing (NaN). JSON <c>"single"</c>.</summary>
    Single,

    /// <summary>Text (<see cref="DataKind.String"/>). JSON <c>"string"</c>.</summary>
    String,

    /// <summary>A Boolean (<see cref="DataKind.Boolean"/>: <c>true</c>/<c>false</c>, <c>1</c>/<c>0</c>...). JSON <c>"boolean"</c>.</summary>
    Boolean,
}

/// <summary>
/// One column of <c>data.columns</c>: a <see cref="TextLoader.Column"/>. JSON <c>{"name": "carat", "type": "single",
/// "index": 0}</c> for one source field, or <c>{"name": "Features", "type": "single", "range": [0, 29]}</c> for a vector
/// of the fields 0 to 29 (inclusive). Source indices are zero-based field positions in a row.
/// </summary>
public sealed class RecipeColumn : IEquatable<RecipeColumn>
{
    /// <summary>Creates a scalar column.</summary>
    /// <param name="name">The column name.</param>
    /// <param name="type">The type.</param>
    /// <param name="index">The zero-based source field.</param>
    public RecipeColumn(string name, RecipeColumnType type, int index)
        : this(name, type, index, null)
    {
    }

    /// <summary>Creates a column over one field or a range of fields.</summary>
    /// <param name="name">The column name.</param>
    /// <param name="type">The type.</param>
    /// <param name="index">The zero-based first source field.</param>
    /// <param name="lastIndex">The last source field (inclusive) of a vector column, or null for a scalar column.</param>
    public RecipeColumn(string name, RecipeColumnType type, int index, int? lastIndex)
    {
        Name = name;
        Type = type;
        Index = index;
        LastIndex = lastIndex;
    }

    /// <summary>The column name.</summary>
    public string Name { get; set; }

    /// <summary>How its text is read.</summary>
    public RecipeColumnType Type { get; set; }

    /// <summary>The zero-based source field (the first of a range).</summary>
    public int Index { get; set; }

    /// <summary>The last source field (inclusive) of a vector column, or null for a scalar column.</summary>
    public int? LastIndex { get; set; }

    /// <summary>Whether this is a vector column (a range of fields).</summary>
    public bool IsVector => LastIndex != null;

    /// <summary>ML.NET's <see cref="DataKind"/> of the column.</summary>
    public DataKind Kind => Type switch
    {
        RecipeColumnType.Single => DataKind.Single,
        RecipeColumnType.String => DataKind.String,
        _ => DataKind.Boolean,
    };

    /// <summary>A copy.</summary>
    /// <returns>The copy.</returns>
    public RecipeColumn Clone() => new(Name, Type, Index, LastIndex);

    /// <inheritdoc />
    public bool Equals(RecipeColumn? other) => other is not null && Name == other.Name && Type == other.Type && Index == other.Index && LastIndex == other.LastIndex;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RecipeColumn);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Type, Index, LastIndex);

    internal TextLoader.Column ToLoaderColumn() => LastIndex is int last
        ? new TextLoader.Column(Name, Kind, Index, last)
        : new TextLoader.Column(Name, Kind, Index);
}

/// <summary>
/// The <c>data</c> section of a recipe: how ML.NET's <see cref="TextLoader"/> reads the file. JSON keys:
/// <c>path</c> (optional: the data file, resolved relative to the recipe file's folder; written only when set),
/// <c>separator</c> (one character; default <c>","</c>), <c>has_header</c> (default true: the first line is skipped),
/// <c>allow_quoting</c> (default true: <c>"a,b"</c> is one field), <c>decimal_separator</c> (<c>"."</c> or
/// <c>","</c>; default <c>"."</c>), <c>missing_tokens</c> (field values that mean "missing" besides the empty field,
/// for example <c>"NA"</c>; default none), <c>holdout_fraction</c> (the share of rows <see cref="Recipe.SplitHoldout"/>
/// holds out for evaluation; default <see cref="RecipeDefaults.HoldoutFraction"/>), <c>columns</c> (required: the
/// columns, see <see cref="RecipeColumn"/>).
/// </summary>
/// <remarks>
/// In a <c>single</c> column an empty field, a missing token or any text that is not a number reads as missing (NaN);
/// <c>Recipe.CheckData</c> tells a missing token from a bad cell and names the row and column of the latter. In a
/// <c>string</c> column a missing token stays as its text (a category of its own).
/// </remarks>
public sealed class RecipeData : IEquatable<RecipeData>
{
    /// <summary>The data file (relative to the recipe file's folder, or absolute), or null.</summary>
    public string? Path { get; set; }

    /// <summary>The field separator.</summary>
    public char Separator { get; set; } = RecipeDefaults.Separator;

    /// <summary>Whether the first line is a header (skipped).</summary>
    public bool HasHeader { get; set; } = RecipeDefaults.HasHeader;

    /// <summary>Whether fields may be quoted.</summary>
    public bool AllowQuoting { get; set; } = RecipeDefaults.AllowQuoting;

    /// <summary>The decimal separator of numbers: '.' or ','.</summary>
    public char DecimalSeparator { get; set; } = RecipeDefaults.DecimalSeparator;

    /// <summary>Field values that mean "missing" besides the empty field.</summary>
    public List<string> MissingTokens { get; set; } = new();

    /// <summary>The share of rows held out for evaluation by <see cref="Recipe.SplitHoldout"/>, in [0, 1).</summary>
    public double HoldoutFraction { get; set; } = RecipeDefaults.HoldoutFraction;

    /// <summary>The columns, in any order.</summary>
    public List<RecipeColumn> Columns { get; set; } = new();

    /// <summary>The column named <paramref name="name"/>, or null.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The column, or null.</returns>
    public RecipeColumn? Find(string name) => Columns.FirstOrDefault(c => c.Name == name);

    /// <summary>A deep copy.</summary>
    /// <returns>The copy.</returns>
    public RecipeData Clone() => new()
    {
        Path = Path,
        Separator = Separator,
        HasHeader = HasHeader,
        AllowQuoting = AllowQuoting,
        DecimalSeparator = DecimalSeparator,
        MissingTokens = new List<string>(MissingTokens),
        HoldoutFraction = HoldoutFraction,
        Columns = Columns.Select(c => c.Clone()).ToList(),
    };

    /// <inheritdoc />
    public bool Equals(RecipeData? other) =>
        other is not null && Path == other.Path && Separator == other.Separator && HasHeader == other.HasHeader && AllowQuoting == other.AllowQuoting
        && DecimalSeparator == other.DecimalSeparator && MissingTokens.SequenceEqual(other.MissingTokens, StringComparer.Ordinal)
        && HoldoutFraction.Equals(other.HoldoutFraction) && Columns.SequenceEqual(other.Columns);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RecipeData);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Path, Separator, Columns.Count);

    /// <summary>The loader options (missing reals as NaN, multi-threaded parsing off so rows keep their order cheaply).</summary>
    internal TextLoader.Options ToLoaderOptions() => new()
    {
        Separators = new[] { Separator },
        HasHeader = HasHeader,
        AllowQuoting = AllowQuoting,
        DecimalMarker = DecimalSeparator,
        MissingRealsAsNaNs = true,
        Columns = Columns.Select(c => c.ToLoaderColumn()).ToArray(),
    };

    internal static RecipeData Read(RecipeReader r)
    {
        var d = new RecipeData
        {
            Path = r.NullableString("path"),
            Separator = ReadChar(r, "separator", RecipeDefaults.Separator),
            HasHeader = r.Bool("has_header", RecipeDefaults.HasHeader),
            AllowQuoting = r.Bool("allow_quoting", RecipeDefaults.AllowQuoting),
            DecimalSeparator = ReadChar(r, "decimal_separator", RecipeDefaults.DecimalSeparator),
            MissingTokens = r.StringList("missing_tokens", required: false, allowEmptyList: true) ?? new List<string>(),
            HoldoutFraction = r.Double("holdout_fraction", RecipeDefaults.HoldoutFraction, 0, 1, maxInclusive: false),
        };
        JsonElement.ArrayEnumerator columns = r.Array("columns", required: true)!.Value;
        int i = 0;
        foreach (JsonElement c in columns)
        {
            var cr = new RecipeReader(c, RecipeJson.Index(r.PathOf("columns"), i++));
            string name = cr.RequiredString("name");
            RecipeColumnType type = cr.RequiredEnum("type", RecipeNames.ColumnTypes);
            bool hasIndex = cr.Has("index"), hasRange = cr.Has("range");
            if (hasIndex == hasRange)
            {
                throw new RecipeException(cr.Path, hasIndex ? "give \"index\" (one field) or \"range\" (a vector of fields), not both." : "required key \"index\" (a zero-based field position) or \"range\" ([first, last]) is missing.");
            }

            RecipeColumn col;
            if (hasIndex)
            {
                col = new RecipeColumn(name, type, cr.RequiredInt("index", 0, RecipeDefaults.MaxFieldIndex));
            }
            else
            {
                string rp = cr.PathOf("range");
                int[] bounds = new int[2];
                int k = 0;
                foreach (JsonElement b in cr.Array("range", required: true)!.Value)
                {
                    if (k < 2)
                    {
                        bounds[k] = RecipeJson.AsInt(b, RecipeJson.Index(rp, k), 0, RecipeDefaults.MaxFieldIndex);
                    }

                    k++;
                }

                if (k != 2)
                {
                    throw new RecipeException(rp, $"expected [first, last] (two field positions), got {k} value(s).");
                }

                col = new RecipeColumn(name, type, bounds[0], bounds[1]);
            }

            cr.Done();
            d.Columns.Add(col);
        }

        r.Done();
        d.Validate(r.Path);
        return d;
    }

    internal JsonObject Write()
    {
        var o = new JsonObject();
        if (Path != null)
        {
            o["path"] = Path;
        }

        o["separator"] = Separator.ToString();
        o["has_header"] = HasHeader;
        o["allow_quoting"] = AllowQuoting;
        o["decimal_separator"] = DecimalSeparator.ToString();
        o["missing_tokens"] = RecipeJson.Array(MissingTokens);
        o["holdout_fraction"] = HoldoutFraction;
        var cols = new JsonArray();
        foreach (RecipeColumn c in Columns)
        {
            var co = new JsonObject { ["name"] = c.Name, ["type"] = RecipeJson.NameOf(RecipeNames.ColumnTypes, c.Type) };
            if (c.LastIndex is int last)
            {
                co["range"] = new JsonArray(c.Index, last);
            }
            else
            {
                co["index"] = c.Index;
            }

            cols.Add(co);
        }

        o["columns"] = cols;
        return o;
    }

    internal void Validate(string path)
    {
        string P(string key) => RecipeJson.Property(path, key);
        if (Path != null && (Path.Length == 0 || Path.Trim().Length == 0 || Path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0 || Path.Contains('\0')))
        {
            throw new RecipeException(P("path"), $"expected a file path or null, got {RecipeJson.Quote(Path)}.", RecipeJson.Quote(Path));
        }

        CheckSeparator(P("separator"), Separator);
        if (DecimalSeparator is not ('.' or ','))
        {
            throw new RecipeException(P("decimal_separator"), $"expected \".\" or \",\", got {RecipeJson.Quote(DecimalSeparator.ToString())}.", RecipeJson.Quote(DecimalSeparator.ToString()));
        }

        if (DecimalSeparator == Separator)
        {
            throw new RecipeException(P("decimal_separator"), $"cannot be the field separator {RecipeJson.Quote(Separator.ToString())}; with decimal commas use \";\" or a tab as the separator.", RecipeJson.Quote(DecimalSeparator.ToString()));
        }

        if (MissingTokens is null)
        {
            throw new RecipeException(P("missing_tokens"), "expected an array of strings, got null.");
        }

        var tokens = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < MissingTokens.Count; i++)
        {
            string? t = MissingTokens[i];
            if (string.IsNullOrEmpty(t) || !tokens.Add(t))
            {
                throw new RecipeException(RecipeJson.Index(P("missing_tokens"), i), t is null ? "expected a string, got null." : t.Length == 0 ? "must not be empty (an empty field is always missing)." : $"\"{t}\" is listed twice.");
            }
        }

        if (!(HoldoutFraction >= 0 && HoldoutFraction < 1))
        {
            throw new RecipeException(P("holdout_fraction"), $"must be a number in [0, 1), got {RecipeJson.Num(HoldoutFraction)}.", RecipeJson.Num(HoldoutFraction));
        }

        string cp = P("columns");
        if (Columns is null || Columns.Count == 0)
        {
            throw new RecipeException(cp, "must list at least one column, got none.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Columns.Count; i++)
        {
            string p = RecipeJson.Index(cp, i);
            RecipeColumn? c = Columns[i];
            if (c is null)
            {
                throw new RecipeException(p, "expected a column object, got null.");
            }

            if (string.IsNullOrWhiteSpace(c.Name) || c.Name != c.Name.Trim())
            {
                throw new RecipeException(RecipeJson.Property(p, "name"), $"a column name must be non-empty without leading or trailing white space, got {RecipeJson.Quote(c.Name ?? string.Empty)}.", RecipeJson.Quote(c.Name ?? string.Empty));
            }

            if (!names.Add(c.Name))
            {
                throw new RecipeException(RecipeJson.Property(p, "name"), $"the column \"{c.Name}\" is declared twice.", RecipeJson.Quote(c.Name));
            }

            if (!RecipeJson.IsDefined(RecipeNames.ColumnTypes, c.Type))
            {
                throw new RecipeException(RecipeJson.Property(p, "type"), $"expected {RecipeJson.Choices(RecipeNames.ColumnTypes)}, got {(int)c.Type}.");
            }

            if (c.Index < 0 || c.Index > RecipeDefaults.MaxFieldIndex)
            {
                throw new RecipeException(RecipeJson.Property(p, c.IsVector ? "range" : "index"), $"a field position must be in [0, {RecipeDefaults.MaxFieldIndex}], got {c.Index}.");
            }

            if (c.LastIndex is int last && (last <= c.Index || last > RecipeDefaults.MaxFieldIndex))
            {
                throw new RecipeException(RecipeJson.Property(p, "range"), $"expected [first, last] with first < last <= {RecipeDefaults.MaxFieldIndex}, got [{c.Index}, {last}] (use \"index\" for one field).");
            }
        }
    }

    internal static void CheckSeparator(string path, char c)
    {
        if (c is '"' or '\r' or '\n' or '\0' || char.IsSurrogate(c) || (char.IsLetterOrDigit(c)) || c is '.' or '-' or '+')
        {
            throw new RecipeException(path, $"cannot be a quote, a line break, NUL, a letter, a digit, '.', '-' or '+', got {RecipeJson.Quote(c.ToString())}.", RecipeJson.Quote(c.ToString()));
        }
    }

    private static char ReadChar(RecipeReader r, string key, char fallback)
    {
        string s = r.String(key, fallback.ToString());
        if (s.Length != 1)
        {
            throw new RecipeException(r.PathOf(key), $"must be exactly one character, got {RecipeJson.Quote(s)}.", RecipeJson.Quote(s));
        }

        return s[0];
    }
}
