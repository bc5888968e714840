using System;
using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Optimizers.MLNet;

/// <summary>A data view with a schema and no rows (ML.NET's TakeRows does not take 0): the training schema of a model.</summary>
internal sealed class EmptyDataView : IDataView
{
    public EmptyDataView(DataViewSchema schema) => Schema = schema;

    public bool CanShuffle => true;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => 0;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(Schema, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly bool[] _active;

        public Cursor(DataViewSchema schema, IEnumerable<DataViewSchema.Column> columnsNeeded)
        {
            Schema = schema;
            _active = new bool[schema.Count];
            foreach (DataViewSchema.Column c in columnsNeeded)
            {
                _active[c.Index] = true;
            }
        }

        public override long Position => -1;

        public override long Batch => 0;

        public override DataViewSchema Schema { get; }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            (ref TValue value) => throw new InvalidOperationException("An empty data view has no rows to read.");

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => throw new InvalidOperationException("An empty data view has no rows to read.");

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext() => false;
    }
}
