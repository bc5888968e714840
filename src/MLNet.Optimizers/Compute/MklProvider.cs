using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace MLNet.Optimizers.Compute;

/// <summary>MKL's threading layers (the <c>MKL_THREADING_*</c> codes of <c>MKL_Set_Threading_Layer</c>).</summary>
public enum MklThreadingLayer
{
    /// <summary>Intel OpenMP (<c>libiomp5</c>); MKL's default, never chosen by <see cref="MklProvider"/>.</summary>
    Intel = 0,

    /// <summary>No threading: every call runs on the calling thread.</summary>
    Sequential = 1,

    /// <summary>PGI OpenMP; never chosen by <see cref="MklProvider"/>.</summary>
    Pgi = 2,

    /// <summary>GNU OpenMP (<c>libgomp</c>).</summary>
    Gnu = 3,

    /// <summary>Intel TBB; never chosen by <see cref="MklProvider"/>.</summary>
    Tbb = 4,
}

/// <summary>
/// The highest instruction set MKL may dispatch to (the <c>MKL_ENABLE_*</c> codes of <c>MKL_Enable_Instructions</c>).
/// A cap only lowers MKL's choice; it never enables a path the CPU lacks (or that MKL withholds from non-Intel CPUs).
/// </summary>
public enum MklInstructionSet
{
    /// <summary>No cap: MKL picks the best path it supports for the CPU.</summary>
    Default = -1,

    /// <summary>SSE4.2.</summary>
    Sse42 = 0,

    /// <summary>AVX.</summary>
    Avx = 1,

    /// <summary>AVX2 (with FMA).</summary>
    Avx2 = 2,

    /// <summary>AVX-512 (Skylake-SP class).</summary>
    Avx512 = 4,

    /// <summary>AVX-512 with VNNI (Cascade Lake class and later).</summary>
    Avx512E1 = 6,
}

/// <summary>
/// The BLAS provider backed by Intel MKL's single dynamic library (<c>libmkl_rt</c>), loaded at run time.
/// </summary>
/// <remarks>
/// <para>
/// <b>Where it looks.</b> The file named by the environment variable <see cref="PathEnvironmentVariable"/> when set
/// (and nothing else then); otherwise <c>libmkl_rt.so</c>, <c>libmkl_rt.so.2</c>, <c>libmkl_rt.so.1</c> through the
/// loader's search path, <c>$MKLROOT</c>, the multiarch directory (Debian's <c>libmkl-rt</c> package) and the usual
/// oneAPI install directories (<c>mkl_rt.2.dll</c> / <c>libmkl_rt.dylib</c> on Windows / macOS).
/// </para>
/// <para>
/// <b>Threading layer.</b> MKL's default layer is Intel OpenMP; without <c>libiomp5</c> (not shipped by Debian's
/// packages) the first BLAS call terminates the process with <c>undefined symbol: omp_get_num_procs</c>. The provider
/// therefore selects the layer with <c>MKL_Set_Threading_Layer</c> before any other MKL call: GNU OpenMP whenever
/// <c>libgomp.so.1</c> can be loaded (it costs nothing at one thread and lets later instances use more) — with <c>RTLD_GLOBAL</c>, because
/// <c>libmkl_gnu_thread</c> does not link libgomp and .NET's <see cref="NativeLibrary"/> loads libraries locally —
/// and the sequential layer otherwise. An <c>MKL_THREADING_LAYER</c> environment variable of <c>SEQUENTIAL</c> or
/// <c>GNU</c> overrides that choice (other values are ignored, as their runtimes may be missing). The layer is fixed
/// for the process by the first load: without libgomp every instance stays sequential.
/// </para>
/// <para>
/// <b>Instruction set.</b> MKL dispatches once, on its first call; <see cref="CodePath"/> reports the path it chose
/// and a <see cref="MklInstructionSet"/> cap passed to the first <see cref="Load"/> lowers it
/// (<c>MKL_Enable_Instructions</c>).
/// </para>
/// <para>
/// <b>Reproducibility.</b> Before MKL computes anything the provider turns on MKL's conditional numerical
/// reproducibility (CNR) mode with the automatic branch (<c>mkl_cbwr_set(MKL_CBWR_AUTO)</c>: the code path MKL would
/// pick anyway, with fixed cache sizes, deterministic reductions and static scheduling) and disables MKL's dynamic
/// thread adjustment (<c>mkl_set_dynamic(0)</c>), so on a given machine a given thread count gives the same bits on
/// every call and in every run, whatever the alignment of the operands or the load on the machine. Results can still
/// differ between thread counts (MKL splits the K dimension of some products across threads). An <c>MKL_CBWR</c>
/// value in the environment is used instead of the automatic branch: <c>MKL_CBWR=AUTO,STRICT</c> also makes SGEMM
/// independent of the thread count, at a cost (narrow products such as 256×10×256 ran 2.4× slower at 1 thread here).
/// <see cref="Reproducibility"/> reports the mode in force. Both settings are process-wide and fixed by the first load.
/// </para>
/// <para>
/// <b>AMD CPUs.</b> MKL checks the CPU vendor and gives non-Intel CPUs a generic (SSE) code path for most kernels,
/// about half the AVX2 speed or worse. On an <c>AuthenticAMD</c> (or Hygon) CPU the provider sets
/// <c>MKL_DEBUG_CPU_TYPE=5</c> through libc <c>setenv</c> before loading MKL (unless the variable is already set),
/// which makes MKL 2020.0 and earlier use the AVX2 path. MKL 2020 Update 1 and later ignore that variable; for them
/// the remaining options are to use <see cref="OpenBlasProvider"/>, a newer oneMKL (2022+ has Zen-aware GEMM
/// kernels), or to preload (<c>LD_PRELOAD</c>) a shim library defining <c>int mkl_serv_intel_cpu_true(void)</c>
/// returning 1. <see cref="Description"/> and <see cref="NativeBlasProvider.LoadTrace"/> say which path is active.
/// </para>
/// </remarks>
public sealed unsafe class MklProvider : NativeBlasProvider
{
    /// <summary>The environment variable naming the MKL library file to load instead of searching: <c>MLNET_OPTIMIZERS_MKL_PATH</c>.</summary>
    public const string PathEnvironmentVariable = "MLNET_OPTIMIZERS_MKL_PATH";

