using System;
using System.IO;

namespace MLNet.Optimizers.Training.Training;

/// <summary>A training checkpoint could not be written (<see cref="TrainerOptions.CheckpointPath"/>); the previous checkpoint, if any, is unchanged.</summary>
public sealed class CheckpointWriteException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="inner">The file-system error.</param>
    public CheckpointWriteException(string path, Exception inner)
        : base($"cannot write the checkpoint '{path}': {inner?.Message}", inner)
    {
        Path = path;
    }

    /// <summary>The checkpoint file that could not be written.</summary>
    public string Path { get; }
}
