using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Kernels;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.Tests;

/// <summary>
/// Adafactor where a second moment is 0 (issue 14): Keras divides by it and the tensor turns into NaN; the library's
/// default gives those elements a zero step and leaves every other element exactly as Keras computes it;
/// <see cref="Adafactor.ZeroMomentNaN"/> keeps Keras's NaN.
/// </summary>
[TestClass]
public sealed class AdafactorZeroMomentTests
{
    private static bool SameBits(float a, float b) =>
        (float.IsNaN(a) && float.IsNaN(b)) || BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b);

    private static void AssertBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what + ": length");
        for (int i = 0; i < expected.Length; i++)
        {
            if (!SameBits(expected[i], actual[i]))
            {
                Assert.Fail($"{what}[{i}]: expected {expected[i].ToString("R", CultureInfo.InvariantCulture)}, got {actual[i].ToString("R", CultureInfo.InvariantCulture)}");
            }
        }
    }

    /// <summary>A [4, 3] gradient whose row 0 and column 0 are all zero; the other values are ordinary.</summary>
    private static float[] ZeroRowAndColumnGradient()
    {
        var g = new float[12];
        for (int i = 1; i < 4; i++)
        {
            for (int j = 1; j < 3; j++)
            {
                g[(i * 3) + j] = 0.25f * (i + j) * (((i + j) % 2 == 0) ? 1f : -1f);
            }
        }

        return g;
    }

    /// <summary>
    /// The failing case: with Keras's defaults, <c>v[0,0] = (r_0/mean(r)) * c_0</c> is about 1e-60, 0 in float32, so
    /// Keras computes <c>u = 0/0</c> and every element of the kernel becomes NaN. <see cref="Adafactor.ZeroMomentNaN"/>
    /// reproduces that; the default gives element [0,0] no step and matches the scalar restatement of Keras with the
    /// guard.
    /// </summary>
    [TestMethod]
    public void ZeroRowAndColumn_KerasNaNOnlyWithTheOption_DefaultFiniteAndExact()
    {
        float[] initial = Enumerable.Range(0, 12).Select(i => 0.1f * (i - 5)).ToArray();
        float[] g = ZeroRowAndColumnGradient();
        foreach (bool keras in new[] { true, false })
        {
            var p = new Parameter("dense/kernel", new[] { 4, 3 }, (float[])initial.Clone());
            var opt = new Adafactor { ZeroMomentNaN = keras };
            opt.Build(new[] { p });
            var h = new ScalarReference.AdafactorHyperparameters(ZeroMomentNaN: keras);
            float[] x = (float[])initial.Clone(), r = new float[4], c = new float[3], v = new float[12];
            for (int step = 0; step < 3; step++)
            {
                ScalarReference.AdafactorUpdateStep(new[] { 4, 3 }, x, r, c, v, g, 0.001f, step, h);
                opt.Apply(new ReadOnlyMemory<float>?[] { g });
                AssertBits(x, p.Value.Span, $"ZeroMomentNaN = {keras}, step {step}");
            }

            if (keras)
            {
                Assert.IsTrue(p.Value.ToArray().All(float.IsNaN), "Keras's arithmetic: every element of the kernel is NaN");
            }
            else
            {
                Assert.IsTrue(p.Value.ToArray().All(float.IsFinite), "default: finite");
                Assert.AreEqual(initial[0], p.Value.Span[0], "the zero-moment element gets no step");
                Assert.AreNotEqual(initial[4], p.Value.Span[4], "ordinary elements move");
            }
        }
    }

    /// <summary>
    /// With <c>epsilon_1 = 0</c> a zero gradient has a zero second moment in every rank: a vector's <c>v = 0</c> and
    /// a matrix block's <c>mean(r) = 0</c> (Keras: 0/0 = NaN). The default leaves such parameters where they are.
    /// </summary>
    [TestMethod]
    [DataRow("[7]", DisplayName = "vector [7], epsilon_1 = 0, zero gradient")]
    [DataRow("[3,5]", DisplayName = "matrix [3,5], epsilon_1 = 0, zero gradient")]
    [DataRow("[2,3,4]", DisplayName = "tensor [2,3,4], epsilon_1 = 0, zero gradient")]
    public void EpsilonZero_ZeroGradient_NaNOnlyWithTheOption(string shapeText)
    {
        int[] shape = shapeText.Trim('[', ']').Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        int n = shape.Aggregate(1, (a, b) => a * b);
        float[] initial = Enumerable.Range(0, n).Select(i => 0.5f - (0.03f * i)).ToArray();
        foreach (bool keras in new[] { true, false })
        {
            var p = new Parameter("w", shape, (float[])initial.Clone());
            var opt = new Adafactor(0.01, epsilon1: 0) { ZeroMomentNaN = keras };
            opt.Build(new[] { p });
            opt.Apply(new ReadOnlyMemory<float>?[] { new float[n] });
            if (keras)
            {
                Assert.IsTrue(p.Value.ToArray().All(float.IsNaN), "Keras: 0/0");
            }
            else
            {
                AssertBits(initial, p.Value.Span, "default: a zero gradient does not move the variable");
            }
        }
    }

    private static readonly string[] Shapes = { "[300]", "[37,129]", "[130,300]", "[3,17,140]", "[9,1]", "[1,40]", "[2,1,40]" };

    public static IEnumerable<object[]> PathCases() =>
        from path in KernelPath.All()
        from shape in Shapes
        from eps1 in new[] { 1e-30, 0.0 }
        from keras in new[] { false, true }
        select new object[] { path.ToString(), shape, eps1, keras };

    public static string PathCaseName(MethodInfo method, object[] data) =>
        $"Adafactor {data[0]} {data[1]} epsilon_1={Convert.ToString(data[2], CultureInfo.InvariantCulture)} ZeroMomentNaN={data[3]}";

    /// <summary>
    /// Every kernel path, both modes, against the scalar restatement of Keras (with or without the guard): gradients
    /// with all-zero rows and columns next to large values (so factored moments underflow to 0 in some rows and not in
    /// others), exact zeros in vectors, and <c>epsilon_1</c> of Keras's 1e-30 or 0.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(PathCases), DynamicDataDisplayName = nameof(PathCaseName))]
    public void EveryKernelPath_ZeroMoments_MatchReference(string pathName, string shapeText, double eps1, bool keras)
    {
        KernelPath path = KernelPath.All().Single(p => p.ToString() == pathName);
        int[] shape = shapeText.Trim('[', ']').Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        int n = shape.Aggregate(1, (a, b) => a * b);
        int cols = shape[^1];
        int rows = shape.Length >= 2 ? shape[^2] : 1;
        var rng = new Random((n * 17) + (int)(eps1 * 1e30) + (keras ? 1 : 0));
        float[] initial = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var p = new Parameter("w", shape, (float[])initial.Clone());
        var h = new ScalarReference.AdafactorHyperparameters(Epsilon1: eps1, ZeroMomentNaN: keras);
        var opt = new Adafactor(0.01, h.Beta2Decay, h.Epsilon1, h.Epsilon2, h.ClipThreshold, h.RelativeStep) { Path = path, ZeroMomentNaN = keras };
        opt.Build(new[] { p });
        float[] x = (float[])initial.Clone();
        float[] r = shape.Length >= 2 ? new float[n / cols] : Array.Empty<float>();
        float[] c = shape.Length >= 2 ? new float[n / rows] : Array.Empty<float>();
        float[] v = new float[n];
        for (int step = 0; step < 4; step++)
        {
            var g = new float[n];
            int zeroRow = rng.Next(rows), zeroCol = rng.Next(cols);
            for (int k = 0; k < n; k++)
            {
                int j = k % cols, i = (k / cols) % rows;
                bool zero = shape.Length >= 2 ? i == zeroRow || j == zeroCol : rng.Next(8) == 0;
                g[k] = zero ? 0f : (float)(rng.NextDouble() - 0.5) * (rng.Next(40) == 0 ? 1e6f : 1f);
            }

            ScalarReference.AdafactorUpdateStep(shape, x, r, c, v, g, 0.01f, step, h);
            opt.Apply(new ReadOnlyMemory<float>?[] { g });
            AssertBits(x, p.Value.Span, $"{pathName} {shapeText} eps1 {eps1} ZeroMomentNaN {keras} step {step}");
            if (!keras)
            {
                Assert.IsTrue(p.Value.ToArray().All(float.IsFinite), "the default is finite");
            }
        }
    }

    /// <summary>The option is not a Keras key: absent from the config when off, <c>"zero_moment_nan": true</c> when on, read back by FromConfig.</summary>
    [TestMethod]
    public void Config_KeyOnlyWhenOn_RoundTrips()
    {
        JsonObject off = new Adafactor().GetConfig();
        Assert.IsFalse(off.ContainsKey(Adafactor.ZeroMomentNaNKey), "the default config is Keras's (loads in Keras)");
        Assert.IsFalse(((Adafactor)KerasConfig.OptimizerFromConfig("Adafactor", off)).ZeroMomentNaN, "a Keras config gives the default");

        JsonObject on = new Adafactor { ZeroMomentNaN = true }.GetConfig();
        Assert.IsTrue(on[Adafactor.ZeroMomentNaNKey]!.GetValue<bool>());
        var back = (Adafactor)KerasConfig.DeserializeOptimizer(new Adafactor { ZeroMomentNaN = true }.Serialize().ToJsonString());
        Assert.IsTrue(back.ZeroMomentNaN, "Serialize/Deserialize keeps the option");

        on[Adafactor.ZeroMomentNaNKey] = "yes";
        var e = Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.OptimizerFromConfig("Adafactor", on));
        StringAssert.Contains(e.Message, "$.zero_moment_nan");
        StringAssert.Contains(e.Message, "\"yes\"");
    }

    /// <summary>A checkpoint keeps the option (its config carries it), and loading it into the other mode is refused.</summary>
    [TestMethod]
    public void Checkpoint_KeepsTheOption_AndRefusesTheOtherMode()
    {
        var p = new Parameter("w", new[] { 4, 3 }, new float[12]);
        var opt = new Adafactor { ZeroMomentNaN = true };
        opt.Build(new[] { p });
        opt.Apply(new ReadOnlyMemory<float>?[] { ZeroRowAndColumnGradient() });
        using var ms = new MemoryStream();
        opt.SaveState(ms);

        ms.Position = 0;
        var restored = (Adafactor)Optimizer.LoadCheckpoint(ms, new[] { new Parameter("w", new[] { 4, 3 }, new float[12]) });
        Assert.IsTrue(restored.ZeroMomentNaN);

        ms.Position = 0;
        var other = new Adafactor();
        other.Build(new[] { new Parameter("w", new[] { 4, 3 }, new float[12]) });
        var e = Assert.ThrowsExactly<InvalidDataException>(() => other.LoadState(ms));
        StringAssert.Contains(e.Message, "zero_moment_nan");
    }
}
