using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Optimizers.Compute;

/// <summary>
/// Transposing copies for SGEMM packing: <c>dst[p·stride + r] = src[r·ld + p]</c> for r &lt; rows, p &lt; cols. With
/// AVX, 8×8, 4×8 and 2×8 blocks are transposed in registers (lane inserts, unpack, shuffle); the rest is scalar.
/// </summary>
internal static unsafe class ManagedTranspose
{
    /// <summary>Copies a rows×cols block (row stride <paramref name="ld"/>) transposed into <paramref name="dst"/> (row stride <paramref name="stride"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* src, nint ld, int rows, int cols, float* dst, int stride)
    {
        int r = 0;
        int colsVec = 0;
        if (Avx.IsSupported)
        {
            colsVec = cols & ~7;
            for (; r <= rows - 8; r += 8)
            {
                float* s = src + (r * ld);
                float* d = dst + r;
                for (int p = 0; p < colsVec; p += 8)
                {
                    Block8x8(s + p, ld, d + ((nint)p * stride), stride);
                }
            }

            if (rows - r >= 4)
            {
                float* s = src + (r * ld);
                float* d = dst + r;
                for (int p = 0; p < colsVec; p += 8)
                {
                    Block4x8(s + p, ld, d + ((nint)p * stride), stride);
                }

                r += 4;
            }

            if (rows - r >= 2)
            {
                float* s = src + (r * ld);
                float* d = dst + r;
                for (int p = 0; p < colsVec; p += 8)
                {
                    Block2x8(s + p, ld, d + ((nint)p * stride), stride);
                }

                r += 2;
            }

            // Scalar tail columns of the rows done in blocks.
            if (colsVec < cols)
            {
                for (int rr = 0; rr < r; rr++)
                {
                    float* s = src + (rr * ld);
                    float* d = dst + rr;
                    for (int p = colsVec; p < cols; p++)
                    {
                        d[(nint)p * stride] = s[p];
                    }
                }
            }
        }

        for (; r < rows; r++)
        {
            float* s = src + (r * ld);
            float* d = dst + r;
            for (int p = 0; p < cols; p++)
            {
                d[(nint)p * stride] = s[p];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block8x8(float* s, nint ld, float* d, nint stride)
    {
        // Pair row k with row k+4 in the two 128-bit lanes (the insert is fed by a load, sparing the shuffle port),
        // then one in-lane 4×4 transpose per half yields whole columns.
        float* s4 = s + (4 * ld);
        Vector256<float> a0 = Avx.InsertVector128(Vector128.Load(s).ToVector256Unsafe(), Vector128.Load(s4), 1);
        Vector256<float> a1 = Avx.InsertVector128(Vector128.Load(s + ld).ToVector256Unsafe(), Vector128.Load(s4 + ld), 1);
        Vector256<float> a2 = Avx.InsertVector128(Vector128.Load(s + (2 * ld)).ToVector256Unsafe(), Vector128.Load(s4 + (2 * ld)), 1);
        Vector256<float> a3 = Avx.InsertVector128(Vector128.Load(s + (3 * ld)).ToVector256Unsafe(), Vector128.Load(s4 + (3 * ld)), 1);
        Vector256<float> b0 = Avx.InsertVector128(Vector128.Load(s + 4).ToVector256Unsafe(), Vector128.Load(s4 + 4), 1);
        Vector256<float> b1 = Avx.InsertVector128(Vector128.Load(s + ld + 4).ToVector256Unsafe(), Vector128.Load(s4 + ld + 4), 1);
        Vector256<float> b2 = Avx.InsertVector128(Vector128.Load(s + (2 * ld) + 4).ToVector256Unsafe(), Vector128.Load(s4 + (2 * ld) + 4), 1);
        Vector256<float> b3 = Avx.InsertVector128(Vector128.Load(s + (3 * ld) + 4).ToVector256Unsafe(), Vector128.Load(s4 + (3 * ld) + 4), 1);

        Vector256<float> t0 = Avx.UnpackLow(a0, a1);
        Vector256<float> t1 = Avx.UnpackHigh(a0, a1);
        Vector256<float> t2 = Avx.UnpackLow(a2, a3);
        Vector256<float> t3 = Avx.UnpackHigh(a2, a3);
        Avx.Store(d, Avx.Shuffle(t0, t2, 0x44));
        Avx.Store(d + stride, Avx.Shuffle(t0, t2, 0xEE));
        Avx.Store(d + (2 * stride), Avx.Shuffle(t1, t3, 0x44));
        Avx.Store(d + (3 * stride), Avx.Shuffle(t1, t3, 0xEE));

        t0 = Avx.UnpackLow(b0, b1);
        t1 = Avx.UnpackHigh(b0, b1);
        t2 = Avx.UnpackLow(b2, b3);
        t3 = Avx.UnpackHigh(b2, b3);
        Avx.Store(d + (4 * stride), Avx.Shuffle(t0, t2, 0x44));
        Avx.Store(d + (5 * stride), Avx.Shuffle(t0, t2, 0xEE));
        Avx.Store(d + (6 * stride), Avx.Shuffle(t1, t3, 0x44));
        Avx.Store(d + (7 * stride), Avx.Shuffle(t1, t3, 0xEE));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4x8(float* s, nint ld, float* d, nint stride)
    {
        Vector256<float> r0 = Avx.LoadVector256(s);
        Vector256<float> r1 = Avx.LoadVector256(s + ld);
        Vector256<float> r2 = Avx.LoadVector256(s + (2 * ld));
        Vector256<float> r3 = Avx.LoadVector256(s + (3 * ld));

        Vector256<float> t0 = Avx.UnpackLow(r0, r1);
        Vector256<float> t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3);
        Vector256<float> t3 = Avx.UnpackHigh(r2, r3);

        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44); // columns 0 | 4
        Vector256<float> u1 = Avx.Shuffle(t0, t2, 0xEE); // columns 1 | 5
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44); // columns 2 | 6
        Vector256<float> u3 = Avx.Shuffle(t1, t3, 0xEE); // columns 3 | 7

        Sse.Store(d, u0.GetLower());
        Sse.Store(d + stride, u1.GetLower());
        Sse.Store(d + (2 * stride), u2.GetLower());
        Sse.Store(d + (3 * stride), u3.GetLower());
        Sse.Store(d + (4 * stride), u0.GetUpper());
        Sse.Store(d + (5 * stride), u1.GetUpper());
        Sse.Store(d + (6 * stride), u2.GetUpper());
        Sse.Store(d + (7 * stride), u3.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block2x8(float* s, nint ld, float* d, nint stride)
    {
        Vector256<float> r0 = Avx.LoadVector256(s);
        Vector256<float> r1 = Avx.LoadVector256(s + ld);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1);  // (c0, c1 | c4, c5) pairs
        Vector256<float> t1 = Avx.UnpackHigh(r0, r1); // (c2, c3 | c6, c7) pairs
        Vector128<float> l0 = t0.GetLower();
        Vector128<float> h0 = t0.GetUpper();
        Vector128<float> l1 = t1.GetLower();
        Vector128<float> h1 = t1.GetUpper();
        Sse.StoreLow(d, l0);
        Sse.StoreHigh(d + stride, l0);
        Sse.StoreLow(d + (2 * stride), l1);
        Sse.StoreHigh(d + (3 * stride), l1);
        Sse.StoreLow(d + (4 * stride), h0);
        Sse.StoreHigh(d + (5 * stride), h0);
        Sse.StoreLow(d + (6 * stride), h1);
        Sse.StoreHigh(d + (7 * stride), h1);
    }
}
