using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Optimizers.Kernels;

/// <summary>
/// Correctly rounded float32 square roots and quotients computed without the divider unit, bit-identical to
/// <c>vsqrtps</c> / <c>vdivps</c> (IEEE round-to-nearest-even) for every input. Adafactor's step is bound by the
/// divider (each element needs a square root and a division, twice); these sequences move the square root, and the
/// division by the clipping denominator, onto the FMA units.
/// </summary>
/// <remarks>
/// <para><b>Square root</b> (<see cref="SqrtNewton(Vector512{float})"/>), for <c>v</c> in [2^-102, float.MaxValue]; any
/// other lane (zero, subnormal, tiny, infinite, NaN, negative) gets the hardware square root instead, so the result
/// equals <c>Vector512.Sqrt</c> everywhere. With <c>S = sqrt(v)</c>, <c>u = 2^-24</c>, ulp = ulp(S), and
/// <c>y0 = rsqrt14(v)</c> (documented relative error below 2^-14), each line one float32 rounding (one FMA where a
/// product and a sum appear):</para>
/// <code>
/// s0 = RN(v*y0),  h0 = y0/2 (exact),  |S - s0| &lt;= S * 2^-13.99
/// d0 = RN(v - s0*s0),  s1 = RN(s0 + d0*h0)
///      before rounding s0 + d0*h0 = S + (S - s0)(eps + a - (S - s0)/(2S)), so |s1 - S| &lt;= ulp/2 + 2^-3.4 ulp &lt; 0.6 ulp
/// e0 = RN(1/2 - s0*h0),  h1 = RN(h0 + h0*e0) = (1 + eta)/(2S),  |eta| &lt;= 1.5 * 2^-28 + u/2 + u &lt; 2^-23.3
/// d1 = RN(v - s1*s1) = (v - s1^2)(1 + a),  |a| &lt;= u (exact when it fits in 24 bits; v &gt;= 2^-102 keeps it accurate)
/// s2 = RN(s1 + d1*h1) = RN(S + p),  p = (S - s1)(a + eta - (S - s1)/(2S) + ...),  |p| &lt; 0.6 * 2^-22.3 ulp &lt; 2^-23 ulp
/// </code>
/// <para>So <c>s2 = RN(S)</c> unless <c>S</c> lies within 2^-23 ulp of a rounding midpoint. Those inputs are known
/// exactly: scaling <c>v</c> by 4 scales <c>S</c> by 2, so it is enough to list the <c>v</c> in [1, 4) whose square
/// root is near a midpoint. With <c>V = v * 2^46</c> (an integer) and <c>o</c> the nearest odd integer to
/// <c>2 sqrt(V)</c>, the distance is about <c>|4V - o^2| / (8 sqrt(V))</c> ulp; <see cref="HardSqrtInputs"/> lists the
/// 366 inputs with <c>|4V - o^2| &lt; 1024</c>, so every other input is at least 2^-17 ulp from a midpoint (a margin of
/// 64 over the bound). Whether a hard input rounds correctly depends on the exact <c>rsqrt14</c> value, so on first use
/// every hard input is checked at every exponent of the range against the hardware square root; if one differs, the
/// Newton path is switched off. The test suite compares all 2^32 inputs, re-derives the table, and runs the sequence
/// with simulated <c>rsqrt14</c> values at both ends of the bound.</para>
/// <para><b>Quotient by a constant</b> (<see cref="DivideNewton(Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float})"/>):
/// for <c>d</c> in [1, 2^20], <c>yh = RN(1/d)</c> and <c>yl = RN(1/d - yh)</c> (so <c>yh + yl = (1/d)(1 + 2^-48)</c> at
/// worst), <c>q1 = RN(a*yh + RN(a*yl))</c> is within ulp/2 + 2^-46 ulp of <c>a/d</c>, so faithful; then Markstein's theorem
/// (a faithful <c>q</c>, <c>y = RN(1/d)</c>, the exact remainder <c>r = RN(a - d*q)</c>: <c>RN(q + r*y) = RN(a/d)</c>)
/// gives the correctly rounded quotient. With |a| in [2^-99, 2^99] and d in [1, 2^20] the quotient is normal, the
/// remainder <c>a - d*q</c> (a multiple of at least 2^-148) is exact and nothing overflows; a zero <c>a</c> is exact
/// too once its sign is copied; a vector with any other dividend uses the divider.</para>
/// </remarks>
internal static class ExactMath
{
    /// <summary>Smallest input of the Newton square root: 2^-102.</summary>
    internal const uint SqrtMinBits = 0x0C800000;

