using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.Tests;

/// <summary>
/// Keras <c>get_config()</c> / <c>from_config()</c> / <c>serialize()</c>: every option and learning-rate form round-trips to
/// the same JSON text; bad configs fail with an <see cref="OptimizerConfigException"/> whose message starts with the JSON path.
/// </summary>
[TestClass]
public sealed class ConfigTests
{
    private static readonly string[] OptimizerClasses = { "Lion", "Adafactor", "SGD", "AdamW" };

    private static readonly string[] LearningRateForms =
    {
        "float", "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
    };

    private static readonly string[] ClipOptions = { "clipnorm", "clipvalue", "global_clipnorm" };

    private const string CallableName = "my_lr";

    private static KerasConfigOptions Resolving => new() { CallableResolver = n => n == CallableName ? () => 0.01 : null };

    public static IEnumerable<object[]> RoundTripCases() =>
        from cls in OptimizerClasses
        from lr in LearningRateForms.Append("callable")
        from clip in ClipOptions
        select new object[] { cls, lr, clip };

    private static LearningRate MakeLearningRate(string form) => form switch
    {
        "float" => 0.0025,
        "ExponentialDecay" => LearningRate.FromSchedule(new ExponentialDecay(0.01, 1000, 0.96, staircase: true, name: "my_exp")),
        "PiecewiseConstantDecay" => LearningRate.FromSchedule(new PiecewiseConstantDecay(new long[] { 100, 200, 5000 }, new[] { 0.01, 0.005, 0.001, 0.0001 }, name: "my_piecewise")),
        "PolynomialDecay" => LearningRate.FromSchedule(new PolynomialDecay(0.01, 500, 0.0005, 2.0, cycle: true, name: "my_poly")),
        "InverseTimeDecay" => LearningRate.FromSchedule(new InverseTimeDecay(0.01, 100, 0.5, staircase: true, name: "my_inv")),
        "CosineDecay" => LearningRate.FromSchedule(new CosineDecay(0.001, 1000, 0.1, "my_cos", warmupTarget: 0.01, warmupSteps: 100)),
        "CosineDecayRestarts" => LearningRate.FromSchedule(new CosineDecayRestarts(0.01, 200, 1.5, 0.9, 0.05, "my_sgdr")),
        "callable" => LearningRate.FromCallback(() => 0.01, CallableName),
        _ => throw new ArgumentException("unknown form " + form, nameof(form)),
    };

    /// <summary>The optimizer with its own hyperparameters set to non-defaults.</summary>
    private static Optimizer MakeOptimizer(string cls, LearningRate lr) => cls switch
    {
        "Lion" => new Lion(lr, beta1: 0.85, beta2: 0.97),
        "Adafactor" => new Adafactor(lr, beta2Decay: -0.7, epsilon1: 1e-28, epsilon2: 0.002, clipThreshold: 0.8, relativeStep: false),
        "SGD" => new Sgd(lr, momentum: 0.9, nesterov: true),
        "AdamW" => new AdamW(lr, weightDecay: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, amsgrad: true),
        _ => throw new ArgumentException("unknown class " + cls, nameof(cls)),
    };

    private static double ClipValueFor(string clip) => clip switch
    {
        "clipnorm" => 1.5,
        "clipvalue" => 0.25,
        _ => 6.0,
    };

    /// <summary>Every base option set to a non-default value, with one clip option.</summary>
    private static Optimizer MakeFull(string cls, string lrForm, string clip)
    {
        Optimizer o = MakeOptimizer(cls, MakeLearningRate(lrForm));
        o.Name = "custom_" + cls.ToLowerInvariant();
        o.WeightDecay = 0.02;
        switch (clip)
        {
            case "clipnorm":
                o.ClipNorm = ClipValueFor(clip);
                break;
            case "clipvalue":
                o.ClipValue = ClipValueFor(clip);
                break;
            default:
                o.GlobalClipNorm = ClipValueFor(clip);
                break;
        }

        o.UseEma = true;
        o.EmaMomentum = 0.95;
        o.EmaOverwriteFrequency = 5;
        o.LossScaleFactor = 128;
        o.GradientAccumulationSteps = 4;
        return o;
    }

