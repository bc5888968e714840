using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.Intrinsics;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Kernels;

namespace MLNet.Optimizers.Tests;

/// <summary>
/// Proofs by test that <see cref="ExactMath"/>'s square root and quotient are the IEEE correctly rounded results, i.e.
/// bit-identical to <c>vsqrtps</c> / <c>vdivps</c>: the square root against every one of the 2^32 float32 inputs, its
/// error analysis against an adversarial <c>rsqrt14</c>, its list of hard inputs against an independent exhaustive
/// search, and the quotient against every dividend mantissa for a set of divisors plus random and special dividends.
/// </summary>
[TestClass]
public sealed class ExactMathTests
{
    private static string Hex(uint bits) => "0x" + bits.ToString("X8", CultureInfo.InvariantCulture);

    private static void RequireFast512()
    {
        if (!ExactMath.Fast512)
        {
            Assert.Inconclusive("AVX-512F is not available (or its rsqrt14 failed the hard-input check): the Newton path is not used here.");
        }
    }

    private static void RequireFast256()
    {
        if (!ExactMath.Fast256)
        {
            Assert.Inconclusive("AVX-512VL is not available (or its rsqrt14 failed the hard-input check): the 256-bit Newton path is not used here.");
        }
    }

    /// <summary>
    /// All 2^32 bit patterns (every sign, zero, subnormal, normal, infinity and NaN): <see cref="ExactMath.Sqrt(Vector512{float})"/>
    /// equals <c>Vector512.Sqrt</c>, and so does the Newton core alone on every input of its range [2^-102, MaxValue].
    /// </summary>
    [TestMethod]
    public void Sqrt512_EqualsHardwareSqrt_ForAll2Pow32Inputs()
    {
        RequireFast512();
        Vector512<uint> lanes = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<uint> min = Vector512.Create(ExactMath.SqrtMinBits);
        Vector512<uint> span = Vector512.Create(ExactMath.SqrtSpan);
        long mismatches = 0, coreMismatches = 0, coreChecked = 0;
        uint firstBad = 0;
        for (ulong b = 0; b < (1UL << 32); b += 16)
        {
            Vector512<uint> bits = Vector512.Create((uint)b) + lanes;
            Vector512<float> v = bits.AsSingle();
            Vector512<uint> expected = Vector512.Sqrt(v).AsUInt32();
            Vector512<uint> inRange = ~Vector512.GreaterThan(bits - min, span);
            Vector512<uint> bad = ~Vector512.Equals(ExactMath.Sqrt(v).AsUInt32(), expected);
            Vector512<uint> coreBad = ~Vector512.Equals(ExactMath.SqrtNewton(v).AsUInt32(), expected) & inRange;
            coreChecked += BitCount(inRange.ExtractMostSignificantBits());
            if (bad != Vector512<uint>.Zero || coreBad != Vector512<uint>.Zero)
            {
                mismatches += BitCount(bad.ExtractMostSignificantBits());
                coreMismatches += BitCount(coreBad.ExtractMostSignificantBits());
                firstBad = firstBad == 0 ? (uint)b : firstBad;
            }
        }

        Assert.AreEqual(0x7F7FFFFFL - ExactMath.SqrtMinBits + 1, coreChecked, "inputs in the Newton range");
        Assert.AreEqual(0L, mismatches, $"ExactMath.Sqrt differs from vsqrtps; first in the vector at {Hex(firstBad)}");
        Assert.AreEqual(0L, coreMismatches, $"the Newton core differs from vsqrtps in its range; first in the vector at {Hex(firstBad)}");
    }

    /// <summary>The 256-bit form (AVX-512VL rsqrt14, FMA3) over all 2^32 inputs, against <c>Vector256.Sqrt</c>.</summary>
    [TestMethod]
    public void Sqrt256_EqualsHardwareSqrt_ForAll2Pow32Inputs()
    {
        RequireFast256();
        Vector256<uint> lanes = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        long mismatches = 0;
        uint firstBad = 0;
        for (ulong b = 0; b < (1UL << 32); b += 8)
        {
            Vector256<float> v = (Vector256.Create((uint)b) + lanes).AsSingle();
            Vector256<uint> bad = ~Vector256.Equals(ExactMath.Sqrt(v).AsUInt32(), Vector256.Sqrt(v).AsUInt32());
            if (bad != Vector256<uint>.Zero)
            {
                mismatches += BitCount(bad.ExtractMostSignificantBits());
                firstBad = firstBad == 0 ? (uint)b : firstBad;
            }
        }

        Assert.AreEqual(0L, mismatches, $"256-bit ExactMath.Sqrt differs from vsqrtps; first in the vector at {Hex(firstBad)}");
    }

