using System;
using System.IO;
using System.Text;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>A temporary folder for data files, removed at dispose.</summary>
internal sealed class DataTempDir : IDisposable
{
    public DataTempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mlnet-data-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string content, bool bom = false)
    {
        string p = System.IO.Path.Combine(Path, name);
        File.WriteAllText(p, content, new UTF8Encoding(bom));
        return p;
    }

    public string WriteBytes(string name, byte[] content)
    {
        string p = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(p, content);
        return p;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Shared helpers of the Data* tests.</summary>
internal static class DataTestUtil
{
    public static string DataFile(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

}

