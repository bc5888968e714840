namespace MLNet.Optimizers.Training.Pipelines;

/// <summary>The type of a data column (<c>data.columns</c>): how its raw text is read.</summary>
public enum ColumnType
{
    /// <summary>A number (invariant culture), read as float32; a missing value is NaN. JSON <c>"numeric"</c>.</summary>
    Numeric,

    /// <summary>Text (trimmed); a missing value is null. Text feature columns must be one-hot encoded. JSON <c>"text"</c>.</summary>
    Text,
}

/// <summary>What <c>replace_missing</c> puts in place of a missing numeric value.</summary>
public enum ReplacementMode
{
    /// <summary>The mean of the column's present training values (0 when it has none). JSON <c>"mean"</c>.</summary>
    Mean,

    /// <summary>Zero. JSON <c>"zero"</c>.</summary>
    Zero,
}

/// <summary>The normalizer of a <c>normalize</c> featurizer.</summary>
public enum NormalizerKind
{
    /// <summary>ML.NET's min-max normalizer (<see cref="Data.MinMaxNormalizer"/>). JSON <c>"min_max"</c>.</summary>
    MinMax,

    /// <summary>ML.NET's mean-variance normalizer (<see cref="Data.MeanVarianceNormalizer"/>). JSON <c>"mean_variance"</c>.</summary>
    MeanVariance,
}

/// <summary>The kind of network the trainer fits.</summary>
public enum ModelType
{
    /// <summary>No hidden layers: linear regression, logistic regression or softmax regression. JSON <c>"linear"</c>.</summary>
    Linear,

    /// <summary>A multilayer perceptron with at least one hidden layer. JSON <c>"mlp"</c>.</summary>
    Mlp,
}
