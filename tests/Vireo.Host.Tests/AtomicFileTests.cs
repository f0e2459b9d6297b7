using Vireo.Host.Files;

namespace Vireo.Host.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_file_gets_its_mode_and_no_temp_file_is_left()
    {
        var path = Path.Combine(_dir, "secret.xml");
        AtomicFile.WriteAllText(path, "a", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        AtomicFile.WriteAllText(path, "b", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("b", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(["secret.xml"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Without_a_mode_the_file_is_world_readable_as_before()
    {
        var path = Path.Combine(_dir, "plain");
        AtomicFile.WriteAllText(path, "x");
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Leftovers_are_found_below_the_directory()
    {
        var sub = Directory.CreateDirectory(Path.Combine(_dir, "qemu")).FullName;
        File.WriteAllText(Path.Combine(sub, $".x.xml.1.{Guid.NewGuid():N}.tmp"), "");
        File.WriteAllText(Path.Combine(sub, ".x.xml.tmp"), "");
        Assert.Equal(1, AtomicFile.RemoveLeftovers(_dir));
        Assert.Equal([".x.xml.tmp"], Directory.GetFiles(sub).Select(Path.GetFileName));
    }
}
