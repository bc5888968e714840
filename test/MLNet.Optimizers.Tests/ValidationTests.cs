using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Schedules;

namespace MLNet.Optimizers.Tests;

/// <summary>
/// Bad input fails early with the right exception type, the Keras (snake_case) argument name and the value received;
/// the non-finite-gradient policies, missing gradients and weight-decay exclusion behave as documented.
/// </summary>
[TestClass]
public sealed class ValidationTests
{
    // ---------------------------------------------------------------- helpers

    /// <summary>The library's own message, without the " (Parameter '...')" / "Actual value was ..." the runtime appends.</summary>
    private static string OwnMessage(ArgumentException e)
    {
        string m = e.Message;
        int k = m.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return k >= 0 ? m[..k] : m;
    }

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>ParamName is the Keras name; the library's message names it and shows the value received.</summary>
    private static void AssertNamesArgument(ArgumentException e, string kerasName, string receivedValue)
    {
        Assert.AreEqual(kerasName, e.ParamName, "ParamName");
        string own = OwnMessage(e);
        Assert.Contains(kerasName, own, "the message names the argument");
        Assert.Contains(receivedValue, own, "the message shows the value received");
    }

    private static float[] Seq(int n, Func<int, double> f) => Enumerable.Range(0, n).Select(i => (float)f(i)).ToArray();

    /// <summary>"vector" [20] and "matrix" [3, 5] with non-zero, non-trivial values.</summary>
    private static List<Parameter> TwoParameters() => new()
    {
        Parameter.Create("vector", new[] { 20 }, Seq(20, i => Math.Sin(i + 1) * 2)),
        Parameter.Create("matrix", new[] { 3, 5 }, Seq(15, i => Math.Cos(i * 0.7) - 0.25)),
    };

    private static float[] VectorGradient(int k = 0) => Seq(20, i => Math.Cos((i * 1.3) + k) + 0.05);

    private static float[] MatrixGradient(int k = 0) => Seq(15, i => Math.Sin((i * 0.9) - k) * 1.5);

    /// <summary>Gradients for <see cref="TwoParameters"/>; a null array becomes a missing (null) gradient.</summary>
    /// <remarks>Not <c>new ReadOnlyMemory&lt;float&gt;?[] { a, b }</c>: C# converts a null float[] to an EMPTY memory, not to null (so does <c>a is null ? null : ...</c>).</remarks>
    private static ReadOnlyMemory<float>?[] Grads(float[]? a, float[]? b) => new[] { Missing(a), Missing(b) };

    private static ReadOnlyMemory<float>? Missing(float[]? a)
    {
        if (a is null)
        {
            return default(ReadOnlyMemory<float>?);
        }

        return new ReadOnlyMemory<float>(a);
    }

    private static int[] Bits(ReadOnlySpan<float> x)
    {
        var r = new int[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            r[i] = BitConverter.SingleToInt32Bits(x[i]);
        }

        return r;
    }

