using System.Collections.Generic;
using System.Threading;
using MLNet.Optimizers.Cli.Settings;
using MLNet.Optimizers.Reports;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>
/// THE SEAM between the command-line tool and the training library: every model construction, fit, save, load and
/// scoring goes through this interface, and the config file format lives behind it. The verbs, progress display,
/// tables, report and error handling only see the types in this file. <see cref="TrainingBackends.Current"/> picks
/// the implementation (one line to change when the pipeline API takes over).
/// </summary>
internal interface ITrainingBackend
{
    /// <summary>Reads a run config file into settings (data paths resolved against the file's folder).</summary>
    /// <param name="path">The config file.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="CliException">The file is missing (66) or malformed (65, naming the JSON path and the value).</exception>
    RunSettings ReadConfig(string path);

    /// <summary>Loads and splits the data of a run (the data file has been checked by <c>DataInspector</c>).</summary>
    /// <param name="settings">The run settings (data section, split, normalization, seed).</param>
    /// <returns>The prepared data, shared by every run of a comparison.</returns>
    IPreparedData Prepare(RunSettings settings);

    /// <summary>Builds the model and the optimizer and trains.</summary>
    /// <param name="data">The prepared data.</param>
    /// <param name="settings">The run settings (model, trainer, seed).</param>
    /// <param name="optimizer">The optimizer to train with (overrides <see cref="RunSettings.Optimizer"/>).</param>
    /// <param name="observer">Receives the run's size and its progress, or null.</param>
    /// <param name="cancellationToken">Cancels between steps.</param>
    /// <returns>The trained run.</returns>
    ITrainedRun Train(IPreparedData data, RunSettings settings, OptimizerSpec optimizer, ITrainingObserver? observer, CancellationToken cancellationToken);

    /// <summary>Loads a model file written by <see cref="ITrainedRun.SaveModel"/>.</summary>
    /// <param name="path">The model file.</param>
    /// <returns>The model.</returns>
    /// <exception cref="CliException">The file is missing (66) or damaged (65).</exception>
    IScoringModel LoadModel(string path);
}

/// <summary>Receives a run's size before it starts and its progress while it trains.</summary>
internal interface ITrainingObserver
{
    /// <summary>Called once before the first step.</summary>
    /// <param name="epochs">Planned epochs.</param>
    /// <param name="stepsPerEpoch">Optimizer steps per epoch.</param>
    void Started(int epochs, long stepsPerEpoch);

    /// <summary>Called during training (every few steps and at every epoch end).</summary>
    /// <param name="progress">The report.</param>
    void Report(TrainingProgress progress);

    /// <summary>Called once after the last step (also when early stopping ended the run).</summary>
    void Finished();
}

/// <summary>Loaded and split data.</summary>
internal interface IPreparedData
{
    /// <summary>What the data is.</summary>
    DataSummary Summary { get; }
}

/// <summary>A description of prepared data.</summary>
/// <param name="Path">The CSV file.</param>
/// <param name="Label">The label column.</param>
/// <param name="Task">The task (given or inferred).</param>
/// <param name="ClassNames">The classes (empty for regression).</param>
/// <param name="Rows">All rows.</param>
/// <param name="TrainingRows">Rows trained on.</param>
/// <param name="ValidationRows">Rows held out (0 without validation).</param>
/// <param name="FeatureCount">Features after one-hot expansion.</param>
/// <param name="NumericColumns">The numeric feature columns.</param>
/// <param name="CategoricalColumns">The categorical feature columns (one-hot).</param>
/// <param name="LossName">The training loss ("cross-entropy", "log loss", "squared error (standardized label)").</param>
/// <param name="QualityName">The validation metric the trainer reports ("accuracy" or "R²").</param>
internal sealed record DataSummary(
    string Path,
    string Label,
    TaskKind Task,
    IReadOnlyList<string> ClassNames,
    int Rows,
    int TrainingRows,
    int ValidationRows,
    int FeatureCount,
    IReadOnlyList<string> NumericColumns,
    IReadOnlyList<string> CategoricalColumns,
    string LossName,
    string QualityName);

