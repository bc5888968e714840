using System;
using System.Collections.Generic;
using System.Linq;

namespace MLNet.Optimizers.Cli;

/// <summary>"Did you mean" suggestions: the closest candidate by edit distance, when it is close enough to be a typo.</summary>
internal static class Suggest
{
    /// <summary>The candidate closest to <paramref name="given"/> (case-insensitive), or null when none is within a typo's distance.</summary>
    /// <param name="given">What was typed.</param>
    /// <param name="candidates">The valid spellings.</param>
    /// <returns>The suggestion, or null.</returns>
    public static string? Closest(string given, IEnumerable<string> candidates)
    {
        string g = given.ToLowerInvariant();

        // A typo: at most a third of the word's letters (at least one, at most three) wrong. The distance is at least
        // the difference in length, so a candidate whose length differs by more is not compared (a 100,000-character
        // argument costs nothing, not a 100,000 x length table per candidate).
        int limit = Math.Clamp(g.TrimStart('-').Length / 3, 1, 3);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string c in candidates)
        {
            if (Math.Abs(c.Length - g.Length) > limit)
            {
                continue;
            }

            int d = Distance(g, c.ToLowerInvariant());
            if (d < bestDistance)
            {
                (best, bestDistance) = (c, d);
            }
        }

        return best != null && bestDistance <= limit && bestDistance > 0 ? best : null;
    }

    /// <summary><c>; did you mean 'x'?</c>, or empty.</summary>
    /// <param name="given">What was typed.</param>
    /// <param name="candidates">The valid spellings.</param>
    /// <returns>The phrase.</returns>
    public static string DidYouMean(string given, IEnumerable<string> candidates) =>
        Closest(given, candidates) is string s ? $"; did you mean '{s}'?" : string.Empty;

    /// <summary>The Damerau-Levenshtein (optimal string alignment) distance.</summary>
    /// <param name="a">One word.</param>
    /// <param name="b">The other.</param>
    /// <returns>Insertions, deletions, substitutions and transpositions.</returns>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
