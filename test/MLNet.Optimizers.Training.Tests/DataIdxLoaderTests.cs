using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>IdxLoader: round trips of small plain and gzip IDX files, and every validation error.</summary>
[TestClass]
public sealed class DataIdxLoaderTests
{
    private static byte[] Idx(int magic, int[] dims, byte[] payload, bool gzip)
    {
        var ms = new MemoryStream();
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, magic);
        ms.Write(four);
        foreach (int d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(four, d);
            ms.Write(four);
        }

        ms.Write(payload);
        if (!gzip)
        {
            return ms.ToArray();
        }

        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(ms.ToArray());
        }

        return gz.ToArray();
    }

    private static byte[] Pixels(int n) => Enumerable.Range(0, n).Select(i => (byte)((i * 37) % 256)).ToArray();

    [TestMethod]
    [DataRow(false, DisplayName = "plain IDX round trip")]
    [DataRow(true, DisplayName = "gzip IDX round trip")]
    public void RoundTrip(bool gzip)
    {
        using var dir = new DataTempDir();
        byte[] pixels = Pixels(5 * 3 * 4);
        pixels[0] = 255;
        pixels[1] = 0;
        string images = dir.WriteBytes("img.idx" + (gzip ? ".gz" : string.Empty), Idx(IdxLoader.ImagesMagic, new[] { 5, 3, 4 }, pixels, gzip));
        string labels = dir.WriteBytes("lbl.idx" + (gzip ? ".gz" : string.Empty), Idx(IdxLoader.LabelsMagic, new[] { 5 }, new byte[] { 3, 0, 9, 1, 3 }, gzip));

        IdxImages img = IdxLoader.ReadImages(images);
        Assert.AreEqual(5, img.Count);
        Assert.AreEqual(3, img.Rows);
        Assert.AreEqual(4, img.Columns);
        Assert.AreEqual(12, img.PixelsPerImage);
        Assert.AreEqual(1f, img.Pixels[0]);
        Assert.AreEqual(0f, img.Pixels[1]);
        for (int i = 0; i < pixels.Length; i++)
        {
            Assert.AreEqual(pixels[i] / 255f, img.Pixels[i]);
        }

        CollectionAssert.AreEqual(new byte[] { 3, 0, 9, 1, 3 }, IdxLoader.ReadLabels(labels));
        DenseTable t = IdxLoader.LoadDataset(images, labels);
        Assert.AreEqual(5, t.RowCount);
        Assert.AreEqual(12, t.FeatureCount);
        CollectionAssert.AreEqual(new[] { 3f, 0f, 9f, 1f, 3f }, t.Labels);
        Assert.AreEqual("px11", t.FeatureNames[11]);
        CollectionAssert.AreEqual(pixels.Skip(24).Take(12).Select(b => b / 255f).ToArray(), t.Row(2).ToArray());
    }

    [TestMethod]
    [DataRow(false, DisplayName = "plain IDX errors")]
    [DataRow(true, DisplayName = "gzip IDX errors")]
    public void ValidationErrorsNameTheField(bool gzip)
    {
        using var dir = new DataTempDir();
        string Write(string name, byte[] bytes) => dir.WriteBytes(name, bytes);

        string labelsAsImages = Write("a", Idx(IdxLoader.LabelsMagic, new[] { 2 }, new byte[2], gzip));
        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.ReadImages(labelsAsImages));
        Assert.Contains("magic number 0x00000801 is not 0x00000803", e.Message);
        Assert.Contains(labelsAsImages, e.Message);

        string badMagic = Write("b", Idx(0x12345678, new[] { 2 }, new byte[2], gzip));
        e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.ReadLabels(badMagic));
        Assert.Contains("magic number 0x12345678", e.Message);

        string truncated = Write("c", Idx(IdxLoader.ImagesMagic, new[] { 3, 2, 2 }, new byte[11], gzip));
        e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.ReadImages(truncated));
        Assert.Contains("truncated: the header promises 12 pixel bytes, the file has 11", e.Message);

        string truncatedLabels = Write("d", Idx(IdxLoader.LabelsMagic, new[] { 4 }, new byte[3], gzip));
        e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.ReadLabels(truncatedLabels));
        Assert.Contains("promises 4 label bytes, the file has 3", e.Message);

        string extra = Write("e", Idx(IdxLoader.LabelsMagic, new[] { 2 }, new byte[3], gzip));
        e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.ReadLabels(extra));
        Assert.Contains("data after the 2 label bytes", e.Message);

        string zeroRows = Write("f", Idx(IdxLoader.ImagesMagic, new[] { 2, 0, 3 }, Array.Empty<byte>(), gzip));
        e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.ReadImages(zeroRows));
        Assert.Contains("rows 0 must be at least 1", e.Message);

        string negativeCount = Write("g", Idx(IdxLoader.LabelsMagic, new[] { -5 }, Array.Empty<byte>(), gzip));
        e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.ReadLabels(negativeCount));
        Assert.Contains("item count -5", e.Message);

        string shortHeader = Write("h", Idx(IdxLoader.ImagesMagic, new[] { 2 }, Array.Empty<byte>(), gzip));
        e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.ReadImages(shortHeader));
        Assert.Contains("ends before the rows field", e.Message);

        string tiny = Write("i", gzip ? Idx(0, Array.Empty<int>(), Array.Empty<byte>(), true).Take(0).ToArray() : new byte[] { 0, 0 });
        e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.ReadLabels(tiny));
        Assert.Contains("magic number", e.Message);

        byte[] whole = Idx(IdxLoader.ImagesMagic, new[] { 20, 8, 8 }, Pixels(20 * 64), gzip: true);
        string cut = Write("cut.gz", whole.Take(whole.Length / 2).ToArray());
        e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.ReadImages(cut));
        Assert.Contains(cut, e.Message);

        string images = Write("j", Idx(IdxLoader.ImagesMagic, new[] { 2, 1, 1 }, new byte[2], gzip));
        string labels = Write("k", Idx(IdxLoader.LabelsMagic, new[] { 3 }, new byte[3], gzip));
        e = Assert.ThrowsExactly<InvalidDataException>(() => IdxLoader.LoadDataset(images, labels));
        Assert.Contains("item count 3 does not match the 2 images", e.Message);
    }
}
