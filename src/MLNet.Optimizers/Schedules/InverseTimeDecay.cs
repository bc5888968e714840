using System;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Schedules;

/// <summary>
/// <c>lr = initial_learning_rate / (1 + decay_rate * step / decay_steps)</c> (the ratio floored when <see cref="Staircase"/>),
/// in float32 as Keras computes it.
/// </summary>
public sealed class InverseTimeDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">Keras <c>initial_learning_rate</c>: finite, &gt;= 0.</param>
    /// <param name="decaySteps">Keras <c>decay_steps</c>: &gt; 0.</param>
    /// <param name="decayRate">Keras <c>decay_rate</c>: finite, &gt;= 0.</param>
    /// <param name="staircase">Keras <c>staircase</c>.</param>
    /// <param name="name">Keras <c>name</c>.</param>
    public InverseTimeDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase = false, string name = "InverseTimeDecay")
    {
        InitialLearningRate = Check.NonNegative(initialLearningRate, "initial_learning_rate");
        DecaySteps = Check.PositiveInt(decaySteps, "decay_steps");
        DecayRate = Check.NonNegative(decayRate, "decay_rate");
        Staircase = staircase;
        Name = name;
    }

    /// <summary>Keras <c>initial_learning_rate</c>.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Keras <c>decay_steps</c>.</summary>
    public long DecaySteps { get; }

    /// <summary>Keras <c>decay_rate</c>.</summary>
    public double DecayRate { get; }

    /// <summary>Keras <c>staircase</c>.</summary>
    public bool Staircase { get; }

    /// <inheritdoc />
    public override string ClassName => "InverseTimeDecay";

    /// <inheritdoc />
    public override float Evaluate(long step)
    {
        float p = F(step) / (float)DecaySteps;
        if (Staircase)
        {
            p = MathF.Floor(p);
        }

        float denom = 1f + ((float)DecayRate * p);
        return (float)InitialLearningRate / denom;
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["decay_rate"] = DecayRate,
        ["staircase"] = Staircase,
        ["name"] = Name,
    };
}
