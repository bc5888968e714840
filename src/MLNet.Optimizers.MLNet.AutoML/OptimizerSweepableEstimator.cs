using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.AutoML;
using Microsoft.ML.SearchSpace;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;
using MLNet.Optimizers.Training.Tuning;
using MlParameter = Microsoft.ML.SearchSpace.Parameter;
using MlSearchSpace = Microsoft.ML.SearchSpace.SearchSpace;

namespace MLNet.Optimizers.MLNet.AutoML;

/// <summary>
/// An AutoML sweepable estimator over one optimizer's search space and a model search space, for one task. Its ML.NET
/// search space has two nested parts, <c>optimizer</c> (the optimizer's ranges, see <see cref="SearchSpaceMapping"/>)
/// and <c>model</c> (batch size, hidden width and depth, activation); for each sampled parameter it builds the ML.NET
/// bridge's trainer: the optimizer from <see cref="OptimizerSearchSpace.CreateOptimizer"/>, a linear trainer when
/// <c>hidden_depth</c> is 0 (or not searched), else an MLP of <c>hidden_depth</c> layers of <c>hidden_width</c> units.
/// A model range that is not searched takes its value from <see cref="OptimizerSweepableOptions"/> (batch size, hidden
/// width) or the pipeline defaults (ReLU).
/// </summary>
public sealed class OptimizerSweepableEstimator : SweepableEstimator
{
    /// <summary>The key of the optimizer part of the search space and of a sampled parameter.</summary>
    public const string OptimizerKey = "optimizer";

    /// <summary>The key of the model part of the search space and of a sampled parameter.</summary>
    public const string ModelKey = "model";

    // Activations the bridge's MLP can export to ML.NET (see OptimizerMlpTrainer.ActivationExpression), by the
    // pipeline configuration's names.
    private static readonly IReadOnlyDictionary<string, Activation> BridgeActivations = new Dictionary<string, Activation>(StringComparer.Ordinal)
    {
        ["relu"] = Activation.ReLU,
        ["tanh"] = Activation.Tanh,
        ["sigmoid"] = Activation.Sigmoid,
    };

    private OptimizerSweepableEstimator(Spec spec)
        : base((context, parameter) => spec.Build(context, parameter), spec.SearchSpace)
    {
        Specification = spec;
    }

    /// <summary>The task the trainers are built for.</summary>
    public TaskKind Task => Specification.Task;

    /// <summary>The optimizer's search space.</summary>
    public OptimizerSearchSpace OptimizerSpace => Specification.Optimizer;

    /// <summary>The model search space.</summary>
    public ModelSearchSpace ModelSpace => Specification.Model;

    /// <summary>The fixed trainer settings (a copy).</summary>
    public OptimizerSweepableOptions Options => Specification.Options.Clone();

    private Spec Specification { get; }

    /// <summary>The bridge's activation names a model space's <c>activation</c> range may hold.</summary>
    public static IReadOnlyCollection<string> SupportedActivations => BridgeActivations.Keys.ToArray();

    /// <summary>Reads the optimizer point (configuration keys) of a sampled parameter.</summary>
    /// <param name="parameter">A parameter sampled from <see cref="SweepableEstimator.SearchSpace"/>.</param>
    /// <returns>The optimizer's configuration keys.</returns>
    /// <exception cref="ArgumentException">The parameter lacks the <c>optimizer</c> part or one of its keys.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value lies outside its range.</exception>
    public JsonObject ReadOptimizerPoint(MlParameter parameter) => SearchSpaceMapping.ToPoint(Part(parameter, OptimizerKey), OptimizerSpace.Ranges);

    /// <summary>Reads the model point (<c>batch_size</c>, <c>hidden_width</c>, <c>hidden_depth</c>, <c>activation</c>; those searched) of a sampled parameter.</summary>
    /// <param name="parameter">A parameter sampled from <see cref="SweepableEstimator.SearchSpace"/>.</param>
    /// <returns>The model keys.</returns>
    /// <exception cref="ArgumentException">The parameter lacks the <c>model</c> part or one of its keys.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value lies outside its range.</exception>
    public JsonObject ReadModelPoint(MlParameter parameter) => SearchSpaceMapping.ToPoint(Part(parameter, ModelKey), ModelSpace.Ranges);

