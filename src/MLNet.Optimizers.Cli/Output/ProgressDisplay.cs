using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Training.Training;
using Spectre.Console;

namespace MLNet.Optimizers.Cli.Output;

/// <summary>
/// Shows training progress on stderr: a live Spectre.Console bar per run on a terminal (epoch, loss, validation
/// metric, examples/s, percentage, elapsed time); on a redirected stream plain lines for at most about 20 epochs of
/// each run plus its last one, without escape sequences; nothing with <c>--quiet</c>.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Most plain progress lines per run (plus the last epoch).</summary>
    public const int PlainLinesPerRun = 20;

    /// <summary>Runs <paramref name="work"/>, giving it an observer per run (null when quiet).</summary>
    /// <param name="console">The streams.</param>
    /// <param name="quiet">Whether to show nothing.</param>
    /// <param name="runNames">The runs, in order.</param>
    /// <param name="qualityName">The validation metric's name ("accuracy" or "R²").</param>
    /// <param name="work">The work; it calls the function with a run's index to get its observer.</param>
    public static void Run(CliConsole console, bool quiet, IReadOnlyList<string> runNames, string qualityName, Action<Func<int, ITrainingObserver?>> work)
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
            work(i => new PlainObserver(console.Error, runNames[i].PadRight(nameWidth), qualityName));
            return;
        }

        console.Stderr.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var tasks = new ProgressTask[runNames.Count];
                for (int i = 0; i < runNames.Count; i++)
                {
                    tasks[i] = ctx.AddTask(Markup.Escape(runNames[i].PadRight(nameWidth)) + "  waiting", autoStart: false, maxValue: 1);
                }

                work(i => new LiveObserver(tasks[i], runNames[i].PadRight(nameWidth), qualityName));
                ctx.Refresh();
            });
    }

    /// <summary>The text of one progress report.</summary>
    /// <param name="name">The run.</param>
    /// <param name="epochs">Planned epochs.</param>
    /// <param name="p">The report.</param>
    /// <param name="qualityName">The validation metric's name.</param>
    /// <returns>One line.</returns>
    public static string Describe(string name, int epochs, TrainingProgress p, string qualityName)
    {
        int w = epochs.ToString(CultureInfo.InvariantCulture).Length;
        string text = string.Create(CultureInfo.InvariantCulture, $"{name}  epoch {p.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(w)}/{epochs}  loss {Format.Metric(p.Loss)}");
        if (!double.IsNaN(p.ValidationLoss))
        {
            text += $"  val loss {Format.Metric(p.ValidationLoss)}  val {qualityName} {Format.Metric(p.ValidationQuality)}";
        }

        return text + $"  {Format.Rate(p.ExamplesPerSecond)} ex/s";
    }

    private sealed class PlainObserver : ITrainingObserver
    {
        private readonly TextWriter _writer;
        private readonly string _name;
        private readonly string _quality;
        private int _epochs;
        private int _every = 1;

        public PlainObserver(TextWriter writer, string name, string quality)
        {
            _writer = writer;
            _name = name;
            _quality = quality;
        }

        public void Started(int epochs, long stepsPerEpoch)
        {
            _epochs = epochs;
            _every = Math.Max(1, (epochs + PlainLinesPerRun - 1) / PlainLinesPerRun);
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_name}  training: {epochs} epochs x {stepsPerEpoch} steps"));
        }

        public void Report(TrainingProgress progress)
        {
            if (progress.EpochEnd && (progress.Epoch == 1 || progress.Epoch % _every == 0 || progress.Epoch == _epochs))
            {
                _writer.WriteLine(Describe(_name, _epochs, progress, _quality));
            }
        }

        public void Finished()
        {
        }
    }

    private sealed class LiveObserver : ITrainingObserver
    {
        private readonly ProgressTask _task;
        private readonly string _name;
        private readonly string _quality;
        private int _epochs;

        public LiveObserver(ProgressTask task, string name, string quality)
        {
            _task = task;
            _name = name;
            _quality = quality;
        }

        public void Started(int epochs, long stepsPerEpoch)
        {
            _epochs = epochs;
            _task.MaxValue = Math.Max(1, epochs * stepsPerEpoch);
            _task.Value = 0;
            _task.Description = Markup.Escape(_name) + "  starting";
            _task.StartTask();
        }

        public void Report(TrainingProgress progress)
        {
            _task.Value = Math.Min(_task.MaxValue, progress.Step);
            _task.Description = Markup.Escape(Describe(_name, _epochs, progress, _quality));
            if (progress.EpochEnd && progress.Epoch == _epochs)
            {
                _task.Value = _task.MaxValue;
            }
        }

        public void Finished()
        {
            _task.Value = _task.MaxValue;
            _task.StopTask();
        }
    }
}
