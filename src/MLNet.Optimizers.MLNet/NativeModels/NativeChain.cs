using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Optimizers.MLNet.Native;

/// <summary>A native part: its model-file entries (rooted at <see cref="NativeModels.Root"/>) and the check of what ML.NET loads from them.</summary>
/// <typeparam name="T">The ML.NET transformer the entries load as.</typeparam>
/// <param name="Entries">The entries.</param>
/// <param name="Verify">Throws <see cref="NativeModelMismatchException"/> when the loaded transformer differs from what was written.</param>
internal sealed record NativePart<T>(Dictionary<string, byte[]> Entries, Action<T> Verify)
    where T : class, ITransformer;

/// <summary>
/// Several native parts loaded with one ML.NET <c>Model.Load</c>, as the parts of a <c>TransformerChain</c>: every call
/// of ML.NET's loader makes a new temporary directory, extracts the model file into it and registers the loader
/// assemblies again, about 0.5 ms that an MLP paid once per layer. Each part is checked as it would be alone. Every
/// part's entries, its training schema included, are written before anything is loaded, so a schema cannot come from
/// the view the earlier parts produce (an MLP's parts store only the columns they read, whose types are known).
/// </summary>
internal sealed class NativeChain
{
    private const string ChainSignature = "XF CHAIN";
    private const string ChainLoader = "TransformerChain";

    private readonly List<(Dictionary<string, byte[]> Entries, Type Type, string What, Action<ITransformer> Verify)> _parts = new();

    /// <summary>Adds a part; returns its index in <see cref="Load"/>'s result.</summary>
    /// <param name="part">The part.</param>
    /// <param name="what">What the part is, for messages (e.g. "hidden layer 1, reading '__mlp1_out__Features'").</param>
    public int Add<T>(NativePart<T> part, string what)
        where T : class, ITransformer
    {
        _parts.Add((part.Entries, typeof(T), what, t => part.Verify((T)t)));
        return _parts.Count - 1;
    }

    /// <summary>Loads every part with one call of ML.NET's stock loader and checks each; returns them in the order added.</summary>
    /// <exception cref="NativeModelMismatchException">ML.NET rejects the streams, returns other types or other weights.</exception>
    public ITransformer[] Load(MLContext ml)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var header = new ComponentStream(ChainSignature, 0x00010001, 0x00010001, ChainLoader, typeof(TransformerChain<>).Assembly.FullName!);
        header.Writer.Write(_parts.Count);
        for (int i = 0; i < _parts.Count; i++)
        {
            header.Writer.Write((int)TransformerScope.Everything);
            string dir = string.Create(CultureInfo.InvariantCulture, $"{NativeModels.Root}/Transform_{i:000}");
            foreach (KeyValuePair<string, byte[]> kv in _parts[i].Entries)
            {
                entries[dir + kv.Key[NativeModels.Root.Length..]] = kv.Value;
            }
        }

        entries[NativeModels.Root + "/Model.key"] = header.ToArray();
        ITransformer[] loaded;
        try
        {
            loaded = NativeModels.Load<TransformerChain<ITransformer>>(ml, entries).ToArray();
        }
        catch (NativeModelMismatchException e)
        {
            throw new NativeModelMismatchException($"{e.Message} (a chain of {_parts.Count} parts: {string.Join("; ", _parts.Select(p => p.What))})", e);
        }

        if (loaded.Length != _parts.Count)
        {
            throw new NativeModelMismatchException($"ML.NET {NativeModels.MLNetVersion} loaded a chain of {loaded.Length} parts; {_parts.Count} were written.");
        }

        for (int i = 0; i < loaded.Length; i++)
        {
            if (loaded[i].GetType() != _parts[i].Type)
            {
                throw new NativeModelMismatchException($"ML.NET {NativeModels.MLNetVersion} loaded a {loaded[i].GetType()} as part {i} ({_parts[i].What}), where a {_parts[i].Type} was written.");
            }

            try
            {
                _parts[i].Verify(loaded[i]);
            }
            catch (NativeModelMismatchException e)
            {
                throw new NativeModelMismatchException($"Part {i} ({_parts[i].What}): {e.Message}", e);
            }
        }

        return loaded;
    }
}
