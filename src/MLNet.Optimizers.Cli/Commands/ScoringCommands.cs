using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using MLNet.Optimizers.Cli.Backend;
using MLNet.Optimizers.Cli.Data;
using MLNet.Optimizers.Cli.Output;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Cli.Commands;

/// <summary>The <c>evaluate</c> and <c>predict</c> verbs.</summary>
internal static class ScoringCommands
{
    /// <summary>Builds <c>evaluate</c>.</summary>
    /// <param name="console">The streams.</param>
    /// <returns>The command.</returns>
    public static Command Evaluate(CliConsole console)
    {
        Option<string?> model = ModelOption();
        Option<string?> data = Flags.Text("--data", "file.csv", "A CSV file with the label column (columns matched by name).", "-d");
        Option<string?> separator = Flags.Text("--separator", "char", "The field separator: one character or 'tab' [default: ,].");
        Option<string?> report = Flags.Text("--report", "file.html", "Also write an HTML report (metrics and, for classification, the confusion matrix).");
        Option<bool> json = Flags.Switch("--json", "Print the metrics as JSON instead of tables.");
        Option<bool> quiet = Flags.Switch("--quiet", "Print only the metrics.", "-q");
        var command = new Command("evaluate", "Score a labelled CSV file with a trained model and print its metrics (and the confusion matrix for classification).");
        foreach (Option o in new Option[] { model, data, separator, report, json, quiet })
        {
            command.Options.Add(o);
        }

        command.SetAction(pr => CliApp.Guard(console, () =>
        {
            string modelPath = ModelPath(pr.GetValue(model));
            string dataPath = pr.GetValue(data) ?? throw CliException.Usage("--data is required: the labelled CSV file to evaluate on.");
            char sep = Separator(pr.GetValue(separator));
            string? reportPath = pr.GetValue(report);
            if (reportPath != null)
            {
                OutputFiles.EnsureParent(reportPath, "--report");
            }

            ScoringModel m = PipelineBackend.LoadModel(modelPath);
            var labels = new List<float>();
            var predictions = new List<Prediction>();
            using (ScoringInput input = ScoringInput.Open(dataPath, sep, m, requireLabel: true))
            {
                for (ScoringChunk? chunk = input.ReadChunk(); chunk != null; chunk = input.ReadChunk())
                {
                    labels.AddRange(input.Labels(m, chunk));
                    predictions.AddRange(input.Predict(m, chunk));
                }
            }

            if (labels.Count == 0)
            {
                throw CliException.BadData($"data file '{dataPath}' has a header but no data rows: the data set is empty.");
            }

            Evaluation e = m.Evaluate(labels, predictions);
            if (reportPath != null)
            {
                var run = new ReportRun(Path.GetFileName(modelPath), m.Description, Array.Empty<Training.Training.EpochRecord>(), e, double.NaN, 0, 0);
                string subtitle = string.Create(CultureInfo.InvariantCulture, $"model {modelPath} · label '{m.Label}': {Names.Describe(m.Task)} · {e.Rows:N0} rows");
                var settings = new List<(string, string)> { ("model file", modelPath), ("model", m.Description), ("data file", dataPath) };
                OutputFiles.WriteText(reportPath, HtmlReport.Render(new ReportModel($"Evaluation of {Path.GetFileName(modelPath)} on {Path.GetFileName(dataPath)}", subtitle, string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(dataPath)} ({e.Rows:N0} rows)"), string.Empty, string.Empty, new[] { run }, settings) { Generator = CliApp.ToolName + " (MLNet.Optimizers)" }));
            }

            if (pr.GetValue(json))
            {
                var doc = MetricsJson.Evaluation(e);
                doc["model"] = modelPath;
                doc["data"] = dataPath;
                doc["task"] = Names.Format(Names.Tasks, m.Task);
                console.Out.Write(OutputFiles.JsonText(doc));
                return ExitCodes.Ok;
            }

            if (!pr.GetValue(quiet))
            {
                console.Out.WriteLine($"model: {modelPath}: {m.Description}");
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"data:  {dataPath}: {e.Rows:N0} rows, label '{m.Label}' ({Names.Describe(m.Task)})"));
            }

            Tables.Metrics(console, "Metrics", new[] { (Path.GetFileName(dataPath), e) });
            if (e.Confusion != null)
            {
                Tables.Confusion(console, "Confusion matrix", e.Confusion);
            }

            if (reportPath != null)
            {
                console.Out.WriteLine($"report: {reportPath}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Builds <c>predict</c>.</summary>
    /// <param name="console">The streams.</param>
    /// <returns>The command.</returns>
    public static Command Predict(CliConsole console)
    {
        Option<string?> model = ModelOption();
        Option<string?> data = Flags.Text("--data", "file.csv", "The CSV file to score (the label column may be absent; columns matched by name).", "-d");
        Option<string?> output = Flags.Text("--output", "file.csv", "Where to write the input rows with the predictions appended [default: stdout].", "-o");
        Option<string?> separator = Flags.Text("--separator", "char", "The field separator of input and output: one character or 'tab' [default: ,].");
        Option<bool> quiet = Flags.Switch("--quiet", "No summary line on stderr.", "-q");
        var command = new Command("predict", "Score a CSV file with a trained model: the input rows with PredictedLabel and one Probability.<class> column per class appended (Score for regression).");
        foreach (Option o in new Option[] { model, data, output, separator, quiet })
        {
            command.Options.Add(o);
        }

        command.SetAction(pr => CliApp.Guard(console, () =>
        {
            string modelPath = ModelPath(pr.GetValue(model));
            string dataPath = pr.GetValue(data) ?? throw CliException.Usage("--data is required: the CSV file to score.");
            char sep = Separator(pr.GetValue(separator));
            string? outputPath = pr.GetValue(output);
            if (outputPath != null)
            {
                OutputFiles.EnsureParent(outputPath, "--output");
            }

            ScoringModel m = PipelineBackend.LoadModel(modelPath);
            long rows = 0;
            using ScoringInput input = ScoringInput.Open(dataPath, sep, m, requireLabel: false);
            void WriteAll(TextWriter w)
            {
                var header = new List<string>(input.Header);
                if (m.Task == TaskKind.Regression)
                {
                    header.Add("Score");
                }
                else
                {
                    header.Add("PredictedLabel");
                    header.AddRange(m.ClassNames.Select(c => "Probability." + c));
                }

                WriteRecord(w, header, sep);
                for (ScoringChunk? chunk = input.ReadChunk(); chunk != null; chunk = input.ReadChunk())
                {
                    Prediction[] p = input.Predict(m, chunk);
                    for (int i = 0; i < p.Length; i++)
                    {
                        var record = new List<string>(chunk.Raw[i]);
                        if (m.Task == TaskKind.Regression)
                        {
                            record.Add(((float)p[i].Value).ToString("R", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            record.Add(m.ClassNames[(int)p[i].Value]);
                            record.AddRange(p[i].Probabilities.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
                        }

                        WriteRecord(w, record, sep);
                    }

                    rows += p.Length;
                }

                if (rows == 0)
                {
                    throw CliException.BadData($"data file '{dataPath}' has a header but no data rows: the data set is empty.");
                }
            }

            if (outputPath is null)
            {
                var buffer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
                WriteAll(buffer);
                console.Out.Write(buffer.ToString());
                console.Out.Flush();
            }
            else
            {
                OutputFiles.Write(outputPath, s =>
                {
                    using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
                    WriteAll(w);
                });
            }

            if (!pr.GetValue(quiet))
            {
                console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"predicted {rows:N0} rows with {modelPath} ({Names.Describe(m.Task)}){(outputPath is null ? string.Empty : " -> " + outputPath)}"));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Writes one CSV record, quoting fields that need it.</summary>
    /// <param name="w">The writer.</param>
    /// <param name="fields">The fields.</param>
    /// <param name="sep">The separator.</param>
    public static void WriteRecord(TextWriter w, IReadOnlyList<string> fields, char sep)
    {
        for (int i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                w.Write(sep);
            }

            string f = fields[i];
            bool quote = f.Length > 0 && (f.IndexOf(sep, StringComparison.Ordinal) >= 0 || f.IndexOfAny(new[] { '"', '\r', '\n' }) >= 0 || char.IsWhiteSpace(f[0]) || char.IsWhiteSpace(f[^1]));
            w.Write(quote ? "\"" + f.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : f);
        }

        w.Write('\n');
    }

    private static Option<string?> ModelOption() =>
        Flags.Text("--model", "file", "The model: a model.mlnm file, or the folder train wrote it to.", "-m");

    private static string ModelPath(string? value)
    {
        if (value is null)
        {
            throw CliException.Usage("--model is required: a model.mlnm file or the folder train wrote.");
        }

        return Directory.Exists(value) ? Path.Combine(value, "model.mlnm") : value;
    }

    private static char Separator(string? text)
    {
        if (text is null)
        {
            return ',';
        }

        return Names.TryParseSeparator(text, out char c) ? c : throw CliException.Usage($"--separator: expected one character (not a quote) or 'tab', got '{text}'.");
    }
}
