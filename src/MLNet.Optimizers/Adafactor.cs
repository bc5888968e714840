using System;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Kernels;

namespace MLNet.Optimizers;

/// <summary>
/// Adafactor, exactly as <c>keras.optimizers.Adafactor</c> computes it (see the README, "Keras semantics", and TestData/golden/INDEX.md section G), with
/// one improvement: for parameters of rank &gt;= 2 only the factored row and column statistics are stored (Keras also
/// allocates a full-size velocity that it overwrites every step). A [1024, 1024] weight costs 1024 + 1024 floats.
/// </summary>
/// <remarks>
/// <para>
/// As in Keras, <c>rho = min(lr, 1/sqrt(t))</c> is always applied, so <see cref="RelativeStep"/> does not change any
/// number; it is kept for configuration compatibility.
/// </para>
/// <para>
/// One deliberate difference, off with <see cref="ZeroMomentNaN"/>: where an element's second moment is exactly 0,
/// Keras divides by it (<c>u = g / sqrtf(0)</c>: 0/0 = NaN, or ±inf that becomes NaN in the clipping step), and one
/// such element turns the whole tensor into NaN for good. With the default <c>epsilon_1 = 1e-30</c> this happens to a
/// gradient with an all-zero row and an all-zero column (an unused one-hot input and a dead ReLU unit): the factored
/// moment <c>(r_i / mean(r)) * c_j</c>, about 1e-58, is 0 in float32. By default such an element gets <c>u = 0</c> (no
/// step; its true second moment is below float32's range), and a block whose row statistics are all 0 (only possible
/// with <c>epsilon_1 = 0</c>) gets <c>r_i / mean(r) = 0</c>. Every element whose second moment is not 0 is computed
/// exactly as Keras does, so every result Keras computes as a finite number is the same bit for bit.
/// </para>
/// <para>
/// Not covered (Keras's behaviour is kept): a gradient whose square overflows float32 (|g| ≳ 1.8e19) turns a factored
/// parameter into NaN (<c>inf / inf</c> in <c>r / mean(r)</c>); clip gradients (<c>clipnorm</c>,
/// <c>global_clipnorm</c>) when they can be that large. Non-finite gradients are governed by
/// <see cref="Optimizer.NonFiniteGradientPolicy"/>.
/// </para>
/// </remarks>
public sealed class Adafactor : Optimizer
{
    private double _beta2Decay = AdafactorDefaults.Beta2Decay;
    private double _epsilon1 = AdafactorDefaults.Epsilon1;
    private double _epsilon2 = AdafactorDefaults.Epsilon2;
    private double _clipThreshold = AdafactorDefaults.ClipThreshold;
    private float[][] _r = Array.Empty<float[]>();
    private float[][] _c = Array.Empty<float[]>();
    private float[][] _v = Array.Empty<float[]>();
    private float[] _colAccumulator = Array.Empty<float>();
    private float[] _rowMeans = Array.Empty<float>();
    private float[] _buffer = Array.Empty<float>();
    private float[] _colMin = Array.Empty<float>();
    private float[] _colMax = Array.Empty<float>();
    private float[] _parallel = Array.Empty<float>();

    /// <summary>Creates Adafactor with Keras's defaults.</summary>
    public Adafactor()
        : this(AdafactorDefaults.LearningRate)
    {
    }

    /// <summary>Creates Adafactor.</summary>
    /// <param name="learningRate">Keras <c>learning_rate</c>.</param>
    /// <param name="beta2Decay">Keras <c>beta_2_decay</c>: the decay exponent of the second moment, finite.</param>
    /// <param name="epsilon1">Keras <c>epsilon_1</c>: added to squared gradients, &gt;= 0.</param>
    /// <param name="epsilon2">Keras <c>epsilon_2</c>: floor of the parameter scale, &gt;= 0.</param>
    /// <param name="clipThreshold">Keras <c>clip_threshold</c>: the update RMS clip, &gt; 0.</param>
    /// <param name="relativeStep">Keras <c>relative_step</c> (no numeric effect in Keras 3; kept for configs).</param>
    public Adafactor(LearningRate learningRate, double beta2Decay = AdafactorDefaults.Beta2Decay, double epsilon1 = AdafactorDefaults.Epsilon1, double epsilon2 = AdafactorDefaults.Epsilon2, double clipThreshold = AdafactorDefaults.ClipThreshold, bool relativeStep = AdafactorDefaults.RelativeStep)
        : base(AdafactorDefaults.Name, learningRate)
    {
        Beta2Decay = beta2Decay;
        Epsilon1 = epsilon1;
        Epsilon2 = epsilon2;
        ClipThreshold = clipThreshold;
        RelativeStep = relativeStep;
    }

