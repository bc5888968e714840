using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Optimizers.Compute;

/// <summary>The SIMD code path of the managed SGEMM.</summary>
internal enum ManagedGemmPath
{
    /// <summary>Plain scalar code (4×4 register tile).</summary>
    Scalar = 0,

    /// <summary>AVX2/FMA: 6×16 register tile in <see cref="Vector256{T}"/> accumulators.</summary>
    Avx2 = 1,

    /// <summary>AVX-512: 12×32 register tile in <see cref="Vector512{T}"/> accumulators.</summary>
    Avx512 = 2,
}

/// <summary>One SGEMM call, as raw pointers (the caller keeps the operands pinned while any thread runs it).</summary>
internal unsafe struct ManagedGemmArgs
{
    public float* A;
    public float* B;
    public float* C;
    public int Lda;
    public int Ldb;
    public int Ldc;
    public int M;
    public int N;
    public int K;
    public float Alpha;
    public float Beta;
    public bool TransA;
    public bool TransB;

    /// <summary>
    /// C is stored transposed: logical element (i, j) lives at <c>C[j*ldc + i]</c>. Used to run a narrow product
    /// (n ≤ the narrow panel width, m large) as <c>Cᵀ = op(B)ᵀ·op(A)ᵀ</c>, which fills the register tile far better.
    /// </summary>
    public bool TransC;

    /// <summary>The K block: a function of K and the path only, so every thread count gives the same bits.</summary>
    public int KBlock;

    /// <summary>The N block (a multiple of the register tile's width).</summary>
    public int NBlock;

    public ManagedGemmPath Path;
}

/// <summary>
/// A GotoBLAS/BLIS-style SGEMM on row-major data. For each N block (NC columns) and K block (KC rows) the block of
/// op(B) is packed into NR-wide panels (<c>kc × NR</c>, row by row, zero-padded); then for each MR-row micro-panel of
/// op(A) (packed <c>kc × MR</c>, zero-padded, small enough to stay in L1) the register-tiled micro-kernel runs across
/// every B panel (streamed from L2). Packing absorbs all four transpose combinations, so the micro-kernel sees one
/// layout. Two special cases: when a block has a single B panel, a non-transposed A is read in place rather than
/// packed for one use; and a narrow C (n ≤ 16) from a transposed A is computed as Cᵀ (see
/// <see cref="ManagedGemmArgs.TransC"/>). Edge tiles go through a scratch tile and only their valid part is written.
/// Each C element is accumulated over K in a fixed order (K blocks in order, then <c>C = alpha·acc + beta·C</c>
/// for the first block and <c>C = alpha·acc + C</c> after it), so results do not depend on threading or timing.
/// </summary>
internal static unsafe class ManagedGemm
{
    /// <summary>The largest micro-kernel output tile, in floats (AVX-512: 12 × 32).</summary>
    public const int MaxTileFloats = 16 * 32;

    // AVX-512 geometry.
    private const int Mr512 = 12;
    private const int Nr512 = 32;
    private const int Narrow512 = 16;

    // AVX2 geometry.
    private const int Mr256 = 6;
    private const int Nr256 = 16;
    private const int Narrow256 = 8;

    // Scalar geometry.
    private const int MrScalar = 4;
    private const int NrScalar = 4;

    /// <summary>Target K block (the packed A micro-panel, MR × KC floats, stays in L1).</summary>
    public const int KcTarget = 384;

    /// <summary>Target N block (the packed B block, KC × NC floats, stays in L2).</summary>
    public const int NcTarget = 1024;

    /// <summary>
    /// The best path this process can run. The AVX-512 kernel is used whenever the ISA is available, even where the
    /// runtime reports <c>Vector512.IsHardwareAccelerated</c> false by default (CPUs whose 512-bit frequency penalty
    /// makes wide vectors a poor default for general code): a compute-bound GEMM still gains from them, as MKL's does.
    /// </summary>
    public static ManagedGemmPath DetectPath()
    {
        if (Avx512F.IsSupported)
        {
            return ManagedGemmPath.Avx512;
        }

        if (Vector256.IsHardwareAccelerated && Avx.IsSupported)
        {
            return ManagedGemmPath.Avx2;
        }

        return ManagedGemmPath.Scalar;
    }

    /// <summary>Rows of the register tile.</summary>
    public static int Mr(ManagedGemmPath path) => path switch
    {
        ManagedGemmPath.Avx512 => Mr512,
        ManagedGemmPath.Avx2 => Mr256,
        _ => MrScalar,
    };

    /// <summary>Columns of the register tile.</summary>
    public static int Nr(ManagedGemmPath path) => path switch
    {
        ManagedGemmPath.Avx512 => Nr512,
        ManagedGemmPath.Avx2 => Nr256,
        _ => NrScalar,
    };

    /// <summary>Width of the narrow last panel.</summary>
    public static int Narrow(ManagedGemmPath path) => path switch
    {
        ManagedGemmPath.Avx512 => Narrow512,
        ManagedGemmPath.Avx2 => Narrow256,
        _ => NrScalar,
    };

    /// <summary>Fills the derived block sizes of <paramref name="g"/>.</summary>
    public static void Plan(ref ManagedGemmArgs g)
    {
        // Even K blocks near KcTarget (784 -> 4 × 196), so no short trailing block wastes a C pass.
        int kBlocks = (g.K + KcTarget - 1) / KcTarget;
        g.KBlock = (g.K + kBlocks - 1) / kBlocks;
        int nr = Nr(g.Path);
        int nBlocks = (g.N + NcTarget - 1) / NcTarget;
        int nb = (g.N + nBlocks - 1) / nBlocks;
        g.NBlock = (nb + nr - 1) / nr * nr;
    }

