using System;
using System.IO;
using System.Text;
using Microsoft.ML.Data;

namespace MLNet.Optimizers.MLNet.Native;

/// <summary>
/// ML.NET's binary data file (the <c>.idv</c> format, writer version 1.1.1.6, as <c>BinarySaver</c> writes it) with no
/// rows and one fixed-size <see cref="float"/> vector column without annotations: the <c>TrainSchema</c> entry of an
/// MLP's internal layers and of its regression or binary head, each of which reads one such column. Written directly
/// because ML.NET's saver starts a compression and a writer thread on every call (about 0.7 ms, paid once per part of
/// every fit); the bytes are those <c>SaveAsBinary</c> writes for the same empty view (a test compares them), so
/// ML.NET's <c>BinaryLoader</c> reads them.
/// </summary>
internal static class SchemaFile
{
    private const ulong Signature = 0x00425644004C4D43UL; // "CML\0DVB\0"
    private const ulong TailSignature = 0x434D4C0044564200UL; // the signature byte-reversed
    private const ulong WriterVersion = 0x0001000100010006UL; // 1.1.1.6: .NET data types
    private const ulong CompatibleVersion = 0x0001000100010006UL;
    private const int HeaderSize = 256;
    private const byte Deflate = 1; // the saver's default compression kind, recorded even with no blocks
    private const int RowsPerBlock = 1; // the saver's heuristic for a view with no rows: max(1, 0)

    /// <summary>Whether <paramref name="type"/> is a column this writer can describe: a known-size vector of <see cref="float"/>.</summary>
    public static bool CanWrite(DataViewType type) => type is VectorDataViewType { ItemType: NumberDataViewType n, IsKnownSize: true } && n.RawType == typeof(float);

    /// <summary>The file of an empty view with one column <paramref name="name"/> of <paramref name="type"/> (no annotations).</summary>
    /// <param name="name">The column name.</param>
    /// <param name="type">A known-size vector of <see cref="float"/> (its dimensions are written as they are).</param>
    /// <returns>The file's bytes.</returns>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a known-size vector of <see cref="float"/>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="type"/> is null.</exception>
    public static byte[] Write(string name, DataViewType type)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(type);
        if (!CanWrite(type))
        {
            throw new ArgumentException($"Column '{name}' has type {type}; only a known-size vector of Single is written here.", nameof(type));
        }

        var dims = ((VectorDataViewType)type).Dimensions;
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, new UTF8Encoding(false), leaveOpen: true))
        {
            w.Write(new byte[HeaderSize]);

            // Column table of contents: name, codec, compression, rows per block, lookup table offset, annotations offset.
            // With no rows there are no blocks, so the lookup table is empty and starts where the table of contents does.
            long toc = ms.Position;
            w.Write(name);
            w.Write("VBuffer");
            byte[] codec = VectorCodecParameters(dims);
            w.Write7BitEncodedInt(codec.Length);
            w.Write(codec);
            w.Write(Deflate);
            w.Write7BitEncodedInt(RowsPerBlock);
            w.Write(toc); // lookup table offset
            w.Write(0L); // no annotations
            long tail = ms.Position;
            w.Write(TailSignature);

            ms.Position = 0;
            w.Write(Signature);
            w.Write(WriterVersion);
            w.Write(CompatibleVersion);
            w.Write(toc);
            w.Write(tail);
            w.Write(0L); // rows
            w.Write(1); // columns
        }

        return ms.ToArray();
    }

    /// <summary>The VBuffer codec's parameters: the item codec ("Single", no parameters), then the dimension count and sizes.</summary>
    private static byte[] VectorCodecParameters(System.Collections.Immutable.ImmutableArray<int> dims)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, new UTF8Encoding(false), leaveOpen: true))
        {
            w.Write("Single");
            w.Write7BitEncodedInt(0);
            w.Write(dims.Length);
            foreach (int d in dims)
            {
                w.Write(d);
            }
        }

        return ms.ToArray();
    }
}
