using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>
/// Reads one JSON object of a pipeline configuration key by key: typed getters that fail with the key's JSON path, the
/// expected type and the value received, and a final check that every key was used (unknown keys are errors).
/// </summary>
internal sealed class JsonConfigReader
{
    private readonly JsonObject _obj;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public JsonConfigReader(JsonObject obj, string path)
    {
        _obj = obj;
        Path = path;
    }

    public string Path { get; }

    public string PathOf(string key) => JsonPaths.Property(Path, key);

    public bool Has(string key) => _obj.ContainsKey(key);

    /// <summary>The node under <paramref name="key"/> (null when absent or JSON null), marking the key as used.</summary>
    public JsonNode? Node(string key)
    {
        _used.Add(key);
        return _obj.TryGetPropertyValue(key, out JsonNode? n) ? n : null;
    }

    public JsonObject RequiredObject(string key)
    {
        JsonNode? n = Node(key);
        if (!Has(key))
        {
            throw Missing(key, "an object");
        }

        return n as JsonObject ?? throw WrongKey(key, "an object", n);
    }

    public JsonObject? OptionalObject(string key)
    {
        JsonNode? n = Node(key);
        if (!Has(key))
        {
            return null;
        }

        return n as JsonObject ?? throw WrongKey(key, "an object", n);
    }

    public JsonArray? OptionalArray(string key, bool nullAllowed = false)
    {
        JsonNode? n = Node(key);
        if (!Has(key) || (n is null && nullAllowed))
        {
            return null;
        }

        return n as JsonArray ?? throw WrongKey(key, nullAllowed ? "an array or null" : "an array", n);
    }

    public string RequiredString(string key)
    {
        JsonNode? n = Node(key);
        if (!Has(key))
        {
            throw Missing(key, "a string");
        }

        return AsString(n, PathOf(key), "a string");
    }

    public string String(string key, string fallback)
    {
        JsonNode? n = Node(key);
        return Has(key) ? AsString(n, PathOf(key), "a string") : fallback;
    }

    public string? NullableString(string key, string? fallback)
    {
        JsonNode? n = Node(key);
        if (!Has(key))
        {
            return fallback;
        }

        return n is null ? null : AsString(n, PathOf(key), "a string or null");
    }

    public bool Bool(string key, bool fallback)
    {
        JsonNode? n = Node(key);
        if (!Has(key))
        {
            return fallback;
        }

        if (n is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return v.GetValue<bool>();
        }

        throw WrongKey(key, "true or false", n);
    }

    public int Int(string key, int fallback) => Has(key) ? AsInt(Node(key), PathOf(key), "an integer") : fallback;

    public int? NullableInt(string key, int? fallback)
    {
        JsonNode? n = Node(key);
        if (!Has(key))
        {
            return fallback;
        }

        return n is null ? null : AsInt(n, PathOf(key), "an integer or null");
    }

    public int RequiredInt(string key)
    {
        JsonNode? n = Node(key);
        if (!Has(key))
        {
            throw Missing(key, "an integer");
        }

        return AsInt(n, PathOf(key), "an integer");
    }

    public ulong ULong(string key, ulong fallback)
    {
        JsonNode? n = Node(key);
        if (!Has(key))
        {
            return fallback;
        }

        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && ulong.TryParse(v.ToJsonString(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong u))
        {
            return u;
        }

        throw WrongKey(key, "an integer in [0, 18446744073709551615]", n);
    }

    public double Double(string key, double fallback)
    {
        JsonNode? n = Node(key);
        if (!Has(key))
        {
            return fallback;
        }

        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            return double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        throw WrongKey(key, "a number", n);
    }

    public T Enum<T>(string key, IReadOnlyList<(T Value, string Name)> table, T fallback)
        where T : struct, Enum
    {
        JsonNode? n = Node(key);
        return Has(key) ? AsEnum(n, PathOf(key), table) : fallback;
    }

    public T RequiredEnum<T>(string key, IReadOnlyList<(T Value, string Name)> table)
        where T : struct, Enum
    {
        JsonNode? n = Node(key);
        if (!Has(key))
        {
            throw Missing(key, JsonNames.Choices(table));
        }

        return AsEnum(n, PathOf(key), table);
    }

    public List<string>? StringList(string key, bool nullAllowed)
    {
        JsonArray? a = OptionalArray(key, nullAllowed);
        if (a is null)
        {
            return null;
        }

        var list = new List<string>(a.Count);
        for (int i = 0; i < a.Count; i++)
        {
            list.Add(AsString(a[i], JsonPaths.Index(PathOf(key), i), "a string"));
        }

        return list;
    }

    public List<int>? IntList(string key)
    {
        JsonArray? a = OptionalArray(key);
        if (a is null)
        {
            return null;
        }

        var list = new List<int>(a.Count);
        for (int i = 0; i < a.Count; i++)
        {
            list.Add(AsInt(a[i], JsonPaths.Index(PathOf(key), i), "an integer"));
        }

        return list;
    }

    /// <summary>Fails on the first key that no getter asked for.</summary>
    /// <param name="known">The keys this object may have, for the message.</param>
    public void EnsureNoUnknownKeys(string known)
    {
        foreach (KeyValuePair<string, JsonNode?> kv in _obj)
        {
            if (!_used.Contains(kv.Key))
            {
                throw new PipelineConfigException(PathOf(kv.Key), $"unknown key; expected {known}.");
            }
        }
    }

    public PipelineConfigException Missing(string key, string what) =>
        new(PathOf(key), $"required key is missing (expected {what}).");

    public PipelineConfigException WrongKey(string key, string what, JsonNode? got) => Wrong(PathOf(key), what, got);

    public static PipelineConfigException Wrong(string path, string what, JsonNode? got) =>
        new(path, $"expected {what}, got {Describe(got)}.");

    public static string AsString(JsonNode? n, string path, string what)
    {
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return v.GetValue<string>();
        }

        throw Wrong(path, what, n);
    }

    public static int AsInt(JsonNode? n, string path, string what)
    {
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            double d = double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
            if (d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue)
            {
                return (int)d;
            }
        }

        throw Wrong(path, what, n);
    }

    public static T AsEnum<T>(JsonNode? n, string path, IReadOnlyList<(T Value, string Name)> table)
        where T : struct, Enum
    {
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.String && JsonNames.Parse(table, v.GetValue<string>()) is T value)
        {
            return value;
        }

        throw Wrong(path, JsonNames.Choices(table), n);
    }

    /// <summary>Compact JSON text of a value for messages (long values cut at 80 characters).</summary>
    public static string Describe(JsonNode? n)
    {
        if (n is null)
        {
            return "null";
        }

        string s = n.ToJsonString(JsonPaths.CompactOptions);
        return s.Length <= 80 ? s : s[..77] + "...";
    }
}

/// <summary>JSON paths (<c>$.a.b[0]['odd key']</c>) and the writer options of pipeline configurations.</summary>
internal static class JsonPaths
{
    public static readonly JsonSerializerOptions CompactOptions = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonSerializerOptions IndentedOptions = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

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

    public static string Num(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
