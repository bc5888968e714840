// QuickStart: the raw optimizer loop with the core library only (no ML.NET, no training engine). Fits a linear least-squares
// model y = w·x + b to the diabetes data with mini-batch gradients, once with Lion and once with Adafactor: your code
// computes the gradients, optimizer.Apply updates the parameters in place.
// Run: dotnet run --project samples/QuickStart -c Release [-- --epochs N | --quick]
using System;
using System.Globalization;
using System.IO;
using System.Linq;
using MLNet.Optimizers;
using MLNet.Optimizers.Samples;
using MLNet.Optimizers.Schedules;

SampleArgs? options = SampleArgs.Parse("QuickStart", args, defaultEpochs: 200, quickEpochs: 30, out int exitCode);
if (options is null)
{
    return exitCode;
}

// diabetes.csv: a header, 10 numeric features, the label (progression) last. Every column is standardized (mean 0,
// standard deviation 1), so one learning rate suits every weight.
double[][] table = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "data", "diabetes.csv")).Skip(1)
    .Select(line => line.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
int rows = table.Length, features = table[0].Length - 1;
for (int j = 0; j <= features; j++)
{
    double mean = table.Average(r => r[j]), std = Math.Sqrt(table.Average(r => (r[j] - mean) * (r[j] - mean)));
    foreach (double[] r in table)
    {
        r[j] = (r[j] - mean) / std;
    }
}

const int batchSize = 32, seed = 42;
long totalSteps = (long)options.Epochs * ((rows + batchSize - 1) / batchSize);
Console.WriteLine($"QuickStart: least squares on diabetes.csv ({rows} rows, {features} features), {options.Epochs} epochs of batches of {batchSize} ({totalSteps} steps)");

// Lion moves every weight by ±lr per step, so its learning rate decays (cosine, to 1 % of the start) for the weights to
// settle; decoupled weight decay spares the bias. Adafactor's step is relative to each parameter's RMS.
var lion = new Lion(new CosineDecay(0.02, totalSteps, alpha: 0.01)) { WeightDecay = 0.01 };
lion.ExcludeFromWeightDecay(namePatterns: new[] { "bias" });
var adafactor = new Adafactor(new CosineDecay(0.1, totalSteps, alpha: 0.01));
double lionR2 = Train("Lion", lion), adafactorR2 = Train("Adafactor", adafactor);

double bar = options.Quick ? 0.45 : 0.51;
Console.WriteLine($"check:    R² Lion {lionR2:F4}, Adafactor {adafactorR2:F4} (bar {bar:F2})");
return lionR2 >= bar && adafactorR2 >= bar ? 0 : 1;

double Train(string name, Optimizer optimizer)
{
    // Both runs start from the same small random weights (Adafactor's relative steps barely move all-zero weights).
    var random = new Random(seed);
    float[] w = Enumerable.Range(0, features).Select(_ => (float)(0.1 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();
    var weights = new Parameter("weights", new[] { features }, w);
    var bias = new Parameter("bias", Array.Empty<int>(), new float[1]);
    optimizer.Build(new[] { weights, bias });

    // The gradient buffers are allocated once and refilled every step.
    var gradW = new float[features];
    var gradB = new float[1];
    var gradients = new ReadOnlyMemory<float>?[] { gradW, gradB };
    int[] order = Enumerable.Range(0, rows).ToArray();
    for (int epoch = 1; epoch <= options.Epochs; epoch++)
    {
        random.Shuffle(order);
        for (int start = 0; start < rows; start += batchSize)
        {
            int end = Math.Min(start + batchSize, rows);
            Array.Clear(gradW);
            gradB[0] = 0;
            for (int k = start; k < end; k++)
            {
                double[] r = table[order[k]];
                float residual = (float)(Predict(r) - r[features]);
                for (int j = 0; j < features; j++)
                {
                    gradW[j] += 2f * residual * (float)r[j] / (end - start); // d/dw of the batch's mean squared error
                }

                gradB[0] += 2f * residual / (end - start);
            }

            optimizer.Apply(gradients); // updates weights and bias in place
        }

        if (epoch == 1 || epoch % Math.Max(1, options.Epochs / 5) == 0)
        {
            Console.WriteLine($"  {name,-9} epoch {epoch,4}  MSE {MeanSquaredError():F4}");
        }
    }

    double r2 = 1 - MeanSquaredError(); // the label is standardized: its variance is 1
    Console.WriteLine($"  {name,-9} R² {r2:F4} after {optimizer.Iterations} steps; bias {bias.Value.Span[0]:F4}, weights {string.Join(" ", w.Select(v => v.ToString("F3", CultureInfo.InvariantCulture)))}");
    return r2;

    double Predict(double[] r)
    {
        double sum = bias.Value.Span[0];
        for (int j = 0; j < features; j++)
        {
            sum += w[j] * r[j];
        }

        return sum;
    }

    double MeanSquaredError() => table.Average(r => (Predict(r) - r[features]) * (Predict(r) - r[features]));
}
