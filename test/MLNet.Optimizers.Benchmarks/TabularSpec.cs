using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Optimizers.MLNet;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Benchmarks;

/// <summary>
/// Experiment trainers from a one-line spec, for the tabular benchmark's <c>--spec</c> option:
/// <c>"lion lr=2e-3 wd=1 h=256,256 e=30 b=32 warm=0.05 act=relu gclip=3 clip=3"</c> (optimizer first; every key
/// optional; <c>gclip</c> is the optimizer's global gradient clipnorm, <c>clip</c> the input's smooth clip).
/// </summary>
internal static class Spec
{
    public static TabularTrainer Parse(string spec)
    {
        string[] parts = spec.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string opt = parts[0].ToLowerInvariant();
        var kv = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string p in parts.Skip(1))
        {
            int eq = p.IndexOf('=');
            if (eq < 0)
            {
                throw new ArgumentException($"spec '{spec}': '{p}' is not key=value");
            }

            kv[p[..eq]] = p[(eq + 1)..];
        }

        double D(string k, double def) => kv.TryGetValue(k, out string? v) ? double.Parse(v, CultureInfo.InvariantCulture) : def;
        int I(string k, int def) => kv.TryGetValue(k, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : def;
        string S(string k, string def) => kv.TryGetValue(k, out string? v) ? v : def;

        return new TabularTrainer(spec, (ml, d, trainSet) =>
        {
            int epochs = I("e", 30), batch = I("b", 32);
            double lr = D("lr", opt == "adafactor" ? 0.05 : 1e-3);
            LearningRate rate = lr;
            Optimizer o = opt switch
            {
                "lion" => new Lion(rate),
                "adafactor" => new Adafactor(rate),
                "adamw" => new AdamW(rate, D("wd", 0.01)),
                "sgd" => new Sgd(rate, 0.9),
                _ => throw new ArgumentException($"unknown optimizer '{opt}'"),
            };
            if (opt != "adamw" && kv.ContainsKey("wd"))
            {
                o.WeightDecay = D("wd", 0);
            }

            if (kv.ContainsKey("gclip"))
            {
                o.GlobalClipNorm = D("gclip", 1);
            }

            string h = S("h", "128");
            int[] hidden = h == "0" ? Array.Empty<int>() : h.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            string prep = S("prep", "none");
            IEstimator<ITransformer> head = new EstimatorChain<ITransformer>();
            string featureColumn = "Features";
            if (prep != "none")
            {
                IDataView f = TabularBenchmark.Featurize(ml, d).Fit(trainSet).Transform(trainSet);
                float[][] rowsX = f.GetColumn<float[]>("Features").ToArray();
                Prep p = Prep.Fit(prep, rowsX);
                head = p.Estimator(ml);
                featureColumn = "Enc";
            }

            var options = new MlpTrainerOptions
            {
                FeatureColumnName = featureColumn,
                Optimizer = o,
                NumberOfEpochs = epochs,
                BatchSize = batch,
                MaterializeInMemory = true,
                HiddenLayers = hidden,
                Activation = S("act", "relu") switch { "tanh" => Activation.Tanh, "sigmoid" => Activation.Sigmoid, _ => Activation.ReLU },
                Dropout = D("drop", 0),
                Seed = (ulong)I("seed", 42),
                SelectionFraction = D("sel", 0),
                EarlyStoppingPatience = kv.ContainsKey("pat") ? I("pat", 10) : null,
                RobustScaling = I("robust", 0) != 0,
                SmoothClip = D("clip", 0),
                PiecewiseLinearBins = I("ple", 0),
                LabelSmoothing = D("ls", 0),
                LearningRateCurve = S("sched", "cos") == "const" ? LearningRateCurve.Constant : LearningRateCurve.WarmupCosine,
                WarmupFraction = D("warm", 0.05),
                MaxSteps = kv.ContainsKey("steps") ? I("steps", 0) : null,
                EnsembleSize = I("k", 1),
                Blas = kv.ContainsKey("bt") ? global::MLNet.Optimizers.Compute.BlasProviders.SelectByRule(I("bt", 1)).Chosen : null,
            };
            IEstimator<ITransformer> trainer = d.Task switch
            {
                TaskKind.Regression => ml.Optimizers().Regression.Mlp(options),
                TaskKind.BinaryClassification => ml.Optimizers().BinaryClassification.Mlp(options),
                _ => ml.Optimizers().MulticlassClassification.Mlp(options),
            };
            return head.Append(trainer);
        });
    }
}

