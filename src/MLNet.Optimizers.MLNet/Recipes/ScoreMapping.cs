using System;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Optimizers.MLNet.Recipes;

/// <summary>
/// Maps a regression model's <c>Score</c> (a predicted log) back to the label's units, within the range of the training
/// labels: <c>Score = exp(clamp(score, ln(min), ln(max)))</c> (for <c>log1p</c>: <c>exp(clamp(score, ln(1 + min),
/// ln(1 + max))) - 1</c>). Without the clamp one extrapolated log (an outlier row) becomes an astronomic price. The
/// bounds are read from the training rows when the pipeline is fitted; the result is ML.NET's own <c>Expression</c>
/// transformer (integer literals only, so it reads back the same under any culture).
/// </summary>
internal sealed class ScoreMapping : IEstimator<ITransformer>
{
    private const int Scale = 1_000_000;
    private readonly MLContext _ml;
    private readonly LabelTransform _transform;

    public ScoreMapping(MLContext ml, LabelTransform transform)
    {
        _ml = ml;
        _transform = transform;
    }

    public ITransformer Fit(IDataView input)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float y in input.GetColumn<float>(RecipeDefaults.LabelColumn))
        {
            min = Math.Min(min, y);
            max = Math.Max(max, y);
        }

        if (!(float.IsFinite(min) && float.IsFinite(max)))
        {
            throw new ArgumentException($"The training label '{RecipeDefaults.LabelColumn}' has no finite values to bound the scores with.", nameof(input));
        }

        double offset = _transform == LabelTransform.Log1p ? 1 : 0;
        double lo = Math.Log(min + offset), hi = Math.Log(max + offset);
        return Estimator((long)Math.Floor(lo * Scale), (long)Math.Ceiling(hi * Scale)).Fit(input);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => Estimator(0, 0).GetOutputSchema(inputSchema);

    private IEstimator<ITransformer> Estimator(long lo, long hi)
    {
        string L(long v) => string.Create(CultureInfo.InvariantCulture, $"float({v}) / float({Scale})");
        string clamp = $"min(max(x, {L(lo)}), {L(hi)})";
        string body = _transform == LabelTransform.Log1p ? $"exp({clamp}) - 1" : $"exp({clamp})";
        return _ml.Transforms.Expression("Score", "x => " + body, "Score");
    }
}
