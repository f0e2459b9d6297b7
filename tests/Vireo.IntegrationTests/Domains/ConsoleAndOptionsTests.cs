using System.Diagnostics;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

public class ConsoleAndOptionsTests : VmTestBase
{
    /// <summary>The interactive console on a real pseudo-terminal (util-linux 'script' allocates it): type, read, leave with Ctrl+].</summary>
    [SkippableFact]
    public async Task Interactive_console_on_a_terminal_types_into_the_guest_and_ctrl_bracket_leaves()
    {
        Skip.IfNot(File.Exists("/usr/bin/script"), "util-linux 'script' is not installed");
        await DefineGuestAsync("tty");
        await BootAsync("tty");
        var cmd = $"{string.Join(' ', Repo.CliCommand)} -c {D.Uri} console tty";
        var psi = new ProcessStartInfo("/usr/bin/script", ["-qefc", cmd, "/dev/null"])
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        var reader = Task.Run(async () =>
        {
            var buf = new char[4096];
            int n;
            while ((n = await p.StandardOutput.ReadAsync(buf)) > 0)
                lock (output) output.Append(buf, 0, n);
        });
        async Task WaitFor(string text)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                lock (output) if (output.ToString().Contains(text)) return;
                await Task.Delay(50);
            }
            lock (output) Assert.Fail($"'{text}' never appeared on the terminal:\n{output}");
        }
        await WaitFor("Escape character is ^] (Ctrl + ])");
        await p.StandardInput.WriteAsync("echo typed-$((6*7))\r");
        await p.StandardInput.FlushAsync();
        await WaitFor("typed-42");
        await p.StandardInput.WriteAsync("\u001d");
        await p.StandardInput.FlushAsync();
        // Ctrl+] alone must end vireo (script's child) while stdin is still open.
        var left = DateTime.UtcNow.AddSeconds(30);
        while (Children(p.Id).Length > 0 && DateTime.UtcNow < left) await Task.Delay(50);
        Assert.Empty(Children(p.Id));
        p.StandardInput.Close();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, p.ExitCode);
        lock (output) Assert.Contains("Connected to domain 'tty'", output.ToString());
        Assert.Equal("running", (await D.Vireo("domstate", "tty")).Ok().Stdout.Trim());
    }

    private static string Children(int pid)
    {
        try
        {
            return string.Concat(Directory.GetDirectories($"/proc/{pid}/task")
                .Select(t => Path.Combine(t, "children")).Where(File.Exists).Select(File.ReadAllText)).Trim();
        }
        catch (IOException) { return ""; }
    }

    [SkippableFact]
    public async Task A_second_console_session_is_refused_while_one_is_open()
    {
        await DefineGuestAsync("busy");
        await BootAsync("busy");
        var release = new TaskCompletionSource();
        var first = D.VireoUntil(release.Task, "console", "busy", "--timeout", "120");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        RunResult second;
        do
        {
            await Task.Delay(100);
            second = await D.Vireo("console", "busy", "--until", "never", "--timeout", "1");
        } while (!second.Stderr.Contains("Active console session") && DateTime.UtcNow < deadline);
        second.Fails("Active console session exists for domain 'busy'");
        // --force takes the console over: the first session ends (exit 0, well before its timeout),
        // the forcing one talks to the guest.
        var forced = await D.VireoWithInput("echo forced-$((40+2))\n", "console", "busy", "--force", "--until", "forced-42", "--timeout", "60");
        forced.Ok();
        var firstDone = await first.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, firstDone.ExitCode);
        release.SetResult();
        (await D.Vireo("console", "stopped-domain-does-not-exist")).Fails("no domain with matching name");
        (await D.Vireo("destroy", "busy")).Ok();
        await DefineGuestAsync("off");
        (await D.Vireo("console", "off")).Fails("is not running");
    }

    [SkippableFact]
    public async Task On_reboot_destroy_turns_a_guest_reboot_into_shut_off()
    {
        await DefineGuestAsync("noreboot", lifecycle: "<on_reboot>destroy</on_reboot>");
        await BootAsync("noreboot");
        var pid = D.QemuPid("noreboot")!.Value;
        // The kernel's own "reboot:" line may not make it out before QEMU quits, so wait for ours.
        (await D.VireoWithInput("echo GOING-$((1+1)); reboot -f\n", "console", "noreboot", "--until", "GOING-2", "--timeout", "60")).Ok();
        await WaitForStateAsync("noreboot", "shut off (shutdown)");
        // The state changes before the clean-up (the event goes out first), so the status file
        // and the process may outlive the state change by a moment.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((D.QemuPid("noreboot") is not null || ProcessAlive(pid)) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Null(D.QemuPid("noreboot"));
        Assert.False(ProcessAlive(pid), "QEMU should have exited");
    }

    [SkippableTheory]
    [InlineData("destroy", "shut off (crashed)")]
    [InlineData("restart", "running")]
    public async Task A_guest_kernel_panic_is_reported_and_on_crash_applied(string onCrash, string expected)
    {
        var name = "panic-" + onCrash;
        await DefineGuestAsync(name, "<panic model='isa'/>", $"<on_crash>{onCrash}</on_crash>");
        await BootAsync(name);
        var pid = D.QemuPid(name);
        var done = new TaskCompletionSource();
        var events = D.VireoUntil(done.Task, "event", "--loop", "--domain", name, "--timeout", "120");
        await Task.Delay(500); // let the event stream subscribe
        (await D.VireoWithInput("echo c > /proc/sysrq-trigger\n", "console", name, "--until", "Kernel panic", "--timeout", "60")).Ok();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (D.QemuPid(name) == pid && DateTime.UtcNow < deadline) await Task.Delay(50);
        await WaitForStateAsync(name, expected);
        if (onCrash == "restart") Assert.NotEqual(pid, D.QemuPid(name));
        await Task.Delay(500); // let the event reach the stream before interrupting it
        done.SetResult();
        Assert.Contains("Stopped Crashed", (await events).Ok().Stdout);
    }

    [SkippableFact]
    public async Task Destroy_graceful_stops_qemu_with_sigterm()
    {
        await DefineGuestAsync("graceful");
        await BootAsync("graceful");
        var pid = D.QemuPid("graceful")!.Value;
        Assert.Contains("destroyed", (await D.Vireo("destroy", "graceful", "--graceful")).Ok().Stdout);
        Assert.False(ProcessExists(pid));
        var log = File.ReadAllText(Path.Combine(D.Root, "var/log/vireo/qemu/graceful.log"));
        Assert.Contains("(graceful)", log);
    }

    [SkippableFact]
    public async Task Undefine_with_nvram_needs_a_choice()
    {
        var nvram = Path.Combine(D.Root, "vars.fd");
        File.WriteAllBytes(nvram, new byte[128 * 1024]);
        var xml = Guest.Xml("efi").Replace("<initrd>", $"<nvram>{nvram}</nvram><initrd>");
        File.WriteAllText(Path.Combine(D.Root, "efi.xml"), xml);
        (await D.Vireo("define", Path.Combine(D.Root, "efi.xml"))).Ok();
        (await D.Vireo("undefine", "efi")).Fails("use --nvram to remove it or --keep-nvram to keep it");
        (await D.Vireo("undefine", "efi", "--nvram", "--keep-nvram")).Fails("mutually exclusive");
        (await D.Vireo("undefine", "efi", "--nvram")).Ok();
        Assert.False(File.Exists(nvram));
        (await D.Vireo("define", Path.Combine(D.Root, "efi.xml"))).Ok();
        File.WriteAllBytes(nvram, new byte[16]);
        (await D.Vireo("undefine", "efi", "--keep-nvram")).Ok();
        Assert.True(File.Exists(nvram));
    }
}
