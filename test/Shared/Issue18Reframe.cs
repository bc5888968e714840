using System;
using System.IO;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.Tests;

/// <summary>Edits the payload of a framed file (magic, version, length, payload, CRC-32) and recomputes its CRC.</summary>
internal static class Issue18Reframe
{
    /// <summary>A copy of <paramref name="file"/> whose payload is <paramref name="edit"/>'s result, with a valid length and CRC.</summary>
    /// <param name="file">A framed file.</param>
    /// <param name="edit">Edits the payload (may change it in place and return it).</param>
    /// <returns>The reframed file.</returns>
    public static byte[] Reframed(byte[] file, Func<byte[], byte[]> edit)
    {
        byte[] payload = edit(file.AsSpan(20, (int)BitConverter.ToInt64(file, 12)).ToArray());
        var ms = new MemoryStream();
        ms.Write(file, 0, 12);
        ms.Write(BitConverter.GetBytes((long)payload.Length));
        ms.Write(payload);
        ms.Write(BitConverter.GetBytes(Crc32.Compute(payload)));
        return ms.ToArray();
    }
}
