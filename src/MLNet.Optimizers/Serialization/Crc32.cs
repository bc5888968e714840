using System;

namespace MLNet.Optimizers.Serialization;

/// <summary>CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): the integrity check of every file format in this
/// project (optimizer checkpoints, trainer checkpoints, model files).</summary>
public static class Crc32
{
    private static readonly uint[] Table = CreateTable();

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

    /// <summary>The CRC-32 of <paramref name="data"/> (check value: 0xCBF43926 for ASCII "123456789").</summary>
    /// <param name="data">The bytes.</param>
    /// <returns>The checksum.</returns>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }
}
