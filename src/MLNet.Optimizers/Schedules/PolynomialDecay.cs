using System;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Schedules;

/// <summary>
/// <c>lr = (initial - end) * (1 - step / decay_steps) ^ power + end</c>, holding <c>end</c> after <c>decay_steps</c>,
/// or restarting with a longer period when <see cref="Cycle"/> is set; float32 as Keras computes it.
/// </summary>
public sealed class PolynomialDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">Keras <c>initial_learning_rate</c>: finite, &gt;= 0.</param>
    /// <param name="decaySteps">Keras <c>decay_steps</c>: &gt; 0.</param>
    /// <param name="endLearningRate">Keras <c>end_learning_rate</c>: finite, &gt;= 0.</param>
    /// <param name="power">Keras <c>power</c>: finite and &gt;= 0 (a negative power makes the rate infinite at step <c>decay_steps</c>, where <c>1 - step / decay_steps</c> is 0).</param>
    /// <param name="cycle">Keras <c>cycle</c>.</param>
    /// <param name="name">Keras <c>name</c>.</param>
    public PolynomialDecay(double initialLearningRate, long decaySteps, double endLearningRate = 0.0001, double power = 1.0, bool cycle = false, string name = "PolynomialDecay")
    {
        InitialLearningRate = Check.NonNegative(initialLearningRate, "initial_learning_rate");
        DecaySteps = Check.PositiveInt(decaySteps, "decay_steps");
        EndLearningRate = Check.NonNegative(endLearningRate, "end_learning_rate");
        Power = Check.NonNegative(power, "power");
        Cycle = cycle;
        Name = name;
    }

    /// <summary>Keras <c>initial_learning_rate</c>.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Keras <c>decay_steps</c>.</summary>
    public long DecaySteps { get; }

    /// <summary>Keras <c>end_learning_rate</c>.</summary>
    public double EndLearningRate { get; }

    /// <summary>Keras <c>power</c>.</summary>
    public double Power { get; }

    /// <summary>Keras <c>cycle</c>.</summary>
    public bool Cycle { get; }

    /// <inheritdoc />
    public override string ClassName => "PolynomialDecay";

    /// <inheritdoc />
    public override float Evaluate(long step)
    {
        float init = (float)InitialLearningRate;
        float end = (float)EndLearningRate;
        float power = (float)Power;
        float s = F(step);
        float ds = (float)DecaySteps;
        if (Cycle)
        {
            float multiplier = s == 0f ? 1f : MathF.Ceiling(s / (float)DecaySteps);
            ds *= multiplier;
        }
        else
        {
            s = MathF.Min(s, ds);
        }

        float p = s / ds;
        return ((init - end) * MathF.Pow(1f - p, power)) + end;
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["end_learning_rate"] = EndLearningRate,
        ["power"] = Power,
        ["cycle"] = Cycle,
        ["name"] = Name,
    };
}
