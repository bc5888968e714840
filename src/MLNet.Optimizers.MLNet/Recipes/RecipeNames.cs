using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.MLNet.Recipes;

/// <summary>The defaults of a recipe's data section (the trainer's defaults are <see cref="TrainingDefaults"/>).</summary>
public static class RecipeDefaults
{
    /// <summary>The <c>format_version</c> this build writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary><c>data.separator</c>.</summary>
    public const char Separator = ',';

    /// <summary><c>data.has_header</c>.</summary>
    public const bool HasHeader = true;

    /// <summary><c>data.allow_quoting</c>.</summary>
    public const bool AllowQuoting = true;

    /// <summary><c>data.decimal_separator</c>.</summary>
    public const char DecimalSeparator = '.';

    /// <summary><c>data.holdout_fraction</c>: <see cref="TrainingDefaults.HoldoutFraction"/>.</summary>
    public const double HoldoutFraction = TrainingDefaults.HoldoutFraction;

    /// <summary>The largest zero-based field position a column may read.</summary>
    public const int MaxFieldIndex = 1_000_000;

    /// <summary>The feature column the trainer reads: the featurization must produce it (a known-size vector of float32).</summary>
    public const string FeatureColumn = "Features";

    /// <summary>The label column the trainer reads, made from <c>label.column</c>.</summary>
    public const string LabelColumn = "Label";

    /// <summary>The column the regression trainer reads with <c>label.transform</c> <c>log</c> or <c>log1p</c> (the transformed label).</summary>
    public const string TransformedLabelColumn = "TransformedLabel";
}

/// <summary>The JSON spellings of the enums of a recipe.</summary>
internal static class RecipeNames
{
    public static readonly (RecipeColumnType Value, string Name)[] ColumnTypes =
    {
        (RecipeColumnType.Single, "single"),
        (RecipeColumnType.String, "string"),
        (RecipeColumnType.Boolean, "boolean"),
    };

    public static readonly (TaskKind Value, string Name)[] Tasks =
    {
        (TaskKind.Regression, "regression"),
        (TaskKind.BinaryClassification, "binary_classification"),
        (TaskKind.MulticlassClassification, "multiclass_classification"),
    };

    public static readonly (LabelTransform Value, string Name)[] LabelTransforms =
    {
        (LabelTransform.None, "none"),
        (LabelTransform.Log, "log"),
        (LabelTransform.Log1p, "log1p"),
    };

    public static readonly (RecipeModelType Value, string Name)[] ModelTypes =
    {
        (RecipeModelType.Linear, "linear"),
        (RecipeModelType.Mlp, "mlp"),
    };

    public static readonly (Activation Value, string Name)[] Activations =
    {
        (Activation.ReLU, "relu"),
        (Activation.Tanh, "tanh"),
        (Activation.Sigmoid, "sigmoid"),
    };

    public static readonly (WeightInitializer Value, string Name)[] Initializers =
    {
        (WeightInitializer.Auto, "auto"),
        (WeightInitializer.GlorotUniform, "glorot_uniform"),
        (WeightInitializer.HeNormal, "he_normal"),
    };

    public static readonly (RegressionLoss Value, string Name)[] Losses =
    {
        (RegressionLoss.Squared, "squared"),
        (RegressionLoss.Huber, "huber"),
    };

    public static readonly (LearningRateCurve Value, string Name)[] LearningRateCurves =
    {
        (LearningRateCurve.Constant, "constant"),
        (LearningRateCurve.WarmupCosine, "warmup_cosine"),
    };

    public static readonly (EpochRule Value, string Name)[] EpochRules =
    {
        (EpochRule.BestLoss, "best_loss"),
        (EpochRule.BestMetric, "best_metric"),
        (EpochRule.Last, "last"),
    };
}
