using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using MLNet.Optimizers;
using MLNet.Optimizers.Schedules;

namespace QuickStart;

/// <summary>
/// Fits a linear least-squares model (weights [10] + scalar bias) to the diabetes data set with mini-batch gradient
/// descent, once with Lion and once with Adafactor, and compares both with the closed-form least-squares solution.
/// </summary>
internal static class Program
{
    private const int Seed = 42;
    private const int BatchSize = 32;
    private const int DefaultEpochs = 200;

    // Both optimizers start from the same small random weights (see README: Adafactor's steps are relative to the
    // parameter's RMS, floored at 1e-3, so from all-zero weights its first epochs barely move).
    private const double InitialStd = 0.1;

    private static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

        if (!TryParseArguments(args, out int epochs, out bool help, out string? error))
        {
            Console.Error.WriteLine(error);
            PrintUsage(Console.Error);
            return 2;
        }

        if (help)
        {
            PrintUsage(Console.Out);
            return 0;
        }

        string path = Path.Combine(AppContext.BaseDirectory, "data", "diabetes.csv");
        Dataset data;
        try
        {
            data = Dataset.Load(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            Console.Error.WriteLine($"Cannot read the data set '{path}': {ex.Message}");
            return 1;
        }

        int stepsPerEpoch = (data.Rows + BatchSize - 1) / BatchSize;
        long totalSteps = (long)epochs * stepsPerEpoch;

        Console.WriteLine("MLNet.Optimizers quick start: linear least squares on the diabetes data set");
        Console.WriteLine($"  data     : {data.Rows} rows, {data.Features} features ({string.Join(", ", data.FeatureNames)}) -> {data.LabelName}");
        Console.WriteLine($"  model    : y = w . x + b, w [{data.Features}], b scalar; features and label standardized (mean 0, std 1)");
        Console.WriteLine($"  training : {epochs} epochs x {stepsPerEpoch} mini-batches of {BatchSize} = {totalSteps} steps, shuffled with seed {Seed}");
        Console.WriteLine($"  init     : weights ~ N(0, {InitialStd}^2) (seed {Seed}, same for both), bias 0");
        Console.WriteLine("  loss     : mean squared error on the standardized label (all rows)");
        Console.WriteLine();

        // Lion: sign updates of size lr, so the learning rate must shrink for the weights to settle; a cosine decay
        // to 1% of the start does that. Decoupled weight decay is shown too (the bias is excluded by name).
        var lion = new Lion(new CosineDecay(0.02, decaySteps: totalSteps, alpha: 0.01), beta1: 0.9, beta2: 0.99)
        {
            WeightDecay = 0.01,
        };
        lion.ExcludeFromWeightDecay(namePatterns: new[] { "bias" });

        // Adafactor: the step is min(lr, 1/sqrt(t)) times max(1e-3, RMS(parameter)), i.e. relative to the
        // parameter's size; the small random start gives it a scale to work with from the first step.
        var adafactor = new Adafactor(new CosineDecay(0.1, decaySteps: totalSteps, alpha: 0.01));

        var runs = new List<TrainResult>
        {
            Train("Lion", lion, data, epochs),
            Train("Adafactor", adafactor, data, epochs),
        };

        LeastSquares exact = LeastSquares.Solve(data);

        PrintLossTable(runs, epochs);
        PrintSummary(runs, exact);
        PrintCoefficients(runs, exact, data);
        return 0;
    }

