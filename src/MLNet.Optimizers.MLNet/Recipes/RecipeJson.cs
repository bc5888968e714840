using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.MLNet.Recipes;

/// <summary>
/// Reads one JSON object of a recipe key by key: typed getters that fail with the key's JSON path, the expected type
/// and the value received, and a final check that every key was used (an unknown key is an error with a did-you-mean).
/// </summary>
internal sealed class RecipeReader
{
    private readonly JsonElement _obj;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public RecipeReader(JsonElement obj, string path)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            throw Wrong(path, "an object", obj);
        }

        _obj = obj;
        Path = path;
    }

    public string Path { get; }

    public string PathOf(string key) => RecipeJson.Property(Path, key);

    public bool Has(string key) => _obj.TryGetProperty(key, out _);

    /// <summary>The value under <paramref name="key"/> (marking the key as used), or null when absent.</summary>
    public JsonElement? Get(string key)
    {
        _used.Add(key);
        return _obj.TryGetProperty(key, out JsonElement e) ? e : null;
    }

    public RecipeReader Object(string key)
    {
        JsonElement e = Get(key) ?? throw Missing(key, "an object");
        return new RecipeReader(e, PathOf(key));
    }

    /// <summary>An object, or null when the key is absent or JSON null.</summary>
    public RecipeReader? NullableObject(string key)
    {
        JsonElement? e = Get(key);
        return e is null || e.Value.ValueKind == JsonValueKind.Null ? null : new RecipeReader(e.Value, PathOf(key));
    }

    public JsonElement.ArrayEnumerator? Array(string key, bool required)
    {
        JsonElement? e = Get(key);
        if (e is null)
        {
            return required ? throw Missing(key, "an array") : null;
        }

        return e.Value.ValueKind == JsonValueKind.Array ? e.Value.EnumerateArray() : throw Wrong(PathOf(key), "an array", e.Value);
    }

    public string RequiredString(string key)
    {
        JsonElement e = Get(key) ?? throw Missing(key, "a string");
        return RecipeJson.AsString(e, PathOf(key));
    }

    public string String(string key, string fallback)
    {
        JsonElement? e = Get(key);
        return e is null ? fallback : RecipeJson.AsString(e.Value, PathOf(key));
    }

    public string? NullableString(string key)
    {
        JsonElement? e = Get(key);
        return e is null || e.Value.ValueKind == JsonValueKind.Null ? null : RecipeJson.AsString(e.Value, PathOf(key), "a string or null");
    }

    public bool Bool(string key, bool fallback)
    {
        JsonElement? e = Get(key);
        if (e is null)
        {
            return fallback;
        }

        return e.Value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(PathOf(key), "true or false", e.Value),
        };
    }

    public int Int(string key, int fallback, int min, int max)
    {
        JsonElement? e = Get(key);
        return e is null ? fallback : RecipeJson.AsInt(e.Value, PathOf(key), min, max);
    }

    public int RequiredInt(string key, int min, int max)
    {
        JsonElement e = Get(key) ?? throw Missing(key, "an integer");
        return RecipeJson.AsInt(e, PathOf(key), min, max);
    }

    public int? NullableInt(string key, int? fallback, int min, int max)
    {
        JsonElement? e = Get(key);
        if (e is null)
        {
            return fallback;
        }

        return e.Value.ValueKind == JsonValueKind.Null ? null : RecipeJson.AsInt(e.Value, PathOf(key), min, max, "or null");
    }

    public ulong ULong(string key, ulong fallback)
    {
        JsonElement? e = Get(key);
        if (e is null)
        {
            return fallback;
        }

        if (e.Value.ValueKind == JsonValueKind.Number && e.Value.TryGetUInt64(out ulong u))
        {
            return u;
        }

        throw Wrong(PathOf(key), "an integer in [0, 18446744073709551615]", e.Value);
    }

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>] (bounds inclusive unless said otherwise).</summary>
    public double Double(string key, double fallback, double min, double max, bool minInclusive = true, bool maxInclusive = true)
    {
        JsonElement? e = Get(key);
        return e is null ? fallback : RecipeJson.AsDouble(e.Value, PathOf(key), min, max, minInclusive, maxInclusive);
    }

    public T Enum<T>(string key, IReadOnlyList<(T Value, string Name)> table, T fallback)
        where T : struct
    {
        JsonElement? e = Get(key);
        return e is null ? fallback : RecipeJson.AsEnum(e.Value, PathOf(key), table);
    }

    public T RequiredEnum<T>(string key, IReadOnlyList<(T Value, string Name)> table)
        where T : struct
    {
        JsonElement e = Get(key) ?? throw Missing(key, RecipeJson.Choices(table));
        return RecipeJson.AsEnum(e, PathOf(key), table);
    }

    /// <summary>A list of distinct, non-empty strings.</summary>
    public List<string>? StringList(string key, bool required, bool allowEmptyList = false)
    {
        JsonElement.ArrayEnumerator? items = Array(key, required);
        if (items is null)
        {
            return null;
        }

        var list = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int i = 0;
        foreach (JsonElement item in items.Value)
        {
            string p = RecipeJson.Index(PathOf(key), i++);
            string s = RecipeJson.AsString(item, p);
            if (s.Length == 0)
            {
                throw new RecipeException(p, "must not be empty, got \"\".", "\"\"");
            }

            if (!seen.Add(s))
            {
                throw new RecipeException(p, $"\"{s}\" is listed twice.", RecipeJson.Describe(item));
            }

            list.Add(s);
        }

        if (list.Count == 0 && !allowEmptyList)
        {
            throw new RecipeException(PathOf(key), "must list at least one value, got [].", "[]");
        }

        return list;
    }

    /// <summary>Fails on the first key no getter asked for, suggesting the closest known key.</summary>
    public void Done()
    {
        foreach (JsonProperty p in _obj.EnumerateObject())
        {
            if (!_used.Contains(p.Name))
            {
                string? near = RecipeJson.Closest(p.Name, _used);
                string known = string.Join(", ", _used.OrderBy(k => k, StringComparer.Ordinal));
                throw new RecipeException(
                    PathOf(p.Name),
                    near is null ? $"unknown key \"{p.Name}\"; the keys here are {known}." : $"unknown key \"{p.Name}\"; did you mean \"{near}\"? (the keys here are {known})",
                    RecipeJson.Describe(p.Value));
            }
        }
    }

    /// <summary>Marks keys as known without reading them (keys that apply only elsewhere are rejected by the caller).</summary>
    public void Known(params string[] keys)
    {
        foreach (string k in keys)
        {
            _used.Add(k);
        }
    }

    public RecipeException Missing(string key, string what) => new(PathOf(key), $"required key \"{key}\" is missing (expected {what}).");

    public static RecipeException Wrong(string path, string what, JsonElement got) =>
        new(path, $"expected {what}, got {RecipeJson.Describe(got)}.", RecipeJson.Describe(got));
}

