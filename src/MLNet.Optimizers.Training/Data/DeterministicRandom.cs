using System;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// A small, fast, serializable random generator (xoshiro256**, seeded by SplitMix64). Unlike <see cref="Random"/>, its
/// state is four 64-bit words that a checkpoint can save and restore, and its sequence is fixed across .NET versions.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private ulong _thresholdBound;
    private ulong _threshold;

    /// <summary>Creates a generator from a seed.</summary>
    /// <param name="seed">Any 64-bit seed.</param>
    public DeterministicRandom(ulong seed)
    {
        Reseed(seed);
    }

    /// <summary>Resets the generator to the state <c>new DeterministicRandom(seed)</c> would have, without allocating.</summary>
    /// <param name="seed">Any 64-bit seed.</param>
    public void Reseed(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>The four state words (for checkpoints).</summary>
    public (ulong S0, ulong S1, ulong S2, ulong S3) State
    {
        get => (_s0, _s1, _s2, _s3);
        set
        {
            if ((value.S0 | value.S1 | value.S2 | value.S3) == 0)
            {
                throw new ArgumentException("An all-zero state is invalid for xoshiro256**.", nameof(value));
            }

            (_s0, _s1, _s2, _s3) = value;
        }
    }

    /// <summary>Mixes two values into a derived seed (for per-epoch or per-layer streams).</summary>
    /// <param name="seed">The base seed.</param>
    /// <param name="stream">The stream number.</param>
    /// <returns>A derived seed.</returns>
    public static ulong Derive(ulong seed, ulong stream)
    {
        ulong x = seed ^ (stream * 0x9E3779B97F4A7C15UL);
        return SplitMix(ref x);
    }

    /// <summary>The next 64 random bits.</summary>
    /// <returns>A uniformly random 64-bit value.</returns>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>) without modulo bias.</summary>
    /// <param name="maxExclusive">The bound, at least 1.</param>
    /// <returns>The integer.</returns>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "must be >= 1");
        }

        ulong bound = (ulong)maxExclusive;

        // The rejection threshold depends only on the bound: kept for the next call with the same bound (a shuffle
        // buffer draws from a full buffer many times in a row). Not part of the generator's state.
        if (bound != _thresholdBound)
        {
            _threshold = (0UL - bound) % bound;
            _thresholdBound = bound;
        }

        ulong threshold = _threshold;
        while (true)
        {
            ulong r = NextUInt64();
            if (r >= threshold)
            {
                return (int)(r % bound);
            }
        }
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    /// <returns>The value.</returns>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in [0, 1) with 24 random bits.</summary>
    /// <returns>The value.</returns>
    public float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>A standard normal value (Box-Muller, one of the pair).</summary>
    /// <returns>The value.</returns>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Fisher-Yates shuffle in place.</summary>
    /// <param name="values">The values to shuffle.</param>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
