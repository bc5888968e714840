// Test support for the engine's tests and benchmarks (compiled into each, not a product API): reads the bundled sample
// CSV files into the engine's DenseTable without ML.NET, so the engine's quality bars and speed runs keep their data
// after the home-grown CSV stack was deleted. Numeric columns become float features; text columns one float per
// category (first-seen order) in column order; the label a float (regression, optionally transformed) or a class index
// (classes sorted: numerically for numbers, ordinally for text). Also: a z-score fitted on training rows, and the three
// metrics the bars use (accuracy from class scores, binary accuracy from logits, R²).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.TestSupport;

internal static class TabularTestData
{
    /// <summary>Loads a sample CSV file (header row, comma-separated, optional double quotes).</summary>
    public static (DenseTable Table, TaskKind Task, string[] ClassNames) Load(string path, string label, TaskKind? task = null, Func<double, double>? labelTransform = null)
    {
        List<string[]> rows = File.ReadLines(path).Where(l => l.Length > 0).Select(Split).ToList();
        string[] header = rows[0];
        rows.RemoveAt(0);
        int labelIndex = Array.IndexOf(header, label);
        if (labelIndex < 0)
        {
            throw new ArgumentException($"{path} has no column '{label}'.", nameof(label));
        }

        bool IsNumber(string v) => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d);
        bool[] numeric = Enumerable.Range(0, header.Length).Select(c => rows.All(r => IsNumber(r[c]))).ToArray();
        var categories = new Dictionary<int, List<string>>();
        for (int c = 0; c < header.Length; c++)
        {
            if (c != labelIndex && !numeric[c])
            {
                categories[c] = rows.Select(r => r[c]).Distinct(StringComparer.Ordinal).ToList();
            }
        }

        TaskKind kind = task ?? (numeric[labelIndex] && rows.Select(r => r[labelIndex]).Distinct().Count() > 10 ? TaskKind.Regression
            : rows.Select(r => r[labelIndex]).Distinct().Count() == 2 ? TaskKind.BinaryClassification : TaskKind.MulticlassClassification);
        string[] classes = kind == TaskKind.Regression
            ? Array.Empty<string>()
            : numeric[labelIndex]
                ? rows.Select(r => r[labelIndex]).Distinct().OrderBy(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()
                : rows.Select(r => r[labelIndex]).Distinct(StringComparer.Ordinal).OrderBy(v => v, StringComparer.Ordinal).ToArray();
        int width = Enumerable.Range(0, header.Length).Where(c => c != labelIndex).Sum(c => numeric[c] ? 1 : categories[c].Count);
        var features = new float[rows.Count * width];
        var labels = new float[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            int at = i * width;
            for (int c = 0; c < header.Length; c++)
            {
                if (c == labelIndex)
                {
                    continue;
                }

                if (numeric[c])
                {
                    features[at++] = (float)double.Parse(rows[i][c], CultureInfo.InvariantCulture);
                }
                else
                {
                    features[at + categories[c].IndexOf(rows[i][c])] = 1;
                    at += categories[c].Count;
                }
            }

            string y = rows[i][labelIndex];
            labels[i] = kind == TaskKind.Regression
                ? (float)(labelTransform?.Invoke(double.Parse(y, CultureInfo.InvariantCulture)) ?? double.Parse(y, CultureInfo.InvariantCulture))
                : Array.IndexOf(classes, y);
        }

        return (new DenseTable(features, width, labels), kind, classes);
    }

    /// <summary>z-scores fitted on <paramref name="train"/> (population variance; a constant feature becomes 0), applied to both tables.</summary>
    public static (DenseTable Train, DenseTable Test) Standardize(DenseTable train, DenseTable test)
    {
        int f = train.FeatureCount;
        var mean = new double[f];
        var m2 = new double[f];
        for (int i = 0; i < train.RowCount; i++)
        {
            for (int j = 0; j < f; j++)
            {
                double x = train.Features[(i * f) + j];
                double delta = x - mean[j];
                mean[j] += delta / (i + 1);
                m2[j] += delta * (x - mean[j]);
            }
        }

        var offset = new float[f];
        var scale = new float[f];
        for (int j = 0; j < f; j++)
        {
            double variance = m2[j] / train.RowCount;
            double s = variance > 0 ? 1 / Math.Sqrt(variance) : 0;
            (offset[j], scale[j]) = s == 0 ? (0f, 0f) : ((float)mean[j], (float)s);
        }

        DenseTable Apply(DenseTable t)
        {
            var x = (float[])t.Features.Clone();
            for (int i = 0; i < x.Length; i++)
            {
                int j = i % f;
                x[i] = (x[i] - offset[j]) * scale[j];
            }

            return new DenseTable(x, f, t.Labels, t.Weights, t.FeatureNames);
        }

        return (Apply(train), Apply(test));
    }

    /// <summary>The share of rows whose highest score is their class.</summary>
    public static double Accuracy(IReadOnlyList<float> labels, IReadOnlyList<float> scores, int classes)
    {
        int correct = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            int best = 0;
            for (int k = 1; k < classes; k++)
            {
                if (scores[(i * classes) + k] > scores[(i * classes) + best])
                {
                    best = k;
                }
            }

            correct += best == (int)labels[i] ? 1 : 0;
        }

        return correct / (double)labels.Count;
    }

    /// <summary>The share of rows whose logit is on their class's side of 0.</summary>
    public static double BinaryAccuracy(IReadOnlyList<float> labels, IReadOnlyList<float> logits) =>
        labels.Select((y, i) => (logits[i] > 0 ? 1f : 0f) == y ? 1 : 0).Sum() / (double)labels.Count;

    /// <summary>1 - SSE / SST.</summary>
    public static double RSquared(IReadOnlyList<float> y, IReadOnlyList<float> s)
    {
        double mean = y.Average(v => (double)v);
        double sse = 0, sst = 0;
        for (int i = 0; i < y.Count; i++)
        {
            sse += (y[i] - s[i]) * (double)(y[i] - s[i]);
            sst += (y[i] - mean) * (y[i] - mean);
        }

        return 1 - (sse / sst);
    }

    private static string[] Split(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString().Trim());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString().Trim());
        return fields.ToArray();
    }
}