    /// <summary>float.MaxValue's bits minus <see cref="SqrtMinBits"/>: an unsigned range test.</summary>
    internal const uint SqrtSpan = 0x7F7FFFFF - SqrtMinBits;

    /// <summary>Smallest nonzero dividend magnitude of the Newton quotient: 2^-99.</summary>
    internal const uint DivMinBits = 0x0E000000;

    /// <summary>2^99's bits minus <see cref="DivMinBits"/> (the largest dividend magnitude is 2^99).</summary>
    internal const uint DivSpan = 0x71000000 - DivMinBits;

    /// <summary>Largest divisor of the Newton quotient: 2^20.</summary>
    internal const float DivMaxDivisor = 1048576f;

    private static readonly bool Fast512Verified = Avx512F.IsSupported && Verify(16);

    private static readonly bool Fast256Verified = Avx512F.VL.IsSupported && Fma.IsSupported && Verify(8);

    /// <summary>True when the 512-bit Newton square root is available and passed its check on this processor.</summary>
    public static bool Fast512 => Fast512Verified;

    /// <summary>True when the 256-bit Newton square root is available (AVX-512VL) and passed its check.</summary>
    public static bool Fast256 => Fast256Verified;

    /// <summary>
    /// The <c>v</c> in [1, 4) (as float32 bits) whose square root lies within 2^-16 ulp of a rounding midpoint: the only
    /// inputs (up to scaling by powers of 4) where the Newton square root's result depends on the exact value of
    /// <c>rsqrt14</c>, not just its error bound. Found by exhaustive integer search (the test suite repeats it).
    /// </summary>
    internal static ReadOnlySpan<uint> HardSqrtInputs => new uint[]
    {
        0x3F800001, 0x3F800003, 0x3F800005, 0x3F800007, 0x3F800009, 0x3F80000B, 0x3F80000D, 0x3F80000F,
        0x3F800011, 0x3F800013, 0x3F800015, 0x3F800017, 0x3F800019, 0x3F80001B, 0x3F80001D, 0x3F80001F,
        0x3F817162, 0x3F81DC5B, 0x3F820403, 0x3F833A4E, 0x3F83B050, 0x3F83F37D, 0x3F844570, 0x3F847820,
        0x3F85462E, 0x3F86574C, 0x3F86FD99, 0x3F870740, 0x3F870AF3, 0x3F88903A, 0x3F88C907, 0x3F88DACA,
        0x3F8933BF, 0x3F894CB2, 0x3F89D2A1, 0x3F89F0CF, 0x3F8AE655, 0x3F8B334A, 0x3F8B60CA, 0x3F8CC793,
        0x3F8D3C7F, 0x3F8D9E0C, 0x3F8E86F8, 0x3F8E8863, 0x3F8EFCC1, 0x3F905E8B, 0x3F90A289, 0x3F913201,
        0x3F9206C7, 0x3F92281F, 0x3F925859, 0x3F938344, 0x3F9384B1, 0x3F95932A, 0x3F95D6FC, 0x3F97868C,
        0x3F97B58F, 0x3F97FC13, 0x3F98985A, 0x3F989AC4, 0x3F989EFD, 0x3F98FEFA, 0x3F9AEBD7, 0x3F9BBECA,
        0x3F9C01E8, 0x3F9D4842, 0x3F9D80FC, 0x3F9E49AF, 0x3F9E797B, 0x3F9F302D, 0x3F9F6C00, 0x3FA044B7,
        0x3FA04974, 0x3FA1BAE6, 0x3FA25EE0, 0x3FA35112, 0x3FA35E95, 0x3FA38600, 0x3FA3F60B, 0x3FA50BFC,
        0x3FA51568, 0x3FA53C52, 0x3FA6A671, 0x3FA74BA4, 0x3FA8D723, 0x3FA97BEF, 0x3FA9A25B, 0x3FA9FA20,
        0x3FAA102D, 0x3FAA6CE1, 0x3FAAA791, 0x3FAD1D5C, 0x3FAD336C, 0x3FAD36FC, 0x3FAD3DCD, 0x3FADD164,
        0x3FAF568D, 0x3FAF7357, 0x3FB0112D, 0x3FB05C18, 0x3FB0C6C3, 0x3FB1459B, 0x3FB14E99, 0x3FB1A6E0,
        0x3FB2140B, 0x3FB2B034, 0x3FB3018B, 0x3FB4D9EB, 0x3FB5AD95, 0x3FB67832, 0x3FB69AAB, 0x3FB718B0,
        0x3FB76E2D, 0x3FB8C593, 0x3FB8CC66, 0x3FB96F8C, 0x3FB97BBC, 0x3FB9C4E2, 0x3FBA0A0C, 0x3FBAB837,
        0x3FBB61F7, 0x3FBC31B6, 0x3FBC394F, 0x3FBE3762, 0x3FBE62B0, 0x3FBEF3C6, 0x3FBFA847, 0x3FBFBD10,
        0x3FC07DEC, 0x3FC15713, 0x3FC1B19A, 0x3FC2B272, 0x3FC3D4C6, 0x3FC3D7EA, 0x3FC4517D, 0x3FC49C80,
        0x3FC69A05, 0x3FC6E47E, 0x3FC765D8, 0x3FC87C2C, 0x3FC88879, 0x3FC8BA2E, 0x3FC8DCB1, 0x3FC8DF67,
        0x3FC8E836, 0x3FC8ED57, 0x3FC9A8E8, 0x3FCA30A2, 0x3FCB35AF, 0x3FCB41E9, 0x3FCBC2B6, 0x3FCC86F6,
        0x3FCD8800, 0x3FCDAEB2, 0x3FCE3CBF, 0x3FCF4BF3, 0x3FD1A028, 0x3FD1C093, 0x3FD26240, 0x3FD3059D,
        0x3FD3FBE8, 0x3FD41FBC, 0x3FD461F1, 0x3FD46581, 0x3FD4C51F, 0x3FD4E2DC, 0x3FD4F244, 0x3FD6A506,
        0x3FD88CEA, 0x3FD936CE, 0x3FDB04AD, 0x3FDBE4E6, 0x3FDC4095, 0x3FDDD908, 0x3FDDF8A7, 0x3FDFC274,
        0x3FE03C6D, 0x3FE1972D, 0x3FE476A1, 0x3FE4AC9D, 0x3FE5064E, 0x3FE5353F, 0x3FE66CA8, 0x3FE68647,
        0x3FE801A5, 0x3FE8C5AF, 0x3FE8DC08, 0x3FE910CB, 0x3FE97220, 0x3FEA1AE8, 0x3FEBCD52, 0x3FEF36BA,
        0x3FEF847E, 0x3FF0249A, 0x3FF028AB, 0x3FF05180, 0x3FF0D9CE, 0x3FF22FF5, 0x3FF261CF, 0x3FF2F07A,
        0x3FF31BFD, 0x3FF3B9BF, 0x3FF42FAA, 0x3FF4B74A, 0x3FF75852, 0x3FF7C491, 0x3FF7F4D6, 0x3FF848CC,
        0x3FF93599, 0x3FF938E1, 0x3FF9CF73, 0x3FFC114A, 0x3FFC1C5A, 0x3FFE0A83, 0x3FFFEA84, 0x4001EF9F,
        0x40021F7D, 0x4002FC73, 0x400345ED, 0x4003D5FB, 0x40040C6E, 0x400471A6, 0x40049347, 0x400775DD,
        0x4009384A, 0x4009AD5E, 0x4009BD04, 0x400B2241, 0x400B542C, 0x400C42C7, 0x400C85EE, 0x400CEABA,
        0x400DBFE6, 0x400F9F51, 0x400FB70B, 0x400FE042, 0x40105F4F, 0x40111A38, 0x40121E3F, 0x401274D9,
        0x4012ED38, 0x40134268, 0x40158ECB, 0x4015A11C, 0x40164AB1, 0x4017BE8D, 0x4017CF1B, 0x401852F7,
        0x40195905, 0x401AC69A, 0x401B9BD1, 0x401C3158, 0x401CDE55, 0x401DC3F5, 0x401E1B1B, 0x4020C086,
        0x40220B56, 0x402473D4, 0x4024CA4F, 0x4024CC32, 0x4025A0F8, 0x4027FBD3, 0x4028588B, 0x4028C63F,
        0x4028E3AC, 0x402A177F, 0x402E5EFF, 0x402E8CF6, 0x402F052E, 0x402FEED9, 0x4030BF95, 0x40311483,
        0x4031361E, 0x403302BE, 0x4033DDBF, 0x40354E95, 0x403668CA, 0x40373495, 0x403B4C50, 0x403B8BCC,
        0x403B8E2A, 0x403C7647, 0x403D500E, 0x403EF884, 0x403FB0FD, 0x4041BC4E, 0x4041C4BF, 0x40435A31,
        0x404363E9, 0x404365CD, 0x4043A094, 0x4044FB57, 0x40469903, 0x4048BAC5, 0x4049F24E, 0x404C752A,
        0x404D142A, 0x404D91EC, 0x404F0582, 0x40500750, 0x4050A6E2, 0x40515A77, 0x4051FB6F, 0x405364E1,
        0x40541BC5, 0x4054B46A, 0x4054BB61, 0x40551DBF, 0x4055AAF6, 0x40562616, 0x40563C95, 0x4057E22F,
        0x4059F021, 0x405A1F0D, 0x405A6946, 0x405AC15E, 0x405AE03B, 0x405B64DC, 0x405D2B32, 0x405F5FA5,
        0x405FDCD5, 0x406272FE, 0x40635C0E, 0x4063F6B8, 0x40641F46, 0x4067011F, 0x40690092, 0x40698F24,
        0x4069CCFF, 0x406D8520, 0x406E9372, 0x406EBF02, 0x406EDD27, 0x406F9E01, 0x40702086, 0x40705E84,
        0x4071A284, 0x40720D9D, 0x40734085, 0x4073AD28, 0x40756F2B, 0x4076568F, 0x40767316, 0x40770994,
        0x40776EF4, 0x40791943, 0x40792616, 0x407C180B, 0x407DFF03, 0x407E2639, 0x407FFFE1, 0x407FFFE3,
        0x407FFFE5, 0x407FFFE7, 0x407FFFE9, 0x407FFFEB, 0x407FFFED, 0x407FFFEF, 0x407FFFF1, 0x407FFFF3,
        0x407FFFF5, 0x407FFFF7, 0x407FFFF9, 0x407FFFFB, 0x407FFFFD, 0x407FFFFF,
    };

