using System;

namespace MLNet.Optimizers.MLNet;

/// <summary>
/// The model ML.NET loaded from the streams the bridge wrote differs from the trained weights (or ML.NET rejected the
/// streams): the installed ML.NET reads its model formats differently from the versions the bridge was tested with.
/// The bridge never returns such a model.
/// </summary>
public sealed class NativeModelMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What differs: the component, the index, the value written and the value read back.</param>
    public NativeModelMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the error ML.NET raised.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">ML.NET's error.</param>
    public NativeModelMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
