using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace MLNet.Optimizers.Reports;

/// <summary>One line of a chart.</summary>
/// <param name="Name">Its legend label (series sharing a colour share one legend entry).</param>
/// <param name="Color">CSS colour.</param>
/// <param name="Dashed">Dashed (validation) or solid (training).</param>
/// <param name="Points">(x, y) points; NaN or infinite y values break the line.</param>
internal sealed record ChartSeries(string Name, string Color, bool Dashed, IReadOnlyList<(double X, double Y)> Points)
{
    /// <summary>Whether the points are drawn as markers only, without a line (a scatter plot); dashed series get hollow markers.</summary>
    public bool MarkersOnly { get; init; }
}

/// <summary>
/// A line chart as inline SVG (no script, no external resources): title, axes with ticks and labels, grid, a legend of
/// the series colours plus a key for solid (training) and dashed (validation) lines, and a log y axis when the values
/// span more than <see cref="LogRatio"/>× (for losses).
/// </summary>
internal sealed class SvgChart
{
    /// <summary>y values spanning more than this ratio (all positive) get a log axis when <see cref="AllowLog"/> is set.</summary>
    public const double LogRatio = 30;

    private const double Left = 78;
    private const double Right = 200;
    private const double Top = 44;
    private const double Bottom = 58;

    /// <summary>Chart title.</summary>
    public required string Title { get; init; }

    /// <summary>x-axis label.</summary>
    public required string XLabel { get; init; }

    /// <summary>y-axis label.</summary>
    public required string YLabel { get; init; }

    /// <summary>The lines.</summary>
    public required IReadOnlyList<ChartSeries> Series { get; init; }

    /// <summary>Whether a wide positive range may use a log axis.</summary>
    public bool AllowLog { get; init; }

    /// <summary>Lowest y shown (lower values are clipped), or null.</summary>
    public double? YFloor { get; init; }

    /// <summary>Highest y shown, or null.</summary>
    public double? YCeiling { get; init; }

    /// <summary>Whether to add the solid/dashed key to the legend.</summary>
    public bool ShowLineStyleKey { get; init; }

    /// <summary>What the dashed lines are, in the line-style key (default "selection").</summary>
    public string DashedKey { get; init; } = "selection";

    /// <summary>Room added on both sides of the x range, in x units (so markers at the ends are not cut).</summary>
    public double XPad { get; init; }

    /// <summary>Labels of the filled and hollow markers added to the legend (scatter plots), or null.</summary>
    public (string Filled, string Hollow)? MarkerKey { get; init; }

    /// <summary>Vertical lines across the plot (for example the epoch a run kept), each with its colour and a label drawn at its top.</summary>
    public IReadOnlyList<(double X, string Color, string Label)> VerticalMarkers { get; init; } = Array.Empty<(double, string, string)>();

    /// <summary>Total width in pixels.</summary>
    public int Width { get; init; } = 820;

    /// <summary>Total height in pixels.</summary>
    public int Height { get; init; } = 400;

    /// <summary>Whether the chart used a log y axis (after <see cref="ToSvg"/>).</summary>
    public bool UsedLogScale { get; private set; }

    /// <summary>Nice tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k).</summary>
    /// <param name="lo">Low end.</param>
    /// <param name="hi">High end.</param>
    /// <param name="target">About how many ticks.</param>
    /// <param name="integer">Whether ticks must be integers.</param>
    /// <returns>The ticks and the (possibly widened) range.</returns>
    public static (double[] Ticks, double Lo, double Hi) NiceTicks(double lo, double hi, int target, bool integer)
    {
        if (!(hi > lo))
        {
            double pad = Math.Abs(lo) > 0 ? Math.Abs(lo) * 0.1 : 1;
            lo -= pad;
            hi += pad;
        }

        double raw = (hi - lo) / Math.Max(1, target);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * mag).First(s => s >= raw);
        if (integer)
        {
            step = Math.Max(1, Math.Round(step));
        }

