using System;
using System.IO;

namespace MLNet.Optimizers.MLNet;

/// <summary>Writes a file so that it is either the old file or the complete new one: a temporary file in the same folder, flushed, then renamed over it.</summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> atomically.</summary>
    /// <param name="path">The file.</param>
    /// <param name="write">Writes the contents.</param>
    /// <exception cref="IOException">The file cannot be written (the old file, if any, is untouched).</exception>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                write(f);
                f.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