    private static TrainResult Train(string name, Optimizer optimizer, Dataset data, int epochs)
    {
        int d = data.Features;
        var random = new Random(Seed);

        var weightValues = new float[d];
        for (int j = 0; j < d; j++)
        {
            weightValues[j] = (float)(InitialStd * NextGaussian(random));
        }

        var weights = new Parameter("weights", new[] { d }, weightValues);
        var bias = new Parameter("bias", Array.Empty<int>(), new float[1]);
        optimizer.Build(new[] { weights, bias });

        // Gradient buffers are allocated once and refilled every step.
        var gradWeights = new float[d];
        var gradBias = new float[1];
        var gradients = new ReadOnlyMemory<float>?[] { gradWeights, gradBias };
        var sumWeights = new double[d];

        var order = new int[data.Rows];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var losses = new double[epochs + 1];
        losses[0] = data.MeanSquaredError(weightValues, bias.Value.Span[0]);

        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            Shuffle(order, random);
            for (int start = 0; start < order.Length; start += BatchSize)
            {
                int end = Math.Min(start + BatchSize, order.Length);
                float b = bias.Value.Span[0];
                Array.Clear(sumWeights);
                double sumBias = 0;
                for (int k = start; k < end; k++)
                {
                    ReadOnlySpan<double> x = data.Row(order[k]);
                    double residual = Dot(weightValues, x) + b - data.Label[order[k]];
                    for (int j = 0; j < d; j++)
                    {
                        sumWeights[j] += residual * x[j];
                    }

                    sumBias += residual;
                }

                // d/dw of mean((w.x + b - y)^2) over the batch.
                double scale = 2.0 / (end - start);
                for (int j = 0; j < d; j++)
                {
                    gradWeights[j] = (float)(scale * sumWeights[j]);
                }

                gradBias[0] = (float)(scale * sumBias);
                optimizer.Apply(gradients);
            }

            losses[epoch] = data.MeanSquaredError(weightValues, bias.Value.Span[0]);
        }

        float finalBias = bias.Value.Span[0];
        return new TrainResult(
            name,
            losses,
            data.RSquared(weightValues, finalBias),
            (float[])weightValues.Clone(),
            finalBias,
            optimizer.Iterations);
    }

    private static void PrintLossTable(List<TrainResult> runs, int epochs)
    {
        int every = Math.Max(1, epochs / 10);
        Console.Write("  epoch");
        foreach (TrainResult r in runs)
        {
            Console.Write($" | {r.Name + " MSE",14}");
        }

        Console.WriteLine();
        Console.Write("  -----");
        foreach (TrainResult unused in runs)
        {
            Console.Write(" | --------------");
        }

        Console.WriteLine();
        for (int epoch = 0; epoch <= epochs; epoch++)
        {
            if (epoch % every != 0 && epoch != epochs && epoch != 1)
            {
                continue;
            }

            Console.Write($"  {epoch,5}");
            foreach (TrainResult r in runs)
            {
                Console.Write($" | {r.Losses[epoch],14:F6}");
            }

            Console.WriteLine();
        }

        Console.WriteLine();
    }

    private static void PrintSummary(List<TrainResult> runs, LeastSquares exact)
    {
        Console.WriteLine("  method                   |  final MSE |    R^2 | R^2 gap to exact |  steps");
        Console.WriteLine("  ------------------------ | ---------- | ------ | ---------------- | ------");
        foreach (TrainResult r in runs)
        {
            double gap = exact.RSquared - r.RSquared;
            Console.WriteLine($"  {r.Name,-24} | {r.Losses[^1],10:F6} | {r.RSquared,6:F4} | {gap,16:F4} | {r.Steps,6}");
        }

        Console.WriteLine($"  {"closed form (normal eq.)",-24} | {exact.MeanSquaredError,10:F6} | {exact.RSquared,6:F4} | {0.0,16:F4} |      -");
        Console.WriteLine();
    }

    private static void PrintCoefficients(List<TrainResult> runs, LeastSquares exact, Dataset data)
    {
        Console.Write("  coefficient (standardized)");
        foreach (TrainResult r in runs)
        {
            Console.Write($" | {r.Name,9}");
        }

        Console.WriteLine(" | closed form");
        Console.Write("  --------------------------");
        foreach (TrainResult unused in runs)
        {
            Console.Write(" | ---------");
        }

        Console.WriteLine(" | -----------");
        for (int j = 0; j <= data.Features; j++)
        {
            string label = j < data.Features ? "w[" + data.FeatureNames[j] + "]" : "bias";
            Console.Write($"  {label,-26}");
            foreach (TrainResult r in runs)
            {
                float value = j < data.Features ? r.Weights[j] : r.Bias;
                Console.Write($" | {Clean(value),9:F4}");
            }

            double exactValue = j < data.Features ? exact.Weights[j] : exact.Bias;
            Console.WriteLine($" | {Clean(exactValue),11:F4}");
        }
    }

    /// <summary>Prints tiny values as 0.0000 rather than -0.0000.</summary>
    private static double Clean(double value) => Math.Abs(value) < 5e-5 ? 0.0 : value;

    private static bool TryParseArguments(string[] args, out int epochs, out bool help, out string? error)
    {
        epochs = DefaultEpochs;
        help = false;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs":
                    if (i + 1 >= args.Length)
                    {
                        error = "--epochs needs a value.";
                        return false;
                    }

                    if (!int.TryParse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture, out epochs) || epochs < 1 || epochs > 100_000)
                    {
                        error = $"--epochs must be an integer from 1 to 100000, got '{args[i]}'.";
                        return false;
                    }

                    break;
                case "-h":
                case "--help":
                    help = true;
                    break;
                default:
                    error = $"Unknown argument '{args[i]}'.";
                    return false;
            }
        }

        return true;
    }

    private static void PrintUsage(TextWriter writer)
    {
        writer.WriteLine("Usage: dotnet run --project samples/QuickStart -c Release [-- --epochs N]");
        writer.WriteLine($"  --epochs N   passes over the data per optimizer (default {DefaultEpochs})");
    }

    private static double Dot(float[] w, ReadOnlySpan<double> x)
    {
        double s = 0;
        for (int j = 0; j < w.Length; j++)
        {
            s += w[j] * x[j];
        }

        return s;
    }

    private static void Shuffle(int[] items, Random random)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int k = random.Next(i + 1);
            (items[i], items[k]) = (items[k], items[i]);
        }
    }

    private static double NextGaussian(Random random)
    {
        // Box-Muller; 1 - NextDouble() is in (0, 1], so the logarithm is finite.
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private sealed record TrainResult(string Name, double[] Losses, double RSquared, float[] Weights, float Bias, long Steps);
}

