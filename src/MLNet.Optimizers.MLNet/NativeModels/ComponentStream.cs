using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MLNet.Optimizers.MLNet.Native;

/// <summary>
/// Writes one component stream of an ML.NET model file: a 256-byte header, the component's block, a string table and
/// the name of the assembly that loads it, then an 8-byte tail. The layout (offsets of each field) follows ML.NET's
/// documented model header; each component's block follows that component's "binary format". Strings are written
/// once each, in order of first use, and referred to by their index, as ML.NET's string pool does.
/// </summary>
internal sealed class ComponentStream
{
    // "ML\0MODEL" read as a little-endian 64-bit number, and the tail "LEDOM\0LM".
    private const ulong HeaderSignature = 0x4C45444F4D004C4DUL;
    private const ulong TailSignature = 0x4D4C004D4F44454CUL;

    // Version of the header layout that carries the loader assembly's name.
    private const uint HeaderVersion = 0x00010002;
    private const int HeaderSize = 0x100;

    private readonly MemoryStream _block = new();
    private readonly List<string> _strings = new();
    private readonly Dictionary<string, int> _stringIds = new(StringComparer.Ordinal);

    /// <summary>Starts a component stream.</summary>
    /// <param name="modelSignature">The component's 8-character format signature (spaces are stored as zero bytes).</param>
    /// <param name="versionWritten">The component format version written.</param>
    /// <param name="versionReadable">The oldest reader version that can read it.</param>
    /// <param name="loaderSignature">The component's loader signature (at most 24 ASCII characters).</param>
    /// <param name="loaderAssemblyName">The full name of the assembly that loads it.</param>
    public ComponentStream(string modelSignature, uint versionWritten, uint versionReadable, string loaderSignature, string loaderAssemblyName)
    {
        if (modelSignature.Length != 8)
        {
            throw new ArgumentException($"A model signature has 8 characters, got '{modelSignature}'.", nameof(modelSignature));
        }

        if (loaderSignature.Length > 24)
        {
            throw new ArgumentException($"A loader signature has at most 24 characters, got '{loaderSignature}'.", nameof(loaderSignature));
        }

        ModelSignature = modelSignature;
        VersionWritten = versionWritten;
        VersionReadable = versionReadable;
        LoaderSignature = loaderSignature;
        LoaderAssemblyName = loaderAssemblyName;
        Writer = new BinaryWriter(_block, Encoding.UTF8, leaveOpen: true);
    }

    /// <summary>The component's format signature.</summary>
    public string ModelSignature { get; }

    /// <summary>The component format version written.</summary>
    public uint VersionWritten { get; }

    /// <summary>The oldest reader version that can read it.</summary>
    public uint VersionReadable { get; }

    /// <summary>The loader signature.</summary>
    public string LoaderSignature { get; }

    /// <summary>The loader assembly's full name.</summary>
    public string LoaderAssemblyName { get; }

    /// <summary>Writes the component's block (little-endian).</summary>
    public BinaryWriter Writer { get; }

    /// <summary>Writes the id of <paramref name="value"/> in the string table (adding it on first use), or -1 for null.</summary>
    /// <param name="value">The string, or null.</param>
    public void WriteStringOrNull(string? value)
    {
        if (value is null)
        {
            Writer.Write(-1);
            return;
        }

        if (!_stringIds.TryGetValue(value, out int id))
        {
            id = _strings.Count;
            _strings.Add(value);
            _stringIds.Add(value, id);
        }

        Writer.Write(id);
    }

    /// <summary>The complete stream: header, block, string table, assembly name, tail.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToArray()
    {
        Writer.Flush();
        byte[] block = _block.ToArray();
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true);
        w.Write(new byte[HeaderSize]);
        w.Write(block);

        long fpStringTable = 0, cbStringTable = 0, fpStringChars = 0, cbStringChars = 0;
        if (_strings.Count > 0)
        {
            fpStringTable = ms.Position;
            long end = 0;
            foreach (string s in _strings)
            {
                end += s.Length * sizeof(char);
                w.Write(end);
            }

            cbStringTable = _strings.Count * sizeof(long);
            fpStringChars = ms.Position;
            foreach (string s in _strings)
            {
                WriteUtf16(w, s);
            }

            cbStringChars = ms.Position - fpStringChars;
        }

        long fpAssemblyName = 0;
        uint cbAssemblyName = 0;
        if (LoaderAssemblyName.Length > 0)
        {
            fpAssemblyName = ms.Position;
            cbAssemblyName = (uint)(LoaderAssemblyName.Length * sizeof(char));
            WriteUtf16(w, LoaderAssemblyName);
        }

        long fpTail = ms.Position;
        w.Write(TailSignature);
        long fpLim = ms.Position;

        // The header, field by field at its fixed offsets; unused bytes stay zero.
        w.Seek(0, SeekOrigin.Begin);
        w.Write(HeaderSignature); // 0x00
        w.Write(HeaderVersion); // 0x08 written
        w.Write(HeaderVersion); // 0x0C readable
        w.Write((long)HeaderSize); // 0x10 model block offset
        w.Write((long)block.Length); // 0x18 model block size
        w.Write(fpStringTable); // 0x20
        w.Write(cbStringTable); // 0x28
        w.Write(fpStringChars); // 0x30
        w.Write(cbStringChars); // 0x38
        w.Write(PackAscii(ModelSignature, spaceAsZero: true)); // 0x40
        w.Write(VersionWritten); // 0x48
        w.Write(VersionReadable); // 0x4C
        WriteAscii24(w, LoaderSignature); // 0x50..0x67
        WriteAscii24(w, string.Empty); // 0x68..0x7F: no alternate loader signature
        w.Write(fpTail); // 0x80
        w.Write(fpLim); // 0x88
        w.Write(fpAssemblyName); // 0x90
        w.Write(cbAssemblyName); // 0x98
        w.Flush();
        return ms.ToArray();
    }

    private static void WriteUtf16(BinaryWriter w, string s)
    {
        foreach (char ch in s)
        {
            w.Write((short)ch);
        }
    }

    private static ulong PackAscii(string s, bool spaceAsZero)
    {
        ulong v = 0;
        for (int i = 0; i < s.Length && i < 8; i++)
        {
            char ch = s[i];
            if (ch > 0x7F)
            {
                throw new ArgumentException($"Signatures are ASCII, got '{s}'.", nameof(s));
            }

            if (!(spaceAsZero && ch == ' '))
            {
                v |= (ulong)ch << (i * 8);
            }
        }

        return v;
    }

    private static void WriteAscii24(BinaryWriter w, string s)
    {
        for (int part = 0; part < 3; part++)
        {
            string chunk = s.Length > part * 8 ? s.Substring(part * 8, Math.Min(8, s.Length - (part * 8))) : string.Empty;
            w.Write(PackAscii(chunk, spaceAsZero: false));
        }
    }
}
