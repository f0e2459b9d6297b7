using System.Diagnostics;
using System.Net.Sockets;
using Vireo.Core.Paths;
using Vireo.Core.Storage;
using Vireo.Images.Qcow2;
using Vireo.Storage.Files;

namespace Vireo.Storage.Tests.Files;

/// <summary>A pool directory and, beside it, an "outside" directory whose files no volume operation may touch.</summary>
public abstract class PoolDirFixture : IDisposable
{
    protected readonly string Root = Directory.CreateTempSubdirectory("vireo-pool-").FullName;

    protected PoolDirFixture()
    {
        Directory.CreateDirectory(Pool);
        Directory.CreateDirectory(Outside);
    }

    protected string Pool => Path.Combine(Root, "pool");
    protected string Outside => Path.Combine(Root, "outside");

    /// <summary>Everything below the fixture's root is allowed; the pool's own tests decide what lies outside it.</summary>
    protected GuestPathPolicy AllowRoot => new([Root], []);

    public void Dispose() => Directory.Delete(Root, recursive: true);

    protected VolumeRecord Volume(string name) =>
        FileVolumes.Scan(Pool).FirstOrDefault(v => v.Name == name) ?? throw new InvalidOperationException($"volume '{name}' not listed");

    protected static StorageVolumeDefinition Def(string xml) => StorageVolumeDefinition.Parse(xml);

    protected static async Task Qcow2Async(string path, long size, string? backing = null, string? backingFormat = null)
    {
        var o = new Qcow2CreateOptions { Size = size, BackingFile = backing, BackingFormat = backingFormat };
        await using var b = Qcow2Builder.Create(path, o);
        await b.FinishAsync();
    }

    protected static void Mkfifo(string path)
    {
        using var p = Process.Start("mkfifo", [path]);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    protected static Socket UnixSocket(string path)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Bind(new UnixDomainSocketEndPoint(path));
        return s;
    }
}
