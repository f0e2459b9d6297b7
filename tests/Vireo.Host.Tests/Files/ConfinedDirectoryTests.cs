using System.Diagnostics;
using Vireo.Host.Files;

namespace Vireo.Host.Tests.Files;

/// <summary>Names resolved beneath a directory: links out of it refused, special files never opened, with openat2 and with the O_NOFOLLOW walk.</summary>
public sealed class ConfinedDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-confined-").FullName;
    private readonly string _pool;
    private readonly string _outside;

    public ConfinedDirectoryTests()
    {
        _pool = Path.Combine(_root, "pool");
        Directory.CreateDirectory(_pool);
        _outside = Path.Combine(_root, "outside.img");
        File.WriteAllText(_outside, "secret");
        File.WriteAllText(Path.Combine(_pool, "disk.img"), "inside");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<bool> Modes() => [true, false];

    [Fact]
    public void This_kernel_has_openat2() => Assert.True(ConfinedDirectory.Openat2Available, "openat2 (Linux 5.6+) is missing: the O_NOFOLLOW walk is in use");

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_file_inside_opens_and_reads(bool openat2)
    {
        using var dir = ConfinedDirectory.Open(_pool, openat2);
        using var h = dir.OpenFile("disk.img", FileAccess.Read);
        var buf = new byte[6];
        Assert.Equal(6, RandomAccess.Read(h, buf, 0));
        Assert.Equal("inside"u8.ToArray(), buf);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void An_absolute_symlink_out_of_the_directory_is_refused_and_the_target_untouched(bool openat2)
    {
        File.CreateSymbolicLink(Path.Combine(_pool, "evil.img"), _outside);
        using var dir = ConfinedDirectory.Open(_pool, openat2);
        Assert.Throws<PathEscapeException>(() => dir.OpenFile("evil.img", FileAccess.ReadWrite));
        Assert.Equal("secret", File.ReadAllText(_outside));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_relative_symlink_climbing_out_is_refused(bool openat2)
    {
        File.CreateSymbolicLink(Path.Combine(_pool, "up.img"), "../outside.img");
        using var dir = ConfinedDirectory.Open(_pool, openat2);
        Assert.Throws<PathEscapeException>(() => dir.OpenFile("up.img", FileAccess.Read));
        Assert.Throws<PathEscapeException>(() => dir.Locate("../outside.img"));
    }

    [Fact]
    public void A_symlink_that_stays_inside_is_followed_with_openat2_but_not_by_the_walk()
    {
        File.CreateSymbolicLink(Path.Combine(_pool, "alias.img"), "disk.img");
        using (var dir = ConfinedDirectory.Open(_pool))
        using (dir.OpenFile("alias.img", FileAccess.Read)) { }
        using var walk = ConfinedDirectory.Open(_pool, useOpenat2: false);
        Assert.Throws<PathEscapeException>(() => walk.OpenFile("alias.img", FileAccess.Read));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_fifo_is_refused_without_blocking(bool openat2)
    {
        Mkfifo(Path.Combine(_pool, "pipe"));
        using var dir = ConfinedDirectory.Open(_pool, openat2);
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<IOException>(() => dir.OpenFile("pipe", FileAccess.Read));
        Assert.Contains("is a FIFO, not a regular file", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Equal(FileKind.Fifo, dir.Lstat("pipe")!.Kind);
    }

    [Fact]
    public void A_directory_and_a_character_device_are_not_files()
    {
        Directory.CreateDirectory(Path.Combine(_pool, "sub"));
        using var dir = ConfinedDirectory.Open(_pool);
        Assert.Contains("is a directory", Assert.Throws<IOException>(() => dir.OpenFile("sub", FileAccess.Read)).Message);
        using var dev = ConfinedDirectory.Open("/dev");
        Assert.Contains("is a character device", Assert.Throws<IOException>(() => dev.OpenFile("null", FileAccess.Read)).Message);
    }

    [Fact]
    public void Create_never_goes_through_an_existing_name_or_a_dangling_symlink()
    {
        var target = Path.Combine(_root, "created-through-link");
        File.CreateSymbolicLink(Path.Combine(_pool, "dangling"), target);
        using var dir = ConfinedDirectory.Open(_pool);
        Assert.Throws<IOException>(() => dir.CreateFile("dangling", (UnixFileMode)0b110_100_100));
        Assert.False(File.Exists(target));
        Assert.Throws<IOException>(() => dir.CreateFile("disk.img", (UnixFileMode)0b110_100_100));
        using (var h = dir.CreateFile("new.img", (UnixFileMode)0b110_100_100))
            RandomAccess.Write(h, "x"u8, 0);
        Assert.Equal("x", File.ReadAllText(Path.Combine(_pool, "new.img")));
    }

    [Fact]
    public void Names_must_be_single_components()
    {
        using var dir = ConfinedDirectory.Open(_pool);
        foreach (var bad in new[] { "", ".", "..", "a/b", "/etc/passwd" })
            Assert.Throws<PathEscapeException>(() => dir.Delete(bad));
    }

    [Fact]
    public void Deleting_a_symlink_removes_the_link_only_and_a_full_directory_says_so()
    {
        File.CreateSymbolicLink(Path.Combine(_pool, "evil.img"), _outside);
        Directory.CreateDirectory(Path.Combine(_pool, "full"));
        File.WriteAllText(Path.Combine(_pool, "full", "f"), "");
        using var dir = ConfinedDirectory.Open(_pool);
        dir.Delete("evil.img");
        Assert.Equal("secret", File.ReadAllText(_outside));
        var e = Assert.Throws<IOException>(() => dir.DeleteDirectory("full"));
        Assert.Contains("Directory not empty", e.Message);
        Assert.Equal(Vireo.Host.Interop.PathSyscalls.ENOTEMPTY, e.HResult);
    }

    [Fact]
    public void Names_lists_every_entry_without_opening_them()
    {
        Mkfifo(Path.Combine(_pool, "pipe"));
        using var dir = ConfinedDirectory.Open(_pool);
        Assert.Equal(["disk.img", "pipe"], dir.Names());
    }

    internal static void Mkfifo(string path)
    {
        using var p = Process.Start("mkfifo", [path]);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }
}
