using System;
using System.Runtime.CompilerServices;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// Sorts floats ascending by a least-significant-digit radix sort of their bit patterns (three passes of 11, 11 and 10
/// bits; a pass whose digit is the same for every value is skipped). Used where the numeric encoding takes quantiles:
/// <see cref="MemoryExtensions.Sort{T}(Span{T})"/> ran at the runtime's unoptimized tier there (its generic helper is
/// tiered up late while ML.NET keeps compiling new code on every fit) and took 8 % of a diamonds fit. The order is the
/// one of the bit patterns mapped to unsigned integers that compare as the floats do: ascending values, -0 before +0,
/// infinities at the ends, NaNs after +infinity (positive NaNs) or before -infinity (negative NaNs).
/// </summary>
internal static class FloatSort
{
    private const int DigitBits = 11;
    private const int Buckets = 1 << DigitBits;

    /// <summary>Sorts <paramref name="values"/> in place.</summary>
    /// <param name="values">The values.</param>
    /// <param name="keys">At least as many elements as <paramref name="values"/>; overwritten.</param>
    /// <param name="other">At least as many elements as <paramref name="values"/>; overwritten.</param>
    /// <exception cref="ArgumentException">A scratch span is too short.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sort(Span<float> values, Span<uint> keys, Span<uint> other)
    {
        int n = values.Length;
        if (keys.Length < n)
        {
            throw new ArgumentException($"keys has {keys.Length} elements; sorting {n} values needs {n}.", nameof(keys));
        }

        if (other.Length < n)
        {
            throw new ArgumentException($"other has {other.Length} elements; sorting {n} values needs {n}.", nameof(other));
        }

        if (n < 2)
        {
            return;
        }

        keys = keys[..n];
        other = other[..n];
        for (int i = 0; i < n; i++)
        {
            // Positive floats: set the sign bit; negative floats: flip every bit. Unsigned order is then float order.
            uint u = BitConverter.SingleToUInt32Bits(values[i]);
            keys[i] = u ^ (uint)((int)u >> 31 | int.MinValue);
        }

        Span<int> start = stackalloc int[Buckets];
        for (int shift = 0; shift < 32; shift += DigitBits)
        {
            uint mask = shift + DigitBits > 32 ? (1u << (32 - shift)) - 1 : Buckets - 1;
            start.Clear();
            for (int i = 0; i < n; i++)
            {
                start[(int)((keys[i] >> shift) & mask)]++;
            }

            if (start[(int)((keys[0] >> shift) & mask)] == n)
            {
                continue;
            }

            int sum = 0;
            for (int d = 0; d <= (int)mask; d++)
            {
                int c = start[d];
                start[d] = sum;
                sum += c;
            }

            for (int i = 0; i < n; i++)
            {
                uint k = keys[i];
                other[start[(int)((k >> shift) & mask)]++] = k;
            }

            Span<uint> t = keys;
            keys = other;
            other = t;
        }

        for (int i = 0; i < n; i++)
        {
            uint k = keys[i];
            values[i] = BitConverter.UInt32BitsToSingle(k ^ (uint)(~((int)k >> 31) | int.MinValue));
        }
    }
}
