using System;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Schedules;

/// <summary>
/// Cosine decay with warm restarts (SGDR): periods of <c>first_decay_steps * t_mul^i</c>, each restart scaled by
/// <c>m_mul^i</c>, floor <c>alpha</c>; float32 as Keras computes it.
/// </summary>
public sealed class CosineDecayRestarts : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">Keras <c>initial_learning_rate</c>: finite, &gt;= 0.</param>
    /// <param name="firstDecaySteps">Keras <c>first_decay_steps</c>: &gt; 0.</param>
    /// <param name="tMul">Keras <c>t_mul</c>: the period multiplier, &gt;= 1 (below 1 the periods shrink to nothing and the rate becomes NaN).</param>
    /// <param name="mMul">Keras <c>m_mul</c>: the restart amplitude multiplier, &gt;= 0.</param>
    /// <param name="alpha">Keras <c>alpha</c>: the floor fraction, in [0, 1].</param>
    /// <param name="name">Keras <c>name</c>.</param>
    public CosineDecayRestarts(double initialLearningRate, long firstDecaySteps, double tMul = 2.0, double mMul = 1.0, double alpha = 0.0, string name = "SGDRDecay")
    {
        InitialLearningRate = Check.NonNegative(initialLearningRate, "initial_learning_rate");
        FirstDecaySteps = Check.PositiveInt(firstDecaySteps, "first_decay_steps");
        TMul = Check.Finite(tMul, "t_mul") >= 1
            ? tMul
            : throw new ArgumentOutOfRangeException("t_mul", tMul, $"t_mul must be >= 1, got {tMul.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}: with shrinking periods the restarts converge after first_decay_steps / (1 - t_mul) steps, where the rate becomes NaN.");
        MMul = Check.NonNegative(mMul, "m_mul");
        Alpha = Check.InRange(alpha, "alpha", 0, 1, true, true);
        Name = name;
    }

    /// <summary>Keras <c>initial_learning_rate</c>.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Keras <c>first_decay_steps</c>.</summary>
    public long FirstDecaySteps { get; }

    /// <summary>Keras <c>t_mul</c>.</summary>
    public double TMul { get; }

    /// <summary>Keras <c>m_mul</c>.</summary>
    public double MMul { get; }

    /// <summary>Keras <c>alpha</c>.</summary>
    public double Alpha { get; }

    /// <inheritdoc />
    public override string ClassName => "CosineDecayRestarts";

    /// <inheritdoc />
    public override float Evaluate(long step)
    {
        float init = (float)InitialLearningRate;
        float fds = (float)FirstDecaySteps;
        float alpha = (float)Alpha;
        float tMul = (float)TMul;
        float mMul = (float)MMul;
        float frac = F(step) / fds;
        float iRestart;
        if (tMul == 1f)
        {
            iRestart = MathF.Floor(frac);
            frac -= iRestart;
        }
        else
        {
            iRestart = MathF.Floor(MathF.Log(1f - (frac * (1f - tMul))) / MathF.Log(tMul));
            float sumR = (1f - MathF.Pow(tMul, iRestart)) / (1f - tMul);
            frac = (frac - sumR) / MathF.Pow(tMul, iRestart);
        }

        float mFac = MathF.Pow(mMul, iRestart);
        float cd = 0.5f * mFac * (1f + NumPyMath.Cos((float)Math.PI * frac));
        float decayed = ((1f - alpha) * cd) + alpha;
        return init * decayed;
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["first_decay_steps"] = FirstDecaySteps,
        ["t_mul"] = TMul,
        ["m_mul"] = MMul,
        ["alpha"] = Alpha,
        ["name"] = Name,
    };
}
