using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.Training.Persistence;

/// <summary>
/// The model file format (see <see cref="TrainedModel"/>): writing, and reading with a check on every field.
/// </summary>
/// <remarks>
/// <para>Model file format versions:</para>
/// <list type="bullet">
/// <item><description>
/// 1: header = 8-byte ASCII magic <c>MLNMODEL</c>, int32 version, int64 payload length; then the payload; then the
/// uint32 CRC-32 (IEEE) of the payload. All numbers little-endian; a string is an int32 UTF-8 byte count and the bytes;
/// a bool is one byte, 0 or 1. Payload, in order (the names are the field names load errors use):
/// <para>Model: <c>input_count</c> int32 ≥ 1; <c>task</c> int32 (<see cref="TaskKind"/>); <c>class_count</c> int32
/// (≥ 2 for multiclass, otherwise stored as is and ignored); <c>layer_count</c> int32 in [1, 65536] (dense layers,
/// the output layer included); <c>layers[i].width</c> int32 ≥ 1 each (the last is the output count: 1, or
/// class_count for multiclass); <c>activation</c> int32; <c>dropout</c> float64 in [0, 1); <c>initializer</c> int32;
/// <c>regression_loss</c> int32; <c>huber_delta</c> float64, finite and &gt; 0; <c>parameter_count</c> int32
/// (= 2 × layer_count); per parameter <c>parameters[i]</c>: <c>.name</c> string (<c>dense/kernel</c>,
/// <c>dense/bias</c>, <c>dense_1/kernel</c>, ...), <c>.rank</c> int32 (2 for a kernel, 1 for a bias),
/// <c>.shape[k]</c> int32 each ([fan_in, fan_out] or [fan_out]), <c>.length</c> int32 (the shape's product),
/// <c>.values</c> float32 × length, all finite.</para>
/// <para>Schema: <c>schema.present</c> bool; if 1: <c>schema.source_column_count</c> int32 ≥ 1 and
/// <c>schema.source_columns[i]</c> strings (non-empty, distinct); <c>schema.label_index</c> int32;
/// <c>schema.weight_index</c> int32 (-1 for none, never the label); <c>schema.task</c> int32 (= the model's);
/// <c>schema.imputation</c> int32 (<see cref="MissingValuePolicy"/>); <c>schema.missing_token_count</c> int32 and
/// <c>schema.missing_tokens[i]</c> strings; <c>schema.class_count</c> int32 (0 regression, 2 binary, the model's class
/// count for multiclass) and <c>schema.class_names[i]</c> strings (distinct); <c>schema.column_count</c> int32 ≥ 1;
/// per feature column <c>schema.columns[i]</c>: <c>.source_index</c> int32 (not the label, the weight or a repeat),
/// <c>.kind</c> int32 (<see cref="ColumnKind"/>), <c>.feature_offset</c> int32 (the running sum of the widths before
/// it), <c>.category_count</c> int32 (0 numeric, ≥ 1 categorical) and <c>.categories[j]</c> strings (distinct),
/// <c>.fill_value</c> float64 (finite). The total feature width must equal input_count.</para>
/// <para>Normalizer: <c>normalizer.present</c> bool; if 1: <c>normalizer.feature_count</c> int32 (= input_count),
/// <c>normalizer.offsets</c> and <c>normalizer.scales</c> float32 × feature_count, finite.</para>
/// <para>Training config: <c>training_config.present</c> bool; if 1: <c>training_config</c> string.</para>
/// <para>No byte may follow the last field. A file holds exactly one model: nothing may follow the CRC.</para>
/// </description></item>
/// </list>
/// <para>A later version appends or changes fields and bumps the version; readers accept versions 1..current.</para>
/// </remarks>
internal static class ModelFile
{
    /// <summary>Bytes before the payload: magic, version, payload length.</summary>
    public const int HeaderSize = 20;

