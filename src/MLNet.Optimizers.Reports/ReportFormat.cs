using System;
using System.Globalization;

namespace MLNet.Optimizers.Reports;

/// <summary>Number formatting shared by the report and the <c>mlnet-opt</c> console tables (invariant culture).</summary>
public static class ReportFormat
{
    /// <summary>A metric value: 4 decimals below 100, 2 below 10 000, then whole numbers; "n/a" for anything not finite (never "inf").</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string Metric(double value)
    {
        if (!double.IsFinite(value))
        {
            return "n/a";
        }

        double a = Math.Abs(value);
        string f = a >= 10_000 ? "N0" : a >= 100 ? "N2" : "F4";
        return value.ToString(f, CultureInfo.InvariantCulture);
    }

    /// <summary>Seconds with two decimals.</summary>
    /// <param name="seconds">Seconds.</param>
    /// <returns>The text.</returns>
    public static string Seconds(double seconds) => seconds.ToString("F2", CultureInfo.InvariantCulture) + " s";

    /// <summary>An integer with thousands separators.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
