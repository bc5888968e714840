using System;
using Microsoft.ML;

namespace MLNet.Optimizers.MLNet;

/// <summary>Small helpers over <see cref="IDataView"/> shared by the face and the command-line tool.</summary>
internal static class DataViews
{
    /// <summary>The rows of a data view: its own count when it knows it, else counted with a cursor over no columns.</summary>
    /// <param name="data">The data.</param>
    /// <returns>The count.</returns>
    public static long CountRows(IDataView data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.GetRowCount() is long n)
        {
            return n;
        }

        long count = 0;
        using DataViewRowCursor cursor = data.GetRowCursor(Array.Empty<DataViewSchema.Column>());
        while (cursor.MoveNext())
        {
            count++;
        }

        return count;
    }

    /// <summary>Whether a data view has a row: its own count when it knows it, else one cursor step (no full pass).</summary>
    /// <param name="data">The data.</param>
    /// <returns>True when there is at least one row.</returns>
    public static bool HasRows(IDataView data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.GetRowCount() is long n)
        {
            return n > 0;
        }

        using DataViewRowCursor cursor = data.GetRowCursor(Array.Empty<DataViewSchema.Column>());
        return cursor.MoveNext();
    }
}
