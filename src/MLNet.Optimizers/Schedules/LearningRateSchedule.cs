using System;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Schedules;

/// <summary>
/// A learning rate as a function of the raw iteration count, computed in float32 exactly as
/// <c>keras.optimizers.schedules</c> computes it.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The Keras class name (<c>ExponentialDecay</c>, ...).</summary>
    public abstract string ClassName { get; }

    /// <summary>The schedule's name (Keras's <c>name</c> config entry).</summary>
    public string Name { get; init; } = "";

    /// <summary>The learning rate at <paramref name="step"/>.</summary>
    /// <param name="step">The raw iteration count (0 on the first apply).</param>
    /// <returns>The float32 learning rate.</returns>
    public abstract float Evaluate(long step);

    /// <summary>Keras's <c>get_config()</c> for this schedule, with Keras's keys and key order.</summary>
    /// <returns>A new JSON object.</returns>
    public abstract JsonObject GetConfig();

    /// <summary>The Keras-serialized form: <c>{"module", "class_name", "config", "registered_name"}</c>.</summary>
    /// <returns>A new JSON object.</returns>
    public JsonObject Serialize() => new()
    {
        ["module"] = "keras.optimizers.schedules",
        ["class_name"] = ClassName,
        ["config"] = GetConfig(),
        ["registered_name"] = null,
    };

    /// <summary>float32 of an integer step, as Keras's <c>ops.cast(step, "float32")</c>.</summary>
    /// <param name="step">The step.</param>
    /// <returns>The rounded value.</returns>
    protected static float F(long step) => (float)step;
}
