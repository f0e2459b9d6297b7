using System.Diagnostics;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

/// <summary>
/// A VNC password set on a real guest, then changed over QMP and HMP: it reaches QEMU, never the domain log;
/// the domain and console logs are 0640 to the configured log group (and an old 0644 log is fixed).
/// </summary>
[Collection("vm")]
public sealed class SecretLogTests : IAsyncLifetime
{
    private const string Password = "Vnc-Pa55-7c1e";
    private DaemonFixture _d = null!;

    private string LogDir => Path.Combine(_d.Root, "var/log/vireo/qemu");

    public async Task InitializeAsync()
    {
        var why = Guest.Unavailable();
        Skip.If(why is not null, why);
        _d = new DaemonFixture();
        Directory.CreateDirectory(Path.Combine(_d.Root, "etc/vireo"));
        await File.WriteAllTextAsync(Path.Combine(_d.Root, "etc/vireo/vireod.conf"), "log_group = \"adm\"\n");
        await _d.StartDaemonAsync();
    }

    public async Task DisposeAsync()
    {
        if (_d is not null) await _d.DisposeAsync();
    }

    private static string ModeAndGroup(string path)
    {
        var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%a %G", path]) { RedirectStandardOutput = true })!;
        var text = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return text.Trim();
    }

    [SkippableFact]
    public async Task The_vnc_password_never_reaches_the_domain_log_and_logs_are_private()
    {
        var xml = Path.Combine(_d.Root, "s1.xml");
        await File.WriteAllTextAsync(xml, Guest.Xml("s1", $"<graphics type='vnc' port='-1' autoport='yes' passwd='{Password}'/>"));
        (await _d.Vireo("define", xml)).Ok();
        Directory.CreateDirectory(LogDir);
        var log = Path.Combine(LogDir, "s1.log");
        await File.WriteAllTextAsync(log, "a log from an older vireod\n");
        File.SetUnixFileMode(log, (UnixFileMode)0b110_100_100);

        (await _d.Vireo("start", "s1")).Ok();
        (await _d.Vireo("qemu-monitor-command", "s1", $"{{\"execute\":\"change-vnc-password\",\"arguments\":{{\"password\":\"{Password}-2\"}}}}")).Ok();
        (await _d.Vireo("qemu-monitor-command", "s1", "--hmp", $"set_password vnc {Password}-3")).Ok();
        (await _d.Vireo("destroy", "s1")).Ok();

        var text = await File.ReadAllTextAsync(log);
        var sent = text.Split('\n').Where(l => l.Contains("QMP send: ")).ToList();
        Assert.True(sent.Any(l => l.Contains("\"execute\":\"set_password\"") && l.Contains("\"arguments\":{\"protocol\":\"vnc\",\"password\":\"<hidden>\"}")), text);
        Assert.Contains(sent, l => l.Contains("\"execute\":\"change-vnc-password\"") && l.Contains("\"arguments\":{\"password\":\"<hidden>\"}"));
        Assert.Contains(sent, l => l.Contains("\"command-line\":\"set_password vnc <hidden>\""));
        Assert.DoesNotContain(Password, text);
        Assert.DoesNotContain(Password, await File.ReadAllTextAsync(_d.DaemonLog));
        Assert.Equal("640 adm", ModeAndGroup(log));
        Assert.Equal("640 adm", ModeAndGroup(Path.Combine(LogDir, "s1.console.log")));
    }
}
