namespace MLNet.Optimizers.Cli.Backend;

/// <summary>Chooses the training backend: the one place to change when the pipeline API replaces the trainer-level one.</summary>
internal static class TrainingBackends
{
    /// <summary>The backend the verbs use.</summary>
    public static ITrainingBackend Current { get; } = new TrainerBackend();
}