    /// <summary>
    /// The Newton square root without its range test: correct for <c>v</c> in [2^-102, float.MaxValue] (see the class
    /// remarks). Callers use <see cref="Sqrt(Vector512{float})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> SqrtNewton(Vector512<float> v)
    {
        Vector512<float> half = Vector512.Create(0.5f);
        Vector512<float> y0 = Avx512F.ReciprocalSqrt14(v);
        Vector512<float> s0 = v * y0;
        Vector512<float> h0 = y0 * half;
        Vector512<float> d0 = Avx512F.FusedMultiplyAddNegated(s0, s0, v);
        Vector512<float> e0 = Avx512F.FusedMultiplyAddNegated(s0, h0, half);
        Vector512<float> s1 = Avx512F.FusedMultiplyAdd(d0, h0, s0);
        Vector512<float> h1 = Avx512F.FusedMultiplyAdd(h0, e0, h0);
        Vector512<float> d1 = Avx512F.FusedMultiplyAddNegated(s1, s1, v);
        return Avx512F.FusedMultiplyAdd(d1, h1, s1);
    }

    /// <summary>The 256-bit form of <see cref="SqrtNewton(Vector512{float})"/> (AVX-512VL <c>rsqrt14</c>, FMA3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> SqrtNewton(Vector256<float> v)
    {
        Vector256<float> half = Vector256.Create(0.5f);
        Vector256<float> y0 = Avx512F.VL.ReciprocalSqrt14(v);
        Vector256<float> s0 = v * y0;
        Vector256<float> h0 = y0 * half;
        Vector256<float> d0 = Fma.MultiplyAddNegated(s0, s0, v);
        Vector256<float> e0 = Fma.MultiplyAddNegated(s0, h0, half);
        Vector256<float> s1 = Fma.MultiplyAdd(d0, h0, s0);
        Vector256<float> h1 = Fma.MultiplyAdd(h0, e0, h0);
        Vector256<float> d1 = Fma.MultiplyAddNegated(s1, s1, v);
        return Fma.MultiplyAdd(d1, h1, s1);
    }

