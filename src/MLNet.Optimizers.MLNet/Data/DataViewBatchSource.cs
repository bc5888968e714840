using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet;

/// <summary>
/// Mini-batches streamed from an ML.NET <see cref="IDataView"/> through its row cursors: each epoch opens a new cursor
/// over the feature, label and (optional) weight columns, so memory is the shuffle buffer plus the caller's batch,
/// whatever the size of the data. Features are a known-size <see cref="float"/> vector (sparse vectors are densified
/// per row); labels are <see cref="float"/> (regression), <see cref="bool"/> (binary: false = 0, true = 1) or a
/// <see cref="uint"/> key (multiclass: key k is class k - 1). A NaN or infinite feature, label or weight, a negative
/// weight or a missing key throws <see cref="ArgumentException"/> naming the column and the row: rows are never skipped.
/// </summary>
/// <remarks>
/// Shuffling goes through a <see cref="ShuffleBuffer"/> of <c>shuffleBufferRows</c> rows seeded each epoch with
/// <c>DeterministicRandom.Derive(seed, epoch)</c>: the order depends only on the seed, the epoch and the data view's row
/// order. Rows are read from the cursor straight into the shuffle buffer (or, unshuffled, into the batch) and copied
/// once more into the batch. <see cref="Seek"/> re-reads the epoch from its start and skips rows.
/// </remarks>
public sealed class DataViewBatchSource : IBatchSource, IDisposable
{
    private readonly IDataView _data;
    private readonly DataViewSchema.Column _featureColumn;
    private readonly DataViewSchema.Column _labelColumn;
    private readonly DataViewSchema.Column? _weightColumn;
    private readonly TaskKind _task;
    private readonly int _featureCount;
    private readonly int _classCount;
    private readonly ShuffleBuffer? _buffer;
    private readonly float[] _rowFeatures;
    private DataViewRowCursor? _cursor;
    private ValueGetter<VBuffer<float>>? _getFeatures;
    private LabelReader? _getLabel;
    private ValueGetter<float>? _getWeight;
    private VBuffer<float> _features;
    private long _rowIndex;
    private bool _cursorDone;
    private int _epoch = -1;
    private long _position;
    private bool _disposed;

