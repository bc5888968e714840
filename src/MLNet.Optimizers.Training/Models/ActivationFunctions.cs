using System;

namespace MLNet.Optimizers.Training.Models;

/// <summary>Activation functions and their derivatives, applied in place.</summary>
internal static class ActivationFunctions
{
    public static void Forward(Activation a, Span<float> x)
    {
        switch (a)
        {
            case Activation.ReLU:
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = x[i] > 0f ? x[i] : 0f;
                }

                break;
            case Activation.Tanh:
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = MathF.Tanh(x[i]);
                }

                break;
            case Activation.Sigmoid:
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = Sigmoid(x[i]);
                }

                break;
            default:
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = Gelu(x[i]);
                }

                break;
        }
    }

    /// <summary>delta *= f'(z), from the pre-activation z (and the activation h where cheaper).</summary>
    public static void Backward(Activation a, ReadOnlySpan<float> z, ReadOnlySpan<float> h, Span<float> delta)
    {
        switch (a)
        {
            case Activation.ReLU:
                for (int i = 0; i < delta.Length; i++)
                {
                    delta[i] = z[i] > 0f ? delta[i] : 0f;
                }

                break;
            case Activation.Tanh:
                for (int i = 0; i < delta.Length; i++)
                {
                    delta[i] *= 1f - (h[i] * h[i]);
                }

                break;
            case Activation.Sigmoid:
                for (int i = 0; i < delta.Length; i++)
                {
                    delta[i] *= h[i] * (1f - h[i]);
                }

                break;
            default:
                for (int i = 0; i < delta.Length; i++)
                {
                    delta[i] *= GeluDerivative(z[i]);
                }

                break;
        }
    }

    public static float Sigmoid(float x) => x >= 0 ? 1f / (1f + MathF.Exp(-x)) : MathF.Exp(x) / (1f + MathF.Exp(x));

    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;

    public static float Gelu(float x) => (float)(0.5 * x * (1.0 + Erf(x * InvSqrt2)));

    public static float GeluDerivative(float x)
    {
        double cdf = 0.5 * (1.0 + Erf(x * InvSqrt2));
        double pdf = InvSqrt2Pi * Math.Exp(-0.5 * x * x);
        return (float)(cdf + (x * pdf));
    }

    /// <summary>erf to about 1e-7 absolute (Abramowitz and Stegun 7.1.26 refined: W. J. Cody's rational form is not needed for float32).</summary>
    public static double Erf(double x)
    {
        // High-accuracy approximation (Numerical Recipes erfc, fractional error < 1.2e-7).
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + (0.5 * z));
        double poly = -1.13520398 + (t * (1.48851587 + (t * (-0.82215223 + (t * 0.17087277)))));
        poly = 0.09678418 + (t * (-0.18628806 + (t * (0.27886807 + (t * poly)))));
        poly = 1.00002368 + (t * (0.37409196 + (t * poly)));
        double r = t * Math.Exp(-(z * z) - 1.26551223 + (t * poly));
        return x >= 0 ? 1.0 - r : r - 1.0;
    }
}
