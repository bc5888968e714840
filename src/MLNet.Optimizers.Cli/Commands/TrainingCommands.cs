using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Output;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Reports;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>The <c>train</c> and <c>compare</c> verbs.</summary>
internal static class TrainingCommands
{
    /// <summary>Builds <c>train</c>.</summary>
    /// <param name="console">The streams.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    /// <returns>The command.</returns>
    public static Command Train(CliConsole console, CancellationToken cancellationToken)
    {
        var flags = new RunFlags("model");
        Option<string?> optimizer = Flags.Text("--optimizer", "name[:key=value,...]", "lion, adafactor, adamw or sgd, optionally with settings, e.g. adamw:lr=0.003,wd=0.01 [default: lion; with --config: the config's optimizer as written].");
        Option<string?> lr = Flags.Text("--learning-rate", "rate", $"Peak learning rate (5% linear warmup, then cosine decay to 0) [default: {DefaultsText(d => d.LearningRate)}].", "--lr");
        Option<string?> wd = Flags.Text("--weight-decay", "rate", $"Decoupled weight decay, biases excluded [default: {DefaultsText(d => d.WeightDecay)}].", "--wd");
        var command = new Command("train", "Train a model on a CSV file (or a pipeline config) and write the model, the pipeline config that repeats the run, metrics and an HTML report.");
        flags.AddTo(command, optimizer, lr, wd);
        command.SetAction(pr => CliApp.Guard(console, () =>
        {
            string? optText = pr.GetValue(optimizer);
            OptimizerSpec? spec = optText is null ? null : OptimizerSpec.Parse(optText, "--optimizer");
            var extra = new Dictionary<string, double>(StringComparer.Ordinal);
            if (Flags.Double("--learning-rate", pr.GetValue(lr), 0, double.PositiveInfinity, minExclusive: true) is double l)
            {
                extra["lr"] = l;
            }

            if (Flags.Double("--weight-decay", pr.GetValue(wd), 0, double.PositiveInfinity) is double w)
            {
                extra["wd"] = w;
            }

            RunRequest request = flags.Resolve(pr);
            if (spec is null && (extra.Count > 0 || request.FileTrainer is null))
            {
                // No --optimizer: the tool's default (Lion), or with a config file the optimizer class it names.
                string name = request.FileTrainer is null ? OptimizerSpec.Default.Name
                    : OptimizerSpec.NameOfKerasClass(request.Config.Trainer.Optimizer["class_name"]?.GetValue<string>() ?? string.Empty) ?? OptimizerSpec.Default.Name;
                spec = new OptimizerSpec { Name = name };
            }

            request = request with { Optimizer = spec?.With(extra) };
            return RunTrain(console, request, flags.OutputFolder(pr, request), pr.GetValue(flags.NoReport), pr.GetValue(flags.Quiet), cancellationToken);
        }));
        return command;
    }

