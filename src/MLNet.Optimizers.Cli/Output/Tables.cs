using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Reports;
using Spectre.Console;

namespace MLNet.Optimizers.Cli.Output;

/// <summary>The console tables (Spectre.Console): metrics side by side and the confusion matrix.</summary>
internal static class Tables
{
    /// <summary>Confusion matrices with more classes than this are left to the report.</summary>
    public const int MaxConsoleClasses = 12;

    /// <summary>A metrics table: one row per metric, one column per evaluation; the best value of each row in bold (when there are several columns).</summary>
    /// <param name="console">The streams.</param>
    /// <param name="title">The table title.</param>
    /// <param name="columns">The column headers and their evaluations.</param>
    /// <param name="extraRows">More rows (already formatted), e.g. training time.</param>
    /// <param name="markBest">Whether to mark the best value of each row (runs side by side, not training vs validation).</param>
    public static void Metrics(CliConsole console, string title, IReadOnlyList<(string Header, Evaluation Evaluation)> columns, IReadOnlyList<(string Name, IReadOnlyList<string> Values)>? extraRows = null, bool markBest = true)
    {
        Table table = NewTable(console, title);
        table.AddColumn(new TableColumn("metric"));
        foreach ((string header, _) in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(header)).RightAligned());
        }

        IReadOnlyList<Metric> first = columns[0].Evaluation.Metrics;
        for (int m = 0; m < first.Count; m++)
        {
            double[] values = columns.Select(c => c.Evaluation.Metrics[m].Value).ToArray();
            int best = markBest && columns.Count > 1 ? Metric.BestIndex(values, first[m].HigherIsBetter) : -1;
            var cells = new List<string> { Markup.Escape(first[m].Name) };
            for (int c = 0; c < values.Length; c++)
            {
                string text = Markup.Escape(Format.Metric(values[c]));
                cells.Add(c == best && console.OutputIsTerminal ? $"[bold green]{text}[/]" : c == best ? text + " *" : text);
            }

            table.AddRow(cells.ToArray());
        }

        if (extraRows != null)
        {
            foreach ((string name, IReadOnlyList<string> values) in extraRows)
            {
                table.AddRow(new[] { Markup.Escape(name) }.Concat(values.Select(Markup.Escape)).ToArray());
            }
        }

        console.Stdout.Write(table);
        if (markBest && columns.Count > 1 && !console.OutputIsTerminal)
        {
            console.Out.WriteLine("* best of the row");
        }
    }

    /// <summary>A confusion matrix: rows are actual classes, columns predicted ones, with each row's recall.</summary>
    /// <param name="console">The streams.</param>
    /// <param name="title">The title.</param>
    /// <param name="confusion">The matrix.</param>
    public static void Confusion(CliConsole console, string title, ConfusionTable confusion)
    {
        int k = confusion.ClassNames.Count;
        if (k > MaxConsoleClasses)
        {
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{title}: {k} classes, too many for the console; see the report."));
            return;
        }

        Table table = NewTable(console, title);
        table.AddColumn(new TableColumn("actual \\ predicted"));
        foreach (string c in confusion.ClassNames)
        {
            table.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
        }

        table.AddColumn(new TableColumn("recall").RightAligned());
        for (int r = 0; r < k; r++)
        {
            IReadOnlyList<double> row = confusion.Counts[r];
            double total = row.Sum();
            var cells = new List<string> { Markup.Escape(confusion.ClassNames[r]) };
            for (int c = 0; c < k; c++)
            {
                string text = row[c].ToString("0.##", CultureInfo.InvariantCulture);
                cells.Add(r == c && console.OutputIsTerminal ? $"[bold]{text}[/]" : text);
            }

            cells.Add(total > 0 ? Format.Metric(row[r] / total) : "n/a");
            table.AddRow(cells.ToArray());
        }

        console.Stdout.Write(table);
    }

    /// <summary>
    /// The leaderboard of a sweep: rank, trial, optimizer, learning rate, weight decay, batch size, model, epochs,
    /// metric and the trial's time over all its rungs; then one line comparing the best trial with the base
    /// configuration (trial 0) and saying why the sweep ended.
    /// </summary>
    /// <param name="console">The streams.</param>
    /// <param name="board">The leaderboard.</param>
    /// <param name="metricLabel">The metric's display name.</param>
    /// <param name="result">The sweep.</param>
    /// <param name="scoredOn">What the metric was computed on ("holdout rows", "mean of 5 folds").</param>
    public static void Leaderboard(CliConsole console, Commands.SweepBoard board, string metricLabel, Training.Tuning.TuningResult result, string scoredOn)
    {
        Table table = NewTable(console, $"Leaderboard ({metricLabel} on the {scoredOn})");
        foreach (string h in new[] { "rank", "trial", "optimizer", "learning rate", "weight decay", "batch", "model", "epochs", metricLabel, "time" })
        {
            var column = new TableColumn(Markup.Escape(h));
            table.AddColumn(h is "optimizer" or "model" ? column : column.RightAligned());
        }

        foreach (Commands.BoardRow r in board.Rows)
        {
            string metric = r.Result.Error != null ? "failed" : Format.Metric(r.Result.Metric);
            string[] cells =
            {
                r.Rank.ToString(CultureInfo.InvariantCulture),
                r.Trial == 0 ? "0 (base)" : r.Trial.ToString(CultureInfo.InvariantCulture),
                r.OptimizerLabel,
                r.LearningRate,
                r.WeightDecay,
                r.BatchSize.ToString(CultureInfo.InvariantCulture),
                r.Model,
                r.Result.Epochs.ToString(CultureInfo.InvariantCulture),
                metric,
                Format.Seconds(r.TotalSeconds),
            };
            table.AddRow(cells.Select((c, i) => r.Rank == 1 && console.OutputIsTerminal && i == 8 ? $"[bold green]{Markup.Escape(c)}[/]" : Markup.Escape(c)).ToArray());
        }

        console.Stdout.Write(table);
        Commands.BoardRow best = board.Best;
        string vsBase = board.Default is Commands.BoardRow d && best.Trial != 0 && d.Result.Error is null
            ? string.Create(CultureInfo.InvariantCulture, $"; the base configuration (trial 0) scored {Format.Metric(d.Result.Metric)} at {d.Result.Epochs} epochs")
            : best.Trial == 0 ? " (the base configuration)" : string.Empty;
        int failed = board.Rows.Count(r => r.Result.Error != null);
        console.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"best: trial {best.Trial} ({best.OptimizerLabel}), {metricLabel} {Format.Metric(best.Result.Metric)}{vsBase}. {result.Evaluations.Count} evaluations of {board.Rows.Count} trials in {Format.Seconds(result.Seconds)}{(failed > 0 ? $", {failed} failed" : string.Empty)}; {Commands.SweepBoard.StopReason(result.StopReason)}."));
        if (failed > 0)
        {
            Commands.BoardRow first = board.Rows.First(r => r.Result.Error != null);
            console.Out.WriteLine($"first failure (trial {first.Trial}): {CliException.OneLine(first.Result.Error!)}");
        }
    }

    private static Table NewTable(CliConsole console, string title)
    {
        var table = new Table
        {
            Border = console.OutputIsTerminal ? TableBorder.Rounded : TableBorder.Ascii,
            Title = new TableTitle(Markup.Escape(title)),
        };
        return table;
    }
}
