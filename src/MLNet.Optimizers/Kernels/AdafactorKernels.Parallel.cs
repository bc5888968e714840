using System;
using System.Runtime.CompilerServices;

namespace MLNet.Optimizers.Kernels;

/// <summary>
/// Adafactor's passes split across <see cref="KernelThreads"/> with the same bits as one thread. The reductions split
/// where NumPy's pairwise tree splits: the sums of <c>u*u</c> and <c>x*x</c> over the flattened tensor into subtrees of
/// that tree (each summed exactly as the serial recursion sums it, the subtree results then added in the tree's
/// order), and the row statistics into column ranges that are subtrees of every row's tree (each part sums its subtree
/// of every row and adds its columns' values into the column sums row by row, as the serial pass does). The updates
/// are element-wise (rows, or element ranges).
/// </summary>
internal static unsafe partial class AdafactorKernels
{
    /// <summary>The most subtrees of the sums (their chunk buffers are part of the workspace).</summary>
    public const int MaxSumParts = 64;

    /// <summary>The most column ranges of the row statistics (their partial row sums are part of the workspace).</summary>
    public const int MaxStatisticsParts = 16;

    /// <summary>The shortest column range of a split statistics pass.</summary>
    private const int MinStatisticsColumns = 256;

    /// <summary>Workspace floats of the split passes: chunk buffers for the sums, partial row sums for the statistics.</summary>
    public static long ParallelWorkspaceFloats(int maxRows) => ((long)MaxSumParts * Pairwise.ChunkSize) + ((long)MaxStatisticsParts * maxRows);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Depth(long n, Threading t, int maxParts, long minPartLength)
    {
        if (t.Parts(n) <= 1)
        {
            return 0;
        }

        long target = Math.Min(maxParts, Math.Min(n / Math.Max(1, t.PartLength), n / Math.Max(1, minPartLength)));
        int d = 0;
        while ((2L << d) <= target)
        {
            d++;
        }

        return d;
    }

    // ------------------------------------------------------------------------------------------- row statistics

    private struct StatisticsContext
    {
        public float* G;
        public float* Acc;
        public float* Partial;
        public int Rows;
        public int Cols;
        public float Eps1;
        public fixed int Starts[MaxStatisticsParts];
        public fixed int Lengths[MaxStatisticsParts];
    }