    /// <summary>Floats of packed-B buffer a thread needs for <paramref name="g"/>.</summary>
    public static int PackedBFloats(in ManagedGemmArgs g) => g.KBlock * g.NBlock;

    /// <summary>Floats of packed-A buffer a thread needs for <paramref name="g"/>.</summary>
    public static int PackedAFloats(in ManagedGemmArgs g) => g.KBlock * Mr(g.Path);

    /// <summary><c>C = beta·C</c> over the whole m×n C (the alpha = 0 or k = 0 case); beta = 0 writes zeros without reading.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleC(float* c, int ldc, int m, int n, float beta)
    {
        for (int i = 0; i < m; i++)
        {
            float* row = c + ((nint)i * ldc);
            if (beta == 0f)
            {
                new Span<float>(row, n).Clear();
            }
            else if (beta != 1f)
            {
                int j = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    Vector512<float> vb = Vector512.Create(beta);
                    for (; j <= n - 16; j += 16)
                    {
                        Vector512.Store(vb * Vector512.Load(row + j), row + j);
                    }
                }

                if (Vector256.IsHardwareAccelerated)
                {
                    Vector256<float> vb = Vector256.Create(beta);
                    for (; j <= n - 8; j += 8)
                    {
                        Vector256.Store(vb * Vector256.Load(row + j), row + j);
                    }
                }

                for (; j < n; j++)
                {
                    row[j] = beta * row[j];
                }
            }
        }
    }

    /// <summary>Computes rows <c>[i0, i1)</c> × columns <c>[j0, j1)</c> of C over the full K range.</summary>
    /// <param name="g">The planned call.</param>
    /// <param name="buf">This thread's scratch.</param>
    /// <param name="i0">First row (a multiple of MR, or 0).</param>
    /// <param name="i1">End row.</param>
    /// <param name="j0">First column (a multiple of NR, or 0).</param>
    /// <param name="j1">End column.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in ManagedGemmArgs g, ManagedPackBuffers buf, int i0, int i1, int j0, int j1)
    {
        ManagedGemmPath path = g.Path;
        int mrFull = Mr(path);
        int nrFull = Nr(path);
        int narrow = Narrow(path);
        float* bp = buf.PackedB(PackedBFloats(g));
        float* ap = buf.PackedA(PackedAFloats(g));
        float* tileA = buf.Tile;
        float* tileB = buf.Tile + MaxTileFloats;
        float* tileT = buf.Tile + (2 * MaxTileFloats);
        float alpha = g.Alpha;
        bool transC = g.TransC;

        // A tile that goes through the scratch buffer is written back one kernel call later (double-buffered), so
        // the write-back's narrow loads do not land right behind the kernel's just-issued wide stores.
        float* pendTile = null;
        float* pendC = null;
        int pendMr = 0, pendNr = 0, pendW = 0;
        float pendBeta = 0f;

        for (int jc = j0; jc < j1; jc += g.NBlock)
        {
            int nc = Math.Min(g.NBlock, j1 - jc);
            for (int pc = 0; pc < g.K; pc += g.KBlock)
            {
                int kc = Math.Min(g.KBlock, g.K - pc);
                PackB(g, jc, nc, pc, kc, nrFull, narrow, bp);
                float beta = pc == 0 ? g.Beta : 1f;

                // With a single B panel in the block, each A panel would be packed for one kernel call only: a
                // full-height panel of a non-transposed A is then read in place instead.
                bool directOk = !g.TransA && nc <= nrFull && path != ManagedGemmPath.Scalar;
                for (int ir = i0; ir < i1; ir += mrFull)
                {
                    int mr = Math.Min(mrFull, i1 - ir);
                    bool direct = directOk && mr == mrFull;
                    if (!direct)
                    {
                        PackA(g, ir, mr, pc, kc, mrFull, ap);
                    }

                    float* aSrc = direct ? g.A + ((nint)ir * g.Lda) + pc : ap;
                    nint aLd = direct ? g.Lda : 0;
                    float* cRow = transC ? g.C + ((nint)jc * g.Ldc) + ir : g.C + ((nint)ir * g.Ldc) + jc;
                    for (int jr = 0; jr < nc; jr += nrFull)
                    {
                        int nr = Math.Min(nrFull, nc - jr);
                        int w = nr <= narrow ? narrow : nrFull;
                        float* bPanel = bp + ((nint)jr * kc);
                        if (!transC && mr == mrFull && nr == w && path != ManagedGemmPath.Scalar)
                        {
                            // Full tile: the kernel applies alpha/beta and writes C from registers.
                            Kernel(path, w, kc, aSrc, aLd, bPanel, cRow + jr, g.Ldc, alpha, beta, null);
                        }
                        else
                        {
                            float* t = pendTile == tileA ? tileB : tileA;
                            Kernel(path, w, kc, aSrc, aLd, bPanel, null, 0, 0f, 0f, t);
                            if (pendTile != null)
                            {
                                WriteBack(transC, pendTile, pendW, pendC, g.Ldc, pendMr, pendNr, alpha, pendBeta, tileT);
                            }

                            pendTile = t;
                            pendC = transC ? cRow + ((nint)jr * g.Ldc) : cRow + jr;
                            pendMr = mr;
                            pendNr = nr;
                            pendW = w;
                            pendBeta = beta;
                        }
                    }
                }

                // The next K block updates the same C tiles: finish this block's write-back first.
                if (pendTile != null)
                {
                    WriteBack(transC, pendTile, pendW, pendC, g.Ldc, pendMr, pendNr, alpha, pendBeta, tileT);
                    pendTile = null;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteBack(bool transC, float* t, int w, float* c, int ldc, int mr, int nr, float alpha, float beta, float* scratch)
    {
        if (transC)
        {
            UpdateTransposed(t, w, c, ldc, mr, nr, alpha, beta, scratch);
        }
        else
        {
            Update(t, w, c, ldc, mr, nr, alpha, beta);
        }
    }

    /// <summary>Dispatches to the micro-kernel for the path and panel width; <paramref name="lda"/> ≠ 0 reads A in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel(ManagedGemmPath path, int w, int kc, float* a, nint lda, float* b, float* c, nint ldc, float alpha, float beta, float* t)
    {
        switch (path)
        {
            case ManagedGemmPath.Avx512:
                if (w == Nr512)
                {
                    if (lda == 0)
                    {
                        Kernel512x32(kc, a, b, c, ldc, alpha, beta, t);
                    }
                    else
                    {
                        Kernel512x32Direct(kc, a, lda, b, c, ldc, alpha, beta, t);
                    }
                }
                else if (lda == 0)
                {
                    Kernel512x16(kc, a, b, c, ldc, alpha, beta, t);
                }
                else
                {
                    Kernel512x16Direct(kc, a, lda, b, c, ldc, alpha, beta, t);
                }

                break;
            case ManagedGemmPath.Avx2:
                if (w == Nr256)
                {
                    if (lda == 0)
                    {
                        Kernel256x16(kc, a, b, c, ldc, alpha, beta, t);
                    }
                    else
                    {
                        Kernel256x16Direct(kc, a, lda, b, c, ldc, alpha, beta, t);
                    }
                }
                else if (lda == 0)
                {
                    Kernel256x8(kc, a, b, c, ldc, alpha, beta, t);
                }
                else
                {
                    Kernel256x8Direct(kc, a, lda, b, c, ldc, alpha, beta, t);
                }

                break;
            default:
                KernelScalar(kc, a, b, t);
                break;
        }
    }

    /// <summary>
    /// <c>C = alpha·T + beta·C</c> over the valid mr×nr part of the tile (T has row stride <paramref name="w"/>).
    /// beta = 0 does not read C. Every path rounds alike: <c>(alpha·t) + (beta·c)</c>, two products then one sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Update(float* t, int w, float* c, int ldc, int mr, int nr, float alpha, float beta)
    {
        for (int r = 0; r < mr; r++)
        {
            float* tr = t + (r * w);
            float* cr = c + ((nint)r * ldc);
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> va = Vector512.Create(alpha);
                Vector512<float> vb = Vector512.Create(beta);
                for (; j <= nr - 16; j += 16)
                {
                    Vector512<float> v = va * Vector512.Load(tr + j);
                    if (beta == 1f)
                    {
                        v += Vector512.Load(cr + j);
                    }
                    else if (beta != 0f)
                    {
                        v += vb * Vector512.Load(cr + j);
                    }

                    Vector512.Store(v, cr + j);
                }
            }

            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<float> va = Vector256.Create(alpha);
                Vector256<float> vb = Vector256.Create(beta);
                for (; j <= nr - 8; j += 8)
                {
                    Vector256<float> v = va * Vector256.Load(tr + j);
                    if (beta == 1f)
                    {
                        v += Vector256.Load(cr + j);
                    }
                    else if (beta != 0f)
                    {
                        v += vb * Vector256.Load(cr + j);
                    }

                    Vector256.Store(v, cr + j);
                }
            }

            for (; j < nr; j++)
            {
                float v = alpha * tr[j];
                if (beta == 1f)
                {
                    v += cr[j];
                }
                else if (beta != 0f)
                {
                    v += beta * cr[j];
                }

                cr[j] = v;
            }
        }
    }

    /// <summary>
    /// <see cref="Update"/> for a transposed C: tile element (r, j) goes to <c>c[j*ldc + r]</c>. The tile is first
    /// transposed in registers into <paramref name="scratch"/> (row stride 16), then written back row by row with the
    /// same rounding (<c>(alpha·t) + (beta·c)</c>); beta = 0 does not read C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateTransposed(float* t, int w, float* c, int ldc, int mr, int nr, float alpha, float beta, float* scratch)
    {
        ManagedTranspose.Run(t, w, mr, nr, scratch, 16);
        Update(scratch, 16, c, ldc, nr, mr, alpha, beta);
    }

    /// <summary>Packs op(A)[ir..ir+mr, pc..pc+kc] as kc groups of <paramref name="mrFull"/> values (zero-padded rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(in ManagedGemmArgs g, int ir, int mr, int pc, int kc, int mrFull, float* dst)
    {
        int lda = g.Lda;
        if (!g.TransA)
        {
            // op(A)(i, p) = A[i*lda + p]: each source row becomes one strided column of the panel.
            ManagedTranspose.Run(g.A + ((nint)ir * lda) + pc, lda, mr, kc, dst, mrFull);
            for (int r = mr; r < mrFull; r++)
            {
                float* d = dst + r;
                for (int p = 0; p < kc; p++)
                {
                    d[p * mrFull] = 0f;
                }
            }
        }
        else
        {
            // op(A)(i, p) = A[p*lda + i]: each source row segment is one contiguous group.
            float* src = g.A + ((nint)pc * lda) + ir;
            if (mr == 12 && mrFull == 12 && Vector256.IsHardwareAccelerated)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* s = src + ((nint)p * lda);
                    float* d = dst + (p * 12);
                    Vector256.Store(Vector256.Load(s), d);
                    Vector128.Store(Vector128.Load(s + 8), d + 8);
                }
            }
            else if (mr == 6 && mrFull == 6 && Vector128.IsHardwareAccelerated)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* s = src + ((nint)p * lda);
                    float* d = dst + (p * 6);
                    Vector128.Store(Vector128.Load(s), d);
                    d[4] = s[4];
                    d[5] = s[5];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    CopyPad(src + ((nint)p * lda), dst + (p * mrFull), mr, mrFull);
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)[pc..pc+kc, jc..jc+nc] as panels of <paramref name="nrFull"/> columns (the last one
    /// <paramref name="narrow"/> wide when it fits), each kc rows of the panel width, zero-padded.
    /// Panel <c>jr</c> starts at <c>dst + jr·kc</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(in ManagedGemmArgs g, int jc, int nc, int pc, int kc, int nrFull, int narrow, float* dst)
    {
        int ldb = g.Ldb;
        for (int jr = 0; jr < nc; jr += nrFull)
        {
            int nv = Math.Min(nrFull, nc - jr);
            int w = nv <= narrow ? narrow : nrFull;
            float* d = dst + ((nint)jr * kc);
            if (!g.TransB)
            {
                // op(B)(p, j) = B[p*ldb + j]: row segments copy straight in.
                float* src = g.B + ((nint)pc * ldb) + jc + jr;
                for (int p = 0; p < kc; p++)
                {
                    CopyPad(src + ((nint)p * ldb), d + (p * w), nv, w);
                }
            }
            else
            {
                // op(B)(p, j) = B[j*ldb + p]: each source row becomes one strided column of the panel.
                ManagedTranspose.Run(g.B + ((nint)(jc + jr) * ldb) + pc, ldb, nv, kc, d, w);
                for (int j = nv; j < w; j++)
                {
                    float* dc = d + j;
                    for (int p = 0; p < kc; p++)
                    {
                        dc[p * w] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>Copies n floats and zero-fills up to w.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyPad(float* src, float* dst, int n, int w)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j <= n - 16; j += 16)
            {
                Vector512.Store(Vector512.Load(src + j), dst + j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - 8; j += 8)
            {
                Vector256.Store(Vector256.Load(src + j), dst + j);
            }
        }

        for (; j < n; j++)
        {
            dst[j] = src[j];
        }

        for (; j < w; j++)
        {
            dst[j] = 0f;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

    /// <summary><c>c = alpha·x + beta·c</c> (beta = 0: C not read), rounded exactly like <see cref="Update"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Out(Vector512<float> x, float* c, Vector512<float> va, Vector512<float> vb, float beta)
    {
        Vector512<float> v = va * x;
        if (beta == 1f)
        {
            v += Vector512.Load(c);
        }
        else if (beta != 0f)
        {
            v += vb * Vector512.Load(c);
        }

        Vector512.Store(v, c);
    }

    /// <summary><c>c = alpha·x + beta·c</c> (beta = 0: C not read), rounded exactly like <see cref="Update"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Out(Vector256<float> x, float* c, Vector256<float> va, Vector256<float> vb, float beta)
    {
        Vector256<float> v = va * x;
        if (beta == 1f)
        {
            v += Vector256.Load(c);
        }
        else if (beta != 0f)
        {
            v += vb * Vector256.Load(c);
        }

        Vector256.Store(v, c);
    }

    // ---- Generated by build/codegen/gen-gemm-kernels.py (the eight micro-kernels below): edit the generator, not the output. ----

    /// <summary>AVX-512 12×32 micro-kernel (24 zmm accumulators): C tile (or T when <paramref name="t"/> is not null) from Ap[kc×12] and Bp[kc×32].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x32(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, float* t)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default, c90 = default, c91 = default;
        Vector512<float> ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> x = Vector512.Create(a[0]);
            c00 = MulAdd(x, b0, c00);
            c01 = MulAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = MulAdd(x, b0, c10);
            c11 = MulAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = MulAdd(x, b0, c20);
            c21 = MulAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = MulAdd(x, b0, c30);
            c31 = MulAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = MulAdd(x, b0, c40);
            c41 = MulAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = MulAdd(x, b0, c50);
            c51 = MulAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = MulAdd(x, b0, c60);
            c61 = MulAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = MulAdd(x, b0, c70);
            c71 = MulAdd(x, b1, c71);
            x = Vector512.Create(a[8]);
            c80 = MulAdd(x, b0, c80);
            c81 = MulAdd(x, b1, c81);
            x = Vector512.Create(a[9]);
            c90 = MulAdd(x, b0, c90);
            c91 = MulAdd(x, b1, c91);
            x = Vector512.Create(a[10]);
            ca0 = MulAdd(x, b0, ca0);
            ca1 = MulAdd(x, b1, ca1);
            x = Vector512.Create(a[11]);
            cb0 = MulAdd(x, b0, cb0);
            cb1 = MulAdd(x, b1, cb1);
            a += 12;
            b += 32;
        }

        if (t == null)
        {
            Vector512<float> va = Vector512.Create(alpha);
            Vector512<float> vb = Vector512.Create(beta);
            Out(c00, c, va, vb, beta);
            Out(c01, c + 16, va, vb, beta);
            c += ldc;
            Out(c10, c, va, vb, beta);
            Out(c11, c + 16, va, vb, beta);
            c += ldc;
            Out(c20, c, va, vb, beta);
            Out(c21, c + 16, va, vb, beta);
            c += ldc;
            Out(c30, c, va, vb, beta);
            Out(c31, c + 16, va, vb, beta);
            c += ldc;
            Out(c40, c, va, vb, beta);
            Out(c41, c + 16, va, vb, beta);
            c += ldc;
            Out(c50, c, va, vb, beta);
            Out(c51, c + 16, va, vb, beta);
            c += ldc;
            Out(c60, c, va, vb, beta);
            Out(c61, c + 16, va, vb, beta);
            c += ldc;
            Out(c70, c, va, vb, beta);
            Out(c71, c + 16, va, vb, beta);
            c += ldc;
            Out(c80, c, va, vb, beta);
            Out(c81, c + 16, va, vb, beta);
            c += ldc;
            Out(c90, c, va, vb, beta);
            Out(c91, c + 16, va, vb, beta);
            c += ldc;
            Out(ca0, c, va, vb, beta);
            Out(ca1, c + 16, va, vb, beta);
            c += ldc;
            Out(cb0, c, va, vb, beta);
            Out(cb1, c + 16, va, vb, beta);
        }
        else
        {
            Vector512.Store(c00, t);
            Vector512.Store(c01, t + 16);
            Vector512.Store(c10, t + 32);
            Vector512.Store(c11, t + 48);
            Vector512.Store(c20, t + 64);
            Vector512.Store(c21, t + 80);
            Vector512.Store(c30, t + 96);
            Vector512.Store(c31, t + 112);
            Vector512.Store(c40, t + 128);
            Vector512.Store(c41, t + 144);
            Vector512.Store(c50, t + 160);
            Vector512.Store(c51, t + 176);
            Vector512.Store(c60, t + 192);
            Vector512.Store(c61, t + 208);
            Vector512.Store(c70, t + 224);
            Vector512.Store(c71, t + 240);
            Vector512.Store(c80, t + 256);
            Vector512.Store(c81, t + 272);
            Vector512.Store(c90, t + 288);
            Vector512.Store(c91, t + 304);
            Vector512.Store(ca0, t + 320);
            Vector512.Store(ca1, t + 336);
            Vector512.Store(cb0, t + 352);
            Vector512.Store(cb1, t + 368);
        }
    }

    /// <summary>AVX-512 12×16 micro-kernel for a narrow last panel (12 zmm accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x16(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, float* t)
    {
        Vector512<float> c00 = default, c10 = default, c20 = default, c30 = default;
        Vector512<float> c40 = default, c50 = default, c60 = default, c70 = default;
        Vector512<float> c80 = default, c90 = default, ca0 = default, cb0 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            c00 = MulAdd(Vector512.Create(a[0]), b0, c00);
            c10 = MulAdd(Vector512.Create(a[1]), b0, c10);
            c20 = MulAdd(Vector512.Create(a[2]), b0, c20);
            c30 = MulAdd(Vector512.Create(a[3]), b0, c30);
            c40 = MulAdd(Vector512.Create(a[4]), b0, c40);
            c50 = MulAdd(Vector512.Create(a[5]), b0, c50);
            c60 = MulAdd(Vector512.Create(a[6]), b0, c60);
            c70 = MulAdd(Vector512.Create(a[7]), b0, c70);
            c80 = MulAdd(Vector512.Create(a[8]), b0, c80);
            c90 = MulAdd(Vector512.Create(a[9]), b0, c90);
            ca0 = MulAdd(Vector512.Create(a[10]), b0, ca0);
            cb0 = MulAdd(Vector512.Create(a[11]), b0, cb0);
            a += 12;
            b += 16;
        }

        if (t == null)
        {
            Vector512<float> va = Vector512.Create(alpha);
            Vector512<float> vb = Vector512.Create(beta);
            Out(c00, c, va, vb, beta);
            c += ldc;
            Out(c10, c, va, vb, beta);
            c += ldc;
            Out(c20, c, va, vb, beta);
            c += ldc;
            Out(c30, c, va, vb, beta);
            c += ldc;
            Out(c40, c, va, vb, beta);
            c += ldc;
            Out(c50, c, va, vb, beta);
            c += ldc;
            Out(c60, c, va, vb, beta);
            c += ldc;
            Out(c70, c, va, vb, beta);
            c += ldc;
            Out(c80, c, va, vb, beta);
            c += ldc;
            Out(c90, c, va, vb, beta);
            c += ldc;
            Out(ca0, c, va, vb, beta);
            c += ldc;
            Out(cb0, c, va, vb, beta);
        }
        else
        {
            Vector512.Store(c00, t);
            Vector512.Store(c10, t + 16);
            Vector512.Store(c20, t + 32);
            Vector512.Store(c30, t + 48);
            Vector512.Store(c40, t + 64);
            Vector512.Store(c50, t + 80);
            Vector512.Store(c60, t + 96);
            Vector512.Store(c70, t + 112);
            Vector512.Store(c80, t + 128);
            Vector512.Store(c90, t + 144);
            Vector512.Store(ca0, t + 160);
            Vector512.Store(cb0, t + 176);
        }
    }

    /// <summary>AVX2 6×16 micro-kernel (12 ymm accumulators).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256x16(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, float* t)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> x = Vector256.Create(a[0]);
            c00 = MulAdd(x, b0, c00);
            c01 = MulAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = MulAdd(x, b0, c10);
            c11 = MulAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = MulAdd(x, b0, c20);
            c21 = MulAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = MulAdd(x, b0, c30);
            c31 = MulAdd(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = MulAdd(x, b0, c40);
            c41 = MulAdd(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = MulAdd(x, b0, c50);
            c51 = MulAdd(x, b1, c51);
            a += 6;
            b += 16;
        }

        if (t == null)
        {
            Vector256<float> va = Vector256.Create(alpha);
            Vector256<float> vb = Vector256.Create(beta);
            Out(c00, c, va, vb, beta);
            Out(c01, c + 8, va, vb, beta);
            c += ldc;
            Out(c10, c, va, vb, beta);
            Out(c11, c + 8, va, vb, beta);
            c += ldc;
            Out(c20, c, va, vb, beta);
            Out(c21, c + 8, va, vb, beta);
            c += ldc;
            Out(c30, c, va, vb, beta);
            Out(c31, c + 8, va, vb, beta);
            c += ldc;
            Out(c40, c, va, vb, beta);
            Out(c41, c + 8, va, vb, beta);
            c += ldc;
            Out(c50, c, va, vb, beta);
            Out(c51, c + 8, va, vb, beta);
        }
        else
        {
            Vector256.Store(c00, t);
            Vector256.Store(c01, t + 8);
            Vector256.Store(c10, t + 16);
            Vector256.Store(c11, t + 24);
            Vector256.Store(c20, t + 32);
            Vector256.Store(c21, t + 40);
            Vector256.Store(c30, t + 48);
            Vector256.Store(c31, t + 56);
            Vector256.Store(c40, t + 64);
            Vector256.Store(c41, t + 72);
            Vector256.Store(c50, t + 80);
            Vector256.Store(c51, t + 88);
        }
    }

    /// <summary>AVX2 6×8 micro-kernel for a narrow last panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256x8(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, float* t)
    {
        Vector256<float> c00 = default, c10 = default, c20 = default, c30 = default;
        Vector256<float> c40 = default, c50 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            c00 = MulAdd(Vector256.Create(a[0]), b0, c00);
            c10 = MulAdd(Vector256.Create(a[1]), b0, c10);
            c20 = MulAdd(Vector256.Create(a[2]), b0, c20);
            c30 = MulAdd(Vector256.Create(a[3]), b0, c30);
            c40 = MulAdd(Vector256.Create(a[4]), b0, c40);
            c50 = MulAdd(Vector256.Create(a[5]), b0, c50);
            a += 6;
            b += 8;
        }

        if (t == null)
        {
            Vector256<float> va = Vector256.Create(alpha);
            Vector256<float> vb = Vector256.Create(beta);
            Out(c00, c, va, vb, beta);
            c += ldc;
            Out(c10, c, va, vb, beta);
            c += ldc;
            Out(c20, c, va, vb, beta);
            c += ldc;
            Out(c30, c, va, vb, beta);
            c += ldc;
            Out(c40, c, va, vb, beta);
            c += ldc;
            Out(c50, c, va, vb, beta);
        }
        else
        {
            Vector256.Store(c00, t);
            Vector256.Store(c10, t + 8);
            Vector256.Store(c20, t + 16);
            Vector256.Store(c30, t + 24);
            Vector256.Store(c40, t + 32);
            Vector256.Store(c50, t + 40);
        }
    }

    /// <summary>AVX-512 12×32 micro-kernel. Reads A in place (rows <paramref name="lda"/> apart) instead of a packed panel: used when the panel would be read by one kernel call only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x32Direct(int kc, float* a, nint lda, float* b, float* c, nint ldc, float alpha, float beta, float* t)
    {
        nint lda2 = 2 * lda;
        float* a3 = a + (3 * lda);
        float* a6 = a + (6 * lda);
        float* a9 = a + (9 * lda);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default, c90 = default, c91 = default;
        Vector512<float> ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> x = Vector512.Create(a[0]);
            c00 = MulAdd(x, b0, c00);
            c01 = MulAdd(x, b1, c01);
            x = Vector512.Create(a[lda]);
            c10 = MulAdd(x, b0, c10);
            c11 = MulAdd(x, b1, c11);
            x = Vector512.Create(a[lda2]);
            c20 = MulAdd(x, b0, c20);
            c21 = MulAdd(x, b1, c21);
            x = Vector512.Create(a3[0]);
            c30 = MulAdd(x, b0, c30);
            c31 = MulAdd(x, b1, c31);
            x = Vector512.Create(a3[lda]);
            c40 = MulAdd(x, b0, c40);
            c41 = MulAdd(x, b1, c41);
            x = Vector512.Create(a3[lda2]);
            c50 = MulAdd(x, b0, c50);
            c51 = MulAdd(x, b1, c51);
            x = Vector512.Create(a6[0]);
            c60 = MulAdd(x, b0, c60);
            c61 = MulAdd(x, b1, c61);
            x = Vector512.Create(a6[lda]);
            c70 = MulAdd(x, b0, c70);
            c71 = MulAdd(x, b1, c71);
            x = Vector512.Create(a6[lda2]);
            c80 = MulAdd(x, b0, c80);
            c81 = MulAdd(x, b1, c81);
            x = Vector512.Create(a9[0]);
            c90 = MulAdd(x, b0, c90);
            c91 = MulAdd(x, b1, c91);
            x = Vector512.Create(a9[lda]);
            ca0 = MulAdd(x, b0, ca0);
            ca1 = MulAdd(x, b1, ca1);
            x = Vector512.Create(a9[lda2]);
            cb0 = MulAdd(x, b0, cb0);
            cb1 = MulAdd(x, b1, cb1);
            a++;
            a3++;
            a6++;
            a9++;
            b += 32;
        }

        if (t == null)
        {
            Vector512<float> va = Vector512.Create(alpha);
            Vector512<float> vb = Vector512.Create(beta);
            Out(c00, c, va, vb, beta);
            Out(c01, c + 16, va, vb, beta);
            c += ldc;
            Out(c10, c, va, vb, beta);
            Out(c11, c + 16, va, vb, beta);
            c += ldc;
            Out(c20, c, va, vb, beta);
            Out(c21, c + 16, va, vb, beta);
            c += ldc;
            Out(c30, c, va, vb, beta);
            Out(c31, c + 16, va, vb, beta);
            c += ldc;
            Out(c40, c, va, vb, beta);
            Out(c41, c + 16, va, vb, beta);
            c += ldc;
            Out(c50, c, va, vb, beta);
            Out(c51, c + 16, va, vb, beta);
            c += ldc;
            Out(c60, c, va, vb, beta);
            Out(c61, c + 16, va, vb, beta);
            c += ldc;
            Out(c70, c, va, vb, beta);
            Out(c71, c + 16, va, vb, beta);
            c += ldc;
            Out(c80, c, va, vb, beta);
            Out(c81, c + 16, va, vb, beta);
            c += ldc;
            Out(c90, c, va, vb, beta);
            Out(c91, c + 16, va, vb, beta);
            c += ldc;
            Out(ca0, c, va, vb, beta);
            Out(ca1, c + 16, va, vb, beta);
            c += ldc;
            Out(cb0, c, va, vb, beta);
            Out(cb1, c + 16, va, vb, beta);
        }
        else
        {
            Vector512.Store(c00, t);
            Vector512.Store(c01, t + 16);
            Vector512.Store(c10, t + 32);
            Vector512.Store(c11, t + 48);
            Vector512.Store(c20, t + 64);
            Vector512.Store(c21, t + 80);
            Vector512.Store(c30, t + 96);
            Vector512.Store(c31, t + 112);
            Vector512.Store(c40, t + 128);
            Vector512.Store(c41, t + 144);
            Vector512.Store(c50, t + 160);
            Vector512.Store(c51, t + 176);
            Vector512.Store(c60, t + 192);
            Vector512.Store(c61, t + 208);
            Vector512.Store(c70, t + 224);
            Vector512.Store(c71, t + 240);
            Vector512.Store(c80, t + 256);
            Vector512.Store(c81, t + 272);
            Vector512.Store(c90, t + 288);
            Vector512.Store(c91, t + 304);
            Vector512.Store(ca0, t + 320);
            Vector512.Store(ca1, t + 336);
            Vector512.Store(cb0, t + 352);
            Vector512.Store(cb1, t + 368);
        }
    }

    /// <summary>AVX-512 12×16 micro-kernel. Reads A in place (rows <paramref name="lda"/> apart) instead of a packed panel: used when the panel would be read by one kernel call only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x16Direct(int kc, float* a, nint lda, float* b, float* c, nint ldc, float alpha, float beta, float* t)
    {
        nint lda2 = 2 * lda;
        float* a3 = a + (3 * lda);
        float* a6 = a + (6 * lda);
        float* a9 = a + (9 * lda);
        Vector512<float> c00 = default, c10 = default, c20 = default, c30 = default;
        Vector512<float> c40 = default, c50 = default, c60 = default, c70 = default;
        Vector512<float> c80 = default, c90 = default, ca0 = default, cb0 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            c00 = MulAdd(Vector512.Create(a[0]), b0, c00);
            c10 = MulAdd(Vector512.Create(a[lda]), b0, c10);
            c20 = MulAdd(Vector512.Create(a[lda2]), b0, c20);
            c30 = MulAdd(Vector512.Create(a3[0]), b0, c30);
            c40 = MulAdd(Vector512.Create(a3[lda]), b0, c40);
            c50 = MulAdd(Vector512.Create(a3[lda2]), b0, c50);
            c60 = MulAdd(Vector512.Create(a6[0]), b0, c60);
            c70 = MulAdd(Vector512.Create(a6[lda]), b0, c70);
            c80 = MulAdd(Vector512.Create(a6[lda2]), b0, c80);
            c90 = MulAdd(Vector512.Create(a9[0]), b0, c90);
            ca0 = MulAdd(Vector512.Create(a9[lda]), b0, ca0);
            cb0 = MulAdd(Vector512.Create(a9[lda2]), b0, cb0);
            a++;
            a3++;
            a6++;
            a9++;
            b += 16;
        }

        if (t == null)
        {
            Vector512<float> va = Vector512.Create(alpha);
            Vector512<float> vb = Vector512.Create(beta);
            Out(c00, c, va, vb, beta);
            c += ldc;
            Out(c10, c, va, vb, beta);
            c += ldc;
            Out(c20, c, va, vb, beta);
            c += ldc;
            Out(c30, c, va, vb, beta);
            c += ldc;
            Out(c40, c, va, vb, beta);
            c += ldc;
            Out(c50, c, va, vb, beta);
            c += ldc;
            Out(c60, c, va, vb, beta);
            c += ldc;
            Out(c70, c, va, vb, beta);
            c += ldc;
            Out(c80, c, va, vb, beta);
            c += ldc;
            Out(c90, c, va, vb, beta);
            c += ldc;
            Out(ca0, c, va, vb, beta);
            c += ldc;
            Out(cb0, c, va, vb, beta);
        }
        else
        {
            Vector512.Store(c00, t);
            Vector512.Store(c10, t + 16);
            Vector512.Store(c20, t + 32);
            Vector512.Store(c30, t + 48);
            Vector512.Store(c40, t + 64);
            Vector512.Store(c50, t + 80);
            Vector512.Store(c60, t + 96);
            Vector512.Store(c70, t + 112);
            Vector512.Store(c80, t + 128);
            Vector512.Store(c90, t + 144);
            Vector512.Store(ca0, t + 160);
            Vector512.Store(cb0, t + 176);
        }
    }

    /// <summary>AVX2 6×16 micro-kernel. Reads A in place (rows <paramref name="lda"/> apart) instead of a packed panel: used when the panel would be read by one kernel call only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256x16Direct(int kc, float* a, nint lda, float* b, float* c, nint ldc, float alpha, float beta, float* t)
    {
        nint lda2 = 2 * lda;
        float* a3 = a + (3 * lda);
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> x = Vector256.Create(a[0]);
            c00 = MulAdd(x, b0, c00);
            c01 = MulAdd(x, b1, c01);
            x = Vector256.Create(a[lda]);
            c10 = MulAdd(x, b0, c10);
            c11 = MulAdd(x, b1, c11);
            x = Vector256.Create(a[lda2]);
            c20 = MulAdd(x, b0, c20);
            c21 = MulAdd(x, b1, c21);
            x = Vector256.Create(a3[0]);
            c30 = MulAdd(x, b0, c30);
            c31 = MulAdd(x, b1, c31);
            x = Vector256.Create(a3[lda]);
            c40 = MulAdd(x, b0, c40);
            c41 = MulAdd(x, b1, c41);
            x = Vector256.Create(a3[lda2]);
            c50 = MulAdd(x, b0, c50);
            c51 = MulAdd(x, b1, c51);
            a++;
            a3++;
            b += 16;
        }

        if (t == null)
        {
            Vector256<float> va = Vector256.Create(alpha);
            Vector256<float> vb = Vector256.Create(beta);
            Out(c00, c, va, vb, beta);
            Out(c01, c + 8, va, vb, beta);
            c += ldc;
            Out(c10, c, va, vb, beta);
            Out(c11, c + 8, va, vb, beta);
            c += ldc;
            Out(c20, c, va, vb, beta);
            Out(c21, c + 8, va, vb, beta);
            c += ldc;
            Out(c30, c, va, vb, beta);
            Out(c31, c + 8, va, vb, beta);
            c += ldc;
            Out(c40, c, va, vb, beta);
            Out(c41, c + 8, va, vb, beta);
            c += ldc;
            Out(c50, c, va, vb, beta);
            Out(c51, c + 8, va, vb, beta);
        }
        else
        {
            Vector256.Store(c00, t);
            Vector256.Store(c01, t + 8);
            Vector256.Store(c10, t + 16);
            Vector256.Store(c11, t + 24);
            Vector256.Store(c20, t + 32);
            Vector256.Store(c21, t + 40);
            Vector256.Store(c30, t + 48);
            Vector256.Store(c31, t + 56);
            Vector256.Store(c40, t + 64);
            Vector256.Store(c41, t + 72);
            Vector256.Store(c50, t + 80);
            Vector256.Store(c51, t + 88);
        }
    }

    /// <summary>AVX2 6×8 micro-kernel. Reads A in place (rows <paramref name="lda"/> apart) instead of a packed panel: used when the panel would be read by one kernel call only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256x8Direct(int kc, float* a, nint lda, float* b, float* c, nint ldc, float alpha, float beta, float* t)
    {
        nint lda2 = 2 * lda;
        float* a3 = a + (3 * lda);
        Vector256<float> c00 = default, c10 = default, c20 = default, c30 = default;
        Vector256<float> c40 = default, c50 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            c00 = MulAdd(Vector256.Create(a[0]), b0, c00);
            c10 = MulAdd(Vector256.Create(a[lda]), b0, c10);
            c20 = MulAdd(Vector256.Create(a[lda2]), b0, c20);
            c30 = MulAdd(Vector256.Create(a3[0]), b0, c30);
            c40 = MulAdd(Vector256.Create(a3[lda]), b0, c40);
            c50 = MulAdd(Vector256.Create(a3[lda2]), b0, c50);
            a++;
            a3++;
            b += 8;
        }

        if (t == null)
        {
            Vector256<float> va = Vector256.Create(alpha);
            Vector256<float> vb = Vector256.Create(beta);
            Out(c00, c, va, vb, beta);
            c += ldc;
            Out(c10, c, va, vb, beta);
            c += ldc;
            Out(c20, c, va, vb, beta);
            c += ldc;
            Out(c30, c, va, vb, beta);
            c += ldc;
            Out(c40, c, va, vb, beta);
            c += ldc;
            Out(c50, c, va, vb, beta);
        }
        else
        {
            Vector256.Store(c00, t);
            Vector256.Store(c10, t + 8);
            Vector256.Store(c20, t + 16);
            Vector256.Store(c30, t + 24);
            Vector256.Store(c40, t + 32);
            Vector256.Store(c50, t + 40);
        }
    }

    /// <summary>Scalar 4×4 micro-kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelScalar(int kc, float* a, float* b, float* t)
    {
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        for (int p = 0; p < kc; p++)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float x = a[0];
            c00 += x * b0;
            c01 += x * b1;
            c02 += x * b2;
            c03 += x * b3;
            x = a[1];
            c10 += x * b0;
            c11 += x * b1;
            c12 += x * b2;
            c13 += x * b3;
            x = a[2];
            c20 += x * b0;
            c21 += x * b1;
            c22 += x * b2;
            c23 += x * b3;
            x = a[3];
            c30 += x * b0;
            c31 += x * b1;
            c32 += x * b2;
            c33 += x * b3;
            a += 4;
            b += 4;
        }

        t[0] = c00;
        t[1] = c01;
        t[2] = c02;
        t[3] = c03;
        t[4] = c10;
        t[5] = c11;
        t[6] = c12;
        t[7] = c13;
        t[8] = c20;
        t[9] = c21;
        t[10] = c22;
        t[11] = c23;
        t[12] = c30;
        t[13] = c31;
        t[14] = c32;
        t[15] = c33;
    }
}
