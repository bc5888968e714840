using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace MLNet.Optimizers.Compute;

/// <summary>
/// The BLAS provider backed by OpenBLAS (<c>libopenblas.so.0</c>), loaded at run time.
/// </summary>
/// <remarks>
/// <para>
/// <b>Where it looks.</b> The file named by the environment variable <see cref="PathEnvironmentVariable"/> when set
/// (and nothing else then); otherwise <c>libopenblas.so.0</c> through the loader's search path (on Debian/Ubuntu the
/// alternatives link to the <c>openblas-pthread</c> or <c>openblas-openmp</c> build), then those directories
/// explicitly, then <c>libopenblas.so</c> and the usual <c>/usr/lib64</c> and <c>/opt/OpenBLAS</c> locations
/// (<c>libopenblas.dll</c> / <c>libopenblas.dylib</c> on Windows / macOS).
/// </para>
/// <para>
/// <b>Core type.</b> A DYNAMIC_ARCH OpenBLAS picks its kernels from the CPU model when it loads. Releases older than
/// the CPU (0.3.21 on Sapphire Rapids, for instance) fall back to their AVX2 (Haswell) kernels. When the CPU supports
/// AVX-512 (F, BW, DQ, VL) and the user has not set <c>OPENBLAS_CORETYPE</c>, the provider sets
/// <c>OPENBLAS_CORETYPE=SkylakeX</c> in the native environment (libc <c>setenv</c>; .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach native code) before loading the
/// library. Set <c>OPENBLAS_CORETYPE</c> yourself (for example to <c>Haswell</c>) to choose otherwise; a value set
/// only through .NET is copied to the native environment. It has no effect when OpenBLAS was already loaded in the
/// process by something else. <see cref="CoreName"/> reports the kernels in use.
/// </para>
/// <para>
/// <b>Threads.</b> <c>openblas_set_num_threads</c> is process-wide; see <see cref="NativeBlasProvider"/>. A 64-bit
/// integer (<c>USE64BITINT</c>) build is rejected, since the provider passes 32-bit integers.
/// </para>
/// </remarks>
public sealed unsafe class OpenBlasProvider : NativeBlasProvider
{
    /// <summary>The environment variable naming the OpenBLAS library file to load instead of searching: <c>MLNET_OPTIMIZERS_OPENBLAS_PATH</c>.</summary>
    public const string PathEnvironmentVariable = "MLNET_OPTIMIZERS_OPENBLAS_PATH";

    /// <summary>The core type set when the CPU supports AVX-512 and the user set none: <c>SkylakeX</c>.</summary>
    public const string Avx512CoreType = "SkylakeX";

    private static readonly object s_gate = new();
    private static State? s_state;

    private readonly State _state;

    private OpenBlasProvider(State state, int numThreads, string loadTrace)
        : base(state.Library, numThreads, loadTrace)
    {
        _state = state;
    }

    /// <inheritdoc />
    public override string Name => "openblas";

    /// <summary>OpenBLAS's build configuration, the kernels in use and where that choice came from, the library file and thread count.</summary>
    public override string Description => string.Create(
        CultureInfo.InvariantCulture,
        $"openblas: {Config} | core {CoreName}{_state.CoreNote} | {LibraryPath} | {NumThreads} thread(s)");

    /// <summary>OpenBLAS's build configuration and kernels, with the thread count (no file path).</summary>
    public override ComputeProvenance Provenance => new(Name, "all=" + Name, LibraryProvenance, NumThreads);

    /// <summary>The library part of <see cref="Provenance"/>.</summary>
    internal string LibraryProvenance => "openblas " + Config + ", core " + CoreName;

    /// <summary>The kernels OpenBLAS uses (<c>openblas_get_corename</c>), e.g. <c>SkylakeX</c> or <c>Haswell</c>.</summary>
    public string CoreName => _state.CoreName;

    /// <summary>OpenBLAS's build configuration (<c>openblas_get_config</c>), e.g. <c>OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64</c>.</summary>
    public string Config => _state.Config;

    /// <summary>The <c>OPENBLAS_CORETYPE</c> value in the native environment when OpenBLAS was loaded, or null when none was.</summary>
    public string? CoreTypeOverride => _state.CoreType;

    /// <summary>Loads OpenBLAS (or reuses the copy already loaded in this process) and returns a provider using <paramref name="numThreads"/> threads.</summary>
    /// <param name="numThreads">Threads per call (clamped to the build's maximum; 1 for a single-threaded build).</param>
    /// <returns>The provider.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numThreads"/> is less than 1.</exception>
    /// <exception cref="BlasProviderLoadException">OpenBLAS could not be loaded; the message contains the load trace.</exception>
    public static OpenBlasProvider Load(int numThreads = 1)
    {
        if (!TryLoad(out OpenBlasProvider? provider, out string trace, numThreads))
        {
            throw new BlasProviderLoadException("OpenBLAS (libopenblas) could not be loaded.", trace);
        }

        return provider;
    }