    /// <summary>The most dense layers a file may declare.</summary>
    public const int MaxLayers = 1 << 16;

    private const long MaxPayload = 0x7FFFFFC7; // Array.MaxLength

    /// <summary>Serializes the payload of <paramref name="m"/> (validating that it can be loaded back).</summary>
    /// <param name="m">The model.</param>
    /// <param name="recordLayout">Whether to record the location of every field.</param>
    /// <returns>The payload writer.</returns>
    /// <exception cref="InvalidOperationException">A weight is not finite, or a string is not valid Unicode.</exception>
    public static ModelPayloadWriter WritePayload(TrainedModel m, bool recordLayout)
    {
        NeuralModel model = m.Model;
        ModelOptions o = model.Options;
        var w = new ModelPayloadWriter(recordLayout);
        w.WriteInt32("input_count", model.InputCount);
        w.WriteInt32("task", (int)o.Task);
        w.WriteInt32("class_count", o.ClassCount);
        w.WriteInt32("layer_count", model.LayerCount);
        for (int i = 0; i < model.LayerCount; i++)
        {
            w.WriteInt32(Field($"layers[{i}].width"), i < o.HiddenLayers.Count ? o.HiddenLayers[i] : model.OutputCount);
        }

        w.WriteInt32("activation", (int)o.Activation);
        w.WriteDouble("dropout", o.Dropout);
        w.WriteInt32("initializer", (int)o.Initializer);
        w.WriteInt32("regression_loss", (int)o.RegressionLoss);
        w.WriteDouble("huber_delta", o.HuberDelta);
        w.WriteInt32("parameter_count", model.Parameters.Count);
        for (int i = 0; i < model.Parameters.Count; i++)
        {
            Parameter p = model.Parameters[i];
            string f = Field($"parameters[{i}]");
            ReadOnlySpan<float> values = p.Value.Span;
            for (int j = 0; j < values.Length; j++)
            {
                if (!float.IsFinite(values[j]))
                {
                    throw new InvalidOperationException(
                        string.Create(CultureInfo.InvariantCulture, $"Cannot save the model: value {j} of parameter '{p.Name}' is {values[j]} (not finite); a model with non-finite weights cannot be loaded."));
                }
            }

            w.WriteString(f + ".name", p.Name);
            w.WriteInt32(f + ".rank", p.Rank);
            for (int k = 0; k < p.Rank; k++)
            {
                w.WriteInt32(Field($"{f}.shape[{k}]"), p.Shape[k]);
            }

            w.WriteInt32(f + ".length", p.Length);
            w.WriteFloats(f + ".values", values);
        }

        DatasetSchema? s = m.Schema;
        w.WriteBool("schema.present", s != null);
        if (s != null)
        {
            w.WriteInt32("schema.source_column_count", s.SourceColumns.Count);
            for (int i = 0; i < s.SourceColumns.Count; i++)
            {
                w.WriteString(Field($"schema.source_columns[{i}]"), s.SourceColumns[i]);
            }

            w.WriteInt32("schema.label_index", s.LabelIndex);
            w.WriteInt32("schema.weight_index", s.WeightIndex);
            w.WriteInt32("schema.task", (int)s.Task);
            w.WriteInt32("schema.imputation", (int)s.Imputation);
            w.WriteInt32("schema.missing_token_count", s.MissingValueTokens.Count);
            for (int i = 0; i < s.MissingValueTokens.Count; i++)
            {
                w.WriteString(Field($"schema.missing_tokens[{i}]"), s.MissingValueTokens[i]);
            }

            w.WriteInt32("schema.class_count", s.ClassNames.Count);
            for (int i = 0; i < s.ClassNames.Count; i++)
            {
                w.WriteString(Field($"schema.class_names[{i}]"), s.ClassNames[i]);
            }

            w.WriteInt32("schema.column_count", s.Columns.Count);
            for (int i = 0; i < s.Columns.Count; i++)
            {
                ColumnSchema c = s.Columns[i];
                string f = Field($"schema.columns[{i}]");
                w.WriteInt32(f + ".source_index", c.SourceIndex);
                w.WriteInt32(f + ".kind", (int)c.Kind);
                w.WriteInt32(f + ".feature_offset", c.FeatureOffset);
                w.WriteInt32(f + ".category_count", c.Categories.Count);
                for (int j = 0; j < c.Categories.Count; j++)
                {
                    w.WriteString(Field($"{f}.categories[{j}]"), c.Categories[j]);
                }

                w.WriteDouble(f + ".fill_value", c.FillValue);
            }
        }

        AffineNormalizer? n = m.Normalizer;
        w.WriteBool("normalizer.present", n != null);
        if (n != null)
        {
            var offsets = new float[n.FeatureCount];
            var scales = new float[n.FeatureCount];
            for (int i = 0; i < offsets.Length; i++)
            {
                offsets[i] = n.Offsets[i];
                scales[i] = n.Scales[i];
            }

            w.WriteInt32("normalizer.feature_count", n.FeatureCount);
            w.WriteFloats("normalizer.offsets", offsets);
            w.WriteFloats("normalizer.scales", scales);
        }

        w.WriteBool("training_config.present", m.TrainingConfigJson != null);
        if (m.TrainingConfigJson != null)
        {
            w.WriteString("training_config", m.TrainingConfigJson);
        }

        return w;
    }