    internal static OptimizerSweepableEstimator Create(TaskKind task, OptimizerSearchSpace optimizer, ModelSearchSpace model, OptimizerSweepableOptions options)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ValidateForBridge(model);
        var space = new MlSearchSpace
        {
            { OptimizerKey, SearchSpaceMapping.ToSearchSpace(optimizer) },
            { ModelKey, SearchSpaceMapping.ToSearchSpace(model) },
        };
        return new OptimizerSweepableEstimator(new Spec(task, optimizer, model, options.Clone(), space));
    }

    private static void ValidateForBridge(ModelSearchSpace model)
    {
        model.Validate();
        if (model.Activation != null)
        {
            foreach (string name in model.Activation.Values)
            {
                if (!BridgeActivations.ContainsKey(name))
                {
                    throw new ArgumentException($"activation: the ML.NET bridge's MLP cannot use '{name}' (ML.NET has no expression for it); choose among [{string.Join(", ", BridgeActivations.Keys)}].", nameof(model));
                }
            }
        }

        bool deep = model.HiddenDepth is null ? false : model.HiddenDepth.Max > 0;
        if (deep && model.HiddenWidth is { Min: < 2 })
        {
            throw new ArgumentOutOfRangeException(nameof(model), model.HiddenWidth.Min, $"hidden_width: the bridge's MLP layers need at least 2 units, the range starts at {model.HiddenWidth.Min}.");
        }
    }

    private static MlParameter Part(MlParameter parameter, string key)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (parameter.ParameterType == ParameterType.Object && parameter.ContainsKey(key) && parameter[key] is MlParameter part)
        {
            return part;
        }

        throw new ArgumentException($"Expected a parameter with an '{key}' object (as sampled from this estimator's search space), got {parameter}.", nameof(parameter));
    }

    private sealed record Spec(TaskKind Task, OptimizerSearchSpace Optimizer, ModelSearchSpace Model, OptimizerSweepableOptions Options, MlSearchSpace SearchSpace)
    {
        public IEstimator<ITransformer> Build(MLContext context, MlParameter parameter)
        {
            ArgumentNullException.ThrowIfNull(context);
            Optimizer optimizer = Optimizer.CreateOptimizer(SearchSpaceMapping.ToPoint(Part(parameter, OptimizerKey), Optimizer.Ranges));
            JsonObject model = SearchSpaceMapping.ToPoint(Part(parameter, ModelKey), Model.Ranges);
            int batchSize = model["batch_size"]?.GetValue<int>() ?? Options.BatchSize;
            int depth = model["hidden_depth"]?.GetValue<int>() ?? 0;
            int width = model["hidden_width"]?.GetValue<int>() ?? Options.HiddenWidth;
            Activation activation = model["activation"] is JsonNode a ? BridgeActivations[a.GetValue<string>()] : TrainingDefaults.Activation;

            OptimizersCatalog catalog = context.Optimizers();
            if (depth == 0)
            {
                OptimizerTrainerOptions o = Fill(new OptimizerTrainerOptions(), optimizer, batchSize);
                return Task switch
                {
                    TaskKind.Regression => catalog.Regression.Linear(o),
                    TaskKind.BinaryClassification => catalog.BinaryClassification.Linear(o),
                    _ => catalog.MulticlassClassification.Linear(o),
                };
            }

            var mlp = (MlpTrainerOptions)Fill(new MlpTrainerOptions { HiddenLayers = Enumerable.Repeat(width, depth).ToArray(), Activation = activation }, optimizer, batchSize);
            return Task switch
            {
                TaskKind.Regression => catalog.Regression.Mlp(mlp),
                TaskKind.BinaryClassification => catalog.BinaryClassification.Mlp(mlp),
                _ => catalog.MulticlassClassification.Mlp(mlp),
            };
        }

        private OptimizerTrainerOptions Fill(OptimizerTrainerOptions o, Optimizer optimizer, int batchSize)
        {
            o.Optimizer = optimizer;
            o.LabelColumnName = Options.LabelColumnName;
            o.FeatureColumnName = Options.FeatureColumnName;
            o.ExampleWeightColumnName = Options.ExampleWeightColumnName;
            o.NumberOfEpochs = Options.NumberOfEpochs;
            o.BatchSize = batchSize;
            o.Seed = Options.Seed;
            return o;
        }
    }
}
