using System;
using System.Collections.Generic;

namespace MLNet.Optimizers.Training.Data;

/// <summary>An insertion-ordered string set whose lookups take a span (no allocation per lookup).</summary>
internal sealed class SpanStringMap
{
    private readonly List<string> _keys = new();
    private int[] _buckets = new int[16];
    private int[] _next = new int[16];
    private int[] _hashes = new int[16];

    public SpanStringMap()
    {
    }

    public SpanStringMap(IEnumerable<string> keys)
    {
        foreach (string k in keys)
        {
            if (Find(k) < 0)
            {
                Add(k, string.GetHashCode(k.AsSpan()));
            }
        }
    }

    public int Count => _keys.Count;

    public IReadOnlyList<string> Keys => _keys;

    public int Find(ReadOnlySpan<char> key)
    {
        int h = string.GetHashCode(key);
        for (int i = _buckets[h & (_buckets.Length - 1)] - 1; i >= 0; i = _next[i] - 1)
        {
            if (_hashes[i] == h && key.SequenceEqual(_keys[i].AsSpan()))
            {
                return i;
            }
        }

        return -1;
    }

    public int GetOrAdd(ReadOnlySpan<char> key)
    {
        int i = Find(key);
        return i >= 0 ? i : Add(key.ToString(), string.GetHashCode(key));
    }

    private int Add(string key, int hash)
    {
        int index = _keys.Count;
        if (index == _next.Length)
        {
            Array.Resize(ref _next, index * 2);
            Array.Resize(ref _hashes, index * 2);
        }

        _keys.Add(key);
        _hashes[index] = hash;
        if (_keys.Count > _buckets.Length / 2)
        {
            _buckets = new int[_buckets.Length * 4];
            for (int i = 0; i < _keys.Count; i++)
            {
                int b = _hashes[i] & (_buckets.Length - 1);
                _next[i] = _buckets[b];
                _buckets[b] = i + 1;
            }
        }
        else
        {
            int b = hash & (_buckets.Length - 1);
            _next[index] = _buckets[b];
            _buckets[b] = index + 1;
        }

        return index;
    }
}
