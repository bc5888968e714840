using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Output;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Pipelines;
using MLNet.Optimizers.Training.Tuning;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>
/// The <c>sweep</c> verb: tunes the optimizer and the model of a pipeline with <see cref="PipelineTuner"/> (random
/// search over the optimizers' search spaces and the model space, successive halving, holdout or k-fold), shows each
/// evaluation as it finishes, prints the leaderboard, retrains the best configuration on every row (exactly what
/// <c>train --config best-config.json</c> does) and writes the best config, the leaderboard (JSON and CSV), the model,
/// its metrics and a report.
/// </summary>
internal static class SweepCommand
{
    /// <summary>Builds <c>sweep</c>.</summary>
    /// <param name="console">The streams.</param>
    /// <param name="cancellationToken">Ctrl+C: stops the sweep and keeps what finished.</param>
    /// <returns>The command.</returns>
    public static Command Create(CliConsole console, CancellationToken cancellationToken)
    {
        var flags = new RunFlags("sweep", modelFlags: false);
        Option<string?> trials = Flags.Text("--trials", "n", "Candidates to draw; trial 0 is the base configuration itself [default: 20].");
        Option<string?> maxEpochs = Flags.Text("--max-epochs", "n", "Epochs of the full budget (the last rung) [default: the config's epochs; without --config, enough for about 2000 optimizer steps].");
        Option<string?> minEpochs = Flags.Text("--min-epochs", "n", "Epochs of the first rung of successive halving [default: the full budget / eta², at least 1].");
        Option<string?> eta = Flags.Text("--eta", "n", "Successive halving's reduction factor: each rung keeps the best 1/eta and trains eta times longer [default: 3].");
        Option<bool> noHalving = Flags.Switch("--no-halving", "Plain random search: every trial trains for the full budget.");
        Option<string?> timeBudget = Flags.Text("--time-budget", "duration", "Stop starting evaluations after this long, e.g. 90s, 5m, 1h30m [default: none].");
        Option<string?> cv = Flags.Text("--cv", "k", "Score each trial by k-fold cross-validation (2 to 20 folds) instead of a holdout.");
        Option<string?> holdout = Flags.Text("--holdout", "share", "Score each trial on this held-out share of the rows, in (0, 1) [default: 0.2].");
        Option<string[]> optimizers = Flags.List("--optimizers", "names", "The optimizers to search, comma-separated [default: lion,adafactor,adamw,sgd].");
        var command = new Command("sweep", "Tune the optimizer (learning rate, weight decay, moments) and the model (width, depth, activation, batch size) by random search with successive halving; print the leaderboard and write the best config (train --config retrains it), the leaderboard, the best model and a report.");
        flags.AddTo(command, trials, maxEpochs, minEpochs, eta, noHalving, timeBudget, cv, holdout, optimizers);
        command.SetAction(pr => CliApp.Guard(console, () =>
        {
            var options = new TunerOptions
            {
                Trials = Flags.Int("--trials", pr.GetValue(trials), 1, 10_000) ?? 20,
                ReductionFactor = Flags.Int("--eta", pr.GetValue(eta), 2, 100) ?? 3,
                SuccessiveHalving = !pr.GetValue(noHalving),
                TimeBudget = ParseDuration("--time-budget", pr.GetValue(timeBudget)),
            };
            int? max = Flags.Int("--max-epochs", pr.GetValue(maxEpochs), 1, 1_000_000);
            int? min = Flags.Int("--min-epochs", pr.GetValue(minEpochs), 1, 1_000_000);
            int? folds = Flags.Int("--cv", pr.GetValue(cv), 2, 20);
            double? share = Flags.Double("--holdout", pr.GetValue(holdout), 0, 1, minExclusive: true);
            if (share is 1.0)
            {
                throw CliException.Usage($"--holdout: expected a number in (0, 1), got '{pr.GetValue(holdout)}'.");
            }

            if (folds != null && share != null)
            {
                throw CliException.Usage("--cv and --holdout exclude each other: score trials by k-fold cross-validation or on one held-out share.");
            }

            if (folds is int k)
            {
                options.Evaluation = TrialEvaluation.KFold;
                options.Folds = k;
            }
            else
            {
                options.HoldoutFraction = share ?? options.HoldoutFraction;
            }

            IReadOnlyList<OptimizerSearchSpace> spaces = ParseSpaces(pr.GetValue(optimizers));
            RunRequest request = flags.Resolve(pr);
            return Run(console, request, options, max, min, spaces, flags.OutputFolder(pr, request), pr.GetValue(flags.NoReport), pr.GetValue(flags.Quiet), cancellationToken);
        }));
        return command;
    }