    /// <summary>Tries to load OpenBLAS (or reuses the copy already loaded in this process); never throws for a missing or broken library.</summary>
    /// <param name="provider">The provider, or null on failure.</param>
    /// <param name="loadTrace">What was tried, the loader's error for each failure, and the configuration applied.</param>
    /// <param name="numThreads">Threads per call (clamped to the build's maximum; 1 for a single-threaded build).</param>
    /// <returns>True when OpenBLAS was loaded.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numThreads"/> is less than 1.</exception>
    public static bool TryLoad([NotNullWhen(true)] out OpenBlasProvider? provider, out string loadTrace, int numThreads = 1)
    {
        if (numThreads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(numThreads), numThreads, $"numThreads must be >= 1, got {numThreads}.");
        }

        State? state = LoadOnce(ref s_state, s_gate, numThreads, static (n, trace) => Initialize(n, trace), out bool reused, out string? failure);
        if (state == null)
        {
            provider = null;
            loadTrace = failure!;
            return false;
        }

        loadTrace = reused
            ? state.Trace + "reused: OpenBLAS was already loaded and configured in this process (the settings above are process-wide)." + Environment.NewLine
            : state.Trace;
        provider = new OpenBlasProvider(state, numThreads, loadTrace);
        return true;
    }

    private static List<string> Candidates(StringBuilder trace)
    {
        if (ExplicitCandidate(PathEnvironmentVariable, trace, out List<string> list))
        {
            return list;
        }

        if (OperatingSystem.IsWindows())
        {
            list.AddRange(["libopenblas.dll", "openblas.dll"]);
            return list;
        }

        if (OperatingSystem.IsMacOS())
        {
            list.AddRange(["libopenblas.0.dylib", "libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib", "/usr/local/opt/openblas/lib/libopenblas.dylib"]);
            return list;
        }

        string triplet = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.Arm64 => "aarch64-linux-gnu",
            Architecture.X64 => "x86_64-linux-gnu",
            _ => RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant() + "-linux-gnu",
        };
        string multiarch = "/usr/lib/" + triplet;
        list.Add("libopenblas.so.0");
        list.Add(Path.Combine(multiarch, "openblas-pthread", "libopenblas.so.0"));
        list.Add(Path.Combine(multiarch, "openblas-openmp", "libopenblas.so.0"));
        list.Add(Path.Combine(multiarch, "openblas-serial", "libopenblas.so.0"));
        list.Add(Path.Combine(multiarch, "libopenblas.so.0"));
        list.Add("libopenblas.so");
        list.Add("/usr/lib64/libopenblas.so.0");
        list.Add("/usr/lib64/libopenblasp.so.0");
        list.Add("/opt/OpenBLAS/lib/libopenblas.so");
        return list;
    }

    private static State? Initialize(int numThreads, StringBuilder trace)
    {
        trace.AppendLine("OpenBLAS provider load trace:");
        trace.Append("  machine: ").Append(NativeLibraryLoader.MachineSummary).AppendLine();
        trace.Append("  C runtime helpers: ").Append(NativeLibraryLoader.LibCSource).AppendLine();

        List<string> candidates = Candidates(trace);
        NativeLibraryLoader.LimitIdleSpinning(trace);

        // OPENBLAS_CORETYPE is read once, when the library initializes: it must be in the native environment before the load.
        bool avx512 = NativeLibraryLoader.HasAvx512Skx;
        foreach (string c in candidates)
        {
            if (NativeLibraryLoader.IsAlreadyLoaded(c))
            {
                trace.Append("  note: '").Append(c).AppendLine("' is already loaded in this process: OPENBLAS_CORETYPE set now cannot change its kernels");
                break;
            }
        }

        string? coreType = NativeLibraryLoader.EnsureNativeEnvironmentVariable("OPENBLAS_CORETYPE", avx512 ? Avx512CoreType : null, out string origin);
        bool weSetCoreType = avx512 && coreType == Avx512CoreType && origin.StartsWith("not set by the user", StringComparison.Ordinal);
        trace.Append("  OPENBLAS_CORETYPE: ").Append(coreType == null ? "(none)" : "'" + coreType + "'").Append(" (").Append(origin)
            .Append("; CPU AVX-512 F/BW/DQ/VL: ").Append(avx512 ? "yes" : "no").AppendLine(")");

        NativeBlasLibrary? library = null;
        IntPtr setThreads = IntPtr.Zero;
        foreach (string candidate in candidates)
        {
            IntPtr handle = NativeLibraryLoader.TryLoad(candidate, trace);
            if (handle == IntPtr.Zero)
            {
                continue;
            }

            var lib = new NativeBlasLibrary(handle, candidate);
            bool ok = lib.TryResolveCblas(trace);
            setThreads = lib.Export("openblas_set_num_threads", trace, ref ok);
            if (!ok)
            {
                trace.Append("  '").Append(candidate).AppendLine("' is not OpenBLAS (exports missing); trying the next candidate");
                continue;
            }

            string config = ReadString(lib, "openblas_get_config");
            if (config.Contains("USE64BITINT", StringComparison.Ordinal))
            {
                trace.Append("  '").Append(candidate).Append("' is a 64-bit-integer build (").Append(config).AppendLine("); 32-bit integers are passed, so it is skipped");
                continue;
            }

            lib.Path = NativeLibraryLoader.FileOf((IntPtr)lib.Sgemm) ?? candidate;
            library = lib;
            trace.Append("  using ").Append(lib.Path).AppendLine();
            break;
        }

        if (library == null)
        {
            trace.AppendLine("  result: no usable OpenBLAS found. Install it (Debian/Ubuntu: libopenblas0) or set " + PathEnvironmentVariable + " to the library file.");
            return null;
        }

        string configString = ReadString(library, "openblas_get_config");
        string coreName = ReadString(library, "openblas_get_corename");
        IntPtr getParallel = library.OptionalExport("openblas_get_parallel");
        int parallel = getParallel == IntPtr.Zero ? -1 : ((delegate* unmanaged[Cdecl]<int>)getParallel)();
        int maxThreads = ParseMaxThreads(configString);
        library.MaxThreads = parallel == 0 ? 1 : Math.Max(1, Math.Min(maxThreads, Environment.ProcessorCount));
        library.SetNumThreads = (delegate* unmanaged[Cdecl]<int, void>)setThreads;
        IntPtr getThreads = library.OptionalExport("openblas_get_num_threads");
        library.GetNumThreads = (delegate* unmanaged[Cdecl]<int>)getThreads;
        trace.Append("  config: ").Append(configString).AppendLine();
        trace.Append("  parallel: ").Append(parallel switch { 0 => "sequential build", 1 => "pthreads", 2 => "OpenMP", _ => "unknown" })
            .Append(", max threads ").Append(library.MaxThreads.ToString(CultureInfo.InvariantCulture)).AppendLine();

        string coreNote;
        if (weSetCoreType && !string.Equals(coreName, Avx512CoreType, StringComparison.OrdinalIgnoreCase))
        {
            coreNote = " (OPENBLAS_CORETYPE=" + Avx512CoreType + " had no effect: library loaded earlier, or built without that kernel)";
        }
        else if (weSetCoreType)
        {
            coreNote = " (OPENBLAS_CORETYPE=" + Avx512CoreType + " set by MLNet.Optimizers)";
        }
        else if (coreType != null)
        {
            coreNote = " (OPENBLAS_CORETYPE=" + coreType + " from the environment)";
        }
        else
        {
            coreNote = " (detected by OpenBLAS)";
        }

        trace.Append("  core: ").Append(coreName).Append(coreNote).AppendLine();

        library.ApplyInitialThreads(numThreads, trace);

        if (!library.WarmUp("OpenBLAS", trace))
        {
            return null;
        }

        trace.AppendLine("  result: ok");
        return new State(library, configString, coreName, coreType, coreNote, trace.ToString());
    }

    private static int ParseMaxThreads(string config)
    {
        const string Key = "MAX_THREADS=";
        int i = config.IndexOf(Key, StringComparison.Ordinal);
        if (i < 0)
        {
            return int.MaxValue;
        }

        int start = i + Key.Length, end = start;
        while (end < config.Length && char.IsAsciiDigit(config[end]))
        {
            end++;
        }

        return int.TryParse(config.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : int.MaxValue;
    }

    private static string ReadString(NativeBlasLibrary library, string export)
    {
        IntPtr f = library.OptionalExport(export);
        return f == IntPtr.Zero
            ? "(" + export + " missing)"
            : (NativeLibraryLoader.PtrToString(((delegate* unmanaged[Cdecl]<byte*>)f)()) ?? string.Empty).Trim();
    }

    private sealed class State(NativeBlasLibrary library, string config, string coreName, string? coreType, string coreNote, string trace)
    {
        public NativeBlasLibrary Library { get; } = library;

        public string Config { get; } = config;

        public string CoreName { get; } = coreName;

        public string? CoreType { get; } = coreType;

        public string CoreNote { get; } = coreNote;

        public string Trace { get; } = trace;
    }
}
