using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.IO;

/// <summary>A frame read by <see cref="FramedFile.Read"/>: its format version and its verified payload.</summary>
/// <param name="Version">The format version in the header.</param>
/// <param name="Payload">The payload, whose CRC-32 matched.</param>
public sealed record Frame(int Version, byte[] Payload);

/// <summary>
/// The one checksummed binary container of the library's files (optimizer and trainer checkpoints): an 8-byte ASCII
/// magic, the int32 format version, the int64 payload length, the payload, and the CRC-32 (IEEE) of the payload, all
/// little-endian. A reader checks magic, version range, length (against what the stream holds, before allocating)
/// and checksum before a payload byte is interpreted, and names the failing field.
/// </summary>
public static class FramedFile
{
    /// <summary>Bytes before the payload: magic, version, length.</summary>
    public const int HeaderLength = 20;

    /// <summary>Bytes after the payload: the CRC-32.</summary>
    public const int TrailerLength = 4;

    /// <summary>The largest payload a reader accepts by default (1 TiB).</summary>
    public const long DefaultMaxPayload = 1L << 40;

    private const int ChunkSize = 1 << 20;

    /// <summary>Writes one frame to a stream.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="magic">Exactly 8 ASCII characters.</param>
    /// <param name="version">The format version (at least 1).</param>
    /// <param name="payload">The payload.</param>
    /// <exception cref="ArgumentException">A magic that is not 8 ASCII characters, or a version below 1.</exception>
    public static void Write(Stream stream, string magic, int version, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckMagic(magic);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        Span<byte> head = stackalloc byte[HeaderLength];
        Encoding.ASCII.GetBytes(magic, head[..8]);
        BinaryPrimitives.WriteInt32LittleEndian(head.Slice(8, 4), version);
        BinaryPrimitives.WriteInt64LittleEndian(head.Slice(12, 8), payload.Length);
        stream.Write(head);
        stream.Write(payload);
        Span<byte> crc = stackalloc byte[TrailerLength];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32.Compute(payload));
        stream.Write(crc);
    }

    /// <summary>Writes one frame as a whole file, atomically (<see cref="AtomicFile"/>).</summary>
    /// <param name="path">The target file.</param>
    /// <param name="magic">Exactly 8 ASCII characters.</param>
    /// <param name="version">The format version.</param>
    /// <param name="payload">The payload.</param>
    /// <exception cref="IOException">The file cannot be written (the target is unchanged).</exception>
    public static void WriteFile(string path, string magic, int version, ReadOnlyMemory<byte> payload)
    {
        CheckMagic(magic);
        AtomicFile.Write(path, s => Write(s, magic, version, payload.Span));
    }

    /// <summary>
    /// Reads one frame from the current position of <paramref name="stream"/> and verifies it. Every failure is an
    /// <see cref="InvalidDataException"/> whose message reads <c>{subject} field '{name}': ...</c>.
    /// </summary>
    /// <param name="stream">A readable stream.</param>
    /// <param name="magic">The expected magic.</param>
    /// <param name="maxVersion">The newest version this reader understands (versions 1..maxVersion are accepted).</param>
    /// <param name="subject">Names the file in messages, e.g. <c>Checkpoint</c> or <c>Trainer checkpoint 'a.ckpt',</c>.</param>
    /// <param name="wholeStream">Whether the frame must end the stream (trailing bytes are then an error).</param>
    /// <param name="maxPayload">The largest payload accepted.</param>
    /// <returns>The version and the verified payload.</returns>
    /// <exception cref="InvalidDataException">A wrong magic or version, a length out of range or beyond the stream, truncation, a checksum mismatch, or trailing bytes.</exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static Frame Read(Stream stream, string magic, int maxVersion, string subject, bool wholeStream = false, long maxPayload = DefaultMaxPayload)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckMagic(magic);
        ArgumentNullException.ThrowIfNull(subject);
        Span<byte> head = stackalloc byte[HeaderLength];
        int got = ReadUpTo(stream, head);
        if (got < 8 || !head[..8].SequenceEqual(Encoding.ASCII.GetBytes(magic)))
        {
            throw new InvalidDataException($"{subject} field 'magic': expected '{magic}', got '{Printable(head[..Math.Min(got, 8)])}' (not this kind of file{(got < 8 ? ", or truncated" : string.Empty)}).");
        }

        if (got < HeaderLength)
        {
            throw new InvalidDataException($"{subject} field 'header': the stream ends after {got} of {HeaderLength} bytes (truncated).");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(head.Slice(8, 4));
        if (version < 1 || version > maxVersion)
        {
            throw new InvalidDataException($"{subject} field 'version': this build reads versions 1..{maxVersion}, got {version}.");
        }

        long length = BinaryPrimitives.ReadInt64LittleEndian(head.Slice(12, 8));
        long available = stream.CanSeek ? stream.Length - stream.Position : -1;
        if (length < 0 || length > maxPayload || length > int.MaxValue - 64 || (available >= 0 && length > available - TrailerLength))
        {
            string have = available >= 0 ? $"{Math.Max(0, available - TrailerLength)} available (truncated or corrupted)" : "out of range";
            throw new InvalidDataException($"{subject} field 'payload_length': {length} bytes declared, {have}.");
        }

        if (wholeStream && available >= 0 && length != available - TrailerLength)
        {
            throw new InvalidDataException($"{subject} field 'payload_length': {length} bytes declared, but {available - TrailerLength} follow the header (trailing bytes or corrupted).");
        }

        byte[] payload = ReadPayload(stream, (int)length, subject);
        Span<byte> crcBytes = stackalloc byte[TrailerLength];
        int crcGot = ReadUpTo(stream, crcBytes);
        if (crcGot < TrailerLength)
        {
            throw new InvalidDataException($"{subject} field 'crc32': the stream ends after {crcGot} of {TrailerLength} bytes (truncated).");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(crcBytes);
        uint computed = Crc32.Compute(payload);
        if (stored != computed)
        {
            throw new InvalidDataException($"{subject} field 'crc32': stored 0x{stored:X8}, computed 0x{computed:X8} (checksum mismatch: the file is corrupted).");
        }

        if (wholeStream && !stream.CanSeek && stream.ReadByte() >= 0)
        {
            throw new InvalidDataException($"{subject} field 'payload_length': bytes follow the checksum (trailing bytes or corrupted).");
        }

        return new Frame(version, payload);
    }

    /// <summary>Reads and verifies a whole file holding one frame (see <see cref="Read"/>).</summary>
    /// <param name="path">The file.</param>
    /// <param name="magic">The expected magic.</param>
    /// <param name="maxVersion">The newest version understood.</param>
    /// <param name="subject">Names the file in messages.</param>
    /// <returns>The version and payload.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">As <see cref="Read"/>.</exception>
    public static Frame ReadFile(string path, string magic, int maxVersion, string subject)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(f, magic, maxVersion, subject, wholeStream: true);
    }

    private static byte[] ReadPayload(Stream stream, int length, string subject)
    {
        if (stream.CanSeek || length <= ChunkSize)
        {
            byte[] all = new byte[length];
            int n = ReadUpTo(stream, all);
            return n == length ? all : throw Truncated(subject, n, length);
        }

        // A stream of unknown length: grow with what actually arrives, so a corrupted length cannot allocate gigabytes.
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[ChunkSize];
        int total = 0;
        while (total < length)
        {
            int n = ReadUpTo(stream, chunk.AsSpan(0, Math.Min(ChunkSize, length - total)));
            buffer.Write(chunk, 0, n);
            total += n;
            if (n == 0)
            {
                throw Truncated(subject, total, length);
            }
        }

        return buffer.ToArray();
    }

    private static InvalidDataException Truncated(string subject, int got, int length) =>
        new($"{subject} field 'payload': the stream ends after {got} of {length} bytes (truncated).");

    private static int ReadUpTo(Stream s, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static void CheckMagic(string magic)
    {
        ArgumentNullException.ThrowIfNull(magic);
        if (magic.Length != 8 || !Ascii.IsValid(magic))
        {
            throw new ArgumentException($"The magic must be 8 ASCII characters, got '{magic}'.", nameof(magic));
        }
    }

    private static string Printable(ReadOnlySpan<byte> b)
    {
        var sb = new StringBuilder();
        foreach (byte x in b)
        {
            sb.Append(x is >= 32 and < 127 ? (char)x : '?');
        }

        return sb.ToString();
    }
}
