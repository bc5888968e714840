using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Schedules;

namespace MLNet.Optimizers.Serialization;

/// <summary>
/// Keras-compatible configuration: optimizers and schedules to and from the JSON Keras writes
/// (<c>{"module", "class_name", "config", "registered_name"}</c>, snake_case keys, schedules nested as Keras nests them).
/// </summary>
public static class KerasConfig
{
    /// <summary>The optimizer classes this library rebuilds, by Keras class name (those of <see cref="OptimizerRegistry"/>).</summary>
    public static IReadOnlyCollection<string> OptimizerClassNames => OptimizerRegistry.ClassNames;

    /// <summary>The schedule classes this library rebuilds, by Keras class name.</summary>
    public static IReadOnlyCollection<string> ScheduleClassNames { get; } = new[]
    {
        "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
    };

    /// <summary>Rebuilds an optimizer from its Keras class name and <c>get_config()</c> dictionary.</summary>
    /// <param name="className">Keras class name of a registered optimizer (<see cref="OptimizerRegistry"/>: <c>Lion</c>, <c>Adafactor</c>, <c>AdamW</c>, <c>SGD</c>).</param>
    /// <param name="config">The config dictionary.</param>
    /// <param name="options">Callable resolution and error path prefix.</param>
    /// <returns>The optimizer.</returns>
    /// <exception cref="OptimizerConfigException">Unknown class, unknown key, wrong type or invalid value.</exception>
    public static Optimizer OptimizerFromConfig(string className, JsonObject config, KerasConfigOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(className);
        ArgumentNullException.ThrowIfNull(config);
        OptimizerInfo info = OptimizerRegistry.FindByClassName(className)
            ?? throw new OptimizerConfigException((options?.Path ?? "$") + ".class_name", $"unknown optimizer class '{className}'; expected one of {string.Join(", ", OptimizerClassNames)}.");
        return info.FromConfig(config, options);
    }

    /// <summary>Rebuilds an optimizer from Keras's serialized form <c>{"module", "class_name", "config", "registered_name"}</c>.</summary>
    /// <param name="serialized">The serialized optimizer.</param>
    /// <param name="options">Callable resolution and error path prefix.</param>
    /// <returns>The optimizer.</returns>
    /// <exception cref="OptimizerConfigException">A missing or invalid entry (named by its JSON path).</exception>
    public static Optimizer DeserializeOptimizer(JsonObject serialized, KerasConfigOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(serialized);
        string path = options?.Path ?? "$";
        var reader = new ConfigReader(serialized, path);
        string module = reader.String("module", "keras.optimizers");
        if (module != "keras.optimizers")
        {
            throw new OptimizerConfigException(path + ".module", $"expected \"keras.optimizers\", got \"{module}\".");
        }

        string className = reader.String("class_name", "");
        if (reader.Node("config") is not JsonObject config)
        {
            throw new OptimizerConfigException(path + ".config", "expected an object.");
        }

        reader.Node("registered_name");
        reader.EnsureNoUnknownKeys();
        if (OptimizerRegistry.FindByClassName(className) is null)
        {
            throw new OptimizerConfigException(path + ".class_name", $"unknown optimizer class '{className}'; expected one of {string.Join(", ", OptimizerClassNames)}.");
        }

        return OptimizerFromConfig(className, config, new KerasConfigOptions { CallableResolver = options?.CallableResolver, Path = path + ".config" });
    }

    /// <summary>Parses Keras's serialized optimizer from JSON text.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="options">Callable resolution.</param>
    /// <returns>The optimizer.</returns>
    /// <exception cref="OptimizerConfigException">Malformed JSON or an invalid entry.</exception>
    public static Optimizer DeserializeOptimizer(string json, KerasConfigOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        return DeserializeOptimizer(ConfigJson.ParseObject(json, options?.Path ?? "$"), options);
    }

