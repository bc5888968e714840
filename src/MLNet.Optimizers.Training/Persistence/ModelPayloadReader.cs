using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace MLNet.Optimizers.Training.Persistence;

/// <summary>
/// Reads a model file payload field by field. Every read names its field, checks that the bytes are there before
/// allocating anything, and fails with an <see cref="InvalidDataException"/> of the form
/// <c>model file 'x.mlnm': field 'layers[1].width': detail</c>.
/// </summary>
internal sealed class ModelPayloadReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _data;
    private readonly string _source;
    private int _position;

    /// <summary>Creates a reader over a whole payload.</summary>
    /// <param name="data">The payload (already CRC-checked).</param>
    /// <param name="source">What the messages call the data: <c>model file 'path'</c> or <c>model stream</c>.</param>
    public ModelPayloadReader(byte[] data, string source)
    {
        _data = data;
        _source = source;
    }

    /// <summary>Bytes not read yet.</summary>
    public int Remaining => _data.Length - _position;

    /// <summary>The error for a field.</summary>
    /// <param name="field">The field's name.</param>
    /// <param name="detail">What is wrong.</param>
    /// <returns>The exception to throw.</returns>
    public InvalidDataException Error(string field, string detail) => Error(_source, field, detail);

    /// <summary>The error for a field of a given source.</summary>
    /// <param name="source">What the message calls the data.</param>
    /// <param name="field">The field's name.</param>
    /// <param name="detail">What is wrong.</param>
    /// <returns>The exception to throw.</returns>
    public static InvalidDataException Error(string source, string field, string detail) => new($"{source}: field '{field}': {detail}");

    /// <summary>Reads a 32-bit integer.</summary>
    /// <param name="field">The field's name.</param>
    /// <returns>The value.</returns>
    public int ReadInt32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Take(field, sizeof(int)));

    /// <summary>Reads a 32-bit integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <param name="field">The field's name.</param>
    /// <param name="min">The smallest valid value.</param>
    /// <param name="max">The largest valid value.</param>
    /// <returns>The value.</returns>
    public int ReadInt32(string field, int min, int max)
    {
        int v = ReadInt32(field);
        if (v < min || v > max)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"{v} is out of range [{min}, {max}]."));
        }

        return v;
    }

    /// <summary>Reads an enum stored as a 32-bit integer; the value must be a defined member.</summary>
    /// <typeparam name="T">The enum type.</typeparam>
    /// <param name="field">The field's name.</param>
    /// <returns>The value.</returns>
    public T ReadEnum<T>(string field)
        where T : struct, Enum
    {
        int v = ReadInt32(field);
        T value = (T)(object)v;
        if (!Enum.IsDefined(value))
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"{v} is not a valid {typeof(T).Name} (valid: {string.Join(", ", Enum.GetNames<T>())})."));
        }

        return value;
    }

    /// <summary>Reads a 64-bit float.</summary>
    /// <param name="field">The field's name.</param>
    /// <returns>The value.</returns>
    public double ReadDouble(string field) => BinaryPrimitives.ReadDoubleLittleEndian(Take(field, sizeof(double)));

    /// <summary>Reads a boolean byte (0 or 1).</summary>
    /// <param name="field">The field's name.</param>
    /// <returns>The value.</returns>
    public bool ReadBool(string field)
    {
        byte b = Take(field, 1)[0];
        if (b > 1)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"{b} is not a boolean (0 or 1)."));
        }

        return b == 1;
    }

    /// <summary>Reads a length-prefixed UTF-8 string (strictly decoded).</summary>
    /// <param name="field">The field's name.</param>
    /// <returns>The text.</returns>
    public string ReadString(string field)
    {
        int length = ReadInt32(field);
        if (length < 0)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"string length {length} is out of range [0, {int.MaxValue}]."));
        }

        if (length > Remaining)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"string length {length} exceeds the {Remaining} bytes left in the payload (truncated or corrupted)."));
        }

        ReadOnlySpan<byte> bytes = Take(field, length);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{_source}: field '{field}': the text is not valid UTF-8.", e);
        }
    }

    /// <summary>Reads <paramref name="count"/> little-endian float32 values (the bytes are checked before allocating).</summary>
    /// <param name="field">The field's name.</param>
    /// <param name="count">Values to read.</param>
    /// <param name="requireFinite">Whether NaN and infinities are errors.</param>
    /// <returns>The values.</returns>
    public float[] ReadFloats(string field, int count, bool requireFinite)
    {
        if (count < 0)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"{count} values is negative."));
        }

        ReadOnlySpan<byte> bytes = Take(field, (long)count * sizeof(float));
        var values = new float[count];
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float)));
            }
        }

        if (requireFinite)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i]))
                {
                    throw Error(field, string.Create(CultureInfo.InvariantCulture, $"value {i} is {values[i]} (not finite)."));
                }
            }
        }

        return values;
    }

    /// <summary>Fails when bytes are left after the last field.</summary>
    public void EnsureEnd()
    {
        if (Remaining != 0)
        {
            throw Error("payload", string.Create(CultureInfo.InvariantCulture, $"{Remaining} unexpected bytes after the last field."));
        }
    }

    private ReadOnlySpan<byte> Take(string field, long size)
    {
        if (size > Remaining)
        {
            throw Error(field, string.Create(CultureInfo.InvariantCulture, $"the payload ends after {Remaining} of the {size} bytes this field needs (truncated or corrupted)."));
        }

        ReadOnlySpan<byte> span = _data.AsSpan(_position, (int)size);
        _position += (int)size;
        return span;
    }
}
