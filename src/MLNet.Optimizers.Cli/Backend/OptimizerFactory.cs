using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>
/// The tool's optimizer defaults and their construction. Every optimizer gets a cosine-decay learning rate with a short
/// linear warmup over the whole run, and decoupled weight decay (the pipeline config's <c>exclude_from_weight_decay</c>
/// spares the biases). Lion's learning rate is 3-10×
/// smaller than AdamW's and its weight decay 3-10× larger (Lion's update has norm 1 per coordinate, AdamW's less).
/// </summary>
internal static class OptimizerFactory
{
    /// <summary>The share of a run's steps spent warming the learning rate up.</summary>
    public const double Warmup = 0.05;

    /// <summary>Peak learning rate and weight decay (null: none) per optimizer (<see cref="OptimizerInfo.RecommendedLearningRate"/>, <see cref="OptimizerInfo.RecommendedWeightDecay"/>), and the warmup share.</summary>
    public static readonly IReadOnlyDictionary<string, (double LearningRate, double? WeightDecay, double Warmup)> Defaults =
        OptimizerRegistry.All.ToDictionary(o => o.Name, o => (o.RecommendedLearningRate, o.RecommendedWeightDecay, Warmup), StringComparer.Ordinal);

    /// <summary>SGD's default momentum.</summary>
    public const double SgdMomentum = SgdDefaults.RecommendedMomentum;

    /// <summary>Builds an optimizer from the defaults and the spec's overrides, in Keras's serialized form (the pipeline config's <c>trainer.optimizer</c>).</summary>
    /// <param name="spec">The spec.</param>
    /// <param name="totalSteps">Steps of the whole run (for the schedule).</param>
    /// <returns>The serialized optimizer.</returns>
    /// <exception cref="CliException">A setting out of range (exit code 64).</exception>
    public static JsonObject Create(OptimizerSpec spec, long totalSteps) => FromDefaults(spec, totalSteps).Serialize();

    /// <summary>
    /// Stretches a learning-rate schedule that spans a run exactly to span another run: a <c>CosineDecay</c> whose warmup
    /// and decay steps add up to <paramref name="oldTotalSteps"/> gets <paramref name="newTotalSteps"/> in the same warmup
    /// share. Anything else (a constant rate, another schedule, a cosine of another length) is returned unchanged.
    /// </summary>
    /// <param name="serialized">Keras's serialized optimizer (not modified).</param>
    /// <param name="oldTotalSteps">The steps of the run the schedule was written for.</param>
    /// <param name="newTotalSteps">The steps of the run about to start.</param>
    /// <returns>The optimizer for the new run (a copy).</returns>
    public static JsonObject FitScheduleToRun(JsonObject serialized, long oldTotalSteps, long newTotalSteps)
    {
        var copy = (JsonObject)serialized.DeepClone();
        if (oldTotalSteps == newTotalSteps || newTotalSteps < 1
            || copy["config"]?["learning_rate"] is not JsonObject lr || lr["class_name"]?.GetValue<string>() != "CosineDecay" || lr["config"] is not JsonObject c)
        {
            return copy;
        }

        long decay = c["decay_steps"] is JsonValue d && d.TryGetValue(out long dv) ? dv : -1;
        long warm = c["warmup_steps"] is JsonValue w && w.TryGetValue(out long wv) ? wv : 0;
        if (decay < 0 || warm + decay != oldTotalSteps)
        {
            return copy;
        }

        (long newWarm, long newDecay) = Split(newTotalSteps, warm / (double)oldTotalSteps);
        c["decay_steps"] = newDecay;
        if (c.ContainsKey("warmup_steps"))
        {
            c["warmup_steps"] = newWarm;
        }

        return copy;
    }

    /// <summary>One line describing an optimizer from its Keras config: class, learning rate or schedule, weight decay, moments.</summary>
    /// <param name="serialized">Keras's serialized optimizer.</param>
    /// <returns>The description.</returns>
    public static string Describe(JsonObject serialized)
    {
        string cls = serialized["class_name"]?.GetValue<string>() ?? "?";
        var c = serialized["config"] as JsonObject ?? new JsonObject();
        var parts = new List<string> { DescribeLearningRate(c["learning_rate"]) };
        if (c["weight_decay"] is JsonValue wd && wd.TryGetValue(out double w))
        {
            parts.Add("weight decay " + G(w));
        }

        foreach ((string key, string label) in new[] { ("beta_1", "β1"), ("beta_2", "β2"), ("momentum", "momentum"), ("beta_2_decay", "β2 decay"), ("epsilon_1", "ε1") })
        {
            if (c[key] is JsonValue v && v.TryGetValue(out double d) && !(key == "momentum" && d == 0))
            {
                parts.Add($"{label} {G(d)}");
            }
        }

        if (c["nesterov"] is JsonValue n && n.TryGetValue(out bool nesterov) && nesterov)
        {
            parts.Add("Nesterov");
        }

        if (c["clipnorm"] is JsonValue cn && cn.TryGetValue(out double clip))
        {
            parts.Add("clipnorm " + G(clip));
        }

        return $"{OptimizerSpec.DisplayNameOf(OptimizerSpec.NameOfKerasClass(cls) ?? cls)}: {string.Join(", ", parts)}";
    }

