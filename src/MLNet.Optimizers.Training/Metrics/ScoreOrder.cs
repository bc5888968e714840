using System;

namespace MLNet.Optimizers.Training.Metrics;

/// <summary>
/// Stable descending order of scores (ties keep input order, like ML.NET's LINQ <c>OrderByDescending</c>), via one radix-friendly
/// 64-bit key per example: the high half orders the score descending, the low half is the index.
/// </summary>
internal static class ScoreOrder
{
    /// <summary>Indices of <paramref name="scores"/> by descending score, ties in input order; −0 and +0 tie. Scores must not be NaN.</summary>
    internal static int[] Descending(ReadOnlySpan<float> scores, out float[] sortedScores)
    {
        var keys = new ulong[scores.Length];
        for (int i = 0; i < scores.Length; i++)
        {
            float s = scores[i];
            if (s == 0f)
            {
                s = 0f; // -0 sorts with +0, as ML.NET's == comparison treats them.
            }

            uint bits = BitConverter.SingleToUInt32Bits(s);
            uint ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
            keys[i] = ((ulong)~ascending << 32) | (uint)i;
        }

        Array.Sort(keys);
        var order = new int[keys.Length];
        sortedScores = new float[keys.Length];
        for (int j = 0; j < keys.Length; j++)
        {
            int i = (int)(uint)keys[j];
            order[j] = i;
            sortedScores[j] = scores[i];
        }

        return order;
    }
}
