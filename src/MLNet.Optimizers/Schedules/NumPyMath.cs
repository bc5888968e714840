using System;

namespace MLNet.Optimizers.Schedules;

/// <summary>
/// float32 cosine as NumPy 1.24+ computes it on x86 with FMA (the <c>np.cos</c> that Keras's numpy backend calls in
/// its cosine schedules): Cody-Waite reduction by π/2 in three fused steps, then degree-8 cosine / degree-9 sine
/// polynomials chosen by quadrant; arguments beyond ±71476.0625 use the C library's <c>cosf</c>. Its error is up to
/// 1.49 ulp, so it is not always the correctly rounded cosine: this is what makes the schedules match Keras bit for bit.
/// </summary>
internal static class NumPyMath
{
    private static readonly float TwoOverPi = BitConverter.Int32BitsToSingle(unchecked((int)0x3F22F983)); // 0x1.45f306p-1
    private static readonly float PiOver2High = BitConverter.Int32BitsToSingle(unchecked((int)0xBFC90FD8)); // -0x1.921fb0p+00
    private static readonly float PiOver2Mid = BitConverter.Int32BitsToSingle(unchecked((int)0xB4A8885A)); // -0x1.5110b4p-22
    private static readonly float PiOver2Low = BitConverter.Int32BitsToSingle(unchecked((int)0xA7C234C4)); // -0x1.846988p-48
    private static readonly float RoundMagic = BitConverter.Int32BitsToSingle(unchecked((int)0x4B400000)); // 0x1.800000p+23
    private static readonly float Cos8 = BitConverter.Int32BitsToSingle(unchecked((int)0x37CC730B)); // 0x1.98e616p-16
    private static readonly float Cos6 = BitConverter.Int32BitsToSingle(unchecked((int)0xBAB6036E)); // -0x1.6c06dcp-10
    private static readonly float Cos4 = BitConverter.Int32BitsToSingle(unchecked((int)0x3D2AAA9E)); // 0x1.55553cp-05
    private static readonly float Sin9 = BitConverter.Int32BitsToSingle(unchecked((int)0x363E9DDE)); // 0x1.7d3bbcp-19
    private static readonly float Sin7 = BitConverter.Int32BitsToSingle(unchecked((int)0xB95035DD)); // -0x1.a06bbap-13
    private static readonly float Sin5 = BitConverter.Int32BitsToSingle(unchecked((int)0x3C0888CD)); // 0x1.11119ap-07
    private static readonly float Sin3 = BitConverter.Int32BitsToSingle(unchecked((int)0xBE2AAAAB)); // -0x1.555556p-03
    private const float CodyWaiteLimit = 71476.0625f;

    public static float Cos(float x)
    {
        if (float.IsNaN(x))
        {
            return float.NaN;
        }

        if (MathF.Abs(x) > CodyWaiteLimit)
        {
            return MathF.Cos(x);
        }

        float q = x * TwoOverPi;
        q = (q + RoundMagic) - RoundMagic;
        float r = MathF.FusedMultiplyAdd(q, PiOver2High, x);
        r = MathF.FusedMultiplyAdd(q, PiOver2Mid, r);
        r = MathF.FusedMultiplyAdd(q, PiOver2Low, r);
        float r2 = r * r;

        float c = MathF.FusedMultiplyAdd(Cos8, r2, Cos6);
        c = MathF.FusedMultiplyAdd(c, r2, Cos4);
        c = MathF.FusedMultiplyAdd(c, r2, -0.5f);
        c = MathF.FusedMultiplyAdd(c, r2, 1f);

        float s = MathF.FusedMultiplyAdd(Sin9, r2, Sin7);
        s = MathF.FusedMultiplyAdd(s, r2, Sin5);
        s = MathF.FusedMultiplyAdd(s, r2, Sin3);
        s = MathF.FusedMultiplyAdd(s, r2, 0f);
        s = MathF.FusedMultiplyAdd(s, r, r);

        int quadrant = (int)q + 1;
        float result = (quadrant & 1) == 0 ? s : c;
        return (quadrant & 2) == 2 ? 0f - result : result;
    }
}