    private static string DescribeLearningRate(JsonNode? lr)
    {
        if (lr is JsonValue v && v.TryGetValue(out double d))
        {
            return "lr " + G(d) + " (constant)";
        }

        if (lr is JsonObject o && o["config"] is JsonObject sc)
        {
            string cls = o["class_name"]?.GetValue<string>() ?? "schedule";
            if (cls == "CosineDecay")
            {
                double initial = sc["initial_learning_rate"]?.GetValue<double>() ?? 0;
                long decay = sc["decay_steps"]?.GetValue<long>() ?? 0;
                double? target = sc["warmup_target"] is JsonValue t && t.TryGetValue(out double tv) ? tv : null;
                long warm = sc["warmup_steps"] is JsonValue ws && ws.TryGetValue(out long wv) ? wv : 0;
                return target is double peak && warm > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"lr {G(peak)} (warmup {warm} steps, cosine decay {decay} steps)")
                    : string.Create(CultureInfo.InvariantCulture, $"lr {G(initial)} (cosine decay {decay} steps)");
            }

            return $"lr {cls}";
        }

        return "lr ?";
    }

    private static string G(double d) => d.ToString("G4", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    private static Optimizer FromDefaults(OptimizerSpec spec, long totalSteps)
    {
        (double defaultLr, double? defaultWd, double defaultWarmup) = Defaults[spec.Name];
        IReadOnlyDictionary<string, double> o = spec.Overrides;
        double lr = o.TryGetValue("lr", out double l) ? l : defaultLr;
        double warmup = o.TryGetValue("warmup", out double wu) ? wu : defaultWarmup;
        if (!(lr > 0))
        {
            throw CliException.Usage($"{spec.DisplayName}: the learning rate must be > 0, got {G(lr)}.");
        }

        if (!(warmup >= 0 && warmup < 1))
        {
            throw CliException.Usage($"{spec.DisplayName}: warmup is a share of the steps in [0, 1), got {G(warmup)}.");
        }

        (long warmSteps, long decaySteps) = Split(Math.Max(1, totalSteps), warmup);
        LearningRateSchedule schedule = warmSteps > 0
            ? new CosineDecay(0, decaySteps, warmupTarget: lr, warmupSteps: warmSteps)
            : new CosineDecay(lr, decaySteps);

        try
        {
            Optimizer optimizer = spec.Name switch
            {
                "lion" => new Lion(schedule, Get(o, "beta1", LionDefaults.Beta1), Get(o, "beta2", LionDefaults.Beta2)),
                "adafactor" => new Adafactor(
                    schedule,
                    Get(o, "beta2_decay", AdafactorDefaults.Beta2Decay),
                    Get(o, "epsilon1", AdafactorDefaults.Epsilon1),
                    Get(o, "epsilon2", AdafactorDefaults.Epsilon2),
                    Get(o, "clip_threshold", AdafactorDefaults.ClipThreshold)),
                "adamw" => new AdamW(schedule, Get(o, "wd", defaultWd ?? 0), Get(o, "beta1", AdamWDefaults.Beta1), Get(o, "beta2", AdamWDefaults.Beta2), Get(o, "epsilon", AdamWDefaults.Epsilon)),
                "sgd" => new Sgd(schedule, Get(o, "momentum", SgdMomentum), Get(o, "nesterov", 0) != 0),
                _ => throw new InvalidOperationException("unknown optimizer " + spec.Name),
            };

            double? wd = o.TryGetValue("wd", out double w) ? w : defaultWd;
            if (spec.Name != "adamw" && wd is double decay && decay > 0)
            {
                optimizer.WeightDecay = decay;
            }

            if (o.TryGetValue("clipnorm", out double clipNorm))
            {
                optimizer.ClipNorm = clipNorm;
            }

            return optimizer;
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage($"{spec.DisplayName}: {CliException.OneLine(e.Message)}");
        }
    }

    /// <summary>Warmup and decay steps of a run: the warmup share rounded, at least one decay step.</summary>
    private static (long Warmup, long Decay) Split(long total, double warmupShare)
    {
        long warm = (long)Math.Round(total * warmupShare, MidpointRounding.AwayFromZero);
        warm = Math.Clamp(warm, 0, total - 1);
        return (warm, total - warm);
    }

    private static double Get(IReadOnlyDictionary<string, double> o, string key, double fallback) => o.TryGetValue(key, out double v) ? v : fallback;
}