    private const int MklInterfaceLp64 = 0;
    private const int MklCbwrAvx2 = 10;
    private const int MklCbwrAuto = 2;
    private const int MklCbwrStrict = 0x10000;
    private const int MklCbwrAll = ~0;

    private static readonly object s_gate = new();
    private static State? s_state;

    private readonly State _state;

    private MklProvider(State state, int numThreads, string loadTrace)
        : base(state.Library, numThreads, loadTrace)
    {
        _state = state;
    }

    /// <inheritdoc />
    public override string Name => "mkl";

    /// <summary>
    /// MKL's version, the library file, the threading layer and thread count, the code path MKL dispatched to, any
    /// instruction-set cap, on AMD CPUs which workaround is active, and the reproducibility mode.
    /// </summary>
    public override string Description => string.Create(
        CultureInfo.InvariantCulture,
        $"mkl: {Version} | {LibraryPath} | threading {ThreadingLayer}, {NumThreads} thread(s){(DynamicThreads ? ", dynamic" : string.Empty)} | code path: {CodePath}{_state.CapNote}{_state.AmdNote} | {Reproducibility}");

    /// <summary>MKL's version string (<c>MKL_Get_Version_String</c>).</summary>
    public string Version => _state.Version;

    /// <summary>
    /// The code path MKL dispatched to: the <c>Processor</c> field of <c>MKL_Get_Version</c>, e.g.
    /// <c>Intel(R) Advanced Vector Extensions 512 (Intel(R) AVX-512) ...</c>, followed by the CNR auto branch.
    /// </summary>
    public string CodePath => _state.CodePath;

    /// <summary>
    /// The branch MKL's automatic code-path choice dispatches to on this CPU (<c>mkl_cbwr_get_auto_branch</c>), e.g.
    /// <c>AVX512_E1</c> on a recent Intel CPU, or <c>AUTO</c> / <c>SSE2</c>-class names when MKL withholds its vectorized
    /// kernels (MKL 2020.1+ on AMD CPUs). The default provider rule uses MKL only when this is as wide as the CPU allows.
    /// </summary>
    public string AutoBranch => BranchName(_state.BranchCode);