    /// <summary>Writes the header, the payload and its CRC.</summary>
    /// <param name="stream">The destination.</param>
    /// <param name="payload">The payload.</param>
    public static void WriteFile(Stream stream, ReadOnlySpan<byte> payload)
    {
        Span<byte> head = stackalloc byte[HeaderSize];
        Encoding.ASCII.GetBytes(TrainedModel.FileMagic, head);
        BinaryPrimitives.WriteInt32LittleEndian(head.Slice(8), TrainedModel.FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(head.Slice(12), payload.Length);
        Span<byte> crc = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, MLNet.Optimizers.Serialization.Crc32.Compute(payload));
        stream.Write(head);
        stream.Write(payload);
        stream.Write(crc);
        stream.Flush();
    }

    /// <summary>Reads one model (header, payload, CRC) and leaves the stream just after it.</summary>
    /// <param name="stream">The source.</param>
    /// <param name="source">What error messages call it.</param>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidDataException">Any field is truncated, corrupted or out of range (the message names it).</exception>
    public static TrainedModel Read(Stream stream, string source)
    {
        Span<byte> head = stackalloc byte[HeaderSize];
        ReadExactly(stream, head[..8], source, "magic");
        if (!head[..8].SequenceEqual(Encoding.ASCII.GetBytes(TrainedModel.FileMagic)))
        {
            throw ModelPayloadReader.Error(source, "magic", $"expected '{TrainedModel.FileMagic}', got '{Printable(head[..8])}' (not a model file).");
        }

        ReadExactly(stream, head.Slice(8, 4), source, "version");
        int version = BinaryPrimitives.ReadInt32LittleEndian(head.Slice(8, 4));
        if (version < 1 || version > TrainedModel.FormatVersion)
        {
            throw ModelPayloadReader.Error(
                source, "version", string.Create(CultureInfo.InvariantCulture, $"this build reads format versions 1..{TrainedModel.FormatVersion}, the file has version {version}."));
        }

        ReadExactly(stream, head.Slice(12, 8), source, "payload_length");
        long length = BinaryPrimitives.ReadInt64LittleEndian(head.Slice(12, 8));
        long available = stream.CanSeek ? stream.Length - stream.Position : -1;
        if (length < 0 || length > MaxPayload || (available >= 0 && length + sizeof(uint) > available))
        {
            string detail = available >= 0
                ? string.Create(CultureInfo.InvariantCulture, $"{length} payload bytes and a 4-byte CRC declared, {available} bytes follow the header (truncated or corrupted).")
                : string.Create(CultureInfo.InvariantCulture, $"{length} is out of range [0, {MaxPayload}].");
            throw ModelPayloadReader.Error(source, "payload_length", detail);
        }

        byte[] payload = ReadPayload(stream, (int)length, available >= 0, source);
        Span<byte> crcBytes = stackalloc byte[sizeof(uint)];
        ReadExactly(stream, crcBytes, source, "crc32");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(crcBytes);
        uint computed = MLNet.Optimizers.Serialization.Crc32.Compute(payload);
        if (stored != computed)
        {
            throw ModelPayloadReader.Error(source, "crc32", $"stored 0x{stored:X8}, computed 0x{computed:X8} (the file is corrupted).");
        }

        return ReadPayload(new ModelPayloadReader(payload, source));
    }

