using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Kernels;

namespace MLNet.Optimizers;

/// <summary>
/// Adam with decoupled weight decay, as <c>keras.optimizers.AdamW</c>: <c>alpha = lr*sqrt(1-b2^t)/(1-b1^t)</c>,
/// <c>m += (g - m)*(1 - b1)</c>, <c>v += (g*g - v)*(1 - b2)</c>, <c>var -= (m*alpha)/(sqrt(v) + eps)</c> (amsgrad keeps the
/// running maximum of <c>v</c>). A baseline for comparisons: two floats of state per parameter (three with amsgrad).
/// </summary>
public sealed class AdamW : Optimizer
{
    private double _beta1 = AdamWDefaults.Beta1;
    private double _beta2 = AdamWDefaults.Beta2;
    private double _epsilon = AdamWDefaults.Epsilon;
    private bool _amsgrad;
    private float[][] _m = Array.Empty<float[]>();
    private float[][] _v = Array.Empty<float[]>();
    private float[]?[] _vHat = Array.Empty<float[]?>();

    /// <summary>Creates AdamW with Keras's defaults (learning rate 0.001, weight decay 0.004).</summary>
    public AdamW()
        : this(AdamWDefaults.LearningRate)
    {
    }

    /// <summary>Creates AdamW.</summary>
    /// <param name="learningRate">Keras <c>learning_rate</c>.</param>
    /// <param name="weightDecay">Keras <c>weight_decay</c>, required (Keras rejects None).</param>
    /// <param name="beta1">Keras <c>beta_1</c>, in [0, 1).</param>
    /// <param name="beta2">Keras <c>beta_2</c>, in [0, 1).</param>
    /// <param name="epsilon">Keras <c>epsilon</c>, &gt; 0.</param>
    /// <param name="amsgrad">Keras <c>amsgrad</c>.</param>
    public AdamW(LearningRate learningRate, double weightDecay = AdamWDefaults.WeightDecay, double beta1 = AdamWDefaults.Beta1, double beta2 = AdamWDefaults.Beta2, double epsilon = AdamWDefaults.Epsilon, bool amsgrad = AdamWDefaults.Amsgrad)
        : base(AdamWDefaults.Name, learningRate)
    {
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        Amsgrad = amsgrad;
    }

    /// <inheritdoc />
    public override string ClassName => "AdamW";

    /// <summary>This optimizer in <see cref="OptimizerRegistry"/>: names, defaults and config reading.</summary>
    public static OptimizerInfo Info { get; } = new("AdamW", "adamw", typeof(AdamW), AdamWDefaults.LearningRate, AdamWDefaults.RecommendedLearningRate, AdamWDefaults.RecommendedWeightDecay, () => new AdamW(), (config, options) => FromConfig(config, options));

    /// <summary>Keras <c>beta_1</c>, in [0, 1).</summary>
    public double Beta1
    {
        get => _beta1;
        set => _beta1 = Check.InRange(value, "beta_1", 0, 1, true, false);
    }

    /// <summary>Keras <c>beta_2</c>, in [0, 1).</summary>
    public double Beta2
    {
        get => _beta2;
        set => _beta2 = Check.InRange(value, "beta_2", 0, 1, true, false);
    }

    /// <summary>Keras <c>epsilon</c>, &gt; 0.</summary>
    public double Epsilon
    {
        get => _epsilon;
        set => _epsilon = Check.Positive(value, "epsilon");
    }

    /// <summary>Keras <c>amsgrad</c>. Set before the first step.</summary>
    public bool Amsgrad
    {
        get => _amsgrad;
        set
        {
            if (IsBuilt && value != _amsgrad)
            {
                throw new InvalidOperationException("amsgrad cannot change after the optimizer is built (its state depends on it).");
            }

            _amsgrad = value;
        }
    }

    /// <inheritdoc />
    protected override void BuildSlots(int index, Parameter parameter)
    {
        if (index == 0)
        {
            int n = Parameters.Count;
            _m = new float[n][];
            _v = new float[n][];
            _vHat = new float[n][];
        }

        _m[index] = AddSlot(index, "momentum", parameter.Length);
        _v[index] = AddSlot(index, "velocity", parameter.Length);
        _vHat[index] = _amsgrad ? AddSlot(index, "velocity_hat", parameter.Length) : null;
    }

    /// <inheritdoc />
    protected override void UpdateStep(int index, ReadOnlySpan<float> gradient, float learningRate, bool decay, float weightDecay)
    {
        Span<float> variable = Parameters[index].Value.Span;
        if (decay)
        {
            ApplyWeightDecay(variable, weightDecay, learningRate);
        }

        float t = Iterations + 1;
        float b1 = (float)_beta1;
        float b2 = (float)_beta2;
        float b1Power = MathF.Pow(b1, t);
        float b2Power = MathF.Pow(b2, t);
        float alpha = (learningRate * MathF.Sqrt(1f - b2Power)) / (1f - b1Power);
        // Keras computes 1 - beta in double (beta is a Python float) and rounds the result.
        var op = new AdamOp((float)(1.0 - _beta1), (float)(1.0 - _beta2), alpha, (float)_epsilon, _amsgrad);
        if (_vHat[index] is float[] vHat)
        {
            Elementwise.Run(_m[index], _v[index], vHat, gradient, op, Threading);
            Elementwise.Run(variable, _m[index], vHat, gradient, new AdamApplyOp(alpha, (float)_epsilon), Threading);
        }
        else
        {
            Elementwise.Run(variable, _m[index], _v[index], gradient, op, Threading);
        }
    }

