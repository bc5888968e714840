using System.Text.Json.Nodes;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers;

public abstract partial class Optimizer
{
    /// <summary>Keras's <c>get_config()</c>: the base entries in Keras's order, then the algorithm's.</summary>
    /// <returns>A new JSON object; <see cref="KerasConfig.OptimizerFromConfig"/> rebuilds an equal optimizer from it.</returns>
    public JsonObject GetConfig()
    {
        var c = new JsonObject
        {
            ["name"] = _name,
            ["learning_rate"] = KerasConfig.WriteLearningRate(_learningRate),
            ["weight_decay"] = _weightDecay,
            ["clipnorm"] = _clipNorm,
            ["global_clipnorm"] = _globalClipNorm,
            ["clipvalue"] = _clipValue,
            ["use_ema"] = _useEma,
            ["ema_momentum"] = _emaMomentum,
            ["ema_overwrite_frequency"] = _emaOverwriteFrequency,
            ["loss_scale_factor"] = _lossScaleFactor,
            ["gradient_accumulation_steps"] = _gradientAccumulationSteps,
        };
        WriteConfig(c);
        return c;
    }

    /// <summary>Keras's serialized form: <c>{"module": "keras.optimizers", "class_name", "config", "registered_name": null}</c>.</summary>
    /// <returns>A new JSON object.</returns>
    public JsonObject Serialize() => new()
    {
        ["module"] = "keras.optimizers",
        ["class_name"] = ClassName,
        ["config"] = GetConfig(),
        ["registered_name"] = null,
    };

    /// <summary>Adds the algorithm's entries to <paramref name="config"/>, with Keras's keys and order.</summary>
    /// <param name="config">The config being written.</param>
    protected abstract void WriteConfig(JsonObject config);

    private protected void ReadBaseConfig(ConfigReader r, KerasConfigOptions? options)
    {
        r.Set("name", k => Name = r.String(k, Name));
        r.Set("learning_rate", k => LearningRate = KerasConfig.ReadLearningRate(r, k, options));
        r.Set("weight_decay", k => WeightDecay = r.NullableDouble(k));
        r.Set("clipnorm", k => ClipNorm = r.NullableDouble(k));
        r.Set("global_clipnorm", k => GlobalClipNorm = r.NullableDouble(k));
        r.Set("clipvalue", k => ClipValue = r.NullableDouble(k));
        r.Set("use_ema", k => UseEma = r.Bool(k, OptimizerDefaults.UseEma));
        r.Set("ema_momentum", k => EmaMomentum = r.Double(k, OptimizerDefaults.EmaMomentum));
        r.Set("ema_overwrite_frequency", k => EmaOverwriteFrequency = r.NullableInt(k));
        r.Set("loss_scale_factor", k => LossScaleFactor = r.NullableDouble(k));
        r.Set("gradient_accumulation_steps", k => GradientAccumulationSteps = r.NullableInt(k));
    }
}