    private static TrainedModel ReadPayload(ModelPayloadReader r)
    {
        // Model options and layer widths.
        int inputCount = r.ReadInt32("input_count", 1, int.MaxValue);
        TaskKind task = r.ReadEnum<TaskKind>("task");
        int classCount = task == TaskKind.MulticlassClassification ? r.ReadInt32("class_count", 2, int.MaxValue) : r.ReadInt32("class_count");
        int outputCount = task == TaskKind.MulticlassClassification ? classCount : 1;
        int layerCount = r.ReadInt32("layer_count", 1, MaxLayers);
        var widths = new int[layerCount + 1];
        widths[0] = inputCount;
        for (int i = 0; i < layerCount; i++)
        {
            string f = Field($"layers[{i}].width");
            int width = r.ReadInt32(f, 1, int.MaxValue);
            if (i == layerCount - 1 && width != outputCount)
            {
                throw r.Error(f, Field($"the output layer has width {width}; a {task} model with class_count {classCount} has {outputCount} outputs."));
            }

            widths[i + 1] = width;
        }

        var options = new ModelOptions
        {
            Task = task,
            ClassCount = classCount,
            HiddenLayers = widths[1..^1],
            Activation = r.ReadEnum<Activation>("activation"),
        };
        double dropout = r.ReadDouble("dropout");
        if (!(dropout >= 0 && dropout < 1))
        {
            throw r.Error("dropout", Field($"{dropout.ToString("R", CultureInfo.InvariantCulture)} is not in [0, 1)."));
        }

        options.Dropout = dropout;
        options.Initializer = r.ReadEnum<WeightInitializer>("initializer");
        options.RegressionLoss = r.ReadEnum<RegressionLoss>("regression_loss");
        double delta = r.ReadDouble("huber_delta");
        if (!(delta > 0) || double.IsInfinity(delta))
        {
            throw r.Error("huber_delta", Field($"{delta.ToString("R", CultureInfo.InvariantCulture)} is not a finite number > 0."));
        }

        options.HuberDelta = delta;

        // Parameters: names and shapes follow from the widths; every value is read (and bounded by the payload) before the model is built.
        r.ReadInt32("parameter_count", 2 * layerCount, 2 * layerCount);
        var values = new float[2 * layerCount][];
        for (int i = 0; i < values.Length; i++)
        {
            int layer = i / 2;
            bool kernel = i % 2 == 0;
            string expectedName = (layer == 0 ? "dense" : Field($"dense_{layer}")) + (kernel ? "/kernel" : "/bias");
            int[] expectedShape = kernel ? new[] { widths[layer], widths[layer + 1] } : new[] { widths[layer + 1] };
            string f = Field($"parameters[{i}]");
            string name = r.ReadString(f + ".name");
            if (name != expectedName)
            {
                throw r.Error(f + ".name", $"expected '{expectedName}', got '{name}'.");
            }

            r.ReadInt32(f + ".rank", expectedShape.Length, expectedShape.Length);
            long product = 1;
            for (int k = 0; k < expectedShape.Length; k++)
            {
                r.ReadInt32(Field($"{f}.shape[{k}]"), expectedShape[k], expectedShape[k]);
                product *= expectedShape[k];
            }

            int length = r.ReadInt32(f + ".length");
            if (length != product)
            {
                throw r.Error(f + ".length", Field($"{length} values declared; the shape [{string.Join(", ", expectedShape)}] holds {product}."));
            }

            values[i] = r.ReadFloats(f + ".values", length, requireFinite: true);
        }

        // Schema.
        DatasetSchema? schema = null;
        if (r.ReadBool("schema.present"))
        {
            schema = ReadSchema(r, inputCount, task, outputCount);
        }

        // Normalizer.
        AffineNormalizer? normalizer = null;
        if (r.ReadBool("normalizer.present"))
        {
            int n = r.ReadInt32("normalizer.feature_count", inputCount, inputCount);
            float[] offsets = r.ReadFloats("normalizer.offsets", n, requireFinite: true);
            float[] scales = r.ReadFloats("normalizer.scales", n, requireFinite: true);
            normalizer = new AffineNormalizer(offsets, scales);
        }

        string? config = r.ReadBool("training_config.present") ? r.ReadString("training_config") : null;
        r.EnsureEnd();

        NeuralModel model;
        try
        {
            model = new NeuralModel(inputCount, options, seed: 0);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(r.Error("model", e.Message).Message, e);
        }

        for (int i = 0; i < values.Length; i++)
        {
            Parameter p = model.Parameters[i];
            if (p.Length != values[i].Length)
            {
                throw r.Error(Field($"parameters[{i}].length"), $"the rebuilt model's '{p.Name}' has {p.Length} values, the file {values[i].Length}.");
            }

            values[i].CopyTo(p.Value);
        }

        return new TrainedModel(model, schema, normalizer, config);
    }

