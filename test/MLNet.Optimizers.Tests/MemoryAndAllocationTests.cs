using System;
using System.Collections.Generic;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Schedules;

namespace MLNet.Optimizers.Tests;

/// <summary>State size (better than Keras) and zero allocations per step.</summary>
[TestClass]
public sealed class MemoryAndAllocationTests
{
    [TestMethod]
    public void AdafactorKeepsOnlyFactoredStatisticsForMatrices()
    {
        var w = Parameter.Zeros("w", 1024, 1024);
        var opt = new Adafactor();
        opt.Build(new[] { w });
        Assert.AreEqual((1024L + 1024L) * sizeof(float), opt.StateSizeInBytes);
        CollectionAssert.AreEqual(new[] { "r", "c" }, new List<string>(opt.GetSlotNames(0)));

        // Rank 3: statistics per leading index; a vector keeps its full second moment.
        var t = Parameter.Zeros("t", 2, 3, 4);
        var v = Parameter.Zeros("v", 10);
        var opt3 = new Adafactor();
        opt3.Build(new[] { t, v });
        Assert.AreEqual(((2L * 3) + (2L * 4) + 10) * sizeof(float), opt3.StateSizeInBytes);
    }

    [TestMethod]
    public void LionCostsExactlyOneFloatPerParameter()
    {
        var w = Parameter.Zeros("w", 1024, 1024);
        var b = Parameter.Zeros("b", 1024);
        var opt = new Lion();
        opt.Build(new[] { w, b });
        Assert.AreEqual((1024L * 1024 + 1024) * sizeof(float), opt.StateSizeInBytes);
    }

    [TestMethod]
    public void EmaAndAccumulationStateIsCounted()
    {
        var w = Parameter.Zeros("w", 100);
        var opt = new Lion { UseEma = true, GradientAccumulationSteps = 2 };
        opt.Build(new[] { w });
        Assert.AreEqual(3L * 100 * sizeof(float), opt.StateSizeInBytes);
    }

    public static IEnumerable<object[]> Optimizers()
    {
        yield return new object[] { "Lion defaults" };
        yield return new object[] { "Lion all options" };
        yield return new object[] { "Adafactor defaults" };
        yield return new object[] { "Adafactor all options" };
        yield return new object[] { "Adafactor zero moments (guarded)" };
        yield return new object[] { "SGD nesterov" };
        yield return new object[] { "AdamW amsgrad" };
    }

    private static Optimizer Create(string name) => name switch
    {
        "Lion defaults" => new Lion(),
        "Lion all options" => new Lion(new CosineDecay(0.01, 100, 0.1, warmupTarget: 0.02, warmupSteps: 5))
        {
            WeightDecay = 0.1, GlobalClipNorm = 1.0, UseEma = true, EmaOverwriteFrequency = 3, LossScaleFactor = 128, GradientAccumulationSteps = 2,
        },
        "Adafactor defaults" => new Adafactor(),
        "Adafactor all options" => new Adafactor(new ExponentialDecay(0.01, 10, 0.9)) { WeightDecay = 0.1, ClipNorm = 1.0, UseEma = true, LossScaleFactor = 64 },
        "Adafactor zero moments (guarded)" => new Adafactor(0.001, epsilon1: 0),
        "SGD nesterov" => new Sgd(0.01, 0.9, true) { ClipValue = 0.5 },
        "AdamW amsgrad" => new AdamW(0.001, amsgrad: true),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Once built and warmed up, a step allocates nothing (every option on, every parameter kind).</summary>
    [TestMethod]
    [DynamicData(nameof(Optimizers))]
    public void StepAllocatesNothing(string name) => AssertStepAllocatesNothing(name, threaded: false);

    /// <summary>The same with every tensor split into small parts on two threads (the split steps allocate nothing either).</summary>
    [TestMethod]
    [DynamicData(nameof(Optimizers))]
    public void SplitStepAllocatesNothing(string name) => AssertStepAllocatesNothing(name, threaded: true);

    private static void AssertStepAllocatesNothing(string name, bool threaded)
    {
        var rng = new Random(7);
        var shapes = new[] { Array.Empty<int>(), new[] { 300 }, new[] { 37, 129 }, new[] { 2, 3, 40 }, new[] { 64, 1 } };
        var vars = new List<Parameter>();
        var grads = new ReadOnlyMemory<float>?[shapes.Length];
        for (int i = 0; i < shapes.Length; i++)
        {
            int n = 1;
            foreach (int d in shapes[i])
            {
                n *= d;
            }

            var init = new float[n];
            var g = new float[n];
            for (int k = 0; k < n; k++)
            {
                init[k] = (float)(rng.NextDouble() - 0.5);
                g[k] = (float)(rng.NextDouble() - 0.5);
            }

            if (name.Contains("zero moments", StringComparison.Ordinal))
            {
                // Zero second moments everywhere the guard acts: the first row and column of a matrix block and
                // the first values of a vector (with epsilon_1 = 0 their moments stay 0).
                bool matrix = shapes[i].Length >= 2;
                int cols = matrix ? shapes[i][^1] : n;
                for (int k = 0; k < n; k++)
                {
                    if (matrix ? k % cols == 0 || k < cols : k < 10)
                    {
                        g[k] = 0f;
                    }
                }
            }

            vars.Add(Parameter.Create("p" + i, shapes[i], init));
            grads[i] = g;
        }

        Optimizer opt = Create(name);
        if (threaded)
        {
            opt.NumThreads = 2;
            opt.MinParallelLength = 1;
            opt.PartLength = 64;
        }

        opt.Build(vars);
        for (int k = 0; k < 50; k++)
        {
            opt.Apply(grads);
        }

        grads[1] = null; // a missing gradient must not allocate either
        opt.Apply(grads);

        // The JIT may tier a method up on this thread during a measurement (that allocates); a real per-step
        // allocation shows in every attempt, so the smallest of a few attempts is the step's own.
        long allocated = long.MaxValue;
        for (int attempt = 0; attempt < 5 && allocated != 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < 20; k++)
            {
                opt.Apply(grads);
            }

            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.AreEqual(0L, allocated, $"{name}: bytes allocated by 20 steps");
        Assert.IsGreaterThanOrEqualTo(71L, opt.RawIterations);
    }
}