    /// <summary>Rebuilds a schedule from Keras's serialized form <c>{"module": "keras.optimizers.schedules", "class_name", "config"}</c>.</summary>
    /// <param name="serialized">The serialized schedule.</param>
    /// <param name="path">JSON path of <paramref name="serialized"/> for error messages.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="OptimizerConfigException">A missing or invalid entry.</exception>
    public static LearningRateSchedule DeserializeSchedule(JsonObject serialized, string path = "$")
    {
        ArgumentNullException.ThrowIfNull(serialized);
        var reader = new ConfigReader(serialized, path);
        string module = reader.String("module", "keras.optimizers.schedules");
        if (module != "keras.optimizers.schedules")
        {
            throw new OptimizerConfigException(path + ".module", $"expected \"keras.optimizers.schedules\", got \"{module}\".");
        }

        string className = reader.String("class_name", "");
        if (reader.Node("config") is not JsonObject config)
        {
            throw new OptimizerConfigException(path + ".config", "expected an object.");
        }

        reader.Node("registered_name");
        reader.EnsureNoUnknownKeys();
        if (!ScheduleClassNames.Contains(className))
        {
            throw new OptimizerConfigException(path + ".class_name", $"unknown schedule class '{className}'; expected one of {string.Join(", ", ScheduleClassNames)}.");
        }

        return ScheduleFromConfig(className, config, path + ".config");
    }

    /// <summary>Rebuilds a schedule from its Keras class name and <c>get_config()</c> dictionary.</summary>
    /// <param name="className">Keras class name.</param>
    /// <param name="config">The config.</param>
    /// <param name="path">JSON path of <paramref name="config"/> for error messages.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="OptimizerConfigException">Unknown class, unknown key, wrong type or invalid value.</exception>
    public static LearningRateSchedule ScheduleFromConfig(string className, JsonObject config, string path = "$")
    {
        var r = new ConfigReader(config, path);
        LearningRateSchedule s;
        try
        {
            s = className switch
            {
                "ExponentialDecay" => new ExponentialDecay(
                    Req(r, "initial_learning_rate"), ReqLong(r, "decay_steps"), Req(r, "decay_rate"), r.Bool("staircase", false), r.String("name", "ExponentialDecay")),
                "InverseTimeDecay" => new InverseTimeDecay(
                    Req(r, "initial_learning_rate"), ReqLong(r, "decay_steps"), Req(r, "decay_rate"), r.Bool("staircase", false), r.String("name", "InverseTimeDecay")),
                "PolynomialDecay" => new PolynomialDecay(
                    Req(r, "initial_learning_rate"), ReqLong(r, "decay_steps"), r.Double("end_learning_rate", 0.0001), r.Double("power", 1.0), r.Bool("cycle", false), r.String("name", "PolynomialDecay")),
                "CosineDecay" => new CosineDecay(
                    Req(r, "initial_learning_rate"), ReqLong(r, "decay_steps"), r.Double("alpha", 0.0), r.String("name", "CosineDecay"), r.NullableDouble("warmup_target"), r.Long("warmup_steps", 0)),
                "CosineDecayRestarts" => new CosineDecayRestarts(
                    Req(r, "initial_learning_rate"), ReqLong(r, "first_decay_steps"), r.Double("t_mul", 2.0), r.Double("m_mul", 1.0), r.Double("alpha", 0.0), r.String("name", "SGDRDecay")),
                "PiecewiseConstantDecay" => new PiecewiseConstantDecay(
                    LongArray(r, "boundaries"), DoubleArray(r, "values"), r.String("name", "PiecewiseConstant")),
                _ => throw new OptimizerConfigException(path, $"unknown schedule class '{className}'; expected ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay or CosineDecayRestarts."),
            };
        }
        catch (OptimizerConfigException)
        {
            throw;
        }
        catch (ArgumentException e)
        {
            string key = e.ParamName ?? "";
            string msg = e.Message;
            int k = msg.IndexOf(" (Parameter '", StringComparison.Ordinal);
            throw new OptimizerConfigException(key.Length > 0 ? r.PathOf(key) : path, k >= 0 ? msg[..k] : msg, e);
        }

        r.EnsureNoUnknownKeys();
        return s;
    }

