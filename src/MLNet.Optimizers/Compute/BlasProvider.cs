using System;
using System.Globalization;

namespace MLNet.Optimizers.Compute;

/// <summary>Whether a matrix operand is used as stored or transposed (CBLAS <c>CblasNoTrans</c> / <c>CblasTrans</c>).</summary>
public enum Transpose
{
    /// <summary>Use the matrix as stored.</summary>
    No = 111,

    /// <summary>Use the transpose of the stored matrix.</summary>
    Yes = 112,
}

/// <summary>
/// A BLAS-shaped compute provider: the matrix and vector operations the training layer needs, on row-major float32
/// data (CBLAS conventions, <c>CblasRowMajor</c>). Every public method validates dimensions, leading dimensions and
/// span lengths and throws <see cref="ArgumentException"/> <em>before</em> any native call, so a native library never
/// reads or writes out of bounds because of a caller's mistake. Implementations override the <c>*Core</c> methods.
/// </summary>
/// <remarks>
/// Every provider of this library may be called from several threads at once (<see cref="BlasProviders.Default"/> is
/// one instance shared by the process) and computes for each call exactly the bits it computes for a lone caller.
/// Setting <see cref="NumThreads"/> while calls are running is not supported.
/// </remarks>
public abstract class BlasProvider
{
    /// <summary>The provider's short name: <c>managed</c>, <c>mkl</c> or <c>openblas</c>.</summary>
    public abstract string Name { get; }

    /// <summary>A human-readable description (library path, version, code path).</summary>
    public virtual string Description => Name;

    /// <summary>
    /// What computes this provider's products, as a stable record (name, routes, library versions and code paths,
    /// threads) to store beside results: equal provenance, seed and data give equal bits. This base implementation,
    /// for providers outside this library, records the name, the .NET type and the thread count.
    /// </summary>
    public virtual ComputeProvenance Provenance => new(Name, "all=" + Name, GetType().FullName ?? GetType().Name, NumThreads);

    /// <summary>Threads the provider may use for one call (1 = single-threaded).</summary>
    public abstract int NumThreads { get; set; }

    /// <summary>
    /// <c>C = alpha * op(A) * op(B) + beta * C</c> with <c>op(A)</c> m×k, <c>op(B)</c> k×n, C m×n, all row-major.
    /// When <paramref name="beta"/> is 0, C is not read (NaN in C does not propagate), as in BLAS.
    /// </summary>
    /// <param name="transA">Whether A is used transposed (A is stored k×m then).</param>
    /// <param name="transB">Whether B is used transposed (B is stored n×k then).</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row-major with leading dimension <paramref name="lda"/>.</param>
    /// <param name="lda">Row stride of A as stored: at least its column count (k, or m when transposed), and at least 1.</param>
    /// <param name="b">B, row-major with leading dimension <paramref name="ldb"/>.</param>
    /// <param name="ldb">Row stride of B as stored: at least n (or k when transposed), and at least 1.</param>
    /// <param name="beta">Scale of the existing C.</param>
    /// <param name="c">C, row-major with leading dimension <paramref name="ldc"/>.</param>
    /// <param name="ldc">Row stride of C: at least n, and at least 1.</param>
    /// <exception cref="ArgumentException">A dimension is negative, a leading dimension too small, or a span too short.</exception>
    public void Sgemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        CheckTranspose(transA, nameof(transA));
        CheckTranspose(transB, nameof(transB));
        NonNegative(m, nameof(m));
        NonNegative(n, nameof(n));
        NonNegative(k, nameof(k));
        int aRows = transA == Transpose.No ? m : k;
        int aCols = transA == Transpose.No ? k : m;
        int bRows = transB == Transpose.No ? k : n;
        int bCols = transB == Transpose.No ? n : k;
        CheckMatrix(a.Length, aRows, aCols, lda, nameof(a), nameof(lda));
        CheckMatrix(b.Length, bRows, bCols, ldb, nameof(b), nameof(ldb));
        CheckMatrix(c.Length, m, n, ldc, nameof(c), nameof(ldc));
        if (m == 0 || n == 0)
        {
            return;
        }

        SgemmCore(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>
    /// <c>y = alpha * op(A) * x + beta * y</c> with A stored m×n row-major; <c>op(A)</c> is A (x has n values, y m) or
    /// its transpose (x has m values, y n). When <paramref name="beta"/> is 0, y is not read.
    /// </summary>
    /// <param name="transA">Whether A is used transposed.</param>
    /// <param name="m">Rows of A as stored.</param>
    /// <param name="n">Columns of A as stored.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row-major with leading dimension <paramref name="lda"/>.</param>
    /// <param name="lda">Row stride of A: at least n, and at least 1.</param>
    /// <param name="x">The input vector (stride 1).</param>
    /// <param name="beta">Scale of the existing y.</param>
    /// <param name="y">The output vector (stride 1).</param>
    /// <exception cref="ArgumentException">A dimension is negative, the leading dimension too small, or a span too short.</exception>
    public void Sgemv(Transpose transA, int m, int n, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> x, float beta, Span<float> y)
    {
        CheckTranspose(transA, nameof(transA));
        NonNegative(m, nameof(m));
        NonNegative(n, nameof(n));
        CheckMatrix(a.Length, m, n, lda, nameof(a), nameof(lda));
        int xLen = transA == Transpose.No ? n : m;
        int yLen = transA == Transpose.No ? m : n;
        CheckVector(x.Length, xLen, nameof(x));
        CheckVector(y.Length, yLen, nameof(y));
        if (yLen == 0)
        {
            return;
        }

        SgemvCore(transA, m, n, alpha, a, lda, x, beta, y);
    }

    /// <summary><c>y = alpha * x + y</c> over the first <c>x.Length</c> values.</summary>
    /// <param name="alpha">The scale.</param>
    /// <param name="x">The input.</param>
    /// <param name="y">The accumulator; exactly as long as <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public void Saxpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"y has {y.Length} values; x has {x.Length}. They must be equal.", nameof(y));
        }

