using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Optimizers.Compute;

/// <summary>
/// The automatic provider when measurements disagree by shape: products whose smallest dimension is at most
/// <see cref="NarrowLimit"/> (an output layer with 10 classes, say) go, per transpose combination, to the provider
/// measured fastest on such a product; everything else goes to the provider measured fastest on large products.
/// The routes are fixed when the selection is made, so a process computes every product the same way every time.
/// </summary>
public sealed class RoutedBlasProvider : BlasProvider
{
    /// <summary>A product is narrow when min(m, n, k) is at most this.</summary>
    public const int NarrowLimit = 32;

    private readonly BlasProvider _large;
    private readonly BlasProvider[] _narrow;

    internal RoutedBlasProvider(BlasProvider large, BlasProvider[] narrowByTranspose)
    {
        _large = large;
        _narrow = narrowByTranspose;
    }

    /// <inheritdoc />
    public override string Name => "auto";

    /// <inheritdoc />
    public override string Description =>
        $"auto: large products -> {_large.Name}; narrow products (min dimension <= {NarrowLimit}) -> NN {_narrow[0].Name}, NT {_narrow[1].Name}, TN {_narrow[2].Name}, TT {_narrow[3].Name}";

    /// <summary>
    /// <c>auto</c>, the route of every product class, each distinct library's provenance (joined by <c>" + "</c>, in
    /// the order large, NN, NT, TN, TT) and the large provider's thread count.
    /// </summary>
    public override ComputeProvenance Provenance
    {
        get
        {
            var libraries = new List<string>();
            foreach (BlasProvider p in _narrow.Prepend(_large))
            {
                string lib = p.Provenance.Libraries;
                if (!libraries.Contains(lib))
                {
                    libraries.Add(lib);
                }
            }

            return new ComputeProvenance(Name, RoutesText, string.Join(" + ", libraries), NumThreads);
        }
    }

    /// <summary>The routes, e.g. <c>large=openblas NN=openblas NT=managed TN=openblas TT=openblas</c>.</summary>
    internal string RoutesText => $"large={_large.Name} NN={_narrow[0].Name} NT={_narrow[1].Name} TN={_narrow[2].Name} TT={_narrow[3].Name}";

    /// <summary>The provider serving large products (and GEMV, AXPY, DOT, NRM2).</summary>
    public BlasProvider Large => _large;

    /// <summary>The provider serving narrow products for a transpose combination.</summary>
    /// <param name="transA">Whether A is transposed.</param>
    /// <param name="transB">Whether B is transposed.</param>
    /// <returns>The provider.</returns>
    public BlasProvider Narrow(Transpose transA, Transpose transB) => _narrow[Index(transA, transB)];

    /// <inheritdoc />
    public override int NumThreads
    {
        get => _large.NumThreads;
        set
        {
            foreach (BlasProvider p in _narrow.Append(_large).Distinct())
            {
                p.NumThreads = value;
            }
        }
    }

    private static int Index(Transpose a, Transpose b) => (a == Transpose.Yes ? 2 : 0) + (b == Transpose.Yes ? 1 : 0);

    /// <inheritdoc />
    protected override void SgemmCore(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        BlasProvider p = Math.Min(m, Math.Min(n, k)) <= NarrowLimit ? _narrow[Index(transA, transB)] : _large;
        p.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <inheritdoc />
    protected override void SgemvCore(Transpose transA, int m, int n, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> x, float beta, Span<float> y) =>
        _large.Sgemv(transA, m, n, alpha, a, lda, x, beta, y);

    /// <inheritdoc />
    protected override void SaxpyCore(float alpha, ReadOnlySpan<float> x, Span<float> y) => _large.Saxpy(alpha, x, y);

    /// <inheritdoc />
    protected override float SdotCore(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => _large.Sdot(x, y);

    /// <inheritdoc />
    protected override float Snrm2Core(ReadOnlySpan<float> x) => _large.Snrm2(x);

    internal static IReadOnlyList<(Transpose A, Transpose B, int M, int N, int K)> NarrowShapes { get; } = new[]
    {
        (Transpose.No, Transpose.No, 256, 10, 256),
        (Transpose.No, Transpose.Yes, 256, 256, 10),
        (Transpose.Yes, Transpose.No, 256, 10, 256),
        (Transpose.Yes, Transpose.Yes, 256, 10, 256),
    };
}
