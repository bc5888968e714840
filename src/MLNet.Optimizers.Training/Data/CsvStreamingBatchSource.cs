using System;
using System.IO;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// Mini-batches streamed from a CSV file, featurized with a <see cref="DatasetSchema"/> (typically from
/// <see cref="CsvLoader"/> on the training file, or on a sample of it). The file is re-read every epoch; memory is the
/// shuffle buffer plus the caller's batch, whatever the file size.
/// </summary>
/// <remarks>
/// <para>
/// Without shuffling, rows come in file order. With shuffling, rows pass through a buffer of
/// <c>shuffleBufferRows</c> rows, a <see cref="ShuffleBuffer"/> seeded each epoch with
/// <c>DeterministicRandom.Derive(seed, epoch)</c>. Every row is delivered exactly once per epoch; the order depends only
/// on the seed, the epoch and the file. A buffer at least as large as the file gives a full uniform shuffle.
/// </para>
/// <para>
/// <see cref="Seek"/> re-reads the file from the start of the epoch and skips <c>position</c> rows (cost proportional to
/// the position). <see cref="RowCount"/> is counted by one pass over the file in the constructor.
/// Regression labels go through <see cref="CsvOptions.LabelTransform"/> as in <see cref="CsvLoader"/>.
/// </para>
/// </remarks>
public sealed class CsvStreamingBatchSource : IBatchSource, IDisposable
{
    private readonly string _path;
    private readonly DatasetSchema _schema;
    private readonly CsvOptions _options;
    private readonly RowEncoder _encoder;
    private readonly int _featureCount;
    private readonly float[] _scratch;
    private readonly ShuffleBuffer? _buffer;
    private readonly long _rowCount;
    private CsvTokenizer? _tok;
    private bool _pending;
    private int _epoch = -1;
    private long _position;
    private bool _disposed;

    /// <summary>Creates the source and counts the file's rows.</summary>
    /// <param name="path">The CSV file, with the same columns as the file the schema was built from.</param>
    /// <param name="schema">The featurization (categories, classes, fill values).</param>
    /// <param name="options">How to read the file (separator, header, label transform); its label and weight columns must match the schema.</param>
    /// <param name="batchSize">Rows per batch (also capped by the batch's capacity).</param>
    /// <param name="shuffle">Whether to shuffle through the buffer.</param>
    /// <param name="seed">The shuffle seed.</param>
    /// <param name="shuffleBufferRows">Rows held for shuffling (at least 1).</param>
    /// <param name="transform">An optional in-place featurizer applied to each filled batch.</param>
    /// <exception cref="CsvFormatException">The file is empty or its header does not match the schema.</exception>
    public CsvStreamingBatchSource(string path, DatasetSchema schema, CsvOptions options, int batchSize, bool shuffle, ulong seed, int shuffleBufferRows = 4096, IRowTransform? transform = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(shuffleBufferRows, 1);
        options.Validate();
        if (options.LabelColumn.Trim() != schema.LabelColumn || options.WeightColumn?.Trim() != schema.WeightColumn)
        {
            throw new ArgumentException($"options name label '{options.LabelColumn}' and weight '{options.WeightColumn}'; the schema has '{schema.LabelColumn}' and '{schema.WeightColumn}'.", nameof(options));
        }

        if (options.LabelTransform != null && schema.Task != TaskKind.Regression)
        {
            throw new ArgumentException("CsvOptions.LabelTransform applies to regression labels only.", nameof(options));
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CSV file '{path}' was not found.", path);
        }

        _path = path;
        _schema = schema;
        _options = options;
        _encoder = schema.Encoder;
        _featureCount = schema.FeatureCount;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        ShuffleBufferRows = shuffleBufferRows;
        Transform = transform;
        _scratch = new float[_featureCount];
        if (shuffle)
        {
            _buffer = new ShuffleBuffer(shuffleBufferRows, _featureCount, ReadRow);
        }

        using CsvTokenizer tok = OpenReader(out bool pending);
        long rows = 0;
        while (pending || tok.ReadRecord())
        {
            pending = false;
            rows++;
        }

        if (rows == 0)
        {
            throw new CsvFormatException("the file has no data rows", path, 0, null);
        }

        _rowCount = rows;
    }

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether rows are shuffled through the buffer.</summary>
    public bool Shuffle { get; }