/// <summary>The diabetes data, standardized: every feature and the label have mean 0 and (population) std 1.</summary>
internal sealed class Dataset
{
    private readonly double[] _x;

    private Dataset(string[] featureNames, string labelName, double[] x, double[] label)
    {
        FeatureNames = featureNames;
        LabelName = labelName;
        _x = x;
        Label = label;
    }

    public string[] FeatureNames { get; }

    public string LabelName { get; }

    public int Features => FeatureNames.Length;

    public int Rows => Label.Length;

    public double[] Label { get; }

    public ReadOnlySpan<double> Row(int i) => new(_x, i * Features, Features);

    /// <summary>Reads a CSV with a header whose last column is the label, and standardizes every column.</summary>
    public static Dataset Load(string path)
    {
        string[] lines = File.ReadAllLines(path);
        if (lines.Length < 3)
        {
            throw new FormatException("expected a header and at least two rows.");
        }

        string[] header = lines[0].Trim().Split(',');
        int columns = header.Length;
        var values = new List<double[]>();
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string[] cells = line.Split(',');
            if (cells.Length != columns)
            {
                throw new FormatException($"line {i + 1} has {cells.Length} values; the header has {columns}.");
            }

            var row = new double[columns];
            for (int j = 0; j < columns; j++)
            {
                if (!double.TryParse(cells[j], NumberStyles.Float, CultureInfo.InvariantCulture, out row[j]))
                {
                    throw new FormatException($"line {i + 1}, column '{header[j]}': '{cells[j]}' is not a number.");
                }
            }

            values.Add(row);
        }

        int n = values.Count;
        int d = columns - 1;
        var x = new double[n * d];
        var y = new double[n];
        for (int j = 0; j < columns; j++)
        {
            double mean = 0;
            for (int i = 0; i < n; i++)
            {
                mean += values[i][j];
            }

            mean /= n;
            double variance = 0;
            for (int i = 0; i < n; i++)
            {
                double c = values[i][j] - mean;
                variance += c * c;
            }

            double std = Math.Sqrt(variance / n);
            if (std == 0)
            {
                std = 1;
            }

            for (int i = 0; i < n; i++)
            {
                double z = (values[i][j] - mean) / std;
                if (j < d)
                {
                    x[(i * d) + j] = z;
                }
                else
                {
                    y[i] = z;
                }
            }
        }

