using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Output;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.MLNet.Tuning;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Tuning;


namespace MLNet.Optimizers.Cli.Commands;

/// <summary>
/// The <c>sweep</c> verb: tunes the optimizer and the model of a recipe with <see cref="RecipeTuner"/> (random search
/// over the optimizers' search spaces and the model space, successive halving, tuning rows or k folds of the training
/// part), shows each evaluation as it finishes, prints the leaderboard, retrains the best recipe on the training part
/// (exactly what <c>train --config best-config.json</c> does: the same epoch rule it was ranked with) and evaluates it
/// on the held-out rows, which chose nothing; writes the best recipe, the leaderboard (JSON and CSV), the model, its
/// metrics and a report.
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
        Option<string?> trials = Flags.Text("--trials", "n", "Candidates of one successive-halving bracket; trial 0 is the base recipe itself [default: 20]. With --time-budget, brackets of new candidates follow each other until the budget is spent.");
        Option<string?> maxEpochs = Flags.Text("--max-epochs", "n", "Epochs of the full budget (the last rung) [default: the recipe's trainer.epochs].");
        Option<string?> minEpochs = Flags.Text("--min-epochs", "n", "Epochs of the first rung of successive halving [default: the full budget / eta², at least 1].");
        Option<string?> eta = Flags.Text("--eta", "n", "Successive halving's reduction factor: each rung keeps the best 1/eta and trains eta times longer [default: 3].");
        Option<bool> noHalving = Flags.Switch("--no-halving", "Plain random search: every trial trains for the full budget.");
        Option<string?> timeBudget = Flags.Text("--time-budget", "duration", "Start no evaluation after this long, e.g. 90s, 5m, 1h30m; until then brackets of --trials candidates repeat [default: none: one bracket].");
        Option<string?> cv = Flags.Text("--cv", "k", "Score each trial by k-fold cross-validation of the training part (2 to 20 folds) instead of tuning rows.");
        Option<string?> tuning = Flags.Text("--tuning-fraction", "share", "Share of the training part that scores each trial (tuning rows: they choose the trial, so they are not held out), in (0, 1) [default: 0.2].");
        Option<string[]> optimizers = Flags.List("--optimizers", "names", $"The optimizers to search, comma-separated [default: {string.Join(",", OptimizerSpec.Names)}].");
        var command = new Command("sweep", "Tune the optimizer (learning rate, weight decay, moments) and the model (width, depth, activation, batch size) by random search with successive halving; print the leaderboard, retrain the best recipe and write it (train --config retrains it), the leaderboard, the model and a report.");
        flags.AddTo(command, trials, maxEpochs, minEpochs, eta, noHalving, timeBudget, cv, tuning, optimizers);
        command.SetAction(pr => CliApp.Guard(console, () =>
        {
            var options = new TunerOptions
            {
                Trials = Flags.Int("--trials", pr.GetValue(trials), 1, TunerOptions.MaxTrials) ?? 20,
                ReductionFactor = Flags.Int("--eta", pr.GetValue(eta), 2, 100) ?? 3,
                SuccessiveHalving = !pr.GetValue(noHalving),
                TimeBudget = ParseDuration("--time-budget", pr.GetValue(timeBudget)),
            };
            int? max = Flags.Int("--max-epochs", pr.GetValue(maxEpochs), 1, 1_000_000);
            int? min = Flags.Int("--min-epochs", pr.GetValue(minEpochs), 1, 1_000_000);
            int? folds = Flags.Int("--cv", pr.GetValue(cv), 2, 20);
            double? share = Flags.Double("--tuning-fraction", pr.GetValue(tuning), 0, 1, minExclusive: true);
            if (share is 1.0)
            {
                throw CliException.Usage($"--tuning-fraction: expected a number in (0, 1), got '{pr.GetValue(tuning)}'.");
            }

            if (folds != null && share != null)
            {
                throw CliException.Usage("--cv and --tuning-fraction exclude each other: score trials by k-fold cross-validation or on one share of tuning rows.");
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

    /// <summary>Parses <c>--optimizers</c> into search spaces.</summary>
    /// <param name="values">The raw values (null or empty: every registered optimizer).</param>
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
                _ => throw CliException.Usage($"--optimizers: unknown optimizer '{raw}'; expected {string.Join(", ", OptimizerSpec.Names)} (comma-separated){Suggest.DidYouMean(raw, OptimizerSpec.Names)}."),
            });
        }

        return spaces;
    }

    private static int Run(CliConsole console, RunRequest request, TunerOptions options, int? maxEpochs, int? minEpochs, IReadOnlyList<OptimizerSearchSpace> spaces, string output, bool noReport, bool quiet, CancellationToken ct)
    {
        PreparedData data = RecipeBackend.Prepare(request);
        DataSummary d = data.Summary;
        int budget = maxEpochs ?? request.Recipe.Trainer.Epochs;
        options.MaxEpochs = budget;
        options.MinEpochs = minEpochs ?? Math.Max(1, budget / (options.ReductionFactor * options.ReductionFactor));
        options.Seed = request.Recipe.Seed;
        options.Blas = RecipeBackend.Provider(request.Compute);
        ValidateOptions(options, minEpochs != null);
        var space = new RecipeSearchSpace { Optimizers = spaces, Model = new ModelSearchSpace() };
        IReadOnlyList<int> rungs = options.RungEpochs();
        OutputFolder folder = OutputFolder.Open(output, "--output");
        string scoredOn = options.Evaluation == TrialEvaluation.KFold
            ? $"{options.Folds} folds of the training part"
            : string.Create(CultureInfo.InvariantCulture, $"the tuning rows ({options.HoldoutFraction:0.##%} of the training part)");
        if (!quiet)
        {
            TrainingCommands.PrintDataSummary(console, d, request);
            foreach (string line in TrainingCommands.Wrap($"sweep: {Describe(options, rungs, spaces)}", console.Width))
            {
                console.Out.WriteLine(line);
            }
        }

        TuningResult result = null!;
        try
        {
            SweepProgress.Run(console, quiet, options, rungs, MetricLabel(d.Task), reporter =>
            {
                result = RecipeTuner.Run(data.Ml, request.Recipe, data.Train, space, options, reporter, ct);
            });
        }
        catch (OperationCanceledException)
        {
            throw new CliException(Interruption.ExitCode, $"{Interruption.What} before any evaluation finished: nothing was written; {folder.Abandon(null)}.");
        }
        catch (InvalidOperationException e)
        {
            folder.Abandon(null);
            throw new CliException(ExitCodes.Failure, CliException.OneLine(e.Message), e);
        }
        catch (RecipeException e)
        {
            folder.Abandon(null);
            throw CliException.BadRecipe("recipe", e);
        }
        catch (ArgumentException e)
        {
            folder.Abandon(null);
            throw CliException.BadData($"data file '{request.DataPath}': {CliException.OneLine(e.Message)}", e);
        }

        bool cancelled = result.StopReason == SweepStopReason.Cancelled;
        var board = SweepBoard.From(result);
        if (!quiet)
        {
            Tables.Leaderboard(console, board, MetricLabel(d.Task), result, scoredOn);
        }

        // The best recipe (with the epoch rule it was ranked with) and, unless cancelled, retrained: exactly train --config.
        Recipe best = result.BestRecipe;
        string configPath = Path.Combine(output, "best-config.json");
        string modelPath = Path.Combine(output, "model.zip");
        string metricsPath = Path.Combine(output, "metrics.json");
        string reportPath = Path.Combine(output, "report.html");
        string boardJson = Path.Combine(output, "leaderboard.json");
        string boardCsv = Path.Combine(output, "leaderboard.csv");
        Recipe saved = best.Clone();
        saved.Data.Path = RecipeBackend.RelativePath(output, request.DataPath);
        saved.Save(configPath);
        OutputFiles.WriteText(boardJson, OutputFiles.JsonText(board.ToJson(result, options, d)));
        OutputFiles.WriteText(boardCsv, board.ToCsv());
        TrainedRun? refit = null;
        if (!cancelled)
        {
            string name = $"trial {board.Best.Trial}";
            if (!quiet)
            {
                string rows = d.HoldoutRows > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"the training part ({d.TrainingRows:N0} rows: all but the {d.HoldoutRows:N0} held out)")
                    : string.Create(CultureInfo.InvariantCulture, $"all {d.Rows:N0} rows (none held out)");
                foreach (string line in TrainingCommands.Wrap($"retraining trial {board.Best.Trial} ({board.Best.OptimizerLabel}) on {rows}, as train --config {configPath} does:", console.Width))
                {
                    console.Out.WriteLine(line);
                }
            }

            try
            {
                ProgressDisplay.Run(console, quiet, new[] { name }, TrainingCommands.LossUnit(best), d.QualityName, observer =>
                {
                    refit = RecipeBackend.Fit(data, best, name, request.Compute, null, observer(0), ct);
                });
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
            }
        }

        if (refit != null)
        {
            TrainingCommands.WriteModel(data.Ml, refit, request, output, modelPath, Path.Combine(output, "config.json"));
            OutputFiles.WriteText(metricsPath, OutputFiles.JsonText(MetricsJson.Document(d, new[] { (refit, refit.Report.Seconds) }, Array.Empty<(string, string)>(), refit.FeatureCount)));
            if (!quiet)
            {
                TrainingCommands.PrintRun(console, refit, d);
            }
        }

        if (!noReport)
        {
            ReportModel? refitReport = refit is null ? null : TrainingCommands.BuildReport(d, new[] { refit }, Array.Empty<(string, string)>(), compare: false);
            var evaluations = result.Evaluations.Select(e => new SweepEvaluation(e.Trial, e.Rung, e.Epochs, e.Optimizer, e.Metric, e.Error)).ToArray();
            var rows = board.Rows.Select(r => new SweepReportRow(r.Rank, new SweepEvaluation(r.Trial, r.Result.Rung, r.Result.Epochs, r.Result.Optimizer, r.Result.Metric, r.Result.Error), r.TotalSeconds, r.LearningRate, r.WeightDecay, r.BatchSize, r.Model)).ToArray();
            var search = spaces.Select(s => (s.ClassName, string.Join("; ", s.Ranges.Select(DescribeRange)))).ToList();
            search.Add(("model", string.Join("; ", space.Model!.Ranges.Select(DescribeRange))));
            search.Add(("tuner", Describe(options, rungs, spaces)));
            var sweepReport = new SweepReportModel(
                $"Sweep on {Path.GetFileName(d.Path)}: {board.Rows.Count} trials",
                string.Create(CultureInfo.InvariantCulture, $"label '{d.Label}': {Names.Describe(d.Task)}{(d.ClassNames.Count > 0 ? $" ({d.ClassNames.Count} classes)" : string.Empty)} · {d.Rows:N0} rows: {d.TrainingRows:N0} training, {d.HoldoutRows:N0} held out"),
                d.Task,
                MetricLabel(d.Task),
                $"{MetricLabel(d.Task)} on {scoredOn}",
                evaluations,
                rungs,
                rows,
                search,
                result.Seconds,
                result.StopReason switch { SweepStopReason.TimeBudget => "stopped at its time budget", SweepStopReason.Cancelled => "was cancelled", _ => "completed" },
                refitReport)
            {
                Generator = CliApp.ToolName + " (MLNet.Optimizers)",
                NotRetrainedNote = "The sweep was cancelled, so the best recipe was not retrained; mlnet-opt train --config best-config.json trains it.",
                RefitHeading = $"Trial {board.Best.Trial} retrained on the training part: ",
            };
            OutputFiles.WriteText(reportPath, SweepReport.Render(sweepReport));
        }

        if (!quiet)
        {
            console.Out.WriteLine($"best recipe: {configPath} (mlnet-opt train --config {configPath} retrains the model)");
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
        }

        if (cancelled)
        {
            throw new CliException(Interruption.ExitCode, string.Create(CultureInfo.InvariantCulture, $"{Interruption.What} after {result.Evaluations.Count} evaluations; the leaderboard, best recipe and report of what finished were written to '{output}' (no model: retrain the best recipe with train --config)."));
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
            : string.Create(CultureInfo.InvariantCulture, $"tuning rows {options.HoldoutFraction:0.##%} of the training part");
        string budget = options.TimeBudget is TimeSpan t ? $", time budget {Format.Seconds(t.TotalSeconds)} (brackets repeat until it is spent)" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{options.Trials} trials of {string.Join(", ", spaces.Select(s => s.ClassName))} (and batch size, hidden width and depth, activation); {schedule}; {evaluation}, seed {options.Seed}{budget}");
    }

    /// <summary>A range in words with short numbers: <c>learning_rate: log 1e-05 to 0.00333, default 0.001</c>.</summary>
    private static string DescribeRange(SearchRange range) => range switch
    {
        FloatRange f => $"{f.Name}: {(f.Scale == SearchScale.Log ? "log " : string.Empty)}{OptimizerText.G(f.Min)} to {OptimizerText.G(f.Max)}, default {OptimizerText.G(f.Default)}",
        IntegerRange i => string.Create(CultureInfo.InvariantCulture, $"{i.Name}: {(i.Scale == SearchScale.Log ? "log " : string.Empty)}{i.Min} to {i.Max}, default {i.Default}"),
        ChoiceRange c => $"{c.Name}: {string.Join(", ", c.Values)}, default {c.Default}",
        _ => range.ToString(),
    };

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
