namespace MLNet.Optimizers.Training.Data;

/// <summary>How a source column becomes features.</summary>
public enum ColumnKind
{
    /// <summary>A number (invariant culture), one feature.</summary>
    Numeric,

    /// <summary>A category, one-hot encoded: one feature per category, named <c>column=value</c>.</summary>
    Categorical,
}
