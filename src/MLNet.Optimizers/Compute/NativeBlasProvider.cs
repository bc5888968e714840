using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace MLNet.Optimizers.Compute;

/// <summary>
/// A <see cref="BlasProvider"/> backed by a CBLAS library loaded at run time (<see cref="MklProvider"/>,
/// <see cref="OpenBlasProvider"/>). The five CBLAS entry points are resolved once per process with
/// <see cref="NativeLibrary.GetExport(IntPtr, string)"/> and called through unmanaged function pointers on pinned
/// (<c>fixed</c>) spans: a call allocates nothing and adds only the argument checks of <see cref="BlasProvider"/>.
/// </summary>
/// <remarks>
/// <para>
/// Library handles are process-wide and never freed: every provider instance for the same library shares them, and
/// loading again is cheap. The thread count, however, is a setting of the native library for the whole process:
/// each instance remembers its own <see cref="NumThreads"/> and re-applies it before a call when another instance
/// changed it. Instances with different thread counts used at the same time from different threads race on that
/// setting: the results stay correct, but a call may run with the other instance's thread count, and for products
/// that the library splits along K (OpenBLAS; MKL unless <c>MKL_CBWR=AUTO,STRICT</c>) that changes the last bits. At
/// one thread count, each library gives the same bits on every call (see <see cref="MklProvider"/> for MKL's
/// reproducibility settings); concurrent calls through one instance are safe.
/// </para>
/// <para>
/// Edge cases are handled in managed code so every provider agrees: SGEMM with <c>k = 0</c> and SGEMV with an empty
/// <c>x</c> compute <c>beta * C</c> (or <c>beta * y</c>; zero when <c>beta</c> is 0) without calling the library.
/// </para>
/// </remarks>
public abstract unsafe class NativeBlasProvider : BlasProvider
{
    private const int CblasRowMajor = 101;

    private readonly NativeBlasLibrary _library;
    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemv;
    private readonly delegate* unmanaged[Cdecl]<int, float, float*, int, float*, int, void> _saxpy;
    private readonly delegate* unmanaged[Cdecl]<int, float*, int, float*, int, float> _sdot;
    private readonly delegate* unmanaged[Cdecl]<int, float*, int, float> _snrm2;
    private int _numThreads;

    private protected NativeBlasProvider(NativeBlasLibrary library, int numThreads, string loadTrace)
    {
        _library = library;
        _sgemm = library.Sgemm;
        _sgemv = library.Sgemv;
        _saxpy = library.Saxpy;
        _sdot = library.Sdot;
        _snrm2 = library.Snrm2;
        LoadTrace = loadTrace;
        _numThreads = library.SetThreads(numThreads);
    }

    /// <summary>The library file that was loaded (as reported by the dynamic loader when it can tell, else the name that was loaded).</summary>
    public string LibraryPath => _library.Path;

    /// <summary>
    /// The load trace: the machine, every candidate path tried and the loader's error for each, the exports resolved,
    /// and the configuration applied (environment variables, threading layer, instruction set, core type).
    /// </summary>
    public string LoadTrace { get; }

    /// <summary>The largest useful <see cref="NumThreads"/> for this library as loaded (1 for a sequential build or layer).</summary>
    public int MaxThreads => _library.MaxThreads;

