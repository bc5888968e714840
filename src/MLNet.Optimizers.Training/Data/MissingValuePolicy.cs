namespace MLNet.Optimizers.Training.Data;

/// <summary>What <see cref="CsvLoader"/> does with a missing feature value (an empty field, or one of <see cref="CsvOptions.MissingValueTokens"/>).</summary>
/// <remarks>A missing label or weight always fails, whatever the policy.</remarks>
public enum MissingValuePolicy
{
    /// <summary>A missing feature value fails with a <see cref="CsvFormatException"/> naming the file, line and column.</summary>
    Fail,

    /// <summary>
    /// A missing numeric value becomes the mean of the column's present values in the loaded (training) file (0 when the
    /// column has none); a missing categorical value becomes its own category <see cref="DatasetSchema.MissingCategory"/>.
    /// </summary>
    Mean,

    /// <summary>A missing numeric value becomes 0; a missing categorical value becomes its own category <see cref="DatasetSchema.MissingCategory"/>.</summary>
    Zero,
}
