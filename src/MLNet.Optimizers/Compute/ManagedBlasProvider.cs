using System;
using System.Globalization;
using System.Threading;

namespace MLNet.Optimizers.Compute;

/// <summary>
/// A pure-.NET BLAS provider that needs no native library, so it is always available. SGEMM is a GotoBLAS/BLIS-style
/// blocked algorithm (packed A and B panels, a register-tiled micro-kernel: 12×32 in <c>Vector512</c> accumulators
/// with AVX-512, 6×16 with AVX2/FMA, 4×4 scalar otherwise). The level-1/2 operations are vectorized loops.
/// </summary>
/// <remarks>
/// <para>
/// <b>Concurrent calls.</b> An instance may be called from several threads at once (<see cref="BlasProviders.Default"/>
/// is shared by the whole process, so two trainings running in parallel use the same instance). The pack buffers and
/// worker threads belong to one call at a time: the first caller takes them; a call that arrives while they are in use
/// runs on its own thread with that thread's own pack buffers, single-threaded. Since the result does not depend on
/// the thread count (below), a concurrent call gives the same bits as a lone one. The buffers are allocated once per
/// provider (and per worker thread, and per thread that ever had to make a concurrent call) and reused, so
/// steady-state calls allocate nothing. Changing <see cref="NumThreads"/> while calls are running is not supported.
/// </para>
/// <para>
/// With <see cref="NumThreads"/> &gt; 1, a large SGEMM is split into contiguous row or column ranges, one per thread;
/// the extra threads are persistent background threads owned by the provider (no disposal needed). Every element of C
/// is computed by exactly one thread with a K order that depends only on the shape, so the result is bit-for-bit the
/// same for every thread count and every run.
/// </para>
/// </remarks>
public sealed class ManagedBlasProvider : BlasProvider
{
    /// <summary>Below this many floating-point operations (2·m·n·k) an SGEMM runs on the calling thread only.</summary>
    internal const double MinParallelFlops = 4e5;

    /// <summary>Pack buffers of a thread whose call found the instance's own buffers in use by another thread.</summary>
    [ThreadStatic]
    private static ManagedPackBuffers? t_concurrentBuffers;

    private readonly ManagedGemmPath _path;
    private readonly ManagedPackBuffers _buffers = new();

    /// <summary>1 while a call owns <see cref="_buffers"/> and the workers, else 0.</summary>
    private int _busy;
    private ManagedGemmWorker[] _workers = Array.Empty<ManagedGemmWorker>();
    private int _numThreads = 1;

    /// <summary>Creates a provider using the widest SIMD path the process supports, single-threaded.</summary>
    public ManagedBlasProvider()
        : this(ManagedGemm.DetectPath())
    {
    }

    /// <summary>Creates a provider on a given code path (for tests; the path must be supported by the process).</summary>
    /// <param name="path">The SGEMM code path.</param>
    internal ManagedBlasProvider(ManagedGemmPath path)
    {
        _path = path;
    }

    /// <summary>Stops the worker threads when an abandoned provider is collected.</summary>
    ~ManagedBlasProvider()
    {
        foreach (ManagedGemmWorker w in _workers)
        {
            w.Stop();
        }
    }

    /// <inheritdoc />
    public override string Name => "managed";

    /// <inheritdoc />
    public override string Description => string.Create(
        CultureInfo.InvariantCulture,
        $"managed (pure .NET; SGEMM {Kernel} micro-kernel, KC={ManagedGemm.KcTarget}, NC={ManagedGemm.NcTarget}; {_numThreads} thread{(_numThreads == 1 ? string.Empty : "s")})");

    /// <summary>The SGEMM micro-kernel and blocking, with the thread count (which does not change results).</summary>
    public override ComputeProvenance Provenance => new(Name, "all=" + Name, LibraryProvenance, _numThreads);