    private static DatasetSchema ReadSchema(ModelPayloadReader r, int inputCount, TaskKind modelTask, int outputCount)
    {
        int sourceCount = r.ReadInt32("schema.source_column_count", 1, int.MaxValue);
        var sources = new List<string>();
        var sourceSet = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < sourceCount; i++)
        {
            string f = Field($"schema.source_columns[{i}]");
            string name = r.ReadString(f);
            if (name.Length == 0)
            {
                throw r.Error(f, "a source column name is empty.");
            }

            if (!sourceSet.Add(name))
            {
                throw r.Error(f, $"the source column name '{name}' repeats.");
            }

            sources.Add(name);
        }

        int labelIndex = r.ReadInt32("schema.label_index", 0, sourceCount - 1);
        int weightIndex = r.ReadInt32("schema.weight_index", -1, sourceCount - 1);
        if (weightIndex == labelIndex)
        {
            throw r.Error("schema.weight_index", Field($"{weightIndex} is the label column's index."));
        }

        TaskKind task = r.ReadEnum<TaskKind>("schema.task");
        if (task != modelTask)
        {
            throw r.Error("schema.task", $"the schema's task {task} differs from the model's {modelTask}.");
        }

        MissingValuePolicy imputation = r.ReadEnum<MissingValuePolicy>("schema.imputation");
        int tokenCount = r.ReadInt32("schema.missing_token_count", 0, int.MaxValue);
        var tokens = new List<string>();
        for (int i = 0; i < tokenCount; i++)
        {
            tokens.Add(r.ReadString(Field($"schema.missing_tokens[{i}]")));
        }