    /// <summary>
    /// The table of hard inputs is exactly the set of v in [1, 4) whose square root is within the stated distance of a
    /// rounding midpoint, found here by an independent integer search: with V = v * 2^46 (an integer) and o odd,
    /// sqrt(V) = o/2 is a midpoint, and |4V - o^2| &lt; 1024 for the nearest odd o.
    /// </summary>
    [TestMethod]
    public void HardSqrtInputs_AreExactlyTheNearMidpointInputs()
    {
        List<uint> found = NearMidpointInputs(0, 1024);
        uint[] table = ExactMath.HardSqrtInputs.ToArray();
        Assert.HasCount(366, found, "near-midpoint inputs in [1, 4)");
        CollectionAssert.AreEqual(found, table, "ExactMath.HardSqrtInputs");
    }

    /// <summary>
    /// The v in [1, 4) (float32 bits) with <c>lo &lt;= |4V - o^2| &lt; hi</c>, <c>V = v * 2^46</c>, <c>o</c> the nearest odd
    /// integer to <c>2 sqrt(V)</c>: exact integer arithmetic (4V &lt; 2^50).
    /// </summary>
    private static List<uint> NearMidpointInputs(long lo, long hi)
    {
        var found = new List<uint>();
        for (uint b = 0x3F800000; b < 0x40800000; b++)
        {
            long mantissa = (b & 0x7FFFFF) | 0x800000;
            int exponent = (int)(b >> 23) - 127;
            long fourV = (mantissa << (23 + exponent)) << 2;
            long o = (long)Math.Sqrt(fourV);
            long best = long.MaxValue;
            for (long k = o - 3; k <= o + 3; k++)
            {
                if ((k & 1) == 1 && Math.Abs(fourV - (k * k)) < Math.Abs(best))
                {
                    best = fourV - (k * k);
                }
            }

            if (Math.Abs(best) >= lo && Math.Abs(best) < hi)
            {
                found.Add(b);
            }
        }

        return found;
    }

    /// <summary>
    /// The error analysis in <see cref="ExactMath"/>'s remarks, checked against rsqrt14 results other than this
    /// processor's: the Newton sequence, restated in scalar float32 with <see cref="MathF.FusedMultiplyAdd"/>, starts from
    /// <c>y0 = RN((1 + e)/sqrt(v))</c> for e at both ends of the documented bound (±(2^-14 - 2^-22)) and random e
    /// inside it, on random inputs and on every input just outside the hard list (the closest to a midpoint that the
    /// analysis must cover: 1024 &lt;= |4V - o^2| &lt; 4096). For every input the intermediate <c>s1</c> must be within 0.6 ulp of the square root and the remainder
    /// <c>d1 = RN(v - s1^2)</c> within one rounding of the exact remainder; for every input that is not a hard input
    /// the result must be <c>RN(sqrt(v))</c>. For the hard inputs the outcome may depend on y0 (that is why they are
    /// checked on the processor itself).
    /// </summary>
    [TestMethod]
    public void NewtonSqrt_ErrorAnalysis_HoldsForAnyRsqrt14WithinItsBound()
    {
        var hard = new HashSet<uint>(ExactMath.HardSqrtInputs.ToArray());
        var rng = new Random(20240611);
        double bound = Math.Pow(2, -14) - Math.Pow(2, -22);
        int checkedInputs = 0;
        var inputs = new List<uint>();
        for (int i = 0; i < 60000; i++)
        {
            inputs.Add((uint)rng.Next(0x3F800000, 0x40800000));
        }

        inputs.AddRange(hard);
        List<uint> nearHard = NearMidpointInputs(1024, 4096);
        Assert.IsGreaterThan(500, nearHard.Count);
        inputs.AddRange(nearHard);

        // Neighbours of the hard inputs and the ends of both binades.
        foreach (uint h in hard)
        {
            inputs.Add(h - 2);
            inputs.Add(h + 2);
        }

        inputs.AddRange(new uint[] { 0x3F800000, 0x3FFFFFFF, 0x40000000, 0x407FFFFF });
        foreach (uint b in inputs)
        {
            float v = BitConverter.UInt32BitsToSingle(b);
            double s = Math.Sqrt(v);
            float expected = MathF.Sqrt(v);
            foreach (double e in new[] { bound, -bound, (rng.NextDouble() * 2 - 1) * bound, 0.0 })
            {
                float y0 = (float)((1 + e) / s);
                Assert.IsLessThan(Math.Pow(2, -14), Math.Abs((y0 * s) - 1), "the simulated rsqrt14 respects the bound");
                float result = SimulatedNewton(v, y0, out float s1, out float d1);
                double ulp = Math.Pow(2, Math.Floor(Math.Log2(s)) - 23);
                Assert.IsLessThan(0.6 * ulp, Math.Abs(s1 - s), $"|s1 - sqrt(v)| < 0.6 ulp for {Hex(b)}");
                double remainder = (double)v - ((double)s1 * s1);
                Assert.IsLessThanOrEqualTo(Math.Abs(remainder) * Math.Pow(2, -24), Math.Abs(d1 - remainder), $"d1 = RN(v - s1^2) for {Hex(b)}");
                if (!hard.Contains(b))
                {
                    Assert.AreEqual(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(result), $"sqrt({Hex(b)}) with y0 = (1 + {e:R})/sqrt(v)");
                }

                checkedInputs++;
            }
        }

        Assert.IsGreaterThan(240000, checkedInputs);
    }

