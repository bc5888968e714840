using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Kernels;
using MLNet.Optimizers.Schedules;

namespace MLNet.Optimizers.Tests;

/// <summary>
/// Steps split across threads give the same bits as one thread: every optimizer and option that has an element or
/// reduction kernel, on tensors that split into many parts and unevenly (small parts are forced so that ordinary
/// sizes split; the last part is short, factored rows are odd in number, Adafactor's column ranges are subtrees of
/// uneven rows), on 1, 2 and "all" threads, and with the element kernels capped at each register width.
/// </summary>
[TestClass]
public sealed class ThreadedStepTests
{
    private static readonly int[][] Shapes =
    {
        new[] { 100_003 }, new[] { 301, 517 }, new[] { 3, 131, 257 }, new[] { 70_001, 1 }, new[] { 1, 9_000 }, new[] { 5 },
    };

    public static IEnumerable<object[]> Cases()
    {
        foreach (string name in new[] { "Lion", "Lion all options", "SGD", "SGD nesterov", "AdamW", "AdamW amsgrad", "Adafactor", "Adafactor all options", "Adafactor clipnorm", "Adafactor epsilon_1 0 (zero moments guarded)", "Adafactor Keras NaN" })
        {
            yield return new object[] { name };
        }
    }

    private static Optimizer Create(string name) => name switch
    {
        "Lion" => new Lion(0.01),
        "Lion all options" => new Lion(new CosineDecay(0.01, 100, 0.1)) { WeightDecay = 0.1, GlobalClipNorm = 1.0, UseEma = true, EmaOverwriteFrequency = 3, LossScaleFactor = 128, GradientAccumulationSteps = 2 },
        "SGD" => new Sgd(0.01) { ClipValue = 0.01 },
        "SGD nesterov" => new Sgd(0.01, 0.9, true) { WeightDecay = 0.01 },
        "AdamW" => new AdamW(0.001) { UseEma = true },
        "AdamW amsgrad" => new AdamW(0.001, amsgrad: true) { ClipNorm = 0.5 },
        "Adafactor" => new Adafactor(0.01),
        "Adafactor all options" => new Adafactor(new ExponentialDecay(0.01, 10, 0.9), epsilon1: 1e-15) { WeightDecay = 0.1, UseEma = true, LossScaleFactor = 64, GlobalClipNorm = 2.0 },
        "Adafactor clipnorm" => new Adafactor(0.5, clipThreshold: 0.01) { ClipNorm = 1.0 },
        "Adafactor epsilon_1 0 (zero moments guarded)" => new Adafactor(0.01, epsilon1: 0),
        "Adafactor Keras NaN" => new Adafactor(0.01, epsilon1: 0) { ZeroMomentNaN = true },
        _ => throw new ArgumentException(name),
    };