    /// <summary>The shuffle seed.</summary>
    public ulong Seed { get; }

    /// <summary>Rows held for shuffling.</summary>
    public int ShuffleBufferRows { get; }

    /// <summary>The in-place featurizer applied to each batch, or null.</summary>
    public IRowTransform? Transform { get; }

    /// <summary>The featurization.</summary>
    public DatasetSchema Schema => _schema;

    /// <summary>The current epoch (-1 before the first <see cref="StartEpoch"/> or <see cref="Next"/>).</summary>
    public int Epoch => _epoch;

    /// <inheritdoc />
    public int FeatureCount => _featureCount;

    /// <inheritdoc />
    public long? RowCount => _rowCount;

    /// <inheritdoc />
    public long Position => _position;

    /// <inheritdoc />
    public void StartEpoch(int epoch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        _tok?.Dispose();
        _tok = null;
        _tok = OpenReader(out _pending);
        _epoch = epoch;
        _position = 0;
        _buffer?.Start(DeterministicRandom.Derive(Seed, (ulong)epoch));
    }

    /// <inheritdoc />
    /// <remarks>Starts epoch 0 if no epoch was started.</remarks>
    /// <exception cref="CsvFormatException">A row of the file cannot be featurized with the schema.</exception>
    public bool Next(Batch batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(batch);
        int f = _featureCount;
        if (batch.FeatureCount != f)
        {
            throw new ArgumentException($"The batch has {batch.FeatureCount} features; the source has {f}.", nameof(batch));
        }

        if (_epoch < 0)
        {
            StartEpoch(0);
        }

        int max = Math.Min(BatchSize, batch.Capacity);
        int n = 0;
        bool hasWeights = false;
        while (n < max && TryEmit(batch.Features.AsSpan(n * f, f), out batch.Labels[n], out float w))
        {
            batch.Weights[n] = w;
            hasWeights |= w != 1f;
            n++;
        }

        batch.Count = n;
        batch.HasWeights = hasWeights;
        if (n > 0)
        {
            Transform?.Transform(batch.Features.AsSpan(0, n * f), f);
        }

        _position += n;
        return n > 0;
    }

    /// <inheritdoc />
    public void Seek(int epoch, long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, _rowCount);
        StartEpoch(epoch);
        for (long k = 0; k < position; k++)
        {
            if (!TryEmit(_scratch, out _, out _))
            {
                throw new CsvFormatException($"the file has fewer than the {position} rows to skip (did it change?)", _path, 0, null);
            }
        }

        _position = position;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        _disposed = true;
        _tok?.Dispose();
        _tok = null;
    }

    private CsvTokenizer OpenReader(out bool pending)
    {
        CsvTokenizer tok = CsvTokenizer.Open(_path, _options.Separator);
        try
        {
            string[] names = CsvLoader.ReadHeader(tok, _options.HasHeader, _path, out pending);
            if (names.Length != _schema.SourceColumns.Count || (_options.HasHeader && !HeaderMatches(names)))
            {
                throw new CsvFormatException(
                    $"the header ({string.Join(", ", names)}) does not match the schema's columns ({string.Join(", ", _schema.SourceColumns)})",
                    _path,
                    _options.HasHeader ? 1 : 0,
                    null);
            }

            return tok;
        }
        catch
        {
            tok.Dispose();
            throw;
        }
    }

    private bool HeaderMatches(string[] names)
    {
        for (int i = 0; i < names.Length; i++)
        {
            if (names[i] != _schema.SourceColumns[i])
            {
                return false;
            }
        }

        return true;
    }

    private bool ReadRow(Span<float> features, out float label, out float weight)
    {
        CsvTokenizer tok = _tok!;
        if (!_pending && !tok.ReadRecord())
        {
            label = 0;
            weight = 1;
            return false;
        }

        _pending = false;
        var fields = new TokenizerFields(tok);
        _encoder.Encode(ref fields, features, true, _schema.WeightIndex >= 0, _options.LabelTransform, out label, out weight, _path, tok.RecordLine);
        return true;
    }

    private bool TryEmit(Span<float> destination, out float label, out float weight) =>
        _buffer is null ? ReadRow(destination, out label, out weight) : _buffer.Take(destination, out label, out weight);
}