    /// <summary>Parses a positive duration: seconds as a plain number, or numbers with units h, m, s, ms (<c>90s</c>, <c>5m</c>, <c>1h30m</c>).</summary>
    /// <param name="flag">The flag.</param>
    /// <param name="text">The text (null: absent).</param>
    /// <returns>The duration, or null when absent.</returns>
    /// <exception cref="CliException">Not a positive duration (exit code 64).</exception>
    public static TimeSpan? ParseDuration(string flag, string? text)
    {
        if (text is null)
        {
            return null;
        }

        string t = text.Trim().ToLowerInvariant();
        double seconds = double.NaN;
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double plain))
        {
            seconds = plain;
        }
        else if (Regex.IsMatch(t, @"^(\d+(\.\d+)?(ms|h|m|s))+$", RegexOptions.CultureInvariant))
        {
            seconds = 0;
            foreach (Match m in Regex.Matches(t, @"(\d+(?:\.\d+)?)(ms|h|m|s)", RegexOptions.CultureInvariant))
            {
                double v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                seconds += m.Groups[2].Value switch { "h" => v * 3600, "m" => v * 60, "s" => v, _ => v / 1000 };
            }
        }

        if (!(seconds > 0) || !double.IsFinite(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw CliException.Usage($"{flag}: expected a positive duration such as 90s, 5m or 1h30m, got '{text}'.");
        }

        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Parses <c>--optimizers</c> into search spaces (Lion's derived from AdamW's by the 3-10x guidance).</summary>
    /// <param name="values">The raw values (null or empty: all four).</param>
    /// <returns>The spaces, in the order given.</returns>
    /// <exception cref="CliException">An unknown or repeated name (exit code 64).</exception>
    public static IReadOnlyList<OptimizerSearchSpace> ParseSpaces(string[]? values)
    {
        string[] names = Flags.SplitList(values);
        if (names.Length == 0)
        {
            names = OptimizerSpec.Names.ToArray();
        }

        var spaces = new List<OptimizerSearchSpace>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string raw in names)
        {
            string name = raw.ToLowerInvariant();
            if (!seen.Add(name))
            {
                throw CliException.Usage($"--optimizers: '{raw}' is listed twice.");
            }

            spaces.Add(name switch
            {
                "lion" => new LionSearchSpace(),
                "adafactor" => new AdafactorSearchSpace(),
                "adamw" => new AdamWSearchSpace(),
                "sgd" => new SgdSearchSpace(),
                _ => throw CliException.Usage($"--optimizers: unknown optimizer '{raw}'; expected lion, adafactor, adamw or sgd (comma-separated)."),
            });
        }

        return spaces;
    }

    /// <summary>The training rows of one trial: the tuner's training part (holdout, or the first fold), less the pipeline's validation share.</summary>
    /// <param name="rows">All rows.</param>
    /// <param name="options">The tuner's options.</param>
    /// <param name="validationFraction">The configuration's validation share.</param>
    /// <returns>The rows a trial trains on.</returns>
    public static int TrialTrainingRows(int rows, TunerOptions options, double validationFraction)
    {
        int part = options.Evaluation == TrialEvaluation.KFold
            ? rows - ((rows + options.Folds - 1) / options.Folds)
            : rows >= 2 ? DataSplit.TrainTestIndices(rows, options.HoldoutFraction, 0).Train.Length : rows;
        return validationFraction > 0 && part >= 2 ? DataSplit.TrainTestIndices(part, validationFraction, 0).Train.Length : part;
    }

    private static int Run(CliConsole console, RunRequest request, TunerOptions options, int? maxEpochs, int? minEpochs, IReadOnlyList<OptimizerSearchSpace> spaces, string output, bool noReport, bool quiet, CancellationToken ct)
    {
        PreparedData data = PipelineBackend.Prepare(request);
        DataSummary d = data.Summary;
        int trialRows = TrialTrainingRows(d.Rows, options, request.Config.Trainer.ValidationFraction);
        if (trialRows < 1)
        {
            throw CliException.BadData($"data file '{request.DataPath}' has {d.Rows} rows: too few to hold out evaluation rows and train.");
        }

        // The base configuration (trial 0): the tool's defaults or the config file, for the full budget.
        int budget = maxEpochs
            ?? (request.AutoEpochs ? PipelineBackend.AutoEpochs(PipelineBackend.StepsPerEpoch(trialRows, request.Config.Trainer.BatchSize)) : request.Config.Trainer.Epochs);
        options.MaxEpochs = budget;
        options.MinEpochs = minEpochs ?? Math.Max(1, budget / (options.ReductionFactor * options.ReductionFactor));
        options.Seed = request.Config.Seed;
        ValidateOptions(options, minEpochs != null);
        OptimizerSpec? spec = request.FileTrainer is null ? OptimizerSpec.Default : null;
        PipelineConfig baseConfig = PipelineBackend.Resolve(data, request, spec, trialRows, budget);
        var space = new PipelineSearchSpace { Optimizers = spaces, Model = new ModelSearchSpace() };

        OutputFiles.EnsureDirectory(output, "--output");
        IReadOnlyList<int> rungs = options.RungEpochs();
        if (!quiet)
        {
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"data:  {d.Path}: {d.Rows:N0} rows, {d.FeatureCount} features"));
            string classes = d.ClassNames.Count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", {d.ClassNames.Count} classes");
            console.Out.WriteLine($"label: {d.Label}: {Names.Describe(d.Task)}{classes}");
            console.Out.WriteLine($"sweep: {Describe(options, rungs, spaces)}");
        }

        TuningResult result = null!;
        SweepProgress.Run(console, quiet, options, rungs, MetricLabel(d.Task), reporter =>
        {
            try
            {
                result = PipelineTuner.Run(baseConfig, data.All, space, options, reporter, ct);
            }
            catch (InvalidOperationException e)
            {
                throw new CliException(ExitCodes.Failure, CliException.OneLine(e.Message), e);
            }
            catch (PipelineConfigException e)
            {
                throw CliException.BadConfig("configuration", e);
            }
            catch (ArgumentException e)
            {
                throw CliException.BadData($"data file '{request.DataPath}': {CliException.OneLine(e.Message)}", e);
            }
        });

        bool cancelled = result.StopReason == SweepStopReason.Cancelled;
        var board = SweepBoard.From(result, options.Trials);
        Tables.Leaderboard(console, board, MetricLabel(d.Task), result, options.Evaluation == TrialEvaluation.KFold ? $"mean of {options.Folds} folds" : "holdout rows");

        // The best configuration, adapted to training on every row, and (unless cancelled) retrained: exactly train --config.
        PipelineConfig best = result.BestConfig;
        TrainerConfig bt = best.Trainer;
        long trialSteps = bt.Epochs * PipelineBackend.StepsPerEpoch(TrialTrainingRows(d.Rows, options, bt.ValidationFraction), bt.BatchSize);
        long fullSteps = bt.Epochs * PipelineBackend.StepsPerEpoch(PipelineBackend.FromConfig(best).SplitValidation(data.All).Training.RowCount, bt.BatchSize);
        bt.Optimizer = OptimizerFactory.FitScheduleToRun(bt.Optimizer, trialSteps, fullSteps);
        string configPath = Path.Combine(output, "best-config.json");
        string modelPath = Path.Combine(output, "model.mlnm");
        string metricsPath = Path.Combine(output, "metrics.json");
        string reportPath = Path.Combine(output, "report.html");
        string boardJson = Path.Combine(output, "leaderboard.json");
        string boardCsv = Path.Combine(output, "leaderboard.csv");
        best.Data.Path = PipelineBackend.RelativePath(output, request.DataPath);
        OutputFiles.WriteText(configPath, best.ToJson() + "\n");
        OutputFiles.WriteText(boardJson, OutputFiles.JsonText(board.ToJson(result, options, d)));
        OutputFiles.WriteText(boardCsv, board.ToCsv());
        TrainedRun? refit = null;
        if (!cancelled)
        {
            string name = $"retrain {board.Best.Trial}";
            if (!quiet)
            {
                console.Out.WriteLine($"retraining trial {board.Best.Trial} ({board.Best.OptimizerLabel}) on all rows, as train --config {configPath} does:");
            }

            try
            {
                ProgressDisplay.Run(console, quiet, new[] { name }, d.QualityName, observer =>
                {
                    refit = PipelineBackend.Fit(data, best, request, null, output, observer(0), ct);
                });
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
            }
        }

        if (refit != null)
        {
            refit.SaveModel(modelPath);
            OutputFiles.WriteText(metricsPath, OutputFiles.JsonText(MetricsJson.Document(d, new[] { refit }, Array.Empty<(string, string)>())));
            TrainingCommands.PrintRun(console, refit);
        }

        if (!noReport)
        {
            ReportModel? refitReport = refit is null ? null : TrainingCommands.BuildReport(d, new[] { refit }, Array.Empty<(string, string)>(), compare: false, request.Compute);
            var sweepReport = new SweepReportModel(
                $"Sweep on {Path.GetFileName(d.Path)}: {board.Rows.Count} trials",
                string.Create(CultureInfo.InvariantCulture, $"label '{d.Label}': {Names.Describe(d.Task)}{(d.ClassNames.Count > 0 ? $" ({d.ClassNames.Count} classes)" : string.Empty)} · {d.Rows:N0} rows · {d.FeatureCount} features · {Describe(options, rungs, spaces)}"),
                d.Task,
                MetricLabel(d.Task),
                result,
                options,
                space,
                board.Rows.Select(r => new SweepReportRow(r.Rank, r.Result, r.TotalSeconds, r.LearningRate, r.WeightDecay, r.Model)).ToArray(),
                refitReport)
            {
                Generator = CliApp.ToolName + " (MLNet.Optimizers)",
                NotRetrainedNote = "The sweep was cancelled, so the best configuration was not retrained; mlnet-opt train --config best-config.json trains it.",
            };
            OutputFiles.WriteText(reportPath, SweepReport.Render(sweepReport));
        }

        console.Out.WriteLine($"best config: {configPath} (mlnet-opt train --config {configPath} retrains the model)");
        if (refit != null)
        {
            console.Out.WriteLine($"model:       {modelPath}");
            console.Out.WriteLine($"metrics:     {metricsPath}");
        }

        console.Out.WriteLine($"leaderboard: {boardJson}, {boardCsv}");
        if (!noReport)
        {
            console.Out.WriteLine($"report:      {reportPath}");
        }

        if (cancelled)
        {
            throw new CliException(ExitCodes.Cancelled, string.Create(CultureInfo.InvariantCulture, $"cancelled after {result.Evaluations.Count} evaluations; the leaderboard, best config and report of what finished were written to '{output}' (no model: retrain the best config with train --config)."));
        }

        return ExitCodes.Ok;
    }

    /// <summary>A one-line description of the search.</summary>
    private static string Describe(TunerOptions options, IReadOnlyList<int> rungs, IReadOnlyList<OptimizerSearchSpace> spaces)
    {
        string schedule = options.SuccessiveHalving && rungs.Count > 1
            ? $"successive halving (eta {options.ReductionFactor}) over {string.Join(", ", rungs)} epochs"
            : $"random search, {rungs[^1]} epochs each";
        string evaluation = options.Evaluation == TrialEvaluation.KFold
            ? $"{options.Folds}-fold cross-validation"
            : string.Create(CultureInfo.InvariantCulture, $"{options.HoldoutFraction:0.##%} holdout");
        string budget = options.TimeBudget is TimeSpan t ? $", time budget {Format.Seconds(t.TotalSeconds)}" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{options.Trials} trials of {string.Join(", ", spaces.Select(s => s.ClassName))} (and batch size, hidden width and depth, activation); {schedule}; {evaluation}, seed {options.Seed}{budget}");
    }

    private static void ValidateOptions(TunerOptions options, bool minGiven)
    {
        if (!minGiven && options.MinEpochs > options.MaxEpochs)
        {
            options.MinEpochs = options.MaxEpochs;
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            string flag = e.ParamName switch
            {
                nameof(TunerOptions.MinEpochs) => "--min-epochs",
                nameof(TunerOptions.MaxEpochs) => "--max-epochs",
                _ => e.ParamName ?? "option",
            };
            throw CliException.Usage($"{flag}: {CliException.OneLine(e.Message.Split(" (Parameter", StringSplitOptions.None)[0])}");
        }
    }

    /// <summary>The metric's display name for a task.</summary>
    /// <param name="task">The task.</param>
    /// <returns>"accuracy" or "R²".</returns>
    public static string MetricLabel(TaskKind task) => task == TaskKind.Regression ? "R²" : "accuracy";
}
