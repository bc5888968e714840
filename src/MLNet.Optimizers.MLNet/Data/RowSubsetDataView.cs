using System;
using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Optimizers.MLNet;

/// <summary>
/// The rows of a data view whose position is marked in a mask, in the source's order (a seeded split without reading
/// the data into memory). Cursors wrap the source's cursor and skip unmarked rows; the getters are the source's own.
/// </summary>
internal sealed class RowSubsetDataView : IDataView
{
    private readonly IDataView _source;
    private readonly bool[] _keep;
    private readonly long _count;

    /// <summary>Creates the view.</summary>
    /// <param name="source">The data.</param>
    /// <param name="keep">One flag per source row: true keeps it (the source must have exactly this many rows).</param>
    public RowSubsetDataView(IDataView source, bool[] keep)
    {
        _source = source;
        _keep = keep;
        foreach (bool k in keep)
        {
            _count += k ? 1 : 0;
        }
    }

    /// <summary>Marks <paramref name="rows"/> (ascending or not) among <paramref name="rowCount"/> rows.</summary>
    public static bool[] Mask(int rowCount, IEnumerable<int> rows)
    {
        var mask = new bool[rowCount];
        foreach (int r in rows)
        {
            mask[r] = true;
        }

        return mask;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => _source.Schema;

    public long? GetRowCount() => _count;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(_source.GetRowCursor(columnsNeeded), _keep);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _inner;
        private readonly bool[] _keep;
        private long _sourceRow = -1;
        private long _position = -1;

        public Cursor(DataViewRowCursor inner, bool[] keep)
        {
            _inner = inner;
            _keep = keep;
        }

        public override long Position => _position;

        public override long Batch => 0;

        public override DataViewSchema Schema => _inner.Schema;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _inner.GetGetter<TValue>(column);

        public override ValueGetter<DataViewRowId> GetIdGetter() => _inner.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _inner.IsColumnActive(column);

        public override bool MoveNext()
        {
            while (_inner.MoveNext())
            {
                _sourceRow++;
                if (_sourceRow >= _keep.Length)
                {
                    throw new InvalidOperationException($"The data has more rows than the {_keep.Length} it had when it was split; it changed between passes.");
                }

                if (_keep[_sourceRow])
                {
                    _position++;
                    return true;
                }
            }

            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