    /// <summary>The <see cref="AutoBranch"/> code (10 AVX2, 12 AVX512, 14 AVX512_E1; 0 when MKL does not report it).</summary>
    internal int AutoBranchCode => _state.BranchCode;

    /// <summary>MKL's version, threading layer, code path and reproducibility mode, with the thread count (no file path).</summary>
    public override ComputeProvenance Provenance => new(
        Name,
        "all=" + Name,
        LibraryProvenance,
        NumThreads);

    /// <summary>The library part of <see cref="Provenance"/>.</summary>
    internal string LibraryProvenance => string.Create(
        CultureInfo.InvariantCulture,
        $"mkl {_state.NumericVersion}, threading {ThreadingLayer}, code path {CodePath}{_state.CapNote}, {Reproducibility}");

    /// <summary>The threading layer MKL runs with in this process.</summary>
    public MklThreadingLayer ThreadingLayer => _state.Layer;

    /// <summary>The instruction-set cap applied when MKL was first loaded in this process (<see cref="MklInstructionSet.Default"/> for none).</summary>
    public MklInstructionSet InstructionSetCap => _state.Cap;

    /// <summary>
    /// MKL's conditional numerical reproducibility mode as MKL reports it (<c>mkl_cbwr_get(MKL_CBWR_ALL)</c>), e.g.
    /// <c>CNR AUTO (branch AVX512_E1)</c>, <c>CNR AUTO,STRICT (branch AVX512_E1)</c>, or <c>CNR off</c> when MKL
    /// refused the setting (the load trace says why).
    /// </summary>
    public string Reproducibility => _state.Reproducibility;

    /// <summary>Whether MKL may change the thread count of a call at run time (<c>mkl_get_dynamic</c>); false after a successful load.</summary>
    public bool DynamicThreads => _state.Dynamic;

    /// <summary>
    /// Loads MKL (or reuses the copy already loaded in this process) and returns a provider using
    /// <paramref name="numThreads"/> threads.
    /// </summary>
    /// <param name="numThreads">Threads per call. MKL uses its GNU OpenMP layer whenever libgomp loads.</param>
    /// <param name="maxInstructionSet">A cap on MKL's code path; effective only on the first load in the process.</param>
    /// <returns>The provider.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numThreads"/> is less than 1.</exception>
    /// <exception cref="BlasProviderLoadException">MKL could not be loaded; the message contains the load trace.</exception>
    public static MklProvider Load(int numThreads = 1, MklInstructionSet maxInstructionSet = MklInstructionSet.Default)
    {
        if (!TryLoad(out MklProvider? provider, out string trace, numThreads, maxInstructionSet))
        {
            throw new BlasProviderLoadException("Intel MKL (libmkl_rt) could not be loaded.", trace);
        }

        return provider;
    }

    /// <summary>
    /// Tries to load MKL (or reuses the copy already loaded in this process); never throws for a missing or broken library.
    /// </summary>
    /// <param name="provider">The provider, or null on failure.</param>
    /// <param name="loadTrace">What was tried, the loader's error for each failure, and the configuration applied.</param>
    /// <param name="numThreads">Threads per call. MKL uses its GNU OpenMP layer whenever libgomp loads.</param>
    /// <param name="maxInstructionSet">A cap on MKL's code path; effective only on the first load in the process.</param>
    /// <returns>True when MKL was loaded.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numThreads"/> is less than 1.</exception>
    public static bool TryLoad([NotNullWhen(true)] out MklProvider? provider, out string loadTrace, int numThreads = 1, MklInstructionSet maxInstructionSet = MklInstructionSet.Default)
    {
        if (numThreads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(numThreads), numThreads, $"numThreads must be >= 1, got {numThreads}.");
        }

        if (!Enum.IsDefined(maxInstructionSet))
        {
            throw new ArgumentOutOfRangeException(nameof(maxInstructionSet), maxInstructionSet, $"Unknown MklInstructionSet {(int)maxInstructionSet}.");
        }

