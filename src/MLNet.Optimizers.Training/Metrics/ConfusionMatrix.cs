using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;
using System.Text;

namespace MLNet.Optimizers.Training.Metrics;

/// <summary>
/// A confusion matrix laid out as ML.NET's <c>Microsoft.ML.Data.ConfusionMatrix</c>: rows are the true classes, columns the
/// predicted classes; <c>Counts[truth][predicted]</c>.
/// </summary>
/// <remarks>
/// <para>
/// Binary classification uses ML.NET's binary layout: index 0 is the <b>positive</b> class (label 1) and index 1 the
/// <b>negative</b> class (label 0), so <c>Counts</c> is <c>[[TP, FN], [FP, TN]]</c> and <see cref="ClassNames"/> is
/// <c>["positive", "negative"]</c> (ML.NET's default names for a non-key label, <c>BinaryClassifierEvaluator.GetClassNames</c>).
/// Multiclass uses class index i at position i with names "0", "1", ….
/// </para>
/// <para>
/// When the evaluation was weighted the cells are sums of example weights (ML.NET's "Weight" column of the confusion-matrix
/// view) instead of example counts (its "Count" column); see <see cref="IsWeighted"/>.
/// </para>
/// </remarks>
public sealed class ConfusionMatrix
{
    private readonly double[][] _counts;
    private string? _formatted;

    internal ConfusionMatrix(double[][] counts, IReadOnlyList<string> classNames, bool isBinary, bool isWeighted)
    {
        int k = counts.Length;
        _counts = counts;
        var precisionSums = new double[k];
        var recallSums = new double[k];
        for (int row = 0; row < k; row++)
        {
            for (int col = 0; col < k; col++)
            {
                precisionSums[col] += counts[row][col];
                recallSums[row] += counts[row][col];
            }
        }

        // ML.NET MetricWriter.GetConfusionMatrix: 0 (not NaN) when a class is never true / never predicted.
        var precision = new double[k];
        var recall = new double[k];
        for (int i = 0; i < k; i++)
        {
            recall[i] = recallSums[i] > 0 ? counts[i][i] / recallSums[i] : 0;
            precision[i] = precisionSums[i] > 0 ? counts[i][i] / precisionSums[i] : 0;
        }

        PerClassPrecision = Array.AsReadOnly(precision);
        PerClassRecall = Array.AsReadOnly(recall);
        Counts = Array.AsReadOnly(counts.Select(r => (IReadOnlyList<double>)Array.AsReadOnly((double[])r.Clone())).ToArray());
        ClassNames = new ReadOnlyCollection<string>(classNames.ToArray());
        IsBinary = isBinary;
        IsWeighted = isWeighted;
    }

    /// <summary>
    /// Precision of each class: the diagonal cell over its column sum (0 when the class is never predicted). Mirrors ML.NET
    /// <c>ConfusionMatrix.PerClassPrecision</c>.
    /// </summary>
    public IReadOnlyList<double> PerClassPrecision { get; }

    /// <summary>
    /// Recall of each class: the diagonal cell over its row sum (0 when the class never occurs). Mirrors ML.NET
    /// <c>ConfusionMatrix.PerClassRecall</c>.
    /// </summary>
    public IReadOnlyList<double> PerClassRecall { get; }

    /// <summary>
    /// The cells, <c>Counts[truth][predicted]</c> (rows = actual class, columns = predicted class). Mirrors ML.NET
    /// <c>ConfusionMatrix.Counts</c>.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<double>> Counts { get; }

    /// <summary>Number of classes (rows and columns). Mirrors ML.NET <c>ConfusionMatrix.NumberOfClasses</c>.</summary>
    public int NumberOfClasses => _counts.Length;

    /// <summary>
    /// The name of each row/column: "positive", "negative" for binary, the class index for multiclass. Mirrors ML.NET's
    /// internal <c>ConfusionMatrix.PredictedClassesIndicators</c>.
    /// </summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>True for the 2×2 matrix of a binary evaluation (index 0 = positive class).</summary>
    public bool IsBinary { get; }

    /// <summary>True when the cells are sums of example weights rather than example counts.</summary>
    public bool IsWeighted { get; }

