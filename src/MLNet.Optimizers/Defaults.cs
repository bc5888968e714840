namespace MLNet.Optimizers;

/// <summary>Keras 3 defaults shared by every optimizer (the single source of truth for constructors, configs and tools).</summary>
public static class OptimizerDefaults
{
    /// <summary>Keras <c>ema_momentum</c> default.</summary>
    public const double EmaMomentum = 0.99;

    /// <summary>Keras <c>use_ema</c> default.</summary>
    public const bool UseEma = false;

    /// <summary>
    /// <see cref="Optimizer.NumThreads"/> default: 0, every logical processor (for tensors of at least
    /// <see cref="MinParallelLength"/> values). Not a Keras option; it changes no result.
    /// </summary>
    public const int NumThreads = 0;

    /// <summary>
    /// <see cref="Optimizer.MinParallelLength"/> default: tensors with fewer values are stepped on one thread. Measured
    /// by the benchmark (<c>-- threshold</c>): below about this size handing half of a step to a second core costs
    /// more than it saves.
    /// </summary>
    public const int MinParallelLength = 1 << 17;

    /// <summary>Values per part when a step is split across threads (parts are claimed one at a time).</summary>
    internal const int PartLength = 1 << 15;
}

/// <summary>Keras 3 defaults of <see cref="Lion"/>.</summary>
public static class LionDefaults
{
    /// <summary>Keras <c>learning_rate</c> default.</summary>
    public const double LearningRate = 0.001;

    /// <summary>Keras <c>beta_1</c> default.</summary>
    public const double Beta1 = 0.9;

    /// <summary>Keras <c>beta_2</c> default.</summary>
    public const double Beta2 = 0.99;

    /// <summary>Keras <c>name</c> default.</summary>
    public const string Name = "lion";

    /// <summary>
    /// The tabular recommendation (not Keras's): learning rate, 2× Keras's 0.001, as the command-line tool measured it
    /// with a short warmup and cosine decay. Lion needs a learning rate 3-10× smaller than AdamW's.
    /// </summary>
    public const double RecommendedLearningRate = 2e-3;

    /// <summary>The tabular recommendation: decoupled weight decay (Lion needs one 3-10× larger than AdamW's; Keras's default is none).</summary>
    public const double RecommendedWeightDecay = 1.0;

    /// <summary>
    /// The recommended MLP's learning rate (the peak of its warmup and cosine decay), measured with the tabular
    /// benchmark on the six public data sets (docs/quality.md): 6× smaller than AdamW's recommended MLP rate.
    /// </summary>
    public const double RecommendedMlpLearningRate = 5e-4;

    /// <summary>
    /// The recommended MLP's decoupled weight decay: with <see cref="RecommendedMlpLearningRate"/> a per-step decay
    /// <c>lr * wd</c> 5× AdamW's recommended MLP one (Lion's paper: 3-10× larger weight decay).
    /// </summary>
    public const double RecommendedMlpWeightDecay = 0.3;
}

/// <summary>Keras 3 defaults of <see cref="Adafactor"/>.</summary>
public static class AdafactorDefaults
{
    /// <summary>Keras <c>learning_rate</c> default.</summary>
    public const double LearningRate = 0.001;

    /// <summary>Keras <c>beta_2_decay</c> default.</summary>
    public const double Beta2Decay = -0.8;

    /// <summary>Keras <c>epsilon_1</c> default.</summary>
    public const double Epsilon1 = 1e-30;

    /// <summary>Keras <c>epsilon_2</c> default.</summary>
    public const double Epsilon2 = 1e-3;

    /// <summary>Keras <c>clip_threshold</c> default.</summary>
    public const double ClipThreshold = 1.0;

    /// <summary>Keras <c>relative_step</c> default.</summary>
    public const bool RelativeStep = true;

    /// <summary>
    /// <see cref="Adafactor.ZeroMomentNaN"/> default: off, so a zero second moment gives a zero step instead of Keras's
    /// NaN (not a Keras argument).
    /// </summary>
    public const bool ZeroMomentNaN = false;

    /// <summary>Keras <c>name</c> default.</summary>
    public const string Name = "adafactor";

    /// <summary>The tabular recommendation (not Keras's): learning rate, as the command-line tool measured it with a short warmup and cosine decay.</summary>
    public const double RecommendedLearningRate = 0.05;

    /// <summary>
    /// The recommended MLP's learning rate with Adafactor (the peak of the warmup and cosine decay; Adafactor scales
    /// each step by the weight's RMS, so the number is not comparable with Lion's), measured with the tabular benchmark.
    /// </summary>
    public const double RecommendedMlpLearningRate = 0.02;
}

/// <summary>Keras 3 defaults of <see cref="Sgd"/>.</summary>
public static class SgdDefaults
{
    /// <summary>Keras <c>learning_rate</c> default.</summary>
    public const double LearningRate = 0.01;

    /// <summary>Keras <c>momentum</c> default.</summary>
    public const double Momentum = 0.0;

    /// <summary>Keras <c>nesterov</c> default.</summary>
    public const bool Nesterov = false;

    /// <summary>Keras <c>name</c> default.</summary>
    public const string Name = "SGD";

    /// <summary>The tabular recommendation (not Keras's): learning rate, as the command-line tool measured it with a short warmup and cosine decay.</summary>
    public const double RecommendedLearningRate = 0.05;

    /// <summary>The tabular recommendation (not Keras's): momentum.</summary>
    public const double RecommendedMomentum = 0.9;
}

/// <summary>Keras 3 defaults of <see cref="AdamW"/>.</summary>
public static class AdamWDefaults
{
    /// <summary>Keras <c>learning_rate</c> default.</summary>
    public const double LearningRate = 0.001;

    /// <summary>Keras <c>weight_decay</c> default.</summary>
    public const double WeightDecay = 0.004;

    /// <summary>Keras <c>beta_1</c> default.</summary>
    public const double Beta1 = 0.9;

    /// <summary>Keras <c>beta_2</c> default.</summary>
    public const double Beta2 = 0.999;

    /// <summary>Keras <c>epsilon</c> default.</summary>
    public const double Epsilon = 1e-7;

    /// <summary>Keras <c>amsgrad</c> default.</summary>
    public const bool Amsgrad = false;

    /// <summary>Keras <c>name</c> default.</summary>
    public const string Name = "adamw";

    /// <summary>The tabular recommendation (not Keras's): learning rate, as the command-line tool measured it with a short warmup and cosine decay.</summary>
    public const double RecommendedLearningRate = 1e-2;

    /// <summary>The tabular recommendation (not Keras's): decoupled weight decay.</summary>
    public const double RecommendedWeightDecay = 0.1;

    /// <summary>The recommended MLP's learning rate with AdamW (peak of the warmup and cosine decay), measured with the tabular benchmark.</summary>
    public const double RecommendedMlpLearningRate = 3e-3;

    /// <summary>The recommended MLP's decoupled weight decay with AdamW.</summary>
    public const double RecommendedMlpWeightDecay = 0.01;
}
