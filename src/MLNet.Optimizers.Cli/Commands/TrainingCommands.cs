using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.ML;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Output;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.MLNet;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>The <c>train</c> and <c>compare</c> verbs.</summary>
internal static class TrainingCommands
{
    /// <summary>Builds <c>train</c>.</summary>
    /// <param name="console">The streams.</param>
    /// <param name="cancellationToken">Ctrl+C or SIGTERM.</param>
    /// <returns>The command.</returns>
    public static Command Train(CliConsole console, CancellationToken cancellationToken)
    {
        var flags = new RunFlags("model");
        Option<string?> optimizer = Flags.Text("--optimizer", "name[:key=value,...]", $"{string.Join(", ", OptimizerSpec.Names)}, optionally with Keras config keys, e.g. adamw:lr=0.003,wd=0.01 (trainer.optimizer) [default: the recipe's; inferred recipes: the recommended {TrainingDefaults.CreateMlpOptimizer().ClassName} of the model, for an MLP with global clipping].");
        Option<string?> lr = Flags.Text("--learning-rate", "rate", "The optimizer's learning rate (trainer.optimizer.config.learning_rate).", "--lr");
        Option<string?> wd = Flags.Text("--weight-decay", "rate", "Decoupled weight decay (trainer.optimizer.config.weight_decay); by default an MLP decays every parameter, a linear model all but the biases (trainer.exclude_from_weight_decay).", "--wd");
        Option<string?> checkpoint = Flags.Text("--checkpoint", "file", "Write a trainer checkpoint to this file at every epoch end (and every --checkpoint-every steps); resume an interrupted run with --resume.");
        Option<string?> every = Flags.Text("--checkpoint-every", "steps", "With --checkpoint: also checkpoint every this many optimizer steps [default: epoch ends only].");
        Option<string?> resume = Flags.Text("--resume", "file", "Resume from a checkpoint written by the same command (same data, recipe, seed and compute provider); the model is bit-identical to an uninterrupted run.");
        var command = new Command("train", "Train a model on a CSV file (or a recipe) and write the ML.NET model (model.zip), the recipe that repeats the run (config.json), metrics and an HTML report.");
        flags.AddTo(command, optimizer, lr, wd);
        command.Options.Add(checkpoint);
        command.Options.Add(every);
        command.Options.Add(resume);
        command.SetAction(pr => CliApp.Guard(console, () =>
        {
            string? optText = pr.GetValue(optimizer);
            OptimizerSpec? spec = optText is null ? null : OptimizerSpec.Parse(optText, "--optimizer");
            Dictionary<string, double> keys = OptimizerKeys(pr, lr, wd);
            var checkpoints = new CheckpointSettings(
                Flags.Path("--checkpoint", pr.GetValue(checkpoint)),
                Flags.Int("--checkpoint-every", pr.GetValue(every), 1, int.MaxValue) ?? 0,
                Flags.Path("--resume", pr.GetValue(resume)));
            if (checkpoints.EverySteps > 0 && checkpoints.Path is null)
            {
                throw CliException.Usage("--checkpoint-every needs --checkpoint (the file to write).");
            }

            if (checkpoints.ResumeFrom is string from && !File.Exists(from))
            {
                throw new CliException(ExitCodes.NoInput, $"--resume: checkpoint '{from}' was not found.");
            }

            RunRequest request = flags.Resolve(pr, spec, keys);
            string label = spec?.With(keys).Label ?? LabelOf(request.Recipe, keys);
            return RunTrain(console, request, label, checkpoints, flags.OutputFolder(pr, request), pr.GetValue(flags.NoReport), pr.GetValue(flags.Quiet), cancellationToken);
        }));
        return command;
    }

