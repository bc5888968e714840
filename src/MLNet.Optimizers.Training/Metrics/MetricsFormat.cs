using System.Globalization;
using System.Text;

namespace MLNet.Optimizers.Training.Metrics;

/// <summary>Invariant-culture formatting shared by the metrics' <c>ToString</c> tables.</summary>
internal static class MetricsFormat
{
    internal const int NameWidth = 30;

    internal static string Number(double v) =>
        double.IsNaN(v) ? "NaN"
        : double.IsPositiveInfinity(v) ? "+Infinity"
        : double.IsNegativeInfinity(v) ? "-Infinity"
        : v.ToString("F6", CultureInfo.InvariantCulture);

    internal static void Line(StringBuilder sb, string name, double value) =>
        sb.Append("  ").Append(name.PadRight(NameWidth)).Append(Number(value).PadLeft(12)).AppendLine();
}