/// <summary>Experiment-only input encodings (in-process CustomMapping; not saveable): smooth clip, piecewise-linear encoding.</summary>
internal sealed class Prep
{
    private readonly int _in;
    private readonly int _out;
    private readonly Action<float[], float[]> _map;

    private Prep(int inCount, int outCount, Action<float[], float[]> map)
    {
        _in = inCount;
        _out = outCount;
        _map = map;
    }

    /// <summary>"clip" (x / sqrt(1 + x²/9)), "pleN" (N quantile bins per feature plus the clipped value), "robustclip".</summary>
    public static Prep Fit(string kind, float[][] x)
    {
        int d = x[0].Length;
        int n = x.Length;
        static float Clip(float v) => v / MathF.Sqrt(1 + (v * v / 9f));
        if (kind == "clip")
        {
            return new Prep(d, d, (a, b) =>
            {
                for (int j = 0; j < d; j++)
                {
                    b[j] = Clip(a[j]);
                }
            });
        }

        if (kind == "robustclip")
        {
            var med = new float[d];
            var inv = new float[d];
            for (int j = 0; j < d; j++)
            {
                float[] col = x.Select(r => r[j]).OrderBy(v => v).ToArray();
                float q1 = col[n / 4], q2 = col[n / 2], q3 = col[(3 * n) / 4];
                float range = q3 - q1;
                if (range <= 0)
                {
                    range = 0.5f * (col[^1] - col[0]);
                }

                med[j] = q2;
                inv[j] = range > 0 ? 1f / range : 0f;
            }

            return new Prep(d, d, (a, b) =>
            {
                for (int j = 0; j < d; j++)
                {
                    b[j] = Clip((a[j] - med[j]) * inv[j]);
                }
            });
        }

        if (kind.StartsWith("ple", StringComparison.Ordinal))
        {
            int bins = int.Parse(kind[3..], CultureInfo.InvariantCulture);
            var edges = new List<float[]>();
            for (int j = 0; j < d; j++)
            {
                float[] col = x.Select(r => r[j]).OrderBy(v => v).ToArray();
                var e = new List<float>();
                for (int t = 0; t <= bins; t++)
                {
                    float q = col[Math.Min(n - 1, (int)((long)t * (n - 1) / bins))];
                    if (e.Count == 0 || q > e[^1])
                    {
                        e.Add(q);
                    }
                }

                edges.Add(e.ToArray());
            }

            int outCount = d + edges.Sum(e => Math.Max(0, e.Length - 1));
            return new Prep(d, outCount, (a, b) =>
            {
                int k = 0;
                for (int j = 0; j < d; j++)
                {
                    b[k++] = Clip(a[j]);
                    float[] e = edges[j];
                    for (int t = 1; t < e.Length; t++)
                    {
                        float v = (a[j] - e[t - 1]) / (e[t] - e[t - 1]);
                        b[k++] = Math.Clamp(v, 0f, 1f);
                    }
                }
            });
        }

        throw new ArgumentException($"unknown prep '{kind}'");
    }

    public IEstimator<ITransformer> Estimator(MLContext ml)
    {
        SchemaDefinition inDef = SchemaDefinition.Create(typeof(In));
        inDef["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, _in);
        SchemaDefinition outDef = SchemaDefinition.Create(typeof(Out));
        outDef["Enc"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, _out);
        int outCount = _out;
        Action<float[], float[]> map = _map;
        return ml.Transforms.CustomMapping<In, Out>((i, o) =>
        {
            o.Enc = new float[outCount];
            map(i.Features, o.Enc);
        }, null, inDef, outDef);
    }

    private sealed class In
    {
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class Out
    {
        public float[] Enc { get; set; } = Array.Empty<float>();
    }
}
