using System;

namespace MLNet.Optimizers.Serialization;

/// <summary>A configuration that cannot be loaded: the message starts with the JSON path (<c>$.config.beta_1: ...</c>).</summary>
public sealed class OptimizerConfigException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The JSON path of the offending entry.</param>
    /// <param name="reason">Why it was rejected, with the value received.</param>
    /// <param name="inner">The validation error behind it, if any.</param>
    public OptimizerConfigException(string path, string reason, Exception? inner = null)
        : base($"{path}: {reason}", inner)
    {
        JsonPath = path;
        Reason = reason;
    }

    /// <summary>The JSON path of the offending entry.</summary>
    public string JsonPath { get; }

    /// <summary>Why it was rejected.</summary>
    public string Reason { get; }
}