    private static double Req(ConfigReader r, string key) =>
        r.NullableDouble(key) ?? throw new OptimizerConfigException(r.PathOf(key), "required number is missing or null.");

    private static long ReqLong(ConfigReader r, string key) =>
        r.NullableLong(key) ?? throw new OptimizerConfigException(r.PathOf(key), "required integer is missing or null.");

    private static List<long> LongArray(ConfigReader r, string key)
    {
        if (r.Node(key) is not JsonArray a)
        {
            throw new OptimizerConfigException(r.PathOf(key), "expected an array of integers.");
        }

        var list = new List<long>();
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && ConfigReader.Number(v) == Math.Floor(ConfigReader.Number(v)) && Math.Abs(ConfigReader.Number(v)) < 9e15)
            {
                list.Add((long)ConfigReader.Number(v));
            }
            else
            {
                throw new OptimizerConfigException($"{r.PathOf(key)}[{i}]", $"expected an integer, got {ConfigReader.Describe(a[i])}.");
            }
        }

        return list;
    }

    private static List<double> DoubleArray(ConfigReader r, string key)
    {
        if (r.Node(key) is not JsonArray a)
        {
            throw new OptimizerConfigException(r.PathOf(key), "expected an array of numbers.");
        }

        var list = new List<double>();
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
            {
                list.Add(ConfigReader.Number(v));
            }
            else
            {
                throw new OptimizerConfigException($"{r.PathOf(key)}[{i}]", $"expected a number, got {ConfigReader.Describe(a[i])}.");
            }
        }

        return list;
    }

    internal static LearningRate ReadLearningRate(ConfigReader reader, string key, KerasConfigOptions? options)
    {
        JsonNode? n = reader.Node(key);
        string path = reader.PathOf(key);
        switch (n)
        {
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                try
                {
                    return LearningRate.Constant(ConfigReader.Number(v));
                }
                catch (ArgumentException e)
                {
                    throw new OptimizerConfigException(path, $"must be a finite float32 number >= 0 (at most 3.4028235E+38), got {ConfigReader.Num(ConfigReader.Number(v))}.", e);
                }

            case JsonObject o when IsCallable(o, path):
                string name = o["config"] is JsonValue cv && cv.GetValueKind() == JsonValueKind.String ? cv.GetValue<string>() : "";
                Func<double>? fn = options?.CallableResolver?.Invoke(name);
                if (fn is null)
                {
                    throw new OptimizerConfigException(path, $"the callable learning rate '{name}' cannot be rebuilt from a config; pass KerasConfigOptions.CallableResolver that knows it.");
                }

                return LearningRate.FromCallback(fn, name);
            case JsonObject o:
                return LearningRate.FromSchedule(DeserializeSchedule(o, path));
            default:
                throw new OptimizerConfigException(path, $"expected a number, a serialized schedule or a serialized callable, got {ConfigReader.Describe(n)}.");
        }
    }

    private static bool IsCallable(JsonObject o, string path)
    {
        ConfigJson.EnsureUsable(o, path);
        return o["module"] is JsonValue m && m.GetValueKind() == JsonValueKind.String && m.GetValue<string>() == "builtins";
    }

    internal static JsonNode WriteLearningRate(LearningRate lr) => lr.Kind switch
    {
        LearningRateKind.Constant => JsonValue.Create((double)lr.ConstantValue),
        LearningRateKind.Schedule => lr.Schedule!.Serialize(),
        _ => new JsonObject
        {
            ["module"] = "builtins",
            ["class_name"] = "function",
            ["config"] = lr.CallbackName,
            ["registered_name"] = "function",
        },
    };
}
