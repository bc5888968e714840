using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.Training.Persistence;

/// <summary>
/// A trained <see cref="NeuralModel"/> with what it takes to score new data: the <see cref="DatasetSchema"/> that
/// featurizes raw CSV rows, the fitted <see cref="AffineNormalizer"/>, and the training configuration — saved to and
/// loaded from one versioned binary file.
/// </summary>
/// <remarks>
/// <para>
/// File format (version <see cref="FormatVersion"/>): the 8-byte ASCII magic <see cref="FileMagic"/>, an int32 format
/// version, an int64 payload length, the payload, and the CRC-32 (IEEE) of the payload; all numbers little-endian. The
/// payload holds the model options and layer widths, every kernel and bias (name, shape, float32 values), then the
/// optional schema, normalizer and training configuration, each behind a presence byte. Saving is deterministic: the
/// same model gives the same bytes.
/// </para>
/// <para>
/// Loading checks everything before building anything: magic, version, payload length against the data, CRC, and
/// every field with its range (task and other enums, layer count, widths ≥ 1, output width, dropout in [0, 1),
/// parameter names, shapes and value counts, finite weights, string lengths and UTF-8, category and class counts,
/// schema consistency, normalizer size, no trailing bytes). Any failure is an <see cref="InvalidDataException"/> whose
/// message names the file and the field, e.g. <c>model file 'x.mlnm': field 'layers[1].width': 0 is out of range [1, 2147483647].</c>
/// </para>
/// <para>Not thread-safe (like <see cref="NeuralModel"/>): use one instance per thread for concurrent scoring.</para>
/// </remarks>
public sealed class TrainedModel
{
    /// <summary>The 8-byte ASCII magic at the start of a model file.</summary>
    public const string FileMagic = "MLNMODEL";

    // Model file format versions (the full field list of each is in ModelFile.cs):
    //   1: magic "MLNMODEL", int32 version, int64 payload length, payload, uint32 CRC-32 of the payload. Payload: model
    //      options and layer widths, parameters (name, rank, shape, length, float32 values), then schema, normalizer and
    //      training config, each behind a presence byte.

    /// <summary>The model file format version this build writes (and the newest it reads).</summary>
    public const int FormatVersion = 1;

    private const int PredictChunkRows = 256;

    /// <summary>Bundles a model with its featurization.</summary>
    /// <param name="model">The network (held by reference, not copied).</param>
    /// <param name="schema">How raw CSV rows become features, or null; its feature count must be <see cref="NeuralModel.InputCount"/>, its task the model's.</param>
    /// <param name="normalizer">The fitted normalizer applied to features before the model, or null; its feature count must be <see cref="NeuralModel.InputCount"/>.</param>
    /// <param name="trainingConfigJson">The configuration the model was trained from (opaque text), or null.</param>
    /// <exception cref="ArgumentException">The schema or the normalizer does not fit the model (the parameter names which).</exception>
    public TrainedModel(NeuralModel model, DatasetSchema? schema = null, AffineNormalizer? normalizer = null, string? trainingConfigJson = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (schema != null)
        {
            if (schema.FeatureCount != model.InputCount)
            {
                throw new ArgumentException($"The schema has {schema.FeatureCount} features; the model expects {model.InputCount} (InputCount).", nameof(schema));
            }

            if (schema.Task != model.Options.Task)
            {
                throw new ArgumentException($"The schema's task is {schema.Task}; the model's is {model.Options.Task}.", nameof(schema));
            }

            if (schema.Task == TaskKind.MulticlassClassification && schema.ClassCount != model.OutputCount)
            {
                throw new ArgumentException($"The schema has {schema.ClassCount} classes; the model has {model.OutputCount} outputs.", nameof(schema));
            }
        }

        if (normalizer != null && normalizer.FeatureCount != model.InputCount)
        {
            throw new ArgumentException($"The normalizer has {normalizer.FeatureCount} features; the model expects {model.InputCount} (InputCount).", nameof(normalizer));
        }

        Model = model;
        Schema = schema;
        Normalizer = normalizer;
        TrainingConfigJson = trainingConfigJson;
    }

    /// <summary>The network.</summary>
    public NeuralModel Model { get; }

    /// <summary>How raw CSV rows become features (columns, categories, classes, label, task), or null.</summary>
    public DatasetSchema? Schema { get; }

    /// <summary>The normalizer applied to raw features before the model, or null.</summary>
    public AffineNormalizer? Normalizer { get; }

    /// <summary>The configuration the model was trained from, or null.</summary>
    public string? TrainingConfigJson { get; }

    /// <summary>Features per example (before and after normalization).</summary>
    public int InputCount => Model.InputCount;

    /// <summary>Predictions per example: 1 (regression value or P(class 1)), or the class count (probabilities).</summary>
    public int OutputCount => Model.OutputCount;

