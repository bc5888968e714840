using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Kernels;

namespace MLNet.Optimizers.Tests;

/// <summary>
/// The vectorized kernels (Vector512 → Vector256 → scalar tail) and the optimizers built on them, compared bit for bit
/// with <see cref="ScalarReference"/>: plain scalar float32 loops restating INDEX.md sections E-H. Every length from 0 to
/// 257 covers each mix of 512-bit, 256-bit and scalar-tail elements and both sides of the 128-value pairwise block.
/// All NaNs count as equal; everything else (including the sign of zero) must match exactly.
/// </summary>
[TestClass]
public sealed class KernelTests
{
    private const int MaxSmallLength = 257;

    private static readonly int[] LargeLengths = { 1000, 4099, 100_003 };

    private static readonly string[] AdafactorShapes =
    {
        "[]", "[1]", "[7]", "[300]", "[3,5]", "[1,6]", "[6,1]", "[8,1]", "[200,1]", "[1,200]", "[37,129]", "[130,300]",
        "[2,3,4]", "[3,17,140]", "[2,20,1]", "[4,1,9]",
    };

    private static readonly string[] AdafactorConfigNames =
    {
        "defaults",
        "lr=0.01 eps1=1e-15 clip=0.5 wd=0.1",
        "lr=0.5 beta2decay=-0.65 eps2=1e-4 relative_step=false zero-init",
    };

    // ------------------------------------------------------------------------------------------------ helpers

    private static IEnumerable<int> AllLengths() => Enumerable.Range(0, MaxSmallLength + 1).Concat(LargeLengths);

