using System;

namespace MLNet.Optimizers.Training.Training;

/// <summary>Training produced NaN or infinite weights.</summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What diverged and the likely causes.</param>
    public TrainingDivergedException(string message)
        : base(message)
    {
    }
}
