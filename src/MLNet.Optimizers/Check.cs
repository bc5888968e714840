using System;
using System.Globalization;

namespace MLNet.Optimizers;

/// <summary>
/// Validation of hyperparameters. They are given as doubles (as Keras configs hold them) but computed with in float32,
/// so "finite" means finite <em>in float32</em>: |x| at most <see cref="float.MaxValue"/> (3.4028235E+38), and a value
/// that must be positive must stay positive in float32 (not underflow to 0).
/// </summary>
internal static class Check
{
    private static string S(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="value"/> is a finite float32 number once converted.</summary>
    /// <param name="value">The value.</param>
    /// <returns>True when |value| &lt;= float.MaxValue.</returns>
    public static bool IsFinite32(double value) => double.IsFinite(value) && Math.Abs(value) <= float.MaxValue;

    public static double Finite(double value, string name)
    {
        if (!IsFinite32(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite float32 number (|x| <= 3.4028235E+38), got {S(value)}.");
        }

        return value;
    }

    public static double NonNegative(double value, string name)
    {
        if (!IsFinite32(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite float32 number >= 0 (at most 3.4028235E+38), got {S(value)}.");
        }

        return value;
    }

    public static double Positive(double value, string name)
    {
        if (!IsFinite32(value) || value <= 0 || (float)value <= 0f)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite float32 number > 0 (between 1.4E-45 and 3.4028235E+38), got {S(value)}.");
        }

        return value;
    }

    public static double InRange(double value, string name, double lo, double hi, bool loInclusive, bool hiInclusive)
    {
        bool ok = IsFinite32(value)
            && (loInclusive ? value >= lo : value > lo)
            && (hiInclusive ? value <= hi : value < hi);
        if (!ok)
        {
            string range = (loInclusive ? "[" : "(") + S(lo) + ", " + S(hi) + (hiInclusive ? "]" : ")");
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in {range}, got {S(value)}.");
        }

        return value;
    }

    public static long PositiveInt(long value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be an integer > 0, got {value}.");
        }

        return value;
    }
}
