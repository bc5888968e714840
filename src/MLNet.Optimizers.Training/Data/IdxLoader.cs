using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed (detected from the gzip magic bytes, not
/// the file name): unsigned-byte images (magic <c>0x00000803</c>: count, rows, columns) and unsigned-byte labels
/// (magic <c>0x00000801</c>: count). Header integers are big-endian. Damaged files fail with
/// <see cref="InvalidDataException"/> naming the file and the offending field.
/// </summary>
/// <remarks>Fashion-MNIST: <c>apt-get install -y dataset-fashion-mnist</c> puts it in <c>/usr/share/datasets/fashion-mnist/</c>.</remarks>
public static class IdxLoader
{
    /// <summary>The magic number of an unsigned-byte, 3-dimensional IDX file (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>The magic number of an unsigned-byte, 1-dimensional IDX file (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The first buffer of a compressed payload (grown by doubling as data arrives).</summary>
    private const int Chunk = 1 << 20;

    /// <summary>Reads an image file; pixels are scaled to [0, 1] by dividing by 255.</summary>
    /// <param name="path">The file (.gz or not).</param>
    /// <returns>The images.</returns>
    /// <exception cref="InvalidDataException">Wrong magic, a non-positive dimension, or the wrong number of pixel bytes.</exception>
    public static IdxImages ReadImages(string path)
    {
        try
        {
            return ReadImagesCore(path);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path + ":", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: the gzip stream is damaged: {e.Message}", e);
        }
    }

    /// <summary>Reads a label file (one unsigned byte per item).</summary>
    /// <param name="path">The file (.gz or not).</param>
    /// <returns>The labels.</returns>
    /// <exception cref="InvalidDataException">Wrong magic, a non-positive count, or the wrong number of label bytes.</exception>
    public static byte[] ReadLabels(string path)
    {
        try
        {
            using Stream s = Open(path, out long? plainLength);
            ReadHeader(s, path, LabelsMagic, "labels", out int count);
            return ReadPayload(s, path, count, "label", plainLength - 8);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path + ":", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: the gzip stream is damaged: {e.Message}", e);
        }
    }

    private static IdxImages ReadImagesCore(string path)
    {
        using Stream s = Open(path, out long? plainLength);
        ReadHeader(s, path, ImagesMagic, "images", out int count);
        int rows = ReadDimension(s, path, "rows");
        int cols = ReadDimension(s, path, "columns");

        // Each factor is below 2^31, so the product of two fits a long; the third is checked against the limit first.
        long perImage = (long)rows * cols;
        if (perImage > Array.MaxLength || count > Array.MaxLength / perImage)
        {
            throw new InvalidDataException(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"{path}: item count {count} x rows {rows} x columns {cols} = {(System.Numerics.BigInteger)count * rows * cols} pixels is more than an array holds ({Array.MaxLength})."));
        }

        long total = count * perImage;
        byte[] bytes = ReadPayload(s, path, (int)total, "pixel", plainLength - 16);
        var pixels = new float[total];
        for (int i = 0; i < bytes.Length; i++)
        {
            pixels[i] = bytes[i] / 255f;
        }

        return new IdxImages(count, rows, cols, pixels);
    }

    /// <summary>
    /// Loads an image file and its label file as a multiclass table: one feature per pixel (named <c>px0</c>, <c>px1</c>,
    /// ..., row-major, in [0, 1]) and the label byte as the class index.
    /// </summary>
    /// <param name="imagesPath">The image file.</param>
    /// <param name="labelsPath">The label file.</param>
    /// <returns>The table.</returns>
    /// <exception cref="InvalidDataException">A file is damaged, or the two item counts differ.</exception>
    public static DenseTable LoadDataset(string imagesPath, string labelsPath)
    {
        IdxImages images = ReadImages(imagesPath);
        byte[] labels = ReadLabels(labelsPath);
        if (labels.Length != images.Count)
        {
            throw new InvalidDataException($"{labelsPath}: item count {labels.Length} does not match the {images.Count} images of {imagesPath}.");
        }

        var l = new float[labels.Length];
        for (int i = 0; i < l.Length; i++)
        {
            l[i] = labels[i];
        }

        var names = new string[images.PixelsPerImage];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = "px" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new DenseTable(images.Pixels, images.PixelsPerImage, l, null, names);
    }

    /// <summary>Opens the file, decompressing gzip; <paramref name="plainLength"/> is the file length of a plain file, null for gzip.</summary>
    private static Stream Open(string path, out long? plainLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        int b0 = file.ReadByte();
        int b1 = file.ReadByte();
        file.Position = 0;
        if (b0 == 0x1F && b1 == 0x8B)
        {
            plainLength = null;
            return new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16);
        }

        plainLength = file.Length;
        return file;
    }

    private static void ReadHeader(Stream s, string path, int expectedMagic, string kind, out int count)
    {
        Span<byte> buf = stackalloc byte[4];
        if (s.ReadAtLeast(buf, 4, throwOnEndOfStream: false) < 4)
        {
            throw new InvalidDataException($"{path}: the file ends before the 4-byte magic number.");
        }

        int magic = BinaryPrimitives.ReadInt32BigEndian(buf);
        if (magic != expectedMagic)
        {
            throw new InvalidDataException($"{path}: magic number 0x{magic:X8} is not 0x{expectedMagic:X8} (unsigned-byte {kind}).");
        }

        count = ReadDimension(s, path, "item count");
    }

    private static int ReadDimension(Stream s, string path, string field)
    {
        Span<byte> buf = stackalloc byte[4];
        if (s.ReadAtLeast(buf, 4, throwOnEndOfStream: false) < 4)
        {
            throw new InvalidDataException($"{path}: the file ends before the {field} field of the header.");
        }

        int v = BinaryPrimitives.ReadInt32BigEndian(buf);
        if (v < 1)
        {
            throw new InvalidDataException($"{path}: {field} {v} must be at least 1.");
        }

        return v;
    }

    /// <summary>
    /// Reads exactly <paramref name="length"/> payload bytes. A plain file's length is checked before anything is
    /// allocated; a gzip stream (whose length is unknown) is read in chunks that grow with what actually arrives, so a
    /// header promising more than the file holds never allocates the promised size.
    /// </summary>
    private static byte[] ReadPayload(Stream s, string path, int length, string what, long? available)
    {
        if (available is long plain && plain < length)
        {
            throw new InvalidDataException($"{path}: truncated: the header promises {length} {what} bytes, the file has {Math.Max(0, plain)}.");
        }

        byte[] bytes;
        int read;
        if (available is not null || length <= Chunk)
        {
            bytes = new byte[length];
            read = s.ReadAtLeast(bytes, length, throwOnEndOfStream: false);
        }
        else
        {
            bytes = new byte[Chunk];
            read = 0;
            while (read < length)
            {
                if (read == bytes.Length)
                {
                    Array.Resize(ref bytes, (int)Math.Min(length, 2L * bytes.Length));
                }

                int n = s.Read(bytes, read, bytes.Length - read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }
        }

        if (read < length)
        {
            throw new InvalidDataException($"{path}: truncated: the header promises {length} {what} bytes, the file has {read}.");
        }

        if (s.ReadByte() >= 0)
        {
            throw new InvalidDataException($"{path}: the file has data after the {length} {what} bytes the header promises.");
        }

        return bytes;
    }
}
