using System;
using System.Collections.Generic;

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

    /// <summary>
    /// Splits rows into a training part and a selection part of about <paramref name="fraction"/> of the rows (the
    /// rows early stopping chooses the epoch on). Regression: <see cref="TrainTestIndices"/>. Classification: stratified,
    /// so each class keeps its share: the rows of class <c>c</c> (labels are class indices, as batch sources deliver them)
    /// are shuffled with <c>DeterministicRandom.Derive(seed, c)</c> and the first <c>round(count × fraction)</c> go to
    /// selection; when that rounds to no row at all, the largest class gives one. Both parts are ascending; the same
    /// labels and seed always give the same split.
    /// </summary>
    /// <param name="labels">One label per row (regression value, 0/1, or class index).</param>
    /// <param name="task">The task (classification is stratified).</param>
    /// <param name="fraction">The selection share, strictly between 0 and 1.</param>
    /// <param name="seed">The split seed.</param>
    /// <returns>The training and selection row indices.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is not in (0, 1), or there are fewer than 2 rows.</exception>
    /// <exception cref="ArgumentException">A classification label is not a class index (a non-negative integer).</exception>
    public static (int[] Train, int[] Selection) SelectionIndices(ReadOnlySpan<float> labels, TaskKind task, double fraction, ulong seed)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"fraction must be strictly between 0 and 1, got {fraction}.");
        }

        if (labels.Length < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(labels), labels.Length, $"At least 2 rows are needed to split off selection rows, got {labels.Length}.");
        }

        if (task == TaskKind.Regression)
        {
            return TrainTestIndices(labels.Length, fraction, seed);
        }

        var classes = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < labels.Length; i++)
        {
            float y = labels[i];
            if (!(y >= 0) || y != MathF.Floor(y) || y > int.MaxValue)
            {
                throw new ArgumentException($"labels[{i}] = {y} is not a class index.", nameof(labels));
            }

            if (!classes.TryGetValue((int)y, out List<int>? rows))
            {
                rows = new List<int>();
                classes.Add((int)y, rows);
            }

            rows.Add(i);
        }

        var selected = new bool[labels.Length];
        int total = 0;
        int[]? largest = null;
        foreach (KeyValuePair<int, List<int>> kv in classes)
        {
            int[] rows = kv.Value.ToArray();
            new DeterministicRandom(DeterministicRandom.Derive(seed, (ulong)kv.Key)).Shuffle(rows);
            int take = (int)Math.Round(rows.Length * fraction, MidpointRounding.AwayFromZero);
            for (int k = 0; k < take; k++)
            {
                selected[rows[k]] = true;
            }

            total += take;
            if (largest is null || rows.Length > largest.Length)
            {
                largest = rows;
            }
        }

        if (total == 0)
        {
            selected[largest![0]] = true;
            total = 1;
        }

        if (total == labels.Length)
        {
            // Every row would select: give the first row of the largest class back to training.
            selected[largest![0]] = false;
            total--;
        }

        var train = new int[labels.Length - total];
        var selection = new int[total];
        int a = 0, b = 0;
        for (int i = 0; i < selected.Length; i++)
        {
            if (selected[i])
            {
                selection[b++] = i;
            }
            else
            {
                train[a++] = i;
            }
        }

        return (train, selection);
    }
}
