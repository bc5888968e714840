using System;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Threading;

namespace MLNet.Optimizers.Compute;

/// <summary>
/// Process-level plumbing for the native BLAS providers: loading a library while recording why each candidate
/// failed (the load trace), loading with <c>RTLD_GLOBAL</c>, and reading or writing the <em>native</em> environment.
/// </summary>
/// <remarks>
/// On Unix, .NET keeps its own copy of the environment: <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// never reaches <c>getenv</c> in native code. Libraries that read their configuration from the environment when
/// they load (OpenBLAS's <c>OPENBLAS_CORETYPE</c>, MKL's <c>MKL_DEBUG_CPU_TYPE</c>) therefore need libc's
/// <c>setenv</c>, which is what <see cref="SetNativeEnvironmentVariable"/> calls. libc's entry points are resolved
/// once, as unmanaged function pointers, so that no P/Invoke stub binds (and calls <c>dlsym</c>) between a
/// <c>dlopen</c> and the <c>dlerror</c> that reads its error.
/// </remarks>
internal static unsafe class NativeLibraryLoader
{
    private static readonly Lazy<LibC> s_libc = new(LibC.Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The CPU vendor string from CPUID leaf 0 (<c>GenuineIntel</c>, <c>AuthenticAMD</c>, ...), or the process architecture elsewhere.</summary>
    public static string CpuVendor { get; } = ReadCpuVendor();

    /// <summary>True on AMD (and Hygon, which licenses AMD's Zen design) x86 CPUs.</summary>
    public static bool IsAmdCpu => CpuVendor is "AuthenticAMD" or "HygonGenuine";

    /// <summary>True when the CPU and OS support the AVX-512 subsets that OpenBLAS's SkylakeX kernels use (F, BW, DQ, VL).</summary>
    public static bool HasAvx512Skx => Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported;

    /// <summary>A one-line summary of the machine for load traces.</summary>
    public static string MachineSummary => string.Create(
        CultureInfo.InvariantCulture,
        $"{RuntimeInformation.OSDescription.Trim()}, {RuntimeInformation.ProcessArchitecture}, CPU vendor {CpuVendor}, {Environment.ProcessorCount} logical CPU(s), AVX2 {YesNo(Avx2.IsSupported)}, AVX-512F {YesNo(Avx512F.IsSupported)}");

    /// <summary>Where libc's helpers were found (for traces), or why not.</summary>
    public static string LibCSource => s_libc.Value.Source;

    /// <summary>
    /// Loads <paramref name="path"/> with <see cref="NativeLibrary.Load(string)"/> and appends one trace line: the file
    /// actually mapped on success, or the loader's error text (the <c>dlerror</c> message on Unix) on failure.
    /// </summary>
    /// <param name="path">A file path or a bare library name (the platform's search rules apply).</param>
    /// <param name="trace">The trace to append to.</param>
    /// <returns>The handle, or <see cref="IntPtr.Zero"/> on failure.</returns>
    public static IntPtr TryLoad(string path, StringBuilder trace)
    {
        try
        {
            IntPtr handle = NativeLibrary.Load(path);
            trace.Append("  load '").Append(path).Append("': ok").AppendLine();
            return handle;
        }
        catch (DllNotFoundException e)
        {
            trace.Append("  load '").Append(path).Append("': failed: ").Append(LoaderError(e.Message)).AppendLine();
        }
        catch (BadImageFormatException e)
        {
            trace.Append("  load '").Append(path).Append("': failed (bad image): ").Append(LoaderError(e.Message)).AppendLine();
        }

        return IntPtr.Zero;
    }

    /// <summary>
    /// Loads <paramref name="path"/> with <c>dlopen(path, RTLD_NOW | RTLD_GLOBAL)</c> so that libraries loaded later
    /// can bind to its symbols (MKL's GNU threading layer needs libgomp's symbols this way). Appends one trace line.
    /// </summary>
    /// <param name="path">A file path or a bare library name.</param>
    /// <param name="trace">The trace to append to.</param>
    /// <returns>The handle, or <see cref="IntPtr.Zero"/> on failure or when <c>dlopen</c> is unavailable.</returns>
    public static IntPtr TryLoadGlobal(string path, StringBuilder trace)
    {
        LibC libc = s_libc.Value;
        if (libc.Dlopen == null || libc.Dlerror == null)
        {
            trace.Append("  dlopen '").Append(path).Append("' RTLD_GLOBAL: not possible: ").Append(libc.Source).AppendLine();
            return IntPtr.Zero;
        }

        IntPtr handle;
        string? error = null;
        byte[] z = Utf8Z(path);
        fixed (byte* p = z)
        {
            handle = libc.Dlopen(p, libc.RtldNow | libc.RtldGlobal);
            if (handle == IntPtr.Zero)
            {
                error = PtrToString(libc.Dlerror());
            }
        }

        trace.Append("  dlopen '").Append(path).Append("' RTLD_NOW|RTLD_GLOBAL: ");
        if (handle == IntPtr.Zero)
        {
            trace.Append("failed: ").Append(error ?? "(no dlerror text)").AppendLine();
        }
        else
        {
            trace.Append("ok").AppendLine();
        }

        return handle;
    }

    /// <summary>
    /// Whether a library matching <paramref name="path"/> is already mapped into the process
    /// (<c>dlopen(path, RTLD_NOLOAD)</c>); false when that cannot be determined.
    /// </summary>
    /// <param name="path">A file path or a bare library name.</param>
    /// <returns>True when already loaded.</returns>
    public static bool IsAlreadyLoaded(string path)
    {
        LibC libc = s_libc.Value;
        if (libc.Dlopen == null || libc.RtldNoload == 0)
        {
            return false;
        }

        byte[] z = Utf8Z(path);
        fixed (byte* p = z)
        {
            // A successful RTLD_NOLOAD open adds a reference; these libraries are never unloaded anyway.
            return libc.Dlopen(p, libc.RtldLazy | libc.RtldNoload) != IntPtr.Zero;
        }
    }

    /// <summary>The file the loader mapped for the library that defines <paramref name="symbol"/> (<c>dladdr</c>), or null.</summary>
    /// <param name="symbol">An address inside the library, e.g. an export.</param>
    /// <returns>The file name, or null when unknown.</returns>
    public static string? FileOf(IntPtr symbol)
    {
        LibC libc = s_libc.Value;
        if (libc.Dladdr == null || symbol == IntPtr.Zero)
        {
            return null;
        }

        DlInfo info;
        return libc.Dladdr(symbol, &info) != 0 ? PtrToString((byte*)info.FileName) : null;
    }

    /// <summary>The native process environment's value of <paramref name="name"/> (libc <c>getenv</c> on Unix), or null.</summary>
    /// <param name="name">The variable.</param>
    /// <returns>The value, or null when unset.</returns>
    public static string? GetNativeEnvironmentVariable(string name)
    {
        LibC libc = s_libc.Value;
        if (libc.Getenv == null)
        {
            return Environment.GetEnvironmentVariable(name);
        }

        byte[] z = Utf8Z(name);
        fixed (byte* p = z)
        {
            return PtrToString(libc.Getenv(p));
        }
    }

    /// <summary>
    /// Sets <paramref name="name"/> in the native process environment (libc <c>setenv</c> on Unix, the UCRT's
    /// <c>_putenv_s</c> plus the Win32 environment on Windows) and in .NET's copy, so both views agree.
    /// </summary>
    /// <param name="name">The variable.</param>
    /// <param name="value">The value.</param>
    /// <returns>A short description of what was done, for traces.</returns>
    public static string SetNativeEnvironmentVariable(string name, string value)
    {
        LibC libc = s_libc.Value;
        Environment.SetEnvironmentVariable(name, value);
        byte[] zName = Utf8Z(name);
        byte[] zValue = Utf8Z(value);
        fixed (byte* pn = zName)
        fixed (byte* pv = zValue)
        {
            if (libc.Setenv != null)
            {
                int rc = libc.Setenv(pn, pv, 1);
                return rc == 0 ? "libc setenv" : "libc setenv FAILED (rc " + rc.ToString(CultureInfo.InvariantCulture) + ")";
            }

            if (libc.PutenvS != null)
            {
                int rc = libc.PutenvS(pn, pv);
                return rc == 0 ? "SetEnvironmentVariable + UCRT _putenv_s" : "SetEnvironmentVariable; UCRT _putenv_s FAILED";
            }
        }

        return OperatingSystem.IsWindows()
            ? "SetEnvironmentVariable (no UCRT _putenv_s found)"
            : "NOT set natively (no libc setenv found: " + libc.Source + ")";
    }

    /// <summary>
    /// Makes sure native code sees <paramref name="name"/>: a value already in the native environment is kept (the
    /// user's choice); a value set only through .NET's <see cref="Environment"/> is copied to the native environment;
    /// otherwise <paramref name="defaultValue"/>, when given, is set.
    /// </summary>
    /// <param name="name">The variable.</param>
    /// <param name="defaultValue">The value to set when the user set none, or null to set nothing.</param>
    /// <param name="origin">Where the value in effect came from, for traces.</param>
    /// <returns>The value native code now sees, or null.</returns>
    public static string? EnsureNativeEnvironmentVariable(string name, string? defaultValue, out string origin)
    {
        string? native = GetNativeEnvironmentVariable(name);
        if (native != null)
        {
            origin = "already set in the environment: left as is";
            return native;
        }

        string? managed = Environment.GetEnvironmentVariable(name);
        if (managed != null)
        {
            origin = "set through .NET only: copied to the native environment with " + SetNativeEnvironmentVariable(name, managed);
            return managed;
        }

        if (defaultValue == null)
        {
            origin = "not set";
            return null;
        }

        origin = "not set by the user: set by MLNet.Optimizers with " + SetNativeEnvironmentVariable(name, defaultValue);
        return defaultValue;
    }

    /// <summary>
    /// <c>GOMP_SPINCOUNT</c> set when the user chose neither it nor <c>OMP_WAIT_POLICY</c>: an idle GNU OpenMP worker
    /// (MKL's GNU threading layer, an OpenMP OpenBLAS) spins this many <c>pause</c> iterations (about 25 ns each on AMD
    /// EPYC, 40-50 ns on recent Intel cores: 50-100 µs) before it sleeps, instead of libgomp's default 300,000
    /// (7-15 ms).
    /// </summary>
    public const string GompSpinCount = "2000";

    /// <summary>
    /// <c>OPENBLAS_THREAD_TIMEOUT</c> set when the user chose none: an idle OpenBLAS (pthreads) worker polls for
    /// 2^17 time-stamp cycles (about 50 µs at 2.5 GHz) before it sleeps, instead of the default 2^28 (about 0.1 s).
    /// </summary>
    public const string OpenBlasThreadTimeout = "17";

    /// <summary>
    /// Limits how long the idle worker threads of the native BLAS libraries spin: sets <see cref="GompSpinCount"/> and
    /// <see cref="OpenBlasThreadTimeout"/> in the native environment (before the libraries load and read them) unless
    /// the user set them (or <c>OMP_WAIT_POLICY</c>). A training step alternates between BLAS calls, the element
    /// kernels' helper threads and other providers' threads; with the libraries' defaults an idle worker keeps polling a
    /// core for milliseconds after each call, and on a machine with few cores it takes that core from whichever threads
    /// run next (on a 2-core AMD EPYC, the MLP benchmark's 200k-parameter Lion step: 846 µs before, 96 µs with the
    /// limits, in runs under different load: provisional).
    /// A spin limit changes no result. It has no effect on a library already loaded by something else.
    /// </summary>
    /// <param name="trace">The load trace.</param>
    public static void LimitIdleSpinning(StringBuilder trace)
    {
        bool gompLoaded = IsAlreadyLoaded("libgomp.so.1");
        if (GetNativeEnvironmentVariable("OMP_WAIT_POLICY") is string policy)
        {
            trace.Append("  idle spin: OMP_WAIT_POLICY='").Append(policy).AppendLine("' set by the user: GOMP_SPINCOUNT left to it");
        }
        else
        {
            string? spin = EnsureNativeEnvironmentVariable("GOMP_SPINCOUNT", GompSpinCount, out string origin);
            trace.Append("  idle spin: GOMP_SPINCOUNT='").Append(spin).Append("' (").Append(origin).Append(')')
                .AppendLine(gompLoaded ? "; libgomp was already loaded: its value was read before" : string.Empty);
        }

        string? timeout = EnsureNativeEnvironmentVariable("OPENBLAS_THREAD_TIMEOUT", OpenBlasThreadTimeout, out string o2);
        trace.Append("  idle spin: OPENBLAS_THREAD_TIMEOUT='").Append(timeout).Append("' (").Append(o2).AppendLine(")");
    }

    /// <summary>A NUL-terminated UTF-8 copy of a string (loading paths only, never per call).</summary>
    /// <param name="s">The string.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Utf8Z(string s)
    {
        byte[] z = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, 0, s.Length, z, 0);
        return z;
    }