    /// <summary><c>Vector512.Sqrt(v)</c>, bit for bit, for every input. Requires <see cref="Fast512"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sqrt(Vector512<float> v)
    {
        Vector512<float> s = SqrtNewton(v);
        if (Vector512.GreaterThanAny(v.AsUInt32() - Vector512.Create(SqrtMinBits), Vector512.Create(SqrtSpan)))
        {
            s = Vector512.Sqrt(v);
        }

        return s;
    }

    /// <summary><c>Vector256.Sqrt(v)</c>, bit for bit, for every input. Requires <see cref="Fast256"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sqrt(Vector256<float> v)
    {
        Vector256<float> s = SqrtNewton(v);
        if (Vector256.GreaterThanAny(v.AsUInt32() - Vector256.Create(SqrtMinBits), Vector256.Create(SqrtSpan)))
        {
            s = Vector256.Sqrt(v);
        }

        return s;
    }

    /// <summary>
    /// <c>RN(a / d)</c> by Markstein's correction, without the range test: <c>d</c> in [1, 2^20], <c>yh = RN(1/d)</c>,
    /// <c>yl = RN(1/d - yh)</c> (<see cref="SplitReciprocal"/>), and every dividend zero or of magnitude in
    /// [2^-99, 2^99]. Callers use <see cref="Divide(Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> DivideNewton(Vector512<float> a, Vector512<float> d, Vector512<float> yh, Vector512<float> yl)
    {
        Vector512<float> q1 = Avx512F.FusedMultiplyAdd(a, yh, a * yl);
        Vector512<float> r1 = Avx512F.FusedMultiplyAddNegated(q1, d, a);
        Vector512<float> q2 = Avx512F.FusedMultiplyAdd(r1, yh, q1);
        return q2 | (a & Vector512.Create(-0f));
    }

