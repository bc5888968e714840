using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Persistence;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>
/// One JSON document that describes a whole pipeline: the data schema, the featurizers, the model, the optimizer (the
/// Keras-compatible config from the core, schedules included), the trainer settings and the seed, with a format version.
/// <see cref="Pipeline.FromConfig"/> turns it into an estimator chain; fitting that chain twice on the same data gives
/// bit-identical models.
/// </summary>
/// <remarks>
/// <para>
/// Reading is strict: a missing required key, a value of the wrong JSON type or out of range, an unknown key at any
/// level (inside the optimizer config too), a key that does not apply (an MLP-only key on a linear model, a
/// regression-only key on a classifier) or an unsupported <c>format_version</c> throws a
/// <see cref="PipelineConfigException"/> naming the JSON path, the reason and the value received. The featurizer chain
/// is checked against the declared columns (every named column exists and has the right type, text features are
/// one-hot encoded), so a configuration that parses can be fitted on data that matches its schema.
/// </para>
/// <para>
/// Writing (<see cref="ToJson"/>) is canonical: every key, defaults included, in a fixed order, indented with two spaces,
/// <c>\n</c> line ends. <c>Parse(ToJson(c))</c> equals <c>c</c>, and a canonical document survives
/// <c>Parse</c> then <c>ToJson</c> byte for byte. The optimizer object is kept exactly as given (not completed with
/// Keras's defaults). Comments and trailing commas are accepted when reading (and dropped when writing).
/// </para>
/// </remarks>
public sealed class PipelineConfig : IEquatable<PipelineConfig>
{
    /// <summary>The <c>format_version</c> this build writes and reads.</summary>
    public const int CurrentFormatVersion = PipelineDefaults.FormatVersion;

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The format version of this object (always <see cref="CurrentFormatVersion"/>).</summary>
    public int FormatVersion => CurrentFormatVersion;

    /// <summary>The pipeline seed: the validation split, weight initialization, shuffling and dropout seeds are derived from it.</summary>
    public ulong Seed { get; set; } = PipelineDefaults.Seed;

    /// <summary>The data schema.</summary>
    public DataConfig Data { get; set; } = new();

    /// <summary>The featurizers, in order (each type at most once: select_columns, replace_missing, one_hot, normalize).</summary>
    public List<FeaturizerConfig> Featurizers { get; set; } = new();

    /// <summary>The model, optimizer and training settings.</summary>
    public TrainerConfig Trainer { get; set; } = new();

    /// <summary>Parses and validates a pipeline configuration.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="PipelineConfigException">Malformed JSON, or an invalid entry (named by its JSON path).</exception>
    public static PipelineConfig Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? root;
        try
        {
            using (JsonDocument doc = JsonDocument.Parse(json, DocumentOptions))
            {
                CheckDuplicateKeys(doc.RootElement, "$");
            }

            root = JsonNode.Parse(json, null, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new PipelineConfigException("$", $"not valid JSON: {e.Message}", e);
        }

        if (root is not JsonObject obj)
        {
            throw JsonConfigReader.Wrong("$", "a JSON object", root);
        }

        var r = new JsonConfigReader(obj, "$");
        if (!r.Has("format_version"))
        {
            throw r.Missing("format_version", $"the integer {CurrentFormatVersion}");
        }

        int version = r.RequiredInt("format_version");
        if (version != CurrentFormatVersion)
        {
            throw new PipelineConfigException(r.PathOf("format_version"), $"unsupported format version {version}; this build reads format version {CurrentFormatVersion}.");
        }

        var c = new PipelineConfig { Seed = r.ULong("seed", PipelineDefaults.Seed) };
        c.Data = DataConfig.Read(new JsonConfigReader(r.RequiredObject("data"), r.PathOf("data")));
        JsonArray? featurizers = r.OptionalArray("featurizers");
        if (featurizers != null)
        {
            for (int i = 0; i < featurizers.Count; i++)
            {
                string p = JsonPaths.Index(r.PathOf("featurizers"), i);
                if (featurizers[i] is not JsonObject f)
                {
                    throw JsonConfigReader.Wrong(p, "a featurizer object", featurizers[i]);
                }

                c.Featurizers.Add(FeaturizerConfig.Read(new JsonConfigReader(f, p)));
            }
        }

        JsonObject? trainer = r.OptionalObject("trainer");
        if (trainer != null)
        {
            c.Trainer = TrainerConfig.Read(new JsonConfigReader(trainer, r.PathOf("trainer")), c.Data.Task);
        }

        r.EnsureNoUnknownKeys("format_version, seed, data, featurizers or trainer");
        c.Validate();
        return c;
    }