    /// <summary>
    /// <see cref="FactoredStatistics"/> with its row sums split into column ranges (subtrees of each row's pairwise
    /// tree) on up to <paramref name="t"/>.Threads threads; <paramref name="partial"/> holds
    /// <see cref="MaxStatisticsParts"/> × rows floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FactoredStatisticsSplit(float* g, int rows, int cols, float* r, float* c, float* acc, float eps1, float b2t, float om, out float cMin, out float cMax, float* partial, Threading t)
    {
        int depth = cols > 1 ? Depth((long)rows * cols, t, MaxStatisticsParts, 0) : 0;
        while (depth > 0 && (cols >> depth) < MinStatisticsColumns)
        {
            depth--;
        }

        if (depth == 0)
        {
            FactoredStatistics(g, rows, cols, r, c, acc, eps1, b2t, om, out cMin, out cMax);
            return;
        }

        new Span<float>(acc, cols).Clear();
        var ctx = new StatisticsContext { G = g, Acc = acc, Partial = partial, Rows = rows, Cols = cols, Eps1 = eps1 };
        int parts = Pairwise.Subtrees(0, cols, depth, Pairwise.BlockSize, new Span<int>(ctx.Starts, MaxStatisticsParts), new Span<int>(ctx.Lengths, MaxStatisticsParts), 0);
        KernelThreads.Run(parts, t.Threads, &StatisticsPart, &ctx);
        Span<float> sums = stackalloc float[MaxStatisticsParts];
        for (int i = 0; i < rows; i++)
        {
            for (int p = 0; p < parts; p++)
            {
                sums[p] = partial[((long)p * rows) + i];
            }

            int index = 0;
            float rowMean = Pairwise.Combine(cols, depth, Pairwise.BlockSize, sums, ref index) / cols;
            r[i] = (b2t * r[i]) + (om * rowMean);
        }

        UpdateColumns(c, acc, rows, cols, b2t, om, out cMin, out cMax);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StatisticsPart(void* context, int part)
    {
        ref StatisticsContext ctx = ref *(StatisticsContext*)context;
        int start = ctx.Starts[part];
        int len = ctx.Lengths[part];
        int cols = ctx.Cols;
        float* partial = ctx.Partial + ((long)part * ctx.Rows);
        int i = 0;
        for (; i + 1 < ctx.Rows; i += 2)
        {
            var pairSrc = new RowPairSquares(ctx.G + ((long)i * cols), cols, ctx.Acc, ctx.Eps1, 2L * cols);
            Pairwise.Sum2Wide(ref pairSrc, start, len, out float s0, out float s1);
            partial[i] = s0;
            partial[i + 1] = s1;
        }

        for (; i < ctx.Rows; i++)
        {
            var rowSrc = new RowSquares(ctx.G + ((long)i * cols), ctx.Acc, ctx.Eps1, accumulate: true);
            partial[i] = Pairwise.Sum(ref rowSrc, start, len);
        }
    }

    // ------------------------------------------------------------------------------------------- sums

    private struct SumsContext<T>
        where T : unmanaged, ILeafProducer
    {
        public T Producer;
        public float* X;
        public float* Buffers;
        public fixed int Starts[MaxSumParts];
        public fixed int Lengths[MaxSumParts];
        public fixed float A[MaxSumParts];
        public fixed float B[MaxSumParts];
        public fixed bool Outside[MaxSumParts];
    }

    /// <summary>
    /// <see cref="Pairwise.SumProducedAndSquares{T}"/> over [0, n) split into subtrees; <paramref name="buffers"/> holds
    /// <see cref="MaxSumParts"/> chunks. Returns whether a <see cref="VelocityProducer"/> part saw a value outside the
    /// Newton range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool SumsParallel<T>(ref T producer, float* x, float* buffers, int n, Threading t, out float a, out float b)
        where T : unmanaged, ILeafProducer
    {
        int depth = Depth(n, t, MaxSumParts, Pairwise.ChunkSize);
        if (depth == 0)
        {
            Pairwise.SumProducedAndSquares(ref producer, x, buffers, 0, n, out a, out b);
            return Outside(ref producer);
        }

        var ctx = new SumsContext<T> { Producer = producer, X = x, Buffers = buffers };
        int parts = Pairwise.Subtrees(0, n, depth, Pairwise.ChunkSize, new Span<int>(ctx.Starts, MaxSumParts), new Span<int>(ctx.Lengths, MaxSumParts), 0);
        KernelThreads.Run(parts, t.Threads, &SumsPart<T>, &ctx);
        int ia = 0, ib = 0;
        a = Pairwise.Combine(n, depth, Pairwise.ChunkSize, new ReadOnlySpan<float>(ctx.A, MaxSumParts), ref ia);
        b = Pairwise.Combine(n, depth, Pairwise.ChunkSize, new ReadOnlySpan<float>(ctx.B, MaxSumParts), ref ib);
        bool outside = false;
        for (int p = 0; p < parts; p++)
        {
            outside |= ctx.Outside[p];
        }

        return outside;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumsPart<T>(void* context, int part)
        where T : unmanaged, ILeafProducer
    {
        ref SumsContext<T> ctx = ref *(SumsContext<T>*)context;
        T producer = ctx.Producer; // a copy per part: its own cursor
        Pairwise.SumProducedAndSquares(ref producer, ctx.X, ctx.Buffers + ((long)part * Pairwise.ChunkSize), ctx.Starts[part], ctx.Lengths[part], out float a, out float b);
        ctx.A[part] = a;
        ctx.B[part] = b;
        ctx.Outside[part] = Outside(ref producer);
    }

    /// <summary>A <see cref="VelocityProducer"/>'s out-of-range flag (false for other producers; no boxing).</summary>
    private static bool Outside<T>(ref T producer)
        where T : unmanaged, ILeafProducer =>
        typeof(T) == typeof(VelocityProducer) && Unsafe.As<T, VelocityProducer>(ref producer).Outside;

    /// <summary><see cref="FactoredSums"/> split where the pairwise tree splits.</summary>
    public static void FactoredSumsSplit(float* g, float* x, float* r, float* c, float* rowMeans, float* colMin, float* colMax, int rows, int cols, long n, float* buffers, KernelPath path, bool guard, Threading t, out float sumU, out float sumX)
    {
        var producer = new FactoredProducer(g, r, c, rowMeans, colMin, colMax, rows, cols, path, guard);
        SumsParallel(ref producer, x, buffers, (int)n, t, out sumU, out sumX);
    }

    /// <summary><see cref="VelocitySums"/> split where the pairwise tree splits.</summary>
    public static int VelocitySumsSplit(float* g, float* x, float* v, int n, float eps1, float b2t, float om, float* buffers, KernelPath path, bool guard, Threading t, out float sumU, out float sumX)
    {
        bool guarded = guard && om * eps1 == 0f;
        var producer = new VelocityProducer(g, v, eps1, b2t, om, path, guarded);
        bool outside = SumsParallel(ref producer, x, buffers, n, t, out sumU, out sumX);
        return guarded ? SqrtGuarded : !path.Newton ? SqrtHardware : outside ? SqrtChecked : SqrtUnchecked;
    }

    // ------------------------------------------------------------------------------------------- updates

    private struct ApplyContext
    {
        public float* X;
        public float* G;
        public float* R;
        public float* C;
        public float* V;
        public float* RowMeans;
        public float* ColMin;
        public float* ColMax;
        public long N;
        public int Rows;
        public int Cols;
        public int Total;
        public int RowsPerPart;
        public float Alpha;
        public float D;
        public int Mode;
        public KernelPath Path;
        public bool Guard;
        public Threading Threading;
        public int Parts;
    }

    /// <summary>The factored update split by rows (each row is independent).</summary>
    public static void FactoredApplySplit(float* x, float* g, float* r, float* c, float* rowMeans, float* colMin, float* colMax, int lead, int rows, int cols, float alpha, float d, KernelPath path, bool guard, Threading t)
    {
        long n = (long)lead * rows * cols;
        int parts = t.Parts(n);
        if (parts <= 1 || lead * rows < 2)
        {
            FactoredApply(x, g, r, c, rowMeans, colMin, colMax, lead, rows, cols, alpha, d, path, guard);
            return;
        }

        int total = lead * rows;
        int rowsPerPart = Math.Max(1, t.PartLength / Math.Max(1, cols));
        var ctx = new ApplyContext
        {
            X = x, G = g, R = r, C = c, RowMeans = rowMeans, ColMin = colMin, ColMax = colMax, Rows = rows, Cols = cols, Total = total,
            RowsPerPart = rowsPerPart, Alpha = alpha, D = d, Path = path, Guard = guard,
        };
        KernelThreads.Run((total + rowsPerPart - 1) / rowsPerPart, t.Threads, &FactoredApplyPart, &ctx);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FactoredApplyPart(void* context, int part)
    {
        ref ApplyContext ctx = ref *(ApplyContext*)context;
        int i0 = part * ctx.RowsPerPart;
        int i1 = Math.Min(ctx.Total, i0 + ctx.RowsPerPart);
        var den = new Denominator(ctx.D, ctx.Path.Newton);
        int rows = ctx.Rows, cols = ctx.Cols;
        KernelPath path = ctx.Path;
        int i = i0;
        if (path.Width == 512 && cols >= 64)
        {
            // Two rows per loop, as the serial pass pairs them: twice the memory streams in flight.
            for (; i + 1 < i1; i += 2)
            {
                int k = i + 1;
                float rr1 = RowFactor(ctx.R[i], ctx.RowMeans[i / rows], ctx.Guard);
                float rr2 = RowFactor(ctx.R[k], ctx.RowMeans[k / rows], ctx.Guard);
                int m1 = RowSqrtMode(path, rr1, ctx.ColMin[i / rows], ctx.ColMax[i / rows], ctx.Guard);
                int m2 = RowSqrtMode(path, rr2, ctx.ColMin[k / rows], ctx.ColMax[k / rows], ctx.Guard);
                float* c1 = ctx.C + ((long)(i / rows) * cols);
                float* c2 = ctx.C + ((long)(k / rows) * cols);
                long o1 = (long)i * cols;
                long o2 = (long)k * cols;
                int done = ApplyRowPair512(ctx.X + o1, ctx.G + o1, c1, rr1, m1, ctx.X + o2, ctx.G + o2, c2, rr2, m2, cols, ctx.Alpha, den);
                FactoredApplyRow(ctx.X + o1, ctx.G + o1, c1, cols, rr1, ctx.Alpha, den, path, m1, done);
                FactoredApplyRow(ctx.X + o2, ctx.G + o2, c2, cols, rr2, ctx.Alpha, den, path, m2, done);
            }
        }

        for (; i < i1; i++)
        {
            int b = i / rows;
            float rr = RowFactor(ctx.R[i], ctx.RowMeans[b], ctx.Guard);
            long off = (long)i * cols;
            FactoredApplyRow(ctx.X + off, ctx.G + off, ctx.C + ((long)b * cols), cols, rr, ctx.Alpha, den, path, RowSqrtMode(path, rr, ctx.ColMin[b], ctx.ColMax[b], ctx.Guard), 0);
        }
    }

    /// <summary>The non-factored update split into element ranges.</summary>
    public static void VelocityApplySplit(float* x, float* v, float* g, int n, float alpha, float d, KernelPath path, int mode, Threading t)
    {
        int parts = t.Parts(n);
        if (parts <= 1)
        {
            VelocityApply(x, v, g, n, alpha, d, path, mode);
            return;
        }

        var ctx = new ApplyContext { X = x, V = v, G = g, N = n, Alpha = alpha, D = d, Path = path, Mode = mode, Threading = t, Parts = parts };
        KernelThreads.Run(parts, t.Threads, &VelocityApplyPart, &ctx);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void VelocityApplyPart(void* context, int part)
    {
        ref ApplyContext ctx = ref *(ApplyContext*)context;
        ctx.Threading.Range(ctx.N, part, ctx.Parts, out long s, out long e);
        VelocityApply(ctx.X + s, ctx.V + s, ctx.G + s, (int)(e - s), ctx.Alpha, ctx.D, ctx.Path, ctx.Mode);
    }
}