    /// <summary>The scalar restatement of <see cref="ExactMath.SqrtNewton(Vector512{float})"/> for a given y0.</summary>
    private static float SimulatedNewton(float v, float y0, out float s1, out float d1)
    {
        float s0 = v * y0;
        float h0 = y0 * 0.5f;
        float d0 = MathF.FusedMultiplyAdd(-s0, s0, v);
        float e0 = MathF.FusedMultiplyAdd(-s0, h0, 0.5f);
        s1 = MathF.FusedMultiplyAdd(d0, h0, s0);
        float h1 = MathF.FusedMultiplyAdd(h0, e0, h0);
        d1 = MathF.FusedMultiplyAdd(-s1, s1, v);
        return MathF.FusedMultiplyAdd(d1, h1, s1);
    }

    /// <summary>Divisors of the quotient tests: the ends of the range, awkward mantissas and random values.</summary>
    private static IEnumerable<float> Divisors()
    {
        var fixedOnes = new[]
        {
            1f, BitConverter.UInt32BitsToSingle(0x3F800001), 1.5f, BitConverter.UInt32BitsToSingle(0x3FFFFFFF), 2f, 3f, 7f, 10f,
            BitConverter.UInt32BitsToSingle(0x3FAAAAAB), BitConverter.UInt32BitsToSingle(0x3FB504F3), 1.0000001f, 65535f, ExactMath.DivMaxDivisor,
            BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(ExactMath.DivMaxDivisor) - 1),
        };
        foreach (float d in fixedOnes)
        {
            yield return d;
        }