    private static void AssertSameLearningRate(LearningRate expected, LearningRate actual, string what)
    {
        Assert.AreEqual(expected.Kind, actual.Kind, what + ": kind");
        if (expected.Kind == LearningRateKind.Schedule)
        {
            Assert.AreEqual(expected.Schedule!.ClassName, actual.Schedule!.ClassName, what);
            Assert.AreEqual(expected.Schedule.Name, actual.Schedule.Name, what);
        }

        if (expected.Kind == LearningRateKind.Callback)
        {
            Assert.AreEqual(expected.CallbackName, actual.CallbackName, what);
        }

        foreach (long step in new long[] { 0, 1, 2, 3, 50, 99, 100, 101, 150, 199, 200, 201, 350, 499, 500, 777, 1000, 1099, 1100, 4999, 5000, 5001, 20000 })
        {
            Assert.AreEqual(BitConverter.SingleToInt32Bits(expected.Evaluate(step)), BitConverter.SingleToInt32Bits(actual.Evaluate(step)), $"{what}: learning rate at step {step}");
        }
    }

    private static void AssertSameOptions(Optimizer expected, Optimizer actual, string what)
    {
        Assert.AreEqual(expected.GetType(), actual.GetType(), what);
        Assert.AreEqual(expected.Name, actual.Name, what);
        Assert.AreEqual(expected.WeightDecay, actual.WeightDecay, what);
        Assert.AreEqual(expected.ClipNorm, actual.ClipNorm, what);
        Assert.AreEqual(expected.ClipValue, actual.ClipValue, what);
        Assert.AreEqual(expected.GlobalClipNorm, actual.GlobalClipNorm, what);
        Assert.AreEqual(expected.UseEma, actual.UseEma, what);
        Assert.AreEqual(expected.EmaMomentum, actual.EmaMomentum, what);
        Assert.AreEqual(expected.EmaOverwriteFrequency, actual.EmaOverwriteFrequency, what);
        Assert.AreEqual(expected.LossScaleFactor, actual.LossScaleFactor, what);
        Assert.AreEqual(expected.GradientAccumulationSteps, actual.GradientAccumulationSteps, what);
        AssertSameLearningRate(expected.LearningRate, actual.LearningRate, what);
        switch (expected)
        {
            case Lion l:
                Assert.AreEqual(l.Beta1, ((Lion)actual).Beta1, what);
                Assert.AreEqual(l.Beta2, ((Lion)actual).Beta2, what);
                break;
            case Adafactor a:
                var b = (Adafactor)actual;
                Assert.AreEqual(a.Beta2Decay, b.Beta2Decay, what);
                Assert.AreEqual(a.Epsilon1, b.Epsilon1, what);
                Assert.AreEqual(a.Epsilon2, b.Epsilon2, what);
                Assert.AreEqual(a.ClipThreshold, b.ClipThreshold, what);
                Assert.AreEqual(a.RelativeStep, b.RelativeStep, what);
                break;
            case Sgd s:
                Assert.AreEqual(s.Momentum, ((Sgd)actual).Momentum, what);
                Assert.AreEqual(s.Nesterov, ((Sgd)actual).Nesterov, what);
                break;
            case AdamW w:
                var x = (AdamW)actual;
                Assert.AreEqual(w.Beta1, x.Beta1, what);
                Assert.AreEqual(w.Beta2, x.Beta2, what);
                Assert.AreEqual(w.Epsilon, x.Epsilon, what);
                Assert.AreEqual(w.Amsgrad, x.Amsgrad, what);
                break;
            default:
                Assert.Fail("unexpected optimizer " + expected.GetType());
                break;
        }
    }

