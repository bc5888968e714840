using System;
using System.Collections.Generic;
using System.Globalization;
using MLNet.Optimizers.MLNet.Tuning;
using Spectre.Console;

namespace MLNet.Optimizers.Cli.Output;

/// <summary>
/// Shows a sweep's progress on stderr as each evaluation finishes: on a terminal a live Spectre.Console bar over the
/// planned evaluations of a bracket (trial, rung, optimizer, score, best so far, elapsed time), laid out to fit the
/// terminal's width; redirected, one plain line per evaluation; nothing with <c>--quiet</c>.
/// </summary>
internal static class SweepProgress
{
    /// <summary>Runs <paramref name="work"/>, giving it the progress receiver to pass to the tuner (null when quiet).</summary>
    /// <param name="console">The streams.</param>
    /// <param name="quiet">Whether to show nothing.</param>
    /// <param name="options">The tuner's options (trials, planned evaluations).</param>
    /// <param name="rungs">The rungs' epochs.</param>
    /// <param name="metricLabel">The metric's display name.</param>
    /// <param name="work">The sweep.</param>
    public static void Run(CliConsole console, bool quiet, TunerOptions options, IReadOnlyList<int> rungs, string metricLabel, Action<IProgress<TrialResult>?> work)
    {
        if (quiet)
        {
            work(null);
            return;
        }

        var tracker = new Tracker(options.Trials, rungs, metricLabel);
        if (!console.ErrorIsTerminal)
        {
            work(new Receiver(r => console.Error.WriteLine(tracker.Add(r, compact: false))));
            return;
        }

        int budget = Math.Max(10, console.Width - ProgressDisplay.FixedColumns - 1);
        int planned = Math.Max(1, options.PlannedEvaluations());
        console.Stderr.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = ProgressDisplay.BarWidth }, new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask("sweep starting", maxValue: planned);
                int done = 0;
                work(new Receiver(r =>
                {
                    task.Description = Markup.Escape(ProgressDisplay.Fit(tracker.Add(r, compact: true), budget));

                    // A time budget may add brackets: the bar then counts them again from the start.
                    done = done + 1 > planned ? 1 : done + 1;
                    task.Value = done;
                }));
                task.Value = task.MaxValue;
                task.StopTask();
                ctx.Refresh();
            });
    }

    /// <summary>Delivers reports synchronously, on the tuner's thread (<see cref="Progress{T}"/> would post them elsewhere).</summary>
    private sealed class Receiver : IProgress<TrialResult>
    {
        private readonly Action<TrialResult> _action;

        public Receiver(Action<TrialResult> action) => _action = action;

        public void Report(TrialResult value) => _action(value);
    }

    /// <summary>Keeps the best score so far and formats one line per evaluation.</summary>
    private sealed class Tracker
    {
        private readonly int _trials;
        private readonly IReadOnlyList<int> _rungs;
        private readonly string _metric;
        private double _best = double.NaN;
        private int _bestTrial = -1;
        private int _bestRung = -1;

        public Tracker(int trials, IReadOnlyList<int> rungs, string metric)
        {
            _trials = trials;
            _rungs = rungs;
            _metric = metric;
        }

        /// <summary>Records an evaluation and describes it: the plain line names the metric and the seconds; the compact one (beside a live bar) does not.</summary>
        public string Add(TrialResult r, bool compact)
        {
            if (!double.IsNaN(r.Metric) && (r.Rung > _bestRung || (r.Rung == _bestRung && r.Metric > _best)))
            {
                (_best, _bestTrial, _bestRung) = (r.Metric, r.Trial, r.Rung);
            }

            int w = _trials.ToString(CultureInfo.InvariantCulture).Length;
            string score = r.Error is null ? (compact ? Format.Metric(r.Metric) : $"{_metric} {Format.Metric(r.Metric)}") : "failed";
            string best = _bestTrial < 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"  best {Format.Metric(_best)} (trial {_bestTrial})");
            if (compact)
            {
                return string.Create(CultureInfo.InvariantCulture, $"trial {r.Trial} r{r.Rung + 1}/{_rungs.Count} {r.Optimizer} {score}{(_bestTrial < 0 ? string.Empty : $" best {Format.Metric(_best)}")}");
            }

            string epochs = r.Epochs.ToString(CultureInfo.InvariantCulture).PadLeft(_rungs[^1].ToString(CultureInfo.InvariantCulture).Length);
            return string.Create(CultureInfo.InvariantCulture, $"trial {r.Trial.ToString(CultureInfo.InvariantCulture).PadLeft(w)}  rung {r.Rung + 1}/{_rungs.Count}  {epochs} ep  {r.Optimizer,-9}  {score}{best}  {Format.Seconds(r.Seconds)}");
        }
    }
}
