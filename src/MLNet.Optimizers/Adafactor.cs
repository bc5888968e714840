using System;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Kernels;

namespace MLNet.Optimizers;

/// <summary>
/// Adafactor, exactly as <c>keras.optimizers.Adafactor</c> computes it (see the README, "Keras semantics", and TestData/golden/INDEX.md section G), with
/// one improvement: for parameters of rank &gt;= 2 only the factored row and column statistics are stored (Keras also
/// allocates a full-size velocity that it overwrites every step). A [1024, 1024] weight costs 1024 + 1024 floats.
/// </summary>
/// <remarks>
/// As in Keras, <c>rho = min(lr, 1/sqrt(t))</c> is always applied, so <see cref="RelativeStep"/> does not change any
/// number; it is kept for configuration compatibility. As in Keras, a gradient whose square overflows float32
/// (|g| ≳ 1.8e19) turns a factored parameter into NaN, and so does, with the default <c>epsilon_1 = 1e-30</c>, a
/// gradient with an all-zero row and an all-zero column (its factored second moment, about 1e-58, is 0 in float32):
/// this port reproduces both rather than hide them. Use <c>epsilon1: 1e-15</c> or clipping to avoid them.
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

    /// <inheritdoc />
    protected override long WorkspaceFloats => _colAccumulator.Length + _rowMeans.Length;

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
        foreach (Parameter p in Parameters)
        {
            if (p.Rank >= 2)
            {
                Dims(p, out int lead, out _, out int cols);
                maxCols = Math.Max(maxCols, cols);
                maxLead = Math.Max(maxLead, lead);
            }
        }

        _colAccumulator = new float[maxCols];
        _rowMeans = new float[maxLead];
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

        fixed (float* pg = gradient)
        fixed (float* pv = variable)
        {
            if (p.Rank < 2)
            {
                fixed (float* pvel = _v[index])
                {
                    var src = new VelocitySource(pg, pv, pvel, eps1, b2t, om);
                    Pairwise.Sum2(ref src, 0, n, out float sumU, out float sumVar);
                    float rmsVar = MathF.Sqrt(sumVar / n);
                    float rmsU = MathF.Sqrt(sumU / n);
                    float alpha = MathF.Max(eps2, rmsVar) * rho;
                    float d = MathF.Max(1f, rmsU / clip);
                    Elementwise.Run(variable, _v[index], gradient, new AdafactorApplyOp(alpha, d));
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
            {
                int block = rows * cols;
                for (int b = 0; b < lead; b++)
                {
                    float* gb = pg + ((long)b * block);
                    float* rb = pr + ((long)b * rows);
                    float* cb = pc + ((long)b * cols);
                    new Span<float>(pacc, cols).Clear();
                    int i = 0;
                    if (cols > 1)
                    {
                        // Two rows per traversal: two independent pairwise chains, and the column sums still add
                        // row i before row i+1, element by element, as NumPy does.
                        for (; i + 1 < rows; i += 2)
                        {
                            var pairSrc = new RowPairSquareSource(gb + ((long)i * cols), cols, pacc, eps1);
                            Pairwise.Sum2(ref pairSrc, 0, cols, out float s0, out float s1);
                            rb[i] = (b2t * rb[i]) + (om * (s0 / cols));
                            rb[i + 1] = (b2t * rb[i + 1]) + (om * (s1 / cols));
                        }
                    }

                    for (; i < rows; i++)
                    {
                        var rowSrc = new RowSquareSource(gb + ((long)i * cols), pacc, eps1, accumulate: cols > 1);
                        float rowMean = Pairwise.Sum(ref rowSrc, 0, cols) / cols;
                        rb[i] = (b2t * rb[i]) + (om * rowMean);
                    }

                    if (cols == 1)
                    {
                        var colSrc = new RowSquareSource(gb, pacc, eps1, accumulate: false);
                        pacc[0] = Pairwise.Sum(ref colSrc, 0, rows);
                    }

                    for (int j = 0; j < cols; j++)
                    {
                        cb[j] = (b2t * cb[j]) + (om * (pacc[j] / rows));
                    }

                    pmean[b] = Pairwise.Sum(new ReadOnlySpan<float>(rb, rows)) / rows;
                }

                // RMS(u) and RMS(var) are both pairwise sums over the flattened tensor: one traversal computes both.
                var uSrc = new FactoredUSource(pg, pv, pr, pc, pmean, lead, rows, cols);
                Pairwise.Sum2(ref uSrc, 0, n, out float sumU, out float sumVar);
                float rmsVar = MathF.Sqrt(sumVar / n);
                float rmsU = MathF.Sqrt(sumU / n);
                float alpha = MathF.Max(eps2, rmsVar) * rho;
                float d = MathF.Max(1f, rmsU / clip);
                for (int b = 0; b < lead; b++)
                {
                    for (int i = 0; i < rows; i++)
                    {
                        long off = ((long)b * block) + ((long)i * cols);
                        float rr = pr[(b * rows) + i] / pmean[b];
                        FactoredApplyRow(pv + off, pg + off, pc + ((long)b * cols), cols, rr, alpha, d);
                    }
                }
            }
        }
    }

    private static unsafe void FactoredApplyRow(float* v, float* g, float* c, int cols, float rr, float alpha, float d)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vrr = Vector512.Create(rr);
            Vector512<float> va = Vector512.Create(alpha);
            Vector512<float> vd = Vector512.Create(d);
            for (; j <= cols - 16; j += 16)
            {
                Vector512<float> u = Vector512.Load(g + j) / Vector512.Sqrt(vrr * Vector512.Load(c + j));
                (Vector512.Load(v + j) - (va * (u / vd))).Store(v + j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vrr = Vector256.Create(rr);
            Vector256<float> va = Vector256.Create(alpha);
            Vector256<float> vd = Vector256.Create(d);
            for (; j <= cols - 8; j += 8)
            {
                Vector256<float> u = Vector256.Load(g + j) / Vector256.Sqrt(vrr * Vector256.Load(c + j));
                (Vector256.Load(v + j) - (va * (u / vd))).Store(v + j);
            }
        }

        for (; j < cols; j++)
        {
            float u = g[j] / MathF.Sqrt(rr * c[j]);
            v[j] -= alpha * (u / d);
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
    }

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
        reader.EnsureNoUnknownKeys();
        return o;
    }

    /// <summary>Non-factored second moment, updated in place, yielding (u*u, var*var) for the two RMS sums.</summary>
    private readonly unsafe struct VelocitySource(float* g, float* x, float* v, float eps1, float b2t, float om) : IDualSource
    {
        public void Load8(int i, out Vector256<float> a, out Vector256<float> b)
        {
            Vector256<float> gv = Vector256.Load(g + i);
            Vector256<float> g2 = (gv * gv) + Vector256.Create(eps1);
            Vector256<float> vn = (Vector256.Create(b2t) * Vector256.Load(v + i)) + (Vector256.Create(om) * g2);
            vn.Store(v + i);
            Vector256<float> u = gv / Vector256.Sqrt(vn);
            a = u * u;
            Vector256<float> xv = Vector256.Load(x + i);
            b = xv * xv;
        }

        public void Load1(int i, out float a, out float b)
        {
            float gv = g[i];
            float g2 = (gv * gv) + eps1;
            float vn = (b2t * v[i]) + (om * g2);
            v[i] = vn;
            float u = gv / MathF.Sqrt(vn);
            a = u * u;
            b = x[i] * x[i];
        }
    }

    /// <summary>A row of <c>g*g + eps1</c>; optionally adds each value into the column accumulator as it is read.</summary>
    private readonly unsafe struct RowSquareSource(float* g, float* acc, float eps1, bool accumulate) : IFloatSource
    {
        public Vector256<float> Load8(int i)
        {
            Vector256<float> gv = Vector256.Load(g + i);
            Vector256<float> g2 = (gv * gv) + Vector256.Create(eps1);
            if (accumulate)
            {
                (Vector256.Load(acc + i) + g2).Store(acc + i);
            }

            return g2;
        }

        public float Load1(int i)
        {
            float g2 = (g[i] * g[i]) + eps1;
            if (accumulate)
            {
                acc[i] += g2;
            }

            return g2;
        }
    }

    /// <summary>Rows i and i+1 of <c>g*g + eps1</c>, read together; adds row i then row i+1 into the column sums.</summary>
    private readonly unsafe struct RowPairSquareSource(float* g, int cols, float* acc, float eps1) : IDualSource
    {
        public void Load8(int i, out Vector256<float> a, out Vector256<float> b)
        {
            Vector256<float> e = Vector256.Create(eps1);
            Vector256<float> g0 = Vector256.Load(g + i);
            Vector256<float> g1 = Vector256.Load(g + cols + i);
            a = (g0 * g0) + e;
            b = (g1 * g1) + e;
            ((Vector256.Load(acc + i) + a) + b).Store(acc + i);
        }

        public void Load1(int i, out float a, out float b)
        {
            float g0 = g[i];
            float g1 = g[cols + i];
            a = (g0 * g0) + eps1;
            b = (g1 * g1) + eps1;
            acc[i] = (acc[i] + a) + b;
        }
    }

    /// <summary>
    /// <c>u*u</c> with <c>u = g / sqrt((r_i/mean(r)) * c_j)</c> over the flattened tensor. The pairwise sum reads
    /// positions strictly in increasing order, so a cursor tracks the row instead of dividing indices.
    /// </summary>
    private unsafe struct FactoredUSource(float* g, float* x, float* r, float* c, float* rowMeans, int lead, int rows, int cols) : IDualSource
    {
        private int _row;
        private int _j;
        private int _rowInBlock;
        private int _block;
        private float _rr = r[0] / rowMeans[0];

        public void Load8(int i, out Vector256<float> a, out Vector256<float> b)
        {
            Vector256<float> xv = Vector256.Load(x + i);
            b = xv * xv;
            if (_j + 8 <= cols)
            {
                Vector256<float> u = Vector256.Load(g + i) / Vector256.Sqrt(Vector256.Create(_rr) * Vector256.Load(c + ((long)_block * cols) + _j));
                _j += 8;
                if (_j == cols)
                {
                    NextRow();
                }

                a = u * u;
                return;
            }

            float e0 = U2(i), e1 = U2(i + 1), e2 = U2(i + 2), e3 = U2(i + 3);
            float e4 = U2(i + 4), e5 = U2(i + 5), e6 = U2(i + 6), e7 = U2(i + 7);
            a = Vector256.Create(e0, e1, e2, e3, e4, e5, e6, e7);
        }

        public void Load1(int i, out float a, out float b)
        {
            a = U2(i);
            b = x[i] * x[i];
        }

        private float U2(int i)
        {
            float u = g[i] / MathF.Sqrt(_rr * c[((long)_block * cols) + _j]);
            _j++;
            if (_j == cols)
            {
                NextRow();
            }

            return u * u;
        }

        private void NextRow()
        {
            _j = 0;
            _row++;
            _rowInBlock++;
            if (_rowInBlock == rows)
            {
                _rowInBlock = 0;
                _block++;
            }

            if (_block < lead)
            {
                _rr = r[_row] / rowMeans[_block];
            }
        }
    }
}

/// <summary>Non-factored apply: <c>var -= alpha * ((g / sqrt(v)) / d)</c> (a = var, b = v, x = g).</summary>
internal readonly struct AdafactorApplyOp(float alpha, float d) : IOp2
{
    public void Invoke(ref float a, ref float b, float x) => a -= alpha * ((x / MathF.Sqrt(b)) / d);

    public void Invoke(ref Vector256<float> a, ref Vector256<float> b, Vector256<float> x) =>
        a -= Vector256.Create(alpha) * ((x / Vector256.Sqrt(b)) / Vector256.Create(d));

    public void Invoke(ref Vector512<float> a, ref Vector512<float> b, Vector512<float> x) =>
        a -= Vector512.Create(alpha) * ((x / Vector512.Sqrt(b)) / Vector512.Create(d));
}
