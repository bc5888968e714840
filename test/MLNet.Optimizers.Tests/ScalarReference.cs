using System;

namespace MLNet.Optimizers.Tests;

/// <summary>
/// The test oracle: plain scalar float32 loops that restate the formulas of TestData/golden/INDEX.md (sections E-H)
/// one operation at a time, in Keras's order, with no vectors and no fused multiply-add. Nothing here calls the
/// library, so a kernel that drifts from these formulas (a different summation order, a fused or reordered
/// operation, a vector path that differs from its scalar tail) shows up as a bit difference.
/// </summary>
internal static class ScalarReference
{
    /// <summary>Hyper-parameters of Keras's Adafactor (Python floats, rounded to float32 where Keras rounds them).</summary>
    internal sealed record AdafactorHyperparameters(
        double Beta2Decay = -0.8,
        double Epsilon1 = 1e-30,
        double Epsilon2 = 1e-3,
        double ClipThreshold = 1.0,
        bool RelativeStep = true,
        bool LearningRateIsConstant = true,
        bool ZeroMomentNaN = false);

    // ---------------------------------------------------------------- reductions (INDEX.md H)

    /// <summary>NumPy's float32 pairwise sum (INDEX.md H), recursive, exactly as written there.</summary>
    public static float PairwiseSum(ReadOnlySpan<float> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            float res = 0f;
            for (int k = 0; k < n; k++)
            {
                res += a[k];
            }

            return res;
        }

        if (n <= 128)
        {
            float r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i;
            for (i = 8; i < n - (n % 8); i += 8)
            {
                r0 += a[i];
                r1 += a[i + 1];
                r2 += a[i + 2];
                r3 += a[i + 3];
                r4 += a[i + 4];
                r5 += a[i + 5];
                r6 += a[i + 6];
                r7 += a[i + 7];
            }

            float res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        float left = PairwiseSum(a.Slice(0, n2));
        float right = PairwiseSum(a.Slice(n2));
        return left + right;
    }

    /// <summary>A plain left-to-right float32 sum starting from +0 (what a naive port would do).</summary>
    public static float NaiveSum(ReadOnlySpan<float> a)
    {
        float s = 0f;
        foreach (float x in a)
        {
            s += x;
        }

        return s;
    }

    /// <summary>Element-wise <c>x*x</c>, each square rounded to float32.</summary>
    public static float[] Squares(ReadOnlySpan<float> x)
    {
        var s = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            s[i] = x[i] * x[i];
        }