    /// <summary>
    /// Saves to a file atomically: the model is written to a temporary file in the same folder, flushed to disk, then
    /// renamed over <paramref name="path"/>. On any failure the temporary file is removed and an existing file at
    /// <paramref name="path"/> is left as it was.
    /// </summary>
    /// <param name="path">The model file (by convention <c>.mlnm</c>).</param>
    /// <exception cref="InvalidOperationException">A weight is not finite (such a model could not be loaded back).</exception>
    /// <exception cref="IOException">The folder does not exist or the file cannot be written.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ModelPayloadWriter payload = ModelFile.WritePayload(this, recordLayout: false);
        SaveAtomic(path, s => ModelFile.WriteFile(s, payload.Written));
    }

    /// <summary>Writes the model file to a stream (from its current position; the stream is left open).</summary>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="InvalidOperationException">A weight is not finite (nothing is written).</exception>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ModelPayloadWriter payload = ModelFile.WritePayload(this, recordLayout: false);
        ModelFile.WriteFile(stream, payload.Written);
    }

    /// <summary>Loads a model file written by <see cref="Save(string)"/>; the file must hold exactly one model.</summary>
    /// <param name="path">The model file.</param>
    /// <returns>The model with its schema, normalizer and configuration.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted, of another kind or version, or a field is out of range; the message names the file and the field.</exception>
    public static TrainedModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string source = $"model file '{path}'";
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        TrainedModel model = ModelFile.Read(f, source);
        if (f.Position != f.Length)
        {
            throw ModelPayloadReader.Error(source, "file_length", string.Create(CultureInfo.InvariantCulture, $"{f.Length - f.Position} unexpected bytes after the CRC (the file is {f.Length} bytes, the model {f.Position})."));
        }

        return model;
    }

    /// <summary>Reads one model from a stream and leaves the stream just after it (so models can follow each other in a stream).</summary>
    /// <param name="stream">A readable stream positioned at a model file.</param>
    /// <returns>The model with its schema, normalizer and configuration.</returns>
    /// <exception cref="InvalidDataException">The data is truncated, corrupted, of another kind or version, or a field is out of range; the message names the field.</exception>
    public static TrainedModel Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ModelFile.Read(stream, "model stream");
    }

    /// <summary>
    /// Predictions for rows of raw (not yet normalized) features: the normalizer is applied to a copy, never to
    /// <paramref name="rawFeatures"/>, then <see cref="NeuralModel.Predict"/> gives the regression value, the
    /// probability of class 1, or the class probabilities.
    /// </summary>
    /// <param name="rawFeatures">Row-major features, <paramref name="rows"/> × <see cref="InputCount"/> (as <see cref="DatasetSchema.EncodeRow(IReadOnlyList{string})"/> gives them).</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="output">Receives <paramref name="rows"/> × <see cref="OutputCount"/> predictions.</param>
    /// <param name="blas">The compute provider; null: <see cref="BlasProviders.Default"/>.</param>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="rows"/> is negative.</exception>
    public void Predict(ReadOnlySpan<float> rawFeatures, int rows, Span<float> output, BlasProvider? blas = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        long need = (long)rows * InputCount;
        if (rawFeatures.Length < need)
        {
            throw new ArgumentException($"rawFeatures has {rawFeatures.Length} values; {rows} rows need {need}.", nameof(rawFeatures));
        }

        if (output.Length < (long)rows * OutputCount)
        {
            throw new ArgumentException($"output has {output.Length} values; {rows} rows need {(long)rows * OutputCount}.", nameof(output));
        }

        blas ??= BlasProviders.Default;
        if (Normalizer is null)
        {
            Model.Predict(blas, rawFeatures[..(int)need], rows, output);
            return;
        }

        // Normalize a chunk at a time into scratch; chunks of 256 rows match the model's own scoring blocks.
        int f = InputCount;
        int chunk = Math.Min(rows, PredictChunkRows);
        float[] scratch = ArrayPool<float>.Shared.Rent(Math.Max(1, chunk * f));
        try
        {
            for (int start = 0; start < rows; start += chunk)
            {
                int n = Math.Min(chunk, rows - start);
                Span<float> x = scratch.AsSpan(0, n * f);
                rawFeatures.Slice(start * f, n * f).CopyTo(x);
                Normalizer.Transform(x, f);
                Model.Predict(blas, x, n, output.Slice(start * OutputCount, n * OutputCount));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Featurizes one raw CSV row with the <see cref="Schema"/>, normalizes it and predicts: the regression value, the
    /// probability of class 1, or the class probabilities (indexed like <see cref="DatasetSchema.ClassNames"/>).
    /// </summary>
    /// <param name="csvFields">The raw fields, with or without the label field (see <see cref="DatasetSchema.EncodeRow(IReadOnlyList{string})"/>).</param>
    /// <param name="blas">The compute provider; null: <see cref="BlasProviders.Default"/>.</param>
    /// <returns><see cref="OutputCount"/> predictions.</returns>
    /// <exception cref="InvalidOperationException">The model has no schema.</exception>
    /// <exception cref="CsvFormatException">The field count is wrong, or a value is missing or not a number.</exception>
    public float[] PredictRow(IReadOnlyList<string> csvFields, BlasProvider? blas = null)
    {
        ArgumentNullException.ThrowIfNull(csvFields);
        if (Schema is null)
        {
            throw new InvalidOperationException("This model has no schema to featurize raw rows with; use Predict with features.");
        }

        float[] features = Schema.EncodeRow(csvFields);
        Normalizer?.Transform(features, InputCount);
        var output = new float[OutputCount];
        Model.Predict(blas ?? BlasProviders.Default, features, 1, output);
        return output;
    }

    /// <summary>Where each payload field goes when this model is saved (for tests that corrupt a chosen field).</summary>
    /// <returns>The fields in file order, with offsets relative to the payload.</returns>
    internal IReadOnlyList<ModelFieldLocation> GetPayloadLayout() => ModelFile.WritePayload(this, recordLayout: true).Layout;

    /// <summary>Runs <paramref name="write"/> on a temporary file next to <paramref name="path"/>, then renames it over <paramref name="path"/>; removes the temporary file on failure.</summary>
    /// <param name="path">The destination.</param>
    /// <param name="write">Writes the content.</param>
    internal static void SaveAtomic(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(f);
                f.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            try
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
            catch (IOException)
            {
                // Keep the original exception; a leftover temporary file is harmless.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
