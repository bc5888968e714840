using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>
/// The run config file (JSON, <c>format_version</c> 1): data, featurization, model, the exact Keras-serialized
/// optimizer, trainer settings and seed — everything <c>train --config</c> needs to repeat a run bit for bit.
/// Reading is strict: an unknown key, a wrong type or a value out of range fails naming its JSON path and the value.
/// </summary>
/// <remarks>Lives behind the backend seam: the pipeline API's config document will replace it.</remarks>
internal static class RunConfigFile
{
    /// <summary>The format version written (and the only one read).</summary>
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes resolved settings as config JSON.</summary>
    /// <param name="s">The settings (task, epochs and optimizer resolved).</param>
    /// <param name="optimizerKeras">The exact Keras-serialized optimizer.</param>
    /// <param name="configDirectory">The folder of the config file; the data path is written relative to it.</param>
    /// <returns>The JSON object.</returns>
    public static JsonObject ToJson(RunSettings s, JsonObject optimizerKeras, string configDirectory)
    {
        string data = s.DataPath is null ? string.Empty : Path.GetRelativePath(Path.GetFullPath(configDirectory), Path.GetFullPath(s.DataPath)).Replace('\\', '/');
        return new JsonObject
        {
            ["format_version"] = FormatVersion,
            ["data"] = new JsonObject
            {
                ["path"] = data,
                ["label"] = s.Label,
                ["task"] = Names.Format(Names.Tasks, s.Task),
                ["separator"] = Names.FormatSeparator(s.Separator),
                ["categorical"] = StringArray(s.Categorical),
                ["ignore"] = StringArray(s.Ignore),
                ["missing_values"] = StringArray(s.MissingValues),
                ["impute"] = Names.Format(Names.Imputations, s.Imputation),
                ["validation_fraction"] = s.ValidationFraction,
            },
            ["normalize"] = Names.Format(Names.Normalizations, s.Normalize),
            ["model"] = new JsonObject
            {
                ["type"] = Names.Format(Names.Models, s.Model),
                ["hidden_layers"] = new JsonArray(s.EffectiveHidden.Select(h => (JsonNode?)JsonValue.Create(h)).ToArray()),
                ["activation"] = Names.Format(Names.Activations, s.Activation),
                ["dropout"] = s.Dropout,
            },
            ["optimizer"] = optimizerKeras.DeepClone(),
            ["trainer"] = new JsonObject
            {
                ["epochs"] = s.Epochs,
                ["batch_size"] = s.BatchSize,
                ["early_stopping_patience"] = s.EarlyStoppingPatience,
                ["restore_best"] = s.RestoreBest,
            },
            ["seed"] = s.Seed,
            ["compute"] = s.Compute,
        };
    }

    /// <summary>Indented JSON text.</summary>
    /// <param name="node">The node.</param>
    /// <returns>The text, ending with a newline.</returns>
    public static string ToText(JsonNode node) => node.ToJsonString(Indented) + "\n";

