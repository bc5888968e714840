using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace MLNet.Optimizers.IO;

/// <summary>
/// Reads the fields of a verified payload (little-endian, the layout <see cref="BinaryWriter"/> writes: strings with a
/// 7-bit encoded byte length and UTF-8 bytes). Every failure — the payload ending early, a malformed length, invalid
/// UTF-8, a count out of range, a boolean byte other than 0 or 1 — is an <see cref="InvalidDataException"/> whose
/// message reads <c>{subject} field '{name}': ...</c>, so a reader built on it throws one documented type.
/// </summary>
public sealed class FieldReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlyMemory<byte> _data;
    private int _position;

    /// <summary>Creates a reader over a payload.</summary>
    /// <param name="payload">The bytes.</param>
    /// <param name="subject">Names the file in messages, e.g. <c>Checkpoint</c>.</param>
    public FieldReader(ReadOnlyMemory<byte> payload, string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        _data = payload;
        Subject = subject;
    }

    /// <summary>Names the file in messages.</summary>
    public string Subject { get; }

    /// <summary>The read position.</summary>
    public int Position => _position;

    /// <summary>Bytes not yet read.</summary>
    public int Remaining => _data.Length - _position;

    /// <summary>An <see cref="InvalidDataException"/> for a field: <c>{subject} field '{field}': {reason}</c>.</summary>
    /// <param name="field">The field.</param>
    /// <param name="reason">What is wrong, with the value read.</param>
    /// <param name="inner">The low-level failure, if any.</param>
    /// <returns>The exception (to throw).</returns>
    public InvalidDataException Error(string field, string reason, Exception? inner = null) => new($"{Subject} field '{field}': {reason}", inner);

    /// <summary>Reads an int32.</summary>
    /// <param name="field">The field name (for messages).</param>
    /// <returns>The value.</returns>
    public int Int32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Take(field, 4));

    /// <summary>Reads an int64.</summary>
    /// <param name="field">The field name.</param>
    /// <returns>The value.</returns>
    public long Int64(string field) => BinaryPrimitives.ReadInt64LittleEndian(Take(field, 8));

    /// <summary>Reads a uint64.</summary>
    /// <param name="field">The field name.</param>
    /// <returns>The value.</returns>
    public ulong UInt64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(field, 8));

    /// <summary>Reads a double.</summary>
    /// <param name="field">The field name.</param>
    /// <returns>The value.</returns>
    public double Double(string field) => BinaryPrimitives.ReadDoubleLittleEndian(Take(field, 8));

    /// <summary>Reads a boolean byte, which must be 0 or 1.</summary>
    /// <param name="field">The field name.</param>
    /// <returns>The value.</returns>
    public bool Boolean(string field)
    {
        byte b = Take(field, 1)[0];
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw Error(field, $"a boolean must be the byte 0 or 1, got {b}."),
        };
    }

    /// <summary>Reads an int32 that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <param name="field">The field name.</param>
    /// <param name="min">The smallest value accepted.</param>
    /// <param name="max">The largest value accepted.</param>
    /// <returns>The value.</returns>
    public int Int32InRange(string field, int min, int max)
    {
        int v = Int32(field);
        return v >= min && v <= max ? v : throw Error(field, string.Create(CultureInfo.InvariantCulture, $"{v} is out of range [{min}, {max}]."));
    }

    /// <summary>Reads an int64 that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <param name="field">The field name.</param>
    /// <param name="min">The smallest value accepted.</param>
    /// <param name="max">The largest value accepted.</param>
    /// <returns>The value.</returns>
    public long Int64InRange(string field, long min, long max)
    {
        long v = Int64(field);
        return v >= min && v <= max ? v : throw Error(field, string.Create(CultureInfo.InvariantCulture, $"{v} is out of range [{min}, {max}]."));
    }

    /// <summary>
    /// Reads an element count in [0, <paramref name="max"/>] that is also at most what the remaining bytes can hold
    /// at <paramref name="minBytesPerItem"/> bytes per element (so a corrupted count never allocates).
    /// </summary>
    /// <param name="field">The field name.</param>
    /// <param name="max">The largest count accepted.</param>
    /// <param name="minBytesPerItem">The fewest bytes one element takes (at least 1).</param>
    /// <returns>The count.</returns>
    public int Count(string field, int max, int minBytesPerItem)
    {
        int v = Int32(field);
        if (v < 0 || v > max)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"{v} is out of range [0, {max}]."));
        }

        if ((long)v * Math.Max(1, minBytesPerItem) > Remaining)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"{v} elements declared, but only {Remaining} bytes remain (truncated or corrupted)."));
        }

        return v;
    }

    /// <summary>Reads a string (7-bit encoded byte length, strict UTF-8).</summary>
    /// <param name="field">The field name.</param>
    /// <param name="maxBytes">The longest encoding accepted.</param>
    /// <returns>The string.</returns>
    public string String(string field, int maxBytes = int.MaxValue)
    {
        int length = 0;
        int shift = 0;
        while (true)
        {
            if (shift >= 35)
            {
                throw Error(field, "the string length is not a valid 7-bit encoded integer.");
            }

            byte b = Take(field, 1)[0];
            if (shift == 28 && b > 0x07)
            {
                throw Error(field, "the string length is not a valid 7-bit encoded integer (above 2^31 - 1).");
            }

            length |= (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        if (length > maxBytes)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"a string of {length} bytes is longer than the {maxBytes} allowed."));
        }

        if (length > Remaining)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"a string of {length} bytes declared, {Remaining} remain (truncated)."));
        }

        ReadOnlySpan<byte> bytes = Take(field, length);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw Error(field, "not valid UTF-8.", e);
        }
    }

    /// <summary>Reads <paramref name="count"/> float32 values (checked against the remaining bytes before allocating).</summary>
    /// <param name="field">The field name.</param>
    /// <param name="count">How many.</param>
    /// <returns>The values.</returns>
    public float[] Floats(string field, int count)
    {
        if (count < 0 || (long)count * sizeof(float) > Remaining)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"{count} floats declared, {Remaining} bytes remain (truncated or corrupted)."));
        }

        var values = new float[count];
        Take(field, count * sizeof(float)).CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(values[i])));
            }
        }

        return values;
    }

    /// <summary>Reads <paramref name="count"/> raw bytes.</summary>
    /// <param name="field">The field name.</param>
    /// <param name="count">How many.</param>
    /// <returns>A slice of the payload.</returns>
    public ReadOnlyMemory<byte> Bytes(string field, long count)
    {
        if (count < 0 || count > Remaining)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"{count} bytes declared, {Remaining} remain (truncated or corrupted)."));
        }

        ReadOnlyMemory<byte> slice = _data.Slice(_position, (int)count);
        _position += (int)count;
        return slice;
    }

    /// <summary>Throws unless every byte was read.</summary>
    /// <param name="field">The field named in the message.</param>
    public void EnsureEnd(string field)
    {
        if (Remaining != 0)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"{Remaining} unexpected trailing bytes."));
        }
    }

    private ReadOnlySpan<byte> Take(string field, int count)
    {
        if (count > Remaining)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"the payload ends after {Remaining} of the {count} bytes of this field (truncated)."));
        }

        ReadOnlySpan<byte> span = _data.Span.Slice(_position, count);
        _position += count;
        return span;
    }
}