    /// <summary>
    /// The cell for a predicted/actual class pair, i.e. <c>Counts[actual][predicted]</c>. Mirrors ML.NET
    /// <c>ConfusionMatrix.GetCountForClassPair</c> (same argument order: predicted first).
    /// </summary>
    /// <param name="predictedClassIndicatorIndex">Index of the predicted class (column).</param>
    /// <param name="actualClassIndicatorIndex">Index of the actual class (row).</param>
    /// <returns>The count (or weight sum).</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is negative or not less than <see cref="NumberOfClasses"/>.</exception>
    public double GetCountForClassPair(int predictedClassIndicatorIndex, int actualClassIndicatorIndex)
    {
        if (predictedClassIndicatorIndex < 0 || predictedClassIndicatorIndex >= NumberOfClasses)
        {
            throw new ArgumentOutOfRangeException(nameof(predictedClassIndicatorIndex), predictedClassIndicatorIndex,
                $"predictedClassIndicatorIndex must be in [0, {NumberOfClasses.ToString(CultureInfo.InvariantCulture)}), got {predictedClassIndicatorIndex.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (actualClassIndicatorIndex < 0 || actualClassIndicatorIndex >= NumberOfClasses)
        {
            throw new ArgumentOutOfRangeException(nameof(actualClassIndicatorIndex), actualClassIndicatorIndex,
                $"actualClassIndicatorIndex must be in [0, {NumberOfClasses.ToString(CultureInfo.InvariantCulture)}), got {actualClassIndicatorIndex.ToString(CultureInfo.InvariantCulture)}.");
        }

        return _counts[actualClassIndicatorIndex][predictedClassIndicatorIndex];
    }

    /// <summary>
    /// The table as text, in the spirit of ML.NET's <c>ConfusionMatrix.GetFormattedConfusionTable</c>: one row per true class
    /// with its recall, a last row with the per-class precision.
    /// </summary>
    /// <returns>The formatted table.</returns>
    public string GetFormattedConfusionTable() => _formatted ??= Format();

    /// <summary>Same as <see cref="GetFormattedConfusionTable"/>.</summary>
    /// <returns>The formatted table.</returns>
    public override string ToString() => GetFormattedConfusionTable();

    private string Format()
    {
        int k = NumberOfClasses;
        string Cell(double v) => IsWeighted
            ? v.ToString("0.###", CultureInfo.InvariantCulture)
            : v.ToString("0", CultureInfo.InvariantCulture);

        int width = 6;
        foreach (string name in ClassNames)
        {
            width = Math.Max(width, name.Length);
        }

        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < k; c++)
            {
                width = Math.Max(width, Cell(_counts[r][c]).Length);
            }
        }

        int head = Math.Max(9, ClassNames.Max(n => n.Length));
        var sb = new StringBuilder();
        sb.Append(IsWeighted ? "Weighted confusion table" : "Confusion table").AppendLine();
        string rule = new string(' ', head + 1) + "||" + new string('=', k * (width + 3)) + "=======";
        sb.AppendLine(rule);
        sb.Append("PREDICTED".PadRight(head)).Append(" ||");
        for (int c = 0; c < k; c++)
        {
            sb.Append(' ').Append(ClassNames[c].PadLeft(width)).Append(" |");
        }

        sb.AppendLine(" Recall");
        sb.Append("TRUTH".PadRight(head)).AppendLine(rule[head..]);
        for (int r = 0; r < k; r++)
        {
            sb.Append(ClassNames[r].PadLeft(head)).Append(" ||");
            for (int c = 0; c < k; c++)
            {
                sb.Append(' ').Append(Cell(_counts[r][c]).PadLeft(width)).Append(" |");
            }

            sb.Append(' ').Append(PerClassRecall[r].ToString("0.0000", CultureInfo.InvariantCulture)).AppendLine();
        }

        sb.AppendLine(rule);
        sb.Append("Precision".PadRight(head)).Append(" ||");
        for (int c = 0; c < k; c++)
        {
            sb.Append(' ').Append(PerClassPrecision[c].ToString("0.0000", CultureInfo.InvariantCulture).PadLeft(width)).Append(" |");
        }

        sb.AppendLine();
        return sb.ToString();
    }
}
