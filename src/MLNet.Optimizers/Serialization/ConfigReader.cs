using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Serialization;

/// <summary>Reads a JSON object key by key, tracks which keys were used, and reports errors with their JSON path.</summary>
internal sealed class ConfigReader
{
    private readonly JsonObject _obj;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public ConfigReader(JsonObject obj, string path)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ConfigJson.EnsureUsable(obj, path);
        _obj = obj;
        Path = path;
    }

    public string Path { get; }

    public string PathOf(string key) => Path + "." + key;

    public bool Has(string key) => _obj.ContainsKey(key);

    /// <summary>Runs <paramref name="assign"/> when the key is present, wrapping validation errors with the path.</summary>
    public void Set(string key, Action<string> assign)
    {
        if (!_obj.ContainsKey(key))
        {
            return;
        }

        _used.Add(key);
        try
        {
            assign(key);
        }
        catch (OptimizerConfigException)
        {
            throw;
        }
        catch (ArgumentException e)
        {
            throw new OptimizerConfigException(PathOf(key), StripParam(e), e);
        }
        catch (InvalidOperationException e)
        {
            throw new OptimizerConfigException(PathOf(key), e.Message, e);
        }
    }

    private static string StripParam(ArgumentException e)
    {
        string m = e.Message;
        int k = m.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (k >= 0)
        {
            m = m[..k];
        }

        int nl = m.IndexOf('\n');
        return nl >= 0 ? m[..nl].TrimEnd() : m;
    }

    public JsonNode? Node(string key)
    {
        _used.Add(key);
        return _obj[key];
    }

    public double Double(string key, double fallback) => NullableDouble(key) ?? fallback;

    public double? NullableDouble(string key)
    {
        JsonNode? n = Node(key);
        if (n is null)
        {
            return null;
        }

        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            return Number(v);
        }

        throw new OptimizerConfigException(PathOf(key), $"expected a number or null, got {Describe(n)}.");
    }

    public long? NullableLong(string key)
    {
        JsonNode? n = Node(key);
        if (n is null)
        {
            return null;
        }

        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            double d = Number(v);
            if (d == Math.Floor(d) && Math.Abs(d) < 9e15)
            {
                return (long)d;
            }
        }

        throw new OptimizerConfigException(PathOf(key), $"expected an integer or null, got {Describe(n)}.");
    }

    public long Long(string key, long fallback) => NullableLong(key) ?? fallback;

    public int? NullableInt(string key)
    {
        long? v = NullableLong(key);
        if (v is long l && (l < int.MinValue || l > int.MaxValue))
        {
            throw new OptimizerConfigException(PathOf(key), $"expected a 32-bit integer, got {l}.");
        }

        return (int?)v;
    }

    public bool Bool(string key, bool fallback)
    {
        JsonNode? n = Node(key);
        if (n is JsonValue v && (v.GetValueKind() == JsonValueKind.True || v.GetValueKind() == JsonValueKind.False))
        {
            return v.GetValue<bool>();
        }

        if (n is null)
        {
            return fallback;
        }

        throw new OptimizerConfigException(PathOf(key), $"expected true or false, got {Describe(n)}.");
    }

    public string String(string key, string fallback)
    {
        JsonNode? n = Node(key);
        if (n is null)
        {
            return fallback;
        }

        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return v.GetValue<string>();
        }

        throw new OptimizerConfigException(PathOf(key), $"expected a string, got {Describe(n)}.");
    }

    public void EnsureNoUnknownKeys()
    {
        foreach (KeyValuePair<string, JsonNode?> kv in _obj)
        {
            if (!_used.Contains(kv.Key))
            {
                throw new OptimizerConfigException(PathOf(kv.Key), "unknown key (not an argument of this class).");
            }
        }
    }

    /// <summary>A JSON number as a double, whether parsed or created in code from any numeric type.</summary>
    public static double Number(JsonValue v) => double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    public static string Describe(JsonNode? n) => n is null ? "null" : n.ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    public static string Num(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
