using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.IO;

namespace MLNet.Optimizers.Tests;

/// <summary>The one atomic writer and the one framed format: old or new file, never half; stale temporaries removed; every failure named.</summary>
[TestClass]
public sealed class FileFormatTests
{
    private static string NewFolder()
    {
        string d = Path.Combine(Path.GetTempPath(), "mlnopt-io-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    private static string Stale(string target) => target + "." + Guid.NewGuid().ToString("N") + AtomicFile.TempSuffix;

    [TestMethod]
    public void AWriteReplacesTheFileAndAFailedWriteLeavesTheOldOneAndNoTemporary()
    {
        string dir = NewFolder();
        try
        {
            string target = Path.Combine(dir, "a.txt");
            AtomicFile.WriteAllText(target, "old");
            Assert.AreEqual("old", File.ReadAllText(target));
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => AtomicFile.Write(target, s =>
            {
                s.Write(Encoding.UTF8.GetBytes("half of the new"));
                throw new InvalidOperationException("disk full");
            }));
            Assert.AreEqual("disk full", e.Message);
            Assert.AreEqual("old", File.ReadAllText(target), "the old file is intact");
            CollectionAssert.AreEqual(new[] { "a.txt" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray(), "no temporary file is left");
            AtomicFile.WriteAllBytes(target, new byte[] { 1, 2, 3 });
            CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, File.ReadAllBytes(target));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void Defect8_TheNextSaveRemovesStaleTemporariesButNotOnesInUseOrOthers()
    {
        string dir = NewFolder();
        try
        {
            string target = Path.Combine(dir, "model.ckpt");
            string stale1 = Stale(target), stale2 = Stale(target), inUse = Stale(target);
            File.WriteAllBytes(stale1, new byte[100]);
            File.WriteAllBytes(stale2, new byte[100]);
            string otherTarget = Stale(Path.Combine(dir, "other.ckpt"));
            File.WriteAllBytes(otherTarget, new byte[1]);
            string lookalike = target + ".notours.tmp";
            File.WriteAllBytes(lookalike, new byte[1]);
            using (var held = new FileStream(inUse, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                AtomicFile.WriteAllText(target, "new");
                Assert.IsTrue(File.Exists(inUse), "a temporary file another save holds open is left alone");
            }

            Assert.IsFalse(File.Exists(stale1));
            Assert.IsFalse(File.Exists(stale2));
            Assert.IsTrue(File.Exists(otherTarget), "another target's temporary file is not this save's business");
            Assert.IsTrue(File.Exists(lookalike), "a name that is not <target>.<32 hex>.tmp is kept");
            AtomicFile.WriteAllText(target, "newer");
            Assert.IsFalse(File.Exists(inUse), "once released, the next save removes it");
            Assert.AreEqual("newer", File.ReadAllText(target));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void Defect8_OptimizerSaveStateRemovesStaleTemporaries()
    {
        string dir = NewFolder();
        try
        {
            string target = Path.Combine(dir, "opt.ckpt");
            string stale = Stale(target);
            File.WriteAllBytes(stale, new byte[1 << 16]);
            var vars = new[] { Parameter.Zeros("w", 4) };
            var opt = new Lion(0.1);
            opt.Build(vars);
            opt.SaveState(target);
            Assert.IsFalse(File.Exists(stale), "the stale temporary of the same target was removed (before the fix they piled up)");
            var again = new Lion(0.1);
            again.Build(new[] { Parameter.Zeros("w", 4) });
            again.LoadState(target);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    [DataRow("x", false, DisplayName = "temporary name: too short")]
    [DataRow("a.ckpt.0123456789abcdef0123456789abcdef.tmp", true, DisplayName = "temporary name: ours")]
    [DataRow("a.ckpt.0123456789ABCDEF0123456789abcdef.tmp", false, DisplayName = "temporary name: upper-case hex is not ours")]
    [DataRow("b.ckpt.0123456789abcdef0123456789abcdef.tmp", false, DisplayName = "temporary name: another target")]
    [DataRow("a.ckpt.0123456789abcdef0123456789abcdeg.tmp", false, DisplayName = "temporary name: not hex")]
    public void TemporaryNamesAreRecognizedExactly(string name, bool ours) =>
        Assert.AreEqual(ours, AtomicFile.IsTemporaryOf(name, "a.ckpt"));

    [TestMethod]
    public void AFrameRoundTripsAndEveryDamageIsNamed()
    {
        byte[] payload = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var ms = new MemoryStream();
        FramedFile.Write(ms, "TESTFRAM", 3, payload);
        byte[] file = ms.ToArray();
        Assert.HasCount(FramedFile.HeaderLength + payload.Length + FramedFile.TrailerLength, file);
        Frame f = FramedFile.Read(new MemoryStream(file), "TESTFRAM", 3, "Test file", wholeStream: true);
        Assert.AreEqual(3, f.Version);
        CollectionAssert.AreEqual(payload, f.Payload);

        string Fails(byte[] bytes, int maxVersion = 3, bool whole = true) =>
            Assert.ThrowsExactly<InvalidDataException>(() => FramedFile.Read(new MemoryStream(bytes), "TESTFRAM", maxVersion, "Test file", whole)).Message;
        StringAssert.Contains(Fails(Encoding.ASCII.GetBytes("NOTFRAME").Concat(file[8..]).ToArray()), "field 'magic'");
        StringAssert.Contains(Fails(file, maxVersion: 2), "field 'version'");
        byte[] flipped = (byte[])file.Clone();
        flipped[100] ^= 0x10;
        StringAssert.Contains(Fails(flipped), "field 'crc32'");
        StringAssert.Contains(Fails(file.Concat(new byte[] { 0 }).ToArray()), "trailing");
        for (int len = 0; len < file.Length; len++)
        {
            StringAssert.StartsWith(Fails(file[..len]), "Test file field '", $"truncated at {len}");
        }

        byte[] huge = (byte[])file.Clone();
        BitConverter.GetBytes(long.MaxValue).CopyTo(huge, 12);
        StringAssert.Contains(Fails(huge), "field 'payload_length'");
    }

    [TestMethod]
    public void AFrameOnAStreamOfUnknownLengthDoesNotAllocateTheDeclaredSize()
    {
        var ms = new MemoryStream();
        FramedFile.Write(ms, "TESTFRAM", 1, new byte[10]);
        byte[] file = ms.ToArray();
        BitConverter.GetBytes(1L << 30).CopyTo(file, 12);
        long before = GC.GetAllocatedBytesForCurrentThread();
        string m = Assert.ThrowsExactly<InvalidDataException>(() => FramedFile.Read(new NonSeekable(file), "TESTFRAM", 1, "Test file")).Message;
        Assert.IsLessThan(16L << 20, GC.GetAllocatedBytesForCurrentThread() - before, "1 GiB declared, a few MB allocated at most");
        StringAssert.Contains(m, "truncated");
    }

    [TestMethod]
    public void TheFieldReaderNamesEveryFailure()
    {
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(7);
            w.Write("héllo");
            w.Write((byte)1);
            w.Write(3);
            w.Write(new byte[12]);
        }

        byte[] bytes = ms.ToArray();
        var r = new FieldReader(bytes, "Test");
        Assert.AreEqual(7, r.Int32("a"));
        Assert.AreEqual("héllo", r.String("b"));
        Assert.IsTrue(r.Boolean("c"));
        Assert.HasCount(3, r.Floats("d", r.Count("n", 10, 4)));
        r.EnsureEnd("end");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => r.Int32("past")).Message, "Test field 'past'");

        Assert.ThrowsExactly<InvalidDataException>(() => new FieldReader(new byte[] { 2 }, "T").Boolean("flag"));
        Assert.ThrowsExactly<InvalidDataException>(() => new FieldReader(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x7F }, "T").String("s"));
        Assert.ThrowsExactly<InvalidDataException>(() => new FieldReader(new byte[] { 2, 0xC3, 0x28 }, "T").String("s"));
        Assert.ThrowsExactly<InvalidDataException>(() => new FieldReader(BitConverter.GetBytes(1000), "T").Count("n", int.MaxValue, 4));
        Assert.ThrowsExactly<InvalidDataException>(() => new FieldReader(BitConverter.GetBytes(-1), "T").Count("n", 10, 1));
    }

    private sealed class NonSeekable(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