    /// <inheritdoc />
    protected override void WriteConfig(JsonObject config)
    {
        config["beta_1"] = _beta1;
        config["beta_2"] = _beta2;
        config["epsilon"] = _epsilon;
        config["amsgrad"] = _amsgrad;
    }

    /// <summary>Rebuilds AdamW from Keras's <c>get_config()</c> dictionary.</summary>
    /// <param name="config">The config.</param>
    /// <param name="options">How to resolve callables; null for none.</param>
    /// <returns>The optimizer.</returns>
    /// <exception cref="Serialization.OptimizerConfigException">An unknown key, a wrong type or an invalid value.</exception>
    public static AdamW FromConfig(JsonObject config, Serialization.KerasConfigOptions? options = null)
    {
        var reader = new Serialization.ConfigReader(config, options?.Path ?? "$");
        var o = new AdamW();
        o.ReadBaseConfig(reader, options);
        if (o.WeightDecay is null)
        {
            throw new Serialization.OptimizerConfigException(reader.PathOf("weight_decay"), "AdamW needs a weight_decay (Keras rejects None).");
        }

        reader.Set("beta_1", k => o.Beta1 = reader.Double(k, AdamWDefaults.Beta1));
        reader.Set("beta_2", k => o.Beta2 = reader.Double(k, AdamWDefaults.Beta2));
        reader.Set("epsilon", k => o.Epsilon = reader.Double(k, AdamWDefaults.Epsilon));
        reader.Set("amsgrad", k => o.Amsgrad = reader.Bool(k, AdamWDefaults.Amsgrad));
        reader.EnsureNoUnknownKeys();
        return o;
    }
}

/// <summary>
/// Adam's moments and (without amsgrad) its parameter update in one pass. Without amsgrad: a = var, b = m, c = v.
/// With amsgrad: a = m, b = v, c = v_hat (moments only; <see cref="AdamApplyOp"/> then updates the parameter).
/// </summary>
internal readonly struct AdamOp(float oneMinusB1, float oneMinusB2, float alpha, float eps, bool amsgrad) : IOp3
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref float a, ref float b, ref float c, float g)
    {
        if (amsgrad)
        {
            a += (g - a) * oneMinusB1;
            b += ((g * g) - b) * oneMinusB2;
            c = MathF.Max(c, b);
            return;
        }

        b += (g - b) * oneMinusB1;
        c += ((g * g) - c) * oneMinusB2;
        a -= (b * alpha) / (MathF.Sqrt(c) + eps);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> a, ref Vector128<float> b, ref Vector128<float> c, Vector128<float> g)
    {
        if (amsgrad)
        {
            a += (g - a) * Vector128.Create(oneMinusB1);
            b += ((g * g) - b) * Vector128.Create(oneMinusB2);
            c = Vector128.Max(c, b);
            return;
        }

        b += (g - b) * Vector128.Create(oneMinusB1);
        c += ((g * g) - c) * Vector128.Create(oneMinusB2);
        a -= (b * Vector128.Create(alpha)) / (Vector128.Sqrt(c) + Vector128.Create(eps));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> a, ref Vector256<float> b, ref Vector256<float> c, Vector256<float> g)
    {
        if (amsgrad)
        {
            a += (g - a) * Vector256.Create(oneMinusB1);
            b += ((g * g) - b) * Vector256.Create(oneMinusB2);
            c = Vector256.Max(c, b);
            return;
        }

        b += (g - b) * Vector256.Create(oneMinusB1);
        c += ((g * g) - c) * Vector256.Create(oneMinusB2);
        a -= (b * Vector256.Create(alpha)) / (Vector256.Sqrt(c) + Vector256.Create(eps));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> a, ref Vector512<float> b, ref Vector512<float> c, Vector512<float> g)
    {
        if (amsgrad)
        {
            a += (g - a) * Vector512.Create(oneMinusB1);
            b += ((g * g) - b) * Vector512.Create(oneMinusB2);
            c = Vector512.Max(c, b);
            return;
        }

        b += (g - b) * Vector512.Create(oneMinusB1);
        c += ((g * g) - c) * Vector512.Create(oneMinusB2);
        a -= (b * Vector512.Create(alpha)) / (Vector512.Sqrt(c) + Vector512.Create(eps));
    }
}

/// <summary>amsgrad's parameter update: a = var, b = m, c = v_hat.</summary>
internal readonly struct AdamApplyOp(float alpha, float eps) : IOp3
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref float a, ref float b, ref float c, float g) => a -= (b * alpha) / (MathF.Sqrt(c) + eps);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> a, ref Vector128<float> b, ref Vector128<float> c, Vector128<float> g) =>
        a -= (b * Vector128.Create(alpha)) / (Vector128.Sqrt(c) + Vector128.Create(eps));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> a, ref Vector256<float> b, ref Vector256<float> c, Vector256<float> g) =>
        a -= (b * Vector256.Create(alpha)) / (Vector256.Sqrt(c) + Vector256.Create(eps));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> a, ref Vector512<float> b, ref Vector512<float> c, Vector512<float> g) =>
        a -= (b * Vector512.Create(alpha)) / (Vector512.Sqrt(c) + Vector512.Create(eps));
}
