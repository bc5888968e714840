using System;
using MLNet.Optimizers.Schedules;

namespace MLNet.Optimizers;

/// <summary>How a learning rate is given: a constant, a schedule of the iteration count, or a zero-argument callback.</summary>
public enum LearningRateKind
{
    /// <summary>A constant, stored as float32 (Keras keeps it in a float32 variable).</summary>
    Constant,

    /// <summary>A <see cref="LearningRateSchedule"/> evaluated at the raw iteration count before each apply.</summary>
    Schedule,

    /// <summary>A zero-argument callback whose result is rounded to float32 on every apply.</summary>
    Callback,
}

/// <summary>
/// A learning rate as Keras accepts it: a float, a <see cref="LearningRateSchedule"/> or a zero-argument callable.
/// Converts implicitly from <see cref="double"/>, <see cref="float"/> and <see cref="LearningRateSchedule"/>.
/// </summary>
public sealed class LearningRate
{
    private readonly float _constant;

    private LearningRate(LearningRateKind kind, float constant, LearningRateSchedule? schedule, Func<double>? callback, string? callbackName)
    {
        Kind = kind;
        _constant = constant;
        Schedule = schedule;
        Callback = callback;
        CallbackName = callbackName;
    }

    /// <summary>Which form this learning rate takes.</summary>
    public LearningRateKind Kind { get; }

    /// <summary>The schedule, when <see cref="Kind"/> is <see cref="LearningRateKind.Schedule"/>.</summary>
    public LearningRateSchedule? Schedule { get; }

    /// <summary>The callback, when <see cref="Kind"/> is <see cref="LearningRateKind.Callback"/>.</summary>
    public Func<double>? Callback { get; }

    /// <summary>The callback's name, written to configurations (Keras writes the Python function's name).</summary>
    public string? CallbackName { get; }

    /// <summary>The float32 constant, when <see cref="Kind"/> is <see cref="LearningRateKind.Constant"/>.</summary>
    public float ConstantValue => Kind == LearningRateKind.Constant
        ? _constant
        : throw new InvalidOperationException($"The learning rate is a {Kind}, not a constant.");

    /// <summary>A constant learning rate, rounded to float32.</summary>
    /// <param name="value">A finite, non-negative value.</param>
    /// <returns>The learning rate.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN, infinite or negative.</exception>
    public static LearningRate Constant(double value)
    {
        if (!Check.IsFinite32(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException("learning_rate", value, $"learning_rate must be a finite float32 number >= 0 (at most 3.4028235E+38), got {value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.");
        }

        return new LearningRate(LearningRateKind.Constant, (float)value, null, null, null);
    }

    /// <summary>A learning rate that follows a schedule.</summary>
    /// <param name="schedule">The schedule.</param>
    /// <returns>The learning rate.</returns>
    public static LearningRate FromSchedule(LearningRateSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return new LearningRate(LearningRateKind.Schedule, 0f, schedule, null, null);
    }

    /// <summary>A learning rate read from a zero-argument callback on every apply (result rounded to float32).</summary>
    /// <param name="callback">The callback.</param>
    /// <param name="name">The name written to configurations; <see cref="Serialization.KerasConfig"/> resolves it back through a resolver.</param>
    /// <returns>The learning rate.</returns>
    public static LearningRate FromCallback(Func<double> callback, string name = "learning_rate_fn")
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new LearningRate(LearningRateKind.Callback, 0f, null, callback, name);
    }

    /// <summary>Evaluates the learning rate at a raw iteration count, exactly as Keras does.</summary>
    /// <param name="iteration">The raw iteration count (Keras's <c>optimizer._iterations</c>).</param>
    /// <returns>The float32 learning rate.</returns>
    public float Evaluate(long iteration) => Kind switch
    {
        LearningRateKind.Constant => _constant,
        LearningRateKind.Schedule => Schedule!.Evaluate(iteration),
        _ => (float)Callback!(),
    };

    /// <summary>Converts a constant.</summary>
    /// <param name="value">The constant.</param>
    public static implicit operator LearningRate(double value) => Constant(value);

    /// <summary>Converts a float32 constant (the value is kept exactly).</summary>
    /// <param name="value">The constant.</param>
    public static implicit operator LearningRate(float value) => Constant(value);

    /// <summary>Converts a schedule.</summary>
    /// <param name="schedule">The schedule.</param>
    public static implicit operator LearningRate(LearningRateSchedule schedule) => FromSchedule(schedule);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        LearningRateKind.Constant => _constant.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        LearningRateKind.Schedule => Schedule!.ClassName,
        _ => CallbackName!,
    };
}
