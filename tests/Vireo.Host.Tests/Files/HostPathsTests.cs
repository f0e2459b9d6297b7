using Vireo.Host.Files;

namespace Vireo.Host.Tests.Files;

public sealed class HostPathsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-hostpaths-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string P(string name) => Path.Combine(_root, name);

    [Fact]
    public void An_existing_path_resolves_every_symlink()
    {
        Directory.CreateDirectory(P("real"));
        File.WriteAllText(P("real/disk.img"), "");
        Directory.CreateSymbolicLink(P("link"), P("real"));
        Assert.Equal(P("real/disk.img"), HostPaths.Resolve(P("link/disk.img")));
        File.CreateSymbolicLink(P("shadow"), "/etc/hostname");
        Assert.Equal("/etc/hostname", HostPaths.Resolve(P("shadow")));
    }

    [Fact]
    public void A_file_not_created_yet_resolves_through_its_existing_parent()
    {
        Directory.CreateDirectory(P("real"));
        Directory.CreateSymbolicLink(P("logs"), "/etc");
        Assert.Equal("/etc/new.log", HostPaths.Resolve(P("logs/new.log")));
        Assert.Equal(P("real/a/b.log"), HostPaths.Resolve(P("real/a/b.log")));
    }

    [Fact]
    public void A_dangling_symlink_resolves_to_where_creating_it_would_write()
    {
        File.CreateSymbolicLink(P("abs"), "/etc/vireo-test-absent");
        File.CreateSymbolicLink(P("rel"), "sub/absent");
        Directory.CreateDirectory(P("sub"));
        Assert.Equal("/etc/vireo-test-absent", HostPaths.Resolve(P("abs")));
        Assert.Equal(P("sub/absent"), HostPaths.Resolve(P("rel")));
    }

    [Fact]
    public void A_fifo_is_named_by_stat_and_refused_by_open_without_blocking()
    {
        ConfinedDirectoryTests.Mkfifo(P("pipe"));
        Assert.Equal(FileKind.Fifo, FileStatus.Of(P("pipe"))!.Kind);
        Assert.Contains("is a FIFO", Assert.Throws<IOException>(() => HostPaths.OpenFile(P("pipe"), FileAccess.Read)).Message);
        Assert.Throws<FileNotFoundException>(() => HostPaths.OpenFile(P("absent"), FileAccess.Read));
    }

    [Fact]
    public void The_path_of_an_open_file_is_its_real_path()
    {
        File.WriteAllText(P("f"), "x");
        File.CreateSymbolicLink(P("l"), P("f"));
        using var h = HostPaths.OpenFile(P("l"), FileAccess.Read);
        Assert.Equal(P("f"), HostPaths.Of(h));
    }
}