    /// <summary>Runs 4 steps and returns every parameter and slot value, in order.</summary>
    private static float[] Run(string name, int threads, int minParallel, int partLength, int width)
    {
        var rng = new Random(11);
        var parameters = new List<Parameter>();
        var grads = new ReadOnlyMemory<float>?[Shapes.Length];
        for (int i = 0; i < Shapes.Length; i++)
        {
            int n = Shapes[i].Aggregate(1, (a, b) => a * b);
            var init = new float[n];
            var g = new float[n];
            for (int k = 0; k < n; k++)
            {
                init[k] = (float)(rng.NextDouble() - 0.5);
                g[k] = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-4, 1)));
            }

            // Zero rows and columns: Adafactor's tiny second moments, and the row/column ranges of the square roots.
            if (Shapes[i].Length == 2 && Shapes[i][0] > 2)
            {
                Array.Clear(g, 0, Shapes[i][1]);
            }

            parameters.Add(Parameter.Create("p" + i.ToString(CultureInfo.InvariantCulture), Shapes[i], init));
            grads[i] = g;
        }

        Optimizer opt = Create(name);
        opt.NumThreads = threads;
        opt.MinParallelLength = minParallel;
        opt.PartLength = partLength;
        opt.Width = width;
        if (opt is Adafactor ada && width < Simd.BestWidth)
        {
            // Adafactor's own passes at the same cap (Newton square roots only at 256 and 512 bits).
            ada.Path = KernelPath.All().Where(p => p.Width <= width).OrderByDescending(p => p.Width).First() with { Newton = false };
        }

        opt.Build(parameters);
        for (int step = 0; step < 4; step++)
        {
            opt.Apply(grads);
        }

        var all = new List<float>();
        for (int i = 0; i < parameters.Count; i++)
        {
            all.AddRange(parameters[i].Value.ToArray());
            foreach (string slot in opt.GetSlotNames(i))
            {
                all.AddRange(opt.GetSlot(i, slot).ToArray());
            }
        }

        return all.ToArray();
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        int bad = 0;
        int first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            bool same = (float.IsNaN(expected[i]) && float.IsNaN(actual[i])) || BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]);
            if (!same)
            {
                bad++;
                first = first < 0 ? i : first;
            }
        }

        if (bad > 0)
        {
            Assert.Fail($"{what}: {bad} of {expected.Length} values differ; first at [{first}]: expected {expected[first]:R}, actual {actual[first]:R}");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void SplitStepsGiveTheSameBitsAsOneThread(string name)
    {
        float[] serial = Run(name, 1, int.MaxValue, OptimizerDefaults.PartLength, Simd.BestWidth);
        Assert.IsTrue(serial.Any(v => v != 0f), "the state is not all zero");
        AssertSameBits(serial, Run(name, 2, 1, 1000, Simd.BestWidth), $"{name}: 2 threads, parts of 1000");
        AssertSameBits(serial, Run(name, 2, 1, 4096 + 8, Simd.BestWidth), $"{name}: 2 threads, parts of 4104");
        AssertSameBits(serial, Run(name, 1, 1, 1000, Simd.BestWidth), $"{name}: split into parts, 1 thread");
        AssertSameBits(serial, Run(name, 0, 1, 777, Simd.BestWidth), $"{name}: all threads, parts of 777");
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void EveryRegisterWidthGivesTheSameBits(string name)
    {
        float[] best = Run(name, 2, 1, 1000, Simd.BestWidth);
        foreach (int width in new[] { 256, 128, 0 })
        {
            AssertSameBits(best, Run(name, 2, 1, 1000, width), $"{name}: element kernels capped at width {width}");
        }
    }

    /// <summary>
    /// The 128-bit tier (what ARM64 runs): the element kernels capped at 128 bits and the pairwise sums on two 128-bit
    /// halves give the bits of the widest path, for every optimizer and, directly, for every length 0..257 and beyond.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Vector128TierGivesTheSameBits(string name)
    {
        float[] best = Run(name, 1, int.MaxValue, OptimizerDefaults.PartLength, Simd.BestWidth);
        Pairwise.ForceVector128 = true;
        try
        {
            AssertSameBits(best, Run(name, 1, int.MaxValue, OptimizerDefaults.PartLength, 128), $"{name}: 128-bit tier");
        }
        finally
        {
            Pairwise.ForceVector128 = false;
        }
    }

    [TestMethod]
    public void Vector128PairwiseSumsMatchTheWidePath()
    {
        var rng = new Random(5);
        foreach (int n in Enumerable.Range(0, 258).Concat(new[] { 1000, 4099, 100_003 }))
        {
            float[] x = Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-6, 7)))).ToArray();
            float[] wide = { Pairwise.Sum(x), Pairwise.SumOfSquares(x), Pairwise.SumOfSquaresDivided(x, 3.7f) };
            Pairwise.ForceVector128 = true;
            float[] narrow;
            try
            {
                narrow = new[] { Pairwise.Sum(x), Pairwise.SumOfSquares(x), Pairwise.SumOfSquaresDivided(x, 3.7f) };
            }
            finally
            {
                Pairwise.ForceVector128 = false;
            }

            AssertSameBits(wide, narrow, $"pairwise sums, n {n}");
        }
    }

    /// <summary>The default threshold keeps small tensors on one thread and splits large ones; the option is validated.</summary>
    [TestMethod]
    public void ThreadOptionsAreValidatedAndDefaulted()
    {
        var opt = new Lion();
        Assert.AreEqual(OptimizerDefaults.NumThreads, opt.NumThreads);
        Assert.AreEqual(OptimizerDefaults.MinParallelLength, opt.MinParallelLength);
        Assert.AreEqual(1, opt.Threading.Parts(OptimizerDefaults.MinParallelLength - 1), "below the threshold: one part");
        Assert.IsGreaterThan(1, opt.Threading.Parts(10_000_000), "10M values split into parts");
        Assert.AreEqual(KernelThreads.ProcessorCount, opt.Threading.Threads, "0 means every logical processor");
        ArgumentOutOfRangeException e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => opt.NumThreads = -1);
        StringAssert.Contains(e.Message, "-1");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => opt.MinParallelLength = 0);
    }
}
