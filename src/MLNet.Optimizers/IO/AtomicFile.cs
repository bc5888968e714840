using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace MLNet.Optimizers.IO;

/// <summary>
/// Writes a file so that, whatever happens during the write (an exception, a full disk, the process killed), the
/// target is afterwards either as it was (absent or the old file) or the complete new file — never half-written.
/// Every file output of the library goes through it.
/// </summary>
/// <remarks>
/// <para>
/// The content goes to a temporary file beside the target, named <c>&lt;target&gt;.&lt;32 hex digits&gt;.tmp</c>,
/// which is flushed to disk and then renamed over the target (an atomic replace on the same file system). A write
/// that fails deletes its temporary file; a process killed during a write leaves it behind, and the next save of the
/// same target removes it. While a temporary file is being written it is held open exclusively
/// (<see cref="FileShare.None"/>, an advisory lock on Unix that the kernel drops when the process dies), so a save
/// never removes the temporary file of another save of the same target that is still running.
/// </para>
/// <para>
/// The folder must exist. Two processes saving the same target at the same time each leave a complete file; the last
/// rename wins.
/// </para>
/// </remarks>
public static class AtomicFile
{
    /// <summary>The suffix of temporary files.</summary>
    public const string TempSuffix = ".tmp";

    private const int TempIdLength = 32;

    /// <summary>Writes <paramref name="path"/> atomically with the content <paramref name="write"/> puts in the stream.</summary>
    /// <param name="path">The target file (its folder must exist).</param>
    /// <param name="write">Writes the content (the stream is a new, empty file; do not dispose it).</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written (the target is unchanged).</exception>
    /// <exception cref="UnauthorizedAccessException">No permission (the target is unchanged).</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        RemoveStaleTemporaries(full);
        string temp = full + "." + Guid.NewGuid().ToString("N") + TempSuffix;
        FileStream? f = null;
        try
        {
            f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            write(f);
            f.Flush(flushToDisk: true);
            if (OperatingSystem.IsWindows())
            {
                // Windows cannot rename a file that is open without FILE_SHARE_DELETE.
                f.Dispose();
                f = null;
            }

            // On Unix the temporary file stays locked until it has its final name: no other save can take it for stale.
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            f?.Dispose();
            if (File.Exists(temp))
            {
                TryDelete(temp);
            }
        }
    }

    /// <summary>Writes bytes atomically.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="bytes">The content.</param>
    /// <exception cref="IOException">The file cannot be written (the target is unchanged).</exception>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, s => s.Write(bytes, 0, bytes.Length));
    }

    /// <summary>Writes text atomically as UTF-8 without a byte-order mark.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="text">The content.</param>
    /// <exception cref="IOException">The file cannot be written (the target is unchanged).</exception>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text));
    }

    /// <summary>Whether <paramref name="fileName"/> is a temporary file of a save of <paramref name="targetFileName"/> (same folder).</summary>
    /// <param name="fileName">A file name (no folder).</param>
    /// <param name="targetFileName">The target's file name (no folder).</param>
    /// <returns>True for <c>&lt;target&gt;.&lt;32 hex digits&gt;.tmp</c>.</returns>
    public static bool IsTemporaryOf(string fileName, string targetFileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(targetFileName);
        int expected = targetFileName.Length + 1 + TempIdLength + TempSuffix.Length;
        if (fileName.Length != expected
            || !fileName.StartsWith(targetFileName, StringComparison.Ordinal)
            || fileName[targetFileName.Length] != '.'
            || !fileName.EndsWith(TempSuffix, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> id = fileName.AsSpan(targetFileName.Length + 1, TempIdLength);
        foreach (char c in id)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Removes temporary files left beside <paramref name="fullPath"/> by saves that did not finish (a killed
    /// process). A temporary file that another save still holds open is left alone.
    /// </summary>
    /// <param name="fullPath">The target's full path.</param>
    private static void RemoveStaleTemporaries(string fullPath)
    {
        string? folder = Path.GetDirectoryName(fullPath);
        string name = Path.GetFileName(fullPath);
        if (folder is null || !Directory.Exists(folder))
        {
            return;
        }

        string[] candidates;
        try
        {
            candidates = Directory.GetFiles(folder, name + ".*" + TempSuffix);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (string candidate in candidates)
        {
            if (!IsTemporaryOf(Path.GetFileName(candidate), name))
            {
                continue;
            }

            try
            {
                // Taking the exclusive lock proves no running save owns it; delete it while holding the lock.
                using var probe = new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.Delete);
                File.Delete(candidate);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // In use by a running save, or already gone.
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next save of the target removes it.
            System.Diagnostics.Trace.TraceWarning(string.Create(CultureInfo.InvariantCulture, $"could not delete the temporary file '{path}': {e.Message}"));
        }
    }
}