    /// <summary>The library part of <see cref="Provenance"/>.</summary>
    internal string LibraryProvenance => string.Create(CultureInfo.InvariantCulture, $"managed SGEMM {Kernel}, KC={ManagedGemm.KcTarget}, NC={ManagedGemm.NcTarget}");

    private string Kernel => _path switch
    {
        ManagedGemmPath.Avx512 => "AVX-512 12x32",
        ManagedGemmPath.Avx2 => "AVX2 6x16",
        _ => "scalar 4x4",
    };

    /// <summary>
    /// Threads one SGEMM may use (default 1): from 1 to <see cref="Environment.ProcessorCount"/>. Small products run on
    /// the calling thread regardless. The value does not change any result.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above <see cref="Environment.ProcessorCount"/>.</exception>
    public override int NumThreads
    {
        get => _numThreads;
        set
        {
            if (value < 1 || value > Environment.ProcessorCount)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(NumThreads),
                    value,
                    string.Create(CultureInfo.InvariantCulture, $"NumThreads must be between 1 and Environment.ProcessorCount ({Environment.ProcessorCount}), got {value}."));
            }

            if (value - 1 < _workers.Length)
            {
                for (int i = value - 1; i < _workers.Length; i++)
                {
                    _workers[i].Stop();
                }

                _workers = _workers.AsSpan(0, value - 1).ToArray();
            }

