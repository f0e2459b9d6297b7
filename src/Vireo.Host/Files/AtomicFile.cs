using Vireo.Host.Interop;

namespace Vireo.Host.Files;

/// <summary>
/// Writes files so a crash leaves either the old or the new content, never half: temp file (private from
/// the moment it exists), fsync, rename, fsync of the directory. A crash between the first and the last
/// step leaves a temp file named <c>.NAME.PID.RANDOM.tmp</c>, which <see cref="RemoveLeftovers"/> removes.
/// </summary>
public static class AtomicFile
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void WriteAllText(string path, string content, UnixFileMode? mode = null) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(content), mode);

    /// <param name="mode">The file's mode; without one it is 0644, as files vireod writes always were.</param>
    public static void WriteAllBytes(string path, byte[] bytes, UnixFileMode? mode = null)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, UnixCreateMode = Private };
            using (var fs = new FileStream(tmp, options))
            {
                // The umask cannot widen 0600; the final mode is set on the descriptor before anyone can see the name.
                File.SetUnixFileMode(fs.SafeFileHandle, mode ?? (Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead));
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
        LibC.SyncDirectory(dir);
    }

    /// <summary>Deletes the temp files a crashed writer left in <paramref name="dir"/> and below; returns how many.</summary>
    public static int RemoveLeftovers(string dir)
    {
        if (!Directory.Exists(dir)) return 0;
        var removed = 0;
        foreach (var f in Directory.EnumerateFiles(dir, ".*.tmp", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (!IsOurTempName(Path.GetFileName(f))) continue;
            File.Delete(f);
            removed++;
        }
        return removed;
    }

    /// <summary>".NAME.PID.32HEX.tmp", as <see cref="WriteAllBytes"/> names them.</summary>
    private static bool IsOurTempName(string name)
    {
        var parts = name[..^".tmp".Length].Split('.');
        return parts.Length >= 4 && parts[^1].Length == 32 && parts[^1].All(Uri.IsHexDigit) && int.TryParse(parts[^2], out _);
    }
}
