namespace Vireo.Host.Files;

/// <summary>Writes files so a crash leaves either the old or the new content, never half: temp file, fsync, rename.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string content, UnixFileMode? mode = null) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(content), mode);

    public static void WriteAllBytes(string path, byte[] bytes, UnixFileMode? mode = null)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                if (mode is { } m) File.SetUnixFileMode(fs.SafeFileHandle, m);
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }
}
