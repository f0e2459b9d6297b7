namespace Vireo.Daemon.Hosting;

/// <summary>
/// The API socket, ROOT/run/vireo/vireod.sock, mode 0660 from the moment it can be reached. bind(2)
/// creates a socket with the process umask (0777 under umask 0), so Kestrel binds it inside a
/// directory only root can enter; it gets its mode there and is then renamed into place, which also
/// replaces a socket left by a vireod that was killed.
/// </summary>
public sealed class ApiSocket
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    private ApiSocket(string path, string privateDir)
    {
        Path = path;
        PrivateDir = privateDir;
    }

    /// <summary>Where clients connect.</summary>
    public string Path { get; }

    /// <summary>The 0700 directory Kestrel binds in; gone once <see cref="Publish"/> ran.</summary>
    public string PrivateDir { get; }

    /// <summary>Where Kestrel binds.</summary>
    public string BindPath => System.IO.Path.Combine(PrivateDir, System.IO.Path.GetFileName(Path));

    /// <summary>Makes the private directory (removing one a killed vireod left behind).</summary>
    public static ApiSocket Prepare(string path)
    {
        var privateDir = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, ".vireod-bind");
        if (Directory.Exists(privateDir)) Directory.Delete(privateDir, recursive: true);
        Directory.CreateDirectory(privateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new ApiSocket(path, privateDir);
    }

    /// <summary>After Kestrel has bound: the socket gets its mode, then its public name.</summary>
    public void Publish()
    {
        File.SetUnixFileMode(BindPath, Mode);
        File.Move(BindPath, Path, overwrite: true);
        Directory.Delete(PrivateDir);
    }
}
