using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Kernels;

namespace MLNet.Optimizers;

/// <summary>
/// Lion (EvoLved Sign Momentum), exactly as <c>keras.optimizers.Lion</c>:
/// <c>var -= lr * sign(m*b1 + g*(1 - b1))</c>, then <c>m = m*b2 + g*(1 - b2)</c>, with <c>1 - b</c> computed in float32.
/// One float of state per parameter. Use a learning rate 3-10× smaller than AdamW's and a weight decay 3-10× larger.
/// </summary>
public sealed class Lion : Optimizer
{
    private double _beta1 = LionDefaults.Beta1;
    private double _beta2 = LionDefaults.Beta2;
    private float[][] _momentums = Array.Empty<float[]>();

    /// <summary>Creates Lion with Keras's defaults (learning rate 0.001, beta_1 0.9, beta_2 0.99).</summary>
    public Lion()
        : this(LionDefaults.LearningRate)
    {
    }

    /// <summary>Creates Lion.</summary>
    /// <param name="learningRate">Keras <c>learning_rate</c>.</param>
    /// <param name="beta1">Keras <c>beta_1</c>, in (0, 1].</param>
    /// <param name="beta2">Keras <c>beta_2</c>, in [0, 1].</param>
    public Lion(LearningRate learningRate, double beta1 = LionDefaults.Beta1, double beta2 = LionDefaults.Beta2)
        : base(LionDefaults.Name, learningRate)
    {
        Beta1 = beta1;
        Beta2 = beta2;
    }

    /// <inheritdoc />
    public override string ClassName => "Lion";

    /// <summary>This optimizer in <see cref="OptimizerRegistry"/>: names, defaults and config reading.</summary>
    public static OptimizerInfo Info { get; } = new("Lion", "lion", typeof(Lion), LionDefaults.LearningRate, LionDefaults.RecommendedLearningRate, LionDefaults.RecommendedWeightDecay, () => new Lion(), (config, options) => FromConfig(config, options));

    /// <summary>Keras <c>beta_1</c>: the interpolation used for the sign, in (0, 1] (Keras rejects 0).</summary>
    public double Beta1
    {
        get => _beta1;
        set => _beta1 = Check.InRange(value, "beta_1", 0, 1, false, true);
    }

    /// <summary>Keras <c>beta_2</c>: the momentum decay, in [0, 1].</summary>
    public double Beta2
    {
        get => _beta2;
        set => _beta2 = Check.InRange(value, "beta_2", 0, 1, true, true);
    }

    /// <inheritdoc />
    protected override void BuildSlots(int index, Parameter parameter)
    {
        if (index == 0)
        {
            _momentums = new float[Parameters.Count][];
        }

        _momentums[index] = AddSlot(index, "momentum", parameter.Length);
    }

    /// <inheritdoc />
    protected override void UpdateStep(int index, ReadOnlySpan<float> gradient, float learningRate, bool decay, float weightDecay)
    {
        float b1 = (float)_beta1;
        float b2 = (float)_beta2;
        Span<float> variable = Parameters[index].Value.Span;
        OptimizerKernels.LionStepCore(variable, _momentums[index], gradient, learningRate, b1, b2, decay, weightDecay, Threading);
    }

    /// <inheritdoc />
    protected override void WriteConfig(JsonObject config)
    {
        config["beta_1"] = _beta1;
        config["beta_2"] = _beta2;
    }

    /// <summary>Rebuilds a Lion from Keras's <c>get_config()</c> dictionary.</summary>
    /// <param name="config">The config (snake_case keys, as Keras writes them).</param>
    /// <param name="options">How to resolve callables; null for none.</param>
    /// <returns>The optimizer.</returns>
    /// <exception cref="Serialization.OptimizerConfigException">An unknown key, a wrong type or an invalid value (the message names the JSON path).</exception>
    public static Lion FromConfig(JsonObject config, Serialization.KerasConfigOptions? options = null)
    {
        var reader = new Serialization.ConfigReader(config, options?.Path ?? "$");
        var o = new Lion();
        o.ReadBaseConfig(reader, options);
        reader.Set("beta_1", k => o.Beta1 = reader.Double(k, LionDefaults.Beta1));
        reader.Set("beta_2", k => o.Beta2 = reader.Double(k, LionDefaults.Beta2));
        reader.EnsureNoUnknownKeys();
        return o;
    }
}

/// <summary>Lion's fused update with optional decoupled weight decay (a = var, b = m, x = g).</summary>
internal readonly struct LionOp(float lr, float b1, float oneMinusB1, float b2, float oneMinusB2, bool decay, float wd) : IOp2
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref float v, ref float m, float g)
    {
        float x = decay ? v - ((v * wd) * lr) : v;
        float c = (m * b1) + (g * oneMinusB1);
        v = x - (lr * Elementwise.Sign(c));
        m = (m * b2) + (g * oneMinusB2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> v, ref Vector128<float> m, Vector128<float> g)
    {
        Vector128<float> vlr = Vector128.Create(lr);
        Vector128<float> x = decay ? v - ((v * Vector128.Create(wd)) * vlr) : v;
        Vector128<float> c = (m * Vector128.Create(b1)) + (g * Vector128.Create(oneMinusB1));
        v = x - (vlr * Elementwise.Sign(c));
        m = (m * Vector128.Create(b2)) + (g * Vector128.Create(oneMinusB2));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> v, ref Vector256<float> m, Vector256<float> g)
    {
        Vector256<float> vlr = Vector256.Create(lr);
        Vector256<float> x = decay ? v - ((v * Vector256.Create(wd)) * vlr) : v;
        Vector256<float> c = (m * Vector256.Create(b1)) + (g * Vector256.Create(oneMinusB1));
        v = x - (vlr * Elementwise.Sign(c));
        m = (m * Vector256.Create(b2)) + (g * Vector256.Create(oneMinusB2));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> v, ref Vector512<float> m, Vector512<float> g)
    {
        Vector512<float> vlr = Vector512.Create(lr);
        Vector512<float> x = decay ? v - ((v * Vector512.Create(wd)) * vlr) : v;
        Vector512<float> c = (m * Vector512.Create(b1)) + (g * Vector512.Create(oneMinusB1));
        v = x - (vlr * Elementwise.Sign(c));
        m = (m * Vector512.Create(b2)) + (g * Vector512.Create(oneMinusB2));
    }
}
