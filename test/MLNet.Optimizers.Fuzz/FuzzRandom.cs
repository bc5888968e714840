using System;

namespace MLNet.Optimizers.Fuzz;

/// <summary>A small, fully specified PRNG (SplitMix64), so an input is reproducible from (seed, target, index) on any runtime.</summary>
internal sealed class FuzzRandom
{
    private ulong _state;

    public FuzzRandom(ulong seed) => _state = seed;

    /// <summary>The seed of input <paramref name="index"/> of <paramref name="target"/> in a campaign seeded with <paramref name="seed"/>.</summary>
    public static ulong Derive(ulong seed, string target, long index)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in target)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        var r = new FuzzRandom(seed ^ h ^ ((ulong)index * 0x9E3779B97F4A7C15UL));
        r.NextULong();
        return r.NextULong();
    }

    public ulong NextULong()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n).</summary>
    public int Next(int n) => n <= 1 ? 0 : (int)(NextULong() % (ulong)n);

    /// <summary>Uniform in [lo, hi).</summary>
    public int Next(int lo, int hi) => lo + Next(hi - lo);

    public bool Chance(double p) => (NextULong() >> 11) * (1.0 / (1UL << 53)) < p;

    public T Pick<T>(System.Collections.Generic.IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>A length biased to small values but reaching <paramref name="max"/>.</summary>
    public int SmallLength(int max) => Math.Min(max, Chance(0.8) ? Next(1, 9) : Next(1, Math.Max(2, max + 1)));

    public byte NextByte() => (byte)NextULong();
}