            _numThreads = value;
        }
    }

    /// <summary>The SGEMM code path this provider runs.</summary>
    internal ManagedGemmPath Path => _path;

    /// <inheritdoc />
    protected override unsafe void SgemmCore(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        fixed (float* pc = c)
        {
            if (k == 0 || alpha == 0f)
            {
                ManagedGemm.ScaleC(pc, ldc, m, n, beta);
                return;
            }

            fixed (float* pa = a)
            fixed (float* pb = b)
            {
                var g = new ManagedGemmArgs
                {
                    A = pa,
                    B = pb,
                    C = pc,
                    Lda = lda,
                    Ldb = ldb,
                    Ldc = ldc,
                    M = m,
                    N = n,
                    K = k,
                    Alpha = alpha,
                    Beta = beta,
                    TransA = transA == Transpose.Yes,
                    TransB = transB == Transpose.Yes,
                    Path = _path,
                };
                if (_path != ManagedGemmPath.Scalar && transA == Transpose.Yes && n <= ManagedGemm.Narrow(_path) && m >= ManagedGemm.Nr(_path))
                {
                    // A narrow C from a transposed A (e.g. an output layer's weight gradient, n = 10): compute
                    // Cᵀ = op(B)ᵀ·op(A)ᵀ so the register tile's wide side runs along m instead of being mostly padding;
                    // op(A)ᵀ is then packed by plain row copies. (With a non-transposed A the narrow kernel reads A in
                    // place instead, which avoids transposing A at all.)
                    g = g with
                    {
                        A = pb,
                        B = pa,
                        Lda = ldb,
                        Ldb = lda,
                        M = n,
                        N = m,
                        TransA = !g.TransB,
                        TransB = !g.TransA,
                        TransC = true,
                    };
                }

                ManagedGemm.Plan(ref g);
                RunSgemm(g);
            }
        }
    }

    /// <inheritdoc />
    protected override unsafe void SgemvCore(Transpose transA, int m, int n, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> x, float beta, Span<float> y)
    {
        fixed (float* pa = a)
        fixed (float* px = x)
        fixed (float* py = y)
        {
            if (transA == Transpose.No)
            {
                ManagedVectorOps.GemvNoTrans(m, n, alpha, pa, lda, px, beta, py);
            }
            else
            {
                ManagedVectorOps.GemvTrans(m, n, alpha, pa, lda, px, beta, py);
            }
        }
    }

    /// <inheritdoc />
    protected override unsafe void SaxpyCore(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        {
            ManagedVectorOps.Axpy(alpha, px, py, x.Length);
        }
    }

    /// <inheritdoc />
    protected override unsafe float SdotCore(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        {
            return ManagedVectorOps.Dot(px, py, x.Length);
        }
    }

    /// <inheritdoc />
    protected override unsafe float Snrm2Core(ReadOnlySpan<float> x)
    {
        fixed (float* px = x)
        {
            return ManagedVectorOps.Nrm2(px, x.Length);
        }
    }

    /// <summary>
    /// Runs a planned SGEMM on up to <see cref="NumThreads"/> threads (the operands are pinned by the caller), or, when
    /// another thread's call owns this instance's buffers and workers, on the calling thread alone with its own buffers.
    /// </summary>
    private void RunSgemm(in ManagedGemmArgs g)
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            // Same bits as the owned path: every element's K order depends only on the shape, not on the threads.
            ManagedGemm.Run(g, t_concurrentBuffers ??= new ManagedPackBuffers(), 0, g.M, 0, g.N);
            return;
        }

        try
        {
            RunOwned(g);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>The body of <see cref="RunSgemm"/> while this call owns the buffers and workers.</summary>
    private void RunOwned(in ManagedGemmArgs g)
    {
        int m = g.M, n = g.N;
        int threads = _numThreads;
        if (threads > 1 && 2.0 * m * n * g.K < MinParallelFlops)
        {
            threads = 1;
        }

        int mr = ManagedGemm.Mr(g.Path);
        int nr = ManagedGemm.Nr(g.Path);
        int mPanels = (m + mr - 1) / mr;
        int nPanels = (n + nr - 1) / nr;

        // Split the larger dimension (in whole register tiles, so every slice packs the least redundant data).
        bool splitN = nPanels >= mPanels;
        int panels = splitN ? nPanels : mPanels;
        threads = Math.Min(threads, panels);
        if (threads <= 1)
        {
            ManagedGemm.Run(g, _buffers, 0, m, 0, n);
            return;
        }

        EnsureWorkers(threads - 1);
        int step = splitN ? nr : mr;
        int total = splitN ? n : m;
        for (int t = 1; t < threads; t++)
        {
            int lo = Math.Min(total, (int)((long)panels * t / threads) * step);
            int hi = Math.Min(total, (int)((long)panels * (t + 1) / threads) * step);
            if (splitN)
            {
                _workers[t - 1].Post(g, 0, m, lo, hi);
            }
            else
            {
                _workers[t - 1].Post(g, lo, hi, 0, n);
            }
        }

        int end0 = Math.Min(total, (int)((long)panels / threads) * step);
        Exception? error = null;
        bool ownDone = false;
        try
        {
            if (splitN)
            {
                ManagedGemm.Run(g, _buffers, 0, m, 0, end0);
            }
            else
            {
                ManagedGemm.Run(g, _buffers, 0, end0, 0, n);
            }

            ownDone = true;
        }
        finally
        {
            // A slice no worker has started (it is descheduled or still waking up) is taken back and run here; the
            // rest are waited for. Nothing escapes before every worker is done with the pinned operands.
            for (int t = 1; t < threads; t++)
            {
                ManagedGemmWorker w = _workers[t - 1];
                if (w.TryTakeBack())
                {
                    if (ownDone && error is null)
                    {
                        try
                        {
                            w.RunHere(_buffers);
                        }
                        catch (Exception e)
                        {
                            error = e;
                        }
                    }

                    continue;
                }

                try
                {
                    w.Wait();
                }
                catch (InvalidOperationException e)
                {
                    error ??= e;
                }
            }
        }

        if (error is not null)
        {
            throw error;
        }
    }

    private void EnsureWorkers(int count)
    {
        if (_workers.Length >= count)
        {
            return;
        }

        var grown = new ManagedGemmWorker[count];
        Array.Copy(_workers, grown, _workers.Length);
        for (int i = _workers.Length; i < count; i++)
        {
            grown[i] = new ManagedGemmWorker(i + 1);
        }

        _workers = grown;
    }
}
