using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Cli.Data;

/// <summary>One chunk of rows read for scoring.</summary>
/// <param name="Raw">The fields as read (file order).</param>
/// <param name="Source">The fields in the model's column order (label field empty when absent).</param>
/// <param name="Lines">The line where each row starts.</param>
internal sealed record ScoringChunk(IReadOnlyList<string[]> Raw, IReadOnlyList<IReadOnlyList<string>> Source, IReadOnlyList<long> Lines);

/// <summary>
/// Reads a CSV file to score with a model: columns are matched by header name (any order, extra columns allowed), every
/// feature column the model was trained on must be present, the label column is optional (required to evaluate).
/// </summary>
internal sealed class ScoringInput : IDisposable
{
    /// <summary>Rows per chunk.</summary>
    public const int ChunkRows = 1024;

    private readonly CsvRecordReader _reader;
    private readonly int[] _map;

    private ScoringInput(string path, CsvRecordReader reader, string[] header, int[] map, int labelIndex)
    {
        Path = path;
        _reader = reader;
        Header = header;
        _map = map;
        LabelIndex = labelIndex;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The header as read.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The label column's index in the file, or -1.</summary>
    public int LabelIndex { get; }

    /// <summary>Opens a file and matches its header to the model's columns.</summary>
    /// <param name="path">The file.</param>
    /// <param name="separator">The separator.</param>
    /// <param name="model">The model.</param>
    /// <param name="requireLabel">Whether the label column must be present.</param>
    /// <returns>The input.</returns>
    /// <exception cref="CliException">Missing file (66), empty file or missing column (65).</exception>
    public static ScoringInput Open(string path, char separator, ScoringModel model, bool requireLabel)
    {
        DataInspector.RequireFile(path, "data file");
        CsvRecordReader reader = DataInspector.OpenReadable(path, separator);
        try
        {
            string[] header = DataInspector.ReadHeader(reader, path);
            var features = new HashSet<string>(model.FeatureColumns, StringComparer.Ordinal);
            var map = new int[model.SourceColumns.Count];
            int labelIndex = Array.IndexOf(header, model.Label);
            for (int i = 0; i < map.Length; i++)
            {
                string column = model.SourceColumns[i];
                map[i] = Array.IndexOf(header, column);
                if (map[i] < 0 && features.Contains(column))
                {
                    throw CliException.BadData(DataInspector.MissingColumnMessage(path, column, "a feature the model was trained on", header));
                }
            }

            if (requireLabel && labelIndex < 0)
            {
                throw CliException.BadData(DataInspector.MissingColumnMessage(path, model.Label, "the label, needed to evaluate", header));
            }

            return new ScoringInput(path, reader, header, map, labelIndex);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Reads the next chunk of rows.</summary>
    /// <returns>The chunk, or null at the end.</returns>
    /// <exception cref="CliException">A row has the wrong number of fields (65).</exception>
    public ScoringChunk? ReadChunk()
    {
        var raw = new List<string[]>();
        var source = new List<IReadOnlyList<string>>();
        var lines = new List<long>();
        while (raw.Count < ChunkRows && DataInspector.ReadRecord(_reader, Path))
        {
            string[] fields = _reader.Fields.ToArray();
            if (fields.Length != Header.Count)
            {
                throw CliException.BadData(string.Create(CultureInfo.InvariantCulture, $"{Path}:{_reader.RecordLine}: expected {Header.Count} fields (one per header column), found {fields.Length}."));
            }

            var row = new string[_map.Length];
            for (int i = 0; i < _map.Length; i++)
            {
                row[i] = _map[i] >= 0 ? fields[_map[i]] : string.Empty;
            }

            raw.Add(fields);
            source.Add(row);
            lines.Add(_reader.RecordLine);
        }

        return raw.Count == 0 ? null : new ScoringChunk(raw, source, lines);
    }

    /// <summary>Scores a chunk, naming the line of a bad value.</summary>
    /// <param name="model">The model.</param>
    /// <param name="chunk">The chunk.</param>
    /// <returns>The predictions.</returns>
    public Prediction[] Predict(ScoringModel model, ScoringChunk chunk)
    {
        try
        {
            return model.Predict(chunk.Source);
        }
        catch (ScoringRowException e)
        {
            throw CliException.BadData(string.Create(CultureInfo.InvariantCulture, $"{Path}:{chunk.Lines[e.Row]}: {(e.Format.ColumnName is null ? string.Empty : $"column '{e.Format.ColumnName}': ")}{e.Format.Detail}."), e);
        }
    }

    /// <summary>Encodes the label of every row of a chunk, naming the line of a bad value.</summary>
    /// <param name="model">The model.</param>
    /// <param name="chunk">The chunk.</param>
    /// <returns>The encoded labels.</returns>
    public float[] Labels(ScoringModel model, ScoringChunk chunk)
    {
        var labels = new float[chunk.Raw.Count];
        for (int i = 0; i < labels.Length; i++)
        {
            string value = chunk.Raw[i][LabelIndex].Trim();
            try
            {
                labels[i] = model.EncodeLabel(value);
            }
            catch (CsvFormatException e)
            {
                string known = model.ClassNames.Count > 0 ? $" (the model's classes: {DataInspector.Preview(model.ClassNames)})" : string.Empty;
                throw CliException.BadData(string.Create(CultureInfo.InvariantCulture, $"{Path}:{chunk.Lines[i]}: label column '{model.Label}': {e.Detail}{known}."), e);
            }
        }

        return labels;
    }

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();
}
