using System;
using System.Globalization;
using MLNet.Optimizers.Reports;

namespace MLNet.Optimizers.Cli.Output;

/// <summary>Number formatting of the console output (invariant culture); the report's formats come from <see cref="ReportFormat"/>, so both agree.</summary>
internal static class Format
{
    /// <summary>A metric value: 4 decimals below 100, 2 below 10 000, then whole numbers; "n/a" for NaN.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string Metric(double value) => ReportFormat.Metric(value);

    /// <summary>A throughput: whole numbers with thousands separators.</summary>
    /// <param name="value">Examples per second.</param>
    /// <returns>The text.</returns>
    public static string Rate(double value) => double.IsFinite(value) ? value.ToString("N0", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>Seconds with two decimals.</summary>
    /// <param name="seconds">Seconds.</param>
    /// <returns>The text.</returns>
    public static string Seconds(double seconds) => ReportFormat.Seconds(seconds);

    /// <summary>An integer with thousands separators.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string Count(long value) => ReportFormat.Count(value);
}
