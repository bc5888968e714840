using System;

namespace MLNet.Optimizers.Training.Persistence;

/// <summary>
/// CRC-32 (IEEE 802.3 / zlib / PNG: reflected, polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF) guarding the
/// payload of a model file. The same algorithm as the optimizer checkpoints use; <c>"123456789"</c> gives 0xCBF43926.
/// </summary>
internal static class ModelFileCrc32
{
    private static readonly uint[] Table = CreateTable();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    /// <param name="data">The bytes.</param>
    /// <returns>The checksum.</returns>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        uint[] table = Table;
        foreach (byte b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] CreateTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            t[i] = c;
        }

        return t;
    }
}