    /// <inheritdoc />
    public override string ClassName => "Adafactor";

    /// <summary>This optimizer in <see cref="OptimizerRegistry"/>: names, defaults and config reading.</summary>
    public static OptimizerInfo Info { get; } = new("Adafactor", "adafactor", typeof(Adafactor), AdafactorDefaults.LearningRate, AdafactorDefaults.RecommendedLearningRate, null, () => new Adafactor(), (config, options) => FromConfig(config, options));

    /// <summary>Keras <c>beta_2_decay</c>.</summary>
    public double Beta2Decay
    {
        get => _beta2Decay;
        set => _beta2Decay = Check.Finite(value, "beta_2_decay");
    }

    /// <summary>Keras <c>epsilon_1</c>.</summary>
    public double Epsilon1
    {
        get => _epsilon1;
        set => _epsilon1 = Check.NonNegative(value, "epsilon_1");
    }

    /// <summary>Keras <c>epsilon_2</c>.</summary>
    public double Epsilon2
    {
        get => _epsilon2;
        set => _epsilon2 = Check.NonNegative(value, "epsilon_2");
    }

    /// <summary>Keras <c>clip_threshold</c>.</summary>
    public double ClipThreshold
    {
        get => _clipThreshold;
        set => _clipThreshold = Check.Positive(value, "clip_threshold");
    }

    /// <summary>Keras <c>relative_step</c>.</summary>
    public bool RelativeStep { get; set; } = AdafactorDefaults.RelativeStep;

    /// <summary>
    /// Keras's exact arithmetic where a second moment is 0: <c>u = g / sqrtf(0)</c> gives NaN (0/0) or ±inf, and the
    /// tensor turns into NaN. Off by default: such an element gets a zero step (see the class remarks); nothing else
    /// changes. Not a Keras argument: <see cref="Optimizer.GetConfig"/> writes <c>"zero_moment_nan": true</c> only when
    /// it is on (Keras rejects that key; without it Keras computes exactly this mode), so every config of the default
    /// mode loads in Keras.
    /// </summary>
    public bool ZeroMomentNaN { get; set; } = AdafactorDefaults.ZeroMomentNaN;

    /// <inheritdoc />
    protected override long WorkspaceFloats => _colAccumulator.Length + _rowMeans.Length + _buffer.Length + _colMin.Length + _colMax.Length + _parallel.Length;

    /// <summary>Which instructions compute the element functions (tests compare every path; all give the same bits).</summary>
    internal KernelPath Path { get; set; } = KernelPath.Best;

    /// <inheritdoc />
    protected override void BuildSlots(int index, Parameter parameter)
    {
        if (index == 0)
        {
            int n = Parameters.Count;
            _r = new float[n][];
            _c = new float[n][];
            _v = new float[n][];
        }

        if (parameter.Rank >= 2)
        {
            Dims(parameter, out int lead, out int rows, out int cols);
            _r[index] = AddSlot(index, "r", lead * rows);
            _c[index] = AddSlot(index, "c", lead * cols);
            _v[index] = Array.Empty<float>();
        }
        else
        {
            _r[index] = Array.Empty<float>();
            _c[index] = Array.Empty<float>();
            _v[index] = AddSlot(index, "v", parameter.Length);
        }
    }

