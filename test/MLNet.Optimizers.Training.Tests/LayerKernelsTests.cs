using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>
/// <c>LayerKernels</c> against <see cref="LayerReference"/>, bit for bit, with each register width forced (512, 256,
/// 128 and scalar; a width the processor lacks falls back to the next one), every length 0..257 (each mix of vector
/// bodies and scalar tails) and edge values (±0, subnormals, ±∞, NaN, the ends of exp's range); large shapes run on 1
/// and 2 threads and must give the same bits; the float formulas are checked for accuracy against double math.
/// </summary>
[TestClass]
public sealed class LayerKernelsTests
{
    private const int MaxLength = 257;

    private static readonly int[] Widths = { 512, 256, 128, 0 };

    private static readonly Activation?[] AllActivations = { null, Activation.ReLU, Activation.Tanh, Activation.Sigmoid, Activation.Gelu };

    private static readonly float[] Edges =
    {
        0f, -0f, 1f, -1f, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, 1e-30f, float.MaxValue, float.MinValue,
        float.PositiveInfinity, float.NegativeInfinity, float.NaN, 88.7228317f, 88.73f, 88.72f, -87.33f, -103.97f, -103.98f,
        -104f, 0.625f, -0.625f, 0.6249999f, 20f, -20f, 9f, -9f, 44f, 1e-8f, -1e-8f, 0.34657359f, -0.34657359f,
    };

