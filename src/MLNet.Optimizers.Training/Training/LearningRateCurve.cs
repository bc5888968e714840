namespace MLNet.Optimizers.Training.Training;

/// <summary>How a trainer shapes a constant learning rate over a run (an optimizer given a schedule keeps its own).</summary>
public enum LearningRateCurve
{
    /// <summary>The optimizer's learning rate, unchanged.</summary>
    Constant,

    /// <summary>
    /// Keras's <c>CosineDecay</c> with warmup over the run's steps: linear from 0 up to the optimizer's learning rate
    /// during the warmup share, then a cosine decay to 0 at the last step.
    /// </summary>
    WarmupCosine,
}