    /// <summary>Creates the source; nothing is read until the first epoch.</summary>
    /// <param name="data">The data.</param>
    /// <param name="featureColumnName">A known-size vector of <see cref="float"/>.</param>
    /// <param name="labelColumnName">The label: <see cref="float"/>, <see cref="bool"/> or a <see cref="uint"/> key, per <paramref name="task"/>.</param>
    /// <param name="exampleWeightColumnName">A <see cref="float"/> weight column, or null.</param>
    /// <param name="task">The task, which fixes the label type.</param>
    /// <param name="shuffle">Whether to shuffle through the buffer.</param>
    /// <param name="seed">The shuffle seed.</param>
    /// <param name="shuffleBufferRows">Rows held for shuffling (at least 1).</param>
    /// <exception cref="ArgumentException">A column is missing or has the wrong type.</exception>
    public DataViewBatchSource(IDataView data, string featureColumnName, string labelColumnName, string? exampleWeightColumnName, TaskKind task, bool shuffle, ulong seed, int shuffleBufferRows = TrainingDefaults.ShuffleBufferRows)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrEmpty(featureColumnName);
        ArgumentException.ThrowIfNullOrEmpty(labelColumnName);
        if (shuffleBufferRows < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(shuffleBufferRows), shuffleBufferRows, $"shuffleBufferRows must be >= 1, got {shuffleBufferRows}.");
        }

        _data = data;
        _task = task;
        _featureColumn = FindColumn(data.Schema, featureColumnName, nameof(featureColumnName));
        if (_featureColumn.Type is not VectorDataViewType vt || vt.ItemType != NumberDataViewType.Single || !vt.IsKnownSize)
        {
            throw new ArgumentException($"Feature column '{featureColumnName}' must be a known-size vector of Single, got {_featureColumn.Type}.", nameof(featureColumnName));
        }

        _featureCount = vt.Size;
        _labelColumn = FindColumn(data.Schema, labelColumnName, nameof(labelColumnName));
        DataViewType lt = _labelColumn.Type;
        switch (task)
        {
            case TaskKind.Regression when lt != NumberDataViewType.Single:
                throw new ArgumentException($"Label column '{labelColumnName}' must be Single for regression, got {lt}.", nameof(labelColumnName));
            case TaskKind.BinaryClassification when lt != BooleanDataViewType.Instance:
                throw new ArgumentException($"Label column '{labelColumnName}' must be Boolean for binary classification, got {lt}.", nameof(labelColumnName));
            case TaskKind.MulticlassClassification when lt is not KeyDataViewType { RawType: var raw } || raw != typeof(uint):
                throw new ArgumentException($"Label column '{labelColumnName}' must be a UInt32 key for multiclass classification (MapValueToKey makes one), got {lt}.", nameof(labelColumnName));
        }

        if (task == TaskKind.MulticlassClassification)
        {
            ulong count = ((KeyDataViewType)lt).Count;
            if (count < 2 || count > int.MaxValue)
            {
                throw new ArgumentException($"Label column '{labelColumnName}' must be a key of at least 2 classes, got {count}.", nameof(labelColumnName));
            }

            _classCount = (int)count;
        }

        if (exampleWeightColumnName != null)
        {
            DataViewSchema.Column w = FindColumn(data.Schema, exampleWeightColumnName, nameof(exampleWeightColumnName));
            if (w.Type != NumberDataViewType.Single)
            {
                throw new ArgumentException($"Example weight column '{exampleWeightColumnName}' must be Single, got {w.Type}.", nameof(exampleWeightColumnName));
            }

            _weightColumn = w;
        }

        Shuffle = shuffle;
        Seed = seed;
        ShuffleBufferRows = shuffleBufferRows;
        _rowFeatures = new float[_featureCount];
        if (shuffle)
        {
            _buffer = new ShuffleBuffer(shuffleBufferRows, _featureCount, ReadRow);
        }

        long? rows = data.GetRowCount();
        RowCount = rows;
    }

    /// <summary>Whether rows are shuffled through the buffer.</summary>
    public bool Shuffle { get; }

    /// <summary>The shuffle seed.</summary>
    public ulong Seed { get; }

    /// <summary>Rows held for shuffling.</summary>
    public int ShuffleBufferRows { get; }

    /// <summary>Classes of a multiclass label (the key's count); 0 for the other tasks.</summary>
    public int ClassCount => _classCount;

    /// <inheritdoc />
    public int FeatureCount => _featureCount;

    /// <inheritdoc />
    public long? RowCount { get; }

    /// <inheritdoc />
    public long Position => _position;

    /// <summary>Reads every row into a <see cref="DenseTable"/> (for validation data, or when materializing is asked for).</summary>
    /// <returns>The table, in the data view's row order.</returns>
    /// <exception cref="ArgumentException">The data has no rows, or a bad value.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public DenseTable ReadAll()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var features = new List<float>();
        var labels = new List<float>();
        var weights = _weightColumn is null ? null : new List<float>();
        OpenCursor();
        while (ReadRow(_rowFeatures, out float label, out float weight))
        {
            features.AddRange(_rowFeatures);
            labels.Add(label);
            weights?.Add(weight);
        }

        CloseCursor();
        if (labels.Count == 0)
        {
            throw new ArgumentException("The data view has no rows.", "data");
        }

        return new DenseTable(features.ToArray(), _featureCount, labels.ToArray(), weights?.ToArray());
    }

    /// <summary>
    /// Regression: labels are delivered as <c>(float)((label - Mean) / Std)</c> (training on a standardized label); null
    /// (the default) delivers them as they are.
    /// </summary>
    internal (double Mean, double Std)? LabelStandardization { get; set; }

    /// <summary>Reads every row's label (one cursor pass over the label column only), as batches deliver them before standardization.</summary>
    /// <returns>The labels, in the data view's row order.</returns>
    /// <exception cref="ArgumentException">A label is NaN, infinite or a missing key.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal float[] ReadLabels()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var labels = new List<float>();
        using DataViewRowCursor cursor = _data.GetRowCursor(new[] { _labelColumn });
        LabelReader get = LabelGetter(cursor);
        _rowIndex = -1;
        while (cursor.MoveNext())
        {
            _rowIndex++;
            float label = get.Read();
            if (!float.IsFinite(label))
            {
                throw new ArgumentException($"Row {_rowIndex + 1}: label column '{_labelColumn.Name}' has {label.ToString(CultureInfo.InvariantCulture)}.", "input");
            }

            labels.Add(label);
        }

        return labels.ToArray();
    }

    /// <inheritdoc />
    public void StartEpoch(int epoch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        OpenCursor();
        _epoch = epoch;
        _position = 0;
        _buffer?.Start(DeterministicRandom.Derive(Seed, (ulong)epoch));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Next(Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (batch.FeatureCount != _featureCount)
        {
            throw new ArgumentException($"The batch has {batch.FeatureCount} features; the data has {_featureCount}.", nameof(batch));
        }

        if (_epoch < 0)
        {
            StartEpoch(0);
        }

        int n = 0;
        bool hasWeights = false;
        while (n < batch.Capacity && TakeRow(batch.Features.AsSpan(n * _featureCount, _featureCount), out float label, out float weight))
        {
            batch.Labels[n] = label;
            batch.Weights[n] = weight;
            hasWeights |= weight != 1f;
            n++;
        }

        batch.Count = n;
        batch.HasWeights = hasWeights;
        _position += n;
        if (n == 0 && _position == 0)
        {
            throw new ArgumentException("The training data has no rows.", "input");
        }

        return n > 0;
    }

    /// <inheritdoc />
    public void Seek(int epoch, long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        StartEpoch(epoch);
        for (long i = 0; i < position; i++)
        {
            if (!TakeRow(_rowFeatures, out _, out _))
            {
                throw new ArgumentOutOfRangeException(nameof(position), position, $"Epoch {epoch} has only {i} rows; cannot seek to {position}.");
            }
        }

        _position = position;
    }

    /// <summary>Closes the open cursor.</summary>
    public void Dispose()
    {
        CloseCursor();
        _disposed = true;
    }

    private static DataViewSchema.Column FindColumn(DataViewSchema schema, string name, string argument)
    {
        DataViewSchema.Column? c = schema.GetColumnOrNull(name);
        if (c is null || c.Value.IsHidden)
        {
            throw new ArgumentException($"The data has no column '{name}'.", argument);
        }

        return c.Value;
    }

    private bool TakeRow(Span<float> features, out float label, out float weight) =>
        _buffer is null ? ReadRow(features, out label, out weight) : _buffer.Take(features, out label, out weight);

    private void OpenCursor()
    {
        CloseCursor();
        var columns = new List<DataViewSchema.Column> { _featureColumn, _labelColumn };
        if (_weightColumn is DataViewSchema.Column w)
        {
            columns.Add(w);
        }

        _cursor = _data.GetRowCursor(columns);
        _getFeatures = _cursor.GetGetter<VBuffer<float>>(_featureColumn);
        _getLabel = LabelGetter(_cursor);
        _getWeight = _weightColumn is DataViewSchema.Column wc ? _cursor.GetGetter<float>(wc) : null;
        _rowIndex = -1;
        _cursorDone = false;
    }

    private void CloseCursor()
    {
        _cursor?.Dispose();
        _cursor = null;
        _cursorDone = true;
    }

    /// <summary>The first index whose value is NaN or infinite, or -1 (x - x is 0 for every finite x and NaN otherwise).</summary>
    private static int FirstNonFinite(ReadOnlySpan<float> x)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<float>> blocks = MemoryMarshal.Cast<float, Vector<float>>(x);
            for (int b = 0; b < blocks.Length; b++)
            {
                Vector<float> v = blocks[b];
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero))
                {
                    break;
                }

                i += Vector<float>.Count;
            }
        }

        for (; i < x.Length; i++)
        {
            if (!float.IsFinite(x[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>" ('carat')" when the feature column names its slots (Concatenate and OneHotEncoding do), else empty.</summary>
    private string SlotName(int slot)
    {
        try
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            if (_featureColumn.HasSlotNames())
            {
                _featureColumn.GetSlotNames(ref names);
                string name = names.GetItemOrDefault(slot).ToString();
                return name.Length == 0 ? string.Empty : $" ('{name}')";
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // No usable slot names: the slot number alone.
        }

        return string.Empty;
    }

    private LabelReader LabelGetter(DataViewRowCursor cursor) => _task switch
    {
        TaskKind.Regression => new LabelReader(this, cursor.GetGetter<float>(_labelColumn), null, null),
        TaskKind.BinaryClassification => new LabelReader(this, null, cursor.GetGetter<bool>(_labelColumn), null),
        _ => new LabelReader(this, null, null, cursor.GetGetter<uint>(_labelColumn)),
    };

    private bool ReadRow(Span<float> features, out float label, out float weight)
    {
        label = 0;
        weight = 1;
        if (_cursorDone || !_cursor!.MoveNext())
        {
            _cursorDone = true;
            return false;
        }

        _rowIndex++;
        _getFeatures!(ref _features);
        if (_features.Length != _featureCount)
        {
            throw new ArgumentException($"Row {_rowIndex + 1}: feature column '{_featureColumn.Name}' has {_features.Length} values; the schema says {_featureCount}.", "input");
        }

        _features.CopyTo(features);
        int bad = FirstNonFinite(features);
        if (bad >= 0)
        {
            throw new ArgumentException($"Row {_rowIndex + 1}: feature column '{_featureColumn.Name}' has {features[bad].ToString(CultureInfo.InvariantCulture)} at slot {bad}{SlotName(bad)}; replace missing values before training (a replace_missing step in a recipe).", "input");
        }

        label = _getLabel!.Read();
        if (!float.IsFinite(label))
        {
            throw new ArgumentException($"Row {_rowIndex + 1}: label column '{_labelColumn.Name}' has {label.ToString(CultureInfo.InvariantCulture)}.", "input");
        }

        if (LabelStandardization is (double mean, double std))
        {
            label = (float)((label - mean) / std);
        }

        if (_getWeight != null)
        {
            _getWeight(ref weight);
            if (!float.IsFinite(weight) || weight < 0)
            {
                throw new ArgumentException($"Row {_rowIndex + 1}: example weight column '{_weightColumn!.Value.Name}' has {weight.ToString(CultureInfo.InvariantCulture)}; weights must be finite and >= 0.", "input");
            }
        }

        return true;
    }

    /// <summary>Reads the label of the cursor's row as a training label (value, 0/1, or class index), without a closure per call.</summary>
    private sealed class LabelReader
    {
        private readonly DataViewBatchSource _owner;
        private readonly ValueGetter<float>? _single;
        private readonly ValueGetter<bool>? _boolean;
        private readonly ValueGetter<uint>? _key;
        private float _f;
        private bool _b;
        private uint _k;

        public LabelReader(DataViewBatchSource owner, ValueGetter<float>? single, ValueGetter<bool>? boolean, ValueGetter<uint>? key)
        {
            _owner = owner;
            _single = single;
            _boolean = boolean;
            _key = key;
        }

        public float Read()
        {
            if (_single != null)
            {
                _single(ref _f);
                return _f;
            }

            if (_boolean != null)
            {
                _boolean(ref _b);
                return _b ? 1f : 0f;
            }

            _key!(ref _k);
            if (_k == 0 || _k > _owner._classCount)
            {
                throw new ArgumentException($"Row {_owner._rowIndex + 1}: label column '{_owner._labelColumn.Name}' has a missing key (0) or a key beyond {_owner._classCount}; got {_k}.", "input");
            }

            return _k - 1;
        }
    }
}
