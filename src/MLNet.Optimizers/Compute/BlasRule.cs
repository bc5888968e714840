using System;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Optimizers.Compute;

/// <summary>The widest vector instruction set the CPU offers to this process.</summary>
internal enum CpuVectorLevel
{
    /// <summary>Neither AVX2 with FMA nor AVX-512.</summary>
    None,

    /// <summary>AVX2 with FMA, no AVX-512.</summary>
    Avx2,

    /// <summary>AVX-512 F, BW, DQ and VL (Skylake-SP class).</summary>
    Avx512,
}

/// <summary>The provider name serving each product class: large products (and every level-1/2 operation) and, per transpose combination, narrow ones.</summary>
/// <param name="Large">Products whose smallest dimension is above <see cref="RoutedBlasProvider.NarrowLimit"/>, and GEMV, AXPY, DOT, NRM2.</param>
/// <param name="NN">Narrow products, neither operand transposed (a forward pass into a small layer).</param>
/// <param name="NT">Narrow products, B transposed (the input gradient of a small layer).</param>
/// <param name="TN">Narrow products, A transposed (the weight gradient of a small layer).</param>
/// <param name="TT">Narrow products, both transposed.</param>
internal readonly record struct BlasRoutes(string Large, string NN, string NT, string TN, string TT)
{
    /// <summary>Whether every class goes to the same provider.</summary>
    public bool Single => NN == Large && NT == Large && TN == Large && TT == Large;

    /// <summary>The routes as text: <c>all=mkl</c>, or <c>large=openblas NN=openblas NT=managed TN=openblas TT=openblas</c>.</summary>
    public override string ToString() => Single ? "all=" + Large : $"large={Large} NN={NN} NT={NT} TN={TN} TT={TT}";
}

/// <summary>
/// The fixed rule that chooses the default provider from what is installed and the CPU — no timing. It is a table of
/// preferences per product class; the first provider of the list that is usable serves the class.
/// </summary>
/// <remarks>
/// <para>
/// <b>MKL is usable</b> when it loads and dispatches to a code path as wide as the CPU's widest vector instruction set
/// (an AVX-512 branch on an AVX-512 CPU, AVX2 or wider on an AVX2 CPU). On Intel CPUs MKL always does. On AMD (and
/// Hygon) CPUs MKL 2020 Update 1 and later ignores <c>MKL_DEBUG_CPU_TYPE</c> and takes its generic path: measured on an
/// AMD EPYC (AVX-512, 1 thread) with MKL 2020.4, large products ran at 0.9-0.95× OpenBLAS, but narrow products at
/// 0.05-0.2× (256×10×256: 11-14 vs 71 GFLOP/s), so there MKL is not used unless forced. A oneMKL that dispatches AVX-512
/// on such a CPU is usable by the same rule. <b>OpenBLAS</b> and the always-present <b>managed</b> provider are usable
/// when they load.
/// </para>
/// <para>
/// <b>Preferences</b> (from measurements on Intel Sapphire Rapids and AMD EPYC, 1 and 2 threads, in the README):
/// large products MKL, OpenBLAS, managed; narrow NN MKL, OpenBLAS, managed; narrow NT (B transposed) MKL, managed —
/// OpenBLAS ran slower than managed on this shape on both CPUs (Intel 45 vs 54, AMD 69-70 vs 80 GFLOP/s); narrow TN
/// and TT (A transposed) OpenBLAS, MKL, managed — OpenBLAS ran fastest on both CPUs (Intel 55 vs MKL 46, AMD 96-101
/// vs managed 60). The same table holds at every thread count.
/// </para>
/// </remarks>
internal static class BlasRule
{
    private const int MklBranchAvx2 = 10;
    private const int MklBranchAvx512Mic = 11;

    private static readonly string[] LargeOrder = { "mkl", "openblas", "managed" };
    private static readonly string[] NarrowNN = { "mkl", "openblas", "managed" };
    private static readonly string[] NarrowNT = { "mkl", "managed" };
    private static readonly string[] NarrowTN = { "openblas", "mkl", "managed" };
    private static readonly string[] NarrowTT = { "openblas", "mkl", "managed" };

    /// <summary>The widest vector level of this process's CPU.</summary>
    public static CpuVectorLevel CpuLevel =>
        NativeLibraryLoader.HasAvx512Skx ? CpuVectorLevel.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? CpuVectorLevel.Avx2
        : CpuVectorLevel.None;

    /// <summary>Whether MKL's dispatched code path (its CNR auto branch code) is as wide as the CPU allows.</summary>
    /// <param name="cpu">The CPU's widest vector level.</param>
    /// <param name="mklBranch">MKL's <c>mkl_cbwr_get_auto_branch()</c> code (10 AVX2, 12 AVX512, 14 AVX512_E1; 2-9 generic or older paths).</param>
    /// <returns>True when MKL should serve products by default.</returns>
    public static bool MklQualifies(CpuVectorLevel cpu, int mklBranch) => cpu switch
    {
        CpuVectorLevel.Avx512 => mklBranch >= MklBranchAvx512Mic,
        CpuVectorLevel.Avx2 => mklBranch >= MklBranchAvx2,
        _ => true,
    };

    /// <summary>Applies the preference table.</summary>
    /// <param name="mkl">Whether MKL is usable (<see cref="MklQualifies"/> and it loaded).</param>
    /// <param name="openBlas">Whether OpenBLAS loaded.</param>
    /// <returns>The provider name for each product class.</returns>
    public static BlasRoutes Routes(bool mkl, bool openBlas)
    {
        string First(string[] order)
        {
            foreach (string name in order)
            {
                if (name == "managed" || (name == "mkl" && mkl) || (name == "openblas" && openBlas))
                {
                    return name;
                }
            }

            throw new InvalidOperationException("unreachable: managed ends every preference list");
        }

        return new BlasRoutes(First(LargeOrder), First(NarrowNN), First(NarrowNT), First(NarrowTN), First(NarrowTT));
    }
}