    /// <summary>Builds <c>compare</c>.</summary>
    /// <param name="console">The streams.</param>
    /// <param name="cancellationToken">Ctrl+C or SIGTERM.</param>
    /// <returns>The command.</returns>
    public static Command Compare(CliConsole console, CancellationToken cancellationToken)
    {
        var flags = new RunFlags("compare");
        Option<string[]> optimizers = Flags.List("--optimizers", "name[:key=value,...]", $"The optimizers to compare, space- or comma-separated, each optionally with settings [default: {string.Join(" ", OptimizerSpec.Names)}].");
        var command = new Command("compare", "Train the same recipe on the same rows with several optimizers; print their held-out metrics side by side, write one report with every curve and the model of the winner (chosen on its selection rows, not on the held-out rows).");
        flags.AddTo(command, optimizers);
        command.SetAction(pr => CliApp.Guard(console, () =>
        {
            IReadOnlyList<OptimizerSpec> specs = ParseOptimizerList(pr.GetValue(optimizers));
            RunRequest request = flags.Resolve(pr);
            return RunCompare(console, request, specs, flags.OutputFolder(pr, request), pr.GetValue(flags.NoReport), pr.GetValue(flags.Quiet), cancellationToken);
        }));
        return command;
    }

    /// <summary>Parses the <c>--optimizers</c> values: space-separated specs, or comma-separated where a comma starts a new optimizer name.</summary>
    /// <param name="values">The raw values.</param>
    /// <returns>The specs (every registered optimizer when none are given).</returns>
    public static IReadOnlyList<OptimizerSpec> ParseOptimizerList(string[]? values)
    {
        if (values is null || values.Length == 0)
        {
            return OptimizerSpec.Names.Select(n => new OptimizerSpec { Name = n }).ToArray();
        }

        var specs = new List<OptimizerSpec>();
        foreach (string value in values)
        {
            var current = new StringBuilder();
            foreach (string part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                bool startsNew = !part.Contains('=', StringComparison.Ordinal) || OptimizerSpec.Names.Any(n => part.StartsWith(n + ":", StringComparison.OrdinalIgnoreCase));
                if (startsNew && current.Length > 0)
                {
                    specs.Add(OptimizerSpec.Parse(current.ToString(), "--optimizers"));
                    current.Clear();
                }

                current.Append(current.Length > 0 ? "," : string.Empty).Append(part);
            }

            if (current.Length > 0)
            {
                specs.Add(OptimizerSpec.Parse(current.ToString(), "--optimizers"));
            }
        }

        if (specs.Select(s => s.Label).Distinct(StringComparer.Ordinal).Count() != specs.Count)
        {
            throw CliException.Usage("--optimizers: the same optimizer with the same settings is listed twice.");
        }

        return specs;
    }

    /// <summary>The run label of a recipe's own optimizer: its class, with the keys flags set.</summary>
    /// <param name="recipe">The recipe.</param>
    /// <param name="keys">Keys set by flags.</param>
    /// <returns>"Lion", "Lion (lr=0.001)".</returns>
    public static string LabelOf(Recipe recipe, IReadOnlyDictionary<string, double>? keys = null)
    {
        string name = OptimizerSpec.DisplayNameOf(recipe.Trainer.Optimizer);
        if (keys is null || keys.Count == 0)
        {
            return name;
        }

        return $"{name} ({string.Join(",", keys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => (k.Key == "learning_rate" ? "lr" : k.Key == "weight_decay" ? "wd" : k.Key) + "=" + k.Value.ToString("G6", CultureInfo.InvariantCulture)))})";
    }

    private static Dictionary<string, double> OptimizerKeys(ParseResult pr, Option<string?> lr, Option<string?> wd)
    {
        var keys = new Dictionary<string, double>(StringComparer.Ordinal);
        if (Flags.Double("--learning-rate", pr.GetValue(lr), 0, double.PositiveInfinity, minExclusive: true) is double l)
        {
            keys["learning_rate"] = l;
        }

        if (Flags.Double("--weight-decay", pr.GetValue(wd), 0, double.PositiveInfinity) is double w)
        {
            keys["weight_decay"] = w;
        }

        return keys;
    }