        return s;
    }

    /// <summary>Pairwise sum of <c>x*x</c>.</summary>
    public static float PairwiseSumOfSquares(ReadOnlySpan<float> x) => PairwiseSum(Squares(x));

    /// <summary>NumPy's float32 mean of a 1-d (or flattened) array: <c>f32(pairwise_sum / n)</c>.</summary>
    public static float Mean(ReadOnlySpan<float> x) => PairwiseSum(x) / x.Length;

    /// <summary>Keras's Adafactor <c>_rms</c>: <c>sqrtf(mean(x*x))</c> over the flattened tensor; a 0-d mean is the value itself.</summary>
    public static float Rms(ReadOnlySpan<float> x, bool zeroDimensional = false)
    {
        float ms = zeroDimensional ? x[0] * x[0] : Mean(Squares(x));
        return MathF.Sqrt(ms);
    }

    // ---------------------------------------------------------------- element-wise kernels

    /// <summary><c>np.sign</c> on float32: +1, -1, +0 for ±0, NaN for NaN.</summary>
    public static float Sign(float x)
    {
        if (float.IsNaN(x))
        {
            return x;
        }

        if (x > 0f)
        {
            return 1f;
        }

        if (x < 0f)
        {
            return -1f;
        }

        return 0f;
    }

    /// <summary>Decoupled weight decay (INDEX.md E): <c>var = var - (var*wd)*lr</c>.</summary>
    public static void WeightDecay(Span<float> variable, float wd, float lr)
    {
        for (int i = 0; i < variable.Length; i++)
        {
            float decay = variable[i] * wd;
            decay *= lr;
            variable[i] = variable[i] - decay;
        }
    }

    /// <summary>
    /// Lion's update_step (INDEX.md F), preceded by weight decay when <paramref name="weightDecay"/> is given:
    /// <c>var -= lr*sign(m*b1 + g*(1 - b1))</c>, then <c>m = m*b2 + g*(1 - b2)</c>, with <c>1 - b</c> in float32.
    /// </summary>
    public static void LionStep(Span<float> variable, Span<float> momentum, ReadOnlySpan<float> gradient, float lr, float b1, float b2, float? weightDecay = null)
    {
        if (weightDecay is float wd)
        {
            WeightDecay(variable, wd, lr);
        }

        float oneMinusB1 = 1f - b1;
        float oneMinusB2 = 1f - b2;
        for (int i = 0; i < variable.Length; i++)
        {
            float g = gradient[i];
            float m = momentum[i];
            float mb1 = m * b1;
            float gb1 = g * oneMinusB1;
            float c = mb1 + gb1;
            float step = lr * Sign(c);
            variable[i] = variable[i] - step;
            float mb2 = m * b2;
            float gb2 = g * oneMinusB2;
            momentum[i] = mb2 + gb2;
        }
    }

    /// <summary>EMA: <c>avg = mom*avg + (1 - mom)*values</c>, <c>1 - mom</c> in float32.</summary>
    public static void Ema(Span<float> average, ReadOnlySpan<float> values, float momentum)
    {
        float oneMinus = 1f - momentum;
        for (int i = 0; i < average.Length; i++)
        {
            float a = momentum * average[i];
            float b = oneMinus * values[i];
            average[i] = a + b;
        }
    }

    /// <summary>Keras SGD without momentum: <c>var -= g*lr</c>.</summary>
    public static void Sgd(Span<float> variable, ReadOnlySpan<float> gradient, float lr)
    {
        for (int i = 0; i < variable.Length; i++)
        {
            float gl = gradient[i] * lr;
            variable[i] = variable[i] - gl;
        }
    }

    /// <summary>
    /// Keras SGD with momentum: <c>m = m*mu - g*lr</c>, then <c>var += m</c>, or for Nesterov
    /// <c>var += m*mu - g*lr</c> (with the new m).
    /// </summary>
    public static void SgdMomentum(Span<float> variable, Span<float> momentum, ReadOnlySpan<float> gradient, float lr, float mu, bool nesterov)
    {
        for (int i = 0; i < variable.Length; i++)
        {
            float mm = momentum[i] * mu;
            float gl = gradient[i] * lr;
            float m = mm - gl;
            momentum[i] = m;
            if (nesterov)
            {
                float mm2 = m * mu;
                float gl2 = gradient[i] * lr;
                float delta = mm2 - gl2;
                variable[i] = variable[i] + delta;
            }
            else
            {
                variable[i] = variable[i] + m;
            }
        }
    }

    /// <summary>
    /// Keras Adam's update_step (AdamW = this after weight decay): <c>t = iterations + 1</c>,
    /// <c>alpha = (lr*sqrtf(1 - powf(b2, t)))/(1 - powf(b1, t))</c>, <c>m += (g - m)*f32(1 - beta_1)</c>,
    /// <c>v += (g*g - v)*f32(1 - beta_2)</c> (1 - beta in double, then rounded), amsgrad
    /// <c>vhat = max(vhat, v)</c>, <c>var -= (m*alpha)/(sqrtf(v) + eps)</c>.
    /// </summary>
    public static void AdamStep(Span<float> variable, Span<float> m, Span<float> v, Span<float> vHat, ReadOnlySpan<float> gradient, float lr, long iterations, double beta1, double beta2, double epsilon, bool amsgrad)
    {
        float t = (float)(iterations + 1);
        float b1p = MathF.Pow((float)beta1, t);
        float b2p = MathF.Pow((float)beta2, t);
        float oneMinusB2p = 1f - b2p;
        float oneMinusB1p = 1f - b1p;
        float numerator = lr * MathF.Sqrt(oneMinusB2p);
        float alpha = numerator / oneMinusB1p;
        float omb1 = (float)(1.0 - beta1);
        float omb2 = (float)(1.0 - beta2);
        float eps = (float)epsilon;
        for (int i = 0; i < variable.Length; i++)
        {
            float g = gradient[i];
            float dm = g - m[i];
            dm *= omb1;
            m[i] = m[i] + dm;
            float g2 = g * g;
            float dv = g2 - v[i];
            dv *= omb2;
            v[i] = v[i] + dv;
            float vUsed = v[i];
            if (amsgrad)
            {
                vHat[i] = MathF.Max(vHat[i], v[i]);
                vUsed = vHat[i];
            }

            float num = m[i] * alpha;
            float den = MathF.Sqrt(vUsed) + eps;
            variable[i] = variable[i] - (num / den);
        }
    }

    // ---------------------------------------------------------------- Adafactor (INDEX.md G)

    /// <summary>Splits a shape of rank &gt;= 2 into (product of leading axes, rows = shape[-2], cols = shape[-1]).</summary>
    public static (int Lead, int Rows, int Cols) FactorDims(int[] shape)
    {
        int lead = 1;
        for (int k = 0; k < shape.Length - 2; k++)
        {
            lead *= shape[k];
        }

        return (lead, shape[^2], shape[^1]);
    }

    /// <summary>
    /// One Keras Adafactor <c>update_step(g, var, lr)</c> for one parameter of any rank (INDEX.md G). The variable has
    /// already been weight-decayed. <paramref name="r"/> (<c>shape[:-1]</c>), <paramref name="c"/>
    /// (<c>shape[:-2]+shape[-1:]</c>) are used for rank &gt;= 2; <paramref name="v"/> always has the variable's shape and,
    /// as in Keras, is overwritten with <c>(r/mean(r))[..., :, None] * c[..., None, :]</c> for rank &gt;= 2.
    /// Unless <see cref="AdafactorHyperparameters.ZeroMomentNaN"/>, the two departures of the library's default: a zero
    /// <c>mean(r)</c> gives <c>r/mean(r) = 0</c>, and an element with <c>v == 0</c> gets <c>u = 0</c>.
    /// </summary>
    public static void AdafactorUpdateStep(int[] shape, Span<float> variable, Span<float> r, Span<float> c, Span<float> v, ReadOnlySpan<float> gradient, float learningRate, long iterations, AdafactorHyperparameters h)
    {
        int n = variable.Length;
        if (n == 0)
        {
            return;
        }

        float lr = learningRate;
        float eps2 = (float)h.Epsilon2;
        float t = (float)(iterations + 1);
        float inv = 1f / MathF.Sqrt(t);
        if (h.LearningRateIsConstant && h.RelativeStep)
        {
            lr = MathF.Min(lr, inv);
        }

        float rho = MathF.Min(lr, inv);
        float rmsVar = Rms(variable, zeroDimensional: shape.Length == 0);
        float alpha = MathF.Max(eps2, rmsVar) * rho;

        float eps1 = (float)h.Epsilon1;
        var g2 = new float[n];
        for (int i = 0; i < n; i++)
        {
            float sq = gradient[i] * gradient[i];
            g2[i] = sq + eps1;
        }

        float b2t = 1f - MathF.Pow(t, (float)h.Beta2Decay);
        float oneMinusB2t = 1f - b2t;

        if (shape.Length >= 2)
        {
            (int lead, int rows, int cols) = FactorDims(shape);
            for (int b = 0; b < lead; b++)
            {
                int blockStart = b * rows * cols;

                // r = b2t*r + (1 - b2t)*mean(g2, axis=-1): pairwise along each row.
                for (int i = 0; i < rows; i++)
                {
                    float rowMean = Mean(g2.AsSpan(blockStart + (i * cols), cols));
                    float a = b2t * r[(b * rows) + i];
                    float bb = oneMinusB2t * rowMean;
                    r[(b * rows) + i] = a + bb;
                }

                // c = b2t*c + (1 - b2t)*mean(g2, axis=-2).
                for (int j = 0; j < cols; j++)
                {
                    float colSum;
                    if (cols == 1)
                    {
                        // The summed axis is contiguous: NumPy sums it pairwise.
                        colSum = PairwiseSum(g2.AsSpan(blockStart, rows));
                    }
                    else
                    {
                        // Strided axis: NumPy adds row after row, element by element, from 0.
                        colSum = 0f;
                        for (int i = 0; i < rows; i++)
                        {
                            colSum += g2[blockStart + (i * cols) + j];
                        }
                    }

                    float colMean = colSum / rows;
                    float a = b2t * c[(b * cols) + j];
                    float bb = oneMinusB2t * colMean;
                    c[(b * cols) + j] = a + bb;
                }
            }

            // v = (r / mean(r, axis=-1, keepdims))[..., :, None] * c[..., None, :]
            for (int b = 0; b < lead; b++)
            {
                float meanR = Mean(r.Slice(b * rows, rows));
                for (int i = 0; i < rows; i++)
                {
                    float rr = !h.ZeroMomentNaN && meanR == 0f ? 0f : r[(b * rows) + i] / meanR;
                    for (int j = 0; j < cols; j++)
                    {
                        v[(((b * rows) + i) * cols) + j] = rr * c[(b * cols) + j];
                    }
                }
            }
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                float a = b2t * v[i];
                float bb = oneMinusB2t * g2[i];
                v[i] = a + bb;
            }
        }

        var u = new float[n];
        for (int i = 0; i < n; i++)
        {
            u[i] = !h.ZeroMomentNaN && v[i] == 0f ? 0f : gradient[i] / MathF.Sqrt(v[i]);
        }

        float rmsU = Rms(u, zeroDimensional: shape.Length == 0);
        float d = MathF.Max(1f, rmsU / (float)h.ClipThreshold);
        for (int i = 0; i < n; i++)
        {
            float uHat = u[i] / d;
            float step = alpha * uHat;
            variable[i] = variable[i] - step;
        }
    }
}