        double start = Math.Floor(lo / step) * step;
        double end = Math.Ceiling(hi / step) * step;
        var ticks = new List<double>();
        for (double t = start; t <= end + (step * 1e-9); t += step)
        {
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        }

        return (ticks.ToArray(), start, end);
    }

    /// <summary>Renders the chart.</summary>
    /// <returns>An <c>&lt;svg&gt;</c> element (XML-well-formed).</returns>
    public string ToSvg()
    {
        var ys = Series.SelectMany(s => s.Points).Select(p => p.Y).Where(double.IsFinite).ToList();
        var xs = Series.SelectMany(s => s.Points).Select(p => p.X).Where(double.IsFinite).ToList();
        double xMin = xs.Count > 0 ? xs.Min() : 0, xMax = xs.Count > 0 ? xs.Max() : 1;
        double yMin = ys.Count > 0 ? ys.Min() : 0, yMax = ys.Count > 0 ? ys.Max() : 1;
        if (YFloor is double floor)
        {
            yMin = Math.Max(yMin, floor);
            yMax = Math.Max(yMax, yMin);
        }

        if (YCeiling is double ceiling)
        {
            yMax = Math.Min(yMax, ceiling);
        }

        UsedLogScale = AllowLog && ys.Count > 0 && yMin > 0 && yMax / yMin > LogRatio;
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;

        (double[] xTicks, _, _) = NiceTicks(xMin, xMax, 8, integer: true);
        double x0 = xMin - XPad, x1 = (xMax > xMin ? xMax : xMin + 1) + XPad;
        double[] yTicks;
        double y0, y1;
        Func<double, double> yMap;
        if (UsedLogScale)
        {
            double lo = Math.Floor(Math.Log10(yMin)), hi = Math.Ceiling(Math.Log10(yMax));
            var t = new List<double>();
            bool dense = hi - lo <= 2;
            for (double e = lo; e <= hi; e++)
            {
                t.Add(Math.Pow(10, e));
                if (dense && e < hi)
                {
                    t.Add(2 * Math.Pow(10, e));
                    t.Add(5 * Math.Pow(10, e));
                }
            }

            yTicks = t.ToArray();
            y0 = Math.Pow(10, lo);
            y1 = Math.Pow(10, hi);
            yMap = v => Top + plotH - ((Math.Log10(v) - lo) / (hi - lo) * plotH);
        }
        else
        {
            (yTicks, y0, y1) = NiceTicks(yMin, yMax, 6, integer: false);
            double a = y0, b = y1;
            yMap = v => Top + plotH - ((v - a) / (b - a) * plotH);
        }

        double xa = x0, xb = x1;
        double XMap(double v) => Left + ((v - xa) / (xb - xa) * plotW);

        var sb = new StringBuilder();
        string id = "c" + ((uint)(Title.GetHashCode(StringComparison.Ordinal) ^ Series.Count)).ToString(CultureInfo.InvariantCulture);
        sb.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" role=\"img\" aria-label=\"{Html.Attr(Title)}\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">");
        sb.Append(CultureInfo.InvariantCulture, $"<title>{Html.Text(Title)}</title>");
        sb.Append(CultureInfo.InvariantCulture, $"<defs><clipPath id=\"{id}\"><rect x=\"{N(Left)}\" y=\"{N(Top)}\" width=\"{N(plotW)}\" height=\"{N(plotH)}\"/></clipPath></defs>");
        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{Height}\" fill=\"#ffffff\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(Left)}\" y=\"26\" class=\"ct\">{Html.Text(Title)}{(UsedLogScale ? " (log scale)" : string.Empty)}</text>");

        // Grid and y ticks.
        foreach (double t in yTicks)
        {
            if (t < y0 - 1e-12 || t > y1 + 1e-12)
            {
                continue;
            }

            double y = yMap(t);
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(Left)}\" y1=\"{N(y)}\" x2=\"{N(Left + plotW)}\" y2=\"{N(y)}\" class=\"grid\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(Left - 8)}\" y=\"{N(y + 4)}\" class=\"tick\" text-anchor=\"end\">{Html.Text(TickLabel(t, yTicks, UsedLogScale))}</text>");
        }

        foreach (double t in xTicks)
        {
            if (t < xa - 1e-9 || t > xb + 1e-9)
            {
                continue;
            }

            double x = XMap(t);
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(x)}\" y1=\"{N(Top)}\" x2=\"{N(x)}\" y2=\"{N(Top + plotH)}\" class=\"grid\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(x)}\" y1=\"{N(Top + plotH)}\" x2=\"{N(x)}\" y2=\"{N(Top + plotH + 5)}\" class=\"axis\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x)}\" y=\"{N(Top + plotH + 20)}\" class=\"tick\" text-anchor=\"middle\">{Html.Text(TickLabel(t, xTicks, log: false))}</text>");
        }

        // Axes and labels.
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(Left)}\" y1=\"{N(Top)}\" x2=\"{N(Left)}\" y2=\"{N(Top + plotH)}\" class=\"axis\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(Left)}\" y1=\"{N(Top + plotH)}\" x2=\"{N(Left + plotW)}\" y2=\"{N(Top + plotH)}\" class=\"axis\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(Left + (plotW / 2))}\" y=\"{N(Height - 14)}\" class=\"label\" text-anchor=\"middle\">{Html.Text(XLabel)}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"18\" y=\"{N(Top + (plotH / 2))}\" class=\"label\" text-anchor=\"middle\" transform=\"rotate(-90 18 {N(Top + (plotH / 2))})\">{Html.Text(YLabel)}</text>");

        // Lines.
        sb.Append(CultureInfo.InvariantCulture, $"<g clip-path=\"url(#{id})\">");
        foreach (ChartSeries s in Series)
        {
            bool markers = s.MarkersOnly || s.Points.Count <= 30;
            string radius = s.MarkersOnly ? "5" : s.Dashed ? "2.6" : "3";
            foreach (List<(double X, double Y)> segment in Segments(s.Points, UsedLogScale))
            {
                string pts = string.Join(" ", segment.Select(p => N(XMap(p.X)) + "," + N(yMap(Clamp(p.Y, y0, y1)))));
                if (segment.Count > 1 && !s.MarkersOnly)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{pts}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2.2\"{(s.Dashed ? " stroke-dasharray=\"7 4\"" : string.Empty)}/>");
                }

                if (markers || segment.Count == 1)
                {
                    foreach ((double x, double y) in segment)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(XMap(x))}\" cy=\"{N(yMap(Clamp(y, y0, y1)))}\" r=\"{radius}\" fill=\"{(s.Dashed ? "#ffffff" : s.Color)}\" stroke=\"{s.Color}\" stroke-width=\"{(s.MarkersOnly ? "2" : "1.4")}\"/>");
                    }
                }
            }
        }

        sb.Append("</g>");

        // Vertical markers (the kept epoch): a dotted line with its label at the top, staggered when there are several.
        for (int i = 0; i < VerticalMarkers.Count; i++)
        {
            (double mx, string color, string label) = VerticalMarkers[i];
            if (!double.IsFinite(mx) || mx < xa || mx > xb)
            {
                continue;
            }

            double x = XMap(mx);
            sb.Append(CultureInfo.InvariantCulture, $"<line class=\"marker\" x1=\"{N(x)}\" y1=\"{N(Top)}\" x2=\"{N(x)}\" y2=\"{N(Top + plotH)}\" stroke=\"{color}\" stroke-width=\"1.6\" stroke-dasharray=\"2 3\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x + 4)}\" y=\"{N(Top + 14 + (i * 15))}\" class=\"tick\" fill=\"{color}\">{Html.Text(label)}</text>");
        }

        // Legend: one entry per colour, then the line-style key.
        double lx = Left + plotW + 18, ly = Top + 8;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (ChartSeries s in Series)
        {
            if (!seen.Add(s.Name))
            {
                continue;
            }

            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(lx)}\" y=\"{N(ly - 9)}\" width=\"14\" height=\"14\" rx=\"2\" fill=\"{s.Color}\"/>");
            foreach (string line in LegendLines(s.Name))
            {
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(lx + 20)}\" y=\"{N(ly + 2)}\" class=\"legend\">{Html.Text(line)}</text>");
                ly += 17;
            }

            ly += 5;
        }

        if (ShowLineStyleKey)
        {
            ly += 8;
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(lx)}\" y1=\"{N(ly - 2)}\" x2=\"{N(lx + 28)}\" y2=\"{N(ly - 2)}\" stroke=\"#444444\" stroke-width=\"2.2\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(lx + 34)}\" y=\"{N(ly + 2)}\" class=\"legend\">training</text>");
            ly += 22;
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(lx)}\" y1=\"{N(ly - 2)}\" x2=\"{N(lx + 28)}\" y2=\"{N(ly - 2)}\" stroke=\"#444444\" stroke-width=\"2.2\" stroke-dasharray=\"7 4\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(lx + 34)}\" y=\"{N(ly + 2)}\" class=\"legend\">{Html.Text(DashedKey)}</text>");
        }

        if (MarkerKey is (string filled, string hollow))
        {
            ly += 8;
            sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(lx + 7)}\" cy=\"{N(ly - 2)}\" r=\"5\" fill=\"#444444\" stroke=\"#444444\" stroke-width=\"2\"/>");
            foreach (string line in LegendLines(filled))
            {
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(lx + 20)}\" y=\"{N(ly + 2)}\" class=\"legend\">{Html.Text(line)}</text>");
                ly += 17;
            }

            ly += 5;
            sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(lx + 7)}\" cy=\"{N(ly - 2)}\" r=\"5\" fill=\"#ffffff\" stroke=\"#444444\" stroke-width=\"2\"/>");
            foreach (string line in LegendLines(hollow))
            {
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(lx + 20)}\" y=\"{N(ly + 2)}\" class=\"legend\">{Html.Text(line)}</text>");
                ly += 17;
            }
        }

        sb.Append("</svg>");
        return sb.ToString();
    }

    private static IEnumerable<List<(double X, double Y)>> Segments(IReadOnlyList<(double X, double Y)> points, bool log)
    {
        var current = new List<(double, double)>();
        foreach ((double x, double y) in points)
        {
            if (double.IsFinite(y) && double.IsFinite(x) && (!log || y > 0))
            {
                current.Add((x, y));
            }
            else if (current.Count > 0)
            {
                yield return current;
                current = new List<(double, double)>();
            }
        }

        if (current.Count > 0)
        {
            yield return current;
        }
    }

    private static double Clamp(double v, double lo, double hi) => Math.Min(Math.Max(v, lo - ((hi - lo) * 0.02)), hi + ((hi - lo) * 0.02));

    /// <summary>A legend label on one line, or two when it has settings in parentheses ("AdamW" / "(lr=0.003,wd=0.01)").</summary>
    private static IEnumerable<string> LegendLines(string name)
    {
        const int Max = 20;
        int paren = name.IndexOf(" (", StringComparison.Ordinal);
        if (name.Length <= Max || paren < 0)
        {
            yield return Shorten(name, Max);
            yield break;
        }

        yield return Shorten(name[..paren], Max);
        yield return Shorten(name[(paren + 1)..], Max);
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string TickLabel(double v, double[] ticks, bool log)
    {
        double step = ticks.Length > 1 ? Math.Abs(ticks[1] - ticks[0]) : 1;
        if (Math.Abs(v) >= 1e5 || (v != 0 && Math.Abs(v) < 1e-3))
        {
            return v.ToString("0.#e+0", CultureInfo.InvariantCulture);
        }

        int decimals = step >= 1 ? 0 : (int)Math.Ceiling(-Math.Log10(step) - 1e-9);
        if (log)
        {
            // Log ticks: as many decimals as the value needs.
            decimals = v >= 1 ? 0 : (int)Math.Ceiling(-Math.Log10(v) - 1e-9);
        }

        return v.ToString("N" + Math.Min(6, decimals).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