    private static int RunTrain(CliConsole console, RunRequest request, string label, CheckpointSettings checkpoints, string output, bool noReport, bool quiet, CancellationToken ct)
    {
        PreparedData data = RecipeBackend.Prepare(request);
        OutputFolder folder = OutputFolder.Open(output, "--output");
        if (checkpoints.Path != null)
        {
            OutputFiles.EnsureOutputFile(checkpoints.Path, "--checkpoint");
        }

        if (!quiet)
        {
            PrintDataSummary(console, data.Summary, request);
        }

        TrainedRun? run = null;
        try
        {
            ProgressDisplay.Run(console, quiet, new[] { label }, LossUnit(request.Recipe), data.Summary.QualityName, observer =>
            {
                run = RecipeBackend.Fit(data, request.Recipe, label, request.Compute, checkpoints, observer(0), ct);
            });
        }
        catch (OperationCanceledException)
        {
            string kept = checkpoints.Path != null && File.Exists(checkpoints.Path) ? $"; the checkpoint '{checkpoints.Path}' is kept: resume with the same command and --resume {checkpoints.Path}" : string.Empty;
            throw new CliException(Interruption.ExitCode, $"{Interruption.What}: no model was written; {folder.Abandon(checkpoints.Path)}{kept}.");
        }
        catch (CliException)
        {
            folder.Abandon(checkpoints.Path);
            throw;
        }

        string modelPath = Path.Combine(output, "model.zip");
        string configPath = Path.Combine(output, "config.json");
        string metricsPath = Path.Combine(output, "metrics.json");
        string reportPath = Path.Combine(output, "report.html");
        WriteModel(data.Ml, run!, request, output, modelPath, configPath);
        OutputFiles.WriteText(metricsPath, OutputFiles.JsonText(MetricsJson.Document(data.Summary, new[] { (run!, run!.Report.Seconds) }, Array.Empty<(string, string)>(), run.FeatureCount)));
        if (!noReport)
        {
            OutputFiles.WriteText(reportPath, HtmlReport.Render(BuildReport(data.Summary, new[] { run }, Array.Empty<(string, string)>(), compare: false)));
        }

        if (quiet)
        {
            return ExitCodes.Ok;
        }

        PrintRun(console, run, data.Summary);
        console.Out.WriteLine($"model:   {modelPath} (ML.NET model with its CSV loader)");
        console.Out.WriteLine($"recipe:  {configPath} (mlnet-opt train --config {configPath} repeats the run)");
        console.Out.WriteLine($"metrics: {metricsPath}");
        if (!noReport)
        {
            console.Out.WriteLine($"report:  {reportPath}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>Writes model.zip (the ML.NET model with its loader, the recipe and the provenance) and the recipe file, the data path relative to the output folder.</summary>
    /// <param name="ml">The context.</param>
    /// <param name="run">The run.</param>
    /// <param name="request">The run's request.</param>
    /// <param name="output">The output folder.</param>
    /// <param name="modelPath">The model file.</param>
    /// <param name="configPath">The recipe file.</param>
    /// <returns>The recipe as written.</returns>
    public static Recipe WriteModel(MLContext ml, TrainedRun run, RunRequest request, string output, string modelPath, string configPath)
    {
        Recipe recipe = run.Recipe.Clone();
        recipe.Data.Path = RecipeBackend.RelativePath(output, request.DataPath);
        try
        {
            recipe.Save(configPath);
            RecipeModel.Save(ml, run.Model, recipe.CreateLoader(ml), modelPath, recipe, ModelProvenance.Current(RecipeBackend.Provider(request.Compute)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.CannotCreate, $"cannot write to '{output}': {CliException.OneLine(e.Message)}", e);
        }

        return recipe;
    }

    /// <summary>Prints one trained run: the optimizer, the model, what early stopping did, the metrics table and the confusion matrix.</summary>
    /// <param name="console">The streams.</param>
    /// <param name="run">The run.</param>
    /// <param name="d">The data.</param>
    public static void PrintRun(CliConsole console, TrainedRun run, DataSummary d)
    {
        OptimizerTrainingReport r = run.Report;
        console.Out.WriteLine(run.OptimizerDescription);
        foreach (string line in Wrap(RecipeBackend.DescribeModel(run.Recipe, run.FeatureCount, d.ClassNames.Count), console.Width))
        {
            console.Out.WriteLine(line);
        }

        foreach (string line in Wrap(StoppingText(run), console.Width))
        {
            console.Out.WriteLine(line);
        }

        var columns = new List<(string, Evaluation)> { ($"training part", run.Training) };
        if (run.Holdout != null)
        {
            columns.Add(("held-out rows", run.Holdout));
        }

        string title = run.Holdout != null
            ? string.Create(CultureInfo.InvariantCulture, $"Metrics: training part ({d.TrainingRows:N0} rows) and held-out rows ({d.HoldoutRows:N0}; they chose nothing)")
            : string.Create(CultureInfo.InvariantCulture, $"Metrics: training part ({d.TrainingRows:N0} rows; no rows were held out)");
        Tables.Metrics(console, title, columns, markBest: false);
        Evaluation shown = run.Holdout ?? run.Training;
        if (shown.Confusion != null)
        {
            Tables.Confusion(console, run.Holdout != null ? "Confusion matrix (held-out rows)" : "Confusion matrix (training part)", shown.Confusion);
        }
    }

    /// <summary>What early stopping did, in words: epochs run, why it stopped, the epoch kept and by which rule, the rows.</summary>
    /// <param name="run">The run.</param>
    /// <returns>One sentence.</returns>
    public static string StoppingText(TrainedRun run)
    {
        OptimizerTrainingReport r = run.Report;
        RecipeEarlyStopping? es = run.Recipe.Trainer.EarlyStopping;
        string rule = r.EpochRule switch
        {
            EpochRule.BestLoss => "lowest selection loss",
            EpochRule.BestMetric => "best selection " + (run.Recipe.Trainer.Task == TaskKind.Regression ? "R²" : "accuracy"),
            _ => "the last",
        };
        string ran = r.StoppedEarly
            ? string.Create(CultureInfo.InvariantCulture, $"{r.EpochsRun} epochs (stopped early: {es?.Patience} without improvement)")
            : string.Create(CultureInfo.InvariantCulture, $"{r.EpochsRun} epochs");
        string rows = r.SelectionRows > 0
            ? string.Create(CultureInfo.InvariantCulture, $"trained on {r.TrainingRows:N0} rows, {r.SelectionRows:N0} selection rows chose the epoch")
            : string.Create(CultureInfo.InvariantCulture, $"trained on {r.TrainingRows:N0} rows, no selection rows (every epoch runs, the last is kept)");
        string kept = r.SelectionRows > 0 ? string.Create(CultureInfo.InvariantCulture, $", kept epoch {r.KeptEpoch} ({rule})") : string.Empty;
        string refit = r.Refit ? string.Create(CultureInfo.InvariantCulture, $"; then refit on all {r.RefitRows:N0} training rows for {r.KeptEpoch} epochs") : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{ran}{kept}; {rows}{refit}; {run.Steps:N0} steps in {Format.Seconds(r.Seconds)}.");
    }

    private static int RunCompare(CliConsole console, RunRequest request, IReadOnlyList<OptimizerSpec> specs, string output, bool noReport, bool quiet, CancellationToken ct)
    {
        PreparedData data = RecipeBackend.Prepare(request);
        var recipes = new List<Recipe>();
        foreach (OptimizerSpec spec in specs)
        {
            Recipe r = request.Recipe.Clone();
            r.Trainer.Optimizer = spec.ToKerasObject("--optimizers", RecipeTrainer.CreateDefaultOptimizer(r.Trainer.Model));
            recipes.Add(r);
        }

        OutputFolder folder = OutputFolder.Open(output, "--output");
        if (!quiet)
        {
            PrintDataSummary(console, data.Summary, request);
        }

        var runs = new List<TrainedRun>();
        var failed = new List<(string Label, string Reason)>();
        try
        {
            ProgressDisplay.Run(console, quiet, specs.Select(x => x.Label).ToArray(), LossUnit(request.Recipe), data.Summary.QualityName, observer =>
            {
                for (int i = 0; i < specs.Count; i++)
                {
                    try
                    {
                        runs.Add(RecipeBackend.Fit(data, recipes[i], specs[i].Label, request.Compute, null, observer(i), ct));
                    }
                    catch (CliException e) when (e.ExitCode == ExitCodes.Failure)
                    {
                        failed.Add((specs[i].Label, e.Message));
                    }
                }
            });
        }
        catch (OperationCanceledException)
        {
            throw new CliException(Interruption.ExitCode, $"{Interruption.What}: nothing was written; {folder.Abandon(null)}.");
        }

        foreach ((string label, string reason) in failed)
        {
            console.Error.WriteLine($"mlnet-opt: warning: {reason} It is left out of the comparison.");
        }

        if (runs.Count == 0)
        {
            folder.Abandon(null);
            throw new CliException(ExitCodes.Failure, "every optimizer diverged; nothing to compare (try smaller learning rates).");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (TrainedRun run in runs)
        {
            string name = FileName(run.Label);
            for (int k = 2; !names.Add(name); k++)
            {
                name = FileName(run.Label) + "-" + k.ToString(CultureInfo.InvariantCulture);
            }

            Recipe r = run.Recipe.Clone();
            r.Data.Path = RecipeBackend.RelativePath(output, request.DataPath);
            r.Save(Path.Combine(output, $"config-{name}.json"));
        }

        TrainedRun winner = Winner(runs);
        string modelPath = Path.Combine(output, "model.zip");
        string configPath = Path.Combine(output, "config.json");
        string metricsPath = Path.Combine(output, "metrics.json");
        string reportPath = Path.Combine(output, "report.html");
        WriteModel(data.Ml, winner, request, output, modelPath, configPath);
        var document = MetricsJson.Document(data.Summary, runs.Select(r => (r, r.Report.Seconds)).ToArray(), failed, winner.FeatureCount);
        document["winner"] = winner.Label;
        document["winner_chosen_by"] = WinnerRule(winner);
        OutputFiles.WriteText(metricsPath, OutputFiles.JsonText(document));
        if (!noReport)
        {
            OutputFiles.WriteText(reportPath, HtmlReport.Render(BuildReport(data.Summary, runs, failed, compare: true)));
        }

        if (quiet)
        {
            return ExitCodes.Ok;
        }

        foreach (TrainedRun run in runs)
        {
            console.Out.WriteLine(run.OptimizerDescription);
        }

        bool holdout = runs[0].Holdout != null;
        Tables.Metrics(
            console,
            holdout ? string.Create(CultureInfo.InvariantCulture, $"Held-out metrics ({data.Summary.HoldoutRows:N0} rows; they chose nothing)") : "Training-part metrics (no rows were held out)",
            runs.Select(r => (r.Label, r.Holdout ?? r.Training)).ToArray(),
            new (string, IReadOnlyList<string>)[]
            {
                ("epochs run", runs.Select(r => r.Report.EpochsRun.ToString(CultureInfo.InvariantCulture)).ToArray()),
                ("kept epoch", runs.Select(r => r.Report.KeptEpoch.ToString(CultureInfo.InvariantCulture)).ToArray()),
                ("training time", runs.Select(r => Format.Seconds(r.Report.Seconds)).ToArray()),
            });
        console.Out.WriteLine($"winner: {winner.Label} ({WinnerRule(winner)})");
        console.Out.WriteLine($"model:   {modelPath} (the winner's)");
        console.Out.WriteLine($"recipes: {configPath} (the winner's), {Path.Combine(output, "config-*.json")}");
        console.Out.WriteLine($"metrics: {metricsPath}");
        if (!noReport)
        {
            console.Out.WriteLine($"report:  {reportPath}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// The winner of a comparison: the best selection metric at the kept epoch (the rows that chose the epoch), then the
    /// lowest selection loss, then the order given. Held-out rows choose nothing, not even the winner; without selection
    /// rows the training part's headline metric decides.
    /// </summary>
    /// <param name="runs">The runs.</param>
    /// <returns>The winner.</returns>
    public static TrainedRun Winner(IReadOnlyList<TrainedRun> runs)
    {
        static double Metric(TrainedRun r) => r.Report.SelectionRows > 0 ? r.Report.Kept.ValidationQuality : r.Training.Metrics[0].Value;
        static double Loss(TrainedRun r) => r.Report.SelectionRows > 0 ? r.Report.Kept.ValidationLoss : r.Report.Kept.TrainingLoss;
        return runs.Select((r, i) => (r, i))
            .OrderByDescending(x => double.IsFinite(Metric(x.r)) ? Metric(x.r) : double.NegativeInfinity)
            .ThenBy(x => double.IsFinite(Loss(x.r)) ? Loss(x.r) : double.PositiveInfinity)
            .ThenBy(x => x.i)
            .First().r;
    }

    private static string WinnerRule(TrainedRun winner) => winner.Report.SelectionRows > 0
        ? string.Create(CultureInfo.InvariantCulture, $"best selection {(winner.Recipe.Trainer.Task == TaskKind.Regression ? "R²" : "accuracy")} at the kept epoch, {Format.Metric(winner.Report.Kept.ValidationQuality)}; not chosen on the held-out rows")
        : "best training-part metric (no selection rows); not chosen on the held-out rows";

    /// <summary>The short unit of the training loss the progress shows.</summary>
    /// <param name="recipe">The recipe.</param>
    /// <returns>"nats", "z²" (squared error of the standardized label) or "u²" (of the label's units).</returns>
    public static string LossUnit(Recipe recipe) => recipe.Trainer.Task != TaskKind.Regression ? "nats" : recipe.Trainer.StandardizeLabel ? "z²" : "u²";

    private static string FileName(string label)
    {
        var sb = new StringBuilder();
        foreach (char c in label.ToLowerInvariant())
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c == '.' ? c : '-');
        }

        return string.Join('-', sb.ToString().Split('-', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Prints the data and label lines and the inference decisions.</summary>
    /// <param name="console">The streams.</param>
    /// <param name="d">The data summary.</param>
    /// <param name="request">The run (its decisions).</param>
    public static void PrintDataSummary(CliConsole console, DataSummary d, RunRequest request)
    {
        console.Out.WriteLine($"data:  {d.Path}");
        string dropped = d.DroppedColumns.Count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", {d.DroppedColumns.Count} not used");
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"       {d.Rows:N0} rows: {d.TrainingRows:N0} training, {d.HoldoutRows:N0} held out"));
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"       {d.NumericColumns.Count} numeric and {d.CategoricalColumns.Count} categorical feature columns{dropped}"));
        string classes = d.ClassNames.Count == 0
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $", {d.ClassNames.Count} classes ({(d.ClassNames.Count <= 8 ? string.Join(", ", d.ClassNames) : string.Join(", ", d.ClassNames.Take(6)) + ", ..., " + d.ClassNames[^1])})");
        foreach (string line in Wrap($"label: {d.Label}: {Names.Describe(d.Task)}{classes}", console.Width))
        {
            console.Out.WriteLine(line);
        }
        foreach (string decision in request.Decisions)
        {
            foreach (string line in Wrap("inferred: " + decision, console.Width))
            {
                console.Out.WriteLine(line);
            }
        }
    }

    /// <summary>Splits a line at spaces so that it fits a width (continuation lines indented).</summary>
    /// <param name="text">The text.</param>
    /// <param name="width">The width.</param>
    /// <returns>The lines.</returns>
    public static IEnumerable<string> Wrap(string text, int width)
    {
        string rest = text;
        string indent = string.Empty;
        while ((indent + rest).Length > width)
        {
            int cut = (indent + rest).LastIndexOf(' ', width) - indent.Length;
            if (cut <= 0)
            {
                break;
            }

            yield return indent + rest[..cut];
            rest = rest[(cut + 1)..];
            indent = "  ";
        }

        yield return indent + rest;
    }

    /// <summary>The report of trained runs.</summary>
    /// <param name="d">The data summary.</param>
    /// <param name="runs">The runs.</param>
    /// <param name="failed">Runs left out: (label, reason).</param>
    /// <param name="compare">Whether it is a comparison (title).</param>
    /// <returns>The report content.</returns>
    public static ReportModel BuildReport(DataSummary d, IReadOnlyList<TrainedRun> runs, IReadOnlyList<(string Label, string Reason)> failed, bool compare)
    {
        string file = Path.GetFileName(d.Path);
        string title = compare ? $"{string.Join(" vs ", runs.Select(r => r.Label))} on {file}" : $"{runs[0].Label} on {file}";
        string subtitle = string.Create(
            CultureInfo.InvariantCulture,
            $"label '{d.Label}': {Names.Describe(d.Task)}{(d.ClassNames.Count > 0 ? $" ({d.ClassNames.Count} classes)" : string.Empty)} · {d.Rows:N0} rows: {d.TrainingRows:N0} training, {d.HoldoutRows:N0} held out · {runs[0].FeatureCount} features");
        bool holdout = runs[0].Holdout != null;
        string evaluationLabel = holdout
            ? string.Create(CultureInfo.InvariantCulture, $"held-out rows ({d.HoldoutRows:N0}; they chose nothing)")
            : string.Create(CultureInfo.InvariantCulture, $"training part ({d.TrainingRows:N0} rows; no rows were held out)");
        var reportRuns = runs.Select(r => new ReportRun(r.Label, r.OptimizerDescription, r.Report.History, r.Holdout ?? r.Training, r.Report.Seconds, r.Steps, r.Report.KeptEpoch)).ToArray();
        TrainedRun first = runs[0];
        var settings = new List<(string, string)>
        {
            ("data file", d.Path),
            ("label", $"{d.Label} ({Names.Describe(d.Task)}{(d.ClassNames.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", {d.ClassNames.Count} classes") : string.Empty)})"),
            ("rows", string.Create(CultureInfo.InvariantCulture, $"{d.Rows:N0}: {d.TrainingRows:N0} training part ({first.Report.TrainingRows:N0} trained on, {first.Report.SelectionRows:N0} selection rows that chose the epoch), {d.HoldoutRows:N0} held out (seed {first.Recipe.Seed})")),
            ("features", string.Create(CultureInfo.InvariantCulture, $"{first.FeatureCount}: {d.NumericColumns.Count} numeric columns, {d.CategoricalColumns.Count} categorical{(d.CategoricalColumns.Count > 0 ? " (" + string.Join(", ", d.CategoricalColumns) + ")" : string.Empty)}{(d.DroppedColumns.Count > 0 ? "; not used: " + string.Join(", ", d.DroppedColumns) : string.Empty)}")),
            ("featurization", string.Join(", ", first.Recipe.Featurization.Select(s => s.Kind))),
            ("model", RecipeBackend.DescribeModel(first.Recipe, first.FeatureCount, d.ClassNames.Count)),
            ("training", StoppingText(first)),
            ("loss", d.LossName),
            ("compute", first.Compute),
        };
        foreach ((string label, string reason) in failed)
        {
            settings.Add(($"{label} (not shown)", reason));
        }

        string? selection = first.Report.SelectionRows > 0
            ? string.Create(CultureInfo.InvariantCulture, $"Dashed lines and the second chart: the {first.Report.SelectionRows:N0} selection rows split off the training part, which chose the kept epoch (dotted line); they are not held-out rows.")
            : null;
        return new ReportModel(title, subtitle, evaluationLabel, d.LossName, d.QualityName, reportRuns, settings) { Generator = CliApp.ToolName + " (MLNet.Optimizers)", SelectionNote = selection };
    }
}