        State? state = LoadOnce(ref s_state, s_gate, (numThreads, maxInstructionSet), static (a, trace) => Initialize(a.numThreads, a.maxInstructionSet, trace), out bool reused, out string? failure);
        if (state == null)
        {
            provider = null;
            loadTrace = failure!;
            return false;
        }

        loadTrace = reused ? ReuseTrace(state, numThreads, maxInstructionSet) : state.Trace;
        provider = new MklProvider(state, numThreads, loadTrace);
        return true;
    }

    private static string ReuseTrace(State state, int numThreads, MklInstructionSet cap)
    {
        var sb = new StringBuilder(state.Trace);
        sb.AppendLine("reused: MKL was already loaded and configured in this process (the settings above are process-wide).");
        if (numThreads > state.Library.MaxThreads)
        {
            sb.Append("  note: ").Append(numThreads.ToString(CultureInfo.InvariantCulture)).Append(" threads requested, but the threading layer is ")
                .Append(state.Layer).Append(" with at most ").Append(state.Library.MaxThreads.ToString(CultureInfo.InvariantCulture))
                .AppendLine(" thread(s); the layer was fixed by the first load (set MKL_THREADING_LAYER=GNU, or load with more than 1 thread first).");
        }

        if (cap != state.Cap)
        {
            sb.Append("  note: instruction-set cap ").Append(cap).Append(" ignored: MKL already dispatched with cap ").Append(state.Cap).AppendLine(".");
        }

        return sb.ToString();
    }

    private static List<string> Candidates(StringBuilder trace)
    {
        if (ExplicitCandidate(PathEnvironmentVariable, trace, out List<string> list))
        {
            return list;
        }

        string? mklRoot = Environment.GetEnvironmentVariable("MKLROOT");
        if (OperatingSystem.IsWindows())
        {
            list.AddRange(["mkl_rt.2.dll", "mkl_rt.dll", "mkl_rt.1.dll"]);
            if (!string.IsNullOrWhiteSpace(mklRoot))
            {
                list.Add(Path.Combine(mklRoot, "bin", "mkl_rt.2.dll"));
                list.Add(Path.Combine(mklRoot, "redist", "intel64", "mkl_rt.2.dll"));
            }

            return list;
        }

        if (OperatingSystem.IsMacOS())
        {
            list.AddRange(["libmkl_rt.dylib", "libmkl_rt.2.dylib", "libmkl_rt.1.dylib"]);
            if (!string.IsNullOrWhiteSpace(mklRoot))
            {
                list.Add(Path.Combine(mklRoot, "lib", "libmkl_rt.dylib"));
                list.Add(Path.Combine(mklRoot, "lib", "libmkl_rt.2.dylib"));
            }

            list.Add("/opt/intel/oneapi/mkl/latest/lib/libmkl_rt.2.dylib");
            return list;
        }

        list.AddRange(["libmkl_rt.so", "libmkl_rt.so.2", "libmkl_rt.so.1"]);
        if (!string.IsNullOrWhiteSpace(mklRoot))
        {
            list.Add(Path.Combine(mklRoot, "lib", "intel64", "libmkl_rt.so"));
            list.Add(Path.Combine(mklRoot, "lib", "libmkl_rt.so.2"));
            list.Add(Path.Combine(mklRoot, "lib", "intel64", "libmkl_rt.so.2"));
        }

        list.Add("/usr/lib/x86_64-linux-gnu/libmkl_rt.so");
        list.Add("/opt/intel/oneapi/mkl/latest/lib/libmkl_rt.so.2");
        list.Add("/opt/intel/oneapi/mkl/latest/lib/intel64/libmkl_rt.so.2");
        list.Add("/opt/intel/mkl/lib/intel64/libmkl_rt.so");
        return list;
    }

    private static State? Initialize(int numThreads, MklInstructionSet cap, StringBuilder trace)
    {
        trace.AppendLine("MKL provider load trace:");
        trace.Append("  machine: ").Append(NativeLibraryLoader.MachineSummary).AppendLine();
        trace.Append("  C runtime helpers: ").Append(NativeLibraryLoader.LibCSource).AppendLine();

        NativeLibraryLoader.LimitIdleSpinning(trace);

        // AMD: MKL_DEBUG_CPU_TYPE must be in the native environment before MKL reads it.
        bool amd = NativeLibraryLoader.IsAmdCpu;
        bool setDebugCpuType = false;
        if (amd)
        {
            string? value = NativeLibraryLoader.EnsureNativeEnvironmentVariable("MKL_DEBUG_CPU_TYPE", "5", out string origin);
            setDebugCpuType = value == "5";
            trace.Append("  AMD CPU: MKL_DEBUG_CPU_TYPE='").Append(value).Append("' (").Append(origin)
                .AppendLine("); 5 makes MKL 2020.0 and earlier take the AVX2 path");
        }

        NativeBlasLibrary? library = null;
        IntPtr setLayer = IntPtr.Zero, setInterface = IntPtr.Zero, setThreads = IntPtr.Zero, getMaxThreads = IntPtr.Zero;
        foreach (string candidate in Candidates(trace))
        {
            IntPtr handle = NativeLibraryLoader.TryLoad(candidate, trace);
            if (handle == IntPtr.Zero)
            {
                continue;
            }

            var lib = new NativeBlasLibrary(handle, candidate);
            bool ok = lib.TryResolveCblas(trace);
            setInterface = lib.Export("MKL_Set_Interface_Layer", trace, ref ok);
            setLayer = lib.Export("MKL_Set_Threading_Layer", trace, ref ok);
            setThreads = lib.Export("MKL_Set_Num_Threads", trace, ref ok);
            getMaxThreads = lib.Export("MKL_Get_Max_Threads", trace, ref ok);
            if (!ok)
            {
                trace.Append("  '").Append(candidate).AppendLine("' is not MKL's single dynamic library (exports missing); trying the next candidate");
                continue;
            }

            lib.Path = NativeLibraryLoader.FileOf((IntPtr)lib.Sgemm) ?? candidate;
            library = lib;
            trace.Append("  using ").Append(lib.Path).AppendLine();
            break;
        }

        if (library == null)
        {
            trace.AppendLine("  result: no usable libmkl_rt found. Install MKL (Debian/Ubuntu: the non-free package libmkl-rt; or Intel oneAPI MKL) or set " + PathEnvironmentVariable + " to the libmkl_rt file.");
            return null;
        }

        // 32-bit integers in every call: force the LP64 interface (MKL_INTERFACE_LAYER=ILP64 in the environment would break them).
        int iface = ((delegate* unmanaged[Cdecl]<int, int>)setInterface)(MklInterfaceLp64);
        trace.Append("  MKL_Set_Interface_Layer(LP64) -> ").Append(iface.ToString(CultureInfo.InvariantCulture)).AppendLine();
        if (iface != MklInterfaceLp64)
        {
            trace.AppendLine("  result: MKL's interface layer is not LP64 (already set in this process); 32-bit integer calls would be misread, so MKL is not used.");
            return null;
        }

        MklThreadingLayer layer = ChooseLayer(numThreads, trace);
        int got = ((delegate* unmanaged[Cdecl]<int, int>)setLayer)((int)layer);
        trace.Append("  MKL_Set_Threading_Layer(").Append(layer).Append(") -> ").Append(LayerName(got)).AppendLine();
        if (got != (int)layer)
        {
            trace.AppendLine("  note: MKL's threading layer was already fixed in this process by another component");
            if (got == (int)MklThreadingLayer.Gnu && NativeLibraryLoader.TryLoadGlobal("libgomp.so.1", trace) == IntPtr.Zero)
            {
                trace.AppendLine("  result: the GNU layer needs libgomp.so.1, which cannot be loaded; calling MKL would terminate the process.");
                return null;
            }

            if (got is not ((int)MklThreadingLayer.Gnu or (int)MklThreadingLayer.Sequential)
                && !(got == (int)MklThreadingLayer.Intel && NativeLibraryLoader.IsAlreadyLoaded("libiomp5.so")))
            {
                trace.AppendLine("  result: that layer's OpenMP/TBB runtime is not loaded; calling MKL could terminate the process, so MKL is not used.");
                return null;
            }

            layer = (MklThreadingLayer)got;
        }

        library.MaxThreads = layer == MklThreadingLayer.Sequential ? 1 : Math.Max(1, Environment.ProcessorCount);
        if (layer != MklThreadingLayer.Sequential)
        {
            library.SetNumThreads = (delegate* unmanaged[Cdecl]<int, void>)setThreads;
            library.GetNumThreads = (delegate* unmanaged[Cdecl]<int>)getMaxThreads;
        }

        if (cap != MklInstructionSet.Default)
        {
            IntPtr enable = library.OptionalExport("MKL_Enable_Instructions");
            int rc = enable == IntPtr.Zero ? -1 : ((delegate* unmanaged[Cdecl]<int, int>)enable)((int)cap);
            trace.Append("  MKL_Enable_Instructions(").Append(cap).Append(") -> ")
                .Append(rc switch { 1 => "ok", 0 => "refused (not supported on this CPU)", _ => "export missing" }).AppendLine();
        }

        // Reproducibility: CNR must be configured before MKL's first computation, and dynamic threading off so a call
        // never runs on fewer threads than asked (which would change how some products split their sums).
        ConfigureReproducibility(library, trace);
        IntPtr setDynamic = library.OptionalExport("MKL_Set_Dynamic");
        if (setDynamic != IntPtr.Zero)
        {
            ((delegate* unmanaged[Cdecl]<int, void>)setDynamic)(0);
            trace.AppendLine("  MKL_Set_Dynamic(0): MKL uses the thread count it is given, never fewer at run time");
        }
        else
        {
            trace.AppendLine("  MKL_Set_Dynamic missing: MKL may adjust the thread count at run time");
        }

        library.ApplyInitialThreads(numThreads, trace);

        // One tiny call makes MKL load its threading and kernel libraries and dispatch now, not in the caller's first timed call.
        if (!library.WarmUp("MKL", trace))
        {
            return null;
        }

        string version = ReadVersionString(library);
        (int major, int minor, int update, string build, string processor) = ReadVersion(library);
        string branch = ReadAutoBranch(library, out int branchCode);
        string codePath = processor + (branch.Length > 0 ? " [CNR auto branch " + branch + "]" : string.Empty);
        trace.Append("  version: ").Append(version).AppendLine();
        trace.Append("  code path: ").Append(codePath).AppendLine();

        string amdNote = string.Empty;
        if (amd)
        {
            bool ignoresDebugType = major > 2020 || (major == 2020 && update >= 1);
            bool generic = branchCode > 0 && branchCode < MklCbwrAvx2 && System.Runtime.Intrinsics.X86.Avx2.IsSupported;
            string state = generic ? "slow generic path on this AMD CPU" : "AMD CPU, vectorized path";
            string workaround = setDebugCpuType
                ? (ignoresDebugType ? "MKL_DEBUG_CPU_TYPE=5 set but ignored by MKL >= 2020.1" : "MKL_DEBUG_CPU_TYPE=5 set")
                : "MKL_DEBUG_CPU_TYPE set by the user to another value";
            amdNote = " | " + state + " (" + workaround + ")";
            trace.Append("  AMD: ").Append(state).Append("; ").Append(workaround).AppendLine();
            if (generic)
            {
                trace.AppendLine("  AMD: options: OpenBlasProvider, a newer oneMKL, or LD_PRELOAD a shim defining int mkl_serv_intel_cpu_true(void) { return 1; }");
            }
        }

        string reproducibility = ReadReproducibility(library);
        IntPtr getDynamic = library.OptionalExport("MKL_Get_Dynamic");
        bool dynamic = getDynamic == IntPtr.Zero || ((delegate* unmanaged[Cdecl]<int>)getDynamic)() != 0;
        trace.Append("  reproducibility: ").Append(reproducibility).Append("; dynamic threads ").Append(dynamic ? "on" : "off").AppendLine();

        string capNote = cap == MklInstructionSet.Default ? string.Empty : " (capped at " + cap + ")";
        trace.AppendLine("  result: ok");
        string numericVersion = string.Create(CultureInfo.InvariantCulture, $"{major}.{minor}.{update} build {build}");
        return new State(library, layer, cap, version, codePath, capNote, amdNote, reproducibility, dynamic, trace.ToString()) { BranchCode = branchCode, NumericVersion = numericVersion };
    }

    /// <summary>
    /// Turns on CNR with the automatic branch, unless <c>MKL_CBWR</c> is in the environment (a value set only through
    /// .NET is copied to the native environment, where MKL reads it).
    /// </summary>
    private static void ConfigureReproducibility(NativeBlasLibrary library, StringBuilder trace)
    {
        string? user = NativeLibraryLoader.EnsureNativeEnvironmentVariable("MKL_CBWR", null, out string origin);
        if (user != null)
        {
            trace.Append("  MKL_CBWR='").Append(user).Append("' (").Append(origin).AppendLine("): MKL's reproducibility mode is left to it");
            return;
        }

        IntPtr set = library.OptionalExport("MKL_CBWR_Set");
        if (set == IntPtr.Zero)
        {
            trace.AppendLine("  MKL_CBWR_Set missing: conditional numerical reproducibility not available");
            return;
        }

        int rc = ((delegate* unmanaged[Cdecl]<int, int>)set)(MklCbwrAuto);
        trace.Append("  MKL_CBWR_Set(MKL_CBWR_AUTO) -> ").Append(rc switch
        {
            0 => "ok",
            -2 => "invalid input",
            -3 => "unsupported branch",
            -8 => "refused: MKL already computed in this process before the mode could be set",
            _ => rc.ToString(CultureInfo.InvariantCulture),
        }).AppendLine();
    }

    private static string ReadReproducibility(NativeBlasLibrary library)
    {
        IntPtr get = library.OptionalExport("MKL_CBWR_Get");
        if (get == IntPtr.Zero)
        {
            return "CNR unknown (MKL_CBWR_Get missing)";
        }

        int all = ((delegate* unmanaged[Cdecl]<int, int>)get)(MklCbwrAll);
        int branch = all & 0xFFFF;
        if (all < 0 || branch <= 1)
        {
            return "CNR off";
        }

        string text = "CNR " + BranchName(branch) + ((all & MklCbwrStrict) != 0 ? ",STRICT" : string.Empty);
        string auto = branch == MklCbwrAuto ? ReadAutoBranch(library, out _) : string.Empty;
        return auto.Length > 0 ? text + " (branch " + auto + ")" : text;
    }

    private static MklThreadingLayer ChooseLayer(int numThreads, StringBuilder trace)
    {
        string? env = NativeLibraryLoader.GetNativeEnvironmentVariable("MKL_THREADING_LAYER") ?? Environment.GetEnvironmentVariable("MKL_THREADING_LAYER");
        MklThreadingLayer want;
        if (string.Equals(env, "SEQUENTIAL", StringComparison.OrdinalIgnoreCase))
        {
            trace.AppendLine("  threading: MKL_THREADING_LAYER=SEQUENTIAL in the environment: honoured");
            want = MklThreadingLayer.Sequential;
        }
        else if (string.Equals(env, "GNU", StringComparison.OrdinalIgnoreCase))
        {
            trace.AppendLine("  threading: MKL_THREADING_LAYER=GNU in the environment: honoured");
            want = MklThreadingLayer.Gnu;
        }
        else
        {
            if (env != null)
            {
                trace.Append("  threading: MKL_THREADING_LAYER='").Append(env).AppendLine("' ignored (only SEQUENTIAL and GNU are supported: other runtimes may be missing and MKL would terminate the process)");
            }

            // GNU OpenMP at 1 thread costs nothing measurable (125 vs 125 GFLOP/s at 256^3 here), and the layer is fixed
            // for the process by the first load, so prefer it whenever libgomp loads: later instances can then use 2+ threads.
            want = MklThreadingLayer.Gnu;
            trace.Append("  threading: ").Append(numThreads.ToString(CultureInfo.InvariantCulture)).Append(" thread(s) requested -> GNU OpenMP when libgomp loads (thread count set per call)").AppendLine();
        }

        if (want == MklThreadingLayer.Gnu)
        {
            if (!OperatingSystem.IsLinux())
            {
                trace.AppendLine("  threading: the GNU layer is only set up on Linux -> Sequential");
                return MklThreadingLayer.Sequential;
            }

            if (NativeLibraryLoader.TryLoadGlobal("libgomp.so.1", trace) == IntPtr.Zero)
            {
                trace.AppendLine("  threading: libgomp unavailable -> Sequential (1 thread)");
                return MklThreadingLayer.Sequential;
            }
        }

        return want;
    }

    private static string LayerName(int code) => code switch
    {
        0 => "Intel",
        1 => "Sequential",
        2 => "Pgi",
        3 => "Gnu",
        4 => "Tbb",
        _ => code.ToString(CultureInfo.InvariantCulture),
    };

    private static string ReadVersionString(NativeBlasLibrary library)
    {
        IntPtr f = library.OptionalExport("MKL_Get_Version_String");
        if (f == IntPtr.Zero)
        {
            return "(MKL_Get_Version_String missing)";
        }

        byte* buffer = stackalloc byte[512];
        buffer[0] = 0;
        ((delegate* unmanaged[Cdecl]<byte*, int, void>)f)(buffer, 511);
        buffer[511] = 0;
        return (NativeLibraryLoader.PtrToString(buffer) ?? string.Empty).Trim();
    }

    private static (int Major, int Minor, int Update, string Build, string Processor) ReadVersion(NativeBlasLibrary library)
    {
        IntPtr f = library.OptionalExport("MKL_Get_Version");
        if (f == IntPtr.Zero)
        {
            return (0, 0, 0, "?", "(MKL_Get_Version missing)");
        }

        MklVersion v = default;
        ((delegate* unmanaged[Cdecl]<MklVersion*, void>)f)(&v);
        return (v.MajorVersion, v.MinorVersion, v.UpdateVersion, NativeLibraryLoader.PtrToString((byte*)v.Build) ?? "?", NativeLibraryLoader.PtrToString((byte*)v.Processor) ?? "(unknown)");
    }

    private static string ReadAutoBranch(NativeBlasLibrary library, out int code)
    {
        code = 0;
        IntPtr f = library.OptionalExport("MKL_CBWR_Get_Auto_Branch");
        if (f == IntPtr.Zero)
        {
            return string.Empty;
        }

        code = ((delegate* unmanaged[Cdecl]<int>)f)();
        return BranchName(code);
    }

    private static string BranchName(int code)
    {
        return code switch
        {
            2 => "AUTO",
            3 => "COMPATIBLE",
            4 => "SSE2",
            6 => "SSSE3",
            7 => "SSE4_1",
            8 => "SSE4_2",
            9 => "AVX",
            10 => "AVX2",
            11 => "AVX512_MIC",
            12 => "AVX512",
            13 => "AVX512_MIC_E1",
            14 => "AVX512_E1",
            _ => code.ToString(CultureInfo.InvariantCulture),
        };
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MklVersion
    {
        public int MajorVersion;
        public int MinorVersion;
        public int UpdateVersion;
        public IntPtr ProductStatus;
        public IntPtr Build;
        public IntPtr Processor;
        public IntPtr Platform;
    }

    private sealed class State(NativeBlasLibrary library, MklThreadingLayer layer, MklInstructionSet cap, string version, string codePath, string capNote, string amdNote, string reproducibility, bool dynamic, string trace)
    {
        public NativeBlasLibrary Library { get; } = library;

        public MklThreadingLayer Layer { get; } = layer;

        public MklInstructionSet Cap { get; } = cap;

        public string Version { get; } = version;

        public string CodePath { get; } = codePath;

        public string CapNote { get; } = capNote;

        public string AmdNote { get; } = amdNote;

        public string Reproducibility { get; } = reproducibility;

        public bool Dynamic { get; } = dynamic;

        public string Trace { get; } = trace;

        public int BranchCode { get; init; }

        public string NumericVersion { get; init; } = "";
    }
}
