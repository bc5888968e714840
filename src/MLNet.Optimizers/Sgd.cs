using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Kernels;

namespace MLNet.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional (Nesterov) momentum, as <c>keras.optimizers.SGD</c>: without momentum
/// <c>var -= g*lr</c>; with momentum <c>m = m*mu - g*lr</c>, then <c>var += m</c> (or <c>var += m*mu - g*lr</c> for Nesterov).
/// A baseline for comparisons.
/// </summary>
public sealed class Sgd : Optimizer
{
    private double _momentum = SgdDefaults.Momentum;
    private float[]?[] _momentums = Array.Empty<float[]?>();

    /// <summary>Creates SGD with Keras's defaults (learning rate 0.01, no momentum).</summary>
    public Sgd()
        : this(SgdDefaults.LearningRate)
    {
    }

    /// <summary>Creates SGD.</summary>
    /// <param name="learningRate">Keras <c>learning_rate</c>.</param>
    /// <param name="momentum">Keras <c>momentum</c>, in [0, 1].</param>
    /// <param name="nesterov">Keras <c>nesterov</c>.</param>
    public Sgd(LearningRate learningRate, double momentum = SgdDefaults.Momentum, bool nesterov = SgdDefaults.Nesterov)
        : base(SgdDefaults.Name, learningRate)
    {
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <inheritdoc />
    public override string ClassName => "SGD";

    /// <summary>This optimizer in <see cref="OptimizerRegistry"/>: names, defaults and config reading.</summary>
    public static OptimizerInfo Info { get; } = new("SGD", "sgd", typeof(Sgd), SgdDefaults.LearningRate, SgdDefaults.RecommendedLearningRate, null, () => new Sgd(), (config, options) => FromConfig(config, options));

    /// <summary>Keras <c>momentum</c>, in [0, 1]; 0 keeps no state. Set before the first step.</summary>
    public double Momentum
    {
        get => _momentum;
        set
        {
            if (IsBuilt && (value == 0) != (_momentum == 0))
            {
                throw new InvalidOperationException("momentum cannot switch between zero and non-zero after the optimizer is built (its state depends on it).");
            }

            _momentum = Check.InRange(value, "momentum", 0, 1, true, true);
        }
    }

    /// <summary>Keras <c>nesterov</c>.</summary>
    public bool Nesterov { get; set; }

    /// <inheritdoc />
    protected override void BuildSlots(int index, Parameter parameter)
    {
        if (index == 0)
        {
            _momentums = new float[Parameters.Count][];
        }

        _momentums[index] = _momentum != 0 ? AddSlot(index, "momentum", parameter.Length) : null;
    }

    /// <inheritdoc />
    protected override void UpdateStep(int index, ReadOnlySpan<float> gradient, float learningRate, bool decay, float weightDecay)
    {
        Span<float> variable = Parameters[index].Value.Span;
        if (decay)
        {
            ApplyWeightDecay(variable, weightDecay, learningRate);
        }

        if (_momentums[index] is float[] m)
        {
            Elementwise.Run(variable, m, gradient, new SgdMomentumOp(learningRate, (float)_momentum, Nesterov), Threading);
        }
        else
        {
            Elementwise.Run(variable, gradient, new SgdOp(learningRate), Threading);
        }
    }

    /// <inheritdoc />
    protected override void WriteConfig(JsonObject config)
    {
        config["momentum"] = _momentum;
        config["nesterov"] = Nesterov;
    }

    /// <summary>Rebuilds SGD from Keras's <c>get_config()</c> dictionary.</summary>
    /// <param name="config">The config.</param>
    /// <param name="options">How to resolve callables; null for none.</param>
    /// <returns>The optimizer.</returns>
    /// <exception cref="Serialization.OptimizerConfigException">An unknown key, a wrong type or an invalid value.</exception>
    public static Sgd FromConfig(JsonObject config, Serialization.KerasConfigOptions? options = null)
    {
        var reader = new Serialization.ConfigReader(config, options?.Path ?? "$");
        var o = new Sgd();
        o.ReadBaseConfig(reader, options);
        reader.Set("momentum", k => o.Momentum = reader.Double(k, SgdDefaults.Momentum));
        reader.Set("nesterov", k => o.Nesterov = reader.Bool(k, SgdDefaults.Nesterov));
        reader.EnsureNoUnknownKeys();
        return o;
    }
}

/// <summary><c>var = var - g*lr</c> (a = var, x = g).</summary>
internal readonly struct SgdOp(float lr) : IOp1
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float a, float x) => a - (x * lr);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> a, Vector128<float> x) => a - (x * Vector128.Create(lr));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> x) => a - (x * Vector256.Create(lr));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> a, Vector512<float> x) => a - (x * Vector512.Create(lr));
}

/// <summary>Keras SGD with momentum (a = var, b = m, x = g).</summary>
internal readonly struct SgdMomentumOp(float lr, float mu, bool nesterov) : IOp2
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref float v, ref float m, float g)
    {
        m = (m * mu) - (g * lr);
        v = nesterov ? v + ((m * mu) - (g * lr)) : v + m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> v, ref Vector128<float> m, Vector128<float> g)
    {
        Vector128<float> gl = g * Vector128.Create(lr);
        m = (m * Vector128.Create(mu)) - gl;
        v = nesterov ? v + ((m * Vector128.Create(mu)) - gl) : v + m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> v, ref Vector256<float> m, Vector256<float> g)
    {
        Vector256<float> gl = g * Vector256.Create(lr);
        m = (m * Vector256.Create(mu)) - gl;
        v = nesterov ? v + ((m * Vector256.Create(mu)) - gl) : v + m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> v, ref Vector512<float> m, Vector512<float> g)
    {
        Vector512<float> gl = g * Vector512.Create(lr);
        m = (m * Vector512.Create(mu)) - gl;
        v = nesterov ? v + ((m * Vector512.Create(mu)) - gl) : v + m;
    }
}