        int classCount = task switch
        {
            TaskKind.Regression => r.ReadInt32("schema.class_count", 0, 0),
            TaskKind.BinaryClassification => r.ReadInt32("schema.class_count", 2, 2),
            _ => r.ReadInt32("schema.class_count", outputCount, outputCount),
        };
        var classes = new List<string>();
        var classSet = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < classCount; i++)
        {
            string f = Field($"schema.class_names[{i}]");
            string name = r.ReadString(f);
            if (!classSet.Add(name))
            {
                throw r.Error(f, $"the class name '{name}' repeats.");
            }

            classes.Add(name);
        }

        int columnCount = r.ReadInt32("schema.column_count", 1, sourceCount);
        var columns = new List<ColumnSchema>();
        var used = new HashSet<int>();
        long offset = 0;
        for (int i = 0; i < columnCount; i++)
        {
            string f = Field($"schema.columns[{i}]");
            int source = r.ReadInt32(f + ".source_index", 0, sourceCount - 1);
            if (source == labelIndex || source == weightIndex || !used.Add(source))
            {
                throw r.Error(f + ".source_index", Field($"{source} ('{sources[source]}') is the label, the weight, or another feature column's source."));
            }

            ColumnKind kind = r.ReadEnum<ColumnKind>(f + ".kind");
            r.ReadInt32(f + ".feature_offset", (int)Math.Min(offset, int.MaxValue), (int)Math.Min(offset, int.MaxValue));
            int categoryCount = kind == ColumnKind.Numeric ? r.ReadInt32(f + ".category_count", 0, 0) : r.ReadInt32(f + ".category_count", 1, int.MaxValue);
            var categories = new List<string>();
            var categorySet = new HashSet<string>(StringComparer.Ordinal);
            for (int j = 0; j < categoryCount; j++)
            {
                string fc = Field($"{f}.categories[{j}]");
                string cat = r.ReadString(fc);
                if (!categorySet.Add(cat))
                {
                    throw r.Error(fc, $"the category '{cat}' repeats.");
                }

                categories.Add(cat);
            }

            double fill = r.ReadDouble(f + ".fill_value");
            if (!double.IsFinite(fill))
            {
                throw r.Error(f + ".fill_value", Field($"{fill.ToString("R", CultureInfo.InvariantCulture)} is not finite."));
            }

            columns.Add(new ColumnSchema(sources[source], source, kind, (int)offset, kind == ColumnKind.Categorical ? categories : null, fill));
            offset += kind == ColumnKind.Numeric ? 1 : categoryCount;
        }

        if (offset != inputCount)
        {
            throw r.Error("schema.feature_count", Field($"the columns give {offset} features; the model has input_count {inputCount}."));
        }

        try
        {
            return new DatasetSchema(sources, columns, sources[labelIndex], task, classes, weightIndex >= 0 ? sources[weightIndex] : null, imputation, tokens);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(r.Error("schema", e.Message).Message, e);
        }
    }

    private static byte[] ReadPayload(Stream stream, int length, bool lengthChecked, string source)
    {
        if (lengthChecked)
        {
            var all = new byte[length];
            ReadExactly(stream, all, source, "payload");
            return all;
        }

        // A stream of unknown length: grow with the data actually read, so a corrupted length cannot force a huge allocation.
        var buffer = new byte[Math.Min(length, 1 << 16)];
        int total = 0;
        while (total < length)
        {
            if (total == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(length, (long)buffer.Length * 2));
            }

            int n = stream.Read(buffer, total, buffer.Length - total);
            if (n == 0)
            {
                throw ModelPayloadReader.Error(source, "payload", string.Create(CultureInfo.InvariantCulture, $"the data ends after {total} of {length} bytes (truncated)."));
            }

            total += n;
        }

        return buffer;
    }

    private static void ReadExactly(Stream s, Span<byte> buffer, string source, string field)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer[total..]);
            if (n == 0)
            {
                throw ModelPayloadReader.Error(source, field, string.Create(CultureInfo.InvariantCulture, $"the data ends after {total} of {buffer.Length} bytes (truncated)."));
            }

            total += n;
        }
    }

    private static string Printable(ReadOnlySpan<byte> b)
    {
        var sb = new StringBuilder();
        foreach (byte x in b)
        {
            sb.Append(x is >= 32 and < 127 ? (char)x : '?');
        }

        return sb.ToString();
    }

    private static string Field(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