    /// <summary>Reads a NUL-terminated UTF-8 string; null for a null pointer.</summary>
    /// <param name="p">The pointer.</param>
    /// <returns>The string, or null.</returns>
    public static string? PtrToString(byte* p) => p == null ? null : Marshal.PtrToStringUTF8((IntPtr)p);

    /// <summary>The loader's own error text from a <see cref="DllNotFoundException"/> message, without .NET's generic advice.</summary>
    /// <param name="message">The exception message.</param>
    /// <returns>The error text.</returns>
    public static string LoaderError(string message)
    {
        // On Unix the message is ".NET advice ... LD_DEBUG environment variable: \n<dlerror text>\n".
        int nl = message.IndexOf('\n', StringComparison.Ordinal);
        string tail = nl >= 0 ? message[(nl + 1)..].Trim() : string.Empty;
        return (tail.Length > 0 ? tail : message.Trim()).Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " | ", StringComparison.Ordinal);
    }

    private static string YesNo(bool b) => b ? "yes" : "no";

    private static string ReadCpuVendor()
    {
        if (!X86Base.IsSupported)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }

        (_, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        Span<byte> v = stackalloc byte[12];
        BitConverter.TryWriteBytes(v, ebx);
        BitConverter.TryWriteBytes(v[4..], edx);
        BitConverter.TryWriteBytes(v[8..], ecx);
        return Encoding.ASCII.GetString(v);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct DlInfo
    {
        public IntPtr FileName;
        public IntPtr FileBase;
        public IntPtr SymbolName;
        public IntPtr SymbolAddress;
    }

    /// <summary>libc (or libdl / libSystem / UCRT) entry points, resolved once.</summary>
    private sealed class LibC
    {
        public delegate* unmanaged[Cdecl]<byte*, int, IntPtr> Dlopen;
        public delegate* unmanaged[Cdecl]<byte*> Dlerror;
        public delegate* unmanaged[Cdecl]<IntPtr, DlInfo*, int> Dladdr;
        public delegate* unmanaged[Cdecl]<byte*, byte*, int, int> Setenv;
        public delegate* unmanaged[Cdecl]<byte*, byte*> Getenv;
        public delegate* unmanaged[Cdecl]<byte*, byte*, int> PutenvS;
        public int RtldLazy;
        public int RtldNow;
        public int RtldGlobal;
        public int RtldNoload;
        public string Source = "not resolved";

        public static LibC Create()
        {
            var libc = new LibC();
            string[] names;
            if (OperatingSystem.IsWindows())
            {
                names = ["ucrtbase.dll"];
            }
            else if (OperatingSystem.IsMacOS())
            {
                names = ["/usr/lib/libSystem.B.dylib"];
                (libc.RtldLazy, libc.RtldNow, libc.RtldGlobal, libc.RtldNoload) = (0x1, 0x2, 0x8, 0x10);
            }
            else
            {
                // glibc >= 2.34 has dlopen in libc.so.6; older glibc keeps it in libdl.so.2; musl has everything in libc.
                string musl = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "libc.musl-aarch64.so.1" : "libc.musl-x86_64.so.1";
                names = ["libc.so.6", "libdl.so.2", musl];
                (libc.RtldLazy, libc.RtldNow, libc.RtldGlobal, libc.RtldNoload) = (0x1, 0x2, 0x100, 0x4);
            }

            var found = new StringBuilder();
            foreach (string name in names)
            {
                if (!NativeLibrary.TryLoad(name, out IntPtr h))
                {
                    continue;
                }

                found.Append(found.Length == 0 ? string.Empty : ", ").Append(name);
                if (libc.Dlopen == null && NativeLibrary.TryGetExport(h, "dlopen", out IntPtr f))
                {
                    libc.Dlopen = (delegate* unmanaged[Cdecl]<byte*, int, IntPtr>)f;
                }

                if (libc.Dlerror == null && NativeLibrary.TryGetExport(h, "dlerror", out f))
                {
                    libc.Dlerror = (delegate* unmanaged[Cdecl]<byte*>)f;
                }

                if (libc.Dladdr == null && NativeLibrary.TryGetExport(h, "dladdr", out f))
                {
                    libc.Dladdr = (delegate* unmanaged[Cdecl]<IntPtr, DlInfo*, int>)f;
                }

                if (!OperatingSystem.IsWindows())
                {
                    if (libc.Setenv == null && NativeLibrary.TryGetExport(h, "setenv", out f))
                    {
                        libc.Setenv = (delegate* unmanaged[Cdecl]<byte*, byte*, int, int>)f;
                    }

                    if (libc.Getenv == null && NativeLibrary.TryGetExport(h, "getenv", out f))
                    {
                        libc.Getenv = (delegate* unmanaged[Cdecl]<byte*, byte*>)f;
                    }
                }
                else if (libc.PutenvS == null && NativeLibrary.TryGetExport(h, "_putenv_s", out f))
                {
                    libc.PutenvS = (delegate* unmanaged[Cdecl]<byte*, byte*, int>)f;
                }
            }

            libc.Source = found.Length == 0 ? "no C runtime library found (tried " + string.Join(", ", names) + ")" : found.ToString();
            return libc;
        }
    }
}
