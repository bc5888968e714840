using System.Linq;
using MLNet.Optimizers.Training.Pipelines;

namespace MLNet.Optimizers.Cli.Backend;

/// <summary>
/// The pipeline configuration <c>train --data X --label Y</c> starts from: <see cref="PipelineConfig.CreateDefault(DataConfig)"/>
/// (one-hot for text columns, an MLP with 64 ReLU units, biases exempt from weight decay, seed 42) with the tool's
/// measured defaults, all expressible in the configuration: no <c>replace_missing</c> (a missing value is an error
/// unless <c>--impute</c> is given), z-score normalization, 20 % of the rows held out, the weights of the best
/// validation epoch kept without stopping early, and — chosen once the data is loaded — about 2000 optimizer steps and
/// an optimizer with a linear warmup and cosine decay over the whole run (<see cref="OptimizerFactory"/>).
/// </summary>
internal static class CliDefaults
{
    /// <summary>The share of the rows held out for validation.</summary>
    public const double ValidationFraction = 0.2;

    /// <summary>The configuration for a data schema (epochs and optimizer are set per run).</summary>
    /// <param name="data">The data schema.</param>
    /// <returns>A valid configuration.</returns>
    public static PipelineConfig Create(DataConfig data)
    {
        PipelineConfig c = PipelineConfig.CreateDefault(data);
        c.Featurizers.RemoveAll(f => f is ReplaceMissingConfig);
        foreach (NormalizeConfig n in c.Featurizers.OfType<NormalizeConfig>())
        {
            n.Kind = NormalizerKind.MeanVariance;
            n.FixZero = false;
        }

        c.Trainer.ValidationFraction = ValidationFraction;
        c.Trainer.EarlyStoppingPatience = null;
        c.Trainer.RestoreBestWeights = true;
        return c;
    }
}
