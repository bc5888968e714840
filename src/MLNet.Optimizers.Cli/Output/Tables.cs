using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MLNet.Optimizers.Reports;

namespace MLNet.Optimizers.Cli.Output;

/// <summary>The console tables: metrics side by side and the confusion matrix, laid out to fit the terminal.</summary>
internal static class Tables
{
    /// <summary>
    /// A metrics table: one row per metric (with its unit), one column per evaluation; the best value of each row marked
    /// when there are several runs; then one line per metric that is n/a (with the reason) and per note.
    /// </summary>
    /// <param name="console">The streams.</param>
    /// <param name="title">The table title.</param>
    /// <param name="columns">The column headers and their evaluations.</param>
    /// <param name="extraRows">More rows (already formatted), e.g. training time.</param>
    /// <param name="markBest">Whether to mark the best value of each row (runs side by side, not training vs held-out).</param>
    public static void Metrics(CliConsole console, string title, IReadOnlyList<(string Header, Evaluation Evaluation)> columns, IReadOnlyList<(string Name, IReadOnlyList<string> Values)>? extraRows = null, bool markBest = true)
    {
        var table = new TextTable().Column("metric", right: false);
        foreach ((string header, _) in columns)
        {
            table.Column(header);
        }

        IReadOnlyList<Metric> first = columns[0].Evaluation.Metrics;
        bool mark = markBest && columns.Count > 1;
        for (int m = 0; m < first.Count; m++)
        {
            double[] values = columns.Select(c => c.Evaluation.Metrics[m].Value).ToArray();
            int best = mark ? Metric.BestIndex(values, first[m].HigherIsBetter) : -1;
            string unit = columns.Select(c => c.Evaluation.Metrics[m].Unit).FirstOrDefault(u => u != null) is string u ? $" ({u})" : string.Empty;
            var cells = new List<string> { first[m].Name + unit };
            cells.AddRange(values.Select(Format.Metric));
            table.Row(cells, best < 0 ? -1 : best + 1);
        }

        foreach ((string name, IReadOnlyList<string> values) in extraRows ?? Array.Empty<(string, IReadOnlyList<string>)>())
        {
            table.Row(new[] { name }.Concat(values).ToArray());
        }

        table.Write(console, title);
        if (mark && !console.OutputIsTerminal)
        {
            console.Out.WriteLine("* best of the row");
        }

        var lines = new List<string>();
        foreach ((string header, Evaluation e) in columns)
        {
            string who = columns.Count > 1 ? header + ": " : string.Empty;
            lines.AddRange(e.Notes.Select(n => who + n));

            // A metric a note already names (the single class says which metrics it makes n/a) is not said twice.
            bool singleNote = e.Notes.Any(n => n.Contains("single class", StringComparison.Ordinal));
            lines.AddRange(e.Metrics
                .Where(x => x.Reason != null && !e.Notes.Any(n => n.Contains(x.Name, StringComparison.Ordinal)))
                .Select(x => $"{who}{x.Name} n/a: {(singleNote && x.Reason!.Contains("single class", StringComparison.Ordinal) ? "undefined with one class" : x.Reason)}"));
        }

        foreach (string line in lines.Distinct(StringComparer.Ordinal))
        {
            console.Out.WriteLine(line);
        }
    }

    /// <summary>A confusion matrix: rows are actual classes, columns predicted ones, with each row's recall; left to the report when too wide for the terminal.</summary>
    /// <param name="console">The streams.</param>
    /// <param name="title">The title.</param>
    /// <param name="confusion">The matrix.</param>
    public static void Confusion(CliConsole console, string title, ConfusionTable confusion)
    {
        int k = confusion.ClassNames.Count;
        var table = new TextTable().Column("actual \\ predicted", right: false);
        foreach (string c in confusion.ClassNames)
        {
            table.Column(c);
        }

        table.Column("recall");
        for (int r = 0; r < k; r++)
        {
            IReadOnlyList<double> row = confusion.Counts[r];
            double total = row.Sum();
            var cells = new List<string> { confusion.ClassNames[r] };
            cells.AddRange(row.Select(v => v.ToString("0.##", CultureInfo.InvariantCulture)));
            cells.Add(total > 0 ? Format.Metric(row[r] / total) : "n/a");
            table.Row(cells);
        }

        if (!table.FitsIn(console.Width))
        {
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{title}: {k} classes, too wide for {console.Width} columns; see the report."));
            return;
        }

        table.Write(console, title);
    }