/// <summary>JSON helpers of recipes: parsing with positions, paths, typed values, canonical writing.</summary>
internal static class RecipeJson
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false, MaxDepth = 64 };

    /// <summary>Parses JSON text strictly (no comments, no trailing commas, no duplicate keys); a syntax error has a one-based line and column.</summary>
    public static JsonElement ParseDocument(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            int line = (int)(e.LineNumber ?? 0) + 1;
            int column = CharColumn(json, (int)(e.LineNumber ?? 0), e.BytePositionInLine ?? 0) + 1;
            string reason = e.Message;
            int cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            reason = "not valid JSON: " + (cut >= 0 ? reason[..cut].TrimEnd() : reason);
            throw RecipeException.Syntax(reason, line, column, e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new RecipeException("$", "not valid JSON: " + e.Message, null, e);
        }

        using (doc)
        {
            CheckDuplicates(doc.RootElement, "$");
            return doc.RootElement.Clone();
        }
    }

    public static string Property(string parent, string key)
    {
        bool plain = key.Length > 0 && (char.IsAsciiLetter(key[0]) || key[0] == '_');
        for (int i = 1; plain && i < key.Length; i++)
        {
            plain = char.IsAsciiLetterOrDigit(key[i]) || key[i] == '_';
        }

        return plain ? parent + "." + key : parent + "['" + key.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";
    }

    public static string Index(string parent, int index) => parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>Compact JSON of a value for messages (cut at 80 characters).</summary>
    public static string Describe(JsonElement e)
    {
        string s;
        try
        {
            s = JsonSerializer.Serialize(e, Compact);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or JsonException)
        {
            s = e.ValueKind.ToString();
        }

        return s.Length <= 80 ? s : s[..77] + "...";
    }

    public static string Describe(JsonNode? n)
    {
        string s = n is null ? "null" : n.ToJsonString(Compact);
        return s.Length <= 80 ? s : s[..77] + "...";
    }

    public static string Quote(string s) => JsonSerializer.Serialize(s, Compact);

    public static string Num(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    public static string AsString(JsonElement e, string path, string what = "a string")
    {
        if (e.ValueKind != JsonValueKind.String)
        {
            throw RecipeReader.Wrong(path, what, e);
        }

        try
        {
            return e.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            throw new RecipeException(path, "the string is not valid text: " + ex.Message, null, ex);
        }
    }

    public static int AsInt(JsonElement e, string path, int min, int max, string? orWhat = null)
    {
        string range = max == int.MaxValue ? $">= {min}" : $"in [{min}, {max}]";
        string what = $"an integer {range}" + (orWhat is null ? string.Empty : " " + orWhat);
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v))
        {
            if (v < min || v > max)
            {
                throw new RecipeException(path, $"must be {what}, got {v.ToString(CultureInfo.InvariantCulture)}.", Describe(e));
            }

            return v;
        }

        throw RecipeReader.Wrong(path, what, e);
    }

    public static double AsDouble(JsonElement e, string path, double min, double max, bool minInclusive, bool maxInclusive)
    {
        string range = (minInclusive ? "[" : "(") + Num(min) + ", " + Num(max) + (maxInclusive ? "]" : ")");
        if (e.ValueKind != JsonValueKind.Number)
        {
            throw RecipeReader.Wrong(path, $"a number in {range}", e);
        }

        if (!e.TryGetDouble(out double d) || !double.IsFinite(d))
        {
            throw new RecipeException(path, $"must be a finite number in {range}, got {Describe(e)} (out of range).", Describe(e));
        }

        bool ok = (minInclusive ? d >= min : d > min) && (maxInclusive ? d <= max : d < max);
        if (!ok)
        {
            throw new RecipeException(path, $"must be a number in {range}, got {Describe(e)}.", Describe(e));
        }

        return d;
    }

    public static T AsEnum<T>(JsonElement e, string path, IReadOnlyList<(T Value, string Name)> table)
        where T : struct
    {
        if (e.ValueKind == JsonValueKind.String)
        {
            string s = AsString(e, path);
            foreach ((T v, string n) in table)
            {
                if (n == s)
                {
                    return v;
                }
            }

            string? near = Closest(s, table.Select(t => t.Name));
            throw new RecipeException(path, $"expected {Choices(table)}, got {Describe(e)}" + (near is null ? "." : $"; did you mean \"{near}\"?"), Describe(e));
        }

        throw RecipeReader.Wrong(path, Choices(table), e);
    }

    public static string NameOf<T>(IReadOnlyList<(T Value, string Name)> table, T value)
        where T : struct
    {
        foreach ((T v, string n) in table)
        {
            if (EqualityComparer<T>.Default.Equals(v, value))
            {
                return n;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, $"{value} has no recipe name; expected {Choices(table)}.");
    }

    public static bool IsDefined<T>(IReadOnlyList<(T Value, string Name)> table, T value)
        where T : struct => table.Any(t => EqualityComparer<T>.Default.Equals(t.Value, value));

    public static string Choices<T>(IReadOnlyList<(T Value, string Name)> table)
    {
        string[] names = table.Select(t => "\"" + t.Name + "\"").ToArray();
        return names.Length == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
    }

    /// <summary>The candidate closest to <paramref name="name"/> by edit distance (ignoring case), when it is close enough to be a typo.</summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string c in candidates)
        {
            int d = Distance(name.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = c;
            }
        }

        return best is not null && bestDistance <= Math.Max(2, best.Length / 3) && bestDistance < Math.Max(name.Length, 1) ? best : null;
    }

    public static JsonArray Array(IEnumerable<string> values)
    {
        var a = new JsonArray();
        foreach (string v in values)
        {
            a.Add(v);
        }

        return a;
    }

    /// <summary>Canonical text: two-space indentation, <c>\n</c> line ends, no final line end.</summary>
    public static string Write(JsonNode node) => node.ToJsonString(Indented).Replace("\r\n", "\n", StringComparison.Ordinal);

    private static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }

        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }

            (prev, cur) = (cur, prev);
        }

        return prev[b.Length];
    }

    private static int CharColumn(string text, int zeroBasedLine, long bytePosition)
    {
        int start = 0;
        for (int l = 0; l < zeroBasedLine; l++)
        {
            int nl = text.IndexOf('\n', start);
            if (nl < 0)
            {
                return (int)bytePosition;
            }

            start = nl + 1;
        }

        int end = text.IndexOf('\n', start);
        string line = end < 0 ? text[start..] : text[start..end];
        int bytes = 0;
        for (int i = 0; i < line.Length; i++)
        {
            if (bytes >= bytePosition)
            {
                return i;
            }

            bytes += char.IsHighSurrogate(line[i]) && i + 1 < line.Length && char.IsLowSurrogate(line[i + 1]) ? 4 : Encoding.UTF8.GetByteCount(line[i].ToString());
            if (char.IsHighSurrogate(line[i]) && i + 1 < line.Length && char.IsLowSurrogate(line[i + 1]))
            {
                i++;
            }
        }

        return line.Length;
    }

    private static void CheckDuplicates(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty p in e.EnumerateObject())
            {
                string child = Property(path, p.Name);
                if (!seen.Add(p.Name))
                {
                    throw new RecipeException(child, $"the key \"{p.Name}\" appears twice in the same object.");
                }

                CheckDuplicates(p.Value, child);
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (JsonElement item in e.EnumerateArray())
            {
                CheckDuplicates(item, Index(path, i++));
            }
        }
    }
}