/// <summary>A finished training run.</summary>
internal interface ITrainedRun
{
    /// <summary>The optimizer as asked for.</summary>
    OptimizerSpec Optimizer { get; }

    /// <summary>One line describing the optimizer as built (class, learning rate and schedule, weight decay, ...).</summary>
    string OptimizerDescription { get; }

    /// <summary>One line describing the model (layers, activation, parameters).</summary>
    string ModelDescription { get; }

    /// <summary>The settings with every automatic choice made (task, epochs, exact optimizer).</summary>
    RunSettings Resolved { get; }

    /// <summary>Per-epoch history.</summary>
    IReadOnlyList<EpochRecord> History { get; }

    /// <summary>Optimizer steps taken.</summary>
    long Steps { get; }

    /// <summary>Training wall time in seconds.</summary>
    double Seconds { get; }

    /// <summary>Whether early stopping ended training.</summary>
    bool StoppedEarly { get; }

    /// <summary>The best validation epoch (0 without validation).</summary>
    int BestEpoch { get; }

    /// <summary>Metrics on the training rows.</summary>
    Evaluation Training { get; }

    /// <summary>Metrics on the validation rows (null without validation).</summary>
    Evaluation? Validation { get; }

    /// <summary>The config file text that repeats this run (<c>train --config</c>).</summary>
    /// <param name="configDirectory">The folder the config file will be in (the data path is written relative to it).</param>
    /// <returns>JSON text.</returns>
    string ConfigJson(string configDirectory);

    /// <summary>Saves the model (atomically).</summary>
    /// <param name="path">The model file.</param>
    /// <param name="configDirectory">Where the run's config file is (for the config stored in the model).</param>
    void SaveModel(string path, string configDirectory);
}

/// <summary>A trained model loaded for scoring.</summary>
internal interface IScoringModel
{
    /// <summary>The task.</summary>
    TaskKind Task { get; }

    /// <summary>The label column it was trained on.</summary>
    string Label { get; }

    /// <summary>The columns of the training file, in order (the label included).</summary>
    IReadOnlyList<string> SourceColumns { get; }

    /// <summary>The columns a row to score must have (the features).</summary>
    IReadOnlyList<string> FeatureColumns { get; }

    /// <summary>The classes (empty for regression).</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>One line describing the model.</summary>
    string Description { get; }

    /// <summary>Scores rows given in <see cref="SourceColumns"/> order (the label field may be empty).</summary>
    /// <param name="rows">The rows.</param>
    /// <returns>One prediction per row.</returns>
    /// <exception cref="CsvFormatException">A value is not a number or is missing (the exception names the column; the caller adds the line).</exception>
    Prediction[] Predict(IReadOnlyList<IReadOnlyList<string>> rows);

    /// <summary>Encodes a label value.</summary>
    /// <param name="value">The raw label text.</param>
    /// <returns>The class index or the number.</returns>
    /// <exception cref="CsvFormatException">Not a known class, or not a number for regression.</exception>
    float EncodeLabel(string value);

    /// <summary>Metrics of predictions against encoded labels.</summary>
    /// <param name="labels">Encoded labels.</param>
    /// <param name="predictions">The predictions, one per label.</param>
    /// <returns>The metrics.</returns>
    Evaluation Evaluate(IReadOnlyList<float> labels, IReadOnlyList<Prediction> predictions);
}

/// <summary>One prediction.</summary>
/// <param name="Value">Regression: the predicted value. Classification: the predicted class index.</param>
/// <param name="Score">Regression: the value. Binary: the raw margin (logit). Multiclass: the top probability.</param>
/// <param name="Probabilities">Classification: the probability of each class; empty for regression.</param>
internal sealed record Prediction(double Value, double Score, float[] Probabilities);

/// <summary>A row that could not be scored.</summary>
internal sealed class ScoringRowException : System.Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="row">The 0-based row index in the batch.</param>
    /// <param name="inner">Why (names the column).</param>
    public ScoringRowException(int row, CsvFormatException inner)
        : base(inner.Message, inner)
    {
        Row = row;
        Format = inner;
    }

    /// <summary>The 0-based row index in the batch.</summary>
    public int Row { get; }

    /// <summary>The format error.</summary>
    public CsvFormatException Format { get; }
}
