using System;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// An in-place, allocation-free featurizer of row-major features (for example a fitted <see cref="AffineNormalizer"/>),
/// applied by the batch sources to every <see cref="Batch"/> they fill.
/// </summary>
public interface IRowTransform
{
    /// <summary>Transforms every row of <paramref name="features"/> in place.</summary>
    /// <param name="features">Row-major features; the length is a multiple of <paramref name="featureCount"/>.</param>
    /// <param name="featureCount">Features per row; must match what the transform was fitted on.</param>
    void Transform(Span<float> features, int featureCount);
}