    /// <summary>
    /// The leaderboard of a sweep: trial, optimizer, learning rate, weight decay, batch size, model, epochs, score and
    /// the trial's time over all its rungs (laid out to fit the terminal: numbers never wrap); then one line comparing the
    /// best trial with the base recipe (trial 0) and saying why the sweep ended.
    /// </summary>
    /// <param name="console">The streams.</param>
    /// <param name="board">The leaderboard.</param>
    /// <param name="metricLabel">The metric's display name.</param>
    /// <param name="result">The sweep.</param>
    /// <param name="scoredOn">What the metric was computed on.</param>
    /// <param name="maxRows">Rows shown (the rest are in leaderboard.csv).</param>
    public static void Leaderboard(CliConsole console, Commands.SweepBoard board, string metricLabel, MLNet.Tuning.TuningResult result, string scoredOn, int maxRows = 20)
    {
        var table = new TextTable()
            .Column("trial").Column("optimizer", right: false).Column("lr").Column("wd").Column("batch").Column("model", right: false).Column("epochs").Column(metricLabel).Column("time");
        foreach (Commands.BoardRow r in board.Rows.Take(maxRows))
        {
            string metric = r.Result.Error != null ? "failed" : Format.Metric(r.Result.Metric);
            table.Row(
                new[]
                {
                    r.Trial == 0 ? "0 base" : r.Trial.ToString(CultureInfo.InvariantCulture),
                    r.OptimizerLabel,
                    r.LearningRate,
                    r.WeightDecay,
                    r.BatchSize.ToString(CultureInfo.InvariantCulture),
                    r.Model,
                    r.Result.Epochs.ToString(CultureInfo.InvariantCulture),
                    metric,
                    r.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + "s",
                },
                r.Rank == 1 ? 7 : -1);
        }

        table.Write(console, $"Leaderboard ({metricLabel} on {scoredOn})");
        if (board.Rows.Count > maxRows)
        {
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"... and {board.Rows.Count - maxRows} more trials (leaderboard.csv)"));
        }

        Commands.BoardRow best = board.Best;
        string vsBase = board.Base is Commands.BoardRow d && best.Trial != 0 && d.Result.Error is null
            ? string.Create(CultureInfo.InvariantCulture, $"; the base recipe (trial 0) scored {Format.Metric(d.Result.Metric)} at {d.Result.Epochs} epochs")
            : best.Trial == 0 ? " (the base recipe)" : string.Empty;
        int failed = board.Rows.Count(r => r.Result.Error != null);
        string brackets = result.Brackets > 1 ? string.Create(CultureInfo.InvariantCulture, $" in {result.Brackets} brackets") : string.Empty;
        string line = string.Create(
            CultureInfo.InvariantCulture,
            $"best: trial {best.Trial} ({best.OptimizerLabel}), {metricLabel} {Format.Metric(best.Result.Metric)}{vsBase}. {result.Evaluations.Count} evaluations of {board.Rows.Count} trials{brackets} in {Format.Seconds(result.Seconds)}{(failed > 0 ? $", {failed} failed" : string.Empty)}; {Commands.SweepBoard.StopReason(result.StopReason)}.");
        foreach (string l in Commands.TrainingCommands.Wrap(line, console.Width))
        {
            console.Out.WriteLine(l);
        }

        if (failed > 0)
        {
            Commands.BoardRow first = board.Rows.First(r => r.Result.Error != null);
            console.Out.WriteLine($"first failure (trial {first.Trial}): {CliException.OneLine(first.Result.Error!)}");
        }
    }
}
