using System;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Schedules;

/// <summary>
/// Cosine decay from <c>initial_learning_rate</c> (or, with a warmup, from <c>warmup_target</c> after a linear warmup of
/// <c>warmup_steps</c>) down to <c>alpha</c> times that rate over <c>decay_steps</c>; float32 as Keras computes it.
/// </summary>
public sealed class CosineDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">Keras <c>initial_learning_rate</c>: finite, &gt;= 0.</param>
    /// <param name="decaySteps">Keras <c>decay_steps</c>: &gt; 0.</param>
    /// <param name="alpha">Keras <c>alpha</c>: the final fraction, in [0, 1].</param>
    /// <param name="name">Keras <c>name</c>.</param>
    /// <param name="warmupTarget">Keras <c>warmup_target</c>: the rate reached after the warmup, or null for no warmup.</param>
    /// <param name="warmupSteps">Keras <c>warmup_steps</c>: &gt;= 0.</param>
    public CosineDecay(double initialLearningRate, long decaySteps, double alpha = 0.0, string name = "CosineDecay", double? warmupTarget = null, long warmupSteps = 0)
    {
        InitialLearningRate = Check.NonNegative(initialLearningRate, "initial_learning_rate");
        DecaySteps = Check.PositiveInt(decaySteps, "decay_steps");
        Alpha = Check.InRange(alpha, "alpha", 0, 1, true, true);
        if (warmupTarget is double wt)
        {
            Check.NonNegative(wt, "warmup_target");
            if (warmupSteps <= 0)
            {
                throw new ArgumentOutOfRangeException("warmup_steps", warmupSteps, $"warmup_steps must be > 0 when warmup_target is set, got {warmupSteps}.");
            }
        }

        if (warmupSteps < 0)
        {
            throw new ArgumentOutOfRangeException("warmup_steps", warmupSteps, $"warmup_steps must be >= 0, got {warmupSteps}.");
        }

        WarmupTarget = warmupTarget;
        WarmupSteps = warmupSteps;
        Name = name;
    }

    /// <summary>Keras <c>initial_learning_rate</c>.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Keras <c>decay_steps</c>.</summary>
    public long DecaySteps { get; }

    /// <summary>Keras <c>alpha</c>.</summary>
    public double Alpha { get; }

    /// <summary>Keras <c>warmup_target</c>.</summary>
    public double? WarmupTarget { get; }

    /// <summary>Keras <c>warmup_steps</c>.</summary>
    public long WarmupSteps { get; }

    /// <inheritdoc />
    public override string ClassName => "CosineDecay";

    /// <inheritdoc />
    public override float Evaluate(long step)
    {
        float init = (float)InitialLearningRate;
        float ds = (float)DecaySteps;
        float s = F(step);
        if (WarmupTarget is not double wtd)
        {
            s = MathF.Min(s, ds);
            return Decay(s, ds, init);
        }

        float wt = (float)wtd;
        float ws = (float)WarmupSteps;
        s = MathF.Min(s, ds + ws);
        if (s < ws)
        {
            float frac = s / ws;
            return ((wt - init) * frac) + init;
        }

        return Decay(s - ws, ds, wt);
    }

    private float Decay(float s, float ds, float from)
    {
        float frac = s / ds;
        float cd = 0.5f * (1f + NumPyMath.Cos((float)Math.PI * frac));
        float decayed = ((float)(1.0 - Alpha) * cd) + (float)Alpha;
        return from * decayed;
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["alpha"] = Alpha,
        ["name"] = Name,
        ["warmup_target"] = WarmupTarget,
        ["warmup_steps"] = WarmupSteps,
    };
}
