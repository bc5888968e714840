using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.Tests;

/// <summary>One golden case file (format: TestData/golden/INDEX.md) and the helpers to run it.</summary>
internal sealed class GoldenCase
{
    public const string EnvironmentVariable = "MLNET_OPTIMIZERS_GOLDEN_DIR";

    private GoldenCase(string path, JsonObject root)
    {
        Path = path;
        Root = root;
    }

    public string Path { get; }

    public JsonObject Root { get; }

    public string Name => (string)Root["case"]!;

    public string OptimizerClass => (string)Root["optimizer"]!;

    public JsonObject Config => Root["config"]!.AsObject();

    public JsonObject KerasConfig => Config["keras_config"]!.AsObject();

    public static GoldenCase Load(string path)
    {
        JsonNode? node = JsonNode.Parse(File.ReadAllText(path));
        if (node is not JsonObject o || o["case"] is null || o["steps"] is null)
        {
            throw new InvalidDataException($"{path}: not a golden case file (needs 'case' and 'steps').");
        }

        return new GoldenCase(path, o);
    }

    /// <summary>The bundled folder, and the folder named by MLNET_OPTIMIZERS_GOLDEN_DIR when set.</summary>
    public static IEnumerable<string> Folders()
    {
        yield return System.IO.Path.Combine(AppContext.BaseDirectory, "TestData", "golden");
        string? extra = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(extra))
        {
            if (!Directory.Exists(extra))
            {
                throw new DirectoryNotFoundException($"{EnvironmentVariable}={extra}: no such folder.");
            }

            yield return extra;
        }
    }

    public static IEnumerable<string> CaseFiles() =>
        Folders().SelectMany(f => Directory.GetFiles(f, "*.json", SearchOption.TopDirectoryOnly)).OrderBy(p => p, StringComparer.Ordinal);

    public static float F(JsonNode? n)
    {
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return (string)v! switch
            {
                "NaN" => float.NaN,
                "Infinity" => float.PositiveInfinity,
                "-Infinity" => float.NegativeInfinity,
                string s => throw new InvalidDataException($"unexpected string number '{s}'"),
            };
        }

        return (float)n!.GetValue<double>();
    }

    public static float[] Floats(JsonNode? n) => n!.AsArray().Select(F).ToArray();

    public static int[] Ints(JsonNode? n) => n!.AsArray().Select(x => x!.GetValue<int>()).ToArray();

    /// <summary>Turns the constructor kwargs into a Keras config object (schedules and callables in serialized form).</summary>
    public JsonObject KwargsAsConfig(out Func<string, Func<double>?> resolver)
    {
        var callables = new Dictionary<string, double>();
        var config = new JsonObject();
        foreach (KeyValuePair<string, JsonNode?> kv in Config["constructor_kwargs"]!.AsObject())
        {
            if (kv.Value is JsonObject o && (string?)o["kind"] == "schedule")
            {
                config[kv.Key] = new JsonObject
                {
                    ["module"] = "keras.optimizers.schedules",
                    ["class_name"] = (string)o["class"]!,
                    ["config"] = o["config"]!.DeepClone(),
                    ["registered_name"] = null,
                };
            }
            else if (kv.Value is JsonObject c && (string?)c["kind"] == "callable")
            {
                string name = (string)c["name"]!;
                callables[name] = c["value"]!.GetValue<double>();
                config[kv.Key] = new JsonObject { ["module"] = "builtins", ["class_name"] = "function", ["config"] = name, ["registered_name"] = "function" };
            }
            else
            {
                config[kv.Key] = kv.Value?.DeepClone();
            }
        }

        resolver = name => callables.TryGetValue(name, out double v) ? () => v : null;
        return config;
    }

    public Optimizer CreateOptimizer()
    {
        JsonObject config = KwargsAsConfig(out var resolver);
        Optimizer o = MLNet.Optimizers.Serialization.KerasConfig.OptimizerFromConfig(OptimizerClass, config, new KerasConfigOptions { CallableResolver = resolver });
        if (Config["exclude_from_weight_decay"] is JsonObject ex)
        {
            IEnumerable<string>? names = ex["var_names"]?.AsArray().Select(x => (string)x!).ToList();
            o.ExcludeFromWeightDecay(namePatterns: names);
        }

        return o;
    }

    public Func<string, Func<double>?> Resolver()
    {
        KwargsAsConfig(out var resolver);
        return resolver;
    }

    public List<Parameter> CreateParameters() =>
        Root["variables"]!.AsArray().Select(v => Parameter.Create((string)v!["name"]!, Ints(v["shape"]), Floats(v["initial"]))).ToList();

    public static ReadOnlyMemory<float>?[] Gradients(JsonNode step) =>
        step["gradients"]!.AsArray().Select(g => g is null ? (ReadOnlyMemory<float>?)null : Floats(g)).ToArray();

    public static string S(float f) => f.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>Float comparison that reports the first mismatch.</summary>
internal static class FloatCompare
{
    public static bool SameBits(float a, float b) => BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b) || (float.IsNaN(a) && float.IsNaN(b));

    public static long Ulps(float a, float b)
    {
        if (SameBits(a, b))
        {
            return 0;
        }

        if (float.IsNaN(a) || float.IsNaN(b))
        {
            return long.MaxValue;
        }

        int ia = BitConverter.SingleToInt32Bits(a);
        int ib = BitConverter.SingleToInt32Bits(b);
        long la = ia < 0 ? int.MinValue - (long)ia : ia;
        long lb = ib < 0 ? int.MinValue - (long)ib : ib;
        return Math.Abs(la - lb);
    }
}