    /// <summary>The 256-bit form of <see cref="DivideNewton(Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> DivideNewton(Vector256<float> a, Vector256<float> d, Vector256<float> yh, Vector256<float> yl)
    {
        Vector256<float> q1 = Fma.MultiplyAdd(a, yh, a * yl);
        Vector256<float> r1 = Fma.MultiplyAddNegated(q1, d, a);
        Vector256<float> q2 = Fma.MultiplyAdd(r1, yh, q1);
        return q2 | (a & Vector256.Create(-0f));
    }

    /// <summary>
    /// <c>a / d</c>, bit for bit, for every <c>a</c>; <c>d</c> must be in [1, 2^20] (<see cref="DivisorInRange"/>) and
    /// <c>(yh, yl)</c> must be <see cref="SplitReciprocal"/>(d). Requires AVX-512F.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> d, Vector512<float> yh, Vector512<float> yl)
    {
        Vector512<float> q = DivideNewton(a, d, yh, yl);

        // The test reads only the dividend, so it runs beside the FMAs, not after them.
        Vector512<uint> m = a.AsUInt32() & Vector512.Create(0x7FFFFFFFu);
        if (Vector512.GreaterThanAny(m - Vector512.Create(DivMinBits), Vector512.Create(DivSpan)))
        {
            // Some dividend is outside [2^-99, 2^99]: fine if it is ±0, else the divider for the vector.
            // (Inline, not a call: a call in the loop makes the JIT keep the loop's vectors in memory.)
            Vector512<uint> outside = Vector512.GreaterThan(m - Vector512.Create(DivMinBits), Vector512.Create(DivSpan));
            Vector512<uint> zeroDividend = Vector512.Equals(m, Vector512<uint>.Zero);
            if ((outside & ~zeroDividend) != Vector512<uint>.Zero)
            {
                q = a / d;
            }
        }

        return q;
    }

