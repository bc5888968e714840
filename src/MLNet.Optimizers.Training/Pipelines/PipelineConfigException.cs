using System;

namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>
/// A pipeline configuration that cannot be used: the message starts with the JSON path of the offending entry and says
/// why, with the value received (<c>$.trainer.optimizer.config.beta_1: beta_1 must be in (0, 1], got 1.5.</c>). Thrown
/// by <see cref="PipelineConfig.Parse"/>, <see cref="PipelineConfig.Validate"/> and everything that validates a
/// configuration, always before any training starts.
/// </summary>
public sealed class PipelineConfigException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="jsonPath">The JSON path of the offending entry (<c>$</c> for the whole document).</param>
    /// <param name="reason">Why it was rejected, with the value received.</param>
    /// <param name="inner">The error behind it (for example the core's <see cref="Serialization.OptimizerConfigException"/>), if any.</param>
    public PipelineConfigException(string jsonPath, string reason, Exception? inner = null)
        : this(jsonPath, reason, null, inner)
    {
    }

    /// <summary>Creates the exception for a configuration read from a file.</summary>
    /// <param name="jsonPath">The JSON path of the offending entry.</param>
    /// <param name="reason">Why it was rejected, with the value received.</param>
    /// <param name="filePath">The configuration file, or null.</param>
    /// <param name="inner">The error behind it, if any.</param>
    public PipelineConfigException(string jsonPath, string reason, string? filePath, Exception? inner)
        : base(filePath is null ? $"{jsonPath}: {reason}" : $"pipeline config '{filePath}': {jsonPath}: {reason}", inner)
    {
        ArgumentNullException.ThrowIfNull(jsonPath);
        ArgumentNullException.ThrowIfNull(reason);
        JsonPath = jsonPath;
        Reason = reason;
        FilePath = filePath;
    }

    /// <summary>The JSON path of the offending entry, e.g. <c>$.featurizers[1].columns[0]</c>.</summary>
    public string JsonPath { get; }

    /// <summary>Why the entry was rejected, with the value received.</summary>
    public string Reason { get; }

    /// <summary>The configuration file the entry came from, or null.</summary>
    public string? FilePath { get; }
}