    private static bool SameBits(float a, float b) => (float.IsNaN(a) && float.IsNaN(b)) || BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b);

    private static string D(float f) => $"{f.ToString("R", CultureInfo.InvariantCulture)} (0x{BitConverter.SingleToInt32Bits(f):X8})";

    private static void AssertBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!SameBits(expected[i], actual[i]))
            {
                Assert.Fail($"{what}: [{i}] expected {D(expected[i])}, actual {D(actual[i])}");
            }
        }
    }

    /// <summary>Normals scaled over several decades, with the edge values mixed in.</summary>
    private static float[] Values(int n, int seed, float scale = 3f, bool edges = true)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = edges && rng.Next(6) == 0
                ? Edges[rng.Next(Edges.Length)]
                : (float)((rng.NextDouble() - 0.5) * 2 * scale * Math.Pow(10, rng.Next(-2, 2)));
        }

        return x;
    }

    private static string Name(Activation? a) => a?.ToString() ?? "identity";

    [TestMethod]
    public void ExpMatchesTheReferenceOnEveryWidthLengthAndEdgeValue()
    {
        foreach (int width in Widths)
        {
            for (int n = 0; n <= MaxLength; n++)
            {
                float[] x = Values(n, n, 60f);
                float[] actual = (float[])x.Clone();
                LayerKernels.ExpInPlace(actual, width);
                AssertBits(x.Select(LayerReference.Exp).ToArray(), actual, $"exp, width {width}, n {n}");
            }

            float[] e = (float[])Edges.Clone();
            LayerKernels.ExpInPlace(e, width);
            AssertBits(Edges.Select(LayerReference.Exp).ToArray(), e, $"exp of the edge values, width {width}");
        }
    }

    /// <summary>The float exp is within 2 ulp of the correctly rounded value over the normal range, and exact at the ends.</summary>
    [TestMethod]
    public void ExpIsWithinTwoUlp()
    {
        var x = new float[200_001];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = -87f + (175.7f * i / (x.Length - 1));
        }

        float[] e = (float[])x.Clone();
        LayerKernels.ExpInPlace(e);
        int worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            float exact = (float)Math.Exp(x[i]);
            int ulps = Math.Abs(BitConverter.SingleToInt32Bits(exact) - BitConverter.SingleToInt32Bits(e[i]));
            worst = Math.Max(worst, ulps);
        }

        Assert.IsLessThanOrEqualTo(2, worst, "largest error in ulp over [-87, 88.7]");
        float[] special = { 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 89f, -104f, -100f };
        LayerKernels.ExpInPlace(special);
        Assert.AreEqual(1f, special[0]);
        Assert.AreEqual(1f, special[1]);
        Assert.AreEqual(float.PositiveInfinity, special[2]);
        Assert.AreEqual(0f, special[3]);
        Assert.IsTrue(float.IsNaN(special[4]));
        Assert.AreEqual(float.PositiveInfinity, special[5]);
        Assert.AreEqual(0f, special[6]);
        Assert.AreEqual(Math.Exp(-100), special[7], 2e-45, "exp(-100) is a subnormal, rounded once");
    }

    /// <summary>The activations and GELU's derivative against double-precision formulas.</summary>
    [TestMethod]
    [DataRow(Activation.Tanh, DisplayName = "tanh accuracy")]
    [DataRow(Activation.Sigmoid, DisplayName = "sigmoid accuracy")]
    [DataRow(Activation.Gelu, DisplayName = "GELU accuracy")]
    public void ActivationsAreAccurate(Activation a)
    {
        double worst = 0;
        double worstDerivative = 0;
        for (int i = 0; i <= 40_000; i++)
        {
            float x = -20f + (40f * i / 40_000);
            float got = LayerReference.Forward(a, x);
            double exact = a switch
            {
                Activation.Tanh => Math.Tanh(x),
                Activation.Sigmoid => 1 / (1 + Math.Exp(-x)),
                _ => 0.5 * x * (1 + ErfDouble(x / Math.Sqrt(2))),
            };
            worst = Math.Max(worst, Math.Abs(got - exact) / Math.Max(1, Math.Abs(exact)));
            if (a == Activation.Gelu)
            {
                double d = (0.5 * (1 + ErfDouble(x / Math.Sqrt(2)))) + (x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI));
                worstDerivative = Math.Max(worstDerivative, Math.Abs(LayerReference.GeluDerivative(x) - d));
            }
        }

        Assert.IsLessThan(1e-6, worst, $"{a}: largest error (absolute, relative above 1)");
        Assert.IsLessThan(1e-6, worstDerivative, $"{a}: largest error of the derivative");
        Assert.AreEqual(0f, LayerReference.Forward(a, 0f) - (a == Activation.Sigmoid ? 0.5f : 0f), 0f, $"{a}(0)");
    }

    private static double ErfDouble(double x)
    {
        // Abramowitz-Stegun 7.1.26 is too coarse for a 1e-6 check: integrate exp(-t^2) by Simpson's rule instead.
        int n = 2000;
        double h = x / n, s = 1 + Math.Exp(-x * x);
        for (int i = 1; i < n; i++)
        {
            s += (i % 2 == 1 ? 4 : 2) * Math.Exp(-(i * h) * (i * h));
        }

        return 2 / Math.Sqrt(Math.PI) * s * h / 3;
    }

    [TestMethod]
    public void BiasActivationMatchesTheReference()
    {
        foreach (Activation? a in AllActivations)
        {
            foreach (int width in Widths)
            {
                for (int cols = 0; cols <= MaxLength; cols++)
                {
                    const int rows = 3;
                    float[] z = Values(rows * cols, cols);
                    float[] bias = Values(cols, cols + 1000);
                    float[] ez = (float[])z.Clone(), eh = new float[z.Length];
                    LayerReference.BiasActivation(ez, eh, bias, rows, cols, a);
                    float[] h = new float[z.Length];
                    LayerKernels.BiasActivation(z, h, bias, rows, cols, a, 1, width);
                    AssertBits(ez, z, $"{Name(a)} z, width {width}, cols {cols}");
                    AssertBits(eh, h, $"{Name(a)} h, width {width}, cols {cols}");
                }
            }
        }
    }

    [TestMethod]
    public void ActivationBackwardMatchesTheReference()
    {
        foreach (Activation a in new[] { Activation.ReLU, Activation.Tanh, Activation.Sigmoid, Activation.Gelu })
        {
            foreach (int width in Widths)
            {
                for (int n = 0; n <= MaxLength; n++)
                {
                    float[] z = Values(n, n + 1);
                    float[] h = z.Select(v => LayerReference.Forward(a, v)).ToArray();
                    float[] d = Values(n, n + 2);
                    float[] mask = Values(n, n + 3, 2f, edges: false).Select(v => v > 0 ? 1.25f : 0f).ToArray();
                    foreach (bool masked in new[] { false, true })
                    {
                        float[] expected = (float[])d.Clone();
                        LayerReference.ActivationBackward(a, z, h, expected, masked ? mask : null);
                        float[] actual = (float[])d.Clone();
                        LayerKernels.ActivationBackward(a, z, h, actual, masked ? mask : default, 1, width);
                        AssertBits(expected, actual, $"{a} backward{(masked ? " with dropout mask" : "")}, width {width}, n {n}");
                    }
                }
            }
        }
    }

    [TestMethod]
    public void ColumnSumsMatchTheReference()
    {
        foreach (int width in Widths)
        {
            foreach (int rows in new[] { 0, 1, 2, 7 })
            {
                for (int cols = 0; cols <= MaxLength; cols++)
                {
                    float[] src = Values(rows * cols, (rows * 1000) + cols);
                    float[] expected = new float[cols], actual = Enumerable.Repeat(float.NaN, cols).ToArray();
                    LayerReference.ColumnSums(src, rows, cols, expected);
                    LayerKernels.ColumnSums(src, rows, cols, actual, 1, width);
                    AssertBits(expected, actual, $"column sums, width {width}, rows {rows}, cols {cols}");
                }
            }
        }
    }

    [TestMethod]
    public void SoftmaxHeadsMatchTheReference()
    {
        foreach (int width in Widths)
        {
            foreach (int k in new[] { 1, 2, 3, 10, 16, 17, 33 })
            {
                foreach (int rows in new[] { 0, 1, 5, 37 })
                {
                    float[] logits = Values(rows * k, (rows * 100) + k, 10f, edges: false);
                    if (logits.Length > 3)
                    {
                        logits[1] = 80f; // a dominant class
                        logits[2] = -90f; // an underflowing one
                    }

                    var rng = new Random(k + rows);
                    float[] labels = Enumerable.Range(0, rows).Select(_ => (float)rng.Next(k)).ToArray();
                    float[] weights = Enumerable.Range(0, rows).Select(_ => (float)rng.NextDouble() * 2).ToArray();
                    foreach ((bool weighted, float smoothing) in new[] { (false, 0f), (true, 0f), (false, 0.1f), (true, 0.25f) })
                    {
                        float[] ed = new float[rows * k], ad = new float[rows * k];
                        double[] el = new double[rows], al = new double[rows];
                        LayerReference.SoftmaxCrossEntropy(logits, ed, labels, weighted ? weights : null, el, rows, k, 0.03f, smoothing);
                        LayerKernels.SoftmaxCrossEntropy(logits, ad, labels, weighted ? weights : default, al, rows, k, 0.03f, 1, width, smoothing);
                        string what = $"softmax cross-entropy, width {width}, k {k}, rows {rows}, weighted {weighted}, label smoothing {smoothing}";
                        AssertBits(ed, ad, what + ": delta");
                        CollectionAssert.AreEqual(el, al, what + ": row losses");
                    }

                    float[] ep = (float[])logits.Clone(), ap = (float[])logits.Clone();
                    LayerReference.SoftmaxRows(ep, rows, k);
                    LayerKernels.SoftmaxRows(ap, rows, k, width);
                    AssertBits(ep, ap, $"softmax rows, width {width}, k {k}, rows {rows}");
                }
            }
        }
    }

    [TestMethod]
    public void DropoutMatchesTheReference()
    {
        foreach (int width in Widths)
        {
            for (int n = 0; n <= MaxLength; n++)
            {
                foreach (float keep in new[] { 0.7f, 0.5f, 1f, 0.05f })
                {
                    float[] h = Values(n, n + 7);
                    float[] eh = (float[])h.Clone(), em = new float[n], am = new float[n];
                    LayerReference.Dropout(eh, em, (ulong)n, keep);
                    LayerKernels.DrawDropoutMask(am, new DeterministicRandom((ulong)n), keep);
                    LayerKernels.Multiply(h, am, 1, width);
                    AssertBits(em, am, $"dropout mask, keep {keep}, width {width}, n {n}");
                    AssertBits(eh, h, $"dropout output, keep {keep}, width {width}, n {n}");
                }
            }
        }

        Assert.AreEqual(16777216u, LayerKernels.DropoutThreshold(1f), "keep 1 keeps every 24-bit uniform");
        Assert.AreEqual(8388608u, LayerKernels.DropoutThreshold(0.5f));
    }

    /// <summary>Shapes large enough to split into parts give the same bits on 1 and 2 threads, and match the reference.</summary>
    [TestMethod]
    public void LargeShapesGiveTheSameBitsOnOneAndTwoThreads()
    {
        const int rows = 500, cols = 301; // 150,500 elements: several parts, an uneven last one
        float[] z = Values(rows * cols, 1);
        float[] bias = Values(cols, 2);
        float[] d = Values(rows * cols, 3);
        float[] mask = Values(rows * cols, 4, 2f, edges: false).Select(v => v > 0 ? 2f : 0f).ToArray();
        foreach (Activation a in new[] { Activation.ReLU, Activation.Gelu })
        {
            var results = new List<float[]>();
            foreach (int threads in new[] { 1, 2 })
            {
                float[] zz = (float[])z.Clone(), h = new float[z.Length], dd = (float[])d.Clone(), g = new float[cols], hm = new float[z.Length], m = new float[z.Length];
                LayerKernels.BiasActivation(zz, h, bias, rows, cols, a, threads);
                LayerKernels.ActivationBackward(a, zz, h, dd, mask, threads);
                LayerKernels.ColumnSums(dd, rows, cols, g, threads);
                h.CopyTo(hm, 0);
                LayerKernels.DrawDropoutMask(m, new DeterministicRandom(99), 0.6f);
                LayerKernels.Multiply(hm, m, threads);
                results.Add(zz.Concat(h).Concat(dd).Concat(g).Concat(hm).Concat(m).ToArray());
            }

            AssertBits(results[0], results[1], $"{a}: 1 thread vs 2 threads");
            float[] ez = (float[])z.Clone(), eh = new float[z.Length], ed = (float[])d.Clone(), eg = new float[cols];
            LayerReference.BiasActivation(ez, eh, bias, rows, cols, a);
            LayerReference.ActivationBackward(a, ez, eh, ed, mask);
            LayerReference.ColumnSums(ed, rows, cols, eg);
            AssertBits(ez.Concat(eh).Concat(ed).Concat(eg).ToArray(), results[1].AsSpan(0, (3 * rows * cols) + cols), $"{a}: 2 threads vs the reference");
        }
    }

    /// <summary>A whole training step (forward, head, backward) with dropout gives the same gradients on 1 and 2 threads.</summary>
    [TestMethod]
    public void ForwardBackwardIsTheSameOnOneAndTwoThreads()
    {
        var blas = new ManagedBlasProvider();
        const int rows = 500, features = 50;
        var x = Values(rows * features, 5, 1f, edges: false);
        var rng0 = new Random(6);
        var batch = new Batch(rows, features) { Count = rows };
        x.CopyTo(batch.Features, 0);
        for (int i = 0; i < rows; i++)
        {
            batch.Labels[i] = rng0.Next(4);
            batch.Weights[i] = 1f;
        }

        var grads = new List<float[]>();
        var losses = new List<double>();
        foreach (int threads in new[] { 1, 2 })
        {
            var model = new NeuralModel(features, new ModelOptions { Task = TaskKind.MulticlassClassification, ClassCount = 4, HiddenLayers = new[] { 300, 200 }, Dropout = 0.3, Activation = Activation.Gelu }, 3) { NumThreads = threads };
            NeuralModel.Workspace ws = model.CreateWorkspace(rows);
            losses.Add(model.ForwardBackward(blas, ws, batch, new DeterministicRandom(8)));
            grads.Add(ws.Gradients.SelectMany(g => g).ToArray());
        }

        Assert.AreEqual(losses[0], losses[1], "loss");
        AssertBits(grads[0], grads[1], "gradients, 1 vs 2 threads");
        Assert.IsTrue(grads[0].Any(g => g != 0f) && grads[0].All(float.IsFinite), "the gradients are finite and not all zero");
    }
}
