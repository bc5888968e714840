using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Cli.Output;

/// <summary>Output folders and atomic text files.</summary>
internal static class OutputFiles
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Creates a folder (and its parents) or fails with exit code 73.</summary>
    /// <param name="path">The folder.</param>
    /// <param name="flag">The flag that named it.</param>
    public static void EnsureDirectory(string path, string flag)
    {
        if (File.Exists(path))
        {
            throw new CliException(ExitCodes.CannotCreate, $"{flag}: '{path}' is a file; expected a folder.");
        }

        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new CliException(ExitCodes.CannotCreate, $"{flag}: cannot create the folder '{path}': {e.Message}", e);
        }
    }

    /// <summary>Creates the folder of a file path (if it has one) or fails with exit code 73.</summary>
    /// <param name="file">The file.</param>
    /// <param name="flag">The flag that named it.</param>
    public static void EnsureParent(string file, string flag)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(file));
        if (!string.IsNullOrEmpty(dir))
        {
            EnsureDirectory(dir, flag);
        }
    }

    /// <summary>Checks an output file path before any work: not a folder, and its folder exists or is created; else exit code 73.</summary>
    /// <param name="file">The file.</param>
    /// <param name="flag">The flag that named it.</param>
    public static void EnsureOutputFile(string file, string flag)
    {
        if (Directory.Exists(file))
        {
            throw new CliException(ExitCodes.CannotCreate, $"{flag}: '{file}' is a folder; expected a file.");
        }

        EnsureParent(file, flag);
    }

    /// <summary>Indented JSON text with a final line end.</summary>
    /// <param name="node">The node.</param>
    /// <returns>The text.</returns>
    public static string JsonText(JsonNode node) => node.ToJsonString(Indented) + "\n";

    /// <summary>Writes a text file atomically (temporary file in the same folder, then renamed over the target).</summary>
    /// <param name="path">The file.</param>
    /// <param name="text">The content (UTF-8, no byte order mark).</param>
    public static void WriteText(string path, string text) => Write(path, s =>
    {
        byte[] bytes = new UTF8Encoding(false).GetBytes(text);
        s.Write(bytes, 0, bytes.Length);
    });

    /// <summary>Writes a file atomically (the library's one atomic-write helper, <see cref="global::MLNet.Optimizers.IO.AtomicFile"/>).</summary>
    /// <param name="path">The file.</param>
    /// <param name="write">Writes the content.</param>
    /// <exception cref="CliException">It cannot be written (exit code 73); the file is unchanged.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        try
        {
            global::MLNet.Optimizers.IO.AtomicFile.Write(path, write);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.CannotCreate, $"cannot write '{path}': {e.Message}", e);
        }
    }
}

/// <summary>
/// A run's output folder: created when the run starts writing, and on interruption removed again when the run created
/// it (or left as it was when it existed before: a run writes its files only once training has finished).
/// </summary>
internal sealed class OutputFolder
{
    private OutputFolder(string path, bool created)
    {
        Path = path;
        Created = created;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>Whether this run created it.</summary>
    public bool Created { get; }

    /// <summary>Creates the folder (and its parents) unless it exists, or fails with exit code 73.</summary>
    /// <param name="path">The folder.</param>
    /// <param name="flag">The flag that named it.</param>
    /// <returns>The folder.</returns>
    public static OutputFolder Open(string path, string flag)
    {
        bool existed = Directory.Exists(path);
        OutputFiles.EnsureDirectory(path, flag);
        return new OutputFolder(path, !existed);
    }

    /// <summary>
    /// Undoes the folder after an interruption: removed when this run created it and it holds nothing but
    /// <paramref name="keep"/>-free content; says what happened, for the one-line message.
    /// </summary>
    /// <param name="keep">A file in the folder to keep (the checkpoint), or null.</param>
    /// <returns>A phrase: "removed the output folder 'X' it had created", "the output folder 'X' is as it was", ...</returns>
    public string Abandon(string? keep)
    {
        string full = System.IO.Path.GetFullPath(Path);
        bool keepInside = keep != null && File.Exists(keep) && System.IO.Path.GetFullPath(keep).StartsWith(full + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (!Created)
        {
            return $"the output folder '{Path}' is as it was (nothing is written before training ends)";
        }

        if (keepInside)
        {
            return $"kept the output folder '{Path}' for the checkpoint '{keep}'";
        }

        try
        {
            if (Directory.Exists(full) && !Directory.EnumerateFileSystemEntries(full).Any())
            {
                Directory.Delete(full);
                return $"removed the output folder '{Path}' it had created";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"could not remove the output folder '{Path}' it had created: {e.Message}";
        }

        return $"left the output folder '{Path}' it had created (something else wrote to it)";
    }
}
