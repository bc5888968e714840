using System;

namespace MLNet.Optimizers.Serialization;

/// <summary>Options for reading Keras-shaped configurations.</summary>
public sealed class KerasConfigOptions
{
    /// <summary>
    /// Resolves a callable learning rate by the name Keras wrote (<c>{"module": "builtins", "class_name": "function",
    /// "config": "&lt;name&gt;"}</c>). Return null when unknown; loading then fails with the name in the message.
    /// </summary>
    public Func<string, Func<double>?>? CallableResolver { get; init; }

    /// <summary>The JSON path of the config object, used as the prefix of error messages (default <c>$</c>).</summary>
    public string? Path { get; init; }
}
