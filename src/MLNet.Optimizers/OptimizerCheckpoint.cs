using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MLNet.Optimizers.IO;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers;

public abstract partial class Optimizer
{
    /// <summary>The 8-byte magic at the start of an optimizer checkpoint.</summary>
    public const string CheckpointMagic = "MLNOPTCK";

    // Checkpoint format versions:
    //   1: magic, int32 version, int64 payload length, payload, uint32 CRC-32 of the payload. Payload: class name,
    //      Keras config JSON, weight-decay exclusions (name patterns, excluded parameter names), non-finite policy,
    //      raw iterations, skipped steps, then per parameter: name, rank, dims, slot count, per slot: name, length, floats.

    /// <summary>The checkpoint format version this build writes (and the newest it reads).</summary>
    public const int CheckpointVersion = 1;

    private const long MaxPayload = 1L << 40;

    /// <summary>
    /// Writes the full optimizer state — config, weight-decay exclusions, iterations, every slot, EMA averages and
    /// gradient accumulators — in the versioned binary checkpoint format.
    /// </summary>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="InvalidOperationException">Not built.</exception>
    public void SaveState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        EnsureBuilt();
        using var payload = new MemoryStream();
        using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(ClassName);
            w.Write(GetConfig().ToJsonString());
            w.Write(_excludedNamePatterns.Count);
            foreach (string s in _excludedNamePatterns)
            {
                w.Write(s);
            }

            var excludedNames = new List<string>();
            foreach (Parameter p in _excludedParameters)
            {
                excludedNames.Add(p.Name);
            }

            w.Write(excludedNames.Count);
            foreach (string s in excludedNames)
            {
                w.Write(s);
            }