    /// <summary>Builds <c>compare</c>.</summary>
    /// <param name="console">The streams.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    /// <returns>The command.</returns>
    public static Command Compare(CliConsole console, CancellationToken cancellationToken)
    {
        var flags = new RunFlags("compare");
        Option<string[]> optimizers = Flags.List("--optimizers", "name[:key=value,...]", "The optimizers to compare, space- or comma-separated, each optionally with settings [default: lion adafactor adamw sgd].");
        var command = new Command("compare", "Train the same model on the same data, split and seed with several optimizers; print their metrics side by side and write one report with every curve.");
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
    /// <returns>The specs (the four defaults when none are given).</returns>
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

    private static int RunTrain(CliConsole console, RunRequest request, string output, bool noReport, bool quiet, CancellationToken ct)
    {
        PreparedData data = PipelineBackend.Prepare(request);
        OutputFiles.EnsureDirectory(output, "--output");
        if (!quiet)
        {
            PrintDataSummary(console, data.Summary);
        }

        TrainedRun? run = null;
        string name = request.Optimizer?.Label ?? OptimizerSpec.DisplayNameOf(OptimizerSpec.NameOfKerasClass(request.Config.Trainer.Optimizer["class_name"]?.GetValue<string>() ?? string.Empty) ?? "optimizer");
        ProgressDisplay.Run(console, quiet, new[] { name }, data.Summary.QualityName, observer =>
        {
            run = PipelineBackend.Train(data, request, null, output, observer(0), ct);
        });

        string modelPath = Path.Combine(output, "model.mlnm");
        string configPath = Path.Combine(output, "config.json");
        string metricsPath = Path.Combine(output, "metrics.json");
        string reportPath = Path.Combine(output, "report.html");
        OutputFiles.WriteText(configPath, run!.ConfigJson());
        run.SaveModel(modelPath);
        OutputFiles.WriteText(metricsPath, OutputFiles.JsonText(MetricsJson.Document(data.Summary, new[] { run }, Array.Empty<(string, string)>())));
        if (!noReport)
        {
            OutputFiles.WriteText(reportPath, HtmlReport.Render(BuildReport(data.Summary, new[] { run }, Array.Empty<(string, string)>(), compare: false, request.Compute)));
        }

        PrintRun(console, run);
        console.Out.WriteLine($"model:   {modelPath}");
        console.Out.WriteLine($"config:  {configPath}");
        console.Out.WriteLine($"metrics: {metricsPath}");
        if (!noReport)
        {
            console.Out.WriteLine($"report:  {reportPath}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>Prints one trained run: the optimizer, the model and length, the metrics table and the confusion matrix.</summary>
    /// <param name="console">The streams.</param>
    /// <param name="run">The run.</param>
    public static void PrintRun(CliConsole console, TrainedRun run)
    {
        var columns = new List<(string, Evaluation)> { ("training rows", run.Training) };
        if (run.Validation != null)
        {
            columns.Add(("validation rows", run.Validation));
        }

        console.Out.WriteLine(run.OptimizerDescription);
        string kept = run.KeptBestEpoch
            ? string.Create(CultureInfo.InvariantCulture, $"; kept the weights of epoch {run.Result.BestEpoch} (lowest validation loss)")
            : string.Empty;
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{run.ModelDescription}; {run.History.Count} epochs{(run.Result.StoppedEarly ? " (stopped early)" : string.Empty)}, {run.Result.Steps:N0} steps in {Format.Seconds(run.Result.Seconds)}{kept}"));
        Tables.Metrics(console, "Metrics", columns, markBest: false);
        Evaluation shown = run.Validation ?? run.Training;
        if (shown.Confusion != null)
        {
            Tables.Confusion(console, run.Validation != null ? "Confusion matrix (validation rows)" : "Confusion matrix (training rows)", shown.Confusion);
        }
    }

    private static int RunCompare(CliConsole console, RunRequest request, IReadOnlyList<OptimizerSpec> specs, string output, bool noReport, bool quiet, CancellationToken ct)
    {
        PreparedData data = PipelineBackend.Prepare(request);
        OutputFiles.EnsureDirectory(output, "--output");
        if (!quiet)
        {
            PrintDataSummary(console, data.Summary);
        }

        var runs = new List<TrainedRun>();
        var failed = new List<(string Label, string Reason)>();
        ProgressDisplay.Run(console, quiet, specs.Select(x => x.Label).ToArray(), data.Summary.QualityName, observer =>
        {
            for (int i = 0; i < specs.Count; i++)
            {
                try
                {
                    runs.Add(PipelineBackend.Train(data, request, specs[i], output, observer(i), ct));
                }
                catch (CliException e) when (e.ExitCode == ExitCodes.Failure)
                {
                    failed.Add((specs[i].Label, e.Message));
                }
            }
        });

        foreach ((string label, string reason) in failed)
        {
            console.Error.WriteLine($"mlnet-opt: warning: {reason} It is left out of the comparison.");
        }

        if (runs.Count == 0)
        {
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

            OutputFiles.WriteText(Path.Combine(output, $"config-{name}.json"), run.ConfigJson());
        }

        string metricsPath = Path.Combine(output, "metrics.json");
        string reportPath = Path.Combine(output, "report.html");
        OutputFiles.WriteText(metricsPath, OutputFiles.JsonText(MetricsJson.Document(data.Summary, runs, failed)));
        if (!noReport)
        {
            OutputFiles.WriteText(reportPath, HtmlReport.Render(BuildReport(data.Summary, runs, failed, compare: true, request.Compute)));
        }

        foreach (TrainedRun run in runs)
        {
            console.Out.WriteLine(run.OptimizerDescription);
        }

        bool validation = runs[0].Validation != null;
        Tables.Metrics(
            console,
            validation ? "Validation metrics" : "Training metrics (no validation rows)",
            runs.Select(r => (r.Label, r.Validation ?? r.Training)).ToArray(),
            new (string, IReadOnlyList<string>)[]
            {
                ("epochs", runs.Select(r => r.History.Count.ToString(CultureInfo.InvariantCulture) + (r.KeptBestEpoch && r.Result.BestEpoch != r.History.Count ? string.Create(CultureInfo.InvariantCulture, $" (best {r.Result.BestEpoch})") : string.Empty)).ToArray()),
                ("training time", runs.Select(r => Format.Seconds(r.Result.Seconds)).ToArray()),
            });
        console.Out.WriteLine($"configs: {Path.Combine(output, "config-*.json")}");
        console.Out.WriteLine($"metrics: {metricsPath}");
        if (!noReport)
        {
            console.Out.WriteLine($"report:  {reportPath}");
        }

        return ExitCodes.Ok;
    }

    private static string DefaultsText(Func<(double LearningRate, double? WeightDecay, double Warmup), double?> pick) =>
        string.Join(", ", OptimizerSpec.Names.Select(n => OptimizerSpec.DisplayNameOf(n) + " " + (pick(OptimizerFactory.Defaults[n]) is double v ? v.ToString("G4", CultureInfo.InvariantCulture) : "none")));

    private static string FileName(string label)
    {
        var sb = new StringBuilder();
        foreach (char c in label.ToLowerInvariant())
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c == '.' ? c : '-');
        }

        return string.Join('-', sb.ToString().Split('-', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Prints the data and label lines.</summary>
    /// <param name="console">The streams.</param>
    /// <param name="d">The data summary.</param>
    public static void PrintDataSummary(CliConsole console, DataSummary d)
    {
        string columns = d.CategoricalColumns.Count == 0
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $" ({d.NumericColumns.Count} numeric, {d.CategoricalColumns.Count} categorical columns)");
        console.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"data:  {d.Path}: {d.Rows:N0} rows ({d.TrainingRows:N0} training, {d.ValidationRows:N0} validation), {d.FeatureCount} features{columns}"));
        string classes = d.ClassNames.Count == 0
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $", {d.ClassNames.Count} classes ({(d.ClassNames.Count <= 8 ? string.Join(", ", d.ClassNames) : string.Join(", ", d.ClassNames.Take(6)) + ", ..., " + d.ClassNames[^1])})");
        console.Out.WriteLine($"label: {d.Label}: {Names.Describe(d.Task)}{classes}");
    }

    /// <summary>The report of trained runs.</summary>
    /// <param name="d">The data summary.</param>
    /// <param name="runs">The runs.</param>
    /// <param name="failed">Runs left out: (label, reason).</param>
    /// <param name="compare">Whether it is a comparison (title).</param>
    /// <param name="compute">The compute provider.</param>
    /// <returns>The report content.</returns>
    public static ReportModel BuildReport(DataSummary d, IReadOnlyList<TrainedRun> runs, IReadOnlyList<(string Label, string Reason)> failed, bool compare, string compute)
    {
        string file = Path.GetFileName(d.Path);
        string title = compare
            ? $"{string.Join(" vs ", runs.Select(r => r.Label))} on {file}"
            : $"{runs[0].Label} on {file}";
        string subtitle = string.Create(
            CultureInfo.InvariantCulture,
            $"label '{d.Label}': {Names.Describe(d.Task)}{(d.ClassNames.Count > 0 ? $" ({d.ClassNames.Count} classes)" : string.Empty)} · {d.Rows:N0} rows: {d.TrainingRows:N0} training, {d.ValidationRows:N0} validation · {d.FeatureCount} features");
        bool validation = runs[0].Validation != null;
        string evaluationLabel = validation
            ? string.Create(CultureInfo.InvariantCulture, $"validation rows ({d.ValidationRows:N0})")
            : string.Create(CultureInfo.InvariantCulture, $"training rows ({d.TrainingRows:N0}; no validation rows were held out)");
        var reportRuns = runs.Select(r => new ReportRun(r.Label, r.OptimizerDescription, r.History, r.Validation ?? r.Training, r.Result.Seconds, r.Result.Steps, r.KeptBestEpoch ? r.Result.BestEpoch : 0)).ToArray();
        var settings = new List<(string, string)>(RunFlags.ReportSettings(runs[0].Config, d, runs[0].ModelDescription, compute));
        foreach ((string label, string reason) in failed)
        {
            settings.Add(($"{label} (not shown)", reason));
        }

        return new ReportModel(title, subtitle, evaluationLabel, d.LossName, d.QualityName, reportRuns, settings) { Generator = CliApp.ToolName + " (MLNet.Optimizers)" };
    }
}