    /// <inheritdoc />
    protected override void BuildWorkspace()
    {
        int maxCols = 0;
        int maxLead = 0;
        int maxRows = 0;
        bool splittable = false;
        foreach (Parameter p in Parameters)
        {
            splittable |= p.Length >= 2L * PartLength;
            if (p.Rank >= 2)
            {
                Dims(p, out int lead, out int rows, out int cols);
                maxCols = Math.Max(maxCols, cols);
                maxLead = Math.Max(maxLead, lead);
                maxRows = Math.Max(maxRows, rows);
            }
        }

        // Chunk buffers and partial row sums for steps split across threads (only when a tensor is large enough to split).
        _parallel = splittable ? new float[AdafactorKernels.ParallelWorkspaceFloats(maxRows)] : Array.Empty<float>();

        _colAccumulator = new float[maxCols];
        _rowMeans = new float[maxLead];
        _colMin = new float[maxLead];
        _colMax = new float[maxLead];
        _buffer = new float[AdafactorKernels.WorkspaceFloats];
    }

    private static void Dims(Parameter p, out int lead, out int rows, out int cols)
    {
        int[] s = p.ShapeArray;
        cols = s[^1];
        rows = s[^2];
        lead = 1;
        for (int k = 0; k < s.Length - 2; k++)
        {
            lead *= s[k];
        }
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override unsafe void UpdateStep(int index, ReadOnlySpan<float> gradient, float learningRate, bool decay, float weightDecay)
    {
        Parameter p = Parameters[index];
        Span<float> variable = p.Value.Span;
        if (decay)
        {
            ApplyWeightDecay(variable, weightDecay, learningRate);
        }

        int n = variable.Length;
        if (n == 0)
        {
            return;
        }

        float t = Iterations + 1;
        float inv = 1f / MathF.Sqrt(t);
        float lr = learningRate;
        if (LearningRateIsConstant && RelativeStep)
        {
            lr = MathF.Min(lr, inv);
        }

        float rho = MathF.Min(lr, inv);
        float eps1 = (float)_epsilon1;
        float eps2 = (float)_epsilon2;
        float b2t = 1f - MathF.Pow(t, (float)_beta2Decay);
        float om = 1f - b2t;
        float clip = (float)_clipThreshold;

        Threading split = _parallel.Length > 0 ? Threading : Threading.OneThread;
        bool guard = !ZeroMomentNaN;
        fixed (float* pg = gradient)
        fixed (float* pv = variable)
        fixed (float* pbuf0 = _buffer)
        fixed (float* ppar = _parallel)
        {
            float* pbuf = _parallel.Length > 0 ? ppar : pbuf0;
            float* ppartial = ppar + ((long)AdafactorKernels.MaxSumParts * Pairwise.ChunkSize);
            KernelPath path = Path;
            if (p.Rank < 2)
            {
                fixed (float* pvel = _v[index])
                {
                    int mode = AdafactorKernels.VelocitySumsSplit(pg, pv, pvel, n, eps1, b2t, om, pbuf, path, guard, split, out float sumU, out float sumVar);
                    float rmsVar = MathF.Sqrt(sumVar / n);
                    float rmsU = MathF.Sqrt(sumU / n);
                    float alpha = MathF.Max(eps2, rmsVar) * rho;
                    float d = MathF.Max(1f, rmsU / clip);
                    AdafactorKernels.VelocityApplySplit(pv, pvel, pg, n, alpha, d, path, mode, split);
                }

                return;
            }

            Dims(p, out int lead, out int rows, out int cols);
            float[] r = _r[index];
            float[] c = _c[index];
            fixed (float* pr = r)
            fixed (float* pc = c)
            fixed (float* pacc = _colAccumulator)
            fixed (float* pmean = _rowMeans)
            fixed (float* pcmin = _colMin)
            fixed (float* pcmax = _colMax)
            {
                int block = rows * cols;
                for (int b = 0; b < lead; b++)
                {
                    float* rb = pr + ((long)b * rows);
                    AdafactorKernels.FactoredStatisticsSplit(pg + ((long)b * block), rows, cols, rb, pc + ((long)b * cols), pacc, eps1, b2t, om, out pcmin[b], out pcmax[b], ppartial, split);
                    pmean[b] = Pairwise.Sum(new ReadOnlySpan<float>(rb, rows)) / rows;
                }

                // RMS(u) and RMS(var) are both pairwise sums over the flattened tensor: one traversal computes both.
                AdafactorKernels.FactoredSumsSplit(pg, pv, pr, pc, pmean, pcmin, pcmax, rows, cols, n, pbuf, path, guard, split, out float sumU, out float sumVar);
                float rmsVar = MathF.Sqrt(sumVar / n);
                float rmsU = MathF.Sqrt(sumU / n);
                float alpha = MathF.Max(eps2, rmsVar) * rho;
                float d = MathF.Max(1f, rmsU / clip);
                AdafactorKernels.FactoredApplySplit(pv, pg, pr, pc, pmean, pcmin, pcmax, lead, rows, cols, alpha, d, path, guard, split);
            }
        }
    }

    /// <summary>
    /// Writes Keras's <c>velocity</c> slot of parameter <paramref name="index"/>: the stored second moment for rank &lt; 2,
    /// and for rank &gt;= 2 the factored product <c>(r/mean(r))[:, None] * c[None, :]</c> that Keras materializes (zero
    /// before the first update, as in Keras).
    /// </summary>
    /// <param name="index">The parameter index.</param>
    /// <param name="destination">Receives the velocity; its length must be the parameter's.</param>
    /// <exception cref="ArgumentException">The destination length differs from the parameter's.</exception>
    public void CopyVelocity(int index, Span<float> destination)
    {
        EnsureBuilt();
        Parameter p = Parameters[index];
        if (destination.Length != p.Length)
        {
            throw new ArgumentException($"destination has {destination.Length} values; parameter '{p.Name}' has {p.Length}.", nameof(destination));
        }

        if (p.Rank < 2)
        {
            _v[index].AsSpan().CopyTo(destination);
            return;
        }

        Dims(p, out int lead, out int rows, out int cols);
        float[] r = _r[index];
        float[] c = _c[index];
        for (int b = 0; b < lead; b++)
        {
            float mean = Pairwise.Sum(r.AsSpan(b * rows, rows)) / rows;
            for (int i = 0; i < rows; i++)
            {
                float rr = mean == 0f ? 0f : r[(b * rows) + i] / mean;
                for (int j = 0; j < cols; j++)
                {
                    destination[(((b * rows) + i) * cols) + j] = rr * c[(b * cols) + j];
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void WriteConfig(JsonObject config)
    {
        config["beta_2_decay"] = _beta2Decay;
        config["epsilon_1"] = _epsilon1;
        config["epsilon_2"] = _epsilon2;
        config["clip_threshold"] = _clipThreshold;
        config["relative_step"] = RelativeStep;
        if (ZeroMomentNaN)
        {
            config[ZeroMomentNaNKey] = true;
        }
    }

    /// <summary>The config key of <see cref="ZeroMomentNaN"/> (not a Keras key; written only when on).</summary>
    public const string ZeroMomentNaNKey = "zero_moment_nan";

    /// <summary>Rebuilds an Adafactor from Keras's <c>get_config()</c> dictionary.</summary>
    /// <param name="config">The config.</param>
    /// <param name="options">How to resolve callables; null for none.</param>
    /// <returns>The optimizer.</returns>
    /// <exception cref="Serialization.OptimizerConfigException">An unknown key, a wrong type or an invalid value.</exception>
    public static Adafactor FromConfig(JsonObject config, Serialization.KerasConfigOptions? options = null)
    {
        var reader = new Serialization.ConfigReader(config, options?.Path ?? "$");
        var o = new Adafactor();
        o.ReadBaseConfig(reader, options);
        reader.Set("beta_2_decay", k => o.Beta2Decay = reader.Double(k, AdafactorDefaults.Beta2Decay));
        reader.Set("epsilon_1", k => o.Epsilon1 = reader.Double(k, AdafactorDefaults.Epsilon1));
        reader.Set("epsilon_2", k => o.Epsilon2 = reader.Double(k, AdafactorDefaults.Epsilon2));
        reader.Set("clip_threshold", k => o.ClipThreshold = reader.Double(k, AdafactorDefaults.ClipThreshold));
        reader.Set("relative_step", k => o.RelativeStep = reader.Bool(k, AdafactorDefaults.RelativeStep));
        reader.Set(ZeroMomentNaNKey, k => o.ZeroMomentNaN = reader.Bool(k, AdafactorDefaults.ZeroMomentNaN));
        reader.EnsureNoUnknownKeys();
        return o;
    }
}