    /// <summary>Reads a config file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="CliException">Missing (66) or malformed (65).</exception>
    public static RunSettings Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.NoInput, Directory.Exists(path) ? $"config file '{path}' is a folder, not a file." : $"config file '{path}' was not found.");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.NoInput, $"config file '{path}' cannot be read: {e.Message}", e);
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw CliException.BadData($"config file '{path}' is not valid JSON: {OneLine(e.Message)}", e);
        }

        if (root is not JsonObject obj)
        {
            throw Bad(path, "$", "expected a JSON object", root);
        }

        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        return FromJson(obj, path, dir);
    }

    /// <summary>Reads settings from a config object.</summary>
    /// <param name="root">The object.</param>
    /// <param name="source">The file name for messages.</param>
    /// <param name="directory">The folder a relative data path is resolved against.</param>
    /// <returns>The settings.</returns>
    public static RunSettings FromJson(JsonObject root, string source, string directory)
    {
        var r = new Reader(root, "$", source);
        int version = r.Int("format_version", required: true, min: 1, max: int.MaxValue)!.Value;
        if (version != FormatVersion)
        {
            throw Bad(source, "$.format_version", $"this tool reads version {FormatVersion}", root["format_version"]);
        }

        var s = new RunSettings();
        Reader data = r.Object("data", required: true)!;
        string? dataPath = data.String("path", required: false);
        if (!string.IsNullOrEmpty(dataPath))
        {
            s = s with { DataPath = Path.IsPathRooted(dataPath) ? dataPath : Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.Combine(directory, dataPath)) };
        }

        s = s with { Label = data.String("label", required: true) };
        s = s with { Task = data.Enum("task", Names.Tasks, s.Task) };
        string? sep = data.String("separator", required: false);
        if (sep != null)
        {
            if (!Names.TryParseSeparator(sep, out char c))
            {
                throw Bad(source, data.PathOf("separator"), "expected one character (not a quote) or \"tab\"", data.Node("separator"));
            }

            s = s with { Separator = c };
        }

        s = s with
        {
            Categorical = data.Strings("categorical") ?? s.Categorical,
            Ignore = data.Strings("ignore") ?? s.Ignore,
            MissingValues = data.Strings("missing_values") ?? s.MissingValues,
            Imputation = data.Enum("impute", Names.Imputations, s.Imputation),
            ValidationFraction = data.Double("validation_fraction", 0, 0.9) ?? s.ValidationFraction,
        };
        data.EnsureNoUnknownKeys();

        s = s with { Normalize = r.Enum("normalize", Names.Normalizations, s.Normalize) };

        Reader? model = r.Object("model", required: false);
        if (model != null)
        {
            s = s with { Model = model.Enum("type", Names.Models, s.Model) };
            IReadOnlyList<int>? hidden = model.Ints("hidden_layers", 1, 1 << 16);
            if (hidden != null)
            {
                if (s.Model == ModelKind.Linear && hidden.Count > 0)
                {
                    throw Bad(source, model.PathOf("hidden_layers"), "a linear model has no hidden layers", model.Node("hidden_layers"));
                }

                if (s.Model == ModelKind.Mlp && hidden.Count == 0)
                {
                    throw Bad(source, model.PathOf("hidden_layers"), "an MLP needs at least one hidden layer", model.Node("hidden_layers"));
                }

                if (hidden.Count > 0)
                {
                    s = s with { Hidden = hidden };
                }
            }

            s = s with
            {
                Activation = model.Enum("activation", Names.Activations, s.Activation),
                Dropout = model.Double("dropout", 0, 0.95) ?? s.Dropout,
            };
            model.EnsureNoUnknownKeys();
        }

        if (r.Node("optimizer") is JsonNode opt)
        {
            if (opt is not JsonObject o)
            {
                throw Bad(source, "$.optimizer", "expected a Keras-serialized optimizer object", opt);
            }

            try
            {
                KerasConfig.DeserializeOptimizer(o, new KerasConfigOptions { Path = "$.optimizer" });
            }
            catch (OptimizerConfigException e)
            {
                throw CliException.BadData($"config file '{source}': {OneLine(e.Message)}", e);
            }

            string className = o["class_name"]!.GetValue<string>();
            s = s with { Optimizer = new OptimizerSpec { Name = OptimizerSpec.NameOfKerasClass(className)!, Keras = (JsonObject)o.DeepClone() } };
        }

        Reader? trainer = r.Object("trainer", required: false);
        if (trainer != null)
        {
            s = s with
            {
                Epochs = trainer.Int("epochs", required: false, min: 1, max: 1_000_000) ?? s.Epochs,
                BatchSize = trainer.Int("batch_size", required: false, min: 1, max: 1 << 20) ?? s.BatchSize,
                EarlyStoppingPatience = trainer.Int("early_stopping_patience", required: false, min: 1, max: 1_000_000) ?? s.EarlyStoppingPatience,
                RestoreBest = trainer.Bool("restore_best") ?? s.RestoreBest,
            };
            trainer.EnsureNoUnknownKeys();
        }

        JsonNode? seed = r.Node("seed");
        if (seed != null)
        {
            if (seed is not JsonValue sv || !sv.TryGetValue(out ulong seedValue))
            {
                throw Bad(source, "$.seed", "expected a non-negative integer", seed);
            }

            s = s with { Seed = seedValue };
        }

        string? compute = r.String("compute", required: false);
        if (compute != null)
        {
            if (!Names.ComputeProviders.Contains(compute))
            {
                throw Bad(source, "$.compute", $"expected one of {string.Join(", ", Names.ComputeProviders)}", r.Node("compute"));
            }

            s = s with { Compute = compute };
        }

        r.EnsureNoUnknownKeys();
        return s;
    }

    /// <summary>Collapses a message to one line.</summary>
    /// <param name="message">The message.</param>
    /// <returns>One line.</returns>
    public static string OneLine(string message) => string.Join(' ', message.Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static JsonArray StringArray(IReadOnlyList<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static CliException Bad(string source, string path, string expected, JsonNode? got) =>
        CliException.BadData($"config file '{source}': {path}: {expected}, got {(got is null ? "null" : OneLine(got.ToJsonString()))}.");

    /// <summary>Strict reading of one JSON object: every key read is remembered, the rest are errors.</summary>
    private sealed class Reader
    {
        private readonly JsonObject _obj;
        private readonly string _path;
        private readonly string _source;
        private readonly HashSet<string> _read = new(StringComparer.Ordinal);

        public Reader(JsonObject obj, string path, string source)
        {
            _obj = obj;
            _path = path;
            _source = source;
        }

        public string PathOf(string key) => _path + "." + key;

        public JsonNode? Node(string key)
        {
            _read.Add(key);
            return _obj[key];
        }

        public Reader? Object(string key, bool required)
        {
            JsonNode? n = Node(key);
            if (n is null)
            {
                return required ? throw Bad(_source, PathOf(key), "expected an object (required)", n) : null;
            }

            return n is JsonObject o ? new Reader(o, PathOf(key), _source) : throw Bad(_source, PathOf(key), "expected an object", n);
        }

        public string? String(string key, bool required)
        {
            JsonNode? n = Node(key);
            if (n is null)
            {
                return required ? throw Bad(_source, PathOf(key), "expected a string (required)", n) : null;
            }

            return n is JsonValue v && v.TryGetValue(out string? s) ? s : throw Bad(_source, PathOf(key), "expected a string", n);
        }

        public int? Int(string key, bool required, int min, int max)
        {
            JsonNode? n = Node(key);
            if (n is null)
            {
                return required ? throw Bad(_source, PathOf(key), "expected an integer (required)", n) : null;
            }

            if (n is JsonValue v && v.TryGetValue(out int i) && i >= min && i <= max)
            {
                return i;
            }

            throw Bad(_source, PathOf(key), string.Create(CultureInfo.InvariantCulture, $"expected an integer in [{min}, {max}]"), n);
        }

        public double? Double(string key, double min, double max)
        {
            JsonNode? n = Node(key);
            if (n is null)
            {
                return null;
            }

            if (n is JsonValue v && v.TryGetValue(out double d) && d >= min && d <= max)
            {
                return d;
            }

            throw Bad(_source, PathOf(key), string.Create(CultureInfo.InvariantCulture, $"expected a number in [{min}, {max}]"), n);
        }

        public bool? Bool(string key)
        {
            JsonNode? n = Node(key);
            if (n is null)
            {
                return null;
            }

            return n is JsonValue v && v.TryGetValue(out bool b) ? b : throw Bad(_source, PathOf(key), "expected true or false", n);
        }

        public T Enum<T>(string key, IReadOnlyList<(string Name, T Value)> table, T fallback)
        {
            string? s = String(key, required: false);
            if (s is null)
            {
                return fallback;
            }

            return Names.TryParse(table, s, out T value) ? value : throw Bad(_source, PathOf(key), $"expected one of {Names.List(table)}", Node(key));
        }

        public IReadOnlyList<string>? Strings(string key)
        {
            JsonNode? n = Node(key);
            if (n is null)
            {
                return null;
            }

            if (n is JsonArray a && a.All(e => e is JsonValue v && v.TryGetValue(out string? _)))
            {
                return a.Select(e => e!.GetValue<string>()).ToArray();
            }

            throw Bad(_source, PathOf(key), "expected an array of strings", n);
        }

        public IReadOnlyList<int>? Ints(string key, int min, int max)
        {
            JsonNode? n = Node(key);
            if (n is null)
            {
                return null;
            }

            if (n is JsonArray a && a.All(e => e is JsonValue v && v.TryGetValue(out int i) && i >= min && i <= max))
            {
                return a.Select(e => e!.GetValue<int>()).ToArray();
            }

            throw Bad(_source, PathOf(key), string.Create(CultureInfo.InvariantCulture, $"expected an array of integers in [{min}, {max}]"), n);
        }

        public void EnsureNoUnknownKeys()
        {
            foreach (KeyValuePair<string, JsonNode?> kv in _obj)
            {
                if (!_read.Contains(kv.Key))
                {
                    throw CliException.BadData($"config file '{_source}': {PathOf(kv.Key)}: unknown key.");
                }
            }
        }
    }
}
