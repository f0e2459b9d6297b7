using System.Diagnostics;
using Vireo.Host.Files;

namespace Vireo.Host.Tests.Files;

public sealed class LogFilesTests : IDisposable
{
    private const UnixFileMode Mode0600 = (UnixFileMode)0b110_000_000;
    private const UnixFileMode Mode0640 = (UnixFileMode)0b110_100_000;
    private const UnixFileMode Mode0644 = (UnixFileMode)0b110_100_100;
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-logs-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Log(string name = "a.log") => Path.Combine(_dir, name);

    private static int GroupOf(string path)
    {
        var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%g", path]) { RedirectStandardOutput = true })!;
        var text = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return int.Parse(text.Trim());
    }

    [Fact]
    public void A_new_log_is_0600_and_holds_what_was_appended()
    {
        LogFiles.Private.Append(Log(), "one\n");
        LogFiles.Private.Append(Log(), "two\n");
        Assert.Equal(Mode0600, File.GetUnixFileMode(Log()));
        Assert.Equal("one\ntwo\n", File.ReadAllText(Log()));
    }

    [Fact]
    public void An_existing_world_readable_log_is_made_private_and_kept()
    {
        File.WriteAllText(Log(), "old\n");
        File.SetUnixFileMode(Log(), Mode0644);
        LogFiles.Private.Ensure(Log());
        Assert.Equal(Mode0600, File.GetUnixFileMode(Log()));
        Assert.Equal("old\n", File.ReadAllText(Log()));
    }

    [Fact]
    public void Narrowing_an_old_logs_mode_reaches_the_log_and_a_new_log_does_not()
    {
        var log = new LogRecorder<LogFiles>();
        var files = new LogFiles(null, log);
        files.Ensure(Log());
        Assert.Empty(log.Lines);
        File.SetUnixFileMode(Log(), Mode0644);
        files.Ensure(Log());
        Assert.Equal([$"Log file {Log()} had mode 0644, wider than the log mode 0600: narrowed"], log.With(4010));
    }

    [SkippableFact]
    public void With_a_log_group_logs_are_0640_and_belong_to_it()
    {
        HostLimit.NotRoot.SkipIf(Environment.UserName != "root", "giving a file to a group needs root");
        var logs = new LogFiles("adm");
        Assert.Equal(Mode0640, logs.Mode);
        logs.Append(Log(), "x\n");
        Assert.Equal(Mode0640, File.GetUnixFileMode(Log()));
        Assert.Equal(4, GroupOf(Log()));
        // Numeric groups as libvirt takes them: "+N" is always the number N.
        new LogFiles("+0").Ensure(Log());
        Assert.Equal(0, GroupOf(Log()));
    }

    [Fact]
    public void An_unknown_group_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => new LogFiles("no-such-group-vireo"));
        Assert.Equal("log group 'no-such-group-vireo' does not exist (vireod.conf log_group)", e.Message);
    }

    [Fact]
    public void A_symlink_in_place_of_a_log_is_refused_and_its_target_untouched()
    {
        var target = Log("target");
        File.WriteAllText(target, "secret\n");
        File.SetUnixFileMode(target, Mode0644);
        File.CreateSymbolicLink(Log(), target);
        var e = Assert.Throws<IOException>(() => LogFiles.Private.Append(Log(), "x\n"));
        Assert.StartsWith($"cannot open log file '{Log()}': ", e.Message);
        Assert.Equal("secret\n", File.ReadAllText(target));
        Assert.Equal(Mode0644, File.GetUnixFileMode(target));
    }

    [Fact]
    public void A_fifo_in_place_of_a_log_fails_at_once_instead_of_blocking()
    {
        Process.Start("mkfifo", [Log()])!.WaitForExit();
        var e = Assert.Throws<IOException>(() => LogFiles.Private.Append(Log(), "x\n"));
        Assert.StartsWith($"cannot open log file '{Log()}': ", e.Message);
        // With a reader it opens, and is still refused for not being a regular file (O_RDWR: a reader that does not wait for a writer).
        using var reader = new FileStream(Log(), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        e = Assert.Throws<IOException>(() => LogFiles.Private.Append(Log(), "x\n"));
        Assert.Equal($"log file '{Log()}' is not a regular file", e.Message);
    }
}