    private static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what + ": length");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(actual[i]), $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    /// <summary>Every parameter value and every slot value, as bits, keyed by "param" or "param/slot".</summary>
    private static Dictionary<string, int[]> Snapshot(Optimizer opt)
    {
        var d = new Dictionary<string, int[]>(StringComparer.Ordinal);
        for (int i = 0; i < opt.Parameters.Count; i++)
        {
            Parameter p = opt.Parameters[i];
            d[p.Name] = Bits(p.Value.Span);
            foreach (string s in opt.GetSlotNames(i))
            {
                d[p.Name + "/" + s] = Bits(opt.GetSlot(i, s).Span);
            }
        }

        return d;
    }

    private static void AssertSameSnapshot(Dictionary<string, int[]> expected, Dictionary<string, int[]> actual)
    {
        CollectionAssert.AreEquivalent(expected.Keys.ToList(), actual.Keys.ToList(), "the same parameters and slots");
        foreach (KeyValuePair<string, int[]> kv in expected)
        {
            CollectionAssert.AreEqual(kv.Value, actual[kv.Key], $"'{kv.Key}' changed");
        }
    }

    // ---------------------------------------------------------------- learning rate

    [TestMethod]
    [DataRow(double.NaN, DisplayName = "learning_rate NaN")]
    [DataRow(double.PositiveInfinity, DisplayName = "learning_rate +Inf")]
    [DataRow(double.NegativeInfinity, DisplayName = "learning_rate -Inf")]
    [DataRow(-1.0, DisplayName = "learning_rate -1")]
    [DataRow(-1e-12, DisplayName = "learning_rate -1e-12")]
    public void LearningRateRejected(double value)
    {
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LearningRate.Constant(value)), "learning_rate", R(value));
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Lion(value)), "learning_rate", R(value));
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Adafactor(value)), "learning_rate", R(value));

        var opt = new Lion(0.01);
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => opt.LearningRate = value), "learning_rate", R(value));
        Assert.AreEqual(0.01f, opt.LearningRate.ConstantValue, "a rejected learning rate leaves the old one");
    }

    [TestMethod]
    public void LearningRateZeroAndLargeAreAccepted()
    {
        Assert.AreEqual(0f, LearningRate.Constant(0).ConstantValue);
        Assert.AreEqual(2.5f, new Lion(2.5).LearningRate.ConstantValue);
    }

    // ---------------------------------------------------------------- Lion betas

    [TestMethod]
    [DataRow(0.0, DisplayName = "beta_1 0")]
    [DataRow(-0.1, DisplayName = "beta_1 -0.1")]
    [DataRow(1.5, DisplayName = "beta_1 1.5")]
    [DataRow(1.0000001, DisplayName = "beta_1 1.0000001")]
    [DataRow(double.NaN, DisplayName = "beta_1 NaN")]
    [DataRow(double.PositiveInfinity, DisplayName = "beta_1 +Inf")]
    public void LionBeta1Rejected(double value)
    {
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Lion(0.001, beta1: value)), "beta_1", R(value));
        var opt = new Lion();
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => opt.Beta1 = value), "beta_1", R(value));
        Assert.AreEqual(LionDefaults.Beta1, opt.Beta1, "a rejected value leaves the old one");
    }

    [TestMethod]
    [DataRow(1.0, DisplayName = "beta_1 1.0 (Keras allows (0, 1])")]
    [DataRow(1e-9, DisplayName = "beta_1 1e-9")]
    public void LionBeta1Accepted(double value)
    {
        var opt = new Lion(0.001, beta1: value);
        Assert.AreEqual(value, opt.Beta1);
        opt.Beta1 = 0.5;
        opt.Beta1 = value;
        Assert.AreEqual(value, opt.Beta1);
    }

    [TestMethod]
    [DataRow(-0.1, DisplayName = "beta_2 -0.1")]
    [DataRow(1.01, DisplayName = "beta_2 1.01")]
    [DataRow(double.NaN, DisplayName = "beta_2 NaN")]
    [DataRow(double.NegativeInfinity, DisplayName = "beta_2 -Inf")]
    public void LionBeta2Rejected(double value)
    {
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Lion(0.001, beta2: value)), "beta_2", R(value));
        var opt = new Lion();
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => opt.Beta2 = value), "beta_2", R(value));
    }

    [TestMethod]
    [DataRow(0.0, DisplayName = "beta_2 0")]
    [DataRow(1.0, DisplayName = "beta_2 1")]
    public void LionBeta2EdgesAccepted(double value) => Assert.AreEqual(value, new Lion(0.001, beta2: value).Beta2);

    // ---------------------------------------------------------------- Adafactor

    [TestMethod]
    [DataRow(0.0, DisplayName = "clip_threshold 0")]
    [DataRow(-1.0, DisplayName = "clip_threshold -1")]
    [DataRow(double.NaN, DisplayName = "clip_threshold NaN")]
    public void AdafactorClipThresholdRejected(double value)
    {
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Adafactor(0.001, clipThreshold: value)), "clip_threshold", R(value));
        var opt = new Adafactor();
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => opt.ClipThreshold = value), "clip_threshold", R(value));
    }

    [TestMethod]
    [DataRow(-1e-30, DisplayName = "epsilon_1 -1e-30")]
    [DataRow(-1.0, DisplayName = "epsilon_1 -1")]
    [DataRow(double.PositiveInfinity, DisplayName = "epsilon_1 +Inf")]
    public void AdafactorEpsilon1Rejected(double value)
    {
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Adafactor(0.001, epsilon1: value)), "epsilon_1", R(value));
        var opt = new Adafactor();
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => opt.Epsilon1 = value), "epsilon_1", R(value));
    }

    [TestMethod]
    [DataRow(-0.001, DisplayName = "epsilon_2 -0.001")]
    public void AdafactorEpsilon2Rejected(double value) =>
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Adafactor(0.001, epsilon2: value)), "epsilon_2", R(value));

    [TestMethod]
    [DataRow(double.NaN, DisplayName = "beta_2_decay NaN")]
    [DataRow(double.PositiveInfinity, DisplayName = "beta_2_decay +Inf")]
    [DataRow(double.NegativeInfinity, DisplayName = "beta_2_decay -Inf")]
    public void AdafactorBeta2DecayRejected(double value)
    {
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Adafactor(0.001, beta2Decay: value)), "beta_2_decay", R(value));
        var opt = new Adafactor();
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => opt.Beta2Decay = value), "beta_2_decay", R(value));
        Assert.AreEqual(AdafactorDefaults.Beta2Decay, opt.Beta2Decay);
    }

    [TestMethod]
    public void AdafactorEdgeValuesAccepted()
    {
        var opt = new Adafactor(0.001, beta2Decay: 0.3, epsilon1: 0, epsilon2: 0, clipThreshold: 1e-12);
        Assert.AreEqual(0.3, opt.Beta2Decay);
        Assert.AreEqual(0.0, opt.Epsilon1);
        Assert.AreEqual(0.0, opt.Epsilon2);
        Assert.AreEqual(1e-12, opt.ClipThreshold);
    }

    // ---------------------------------------------------------------- clipping options

    private static void SetClip(Optimizer o, string option, double? value)
    {
        switch (option)
        {
            case "clipnorm":
                o.ClipNorm = value;
                break;
            case "clipvalue":
                o.ClipValue = value;
                break;
            case "global_clipnorm":
                o.GlobalClipNorm = value;
                break;
            default:
                throw new ArgumentException("unknown option " + option, nameof(option));
        }
    }

    private static double? GetClip(Optimizer o, string option) => option switch
    {
        "clipnorm" => o.ClipNorm,
        "clipvalue" => o.ClipValue,
        _ => o.GlobalClipNorm,
    };

    [TestMethod]
    [DataRow("clipnorm", 1.0, "clipvalue", 0.5, DisplayName = "clipnorm then clipvalue")]
    [DataRow("clipnorm", 1.0, "global_clipnorm", 2.0, DisplayName = "clipnorm then global_clipnorm")]
    [DataRow("clipvalue", 0.5, "clipnorm", 1.0, DisplayName = "clipvalue then clipnorm")]
    [DataRow("clipvalue", 0.5, "global_clipnorm", 2.0, DisplayName = "clipvalue then global_clipnorm")]
    [DataRow("global_clipnorm", 2.0, "clipnorm", 1.0, DisplayName = "global_clipnorm then clipnorm")]
    [DataRow("global_clipnorm", 2.0, "clipvalue", 0.5, DisplayName = "global_clipnorm then clipvalue")]
    [DataRow("clipnorm", 0.0, "clipvalue", 0.5, DisplayName = "clipnorm=0 counts as set (Keras)")]
    [DataRow("clipvalue", 0.0, "global_clipnorm", 2.0, DisplayName = "clipvalue=0 counts as set")]
    [DataRow("global_clipnorm", -1.0, "clipnorm", 1.0, DisplayName = "global_clipnorm=-1 counts as set")]
    public void TwoClipOptionsRejected(string first, double firstValue, string second, double secondValue)
    {
        foreach (Optimizer o in new Optimizer[] { new Lion(), new Adafactor(), new Sgd(), new AdamW() })
        {
            SetClip(o, first, firstValue);
            ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => SetClip(o, second, secondValue));
            Assert.AreEqual(second, e.ParamName, o.ClassName);
            string own = OwnMessage(e);
            Assert.Contains(first + " is already set", own, o.ClassName);
            Assert.Contains(second + "=" + R(secondValue), own, o.ClassName);

            // Nothing changed: the first option keeps its value, the second stays unset.
            Assert.AreEqual(firstValue, GetClip(o, first), o.ClassName);
            Assert.IsNull(GetClip(o, second), o.ClassName);

            // Unsetting the first frees the slot for the second.
            SetClip(o, first, null);
            SetClip(o, second, secondValue);
            Assert.AreEqual(secondValue, GetClip(o, second), o.ClassName);
            Assert.IsNull(GetClip(o, first), o.ClassName);
        }
    }

    [TestMethod]
    [DataRow("clipnorm", double.NaN, DisplayName = "clipnorm NaN")]
    [DataRow("clipvalue", double.PositiveInfinity, DisplayName = "clipvalue +Inf")]
    [DataRow("global_clipnorm", double.NegativeInfinity, DisplayName = "global_clipnorm -Inf")]
    public void NonFiniteClipRejected(string option, double value)
    {
        var o = new Lion();
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SetClip(o, option, value)), option, R(value));
    }

    /// <summary>A clip value &lt;= 0 is accepted and turns clipping off: the same bits as no clipping at all.</summary>
    [TestMethod]
    [DataRow("clipnorm", 0.0, DisplayName = "clipnorm 0")]
    [DataRow("clipnorm", -1.0, DisplayName = "clipnorm -1")]
    [DataRow("clipvalue", 0.0, DisplayName = "clipvalue 0")]
    [DataRow("clipvalue", -0.5, DisplayName = "clipvalue -0.5")]
    [DataRow("global_clipnorm", 0.0, DisplayName = "global_clipnorm 0")]
    [DataRow("global_clipnorm", -2.5, DisplayName = "global_clipnorm -2.5")]
    public void NonPositiveClipTurnsClippingOff(string option, double value)
    {
        // Gradients with a large norm (~ 100s), so that any real clipping (the control below) changes the result.
        float[] g1 = Seq(20, i => (Math.Cos(i * 1.3) * 300) + 7);
        float[] g2 = Seq(15, i => Math.Sin(i * 0.9) * 250);

        float[][] Run(Func<Optimizer> make, Action<Optimizer> configure)
        {
            List<Parameter> ps = TwoParameters();
            Optimizer o = make();
            configure(o);
            o.Build(ps);
            o.Apply(Grads(g1, g2));
            o.Apply(Grads(g2.Concat(g1).Take(20).ToArray(), g1.Take(15).ToArray()));
            var result = new List<float[]>();
            for (int i = 0; i < ps.Count; i++)
            {
                result.Add(ps[i].Value.ToArray());
                foreach (string s in o.GetSlotNames(i))
                {
                    result.Add(o.GetSlot(i, s).ToArray());
                }
            }

            return result.ToArray();
        }

        foreach (Func<Optimizer> make in new Func<Optimizer>[] { () => new Sgd(0.01, momentum: 0.9), () => new Lion(0.01), () => new AdamW(0.01) })
        {
            float[][] plain = Run(make, _ => { });
            float[][] off = Run(make, o => SetClip(o, option, value));
            float[][] control = Run(make, o => SetClip(o, option, 1.0));
            string cls = make().ClassName;
            Assert.HasCount(plain.Length, off, cls);
            for (int k = 0; k < plain.Length; k++)
            {
                AssertSameBits(plain[k], off[k], $"{cls} {option}={R(value)} array {k}");
            }

            // The control proves the gradients are large enough for clipping to matter.
            bool anyDifferent = Enumerable.Range(0, plain.Length).Any(k => !Bits(plain[k]).SequenceEqual(Bits(control[k])));
            Assert.IsTrue(anyDifferent, $"{cls}: {option}=1 must change the result (otherwise this test proves nothing)");
        }

        var kept = new Lion();
        SetClip(kept, option, value);
        Assert.AreEqual(value, GetClip(kept, option), "the value is kept as given");
    }

    // ---------------------------------------------------------------- base options

    [TestMethod]
    [DataRow(0, DisplayName = "gradient_accumulation_steps 0")]
    [DataRow(-1, DisplayName = "gradient_accumulation_steps -1")]
    [DataRow(int.MinValue, DisplayName = "gradient_accumulation_steps int.MinValue")]
    public void GradientAccumulationStepsRejected(int value)
    {
        var o = new Lion();
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => o.GradientAccumulationSteps = value), "gradient_accumulation_steps", value.ToString(CultureInfo.InvariantCulture));
        Assert.IsNull(o.GradientAccumulationSteps);
    }

    [TestMethod]
    [DataRow(1.5, DisplayName = "ema_momentum 1.5")]
    [DataRow(-0.01, DisplayName = "ema_momentum -0.01")]
    [DataRow(double.NaN, DisplayName = "ema_momentum NaN")]
    public void EmaMomentumRejected(double value)
    {
        var o = new Adafactor();
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => o.EmaMomentum = value), "ema_momentum", R(value));
        Assert.AreEqual(OptimizerDefaults.EmaMomentum, o.EmaMomentum);
    }

    [TestMethod]
    [DataRow(0.0, DisplayName = "loss_scale_factor 0")]
    [DataRow(-128.0, DisplayName = "loss_scale_factor -128")]
    [DataRow(double.PositiveInfinity, DisplayName = "loss_scale_factor +Inf")]
    public void LossScaleFactorRejected(double value)
    {
        var o = new Sgd();
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => o.LossScaleFactor = value), "loss_scale_factor", R(value));
        Assert.IsNull(o.LossScaleFactor);
    }

    [TestMethod]
    [DataRow(-0.1, DisplayName = "weight_decay -0.1")]
    [DataRow(double.NaN, DisplayName = "weight_decay NaN")]
    public void WeightDecayRejected(double value)
    {
        var o = new Lion();
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => o.WeightDecay = value), "weight_decay", R(value));
        Assert.IsNull(o.WeightDecay);
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdamW(0.001, weightDecay: value)), "weight_decay", R(value));
    }

    [TestMethod]
    [DataRow(-1, DisplayName = "ema_overwrite_frequency -1")]
    [DataRow(-100, DisplayName = "ema_overwrite_frequency -100")]
    public void EmaOverwriteFrequencyRejected(int value)
    {
        var o = new Lion { UseEma = true };
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => o.EmaOverwriteFrequency = value), "ema_overwrite_frequency", value.ToString(CultureInfo.InvariantCulture));
        Assert.IsNull(o.EmaOverwriteFrequency);
    }

    [TestMethod]
    public void StateShapingOptionsAreFrozenAfterBuild()
    {
        var o = new Lion();
        o.Build(TwoParameters());
        InvalidOperationException e1 = Assert.ThrowsExactly<InvalidOperationException>(() => o.UseEma = true);
        Assert.Contains("use_ema", e1.Message);
        InvalidOperationException e2 = Assert.ThrowsExactly<InvalidOperationException>(() => o.GradientAccumulationSteps = 2);
        Assert.Contains("gradient_accumulation_steps", e2.Message);
        Assert.IsFalse(o.UseEma);
        Assert.IsNull(o.GradientAccumulationSteps);
        Assert.HasCount(1, o.GetSlotNames(0), "no EMA or accumulator slot appeared");

        // Options that do not shape the state may still change.
        o.EmaMomentum = 0.5;
        o.WeightDecay = 0.1;
        Assert.AreEqual(0.5, o.EmaMomentum);
        Assert.IsTrue(o.UsesWeightDecay(0));
    }

    // ---------------------------------------------------------------- Build / Apply misuse

    [TestMethod]
    public void ApplyBeforeBuildThrows()
    {
        var o = new Lion();
        InvalidOperationException e = Assert.ThrowsExactly<InvalidOperationException>(() => o.Apply(Grads(VectorGradient(), MatrixGradient())));
        Assert.Contains("not built", e.Message);
        Assert.IsFalse(o.IsBuilt);
        Assert.AreEqual(0L, o.RawIterations);
    }

    [TestMethod]
    [DataRow(1, DisplayName = "1 gradient for 2 parameters")]
    [DataRow(3, DisplayName = "3 gradients for 2 parameters")]
    [DataRow(0, DisplayName = "0 gradients for 2 parameters")]
    public void WrongGradientCountThrows(int count)
    {
        List<Parameter> ps = TwoParameters();
        var o = new Lion(0.01);
        o.Build(ps);
        Dictionary<string, int[]> before = Snapshot(o);
        var grads = new ReadOnlyMemory<float>?[count];
        for (int i = 0; i < count; i++)
        {
            grads[i] = i == 1 ? MatrixGradient() : VectorGradient();
        }

        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => o.Apply(grads));
        Assert.AreEqual("gradients", e.ParamName);
        Assert.Contains("Expected 2 gradients", e.Message);
        Assert.Contains("got " + count, e.Message);
        AssertSameSnapshot(before, Snapshot(o));
        Assert.AreEqual(0L, o.RawIterations);
    }

    [TestMethod]
    [DataRow(14, DisplayName = "matrix gradient too short")]
    [DataRow(16, DisplayName = "matrix gradient too long")]
    public void GradientLengthMismatchNamesTheParameter(int length)
    {
        List<Parameter> ps = TwoParameters();
        var o = new Lion(0.01);
        o.Build(ps);
        Dictionary<string, int[]> before = Snapshot(o);
        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => o.Apply(Grads(VectorGradient(), new float[length])));
        Assert.AreEqual("gradients", e.ParamName);
        Assert.Contains("'matrix'", e.Message);
        Assert.Contains("[3, 5]", e.Message);
        Assert.Contains("has " + length + " values", e.Message);
        Assert.Contains("expected 15", e.Message);
        Assert.DoesNotContain("'vector'", e.Message);
        AssertSameSnapshot(before, Snapshot(o));
        Assert.AreEqual(0L, o.RawIterations);
    }

    [TestMethod]
    public void AllGradientsNullThrows()
    {
        var o = new Lion(0.01);
        o.Build(TwoParameters());
        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => o.Apply(Grads(null, null)));
        Assert.AreEqual("gradients", e.ParamName);
        Assert.Contains("all 2 are null", e.Message);
        Assert.AreEqual(0L, o.RawIterations);
    }

    [TestMethod]
    public void BuildTwiceThrows()
    {
        var o = new Adafactor();
        List<Parameter> ps = TwoParameters();
        o.Build(ps);
        InvalidOperationException e = Assert.ThrowsExactly<InvalidOperationException>(() => o.Build(ps));
        Assert.Contains("already built", e.Message);
        Assert.ThrowsExactly<InvalidOperationException>(() => o.Build(TwoParameters()));
        Assert.AreSame(ps[0], o.Parameters[0], "still built for the first list");
    }

    [TestMethod]
    public void BuildRejectsBadParameterLists()
    {
        Parameter a = Parameter.Zeros("a", 3);
        Parameter a2 = Parameter.Zeros("a", 4);

        ArgumentException dupName = Assert.ThrowsExactly<ArgumentException>(() => new Lion().Build(new[] { a, a2 }));
        Assert.AreEqual("parameters", dupName.ParamName);
        Assert.Contains("named 'a'", dupName.Message);

        ArgumentException dupObject = Assert.ThrowsExactly<ArgumentException>(() => new Lion().Build(new[] { a, Parameter.Zeros("b", 1), a }));
        Assert.AreEqual("parameters", dupObject.ParamName);
        Assert.Contains("'a' appears twice", dupObject.Message);
        Assert.Contains("index 2", dupObject.Message);

        ArgumentException empty = Assert.ThrowsExactly<ArgumentException>(() => new Lion().Build(Array.Empty<Parameter>()));
        Assert.AreEqual("parameters", empty.ParamName);

        ArgumentException withNull = Assert.ThrowsExactly<ArgumentException>(() => new Lion().Build(new Parameter[] { a, null! }));
        Assert.Contains("parameters[1] is null", withNull.Message);

        var o = new Lion();
        Assert.ThrowsExactly<ArgumentException>(() => o.Build(new[] { a, a2 }));
        Assert.IsFalse(o.IsBuilt, "a rejected Build leaves the optimizer unbuilt");
        o.Build(new[] { a });
        Assert.IsTrue(o.IsBuilt);
    }

    [TestMethod]
    public void ApplyWithOtherParametersAfterBuildThrows()
    {
        List<Parameter> ps = TwoParameters();
        var o = new Lion(0.01);
        o.Apply(Grads(VectorGradient(), MatrixGradient()), ps);
        Assert.IsTrue(o.IsBuilt);
        Assert.AreEqual(1L, o.RawIterations);
        Dictionary<string, int[]> before = Snapshot(o);

        // Same names and shapes, but different objects.
        List<Parameter> other = TwoParameters();
        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => o.Apply(Grads(VectorGradient(1), MatrixGradient(1)), other));
        Assert.AreEqual("parameters", e.ParamName);
        Assert.Contains("parameters[0]", e.Message);
        Assert.Contains("'vector'", e.Message);

        // Only the second differs.
        ArgumentException e2 = Assert.ThrowsExactly<ArgumentException>(() => o.Apply(Grads(VectorGradient(1), MatrixGradient(1)), new[] { ps[0], other[1] }));
        Assert.Contains("parameters[1]", e2.Message);

        // Wrong count, and the right objects in the wrong order.
        ArgumentException e3 = Assert.ThrowsExactly<ArgumentException>(() => o.Apply(Grads(VectorGradient(1), MatrixGradient(1)), new[] { ps[0] }));
        Assert.Contains("built for 2 parameters, got 1", e3.Message);
        Assert.ThrowsExactly<ArgumentException>(() => o.Apply(Grads(VectorGradient(1), MatrixGradient(1)), new[] { ps[1], ps[0] }));

        AssertSameSnapshot(before, Snapshot(o));
        Assert.AreEqual(1L, o.RawIterations);

        // The same objects still work.
        o.Apply(Grads(VectorGradient(1), MatrixGradient(1)), ps);
        Assert.AreEqual(2L, o.RawIterations);
    }

    // ---------------------------------------------------------------- Parameter constructor

    [TestMethod]
    public void ParameterConstructorValidates()
    {
        ArgumentException len = Assert.ThrowsExactly<ArgumentException>(() => new Parameter("w", new[] { 2, 3 }, new float[5]));
        Assert.AreEqual("value", len.ParamName);
        Assert.Contains("'w'", len.Message);
        Assert.Contains("[2, 3]", len.Message);
        Assert.Contains("holds 6 values", len.Message);
        Assert.Contains("has 5", len.Message);

        ArgumentException neg = Assert.ThrowsExactly<ArgumentException>(() => new Parameter("w", new[] { 2, -3 }, new float[6]));
        Assert.AreEqual("shape", neg.ParamName);
        Assert.Contains("-3", neg.Message);
        Assert.ThrowsExactly<ArgumentException>(() => Parameter.Zeros("w", 4, -1));

        ArgumentException empty = Assert.ThrowsExactly<ArgumentException>(() => new Parameter("", new[] { 1 }, new float[1]));
        Assert.AreEqual("name", empty.ParamName);
        Assert.ThrowsExactly<ArgumentNullException>(() => new Parameter(null!, new[] { 1 }, new float[1]));

        // A scalar holds one value.
        Assert.ThrowsExactly<ArgumentException>(() => new Parameter("s", Array.Empty<int>(), new float[2]));
        Assert.AreEqual(1, new Parameter("s", Array.Empty<int>(), new float[1]).Length);
    }

    // ---------------------------------------------------------------- schedules

    [TestMethod]
    [DataRow("ExponentialDecay", 0L, DisplayName = "ExponentialDecay decay_steps 0")]
    [DataRow("ExponentialDecay", -5L, DisplayName = "ExponentialDecay decay_steps -5")]
    [DataRow("InverseTimeDecay", 0L, DisplayName = "InverseTimeDecay decay_steps 0")]
    [DataRow("PolynomialDecay", 0L, DisplayName = "PolynomialDecay decay_steps 0")]
    [DataRow("CosineDecay", 0L, DisplayName = "CosineDecay decay_steps 0")]
    [DataRow("CosineDecayRestarts", 0L, DisplayName = "CosineDecayRestarts first_decay_steps 0")]
    public void ScheduleDecayStepsRejected(string schedule, long steps)
    {
        ArgumentOutOfRangeException e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _ = schedule switch
        {
            "ExponentialDecay" => (LearningRateSchedule)new ExponentialDecay(0.01, steps, 0.5),
            "InverseTimeDecay" => new InverseTimeDecay(0.01, steps, 0.5),
            "PolynomialDecay" => new PolynomialDecay(0.01, steps),
            "CosineDecay" => new CosineDecay(0.01, steps),
            _ => new CosineDecayRestarts(0.01, steps),
        });
        AssertNamesArgument(e, schedule == "CosineDecayRestarts" ? "first_decay_steps" : "decay_steps", steps.ToString(CultureInfo.InvariantCulture));
    }

    [TestMethod]
    [DataRow(2, 2, DisplayName = "2 values for 2 boundaries")]
    [DataRow(4, 2, DisplayName = "4 values for 2 boundaries")]
    [DataRow(0, 0, DisplayName = "0 values for 0 boundaries")]
    public void PiecewiseValueCountRejected(int valueCount, int boundaryCount)
    {
        long[] b = Enumerable.Range(1, boundaryCount).Select(i => (long)(i * 10)).ToArray();
        double[] v = Enumerable.Range(0, valueCount).Select(i => 0.1 / (i + 1)).ToArray();
        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => new PiecewiseConstantDecay(b, v));
        Assert.AreEqual("values", e.ParamName);
        Assert.Contains($"got {valueCount} values for {boundaryCount} boundaries", e.Message);
    }

    [TestMethod]
    [DataRow(10L, 10L, DisplayName = "equal boundaries")]
    [DataRow(10L, 5L, DisplayName = "decreasing boundaries")]
    public void PiecewiseNonIncreasingBoundariesRejected(long b0, long b1)
    {
        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => new PiecewiseConstantDecay(new[] { 1L, b0, b1 }, new[] { 0.4, 0.3, 0.2, 0.1 }));
        Assert.AreEqual("boundaries", e.ParamName);
        Assert.Contains("strictly increasing", e.Message);
        Assert.Contains($"{b0} then {b1}", e.Message);
        Assert.Contains("index 2", e.Message);
    }

    [TestMethod]
    public void PiecewiseNegativeValueRejected()
    {
        ArgumentOutOfRangeException e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PiecewiseConstantDecay(new[] { 5L }, new[] { 0.1, -0.2 }));
        AssertNamesArgument(e, "values[1]", "-0.2");
    }

    [TestMethod]
    [DataRow(1.5, DisplayName = "CosineDecay alpha 1.5")]
    [DataRow(-0.1, DisplayName = "CosineDecay alpha -0.1")]
    [DataRow(double.NaN, DisplayName = "CosineDecay alpha NaN")]
    public void CosineDecayAlphaRejected(double alpha)
    {
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineDecay(0.01, 100, alpha)), "alpha", R(alpha));
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineDecayRestarts(0.01, 100, alpha: alpha)), "alpha", R(alpha));
    }

    [TestMethod]
    public void CosineDecayWarmupNeedsSteps()
    {
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineDecay(0.001, 100, warmupTarget: 0.01, warmupSteps: 0)), "warmup_steps", "0");
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineDecay(0.001, 100, warmupSteps: -3)), "warmup_steps", "-3");
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineDecay(0.001, 100, warmupTarget: -0.5, warmupSteps: 10)), "warmup_target", "-0.5");
    }

    [TestMethod]
    public void ScheduleNumericArgumentsRejected()
    {
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ExponentialDecay(-0.01, 10, 0.5)), "initial_learning_rate", "-0.01");
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ExponentialDecay(0.01, 10, double.NaN)), "decay_rate", "NaN");
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PolynomialDecay(0.01, 10, power: double.PositiveInfinity)), "power", "Infinity");
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineDecayRestarts(0.01, 10, tMul: 0)), "t_mul", "0");
        AssertNamesArgument(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineDecayRestarts(0.01, 10, mMul: -1)), "m_mul", "-1");
    }

    // ---------------------------------------------------------------- non-finite gradients

    [TestMethod]
    [DataRow(float.NaN, 3, DisplayName = "NaN at index 3")]
    [DataRow(float.NaN, 18, DisplayName = "NaN at index 18 (vector tail)")]
    public void PropagateLetsNaNThroughLion(float bad, int index)
    {
        List<Parameter> ps = TwoParameters();
        var o = new Lion(0.01);
        Assert.AreEqual(NonFiniteGradientPolicy.Propagate, o.NonFiniteGradientPolicy, "Propagate is the default (Keras)");
        o.Build(ps);
        float[] before = ps[0].Value.ToArray();
        float[] g = VectorGradient();
        g[index] = bad;
        o.Apply(Grads(g, MatrixGradient()));

        Assert.AreEqual(1L, o.RawIterations);
        Assert.AreEqual(0L, o.SkippedSteps);
        float[] after = ps[0].Value.ToArray();
        ReadOnlySpan<float> m = o.GetSlot(0, "momentum").Span;
        for (int i = 0; i < after.Length; i++)
        {
            if (i == index)
            {
                Assert.IsTrue(float.IsNaN(after[i]), $"vector[{i}]: sign(NaN) = NaN, so the variable becomes NaN; got {after[i]:R}");
                Assert.IsTrue(float.IsNaN(m[i]), $"momentum[{i}] becomes NaN");
            }
            else
            {
                // First step: m = 0, so var -= lr * sign(g) exactly.
                float expected = before[i] - (0.01f * Math.Sign(g[i]));
                Assert.AreEqual(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(after[i]), $"vector[{i}] is updated normally");
            }
        }

        foreach (float x in ps[1].Value.Span)
        {
            Assert.IsTrue(float.IsFinite(x), "the other parameter is unaffected");
        }
    }

    [TestMethod]
    public void PropagateLetsInfinityThroughLion()
    {
        // sign(+Inf) = 1: the variable takes a normal step, but the momentum becomes +Inf (Keras does the same).
        List<Parameter> ps = TwoParameters();
        var o = new Lion(0.01);
        o.Build(ps);
        float before = ps[0].Value.Span[5];
        float[] g = VectorGradient();
        g[5] = float.PositiveInfinity;
        o.Apply(Grads(g, MatrixGradient()));
        Assert.AreEqual(before - 0.01f, ps[0].Value.Span[5]);
        Assert.AreEqual(float.PositiveInfinity, o.GetSlot(0, "momentum").Span[5]);
    }

    private static Lion TrainedForPolicy(List<Parameter> ps, NonFiniteGradientPolicy policy)
    {
        var o = new Lion(0.01) { UseEma = true, GradientAccumulationSteps = 2, WeightDecay = 0.05, NonFiniteGradientPolicy = policy };
        o.Build(ps);

        // Three good calls: an update on call 2, a pending accumulation after call 3, so every slot is non-zero.
        for (int k = 0; k < 3; k++)
        {
            o.Apply(Grads(VectorGradient(k), MatrixGradient(k)));
        }

        return o;
    }

    [TestMethod]
    [DataRow(float.NaN, 0, DisplayName = "NaN in the first parameter")]
    [DataRow(float.PositiveInfinity, 1, DisplayName = "+Inf in the second parameter")]
    [DataRow(float.NegativeInfinity, 1, DisplayName = "-Inf in the second parameter")]
    public void SkipStepChangesNothingAndCounts(float bad, int which)
    {
        List<Parameter> ps = TwoParameters();
        Lion o = TrainedForPolicy(ps, NonFiniteGradientPolicy.SkipStep);
        Assert.AreEqual(0L, o.SkippedSteps, "finite gradients are never skipped");
        Assert.AreEqual(3L, o.RawIterations);
        Dictionary<string, int[]> before = Snapshot(o);
        Assert.IsTrue(before["vector/momentum"].Any(b => b != 0), "momentum is non-zero before the skipped step");
        Assert.IsTrue(before["vector/gradient_accumulator"].Any(b => b != 0), "an accumulation is pending");
        Assert.IsTrue(before["vector/average"].Any(b => b != 0), "the EMA is non-zero");
        float lastLr = o.LastLearningRate;

        float[] gv = VectorGradient(3);
        float[] gm = MatrixGradient(3);
        (which == 0 ? gv : gm)[which == 0 ? 11 : 7] = bad;
        o.Apply(Grads(gv, gm));

        Assert.AreEqual(1L, o.SkippedSteps);
        Assert.AreEqual(3L, o.RawIterations, "RawIterations unchanged");
        Assert.AreEqual(1L, o.Iterations);
        AssertSameSnapshot(before, Snapshot(o));
        Assert.AreEqual(BitConverter.SingleToInt32Bits(lastLr), BitConverter.SingleToInt32Bits(o.LastLearningRate));

        o.Apply(Grads(gv, gm));
        Assert.AreEqual(2L, o.SkippedSteps, "each skipped call counts");

        // A later good step gives exactly what an optimizer that never saw the bad calls gives.
        List<Parameter> refPs = TwoParameters();
        Lion reference = TrainedForPolicy(refPs, NonFiniteGradientPolicy.Propagate);
        o.Apply(Grads(VectorGradient(4), MatrixGradient(4)));
        reference.Apply(Grads(VectorGradient(4), MatrixGradient(4)));
        AssertSameSnapshot(Snapshot(reference), Snapshot(o));
        Assert.AreEqual(4L, o.RawIterations);
    }

    [TestMethod]
    [DataRow(float.NaN, DisplayName = "NaN")]
    [DataRow(float.PositiveInfinity, DisplayName = "+Inf")]
    public void ThrowPolicyNamesTheParameterAndChangesNothing(float bad)
    {
        List<Parameter> ps = TwoParameters();
        Lion o = TrainedForPolicy(ps, NonFiniteGradientPolicy.Throw);
        Dictionary<string, int[]> before = Snapshot(o);

        // The first parameter's gradient is finite: it must not be updated either (no partial step).
        float[] gm = MatrixGradient(3);
        gm[14] = bad;
        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => o.Apply(Grads(VectorGradient(3), gm)));
        Assert.AreEqual("gradients", e.ParamName);
        Assert.Contains("'matrix'", e.Message);
        Assert.DoesNotContain("'vector'", e.Message);
        Assert.Contains("NaN or infinity", e.Message);

        AssertSameSnapshot(before, Snapshot(o));
        Assert.AreEqual(3L, o.RawIterations);
        Assert.AreEqual(0L, o.SkippedSteps, "Throw does not count skipped steps");

        // It keeps working afterwards.
        o.Apply(Grads(VectorGradient(3), MatrixGradient(3)));
        Assert.AreEqual(4L, o.RawIterations);
    }

    [TestMethod]
    public void NullGradientDoesNotTripThePolicy()
    {
        List<Parameter> ps = TwoParameters();
        var o = new Lion(0.01) { NonFiniteGradientPolicy = NonFiniteGradientPolicy.Throw };
        o.Build(ps);
        o.Apply(Grads(null, MatrixGradient()));
        Assert.AreEqual(1L, o.RawIterations);
        Assert.AreEqual(0L, o.SkippedSteps);
    }

    // ---------------------------------------------------------------- missing gradients

    [TestMethod]
    public void MissingGradientLeavesThatParameterAloneButEmaStillUpdates()
    {
        List<Parameter> ps = TwoParameters();
        var o = new Lion(0.01) { WeightDecay = 0.1, UseEma = true, EmaMomentum = 0.9 };
        o.Build(ps);
        float[] matrix0 = ps[1].Value.ToArray();
        float[] vector0 = ps[0].Value.ToArray();

        // Call 1: no gradient for "matrix".
        o.Apply(Grads(VectorGradient(), null));
        AssertSameBits(matrix0, ps[1].Value.Span, "matrix after call 1 (no decay, no update)");
        Assert.IsTrue(o.GetSlot(1, "momentum").ToArray().All(x => x == 0f), "matrix momentum untouched");
        Assert.IsFalse(Bits(vector0).SequenceEqual(Bits(ps[0].Value.Span)), "vector moved");

        // EMA on the first call: mom = 0, so average = var exactly, for the skipped parameter too (Keras).
        AssertSameBits(matrix0, o.GetAverage(1).Span, "matrix average after call 1");
        AssertSameBits(ps[0].Value.Span, o.GetAverage(0).Span, "vector average after call 1");

        // Call 2: "matrix" missing again; its average is mom*avg + (1-mom)*var with float32 math.
        float mom = (float)0.9;
        float oneMinus = 1f - mom;
        float[] avgBefore = o.GetAverage(1).ToArray();
        o.Apply(Grads(VectorGradient(1), null));
        AssertSameBits(matrix0, ps[1].Value.Span, "matrix after call 2");
        float[] expectedAvg = avgBefore.Select((a, i) => (mom * a) + (oneMinus * matrix0[i])).ToArray();
        AssertSameBits(expectedAvg, o.GetAverage(1).Span, "matrix average after call 2");
        Assert.AreEqual(2L, o.RawIterations);

        // Call 3: "vector" missing, "matrix" present: now matrix moves and vector does not.
        float[] vectorBefore = ps[0].Value.ToArray();
        o.Apply(Grads(null, MatrixGradient()));
        AssertSameBits(vectorBefore, ps[0].Value.Span, "vector after call 3");
        Assert.IsFalse(Bits(matrix0).SequenceEqual(Bits(ps[1].Value.Span)), "matrix moved on call 3");
    }

    [TestMethod]
    public void MissingGradientWithSgdGetsNoWeightDecay()
    {
        List<Parameter> ps = TwoParameters();
        var o = new Sgd(0.1) { WeightDecay = 0.5 };
        o.Build(ps);
        float[] vector0 = ps[0].Value.ToArray();
        float[] matrix0 = ps[1].Value.ToArray();
        float[] gm = MatrixGradient();
        o.Apply(Grads(null, gm));
        AssertSameBits(vector0, ps[0].Value.Span, "vector (missing gradient) unchanged");

        // SGD: var = var - (var*wd)*lr, then var = var - g*lr.
        float wd = 0.5f;
        float lr = 0.1f;
        float[] expected = matrix0.Select((v, i) =>
        {
            float x = v - ((v * wd) * lr);
            return x - (gm[i] * lr);
        }).ToArray();
        AssertSameBits(expected, ps[1].Value.Span, "matrix decayed and updated");
    }

    // ---------------------------------------------------------------- exclude_from_weight_decay

    [TestMethod]
    [DataRow("[", DisplayName = "unclosed bracket")]
    [DataRow("(abc", DisplayName = "unclosed group")]
    [DataRow("*x", DisplayName = "nothing to repeat")]
    public void ExcludeWithInvalidRegexThrows(string pattern)
    {
        var o = new Lion();
        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => o.ExcludeFromWeightDecay(namePatterns: new[] { pattern }));
        Assert.AreEqual("namePatterns", e.ParamName);
        Assert.Contains("var_names", e.Message);
        Assert.Contains("'" + pattern + "'", e.Message);
        Assert.IsNotNull(e.InnerException, "the regex error is kept");
        Assert.IsEmpty(o.ExcludedNamePatterns);
    }

    [TestMethod]
    [DataRow("object", false, DisplayName = "by parameter object, before Build")]
    [DataRow("object", true, DisplayName = "by parameter object, after Build")]
    [DataRow("atri", false, DisplayName = "by name pattern 'atri' (regex search), before Build")]
    [DataRow("^mat.*x$", true, DisplayName = "by name pattern '^mat.*x$', after Build")]
    public void ExcludedParameterIsNotDecayed(string how, bool afterBuild)
    {
        var ps = new List<Parameter>
        {
            Parameter.Create("vector", new[] { 20 }, Seq(20, i => Math.Sin(i + 1) * 2)),
            Parameter.Create("matrix", new[] { 3, 5 }, Seq(15, i => Math.Cos(i * 0.7) - 0.25)),
            Parameter.Create("bias", new[] { 9 }, Seq(9, i => (i * 0.37) - 1.1)),
        };
        var o = new Lion(0.01) { WeightDecay = 0.1 };

        void Exclude()
        {
            if (how == "object")
            {
                o.ExcludeFromWeightDecay(parameters: new[] { ps[1] });
            }
            else
            {
                o.ExcludeFromWeightDecay(namePatterns: new[] { how });
            }
        }

        if (!afterBuild)
        {
            Exclude();
        }

        o.Build(ps);
        if (afterBuild)
        {
            Assert.IsTrue(o.UsesWeightDecay(1), "decayed before the exclusion");
            Exclude();
        }

        Assert.IsTrue(o.UsesWeightDecay(0));
        Assert.IsFalse(o.UsesWeightDecay(1));
        Assert.IsTrue(o.UsesWeightDecay(2));

        float[][] before = ps.Select(p => p.Value.ToArray()).ToArray();

        // Zero gradients and zero momentum: sign(0) = 0, so Lion itself does not move; only the decay does.
        o.Apply(new ReadOnlyMemory<float>?[] { new float[20], new float[15], new float[9] });

        float wd = (float)0.1;
        float lr = 0.01f;
        for (int p = 0; p < ps.Count; p++)
        {
            float[] expected = p == 1 ? before[p] : before[p].Select(v => v - ((v * wd) * lr)).ToArray();
            AssertSameBits(expected, ps[p].Value.Span, $"'{ps[p].Name}' after one step");
            if (p != 1)
            {
                Assert.IsFalse(Bits(before[p]).SequenceEqual(Bits(ps[p].Value.Span)), $"'{ps[p].Name}' shrank");
            }
        }
    }

    [TestMethod]
    public void WeightDecayOffMeansNoParameterUsesIt()
    {
        var o = new Lion(0.01);
        o.Build(TwoParameters());
        Assert.IsFalse(o.UsesWeightDecay(0));
        Assert.IsFalse(o.UsesWeightDecay(1));
        o.WeightDecay = 0;
        Assert.IsTrue(o.UsesWeightDecay(0), "weight_decay = 0 still runs the decay (Keras)");
    }
}