            w.Write((int)NonFiniteGradientPolicy);
            w.Write(_rawIterations);
            w.Write(SkippedSteps);
            w.Write(_parameters.Length);
            for (int i = 0; i < _parameters.Length; i++)
            {
                Parameter p = _parameters[i];
                w.Write(p.Name);
                w.Write(p.Rank);
                foreach (int d in p.ShapeArray)
                {
                    w.Write(d);
                }

                w.Write(_slots[i].Count);
                foreach (Slot s in _slots[i])
                {
                    w.Write(s.Name);
                    w.Write(s.Data.Length);
                    w.Write(MemoryMarshal.AsBytes(s.Data.AsSpan()));
                }
            }
        }

        FramedFile.Write(stream, CheckpointMagic, CheckpointVersion, payload.GetBuffer().AsSpan(0, (int)payload.Length));
        stream.Flush();
    }

    /// <summary>
    /// Saves the state to a file atomically (<see cref="AtomicFile"/>): the file is afterwards the old one or the
    /// complete new one, never half-written, and temporary files left by an interrupted earlier save are removed.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="InvalidOperationException">Not built.</exception>
    /// <exception cref="IOException">The file cannot be written (it is unchanged).</exception>
    public void SaveState(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureBuilt();
        AtomicFile.Write(path, SaveState);
    }

    /// <summary>
    /// Restores the state written by <see cref="SaveState(Stream)"/> into this built optimizer. Everything is checked
    /// before anything changes: magic, version, CRC, class, config, weight-decay exclusions, parameter count, names,
    /// shapes and every slot's name and length. On any mismatch nothing is modified.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the checkpoint.</param>
    /// <exception cref="InvalidDataException">A wrong magic or version, a truncated or corrupted stream, or a state that does not match this optimizer or its parameters (the message names the field).</exception>
    public void LoadState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        EnsureBuilt();
        CheckpointData data = ReadCheckpoint(stream);
        if (data.ClassName != ClassName)
        {
            throw new InvalidDataException($"Checkpoint field 'class_name': the checkpoint is for {data.ClassName}, this optimizer is {ClassName}.");
        }

        string? diff = ConfigDifference(data.Config, GetConfig(), "config");
        if (diff != null)
        {
            throw new InvalidDataException($"Checkpoint field '{diff}': the checkpoint was saved with another configuration; load it with Optimizer.LoadCheckpoint or configure this optimizer the same way.");
        }

        if (!SameList(data.ExcludedPatterns, _excludedNamePatterns))
        {
            throw new InvalidDataException($"Checkpoint field 'exclude_from_weight_decay.var_names': checkpoint has [{string.Join(", ", data.ExcludedPatterns)}], optimizer has [{string.Join(", ", _excludedNamePatterns)}].");
        }

        var excludedNames = new List<string>();
        foreach (Parameter p in _excludedParameters)
        {
            excludedNames.Add(p.Name);
        }

        if (!SameList(data.ExcludedParameterNames, excludedNames))
        {
            throw new InvalidDataException($"Checkpoint field 'exclude_from_weight_decay.var_list': checkpoint excludes [{string.Join(", ", data.ExcludedParameterNames)}], optimizer excludes [{string.Join(", ", excludedNames)}].");
        }

        Restore(data);
    }

    /// <summary>Restores the state from a checkpoint file (see <see cref="LoadState(Stream)"/>).</summary>
    /// <param name="path">The checkpoint file.</param>
    public void LoadState(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        LoadState(f);
    }

    /// <summary>
    /// Rebuilds an optimizer from a checkpoint: its class and config, weight-decay exclusions and non-finite policy,
    /// built for <paramref name="parameters"/> (which must match the saved names and shapes), with the saved state.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the checkpoint.</param>
    /// <param name="parameters">The parameters to optimize, in the saved order.</param>
    /// <param name="options">Resolves a callable learning rate by name, if the optimizer used one.</param>
    /// <returns>The restored optimizer.</returns>
    /// <exception cref="InvalidDataException">A wrong magic or version, a truncated or corrupted stream, or parameters that do not match.</exception>
    public static Optimizer LoadCheckpoint(Stream stream, IReadOnlyList<Parameter> parameters, KerasConfigOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(parameters);
        CheckpointData data = ReadCheckpoint(stream);
        Optimizer o;
        try
        {
            o = KerasConfig.OptimizerFromConfig(data.ClassName, data.Config, options);
        }
        catch (OptimizerConfigException e)
        {
            throw new InvalidDataException($"Checkpoint field 'config': {e.Message}", e);
        }

        o.ExcludeFromWeightDecay(namePatterns: data.ExcludedPatterns);
        var byName = new List<Parameter>();
        foreach (Parameter p in parameters)
        {
            if (data.ExcludedParameterNames.Contains(p.Name))
            {
                byName.Add(p);
            }
        }

        o.ExcludeFromWeightDecay(parameters: byName);
        o.NonFiniteGradientPolicy = data.Policy;
        try
        {
            o.Build(parameters);
        }
        catch (ArgumentException e) when (e.ParamName == "namePatterns")
        {
            throw new InvalidDataException($"Checkpoint field 'exclude_from_weight_decay.var_names': {e.Message}", e);
        }

        o.Restore(data);
        return o;
    }

    private void Restore(CheckpointData data)
    {
        if (data.Parameters.Count != _parameters.Length)
        {
            throw new InvalidDataException($"Checkpoint field 'parameter_count': the checkpoint has {data.Parameters.Count} parameters, the optimizer {_parameters.Length}.");
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            SavedParameter sp = data.Parameters[i];
            Parameter p = _parameters[i];
            if (sp.Name != p.Name)
            {
                throw new InvalidDataException($"Checkpoint field 'parameters[{i}].name': checkpoint '{sp.Name}', optimizer '{p.Name}'.");
            }

            if (!SameShape(sp.Shape, p.ShapeArray))
            {
                throw new InvalidDataException($"Checkpoint field 'parameters[{i}].shape' ('{p.Name}'): checkpoint [{string.Join(", ", sp.Shape)}], parameter {p.ShapeText}.");
            }

            if (sp.Slots.Count != _slots[i].Count)
            {
                throw new InvalidDataException($"Checkpoint field 'parameters[{i}].slot_count' ('{p.Name}'): checkpoint {sp.Slots.Count}, optimizer {_slots[i].Count}.");
            }

            for (int k = 0; k < sp.Slots.Count; k++)
            {
                (string name, float[] values) = sp.Slots[k];
                Slot mine = _slots[i][k];
                if (name != mine.Name || values.Length != mine.Data.Length)
                {
                    throw new InvalidDataException($"Checkpoint field 'parameters[{i}].slots[{k}]' ('{p.Name}'): checkpoint '{name}' [{values.Length}], optimizer '{mine.Name}' [{mine.Data.Length}].");
                }
            }
        }

        // Everything matched: commit.
        for (int i = 0; i < _parameters.Length; i++)
        {
            for (int k = 0; k < _slots[i].Count; k++)
            {
                data.Parameters[i].Slots[k].Values.AsSpan().CopyTo(_slots[i][k].Data);
            }
        }

        _rawIterations = data.RawIterations;
        SkippedSteps = data.SkippedSteps;
        NonFiniteGradientPolicy = data.Policy;
    }

    /// <summary>Reads and checks a checkpoint: every failure is an <see cref="InvalidDataException"/> naming the field.</summary>
    private static CheckpointData ReadCheckpoint(Stream stream)
    {
        Frame frame = FramedFile.Read(stream, CheckpointMagic, CheckpointVersion, "Checkpoint", wholeStream: false, MaxPayload);
        var r = new FieldReader(frame.Payload, "Checkpoint");
        var d = new CheckpointData { ClassName = r.String("class_name", 256) };
        string configJson = r.String("config");
        try
        {
            d.Config = ConfigJson.ParseObject(configJson, "$");
        }
        catch (OptimizerConfigException e)
        {
            throw r.Error("config", e.Message, e);
        }

        int nPatterns = r.Count("excluded_patterns", 1 << 20, 1);
        for (int i = 0; i < nPatterns; i++)
        {
            string pattern = r.String($"exclude_from_weight_decay.var_names[{i}]");
            try
            {
                _ = new Regex(pattern, RegexOptions.CultureInvariant, PatternTimeout);
            }
            catch (ArgumentException e)
            {
                throw r.Error($"exclude_from_weight_decay.var_names[{i}]", $"'{pattern}' is not a valid regular expression: {e.Message}", e);
            }

            d.ExcludedPatterns.Add(pattern);
        }

        int nExcluded = r.Count("excluded_parameters", 1 << 24, 1);
        for (int i = 0; i < nExcluded; i++)
        {
            d.ExcludedParameterNames.Add(r.String($"exclude_from_weight_decay.var_list[{i}]"));
        }

        int policy = r.Int32("non_finite_policy");
        if (!Enum.IsDefined((NonFiniteGradientPolicy)policy))
        {
            throw r.Error("non_finite_policy", $"{policy} is not a known policy.");
        }

        d.Policy = (NonFiniteGradientPolicy)policy;
        d.RawIterations = r.Int64InRange("iterations", 0, long.MaxValue);
        d.SkippedSteps = r.Int64InRange("skipped_steps", 0, long.MaxValue);
        int n = r.Count("parameter_count", 1 << 24, 1);
        for (int i = 0; i < n; i++)
        {
            var sp = new SavedParameter { Name = r.String($"parameters[{i}].name") };
            int rank = r.Count($"parameters[{i}].rank", 64, 4);
            sp.Shape = new int[rank];
            for (int k = 0; k < rank; k++)
            {
                sp.Shape[k] = r.Int32InRange($"parameters[{i}].shape[{k}]", 0, int.MaxValue);
            }

            int nSlots = r.Count($"parameters[{i}].slot_count", 64, 1);
            for (int k = 0; k < nSlots; k++)
            {
                string name = r.String($"parameters[{i}].slots[{k}].name");
                int len = r.Count($"parameters[{i}].slots[{k}].length", int.MaxValue, sizeof(float));
                sp.Slots.Add((name, r.Floats($"parameters[{i}].slots[{k}].values", len)));
            }

            d.Parameters.Add(sp);
        }

        r.EnsureEnd("payload");
        return d;
    }

    private static bool SameShape(int[] a, int[] b) => a.AsSpan().SequenceEqual(b);

    private static bool SameList(List<string> a, List<string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }

    private static string? ConfigDifference(JsonNode? saved, JsonNode? current, string path)
    {
        if (saved is JsonObject so && current is JsonObject co)
        {
            foreach (KeyValuePair<string, JsonNode?> kv in so)
            {
                string? d = ConfigDifference(kv.Value, co[kv.Key], path + "." + kv.Key);
                if (d != null)
                {
                    return d;
                }
            }

            foreach (KeyValuePair<string, JsonNode?> kv in co)
            {
                if (!so.ContainsKey(kv.Key))
                {
                    return path + "." + kv.Key;
                }
            }

            return null;
        }

        string a = saved?.ToJsonString() ?? "null";
        string b = current?.ToJsonString() ?? "null";
        return a == b ? null : $"{path} (checkpoint {a}, optimizer {b})";
    }

    private sealed class CheckpointData
    {
        public string ClassName { get; set; } = "";

        public JsonObject Config { get; set; } = new();

        public List<string> ExcludedPatterns { get; } = new();

        public List<string> ExcludedParameterNames { get; } = new();

        public NonFiniteGradientPolicy Policy { get; set; }

        public long RawIterations { get; set; }

        public long SkippedSteps { get; set; }

        public List<SavedParameter> Parameters { get; } = new();
    }

    private sealed class SavedParameter
    {
        public string Name { get; set; } = "";

        public int[] Shape { get; set; } = Array.Empty<int>();

        public List<(string Name, float[] Values)> Slots { get; } = new();
    }
}
