using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Vireo.Host.Interop;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Daemon;

/// <summary>
/// What vireod checks before it serves anything: --listen only with a proper token file, and an API
/// socket that is never reachable with more than its 0660, even when vireod is started with umask 0.
/// </summary>
public sealed class ListenerStartupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-start-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Process StartVireod(string root, string umask, params string[] args)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"umask {umask}; exec \"$0\" \"$@\"");
        foreach (var a in new[] { "dotnet", "exec", Repo.Daemon, "--root", root, "--no-default-network" }.Concat(args)) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private async Task<(int Exit, string Err)> RefusedStart(params string[] args)
    {
        var root = Path.Combine(_dir, "root");
        using var p = StartVireod(root, "022", args);
        var err = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(Directory.Exists(root), "a refused vireod created its state directories");
        return (p.ExitCode, await err);
    }

    [Fact]
    public async Task Listen_is_refused_without_a_token_file_or_with_one_others_may_read()
    {
        Assert.Equal((1, "vireod: cannot start: --listen 127.0.0.1:16598 needs --token-file FILE (or token_file in vireod.conf): the TCP listener serves nothing without a bearer token\n"),
            await RefusedStart("--listen", "127.0.0.1:16598"));
        var token = Path.Combine(_dir, "token");
        File.WriteAllText(token, "mK4nJ9bH2vG7cF1xD6zS0aQ5wE8rT3yU\n");
        File.SetUnixFileMode(token, (UnixFileMode)0b110_100_100);
        var (exit, err) = await RefusedStart("--listen", "127.0.0.1:16598", "--token-file", token);
        Assert.Equal(1, exit);
        Assert.Contains($"refusing the token file '{token}': its mode is 0644: its group and others may use it", err);
        File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        LibC.Chown(token, 65534, -1);
        Assert.Contains("it is owned by uid 65534, not by root", (await RefusedStart("--listen", "127.0.0.1:16598", "--token-file", token)).Err);
    }

    [Fact]
    public async Task The_socket_appears_by_rename_already_0660_even_under_umask_0()
    {
        var root = Path.Combine(_dir, "root");
        var runDir = Path.Combine(root, "run/vireo");
        Directory.CreateDirectory(runDir);
        using var watch = new DirectoryWatch(runDir);
        using var p = StartVireod(root, "000");
        try
        {
            var pidFile = Path.Combine(runDir, "vireod.pid");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(pidFile))
            {
                if (p.HasExited) Assert.Fail("vireod exited: " + await p.StandardError.ReadToEndAsync());
                Assert.True(DateTime.UtcNow < deadline, "vireod did not start");
                await Task.Delay(50);
            }
            var events = watch.Drain();
            // bind(2) under umask 0 makes a 0777 socket: it must never be created at its public name.
            Assert.DoesNotContain(("vireod.sock", "created"), events);
            Assert.Contains(("vireod.sock", "moved in"), events);
            Assert.Equal(ApiSocket(), LibC.StatFile(Path.Combine(runDir, "vireod.sock")).Permissions);
            Assert.False(Directory.Exists(Path.Combine(runDir, ".vireod-bind")));
            // Nor may anyone replace it: vireod's directories are not writable by others whatever its umask.
            Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(Path.Combine(root, "run/vireo/qemu")) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
        }
        finally
        {
            LibC.kill(p.Id, LibC.SIGTERM);
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static UnixFileMode ApiSocket() => UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>inotify on one directory: the names created in it and renamed into it, in order.</summary>
    private sealed class DirectoryWatch : IDisposable
    {
        private const uint IN_MOVED_TO = 0x80, IN_CREATE = 0x100;
        private const int IN_NONBLOCK = 0x800;
        private readonly int _fd;

        public DirectoryWatch(string dir)
        {
            _fd = inotify_init1(IN_NONBLOCK);
            Assert.True(_fd >= 0 && inotify_add_watch(_fd, dir, IN_CREATE | IN_MOVED_TO) >= 0, "inotify: " + Marshal.GetLastPInvokeError());
        }

        public List<(string Name, string What)> Drain()
        {
            var events = new List<(string, string)>();
            var buf = new byte[64 * 1024];
            nint n;
            while ((n = read(_fd, buf, buf.Length)) > 0)
                for (var at = 0; at < n;)
                {
                    var mask = BitConverter.ToUInt32(buf, at + 4);
                    var len = BitConverter.ToInt32(buf, at + 12);
                    var name = Encoding.UTF8.GetString(buf, at + 16, len).TrimEnd('\0');
                    events.Add((name, (mask & IN_MOVED_TO) != 0 ? "moved in" : "created"));
                    at += 16 + len;
                }
            return events;
        }

        public void Dispose() => LibC.close(_fd);

        [DllImport("libc", SetLastError = true)] private static extern int inotify_init1(int flags);
        [DllImport("libc", SetLastError = true)] private static extern int inotify_add_watch(int fd, string path, uint mask);
        [DllImport("libc", SetLastError = true)] private static extern nint read(int fd, byte[] buf, nint count);
    }
}