    private static double Num(JsonNode? n) => double.Parse(n!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- round trips

    [TestMethod]
    [DynamicData(nameof(RoundTripCases))]
    public void ConfigRoundTrip(string cls, string lrForm, string clip)
    {
        Optimizer o = MakeFull(cls, lrForm, clip);
        Assert.AreEqual(cls, o.ClassName);
        KerasConfigOptions? options = lrForm == "callable" ? Resolving : null;
        JsonObject config = o.GetConfig();
        string text = config.ToJsonString();

        // Every base option really is in the config with its non-default value.
        Assert.AreEqual("custom_" + cls.ToLowerInvariant(), config["name"]!.GetValue<string>());
        Assert.AreEqual(0.02, Num(config["weight_decay"]));
        foreach (string c in ClipOptions)
        {
            if (c == clip)
            {
                Assert.AreEqual(ClipValueFor(c), Num(config[c]), c);
            }
            else
            {
                Assert.IsTrue(config.ContainsKey(c), c + " is written even when null");
                Assert.IsNull(config[c], c);
            }
        }

        Assert.IsTrue(config["use_ema"]!.GetValue<bool>());
        Assert.AreEqual(0.95, Num(config["ema_momentum"]));
        Assert.AreEqual(5.0, Num(config["ema_overwrite_frequency"]));
        Assert.AreEqual(128.0, Num(config["loss_scale_factor"]));
        Assert.AreEqual(4.0, Num(config["gradient_accumulation_steps"]));
        if (lrForm == "float")
        {
            Assert.AreEqual((double)0.0025f, Num(config["learning_rate"]), "a float learning rate is written as its float32 value");
        }
        else if (lrForm != "callable")
        {
            Assert.AreEqual(lrForm, config["learning_rate"]!["class_name"]!.GetValue<string>());
            Assert.AreEqual("keras.optimizers.schedules", config["learning_rate"]!["module"]!.GetValue<string>());
        }

        // from_config(get_config()) writes the same text, from the object and from the parsed text.
        Optimizer back = KerasConfig.OptimizerFromConfig(o.ClassName, o.GetConfig(), options);
        Assert.AreEqual(text, back.GetConfig().ToJsonString(), "OptimizerFromConfig(GetConfig()).GetConfig()");
        AssertSameOptions(o, back, "OptimizerFromConfig");

        Optimizer fromText = KerasConfig.OptimizerFromConfig(o.ClassName, JsonNode.Parse(text)!.AsObject(), options);
        Assert.AreEqual(text, fromText.GetConfig().ToJsonString(), "from the parsed JSON text");
        AssertSameOptions(o, fromText, "from the parsed JSON text");

        // serialize / deserialize.
        JsonObject serialized = o.Serialize();
        Assert.AreEqual("module,class_name,config,registered_name", string.Join(",", serialized.Select(kv => kv.Key)));
        Assert.AreEqual("keras.optimizers", serialized["module"]!.GetValue<string>());
        Assert.AreEqual(cls, serialized["class_name"]!.GetValue<string>());
        Assert.AreEqual(text, serialized["config"]!.ToJsonString());
        Assert.IsTrue(serialized.ContainsKey("registered_name"));
        Assert.IsNull(serialized["registered_name"]);

        string serializedText = serialized.ToJsonString();
        Optimizer deserialized = KerasConfig.DeserializeOptimizer(serializedText, options);
        Assert.AreEqual(serializedText, deserialized.Serialize().ToJsonString(), "DeserializeOptimizer(Serialize())");
        AssertSameOptions(o, deserialized, "DeserializeOptimizer");
    }

    [TestMethod]
    [DataRow("Lion", DisplayName = "Lion defaults")]
    [DataRow("Adafactor", DisplayName = "Adafactor defaults")]
    [DataRow("SGD", DisplayName = "SGD defaults")]
    [DataRow("AdamW", DisplayName = "AdamW defaults")]
    public void DefaultConfigRoundTripAndKerasKeyOrder(string cls)
    {
        Optimizer o = cls switch
        {
            "Lion" => new Lion(),
            "Adafactor" => new Adafactor(),
            "SGD" => new Sgd(),
            _ => new AdamW(),
        };
        JsonObject config = o.GetConfig();
        string[] baseKeys =
        {
            "name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema", "ema_momentum",
            "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps",
        };
        string[] own = cls switch
        {
            "Lion" => new[] { "beta_1", "beta_2" },
            "Adafactor" => new[] { "beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step" },
            "SGD" => new[] { "momentum", "nesterov" },
            _ => new[] { "beta_1", "beta_2", "epsilon", "amsgrad" },
        };
        Assert.AreEqual(string.Join(",", baseKeys.Concat(own)), string.Join(",", config.Select(kv => kv.Key)));
        Assert.AreEqual(config.ToJsonString(), KerasConfig.OptimizerFromConfig(cls, config).GetConfig().ToJsonString());

        // An empty config gives the defaults.
        Assert.AreEqual(config.ToJsonString(), KerasConfig.OptimizerFromConfig(cls, new JsonObject()).GetConfig().ToJsonString());
    }

    [TestMethod]
    public void AdamWNeedsWeightDecay()
    {
        OptimizerConfigException e = Assert.ThrowsExactly<OptimizerConfigException>(() => AdamW.FromConfig(JsonNode.Parse("{\"weight_decay\": null}")!.AsObject()));
        Assert.AreEqual("$.weight_decay", e.JsonPath);
        StringAssert.StartsWith(e.Message, "$.weight_decay:");
    }

    // ---------------------------------------------------------------- callable learning rates

    [TestMethod]
    public void CallableLearningRateConfig()
    {
        var o = new Lion(LearningRate.FromCallback(() => 0.01, CallableName));
        JsonObject config = o.GetConfig();
        Assert.AreEqual("{\"module\":\"builtins\",\"class_name\":\"function\",\"config\":\"my_lr\",\"registered_name\":\"function\"}", config["learning_rate"]!.ToJsonString());

        // Without a resolver, or with one that does not know the name: an error naming the function.
        foreach (KerasConfigOptions? options in new KerasConfigOptions?[] { null, new KerasConfigOptions(), new KerasConfigOptions { CallableResolver = n => n == "other" ? () => 1.0 : null } })
        {
            OptimizerConfigException e = Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.OptimizerFromConfig("Lion", o.GetConfig(), options));
            Assert.AreEqual("$.learning_rate", e.JsonPath);
            StringAssert.StartsWith(e.Message, "$.learning_rate:");
            Assert.Contains("'my_lr'", e.Message);
            Assert.Contains("CallableResolver", e.Message);
        }

        OptimizerConfigException viaSerialized = Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer(o.Serialize().ToJsonString()));
        Assert.AreEqual("$.config.learning_rate", viaSerialized.JsonPath);
        Assert.Contains("'my_lr'", viaSerialized.Message);