        return new Dataset(header[..d], header[d], x, y);
    }

    /// <summary>Mean squared error of <c>w . x + b</c> over all rows.</summary>
    public double MeanSquaredError(ReadOnlySpan<float> w, double b)
    {
        double sse = 0;
        for (int i = 0; i < Rows; i++)
        {
            ReadOnlySpan<double> x = Row(i);
            double prediction = b;
            for (int j = 0; j < Features; j++)
            {
                prediction += w[j] * x[j];
            }

            double r = prediction - Label[i];
            sse += r * r;
        }

        return sse / Rows;
    }

    /// <summary>The coefficient of determination, 1 - SSE/SST.</summary>
    public double RSquared(ReadOnlySpan<float> w, double b)
    {
        double mean = 0;
        foreach (double v in Label)
        {
            mean += v;
        }

        mean /= Rows;
        double sst = 0;
        foreach (double v in Label)
        {
            sst += (v - mean) * (v - mean);
        }

        return 1.0 - (MeanSquaredError(w, b) * Rows / sst);
    }
}

/// <summary>The exact least-squares fit: the normal equations [X 1]^T [X 1] beta = [X 1]^T y solved in double.</summary>
internal sealed class LeastSquares
{
    private LeastSquares(double[] weights, double bias, double mse, double rSquared)
    {
        Weights = weights;
        Bias = bias;
        MeanSquaredError = mse;
        RSquared = rSquared;
    }

    public double[] Weights { get; }

    public double Bias { get; }

    public double MeanSquaredError { get; }

    public double RSquared { get; }

    public static LeastSquares Solve(Dataset data)
    {
        int d = data.Features;
        int m = d + 1; // the last unknown is the bias
        var a = new double[m, m + 1]; // augmented matrix [A | rhs]
        var z = new double[m];
        for (int i = 0; i < data.Rows; i++)
        {
            ReadOnlySpan<double> x = data.Row(i);
            x.CopyTo(z);
            z[d] = 1.0;
            for (int r = 0; r < m; r++)
            {
                for (int c = 0; c < m; c++)
                {
                    a[r, c] += z[r] * z[c];
                }

                a[r, m] += z[r] * data.Label[i];
            }
        }

        double[] beta = GaussianElimination(a, m);
        double sse = 0;
        for (int i = 0; i < data.Rows; i++)
        {
            ReadOnlySpan<double> x = data.Row(i);
            double prediction = beta[d];
            for (int j = 0; j < d; j++)
            {
                prediction += beta[j] * x[j];
            }

            double r = prediction - data.Label[i];
            sse += r * r;
        }

        double mean = 0;
        foreach (double v in data.Label)
        {
            mean += v;
        }

        mean /= data.Rows;
        double sst = 0;
        foreach (double v in data.Label)
        {
            sst += (v - mean) * (v - mean);
        }

        return new LeastSquares(beta[..d], beta[d], sse / data.Rows, 1.0 - (sse / sst));
    }

    /// <summary>Solves the m x m system in the augmented matrix with partial pivoting.</summary>
    private static double[] GaussianElimination(double[,] a, int m)
    {
        for (int col = 0; col < m; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < m; r++)
            {
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(a[pivot, col]) < 1e-12)
            {
                throw new InvalidOperationException("The normal equations are singular.");
            }

            if (pivot != col)
            {
                for (int c = col; c <= m; c++)
                {
                    (a[col, c], a[pivot, c]) = (a[pivot, c], a[col, c]);
                }
            }

            for (int r = col + 1; r < m; r++)
            {
                double f = a[r, col] / a[col, col];
                for (int c = col; c <= m; c++)
                {
                    a[r, c] -= f * a[col, c];
                }
            }
        }

        var beta = new double[m];
        for (int r = m - 1; r >= 0; r--)
        {
            double s = a[r, m];
            for (int c = r + 1; c < m; c++)
            {
                s -= a[r, c] * beta[c];
            }

            beta[r] = s / a[r, r];
        }

        return beta;
    }
}
