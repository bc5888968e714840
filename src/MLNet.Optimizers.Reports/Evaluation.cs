using System;
using System.Collections.Generic;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Reports;

/// <summary>One metric: a finite value, or n/a (<see cref="double.NaN"/>) with the reason.</summary>
/// <param name="Key">A stable identifier (for JSON): accuracy, auc, r_squared, ...</param>
/// <param name="Name">The display name.</param>
/// <param name="Value">The value: finite, or NaN when it is not available (see <see cref="Reason"/>).</param>
/// <param name="HigherIsBetter">Whether larger values are better.</param>
public sealed record Metric(string Key, string Name, double Value, bool HigherIsBetter)
{
    /// <summary>The unit where there is one (<c>bits</c>, <c>nats</c>), else null.</summary>
    public string? Unit { get; init; }

    /// <summary>Why the value is not available (null when it is).</summary>
    public string? Reason { get; init; }

    /// <summary>The index of the best value, NaN values skipped (-1 when there is none).</summary>
    /// <param name="values">The values.</param>
    /// <param name="higherIsBetter">Direction.</param>
    /// <returns>The index of the first best value, or -1.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static int BestIndex(IReadOnlyList<double> values, bool higherIsBetter)
    {
        ArgumentNullException.ThrowIfNull(values);
        int best = -1;
        for (int i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                continue;
            }

            if (best < 0 || (higherIsBetter ? values[i] > values[best] : values[i] < values[best]))
            {
                best = i;
            }
        }

        return best;
    }
}

/// <summary>A confusion matrix in class order: <c>Counts[actual][predicted]</c>.</summary>
/// <param name="ClassNames">The classes.</param>
/// <param name="Counts">The cells.</param>
public sealed record ConfusionTable(IReadOnlyList<string> ClassNames, IReadOnlyList<IReadOnlyList<double>> Counts);

/// <summary>Metrics of a model on some rows, as the report and <c>mlnet-opt</c> show them.</summary>
/// <param name="Task">The task.</param>
/// <param name="Rows">Rows evaluated.</param>
/// <param name="Metrics">The metrics, the headline one first.</param>
/// <param name="Confusion">The confusion matrix (classification only).</param>
public sealed record Evaluation(TaskKind Task, long Rows, IReadOnlyList<Metric> Metrics, ConfusionTable? Confusion)
{
    /// <summary>One line each about the rows (for example that they hold a single class).</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();
}