        // With a resolver it rebuilds, and the rebuilt learning rate calls the resolved function.
        int calls = 0;
        var resolver = new KerasConfigOptions { CallableResolver = n => n == CallableName ? () => { calls++; return 0.01; } : null };
        Optimizer back = KerasConfig.OptimizerFromConfig("Lion", o.GetConfig(), resolver);
        Assert.AreEqual(LearningRateKind.Callback, back.LearningRate.Kind);
        Assert.AreEqual(CallableName, back.LearningRate.CallbackName);
        Assert.AreEqual(0.01f, back.LearningRate.Evaluate(7));
        Assert.AreEqual(1, calls, "the resolved function is what the learning rate calls");
        Assert.AreEqual(config.ToJsonString(), back.GetConfig().ToJsonString());

        Optimizer deserialized = KerasConfig.DeserializeOptimizer(o.Serialize().ToJsonString(), resolver);
        Assert.AreEqual(o.Serialize().ToJsonString(), deserialized.Serialize().ToJsonString());
    }

    // ---------------------------------------------------------------- errors carry the JSON path

    private static OptimizerConfigException LionFails(string json) =>
        Assert.ThrowsExactly<OptimizerConfigException>(() => Lion.FromConfig(JsonNode.Parse(json)!.AsObject()));

    [TestMethod]
    public void InvalidValueNamesThePath()
    {
        OptimizerConfigException e = LionFails("{\"beta_1\": 1.5}");
        StringAssert.StartsWith(e.Message, "$.beta_1:");
        Assert.Contains("1.5", e.Message);
        Assert.AreEqual("$.beta_1", e.JsonPath);
        Assert.IsInstanceOfType<ArgumentOutOfRangeException>(e.InnerException);
        Assert.DoesNotContain("(Parameter", e.Message, "the runtime's parameter suffix is stripped");
    }

    [TestMethod]
    [DataRow("{\"beta_2\": -0.5}", "$.beta_2", "-0.5", DisplayName = "beta_2 -0.5")]
    [DataRow("{\"learning_rate\": -1}", "$.learning_rate", "-1", DisplayName = "learning_rate -1")]
    [DataRow("{\"weight_decay\": -0.25}", "$.weight_decay", "-0.25", DisplayName = "weight_decay -0.25")]
    [DataRow("{\"ema_momentum\": 2.5}", "$.ema_momentum", "2.5", DisplayName = "ema_momentum 2.5")]
    [DataRow("{\"ema_overwrite_frequency\": -3}", "$.ema_overwrite_frequency", "-3", DisplayName = "ema_overwrite_frequency -3")]
    [DataRow("{\"loss_scale_factor\": 0}", "$.loss_scale_factor", "0", DisplayName = "loss_scale_factor 0")]
    [DataRow("{\"gradient_accumulation_steps\": 0}", "$.gradient_accumulation_steps", "0", DisplayName = "gradient_accumulation_steps 0")]
    [DataRow("{\"clipnorm\": 1.0, \"clipvalue\": 0.75}", "$.clipvalue", "0.75", DisplayName = "clipnorm and clipvalue")]
    [DataRow("{\"clipnorm\": 0, \"global_clipnorm\": 2.5}", "$.global_clipnorm", "2.5", DisplayName = "clipnorm=0 and global_clipnorm")]
    public void InvalidBaseValueNamesThePath(string json, string path, string value)
    {
        OptimizerConfigException e = LionFails(json);
        Assert.AreEqual(path, e.JsonPath);
        StringAssert.StartsWith(e.Message, path + ":");
        Assert.Contains(value, e.Reason);
    }

    [TestMethod]
    public void UnknownKeyNamesThePath()
    {
        OptimizerConfigException e = LionFails("{\"beta_1\": 0.9, \"foo\": 1}");
        StringAssert.StartsWith(e.Message, "$.foo: unknown key");
        Assert.AreEqual("$.foo", e.JsonPath);

        // A key of another optimizer is unknown too.
        StringAssert.StartsWith(LionFails("{\"epsilon\": 1e-7}").Message, "$.epsilon: unknown key");
        StringAssert.StartsWith(
            Assert.ThrowsExactly<OptimizerConfigException>(() => Sgd.FromConfig(JsonNode.Parse("{\"beta_1\": 0.9}")!.AsObject())).Message,
            "$.beta_1: unknown key");
    }

    [TestMethod]
    [DataRow("{\"beta_1\": \"x\"}", "$.beta_1", "\"x\"", DisplayName = "beta_1 a string")]
    [DataRow("{\"beta_1\": [0.9]}", "$.beta_1", "[0.9]", DisplayName = "beta_1 an array")]
    [DataRow("{\"use_ema\": 1}", "$.use_ema", "1", DisplayName = "use_ema a number")]
    [DataRow("{\"name\": 5}", "$.name", "5", DisplayName = "name a number")]
    [DataRow("{\"gradient_accumulation_steps\": 2.5}", "$.gradient_accumulation_steps", "2.5", DisplayName = "gradient_accumulation_steps 2.5")]
    [DataRow("{\"gradient_accumulation_steps\": 3000000000}", "$.gradient_accumulation_steps", "3000000000", DisplayName = "gradient_accumulation_steps beyond int32")]
    [DataRow("{\"learning_rate\": \"fast\"}", "$.learning_rate", "\"fast\"", DisplayName = "learning_rate a string")]
    [DataRow("{\"learning_rate\": null}", "$.learning_rate", "null", DisplayName = "learning_rate null")]
    public void WrongTypeNamesThePath(string json, string path, string shown)
    {
        OptimizerConfigException e = LionFails(json);
        Assert.AreEqual(path, e.JsonPath);
        StringAssert.StartsWith(e.Message, path + ":");
        Assert.Contains(shown, e.Reason);
    }

    private static JsonObject LionConfigWith(LearningRateSchedule schedule) => new Lion(LearningRate.FromSchedule(schedule)).GetConfig();

    [TestMethod]
    public void ScheduleErrorsHaveNestedPaths()
    {
        JsonObject c = LionConfigWith(new ExponentialDecay(0.01, 100, 0.5));
        c["learning_rate"]!["config"]!["decay_steps"] = 0;
        OptimizerConfigException e = Assert.ThrowsExactly<OptimizerConfigException>(() => Lion.FromConfig(c));
        Assert.AreEqual("$.learning_rate.config.decay_steps", e.JsonPath);
        StringAssert.StartsWith(e.Message, "$.learning_rate.config.decay_steps:");
        Assert.Contains("got 0", e.Message);

        // Through DeserializeOptimizer the path starts at the serialized object.
        var serialized = new JsonObject { ["module"] = "keras.optimizers", ["class_name"] = "Lion", ["config"] = c.DeepClone(), ["registered_name"] = null };
        OptimizerConfigException e2 = Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer(serialized.ToJsonString()));
        Assert.AreEqual("$.config.learning_rate.config.decay_steps", e2.JsonPath);

        JsonObject alpha = LionConfigWith(new CosineDecay(0.01, 100));
        alpha["learning_rate"]!["config"]!["alpha"] = 1.5;
        OptimizerConfigException e3 = Assert.ThrowsExactly<OptimizerConfigException>(() => Lion.FromConfig(alpha));
        Assert.AreEqual("$.learning_rate.config.alpha", e3.JsonPath);
        Assert.Contains("1.5", e3.Message);

        JsonObject values = LionConfigWith(new PiecewiseConstantDecay(new long[] { 10 }, new[] { 0.1, 0.01 }));
        values["learning_rate"]!["config"]!["values"]![1] = "x";
        Assert.AreEqual("$.learning_rate.config.values[1]", Assert.ThrowsExactly<OptimizerConfigException>(() => Lion.FromConfig(values)).JsonPath);
        values["learning_rate"]!["config"]!["values"]![1] = -0.5;
        OptimizerConfigException e4 = Assert.ThrowsExactly<OptimizerConfigException>(() => Lion.FromConfig(values));
        Assert.AreEqual("$.learning_rate.config.values[1]", e4.JsonPath);
        Assert.Contains("-0.5", e4.Message);

        JsonObject bounds = LionConfigWith(new PiecewiseConstantDecay(new long[] { 10, 20 }, new[] { 0.1, 0.01, 0.001 }));
        bounds["learning_rate"]!["config"]!["boundaries"] = new JsonArray(20, 10);
        Assert.AreEqual("$.learning_rate.config.boundaries", Assert.ThrowsExactly<OptimizerConfigException>(() => Lion.FromConfig(bounds)).JsonPath);

        JsonObject unknown = LionConfigWith(new InverseTimeDecay(0.01, 100, 0.5));
        unknown["learning_rate"]!["config"]!["bogus"] = true;
        StringAssert.StartsWith(Assert.ThrowsExactly<OptimizerConfigException>(() => Lion.FromConfig(unknown)).Message, "$.learning_rate.config.bogus: unknown key");

        JsonObject missing = LionConfigWith(new PolynomialDecay(0.01, 100));
        missing["learning_rate"]!["config"]!.AsObject().Remove("decay_steps");
        Assert.AreEqual("$.learning_rate.config.decay_steps", Assert.ThrowsExactly<OptimizerConfigException>(() => Lion.FromConfig(missing)).JsonPath);

        JsonObject badClass = LionConfigWith(new ExponentialDecay(0.01, 100, 0.5));
        badClass["learning_rate"]!["class_name"] = "StepDecay";
        OptimizerConfigException e5 = Assert.ThrowsExactly<OptimizerConfigException>(() => Lion.FromConfig(badClass));
        StringAssert.StartsWith(e5.Message, "$.learning_rate");
        Assert.Contains("'StepDecay'", e5.Message);

        JsonObject badModule = LionConfigWith(new ExponentialDecay(0.01, 100, 0.5));
        badModule["learning_rate"]!["module"] = "keras.something";
        Assert.AreEqual("$.learning_rate.module", Assert.ThrowsExactly<OptimizerConfigException>(() => Lion.FromConfig(badModule)).JsonPath);
    }

    [TestMethod]
    public void DeserializeUnknownClassNamesIt()
    {
        string json = "{\"module\": \"keras.optimizers\", \"class_name\": \"Nope\", \"config\": {}, \"registered_name\": null}";
        OptimizerConfigException e = Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer(json));
        Assert.Contains("'Nope'", e.Message);
        Assert.Contains("class_name", e.JsonPath);
        foreach (string known in KerasConfig.OptimizerClassNames)
        {
            Assert.Contains(known, e.Message, "the message lists the known classes");
        }

        OptimizerConfigException direct = Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.OptimizerFromConfig("Adam", new JsonObject()));
        Assert.AreEqual("$.class_name", direct.JsonPath);
        Assert.Contains("'Adam'", direct.Message);
    }

    [TestMethod]
    [DataRow("{\"module\": \"keras.optimizers\", \"class_name\": \"Lion\"", DisplayName = "truncated")]
    [DataRow("{module: 1}", DisplayName = "unquoted key")]
    [DataRow("", DisplayName = "empty text")]
    [DataRow("{\"a\": 1} trailing", DisplayName = "trailing text")]
    public void MalformedJsonFails(string json)
    {
        OptimizerConfigException e = Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer(json));
        Assert.AreEqual("$", e.JsonPath);
        StringAssert.StartsWith(e.Message, "$: not valid JSON");
        Assert.IsNotNull(e.InnerException);
    }

    [TestMethod]
    public void DeserializeRejectsWrongShapes()
    {
        Assert.AreEqual("$", Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer("[1, 2]")).JsonPath);
        Assert.AreEqual("$.config", Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer("{\"class_name\": \"Lion\"}")).JsonPath);
        Assert.AreEqual("$.config", Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer("{\"class_name\": \"Lion\", \"config\": 3}")).JsonPath);
        Assert.AreEqual("$.module", Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer("{\"module\": \"torch.optim\", \"class_name\": \"Lion\", \"config\": {}}")).JsonPath);
        Assert.AreEqual("$.extra", Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer("{\"class_name\": \"Lion\", \"config\": {}, \"extra\": 1}")).JsonPath);
        Assert.AreEqual("$.config.beta_1", Assert.ThrowsExactly<OptimizerConfigException>(() => KerasConfig.DeserializeOptimizer("{\"class_name\": \"Lion\", \"config\": {\"beta_1\": 0}}")).JsonPath);

        // The minimal valid form works.
        Assert.IsInstanceOfType<Lion>(KerasConfig.DeserializeOptimizer("{\"class_name\": \"Lion\", \"config\": {}}"));
    }

    // ---------------------------------------------------------------- float32 learning rate

    [TestMethod]
    public void Float32LearningRateRoundTripsAsKerasWritesIt()
    {
        Lion o = Lion.FromConfig(JsonNode.Parse("{\"learning_rate\": 0.0010000000474974513}")!.AsObject());
        Assert.AreEqual(LearningRateKind.Constant, o.LearningRate.Kind);
        Assert.AreEqual(BitConverter.SingleToInt32Bits(0.001f), BitConverter.SingleToInt32Bits(o.LearningRate.ConstantValue));
        Assert.AreEqual("0.0010000000474974513", o.GetConfig()["learning_rate"]!.ToJsonString());

        // A double 0.001 is stored as float32 too and written the way Keras writes it.
        Lion d = Lion.FromConfig(JsonNode.Parse("{\"learning_rate\": 0.001}")!.AsObject());
        Assert.AreEqual(BitConverter.SingleToInt32Bits(0.001f), BitConverter.SingleToInt32Bits(d.LearningRate.ConstantValue));
        Assert.AreEqual("0.0010000000474974513", d.GetConfig()["learning_rate"]!.ToJsonString());
        Assert.AreEqual("0.0010000000474974513", new Lion(0.001).GetConfig()["learning_rate"]!.ToJsonString());

        // Integers are accepted as numbers.
        Assert.AreEqual(1f, Lion.FromConfig(JsonNode.Parse("{\"learning_rate\": 1}")!.AsObject()).LearningRate.ConstantValue);
    }
}