        if (x.Length > 0)
        {
            SaxpyCore(alpha, x, y);
        }
    }

    /// <summary>The dot product <c>sum(x[i] * y[i])</c> (accumulation order is the provider's).</summary>
    /// <param name="x">The first vector.</param>
    /// <param name="y">The second vector; exactly as long as <paramref name="x"/>.</param>
    /// <returns>The dot product.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public float Sdot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"y has {y.Length} values; x has {x.Length}. They must be equal.", nameof(y));
        }

        return x.Length == 0 ? 0f : SdotCore(x, y);
    }

    /// <summary>The Euclidean norm <c>sqrt(sum(x[i]^2))</c>, computed without overflow for large values as BLAS does.</summary>
    /// <param name="x">The vector.</param>
    /// <returns>The norm.</returns>
    public float Snrm2(ReadOnlySpan<float> x) => x.Length == 0 ? 0f : Snrm2Core(x);

    /// <summary>Validated SGEMM (m, n &gt; 0; spans long enough).</summary>
    /// <param name="transA">Whether A is transposed.</param>
    /// <param name="transB">Whether B is transposed.</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">Inner dimension.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A.</param>
    /// <param name="lda">Row stride of A.</param>
    /// <param name="b">B.</param>
    /// <param name="ldb">Row stride of B.</param>
    /// <param name="beta">Scale of C.</param>
    /// <param name="c">C.</param>
    /// <param name="ldc">Row stride of C.</param>
    protected abstract void SgemmCore(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc);

    /// <summary>Validated SGEMV.</summary>
    /// <param name="transA">Whether A is transposed.</param>
    /// <param name="m">Rows of A.</param>
    /// <param name="n">Columns of A.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A.</param>
    /// <param name="lda">Row stride of A.</param>
    /// <param name="x">Input vector.</param>
    /// <param name="beta">Scale of y.</param>
    /// <param name="y">Output vector.</param>
    protected abstract void SgemvCore(Transpose transA, int m, int n, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> x, float beta, Span<float> y);

    /// <summary>Validated SAXPY (equal, non-zero lengths).</summary>
    /// <param name="alpha">The scale.</param>
    /// <param name="x">The input.</param>
    /// <param name="y">The accumulator.</param>
    protected abstract void SaxpyCore(float alpha, ReadOnlySpan<float> x, Span<float> y);

    /// <summary>Validated SDOT (equal, non-zero lengths).</summary>
    /// <param name="x">The first vector.</param>
    /// <param name="y">The second vector.</param>
    /// <returns>The dot product.</returns>
    protected abstract float SdotCore(ReadOnlySpan<float> x, ReadOnlySpan<float> y);

    /// <summary>Validated SNRM2 (non-zero length).</summary>
    /// <param name="x">The vector.</param>
    /// <returns>The norm.</returns>
    protected abstract float Snrm2Core(ReadOnlySpan<float> x);

    /// <inheritdoc />
    public override string ToString() => Description;

    private static void CheckTranspose(Transpose t, string name)
    {
        if (t != Transpose.No && t != Transpose.Yes)
        {
            throw new ArgumentException($"{name} must be Transpose.No or Transpose.Yes, got {(int)t}.", name);
        }
    }

    private static void NonNegative(int v, string name)
    {
        if (v < 0)
        {
            throw new ArgumentException($"{name} must be >= 0, got {v}.", name);
        }
    }

    private static void CheckMatrix(int length, int rows, int cols, int ld, string name, string ldName)
    {
        if (ld < Math.Max(1, cols))
        {
            throw new ArgumentException($"{ldName} must be >= max(1, {cols}) (the columns of {name} as stored), got {ld}.", ldName);
        }

        long needed = rows == 0 || cols == 0 ? 0 : ((long)(rows - 1) * ld) + cols;
        if (length < needed)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{name} has {length} values; a {rows}x{cols} matrix with leading dimension {ld} needs at least {needed}."),
                name);
        }
    }

    private static void CheckVector(int length, int needed, string name)
    {
        if (length < needed)
        {
            throw new ArgumentException($"{name} has {length} values; at least {needed} are needed.", name);
        }
    }
}
