using System;
using System.Globalization;

namespace MLNet.Optimizers;

/// <summary>Argument validation that names the argument (by its Keras name) and the value received.</summary>
internal static class Check
{
    private static string S(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public static double Finite(double value, string name)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number, got {S(value)}.");
        }

        return value;
    }

    public static double NonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number >= 0, got {S(value)}.");
        }

        return value;
    }

    public static double Positive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number > 0, got {S(value)}.");
        }

        return value;
    }

    /// <summary>lo &lt; value &lt;= hi (or lo &lt;= value when <paramref name="loInclusive"/>).</summary>
    public static double InRange(double value, string name, double lo, double hi, bool loInclusive, bool hiInclusive)
    {
        bool ok = double.IsFinite(value)
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
