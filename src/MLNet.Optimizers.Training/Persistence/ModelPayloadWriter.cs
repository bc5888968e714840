using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace MLNet.Optimizers.Training.Persistence;

/// <summary>Where one field of a model file's payload was written (offsets are relative to the payload's first byte).</summary>
/// <param name="Field">The field's name, as load errors name it (<c>layers[1].width</c>).</param>
/// <param name="Offset">The field's first byte (for a string, its length prefix).</param>
/// <param name="Size">The field's size in bytes (for a string, the prefix and the text).</param>
internal readonly record struct ModelFieldLocation(string Field, int Offset, int Size);

/// <summary>
/// Builds a model file payload in memory: little-endian primitives, length-prefixed UTF-8 strings, raw float arrays.
/// Optionally records where each field went (<see cref="Layout"/>), which tests use to corrupt a chosen field.
/// </summary>
internal sealed class ModelPayloadWriter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly List<ModelFieldLocation>? _layout;
    private byte[] _buffer = new byte[1024];
    private int _length;

    /// <summary>Creates an empty payload.</summary>
    /// <param name="recordLayout">Whether to record every field's location.</param>
    public ModelPayloadWriter(bool recordLayout)
    {
        _layout = recordLayout ? new List<ModelFieldLocation>() : null;
    }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>The field locations (empty unless recording was requested).</summary>
    public IReadOnlyList<ModelFieldLocation> Layout => (IReadOnlyList<ModelFieldLocation>?)_layout ?? Array.Empty<ModelFieldLocation>();

    /// <summary>Writes a 32-bit integer.</summary>
    /// <param name="field">The field's name.</param>
    /// <param name="value">The value.</param>
    public void WriteInt32(string field, int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(field, sizeof(int)), value);

    /// <summary>Writes a 64-bit float.</summary>
    /// <param name="field">The field's name.</param>
    /// <param name="value">The value.</param>
    public void WriteDouble(string field, double value) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(field, sizeof(double)), value);

    /// <summary>Writes a boolean as one byte, 0 or 1.</summary>
    /// <param name="field">The field's name.</param>
    /// <param name="value">The value.</param>
    public void WriteBool(string field, bool value) => Reserve(field, 1)[0] = value ? (byte)1 : (byte)0;

    /// <summary>Writes a string: int32 byte count, then UTF-8 bytes.</summary>
    /// <param name="field">The field's name.</param>
    /// <param name="value">The text (valid UTF-16).</param>
    /// <exception cref="InvalidOperationException">The text has an unpaired surrogate.</exception>
    public void WriteString(string field, string value)
    {
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new InvalidOperationException($"Cannot save field '{field}': the text is not valid Unicode (an unpaired surrogate).", e);
        }

        Span<byte> dest = Reserve(field, checked(sizeof(int) + bytes.Length));
        BinaryPrimitives.WriteInt32LittleEndian(dest, bytes.Length);
        bytes.CopyTo(dest[sizeof(int)..]);
    }

    /// <summary>Writes float32 values, little-endian, without a count (the caller writes the count as its own field).</summary>
    /// <param name="field">The field's name.</param>
    /// <param name="values">The values.</param>
    public void WriteFloats(string field, ReadOnlySpan<float> values)
    {
        Span<byte> dest = Reserve(field, checked(values.Length * sizeof(float)));
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(dest);
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(dest.Slice(i * sizeof(float)), values[i]);
            }
        }
    }

    private Span<byte> Reserve(string field, int size)
    {
        long end = (long)_length + size;
        if (end > Array.MaxLength)
        {
            throw new InvalidOperationException($"Cannot save field '{field}': the model file payload would exceed {Array.MaxLength} bytes.");
        }

        if (end > _buffer.Length)
        {
            long grown = Math.Max(end, Math.Min(Array.MaxLength, (long)_buffer.Length * 2));
            Array.Resize(ref _buffer, (int)grown);
        }

        _layout?.Add(new ModelFieldLocation(field, _length, size));
        Span<byte> span = _buffer.AsSpan(_length, size);
        _length = (int)end;
        return span;
    }
}
