using System;
using MLNet.Optimizers.Training.Models;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>
/// The test oracle of <c>LayerKernels</c>: plain scalar float32 loops restating each formula operation by operation
/// (written separately from the kernels: no ISimd, no shared code), so that a kernel bug at any width shows as a bit
/// difference.
/// </summary>
internal static class LayerReference
{
    private static float Bits(int b) => BitConverter.Int32BitsToSingle(b);

    public static float Exp(float x)
    {
        if (float.IsNaN(x))
        {
            return x;
        }

        const float hi = 88.7228317f;
        const float lo = -103.972084f;
        if (x > hi)
        {
            return float.PositiveInfinity;
        }

        if (x < lo)
        {
            return 0f;
        }

        float k = MathF.Floor((x * 1.44269504f) + 0.5f);
        float r = (x - (k * 0.693359375f)) - (k * -2.12194440e-4f);
        float p = 1.9875691500e-4f;
        p = (p * r) + 1.3981999507e-3f;
        p = (p * r) + 8.3334519073e-3f;
        p = (p * r) + 4.1665795894e-2f;
        p = (p * r) + 1.6666665459e-1f;
        p = (p * r) + 5.0000001201e-1f;
        float y = ((p * (r * r)) + r) + 1f;
        int ki = (int)k;
        int k1 = ki >> 1;
        int k2 = ki - k1;
        return (y * Bits((k1 + 127) << 23)) * Bits((k2 + 127) << 23);
    }

    public static float Sigmoid(float x) => 1f / (1f + Exp(0f - x));

    public static float Tanh(float x)
    {
        float a = MathF.Abs(x);
        if (a < 0.625f)
        {
            float z = x * x;
            float p = -5.70498872745e-3f;
            p = (p * z) + 2.06390887954e-2f;
            p = (p * z) + -5.37397155531e-2f;
            p = (p * z) + 1.33314422036e-1f;
            p = (p * z) + -3.33332819422e-1f;
            return ((p * z) * x) + x;
        }

        float e = Exp(a + a);
        return MathF.CopySign(1f - (2f / (e + 1f)), x);
    }

    public static float Erf(float x)
    {
        float z = MathF.Abs(x);
        float t = 1f / (1f + (0.5f * z));
        float p = 0.17087277f;
        p = (p * t) + -0.82215223f;
        p = (p * t) + 1.48851587f;
        p = (p * t) + -1.13520398f;
        p = (p * t) + 0.27886807f;
        p = (p * t) + -0.18628806f;
        p = (p * t) + 0.09678418f;
        p = (p * t) + 0.37409196f;
        p = (p * t) + 1.00002368f;
        p = (p * t) + -1.26551223f;
        float r = t * Exp(p - (z * z));
        return x < 0f ? r - 1f : 1f - r;
    }

    public static float Gelu(float x) => x * (0.5f * (1f + Erf(x * 0.707106781f)));

    public static float GeluDerivative(float x)
    {
        float cdf = 0.5f * (1f + Erf(x * 0.707106781f));
        float pdf = 0.398942280f * Exp(-0.5f * (x * x));
        return cdf + (x * pdf);
    }

    public static float Forward(Activation? a, float z) => a switch
    {
        null => z,
        Activation.ReLU => z > 0f ? z : 0f,
        Activation.Tanh => Tanh(z),
        Activation.Sigmoid => Sigmoid(z),
        _ => Gelu(z),
    };

    public static float Backward(Activation a, float z, float h, float d) => a switch
    {
        Activation.ReLU => z > 0f ? d : 0f,
        Activation.Tanh => d * (1f - (h * h)),
        Activation.Sigmoid => d * (h * (1f - h)),
        _ => d * GeluDerivative(z),
    };

    public static void BiasActivation(float[] z, float[] h, float[] bias, int rows, int cols, Activation? a)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < cols; j++)
            {
                int i = (r * cols) + j;
                z[i] = z[i] + bias[j];
                h[i] = Forward(a, z[i]);
            }
        }
    }

    public static void ActivationBackward(Activation a, float[] z, float[] h, float[] d, float[]? mask)
    {
        for (int i = 0; i < d.Length; i++)
        {
            float delta = mask is null ? d[i] : d[i] * mask[i];
            d[i] = Backward(a, z[i], h[i], delta);
        }
    }

    public static void ColumnSums(float[] src, int rows, int cols, float[] dst)
    {
        for (int j = 0; j < cols; j++)
        {
            float s = 0f;
            for (int r = 0; r < rows; r++)
            {
                s += src[(r * cols) + j];
            }

            dst[j] = s;
        }
    }

    public static void SoftmaxCrossEntropy(float[] logits, float[] delta, float[] labels, float[]? weights, double[] rowLoss, int rows, int k, float inv, float smoothing = 0f)
    {
        for (int r = 0; r < rows; r++)
        {
            float max = float.NegativeInfinity;
            for (int j = 0; j < k; j++)
            {
                max = MathF.Max(max, logits[(r * k) + j]);
            }

            float sum = 0f;
            for (int j = 0; j < k; j++)
            {
                float e = Exp(logits[(r * k) + j] - max);
                delta[(r * k) + j] = e;
                sum += e;
            }

            int label = (int)labels[r];
            float w = weights is null ? 1f : weights[r];
            float wi = w * inv;
            float scale = wi / sum;
            if (smoothing > 0f)
            {
                // Target (1 - eps) * onehot + eps / k: the cross-entropy against it, and its gradient p - target.
                float share = smoothing / k;
                double logitSum = 0;
                for (int j = 0; j < k; j++)
                {
                    logitSum += logits[(r * k) + j];
                }

                rowLoss[r] = w * ((Math.Log(sum) + max) - ((1.0 - smoothing) * logits[(r * k) + label]) - (share * logitSum));
                for (int j = 0; j < k; j++)
                {
                    delta[(r * k) + j] = (delta[(r * k) + j] * scale) - (wi * share);
                }

                delta[(r * k) + label] -= wi * (1f - smoothing);
                continue;
            }

            rowLoss[r] = w * ((Math.Log(sum) + max) - logits[(r * k) + label]);
            for (int j = 0; j < k; j++)
            {
                delta[(r * k) + j] *= scale;
            }

            delta[(r * k) + label] -= wi;
        }
    }

    public static void SoftmaxRows(float[] x, int rows, int k)
    {
        for (int r = 0; r < rows; r++)
        {
            float max = float.NegativeInfinity;
            for (int j = 0; j < k; j++)
            {
                max = MathF.Max(max, x[(r * k) + j]);
            }

            float sum = 0f;
            for (int j = 0; j < k; j++)
            {
                x[(r * k) + j] = Exp(x[(r * k) + j] - max);
                sum += x[(r * k) + j];
            }

            for (int j = 0; j < k; j++)
            {
                x[(r * k) + j] /= sum;
            }
        }
    }

    public static void Dropout(float[] h, float[] mask, ulong seed, float keep)
    {
        var rng = new MLNet.Optimizers.Training.Data.DeterministicRandom(seed);
        float scale = 1f / keep;
        for (int i = 0; i < h.Length; i++)
        {
            mask[i] = rng.NextSingle() < keep ? scale : 0f;
            h[i] *= mask[i];
        }
    }
}