    private static bool SameBits(float a, float b) =>
        (float.IsNaN(a) && float.IsNaN(b)) || BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b);

    private static string Describe(float f) =>
        $"{f.ToString("R", CultureInfo.InvariantCulture)} (0x{BitConverter.SingleToInt32Bits(f):X8})";

    private static void AssertBits(float expected, float actual, string what)
    {
        if (!SameBits(expected, actual))
        {
            Assert.Fail($"{what}: expected {Describe(expected)}, actual {Describe(actual)}");
        }
    }

    private static void AssertBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{what}: length");
        int mismatches = 0;
        var sb = new StringBuilder();
        for (int i = 0; i < expected.Length; i++)
        {
            if (!SameBits(expected[i], actual[i]))
            {
                if (mismatches < 5)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"\n  [{i}] expected {Describe(expected[i])}, actual {Describe(actual[i])}");
                }

                mismatches++;
            }
        }

        if (mismatches > 0)
        {
            Assert.Fail($"{what}: {mismatches} of {expected.Length} values differ from the scalar reference:{sb}");
        }
    }

    private static float Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    /// <summary>Values spread over 14 decades (1e-7 .. 1e7) with random signs and a few ±0: summation order changes the result.</summary>
    private static float[] WideMagnitudes(int n)
    {
        var rng = new Random(n);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            double mag = Math.Pow(10.0, (rng.NextDouble() * 14.0) - 7.0);
            double sign = rng.Next(2) == 0 ? -1.0 : 1.0;
            x[i] = (float)(sign * mag);
            if (rng.Next(37) == 0)
            {
                x[i] = rng.Next(2) == 0 ? 0f : -0f;
            }
        }

        return x;
    }

    /// <summary>Ordinary values mixed with +0, -0, subnormals and (optionally) NaN.</summary>
    private static float[] SpecialValues(Random rng, int n, bool withNaN, float scale = 1f)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            float sign = rng.Next(2) == 0 ? -1f : 1f;
            x[i] = rng.Next(20) switch
            {
                0 => 0f,
                1 => -0f,
                2 => sign * (float)(rng.NextDouble() * 1e-39),
                3 => sign * float.Epsilon * rng.Next(1, 100),
                4 => withNaN ? float.NaN : 0f,
                5 => sign * 1e-30f,
                _ => Normal(rng) * scale * MathF.Pow(10f, rng.Next(-3, 3)),
            };
        }

        return x;
    }

    /// <summary>
    /// Lion gradients from <see cref="SpecialValues"/> where about a third of the values nearly cancel the momentum term:
    /// <c>g ≈ -(m*b1)/(1 - b1)</c>, moved by up to 2 ulp, so that the sign of <c>m*b1 + g*(1 - b1)</c> depends on the
    /// exact float32 rounding of every operation (a double <c>1 - b1</c> or a fused multiply-add flips some signs).
    /// </summary>
    private static float[] LionGradients(Random rng, ReadOnlySpan<float> momentum, float b1, bool withNaN)
    {
        float[] g = SpecialValues(rng, momentum.Length, withNaN);
        float oneMinusB1 = 1f - b1;
        for (int i = 0; i < g.Length; i++)
        {
            float m = momentum[i];
            if (oneMinusB1 != 0f && float.IsFinite(m) && m != 0f && rng.Next(3) == 0)
            {
                float cancel = -(m * b1) / oneMinusB1;
                if (float.IsFinite(cancel) && cancel != 0f)
                {
                    g[i] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(cancel) + rng.Next(-2, 3));
                }
            }
        }

        return g;
    }

    private static float[] NormalValues(Random rng, int n, float scale, double zeroRate = 0.0)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = rng.NextDouble() < zeroRate ? 0f : Normal(rng) * scale;
        }

        return x;
    }

    private static int[] ParseShape(string text)
    {
        string inner = text.Trim('[', ']');
        return inner.Length == 0
            ? Array.Empty<int>()
            : inner.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    }

    private static int Product(int[] shape)
    {
        int n = 1;
        foreach (int d in shape)
        {
            n *= d;
        }

        return n;
    }

    // ------------------------------------------------------------------------------------------------ the oracle itself

    /// <summary>
    /// The reference pairwise sum on hand-computed inputs, so that the oracle is checked against something other than
    /// the code under test. n = 16 with a[0] = 1e8, a[8] = -1e8, ones elsewhere: r0 = 1e8 + (-1e8) = 0, r1..r7 = 2, so
    /// 14 (naive: 1e8 absorbs the first seven ones, then -1e8 gives 0, result 7).
    /// n = 256 splits at 128: each half's r0 stays at ±1e8 (the ones are absorbed, float32 spacing is 8 there), r1..r7
    /// hold 16 each, so the halves are 1e8 + 112 and -1e8 + 112 and the sum is 224 (naive: 127; exact: 254).
    /// </summary>
    [TestMethod]
    public void ReferencePairwiseSum_HandComputedValues()
    {
        float[] sixteen = Enumerable.Repeat(1f, 16).ToArray();
        sixteen[0] = 1e8f;
        sixteen[8] = -1e8f;
        Assert.AreEqual(14f, ScalarReference.PairwiseSum(sixteen));
        Assert.AreEqual(7f, ScalarReference.NaiveSum(sixteen));
        AssertBits(14f, Pairwise.Sum(sixteen), "Pairwise.Sum n=16");

        float[] big = Enumerable.Repeat(1f, 256).ToArray();
        big[0] = 1e8f;
        big[128] = -1e8f;
        Assert.AreEqual(224f, ScalarReference.PairwiseSum(big));
        Assert.AreEqual(127f, ScalarReference.NaiveSum(big));
        AssertBits(224f, Pairwise.Sum(big), "Pairwise.Sum n=256");
        AssertBits(224f, OptimizerKernels.PairwiseSum(big), "OptimizerKernels.PairwiseSum n=256");

        // Fewer than 8 values: left to right from +0, so an all -0 input sums to +0.
        AssertBits(0f, ScalarReference.PairwiseSum(new[] { -0f, -0f, -0f }), "reference n=3 of -0");
        AssertBits(0f, Pairwise.Sum(new[] { -0f, -0f, -0f }), "Pairwise.Sum n=3 of -0");
    }

    private static float JsonFloat(JsonNode? n)
    {
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return (string)v! switch
            {
                "NaN" => float.NaN,
                "Infinity" => float.PositiveInfinity,
                "-Infinity" => float.NegativeInfinity,
                string other => throw new InvalidDataException($"unexpected number string '{other}'"),
            };
        }

        return (float)n!.GetValue<double>();
    }

    private static float[] JsonFloats(JsonNode? n) => n!.AsArray().Select(JsonFloat).ToArray();

    /// <summary>
    /// The oracle against Keras itself: the scalar reference, run on the recorded initial values and gradients of a
    /// golden case (float learning rate, no clipping, EMA, accumulation or loss scaling), reproduces every recorded
    /// variable and slot bit for bit. So a kernel that matches the reference matches Keras.
    /// </summary>
    [TestMethod]
    [DataRow("adafactor_defaults")]
    [DataRow("adafactor_custom_hparams")]
    [DataRow("adafactor_keras_test_hparams")]
    [DataRow("adafactor_weight_decay")]
    [DataRow("adafactor_lr0p5_relative_true")]
    [DataRow("adafactor_lr0p5_relative_false")]
    [DataRow("adafactor_zero_init_vars")]
    [DataRow("adafactor_zero_grads_weight_decay")]
    [DataRow("adafactor_large_grads_1e6")]
    [DataRow("adafactor_overflow_grads_1e20")]
    [DataRow("edge_adafactor_tiny_grads")]
    [DataRow("edge_adafactor_exact_zero_grads")]
    [DataRow("edge_adafactor_none_grad")]
    [DataRow("keras_test_adafactor_golden")]
    [DataRow("keras_test_adafactor_single_step")]
    [DataRow("lion_defaults")]
    [DataRow("lion_custom_lr_betas")]
    [DataRow("lion_weight_decay")]
    [DataRow("lion_beta1_one")]
    [DataRow("edge_lion_exact_zero_grads")]
    [DataRow("edge_lion_tiny_grads")]
    [DataRow("edge_lion_none_grad")]
    [DataRow("keras_test_lion_golden")]
    [DataRow("keras_test_lion_single_step")]
    public void ScalarReference_ReproducesKerasGoldenCase(string caseName)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "golden", caseName + ".json");
        JsonNode root = JsonNode.Parse(File.ReadAllText(path))!;
        bool lion = (string?)root["optimizer"] == "Lion";
        JsonObject kw = root["config"]!["constructor_kwargs"]!.AsObject();
        double Kw(string key, double fallback) => kw[key] is JsonNode n ? n.GetValue<double>() : fallback;
        double? weightDecay = kw["weight_decay"] is JsonNode wdNode ? wdNode.GetValue<double>() : null;
        var h = new ScalarReference.AdafactorHyperparameters(
            Beta2Decay: Kw("beta_2_decay", -0.8),
            Epsilon1: Kw("epsilon_1", 1e-30),
            Epsilon2: Kw("epsilon_2", 1e-3),
            ClipThreshold: Kw("clip_threshold", 1.0),
            RelativeStep: kw["relative_step"]?.GetValue<bool>() ?? true);
        float b1 = (float)Kw("beta_1", 0.9);
        float b2 = (float)Kw("beta_2", 0.99);

        JsonArray variables = root["variables"]!.AsArray();
        var shapes = variables.Select(v => v!["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray()).ToList();
        var lionMomenta = new List<float[]>();
        var adafactor = new List<AdafactorState>();
        var values = new List<float[]>();
        for (int i = 0; i < variables.Count; i++)
        {
            float[] initial = JsonFloats(variables[i]!["initial"]);
            values.Add(initial);
            lionMomenta.Add(new float[initial.Length]);
            adafactor.Add(new AdafactorState(shapes[i], initial));
        }

        int compared = 0;
        foreach (JsonNode? step in root["steps"]!.AsArray())
        {
            int k = step!["step"]!.GetValue<int>();
            long iterations = step["iterations_before"]!.GetValue<long>();
            float lr = JsonFloat(step["learning_rate_before_step"]!["value"]);
            JsonArray grads = step["gradients"]!.AsArray();
            for (int i = 0; i < variables.Count; i++)
            {
                if (grads[i] is null)
                {
                    continue;
                }

                float[] g = JsonFloats(grads[i]);
                if (lion)
                {
                    ScalarReference.LionStep(values[i], lionMomenta[i], g, lr, b1, b2, weightDecay is double wd ? (float)wd : null);
                }
                else
                {
                    adafactor[i].Step(g, lr, iterations, weightDecay, h);
                }
            }

            for (int i = 0; i < variables.Count; i++)
            {
                string where = $"{caseName} step {k} '{(string?)variables[i]!["name"]}'";
                float[] actualVariable = lion ? values[i] : adafactor[i].Variable;
                AssertBits(JsonFloats(step["variables_after"]![i]), actualVariable, where + " variable");
                JsonObject slots = step["slots_after"]![i]!.AsObject();
                if (lion)
                {
                    AssertBits(JsonFloats(slots["momentum"]), lionMomenta[i], where + " momentum");
                }
                else
                {
                    if (shapes[i].Length >= 2)
                    {
                        AssertBits(JsonFloats(slots["r"]), adafactor[i].R, where + " r");
                        AssertBits(JsonFloats(slots["c"]), adafactor[i].C, where + " c");
                    }

                    AssertBits(JsonFloats(slots["v"]), adafactor[i].V, where + " v");
                }

                compared++;
            }
        }

        Assert.IsGreaterThan(0, compared, "nothing was compared");
    }

    // ------------------------------------------------------------------------------------------------ reductions

    [TestMethod]
    public void PairwiseSum_MatchesReference_ForEveryLength()
    {
        foreach (int n in AllLengths())
        {
            float[] x = WideMagnitudes(n);
            float expected = ScalarReference.PairwiseSum(x);
            AssertBits(expected, Pairwise.Sum(x), $"Pairwise.Sum n={n}");
            AssertBits(expected, OptimizerKernels.PairwiseSum(x), $"OptimizerKernels.PairwiseSum n={n}");
        }
    }

    [TestMethod]
    public void PairwiseSumOfSquares_MatchesReference_ForEveryLength()
    {
        foreach (int n in AllLengths())
        {
            float[] x = WideMagnitudes(n);
            float expected = ScalarReference.PairwiseSumOfSquares(x);
            AssertBits(expected, Pairwise.SumOfSquares(x), $"Pairwise.SumOfSquares n={n}");
            AssertBits(expected, OptimizerKernels.PairwiseSumOfSquares(x), $"OptimizerKernels.PairwiseSumOfSquares n={n}");

            // The loss-scaled variant used by clipnorm/global_clipnorm: sum of (x/S)*(x/S).
            const float S = 3f;
            var divided = new float[n];
            for (int i = 0; i < n; i++)
            {
                divided[i] = x[i] / S;
            }

            AssertBits(ScalarReference.PairwiseSumOfSquares(divided), Pairwise.SumOfSquaresDivided(x, S), $"Pairwise.SumOfSquaresDivided n={n}");
        }
    }

    [TestMethod]
    public void Rms_MatchesReference_ForEveryLength()
    {
        foreach (int n in AllLengths())
        {
            if (n == 0)
            {
                continue;
            }

            float[] x = WideMagnitudes(n);
            AssertBits(ScalarReference.Rms(x), OptimizerKernels.Rms(x), $"OptimizerKernels.Rms n={n}");
        }

        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => OptimizerKernels.Rms(ReadOnlySpan<float>.Empty));
        Assert.AreEqual("values", e.ParamName);
    }

    /// <summary>
    /// The comparisons above can tell summation orders apart: on these inputs a naive left-to-right sum gives different
    /// bits than the pairwise order for at least one large length (while the kernels match the pairwise reference).
    /// </summary>
    [TestMethod]
    public void NaiveSummation_DiffersFromPairwise_OnLargeInputs()
    {
        var differing = new List<int>();
        foreach (int n in LargeLengths)
        {
            float[] x = WideMagnitudes(n);
            float pairwise = ScalarReference.PairwiseSum(x);
            AssertBits(pairwise, OptimizerKernels.PairwiseSum(x), $"OptimizerKernels.PairwiseSum n={n}");
            if (!SameBits(pairwise, ScalarReference.NaiveSum(x)))
            {
                differing.Add(n);
            }

            float[] sq = ScalarReference.Squares(x);
            if (!SameBits(ScalarReference.PairwiseSum(sq), ScalarReference.NaiveSum(sq)))
            {
                differing.Add(-n);
            }
        }

        Assert.IsNotEmpty(differing, "a naive left-to-right sum matched the pairwise sum for every large length: these inputs cannot detect a wrong summation order");
    }

    // ------------------------------------------------------------------------------------------------ element-wise kernels

    [TestMethod]
    [DataRow(false, 512, DisplayName = "OptimizerKernels.LionStep, Vector512")]
    [DataRow(true, 512, DisplayName = "LionStepCore with fused weight decay, Vector512")]
    [DataRow(true, 256, DisplayName = "LionStepCore with fused weight decay, Vector256")]
    [DataRow(true, 128, DisplayName = "LionStepCore with fused weight decay, Vector128")]
    [DataRow(true, 0, DisplayName = "LionStepCore with fused weight decay, scalar")]
    public void LionStep_MatchesReference_ForEveryLength(bool decay, int width)
    {
        (float Lr, float B1, float B2)[] settings = { (0.01f, 0.9f, 0.99f), (0.5f, 0.8f, 0.95f), (1e-3f, 1f, 0.9f), (0.25f, 0.9f, 0.99f) };
        const float Wd = 0.1f;
        Threading t = Threading.Serial with { Width = width };
        for (int n = 0; n <= MaxSmallLength; n++)
        {
            var rng = new Random(1000 + n);
            float[] variable = SpecialValues(rng, n, withNaN: false);
            float[] momentum = SpecialValues(rng, n, withNaN: false, scale: 0.1f);
            float[] refVariable = (float[])variable.Clone();
            float[] refMomentum = (float[])momentum.Clone();
            for (int step = 0; step < settings.Length; step++)
            {
                (float lr, float b1, float b2) = settings[step];
                float[] g = LionGradients(rng, refMomentum, b1, withNaN: n % 3 == 0 && step == 1);
                ScalarReference.LionStep(refVariable, refMomentum, g, lr, b1, b2, decay ? Wd : null);
                if (decay)
                {
                    OptimizerKernels.LionStepCore(variable, momentum, g, lr, b1, b2, true, Wd, t);
                }
                else
                {
                    OptimizerKernels.LionStep(variable, momentum, g, lr, b1, b2);
                }

                AssertBits(refVariable, variable, $"width {width}, n={n} step {step}: variable");
                AssertBits(refMomentum, momentum, $"width {width}, n={n} step {step}: momentum");
            }
        }
    }

    [TestMethod]
    public void EmaUpdate_MatchesReference_ForEveryLength()
    {
        float[] momenta = { 0.99f, 0.9f, 0f, 0.85f };
        for (int n = 0; n <= MaxSmallLength; n++)
        {
            var rng = new Random(2000 + n);
            float[] average = SpecialValues(rng, n, withNaN: false);
            float[] refAverage = (float[])average.Clone();
            foreach (float mom in momenta)
            {
                float[] values = SpecialValues(rng, n, withNaN: n % 5 == 0);
                ScalarReference.Ema(refAverage, values, mom);
                OptimizerKernels.EmaUpdate(average, values, mom);
                AssertBits(refAverage, average, $"n={n} momentum {mom}: average");
            }
        }
    }

    [TestMethod]
    public void WeightDecay_MatchesReference_ForEveryLength()
    {
        (float Wd, float Lr)[] settings = { (0.1f, 0.01f), (0.004f, 0.5f), (0f, 0.01f), (0.2f, 1e-3f) };
        for (int n = 0; n <= MaxSmallLength; n++)
        {
            var rng = new Random(3000 + n);
            float[] variable = SpecialValues(rng, n, withNaN: n % 7 == 0);
            float[] refVariable = (float[])variable.Clone();
            foreach ((float wd, float lr) in settings)
            {
                ScalarReference.WeightDecay(refVariable, wd, lr);
                OptimizerKernels.WeightDecay(variable, wd, lr);
                AssertBits(refVariable, variable, $"n={n} wd {wd} lr {lr}: variable");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ argument checks

    [TestMethod]
    [DataRow("LionStep momentum", "momentum", DisplayName = "LionStep: momentum shorter than the variable")]
    [DataRow("LionStep gradient", "gradient", DisplayName = "LionStep: gradient longer than the variable")]
    [DataRow("EmaUpdate values", "values", DisplayName = "EmaUpdate: values shorter than the average")]
    [DataRow("CopyVelocity", "destination", DisplayName = "Adafactor.CopyVelocity: destination too short")]
    [DataRow("Apply", "gradients", DisplayName = "Optimizer.Apply: gradient of the wrong length")]
    public void LengthMismatch_ThrowsArgumentExceptionNamingTheArgument(string call, string argument)
    {
        float[] variable = { 1f, -2f, 3f, -4f, 5f };
        float[] before = (float[])variable.Clone();
        Action act = call switch
        {
            "LionStep momentum" => () => OptimizerKernels.LionStep(variable, new float[4], new float[5], 0.1f, 0.9f, 0.99f),
            "LionStep gradient" => () => OptimizerKernels.LionStep(variable, new float[5], new float[6], 0.1f, 0.9f, 0.99f),
            "EmaUpdate values" => () => OptimizerKernels.EmaUpdate(variable, new float[4], 0.9f),
            "CopyVelocity" => () =>
            {
                var opt = new Adafactor();
                opt.Build(new[] { new Parameter("w", new[] { 5 }, variable) });
                opt.CopyVelocity(0, new float[4]);
            },
            "Apply" => () =>
            {
                var opt = new Lion(0.01);
                opt.Build(new[] { new Parameter("w", new[] { 5 }, variable) });
                opt.Apply(new ReadOnlyMemory<float>?[] { new float[4] });
            },
            _ => throw new ArgumentOutOfRangeException(nameof(call), call, "unknown case"),
        };

        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(act);
        Assert.AreEqual(argument, e.ParamName);
        Assert.Contains(argument, e.Message);
        AssertBits(before, variable, "the variable must not change when the call is rejected");
    }

    // ------------------------------------------------------------------------------------------------ Lion end to end

    [TestMethod]
    public void Lion_EndToEnd_MatchesReference()
    {
        const int N = 1000;
        var rng = new Random(42);
        float[] initial = NormalValues(rng, N, 1f);
        initial[3] = -0f;
        initial[4] = 0f;
        var p = new Parameter("w", new[] { N }, (float[])initial.Clone());
        var opt = new Lion(0.01) { WeightDecay = 0.1 };
        opt.Build(new[] { p });

        float[] refVariable = (float[])initial.Clone();
        var refMomentum = new float[N];
        float lr = (float)0.01;
        float wd = (float)0.1;
        for (int step = 0; step < 6; step++)
        {
            float[] g = LionGradients(rng, refMomentum, (float)0.9, withNaN: false);
            ScalarReference.LionStep(refVariable, refMomentum, g, lr, (float)0.9, (float)0.99, wd);
            opt.Apply(new ReadOnlyMemory<float>?[] { g });
            AssertBits(refVariable, p.Value.Span, $"step {step}: variable");
            AssertBits(refMomentum, opt.GetSlot(0, "momentum").Span, $"step {step}: momentum");
        }
    }

    // ------------------------------------------------------------------------------------------------ Adafactor end to end

    private sealed record AdafactorConfig(double LearningRate, double? WeightDecay, ScalarReference.AdafactorHyperparameters H, bool ZeroInit);

    private static AdafactorConfig GetAdafactorConfig(string name) => name switch
    {
        "defaults" => new AdafactorConfig(0.001, null, new ScalarReference.AdafactorHyperparameters(), false),
        "lr=0.01 eps1=1e-15 clip=0.5 wd=0.1" => new AdafactorConfig(0.01, 0.1, new ScalarReference.AdafactorHyperparameters(Epsilon1: 1e-15, ClipThreshold: 0.5), false),
        "lr=0.5 beta2decay=-0.65 eps2=1e-4 relative_step=false zero-init" =>
            new AdafactorConfig(0.5, null, new ScalarReference.AdafactorHyperparameters(Beta2Decay: -0.65, Epsilon2: 1e-4, RelativeStep: false), true),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown Adafactor configuration"),
    };

    private static Adafactor CreateAdafactor(string name, AdafactorConfig c)
    {
        // "defaults" uses the parameterless constructor: the library's defaults must be Keras's (those in the reference).
        Adafactor opt = name == "defaults"
            ? new Adafactor()
            : new Adafactor(c.LearningRate, c.H.Beta2Decay, c.H.Epsilon1, c.H.Epsilon2, c.H.ClipThreshold, c.H.RelativeStep);
        opt.WeightDecay = c.WeightDecay;
        return opt;
    }

    /// <summary>Reference state of one Adafactor parameter, with Keras's full-size velocity for every rank.</summary>
    private sealed class AdafactorState
    {
        public AdafactorState(int[] shape, float[] initial)
        {
            Shape = shape;
            Variable = (float[])initial.Clone();
            int n = initial.Length;
            if (shape.Length >= 2)
            {
                (int lead, int rows, int cols) = ScalarReference.FactorDims(shape);
                R = new float[lead * rows];
                C = new float[lead * cols];
            }
            else
            {
                R = Array.Empty<float>();
                C = Array.Empty<float>();
            }

            V = new float[n];
        }

        public int[] Shape { get; }

        public float[] Variable { get; }

        public float[] R { get; }

        public float[] C { get; }

        public float[] V { get; }

        /// <summary>One apply for this parameter: weight decay with the raw lr, then update_step.</summary>
        public void Step(float[] gradient, float lr, long iterations, double? weightDecay, ScalarReference.AdafactorHyperparameters h)
        {
            if (weightDecay is double wd)
            {
                ScalarReference.WeightDecay(Variable, (float)wd, lr);
            }

            ScalarReference.AdafactorUpdateStep(Shape, Variable, R, C, V, gradient, lr, iterations, h);
        }

        public void AssertMatches(Adafactor opt, int index, Parameter p, string what)
        {
            AssertBits(Variable, p.Value.Span, $"{what}: variable");
            if (Shape.Length >= 2)
            {
                AssertBits(R, opt.GetSlot(index, "r").Span, $"{what}: slot r");
                AssertBits(C, opt.GetSlot(index, "c").Span, $"{what}: slot c");
            }
            else
            {
                AssertBits(V, opt.GetSlot(index, "v").Span, $"{what}: slot v");
            }

            var velocity = new float[Variable.Length];
            opt.CopyVelocity(index, velocity);
            AssertBits(V, velocity, $"{what}: CopyVelocity vs Keras's full v");
        }
    }

    private static readonly float[] GradientScales = { 1f, 0.5f, 2f, 1e-3f, 30f, 0.01f, 1f };

    public static IEnumerable<object[]> AdafactorCases() =>
        from shape in AdafactorShapes
        from config in AdafactorConfigNames
        select new object[] { shape, config };

    public static string AdafactorCaseName(MethodInfo method, object[] data) => $"Adafactor {data[0]} {data[1]}";

    [TestMethod]
    [DynamicData(nameof(AdafactorCases), DynamicDataDisplayName = nameof(AdafactorCaseName))]
    public void Adafactor_EndToEnd_MatchesReference(string shapeText, string configName)
    {
        int[] shape = ParseShape(shapeText);
        int n = Product(shape);
        AdafactorConfig config = GetAdafactorConfig(configName);
        var rng = new Random((n * 7919) + (shape.Length * 131) + Array.IndexOf(AdafactorConfigNames, configName));
        float[] initial = config.ZeroInit ? new float[n] : NormalValues(rng, n, 1f);

        var p = new Parameter("w", shape, (float[])initial.Clone());
        Adafactor opt = CreateAdafactor(configName, config);
        opt.Build(new[] { p });
        var state = new AdafactorState(shape, initial);
        state.AssertMatches(opt, 0, p, "after Build");

        float lr = (float)config.LearningRate;
        for (int step = 0; step < GradientScales.Length; step++)
        {
            float[] g = NormalValues(rng, n, GradientScales[step], zeroRate: 0.03);
            state.Step(g, lr, step, config.WeightDecay, config.H);
            opt.Apply(new ReadOnlyMemory<float>?[] { g });
            Assert.AreEqual(step + 1L, opt.Iterations, "iterations");
            state.AssertMatches(opt, 0, p, $"{shapeText} {configName} step {step} (t={step + 1})");
        }
    }

    /// <summary>
    /// Every shape in one optimizer (shared work buffers sized for the largest parameter), weight decay on, and one
    /// missing gradient: the skipped parameter gets neither decay nor update, the others still match the reference.
    /// </summary>
    [TestMethod]
    public void Adafactor_ManyParametersInOneOptimizer_MatchesReference()
    {
        const string ConfigName = "lr=0.01 eps1=1e-15 clip=0.5 wd=0.1";
        AdafactorConfig config = GetAdafactorConfig(ConfigName);
        var rng = new Random(77);
        var parameters = new List<Parameter>();
        var states = new List<AdafactorState>();
        for (int i = 0; i < AdafactorShapes.Length; i++)
        {
            int[] shape = ParseShape(AdafactorShapes[i]);
            float[] initial = NormalValues(rng, Product(shape), 1f);
            parameters.Add(new Parameter("p" + i.ToString(CultureInfo.InvariantCulture), shape, (float[])initial.Clone()));
            states.Add(new AdafactorState(shape, initial));
        }

        Adafactor opt = CreateAdafactor(ConfigName, config);
        opt.Build(parameters);
        float lr = (float)config.LearningRate;
        const int SkippedIndex = 4;
        for (int step = 0; step < 5; step++)
        {
            var grads = new ReadOnlyMemory<float>?[parameters.Count];
            for (int i = 0; i < parameters.Count; i++)
            {
                float[] g = NormalValues(rng, parameters[i].Length, GradientScales[step], zeroRate: 0.03);
                if (step == 2 && i == SkippedIndex)
                {
                    continue;
                }

                grads[i] = g;
                states[i].Step(g, lr, step, config.WeightDecay, config.H);
            }

            opt.Apply(grads);
            for (int i = 0; i < parameters.Count; i++)
            {
                states[i].AssertMatches(opt, i, parameters[i], $"step {step} parameter {AdafactorShapes[i]}");
            }
        }
    }

    private static readonly string[] PathShapes = { "[5]", "[300]", "[1000]", "[37,129]", "[64,48]", "[3,17,140]", "[130,300]", "[9,1]", "[2,1,40]" };

    public static IEnumerable<object[]> AdafactorPathCases() =>
        from path in KernelPath.All()
        from shape in PathShapes
        from config in new[] { (0.05, 1e-30), (1.0, 1e-38), (1000.0, 1e-30), (0.05, 1e-38) }
        select new object[] { path.ToString(), shape, config.Item1, config.Item2 };

    public static string AdafactorPathCaseName(MethodInfo method, object[] data) =>
        $"Adafactor {data[0]} {data[1]} clip_threshold={Convert.ToString(data[2], CultureInfo.InvariantCulture)} epsilon_1={Convert.ToString(data[3], CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Every kernel path (scalar, 256- and 512-bit, divider or Newton square root and quotient) against the scalar
    /// reference, with gradients that reach every fallback: zeros of both signs, subnormals, values whose square is
    /// absorbed by epsilon_1, large values (|u| far from 1), clip thresholds for which the denominator d is always above
    /// 1 (0.05), around 1 (1.0) or exactly 1 (1000), and an epsilon_1 of 1e-38, so that the second moment of a zero
    /// gradient is below the Newton square root's range (with Keras's 1e-30 it never is).
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(AdafactorPathCases), DynamicDataDisplayName = nameof(AdafactorPathCaseName))]
    public void Adafactor_EveryKernelPath_MatchesReference(string pathName, string shapeText, double clip, double eps1)
    {
        KernelPath path = KernelPath.All().Single(p => p.ToString() == pathName);
        int[] shape = ParseShape(shapeText);
        int n = Product(shape);
        var rng = new Random((n * 31) + pathName.Length + (int)clip);
        float[] initial = NormalValues(rng, n, 1f);
        var p = new Parameter("w", shape, (float[])initial.Clone());
        var h = new ScalarReference.AdafactorHyperparameters(Epsilon1: eps1, ClipThreshold: clip);
        var opt = new Adafactor(0.01, h.Beta2Decay, h.Epsilon1, h.Epsilon2, h.ClipThreshold, h.RelativeStep) { Path = path };
        opt.Build(new[] { p });
        var state = new AdafactorState(shape, initial);
        for (int step = 0; step < 5; step++)
        {
            float[] g = SpecialValues(rng, n, withNaN: false, scale: GradientScales[step]);
            for (int i = 0; i < n; i++)
            {
                if (rng.Next(50) == 0)
                {
                    g[i] = (rng.Next(2) == 0 ? -1f : 1f) * MathF.Pow(10f, rng.Next(6, 16));
                }
            }

            state.Step(g, 0.01f, step, null, h);
            opt.Apply(new ReadOnlyMemory<float>?[] { g });
            state.AssertMatches(opt, 0, p, $"{pathName} {shapeText} clip {clip} eps1 {eps1} step {step}");
        }
    }

    /// <summary>
    /// The per-row decision to skip the Newton range check: only when every <c>RN(rr * c_j)</c> is provably in
    /// [2^-102, float.MaxValue]; NaN and infinity keep the check; the divider path never uses Newton. With the zero
    /// guard (the default, not <see cref="Adafactor.ZeroMomentNaN"/>) a row whose <c>RN(rr * cMin)</c> is 0 is guarded on
    /// every path, and no other row changes.
    /// </summary>
    [TestMethod]
    [DataRow(1f, 1e-3f, 1e3f, AdafactorKernels.SqrtUnchecked, false, DisplayName = "ordinary row: unchecked")]
    [DataRow(1f, 1.97215226e-31f, 1f, AdafactorKernels.SqrtUnchecked, false, DisplayName = "smallest c exactly 2^-102: unchecked")]
    [DataRow(1f, 1.9721521e-31f, 1f, AdafactorKernels.SqrtChecked, false, DisplayName = "smallest c just below 2^-102: checked")]
    [DataRow(1e-20f, 1e-20f, 1f, AdafactorKernels.SqrtChecked, false, DisplayName = "rr * cMin below the range but not 0: checked")]
    [DataRow(1e-30f, 1e-30f, 1f, AdafactorKernels.SqrtChecked, true, DisplayName = "rr * cMin underflows to 0: checked, guarded")]
    [DataRow(1e30f, 1f, 1e10f, AdafactorKernels.SqrtChecked, false, DisplayName = "rr * cMax overflows: checked")]
    [DataRow(1f, 1f, float.PositiveInfinity, AdafactorKernels.SqrtChecked, false, DisplayName = "a NaN or infinite c: checked")]
    [DataRow(float.NaN, 1f, 2f, AdafactorKernels.SqrtChecked, false, DisplayName = "NaN rr: checked")]
    [DataRow(0f, 1f, 2f, AdafactorKernels.SqrtChecked, true, DisplayName = "zero rr: checked, guarded")]
    public void RowSqrtMode_SkipsTheCheckOnlyWhenEveryValueIsInRange(float rr, float cMin, float cMax, int expected, bool zeroPossible)
    {
        foreach (bool guard in new[] { false, true })
        {
            int newton = guard && zeroPossible ? AdafactorKernels.SqrtGuarded : expected;
            int divider = guard && zeroPossible ? AdafactorKernels.SqrtGuarded : AdafactorKernels.SqrtHardware;
            Assert.AreEqual(newton, AdafactorKernels.RowSqrtMode(new KernelPath(512, true), rr, cMin, cMax, guard), $"guard {guard}");
            Assert.AreEqual(newton, AdafactorKernels.RowSqrtMode(new KernelPath(256, true), rr, cMin, cMax, guard), $"guard {guard}");
            Assert.AreEqual(divider, AdafactorKernels.RowSqrtMode(new KernelPath(512, false), rr, cMin, cMax, guard), $"guard {guard}");
            Assert.AreEqual(divider, AdafactorKernels.RowSqrtMode(new KernelPath(0, false), rr, cMin, cMax, guard), $"guard {guard}");
        }
    }

    /// <summary>
    /// The velocity pass reports whether any updated second moment left the Newton range (then the update pass keeps
    /// checking): never for ordinary gradients, always when a zero gradient meets epsilon_1 = 1e-38, for every length
    /// class (512-bit, 256-bit and scalar elements) and path.
    /// </summary>
    [TestMethod]
    [DataRow(1000, DisplayName = "1000 values")]
    [DataRow(23, DisplayName = "23 values (256-bit and scalar tail)")]
    [DataRow(5, DisplayName = "5 values (scalar only)")]
    public unsafe void VelocitySums_ReportsValuesOutsideTheNewtonRange(int n)
    {
        foreach (KernelPath path in KernelPath.All())
        {
            foreach (bool withZero in new[] { false, true })
            {
                var rng = new Random(n);
                float[] g = NormalValues(rng, n, 1f);
                if (withZero)
                {
                    g[n - 1] = 0f;
                }

                float[] x = NormalValues(rng, n, 1f);
                float[] v = new float[n];
                float[] buffer = new float[AdafactorKernels.WorkspaceFloats];
                int mode, guardedMode;
                fixed (float* pg = g, px = x, pv = v, pb = buffer)
                {
                    mode = AdafactorKernels.VelocitySums(pg, px, pv, n, 1e-38f, 0f, 1f, pb, path, guard: true, out _, out _);
                    Array.Clear(v);
                    guardedMode = AdafactorKernels.VelocitySums(pg, px, pv, n, 0f, 0f, 1f, pb, path, guard: true, out _, out _);
                }

                int expected = !path.Newton ? AdafactorKernels.SqrtHardware : withZero ? AdafactorKernels.SqrtChecked : AdafactorKernels.SqrtUnchecked;
                Assert.AreEqual(expected, mode, $"{path}, zero gradient: {withZero}");
                Assert.AreEqual(AdafactorKernels.SqrtGuarded, guardedMode, $"{path}, epsilon_1 = 0: a zero second moment is possible");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ SGD and AdamW end to end

    [TestMethod]
    [DataRow(0.0, false, null, DisplayName = "SGD plain")]
    [DataRow(0.9, false, null, DisplayName = "SGD momentum 0.9")]
    [DataRow(0.9, true, null, DisplayName = "SGD Nesterov momentum 0.9")]
    [DataRow(0.9, true, 0.05, DisplayName = "SGD Nesterov momentum 0.9, weight decay 0.05")]
    public void Sgd_EndToEnd_MatchesReference(double momentum, bool nesterov, double? weightDecay)
    {
        const int N = 1000;
        var rng = new Random(7);
        float[] initial = NormalValues(rng, N, 1f);
        var p = new Parameter("w", new[] { N }, (float[])initial.Clone());
        var opt = new Sgd(0.01, momentum, nesterov) { WeightDecay = weightDecay };
        opt.Build(new[] { p });

        float[] refVariable = (float[])initial.Clone();
        var refMomentum = new float[N];
        float lr = (float)0.01;
        for (int step = 0; step < 5; step++)
        {
            float[] g = NormalValues(rng, N, GradientScales[step], zeroRate: 0.03);
            if (weightDecay is double wd)
            {
                ScalarReference.WeightDecay(refVariable, (float)wd, lr);
            }

            if (momentum != 0)
            {
                ScalarReference.SgdMomentum(refVariable, refMomentum, g, lr, (float)momentum, nesterov);
            }
            else
            {
                ScalarReference.Sgd(refVariable, g, lr);
            }

            opt.Apply(new ReadOnlyMemory<float>?[] { g });
            AssertBits(refVariable, p.Value.Span, $"step {step}: variable");
            if (momentum != 0)
            {
                AssertBits(refMomentum, opt.GetSlot(0, "momentum").Span, $"step {step}: momentum");
            }
            else
            {
                CollectionAssert.DoesNotContain(opt.GetSlotNames(0).ToList(), "momentum", "SGD without momentum keeps no state");
            }
        }
    }

    [TestMethod]
    [DataRow(false, DisplayName = "AdamW")]
    [DataRow(true, DisplayName = "AdamW amsgrad")]
    public void AdamW_EndToEnd_MatchesReference(bool amsgrad)
    {
        const int N = 1000;
        var rng = new Random(11);
        float[] initial = NormalValues(rng, N, 1f);
        var p = new Parameter("w", new[] { N }, (float[])initial.Clone());
        var opt = new AdamW(0.01, amsgrad: amsgrad);
        Assert.AreEqual(0.004, opt.WeightDecay, "Keras's AdamW default weight_decay");
        opt.Build(new[] { p });

        float[] refVariable = (float[])initial.Clone();
        var m = new float[N];
        var v = new float[N];
        var vHat = new float[N];
        float lr = (float)0.01;
        for (int step = 0; step < 5; step++)
        {
            // Shrinking gradients after large ones make v decrease, so amsgrad's running maximum matters.
            float[] g = NormalValues(rng, N, step < 2 ? 3f : 0.1f, zeroRate: 0.03);
            ScalarReference.WeightDecay(refVariable, (float)0.004, lr);
            ScalarReference.AdamStep(refVariable, m, v, vHat, g, lr, step, 0.9, 0.999, 1e-7, amsgrad);
            opt.Apply(new ReadOnlyMemory<float>?[] { g });
            AssertBits(refVariable, p.Value.Span, $"step {step}: variable");
            AssertBits(m, opt.GetSlot(0, "momentum").Span, $"step {step}: momentum");
            AssertBits(v, opt.GetSlot(0, "velocity").Span, $"step {step}: velocity");
            if (amsgrad)
            {
                AssertBits(vHat, opt.GetSlot(0, "velocity_hat").Span, $"step {step}: velocity_hat");
            }
        }
    }
}
