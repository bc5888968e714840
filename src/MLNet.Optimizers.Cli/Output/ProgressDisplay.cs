using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Training.Training;
using Spectre.Console;

namespace MLNet.Optimizers.Cli.Output;

/// <summary>
/// Shows training progress on stderr: a live Spectre.Console bar per run on a terminal (epoch, training loss, selection
/// metric, percentage of the most epochs, elapsed time), laid out to fit the terminal's width; on a redirected stream
/// plain lines for at most about 20 epochs of each run plus its last one, without escape sequences; nothing with
/// <c>--quiet</c>. Losses carry their unit; selection values are the selection rows', which choose the epoch.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Most plain progress lines per run (plus the last epoch).</summary>
    public const int PlainLinesPerRun = 20;

    /// <summary>The live bar's width in characters.</summary>
    public const int BarWidth = 12;

    /// <summary>Columns the live display uses besides the description: bar, percentage (4), elapsed time (8), and the spaces between.</summary>
    public const int FixedColumns = BarWidth + 4 + 8 + 3;

    /// <summary>Runs <paramref name="work"/>, giving it an observer per run (null when quiet).</summary>
    /// <param name="console">The streams.</param>
    /// <param name="quiet">Whether to show nothing.</param>
    /// <param name="runNames">The runs, in order.</param>
    /// <param name="lossUnit">The training loss's unit ("nats", "z²").</param>
    /// <param name="qualityName">The selection metric's name ("accuracy" or "R²").</param>
    /// <param name="work">The work; it calls the function with a run's index to get its observer.</param>
    public static void Run(CliConsole console, bool quiet, IReadOnlyList<string> runNames, string lossUnit, string qualityName, Action<Func<int, ITrainingObserver?>> work)
    {
        if (quiet)
        {
            work(_ => null);
            return;
        }

        int nameWidth = 0;
        foreach (string name in runNames)
        {
            nameWidth = Math.Max(nameWidth, name.Length);
        }

        if (!console.ErrorIsTerminal)
        {
            work(i => new PlainObserver(console.Error, runNames[i].PadRight(nameWidth), lossUnit, qualityName));
            return;
        }

        int budget = Math.Max(10, console.Width - FixedColumns - 1);
        console.Stderr.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = BarWidth }, new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var tasks = new ProgressTask[runNames.Count];
                for (int i = 0; i < runNames.Count; i++)
                {
                    tasks[i] = ctx.AddTask(Markup.Escape(Fit(runNames[i].PadRight(nameWidth) + "  waiting", budget)), autoStart: false, maxValue: 1);
                }

                work(i => new LiveObserver(tasks[i], runNames[i].PadRight(nameWidth), qualityName, budget));
                ctx.Refresh();
            });
    }

    /// <summary>The text of one plain progress line.</summary>
    /// <param name="name">The run.</param>
    /// <param name="epochs">The most epochs.</param>
    /// <param name="p">The report.</param>
    /// <param name="lossUnit">The loss's unit.</param>
    /// <param name="qualityName">The selection metric's name.</param>
    /// <returns>One line.</returns>
    public static string Describe(string name, int epochs, TrainingProgress p, string lossUnit, string qualityName)
    {
        int w = epochs.ToString(CultureInfo.InvariantCulture).Length;
        string text = string.Create(CultureInfo.InvariantCulture, $"{name}  epoch {p.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(w)}/{epochs}  loss {Format.Metric(p.Loss)} {lossUnit}");
        if (!double.IsNaN(p.ValidationLoss))
        {
            text += $"  sel. loss {Format.Metric(p.ValidationLoss)} {lossUnit}  sel. {Short(qualityName)} {Format.Metric(p.ValidationQuality)}";
        }

        return text;
    }

    /// <summary>The live bar's description, cut to <paramref name="budget"/> characters so the bar, percentage and time never wrap.</summary>
    /// <param name="name">The run.</param>
    /// <param name="epochs">The most epochs.</param>
    /// <param name="p">The report.</param>
    /// <param name="qualityName">The selection metric's name.</param>
    /// <param name="budget">The characters available.</param>
    /// <returns>The description.</returns>
    public static string Compact(string name, int epochs, TrainingProgress p, string qualityName, int budget)
    {
        string text = string.Create(CultureInfo.InvariantCulture, $"{name} {p.Epoch}/{epochs} loss {Format.Metric(p.Loss)}");
        if (!double.IsNaN(p.ValidationQuality))
        {
            text += $" sel. {Short(qualityName)} {Format.Metric(p.ValidationQuality)}";
        }

        return Fit(text, budget);
    }

    /// <summary>Text cut to a width (with an ellipsis).</summary>
    /// <param name="text">The text.</param>
    /// <param name="width">The width.</param>
    /// <returns>The text, at most <paramref name="width"/> characters.</returns>
    public static string Fit(string text, int width) => text.Length <= width ? text : text[..Math.Max(0, width - 1)] + "…";

    private static string Short(string quality) => quality == "accuracy" ? "acc" : quality;

    private sealed class PlainObserver : ITrainingObserver
    {
        private readonly TextWriter _writer;
        private readonly string _name;
        private readonly string _unit;
        private readonly string _quality;
        private int _epochs;
        private int _every = 1;
        private TrainingProgress? _last;
        private double _rate = double.NaN;

        public PlainObserver(TextWriter writer, string name, string unit, string quality)
        {
            _writer = writer;
            _name = name;
            _unit = unit;
            _quality = quality;
        }

        public void Started(int maxEpochs)
        {
            _epochs = maxEpochs;
            _every = Math.Max(1, (maxEpochs + PlainLinesPerRun - 1) / PlainLinesPerRun);
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_name}  training: at most {maxEpochs} epochs"));
        }

        public void Report(TrainingProgress progress)
        {
            if (!progress.EpochEnd)
            {
                return;
            }

            if (_last is TrainingProgress previous && progress.Epoch <= previous.Epoch)
            {
                // A refit on all rows starts again from epoch 1.
                _writer.WriteLine($"{_name}  refit on every training row:");
            }

            _last = progress;
            _rate = progress.ExamplesPerSecond;
            if (progress.Epoch == 1 || progress.Epoch % _every == 0 || progress.Epoch == _epochs)
            {
                _writer.WriteLine(Describe(_name, _epochs, progress, _unit, _quality));
            }
        }

        public void Finished(int epochsRun, int keptEpoch)
        {
            if (_last is TrainingProgress p && p.Epoch % _every != 0 && p.Epoch != 1 && p.Epoch != _epochs)
            {
                _writer.WriteLine(Describe(_name, _epochs, p, _unit, _quality));
            }

            string stop = epochsRun < _epochs ? string.Create(CultureInfo.InvariantCulture, $"stopped early after {epochsRun} epochs") : string.Create(CultureInfo.InvariantCulture, $"ran {epochsRun} epochs");
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_name}  {stop}; kept epoch {keptEpoch}; {Format.Rate(_rate)} examples/s"));
        }
    }

    private sealed class LiveObserver : ITrainingObserver
    {
        private readonly ProgressTask _task;
        private readonly string _name;
        private readonly string _quality;
        private readonly int _budget;
        private int _epochs;

        public LiveObserver(ProgressTask task, string name, string quality, int budget)
        {
            _task = task;
            _name = name;
            _quality = quality;
            _budget = budget;
        }

        public void Started(int maxEpochs)
        {
            _epochs = maxEpochs;
            _task.MaxValue = Math.Max(1, maxEpochs);
            _task.Value = 0;
            _task.Description = Markup.Escape(Fit(_name + "  starting", _budget));
            _task.StartTask();
        }

        public void Report(TrainingProgress progress)
        {
            _task.Value = Math.Min(_task.MaxValue, progress.EpochEnd ? progress.Epoch : progress.Epoch - 1);
            _task.Description = Markup.Escape(Compact(_name, _epochs, progress, _quality, _budget));
        }

        public void Finished(int epochsRun, int keptEpoch)
        {
            _task.Description = Markup.Escape(Fit(string.Create(CultureInfo.InvariantCulture, $"{_name} {epochsRun} epochs, kept {keptEpoch}"), _budget));
            _task.Value = _task.MaxValue;
            _task.StopTask();
        }
    }
}
