using System;

namespace MLNet.Optimizers.Training.Data;

/// <summary>Deterministic train/test splits.</summary>
public static class DataSplit
{
    /// <summary>
    /// Splits a table into train and test parts: the row indices are shuffled with <see cref="DeterministicRandom"/>
    /// seeded by <paramref name="seed"/>, the first <c>round(rows × testFraction)</c> (at least 1, at most rows − 1) go to
    /// test and the rest to train; each part keeps the original row order. The same seed always gives the same split.
    /// </summary>
    /// <param name="table">The rows (at least 2).</param>
    /// <param name="testFraction">The test share, strictly between 0 and 1.</param>
    /// <param name="seed">The shuffle seed.</param>
    /// <returns>The two parts (copies).</returns>
    public static (DenseTable Train, DenseTable Test) TrainTest(DenseTable table, double testFraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(table);
        (int[] train, int[] test) = TrainTestIndices(table.RowCount, testFraction, seed);
        return (table.Select(train), table.Select(test));
    }

    /// <summary>The row indices of <see cref="TrainTest"/>'s parts, each ascending (for splitting parallel data the same way).</summary>
    /// <param name="rowCount">The number of rows (at least 2).</param>
    /// <param name="testFraction">The test share, strictly between 0 and 1.</param>
    /// <param name="seed">The shuffle seed.</param>
    /// <returns>The train and test indices.</returns>
    public static (int[] Train, int[] Test) TrainTestIndices(int rowCount, double testFraction, ulong seed)
    {
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "testFraction must be strictly between 0 and 1.");
        }

        if (rowCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(rowCount), rowCount, "At least 2 rows are needed to split.");
        }

        var order = new int[rowCount];
        for (int i = 0; i < rowCount; i++)
        {
            order[i] = i;
        }

        new DeterministicRandom(seed).Shuffle(order);
        int testCount = (int)Math.Clamp(Math.Round(rowCount * testFraction, MidpointRounding.AwayFromZero), 1, rowCount - 1);
        int[] test = order[..testCount];
        int[] train = order[testCount..];
        Array.Sort(test);
        Array.Sort(train);
        return (train, test);
    }
}
