using System;
using System.Collections.Generic;
using System.Globalization;

namespace MLNet.Optimizers.Compute;

/// <summary>
/// What computed a model's matrix products, as a stable record: the provider, which provider serves each product
/// class, the native libraries with their versions and code paths, and the thread count. Two runs with equal
/// provenance, the same seed and the same data give the same bits; a different provenance may change the last bits.
/// Trainer checkpoints record it (a resume under another provider warns or throws, see
/// <see cref="ComputeMismatchPolicy"/>), and model files should too.
/// </summary>
/// <remarks>
/// Every field is a plain string or number that is the same in every process on the same machine and software (no
/// timing, no file path, no address), so the record can be compared for equality and stored as text or JSON.
/// <see cref="ToString"/> gives the one-line form used in messages.
/// </remarks>
/// <param name="Provider">The provider's <see cref="BlasProvider.Name"/>: <c>mkl</c>, <c>openblas</c>, <c>managed</c>, or <c>auto</c> when products are routed by shape.</param>
/// <param name="Routes">Which provider serves each product class, e.g. <c>large=openblas NN=openblas NT=managed TN=openblas TT=openblas</c> (<c>all=mkl</c> for a single provider).</param>
/// <param name="Libraries">Each library used, with its version, kernels and settings that change results, separated by <c>" + "</c>.</param>
/// <param name="Threads">Threads per call.</param>
public sealed record ComputeProvenance(string Provider, string Routes, string Libraries, int Threads)
{
    /// <summary>Names the fields that differ from <paramref name="other"/>, with both values; empty when equal.</summary>
    /// <param name="other">The provenance to compare with (for example the one a checkpoint recorded).</param>
    /// <param name="thisLabel">What this record is, for the message (e.g. "this run").</param>
    /// <param name="otherLabel">What <paramref name="other"/> is (e.g. "the checkpoint").</param>
    /// <returns>One clause per differing field, joined with "; ".</returns>
    public string DifferenceFrom(ComputeProvenance other, string thisLabel = "this", string otherLabel = "other")
    {
        ArgumentNullException.ThrowIfNull(other);
        var parts = new List<string>();
        void Compare(string field, string mine, string theirs)
        {
            if (!string.Equals(mine, theirs, StringComparison.Ordinal))
            {
                parts.Add($"{field}: {otherLabel} '{theirs}', {thisLabel} '{mine}'");
            }
        }

        Compare("provider", Provider, other.Provider);
        Compare("routes", Routes, other.Routes);
        Compare("libraries", Libraries, other.Libraries);
        Compare("threads", Threads.ToString(CultureInfo.InvariantCulture), other.Threads.ToString(CultureInfo.InvariantCulture));
        return string.Join("; ", parts);
    }

    /// <summary>One line: provider, routes, libraries and threads.</summary>
    /// <returns>For example <c>auto (large=openblas NN=openblas NT=managed TN=openblas TT=openblas; openblas: OpenBLAS 0.3.21 ... + managed: ...; 1 thread)</c>.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Provider} ({Routes}; {Libraries}; {Threads} thread{(Threads == 1 ? string.Empty : "s")})");
}

/// <summary>What to do when a run continues under another compute provider than the one that started it.</summary>
public enum ComputeMismatchPolicy
{
    /// <summary>Continue, and report the difference as a warning (the result may differ in its last bits from an uninterrupted run).</summary>
    Warn,

    /// <summary>Throw <see cref="ComputeMismatchException"/> before anything is changed.</summary>
    Throw,
}

/// <summary>A run continued (or a model was retrained) under another compute provider than the one recorded, and the policy was <see cref="ComputeMismatchPolicy.Throw"/>.</summary>
public sealed class ComputeMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message (what was being resumed, and which fields differ).</param>
    /// <param name="recorded">The recorded provenance, or null when the file recorded none.</param>
    /// <param name="current">The provenance of the provider in use now.</param>
    public ComputeMismatchException(string message, ComputeProvenance? recorded, ComputeProvenance current)
        : base(message)
    {
        Recorded = recorded;
        Current = current;
    }

    /// <summary>The recorded provenance, or null when the file recorded none.</summary>
    public ComputeProvenance? Recorded { get; }

    /// <summary>The provenance of the provider in use now.</summary>
    public ComputeProvenance Current { get; }
}