    /// <summary>Reads and validates a configuration file.</summary>
    /// <param name="path">The JSON file.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="PipelineConfigException">Malformed JSON or an invalid entry; the message names the file and the JSON path.</exception>
    public static PipelineConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text = File.ReadAllText(path, Encoding.UTF8);
        try
        {
            return Parse(text);
        }
        catch (PipelineConfigException e)
        {
            throw new PipelineConfigException(e.JsonPath, e.Reason, path, e.InnerException ?? e);
        }
    }

    /// <summary>The canonical JSON text (every key, fixed order, two-space indentation, <c>\n</c> line ends, no final line end).</summary>
    /// <returns>The JSON text.</returns>
    /// <exception cref="PipelineConfigException">The configuration is invalid (nothing invalid is ever written).</exception>
    public string ToJson()
    {
        Validate();
        var featurizers = new JsonArray();
        foreach (FeaturizerConfig f in Featurizers)
        {
            featurizers.Add(f.Write());
        }

        var root = new JsonObject
        {
            ["format_version"] = CurrentFormatVersion,
            ["seed"] = Seed,
            ["data"] = Data.Write(),
            ["featurizers"] = featurizers,
            ["trainer"] = Trainer.Write(Data.Task),
        };
        return root.ToJsonString(JsonPaths.IndentedOptions).Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>Writes <see cref="ToJson"/> (plus a final line end) to a file atomically: a temporary file in the same folder, then a rename.</summary>
    /// <param name="path">The JSON file.</param>
    /// <exception cref="PipelineConfigException">The configuration is invalid (the file is not touched).</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = new UTF8Encoding(false).GetBytes(ToJson() + "\n");
        TrainedModel.SaveAtomic(path, s => s.Write(bytes));
    }

    /// <summary>
    /// Checks every value and the featurizer chain against the declared columns; throws the first problem found.
    /// </summary>
    /// <exception cref="PipelineConfigException">An entry is invalid; the JSON path says which.</exception>
    public void Validate()
    {
        if (Data is null)
        {
            throw new PipelineConfigException("$.data", "expected a data object, got null.");
        }

        Data.Validate("$.data");
        if (Featurizers is null)
        {
            throw new PipelineConfigException("$.featurizers", "expected an array, got null.");
        }

        ValidateChain(Data, Featurizers);
        if (Trainer is null)
        {
            throw new PipelineConfigException("$.trainer", "expected a trainer object, got null.");
        }

        Trainer.Validate("$.trainer", Data.Task);
    }

    /// <summary>
    /// Sensible defaults for a data schema: <c>replace_missing</c> (mean), <c>one_hot</c> for the text feature columns
    /// (when there are any), <c>min_max</c> normalization, an MLP with one hidden layer of
    /// <see cref="PipelineDefaults.DefaultHiddenLayers"/> ReLU units, Lion (learning rate
    /// <see cref="PipelineDefaults.DefaultLearningRate"/>, weight decay <see cref="PipelineDefaults.DefaultWeightDecay"/>,
    /// biases exempt), <see cref="PipelineDefaults.DefaultEpochs"/> epochs with
    /// <see cref="PipelineDefaults.DefaultValidationFraction"/> of the rows held out for early stopping (patience
    /// <see cref="PipelineDefaults.DefaultEarlyStoppingPatience"/>), seed <see cref="PipelineDefaults.Seed"/>.
    /// </summary>
    /// <param name="data">The data schema (copied).</param>
    /// <returns>A valid configuration.</returns>
    /// <exception cref="PipelineConfigException">The data schema is invalid.</exception>
    public static PipelineConfig CreateDefault(DataConfig data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var c = new PipelineConfig { Seed = PipelineDefaults.Seed, Data = data.Clone() };
        c.Data.Validate("$.data");
        c.Featurizers.Add(new ReplaceMissingConfig { Mode = ReplacementMode.Mean });
        if (data.Columns.Any(col => !data.IsRole(col.Name) && col.Type == ColumnType.Text))
        {
            c.Featurizers.Add(new OneHotConfig());
        }

        c.Featurizers.Add(new NormalizeConfig { Kind = NormalizerKind.MinMax, FixZero = true });
        c.Trainer = new TrainerConfig
        {
            Model = ModelConfig.Mlp(Activation.ReLU, PipelineDefaults.DefaultHiddenLayers.ToArray()),
            Epochs = PipelineDefaults.DefaultEpochs,
            ValidationFraction = PipelineDefaults.DefaultValidationFraction,
            EarlyStoppingPatience = PipelineDefaults.DefaultEarlyStoppingPatience,
        };
        c.Trainer.SetOptimizer(new Lion(PipelineDefaults.DefaultLearningRate) { WeightDecay = PipelineDefaults.DefaultWeightDecay });
        c.Validate();
        return c;
    }

    /// <summary>
    /// Sensible defaults for a CSV file: its columns and task from <see cref="DataConfig.InferFromCsv"/>, then
    /// <see cref="CreateDefault(DataConfig)"/>.
    /// </summary>
    /// <param name="csvPath">The training file.</param>
    /// <param name="label">The label column.</param>
    /// <param name="task">The task, or null to infer it from the label values.</param>
    /// <param name="separator">The field separator.</param>
    /// <param name="hasHeader">Whether the file has a header row.</param>
    /// <returns>A valid configuration.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CsvFormatException">The file cannot be read as described (see <see cref="DataConfig.InferFromCsv"/>).</exception>
    public static PipelineConfig CreateDefault(string csvPath, string label, TaskKind? task = null, char separator = PipelineDefaults.Separator, bool hasHeader = PipelineDefaults.HasHeader) =>
        CreateDefault(DataConfig.InferFromCsv(csvPath, label, task, separator, hasHeader));

    /// <summary>A deep copy.</summary>
    /// <returns>A new object with the same values.</returns>
    public PipelineConfig Clone() => new()
    {
        Seed = Seed,
        Data = Data.Clone(),
        Featurizers = Featurizers.Select(f => f.Clone()).ToList(),
        Trainer = Trainer.Clone(),
    };

    /// <inheritdoc />
    public bool Equals(PipelineConfig? other) =>
        other is not null
        && Seed == other.Seed
        && Equals(Data, other.Data)
        && Featurizers.SequenceEqual(other.Featurizers)
        && Equals(Trainer, other.Trainer);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PipelineConfig);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Seed, Data, Featurizers.Count, Trainer);

    /// <inheritdoc />
    public override string ToString() => ToJson();

    /// <summary>Follows the feature columns through the featurizers; throws on the first entry that does not fit the data schema.</summary>
    internal static void ValidateChain(DataConfig data, IReadOnlyList<FeaturizerConfig> featurizers)
    {
        var features = data.Columns.Where(c => !data.IsRole(c.Name)).Select(c => c.Name).ToList();
        var encoded = new HashSet<string>(StringComparer.Ordinal);
        int lastOrder = -1;
        string lastType = string.Empty;
        for (int i = 0; i < featurizers.Count; i++)
        {
            string path = JsonPaths.Index("$.featurizers", i);
            FeaturizerConfig? f = featurizers[i];
            if (f is null)
            {
                throw new PipelineConfigException(path, "expected a featurizer object, got null.");
            }

            f.ValidateValues(path);
            if (f.Order <= lastOrder)
            {
                throw new PipelineConfigException(
                    JsonPaths.Property(path, "type"),
                    f.Order == lastOrder
                        ? $"\"{f.Type}\" appears twice; each featurizer type may appear once."
                        : $"\"{f.Type}\" cannot come after \"{lastType}\"; featurizers run in the order select_columns, replace_missing, one_hot, normalize (each at most once).");
            }

            lastOrder = f.Order;
            lastType = f.Type;
            switch (f)
            {
                case SelectColumnsConfig s:
                    for (int j = 0; j < s.Columns.Count; j++)
                    {
                        CheckColumn(data, s.Columns[j], JsonPaths.Index(JsonPaths.Property(path, "columns"), j), null);
                    }

                    features = new List<string>(s.Columns);
                    break;
                case OneHotConfig o:
                    List<string> targets;
                    if (o.Columns is null)
                    {
                        targets = features.Where(n => data.TypeOf(n) == ColumnType.Text).ToList();
                        if (targets.Count == 0)
                        {
                            throw new PipelineConfigException(JsonPaths.Property(path, "columns"), "there is no text feature column to encode (the features are all numeric); remove this featurizer.");
                        }
                    }
                    else
                    {
                        targets = o.Columns;
                        for (int j = 0; j < targets.Count; j++)
                        {
                            string cp = JsonPaths.Index(JsonPaths.Property(path, "columns"), j);
                            CheckColumn(data, targets[j], cp, features);
                            if (data.TypeOf(targets[j]) != ColumnType.Text)
                            {
                                throw new PipelineConfigException(cp, $"the column \"{targets[j]}\" is numeric; declare it \"text\" in $.data.columns to one-hot encode it.");
                            }
                        }
                    }

                    encoded.UnionWith(targets);
                    break;
            }
        }

        foreach (string n in features)
        {
            if (data.TypeOf(n) == ColumnType.Text && !encoded.Contains(n))
            {
                throw new PipelineConfigException(
                    "$.featurizers",
                    $"the text column \"{n}\" is a feature but is not one-hot encoded; add {{\"type\": \"one_hot\"}} (or leave the column out with select_columns).");
            }
        }
    }

    private static void CheckColumn(DataConfig data, string name, string path, List<string>? features)
    {
        if (data.TypeOf(name) is null)
        {
            throw new PipelineConfigException(path, $"\"{name}\" is not one of the columns in $.data.columns ({DataConfig.Preview(data.Columns.Select(c => c.Name))}).");
        }

        if (name == data.Label)
        {
            throw new PipelineConfigException(path, $"\"{name}\" is the label column, not a feature.");
        }

        if (name == data.Weight)
        {
            throw new PipelineConfigException(path, $"\"{name}\" is the weight column, not a feature.");
        }

        if (features != null && !features.Contains(name))
        {
            throw new PipelineConfigException(path, $"the column \"{name}\" was left out by select_columns.");
        }
    }

    private static void CheckDuplicateKeys(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty p in e.EnumerateObject())
            {
                string child = JsonPaths.Property(path, p.Name);
                if (!seen.Add(p.Name))
                {
                    throw new PipelineConfigException(child, "the key appears twice in the same object.");
                }

                CheckDuplicateKeys(p.Value, child);
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (JsonElement item in e.EnumerateArray())
            {
                CheckDuplicateKeys(item, JsonPaths.Index(path, i++));
            }
        }
    }
}