    /// <summary>
    /// Threads the library may use for one call made through this instance. Values above <see cref="MaxThreads"/>
    /// are clamped; the getter returns the value the library reported back.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public sealed override int NumThreads
    {
        get => _numThreads;
        set
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"NumThreads must be >= 1, got {value}.");
            }

            _numThreads = _library.SetThreads(value);
        }
    }

    /// <summary>
    /// Calls the library's <c>cblas_sgemm</c> (row-major) directly. <strong>No validation: for benchmarks</strong> —
    /// it measures the cost of the raw function-pointer call, which <see cref="BlasProvider.Sgemm"/> adds its checks to.
    /// Wrong dimensions or pointers read or write out of bounds. It does not re-apply this instance's
    /// <see cref="NumThreads"/> either: the library uses its current process-wide setting.
    /// </summary>
    /// <param name="transA">Whether A is used transposed.</param>
    /// <param name="transB">Whether B is used transposed.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row-major.</param>
    /// <param name="lda">Row stride of A as stored.</param>
    /// <param name="b">B, row-major.</param>
    /// <param name="ldb">Row stride of B as stored.</param>
    /// <param name="beta">Scale of the existing C.</param>
    /// <param name="c">C, row-major.</param>
    /// <param name="ldc">Row stride of C.</param>
    public void SgemmUnchecked(Transpose transA, Transpose transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        => _sgemm(CblasRowMajor, (int)transA, (int)transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <inheritdoc />
    protected sealed override void SgemmCore(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (k == 0)
        {
            for (int i = 0; i < m; i++)
            {
                Scale(c.Slice(i * ldc, n), beta);
            }

            return;
        }

        SyncThreads();
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            _sgemm(CblasRowMajor, (int)transA, (int)transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    /// <inheritdoc />
    protected sealed override void SgemvCore(Transpose transA, int m, int n, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> x, float beta, Span<float> y)
    {
        int xLen = transA == Transpose.No ? n : m;
        int yLen = transA == Transpose.No ? m : n;
        if (xLen == 0)
        {
            // Reference BLAS returns early here and leaves y unscaled; the operation's definition gives beta * y.
            Scale(y[..yLen], beta);
            return;
        }

        SyncThreads();
        fixed (float* pa = a)
        fixed (float* px = x)
        fixed (float* py = y)
        {
            _sgemv(CblasRowMajor, (int)transA, m, n, alpha, pa, lda, px, 1, beta, py, 1);
        }
    }

    /// <inheritdoc />
    protected sealed override void SaxpyCore(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        SyncThreads();
        fixed (float* px = x)
        fixed (float* py = y)
        {
            _saxpy(x.Length, alpha, px, 1, py, 1);
        }
    }

    /// <inheritdoc />
    protected sealed override float SdotCore(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        SyncThreads();
        fixed (float* px = x)
        fixed (float* py = y)
        {
            return _sdot(x.Length, px, 1, py, 1);
        }
    }

    /// <inheritdoc />
    protected sealed override float Snrm2Core(ReadOnlySpan<float> x)
    {
        SyncThreads();
        fixed (float* px = x)
        {
            return _snrm2(x.Length, px, 1);
        }
    }

    /// <summary>
    /// The process-wide load of one library, done once: returns the state in <paramref name="slot"/>, or runs
    /// <paramref name="initialize"/> under <paramref name="gate"/> and publishes its result when it is not null.
    /// </summary>
    /// <typeparam name="TState">The provider's per-process state.</typeparam>
    /// <typeparam name="TArg">What <paramref name="initialize"/> needs (passed through so the caller's lambda can be static).</typeparam>
    /// <param name="slot">The provider's static state field.</param>
    /// <param name="gate">The provider's static lock.</param>
    /// <param name="arg">Passed to <paramref name="initialize"/>.</param>
    /// <param name="initialize">Loads and configures the library, writing the load trace; null on failure.</param>
    /// <param name="reused">True when the state was already loaded before this call.</param>
    /// <param name="failureTrace">The load trace when loading failed, else null.</param>
    /// <returns>The state, or null when loading failed.</returns>
    private protected static TState? LoadOnce<TState, TArg>(ref TState? slot, object gate, TArg arg, Func<TArg, StringBuilder, TState?> initialize, out bool reused, out string? failureTrace)
        where TState : class
    {
        failureTrace = null;
        TState? state = Volatile.Read(ref slot);
        reused = state != null;
        if (state != null)
        {
            return state;
        }

        lock (gate)
        {
            state = slot;
            reused = state != null;
            if (state == null)
            {
                var trace = new StringBuilder();
                state = initialize(arg, trace);
                if (state == null)
                {
                    failureTrace = trace.ToString();
                    return null;
                }

                Volatile.Write(ref slot, state);
            }
        }

        return state;
    }

    /// <summary>
    /// Starts the candidate list: only the file named by <paramref name="pathVariable"/> when that environment variable
    /// is set (true), else an empty list for the caller's search (false); the load trace says which.
    /// </summary>
    /// <param name="pathVariable">The provider's path environment variable.</param>
    /// <param name="trace">The load trace.</param>
    /// <param name="list">The new candidate list.</param>
    /// <returns>True when the variable is set and the list is final.</returns>
    private protected static bool ExplicitCandidate(string pathVariable, StringBuilder trace, out List<string> list)
    {
        list = new List<string>();
        string? explicitPath = Environment.GetEnvironmentVariable(pathVariable);
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            trace.Append("  ").Append(pathVariable).Append("='").Append(explicitPath).AppendLine("': trying only that file");
            list.Add(explicitPath);
            return true;
        }

        trace.Append("  ").Append(pathVariable).AppendLine(" not set: searching the usual names and directories");
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SyncThreads()
    {
        if (_library.AppliedThreads != _numThreads)
        {
            _library.SetThreads(_numThreads);
        }
    }

    private static void Scale(Span<float> v, float beta)
    {
        if (beta == 0f)
        {
            v.Clear();
        }
        else if (beta != 1f)
        {
            for (int i = 0; i < v.Length; i++)
            {
                v[i] *= beta;
            }
        }
    }
}

/// <summary>A native BLAS library that could not be loaded; <see cref="LoadTrace"/> says what was tried and why each attempt failed.</summary>
public sealed class BlasProviderLoadException : Exception
{
    /// <summary>Creates the exception; the message is <paramref name="message"/> followed by the load trace.</summary>
    /// <param name="message">What could not be loaded.</param>
    /// <param name="loadTrace">Every path tried with the loader's error for each, and any missing exports.</param>
    /// <param name="inner">The error behind it, if any.</param>
    public BlasProviderLoadException(string message, string loadTrace, Exception? inner = null)
        : base(message + Environment.NewLine + loadTrace, inner)
    {
        LoadTrace = loadTrace;
    }

    /// <summary>Every path tried with the loader's error for each, any missing exports, and the configuration attempted.</summary>
    public string LoadTrace { get; }
}

/// <summary>One loaded CBLAS library: its handle, resolved entry points and process-wide thread setting.</summary>
internal sealed unsafe class NativeBlasLibrary
{
    public delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm;
    public delegate* unmanaged[Cdecl]<int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemv;
    public delegate* unmanaged[Cdecl]<int, float, float*, int, float*, int, void> Saxpy;
    public delegate* unmanaged[Cdecl]<int, float*, int, float*, int, float> Sdot;
    public delegate* unmanaged[Cdecl]<int, float*, int, float> Snrm2;

    /// <summary>Sets the library's thread count (null when the library is sequential).</summary>
    public delegate* unmanaged[Cdecl]<int, void> SetNumThreads;

    /// <summary>Reads the library's thread count back (may be null).</summary>
    public delegate* unmanaged[Cdecl]<int> GetNumThreads;

    private readonly object _gate = new();
    private int _appliedThreads;

    public NativeBlasLibrary(IntPtr handle, string path)
    {
        Handle = handle;
        Path = path;
    }

    public IntPtr Handle { get; }

    /// <summary>The file loaded (the name given, or the file the loader mapped when it can tell).</summary>
    public string Path { get; set; }

    public int MaxThreads { get; set; } = 1;

    /// <summary>The thread count last applied to the library by any provider instance (0 before the first).</summary>
    public int AppliedThreads => Volatile.Read(ref _appliedThreads);

    /// <summary>
    /// Resolves the five CBLAS exports; appends the missing ones to <paramref name="trace"/>.
    /// </summary>
    /// <param name="trace">The load trace.</param>
    /// <returns>True when all were found.</returns>
    public bool TryResolveCblas(StringBuilder trace)
    {
        bool ok = true;
        Sgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)Export("cblas_sgemm", trace, ref ok);
        Sgemv = (delegate* unmanaged[Cdecl]<int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)Export("cblas_sgemv", trace, ref ok);
        Saxpy = (delegate* unmanaged[Cdecl]<int, float, float*, int, float*, int, void>)Export("cblas_saxpy", trace, ref ok);
        Sdot = (delegate* unmanaged[Cdecl]<int, float*, int, float*, int, float>)Export("cblas_sdot", trace, ref ok);
        Snrm2 = (delegate* unmanaged[Cdecl]<int, float*, int, float>)Export("cblas_snrm2", trace, ref ok);
        return ok;
    }

    /// <summary>A required export; records a missing one in the trace and clears <paramref name="ok"/>.</summary>
    /// <param name="name">The export.</param>
    /// <param name="trace">The load trace.</param>
    /// <param name="ok">Cleared when missing.</param>
    /// <returns>The address, or zero.</returns>
    public IntPtr Export(string name, StringBuilder trace, ref bool ok)
    {
        if (NativeLibrary.TryGetExport(Handle, name, out IntPtr address))
        {
            return address;
        }

        trace.Append("  missing export: ").Append(name).AppendLine();
        ok = false;
        return IntPtr.Zero;
    }

    /// <summary>An optional export, or zero.</summary>
    /// <param name="name">The export.</param>
    /// <returns>The address, or zero.</returns>
    public IntPtr OptionalExport(string name) => NativeLibrary.TryGetExport(Handle, name, out IntPtr address) ? address : IntPtr.Zero;

    /// <summary>Applies the first instance's thread count and records the requested and effective counts in the trace.</summary>
    /// <param name="requested">The wanted count (at least 1).</param>
    /// <param name="trace">The load trace.</param>
    public void ApplyInitialThreads(int requested, StringBuilder trace)
    {
        int threads = SetThreads(requested);
        trace.Append("  threads: requested ").Append(requested.ToString(CultureInfo.InvariantCulture))
            .Append(", effective ").Append(threads.ToString(CultureInfo.InvariantCulture)).AppendLine();
    }

    /// <summary>
    /// One 1×1×1 SGEMM (1 × 2): makes the library load its kernels and dispatch now, not in the caller's first timed
    /// call, and rejects a library that gets it wrong.
    /// </summary>
    /// <param name="name">The library's name for the trace.</param>
    /// <param name="trace">The load trace.</param>
    /// <returns>True when the result was 2.</returns>
    public bool WarmUp(string name, StringBuilder trace)
    {
        float one = 1f, two = 2f, result = 0f;
        Sgemm(101, 111, 111, 1, 1, 1, 1f, &one, 1, &two, 1, 0f, &result, 1);
        trace.Append("  warm-up sgemm 1x1x1: ").Append(result == 2f ? "ok" : "WRONG RESULT " + result.ToString("R", CultureInfo.InvariantCulture)).AppendLine();
        if (result != 2f)
        {
            trace.Append("  result: ").Append(name).AppendLine(" returned a wrong result; not used.");
            return false;
        }

        return true;
    }

    /// <summary>Applies a thread count (clamped to [1, <see cref="MaxThreads"/>]) and returns the one the library reports.</summary>
    /// <param name="requested">The wanted count (at least 1).</param>
    /// <returns>The effective count.</returns>
    public int SetThreads(int requested)
    {
        int n = Math.Clamp(requested, 1, MaxThreads);
        lock (_gate)
        {
            if (SetNumThreads != null)
            {
                SetNumThreads(n);
                if (GetNumThreads != null)
                {
                    int actual = GetNumThreads();
                    n = actual >= 1 ? actual : n;
                }
            }
            else
            {
                n = 1;
            }

            Volatile.Write(ref _appliedThreads, n);
        }

        return n;
    }
}