        var rng = new Random(5);
        for (int i = 0; i < 18; i++)
        {
            // Mostly just above 1 (a clipping denominator), some anywhere in [1, 2^20].
            yield return i < 12 ? 1f + (float)(rng.NextDouble() * rng.NextDouble()) : MathF.Pow(2f, (float)(rng.NextDouble() * 20));
        }
    }

    /// <summary>
    /// For each divisor, every dividend mantissa in [1, 4) (2^24 values, both signs alternately): the Newton quotient
    /// equals <c>vdivps</c>. The sequence only multiplies by powers of two when the dividend's exponent changes, so this
    /// covers every dividend in the Newton range [2^-99, 2^99], for these divisors.
    /// </summary>
    [TestMethod]
    public void Divide512_EqualsHardwareDivision_ForEveryDividendMantissa()
    {
        RequireFast512();
        Vector512<uint> lanes = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<uint> signs = Vector512.Create(0u, 0x80000000, 0, 0x80000000, 0, 0x80000000, 0, 0x80000000, 0, 0x80000000, 0, 0x80000000, 0, 0x80000000, 0, 0x80000000);
        int divisors = 0;
        foreach (float d in Divisors())
        {
            Assert.IsTrue(ExactMath.DivisorInRange(d), $"divisor {d:R} in range");
            Vector512<float> vd = Vector512.Create(d);
            (float high, float low) = ExactMath.SplitReciprocal(d);
            Vector512<float> yh = Vector512.Create(high);
            Vector512<float> yl = Vector512.Create(low);
            long mismatches = 0;
            uint firstBad = 0;
            for (uint b = 0x3F800000; b < 0x40800000; b += 16)
            {
                Vector512<float> a = ((Vector512.Create(b) + lanes) | signs).AsSingle();
                Vector512<uint> bad = ~Vector512.Equals(ExactMath.Divide(a, vd, yh, yl).AsUInt32(), (a / vd).AsUInt32());
                bad |= ~Vector512.Equals(ExactMath.DivideNewton(a, vd, yh, yl).AsUInt32(), (a / vd).AsUInt32());
                if (bad != Vector512<uint>.Zero)
                {
                    mismatches += BitCount(bad.ExtractMostSignificantBits());
                    firstBad = firstBad == 0 ? b : firstBad;
                }
            }

            Assert.AreEqual(0L, mismatches, $"a / {d:R} (0x{BitConverter.SingleToUInt32Bits(d):X8}): first in the vector at {Hex(firstBad)}");
            divisors++;
        }

        Assert.AreEqual(32, divisors);
    }

    /// <summary>
    /// Dividends of every kind: random bit patterns (all exponents, subnormals, infinities, NaNs), ±0, the ends of the
    /// Newton range and just outside it, mixed in one vector so that the fallback and the Newton lanes meet.
    /// </summary>
    [TestMethod]
    public void Divide_EqualsHardwareDivision_ForSpecialAndRandomDividends()
    {
        var rng = new Random(99);
        uint[] specials =
        {
            0, 0x80000000, 1, 0x80000001, 0x007FFFFF, 0x00800000, ExactMath.DivMinBits - 1, ExactMath.DivMinBits, ExactMath.DivMinBits + 1,
            ExactMath.DivMinBits + ExactMath.DivSpan, ExactMath.DivMinBits + ExactMath.DivSpan + 1, 0x0C800000, 0x0D800000, 0x72000000, 0x74000000,
            0x7F7FFFFF, 0x7F800000, 0xFF800000,
            0x7FC00000, 0xFFC00001, 0x7F800001, 0x3F800000, 0xBF800000,
        };
        foreach (float d in Divisors())
        {
            var a = new float[4096];
            for (int i = 0; i < a.Length; i++)
            {
                uint bits = rng.Next(4) switch
                {
                    0 => specials[rng.Next(specials.Length)] | (rng.Next(2) == 0 ? 0u : 0x80000000u),
                    1 => (uint)rng.NextInt64(0, 1L << 32),
                    _ => BitConverter.SingleToUInt32Bits((float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-40, 40)))),
                };
                a[i] = BitConverter.UInt32BitsToSingle(bits);
            }

            for (int i = 0; i + 16 <= a.Length; i += 16)
            {
                Vector512<float> va = Vector512.Create(a.AsSpan(i, 16));
                Vector256<float> va8 = Vector256.Create(a.AsSpan(i, 8));
                (float high, float low) = ExactMath.SplitReciprocal(d);
                if (ExactMath.Fast512)
                {
                    Vector512<float> q = ExactMath.Divide(va, Vector512.Create(d), Vector512.Create(high), Vector512.Create(low));
                    AssertSameBits(va / Vector512.Create(d), q, d);
                }

                if (ExactMath.Fast256)
                {
                    Vector256<float> q = ExactMath.Divide(va8, Vector256.Create(d), Vector256.Create(high), Vector256.Create(low));
                    Vector256<float> expected = va8 / Vector256.Create(d);
                    for (int k = 0; k < 8; k++)
                    {
                        Assert.AreEqual(BitConverter.SingleToUInt32Bits(expected[k]), BitConverter.SingleToUInt32Bits(q[k]), $"256-bit {va8[k]:R} / {d:R}");
                    }
                }
            }
        }

        if (!ExactMath.Fast512 && !ExactMath.Fast256)
        {
            Assert.Inconclusive("no Newton path on this processor");
        }
    }

    [TestMethod]
    [DataRow(1f, true, DisplayName = "divisor 1 is in range")]
    [DataRow(1048576f, true, DisplayName = "divisor 2^20 is in range")]
    [DataRow(0.99999994f, false, DisplayName = "divisor below 1 is not")]
    [DataRow(1048576.1f, false, DisplayName = "divisor above 2^20 is not")]
    [DataRow(float.NaN, false, DisplayName = "divisor NaN is not")]
    [DataRow(float.PositiveInfinity, false, DisplayName = "divisor infinity is not")]
    public void DivisorInRange_AcceptsExactlyOneToTwoPow20(float d, bool expected) =>
        Assert.AreEqual(expected, ExactMath.DivisorInRange(d));

    /// <summary>The paths the kernels offer: scalar and divider paths always, the Newton paths when verified.</summary>
    [TestMethod]
    public void KernelPaths_IncludeNewtonPathsWhenVerified()
    {
        List<KernelPath> all = KernelPath.All().ToList();
        CollectionAssert.Contains(all, new KernelPath(0, false));
        CollectionAssert.Contains(all, new KernelPath(256, false));
        CollectionAssert.Contains(all, new KernelPath(512, false));
        Assert.AreEqual(ExactMath.Fast512, all.Contains(new KernelPath(512, true)));
        Assert.AreEqual(ExactMath.Fast256, all.Contains(new KernelPath(256, true)));
        if (Vector512.IsHardwareAccelerated)
        {
            Assert.AreEqual(new KernelPath(512, ExactMath.Fast512), KernelPath.Best);
        }
    }

    private static void AssertSameBits(Vector512<float> expected, Vector512<float> actual, float d)
    {
        for (int k = 0; k < 16; k++)
        {
            uint e = BitConverter.SingleToUInt32Bits(expected[k]);
            uint a = BitConverter.SingleToUInt32Bits(actual[k]);
            Assert.AreEqual(e, a, $"lane {k}: quotient by {d:R}: expected {Hex(e)}, actual {Hex(a)}");
        }
    }

    private static int BitCount(ulong mask) => System.Numerics.BitOperations.PopCount(mask);
}