    /// <summary>The 256-bit form of <see cref="Divide(Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float})"/> (FMA3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> d, Vector256<float> yh, Vector256<float> yl)
    {
        Vector256<float> q = DivideNewton(a, d, yh, yl);

        // The test reads only the dividend, so it runs beside the FMAs, not after them.
        Vector256<uint> m = a.AsUInt32() & Vector256.Create(0x7FFFFFFFu);
        if (Vector256.GreaterThanAny(m - Vector256.Create(DivMinBits), Vector256.Create(DivSpan)))
        {
            // Some dividend is outside [2^-99, 2^99]: fine if it is ±0, else the divider for the vector.
            // (Inline, not a call: a call in the loop makes the JIT keep the loop's vectors in memory.)
            Vector256<uint> outside = Vector256.GreaterThan(m - Vector256.Create(DivMinBits), Vector256.Create(DivSpan));
            Vector256<uint> zeroDividend = Vector256.Equals(m, Vector256<uint>.Zero);
            if ((outside & ~zeroDividend) != Vector256<uint>.Zero)
            {
                q = a / d;
            }
        }

        return q;
    }

    /// <summary>The reciprocal of <paramref name="d"/> as <c>yh = RN(1/d)</c> plus <c>yl = RN(1/d - yh)</c>.</summary>
    public static (float High, float Low) SplitReciprocal(float d)
    {
        float high = 1f / d;
        return (high, (float)((1.0 / d) - high));
    }

    /// <summary>True when <see cref="Divide(Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float})"/> accepts the divisor.</summary>
    public static bool DivisorInRange(float d) => d >= 1f && d <= DivMaxDivisor;

    /// <summary>
    /// Every hard input at every exponent of the fast range, through <see cref="SqrtNewton(Vector512{float})"/>
    /// (<paramref name="width"/> 16) or its 256-bit form (8), against the hardware square root.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Verify(int width)
    {
        Span<uint> lanes = stackalloc uint[16];
        lanes = lanes[..width];
        int k = 0;
        bool ok = true;
        foreach (uint b in HardSqrtInputs)
        {
            for (int shift = -52; shift <= 64; shift++)
            {
                long bits = b + ((long)shift << 24);
                if (bits < SqrtMinBits || bits > 0x7F7FFFFF)
                {
                    continue;
                }

                lanes[k++] = (uint)bits;
                if (k == width)
                {
                    ok &= Same(lanes);
                    k = 0;
                }
            }
        }

        lanes[k..].Fill(0x3F800000);
        return ok && Same(lanes);
    }

    private static bool Same(ReadOnlySpan<uint> lanes) => lanes.Length == 16
        ? Same512(Vector512.Create(lanes).AsSingle())
        : Same256(Vector256.Create(lanes).AsSingle());

    private static bool Same512(Vector512<float> v) => SqrtNewton(v).AsUInt32() == Vector512.Sqrt(v).AsUInt32();

    private static bool Same256(Vector256<float> v) => SqrtNewton(v).AsUInt32() == Vector256.Sqrt(v).AsUInt32();
}
