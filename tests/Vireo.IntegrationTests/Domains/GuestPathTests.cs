using System.Diagnostics;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

/// <summary>
/// The disk path attacks of issue 11 through the real CLI and daemon: a relative source resolved against vireod's
/// working directory, /etc/shadow taken as a disk, a disk swapped for a symlink into /etc between define and start.
/// None of these boots a guest: each is refused before QEMU runs.
/// </summary>
public class GuestPathTests : DaemonTestBase
{
    private static string Domain(string name, string devices, string os = "") => $"""
        <domain type='qemu'>
          <name>{name}</name>
          <memory unit='MiB'>64</memory>
          <os><type arch='x86_64' machine='pc'>hvm</type>{os}</os>
          <devices>
            {devices}
          </devices>
        </domain>
        """;

    private static string Disk(string file, string dev = "vdb", string extra = "") =>
        $"<disk type='file' device='disk'>{extra}<source file='{file}'/><target dev='{dev}' bus='virtio'/></disk>";

    [Fact]
    public async Task A_relative_disk_source_is_refused_at_define_naming_the_element_and_line()
    {
        var xml = Write("rel.xml", Domain("rel", Disk("../../etc/shadow")));
        (await D.Vireo("define", xml)).Fails("<source> (line 6): disk 'vdb' source path '../../etc/shadow' must be absolute");
        Assert.DoesNotContain("rel", (await D.Vireo("list", "--all", "--name")).Ok().Stdout);
    }

    [Fact]
    public async Task Etc_shadow_as_a_disk_is_refused_by_the_default_policy_at_define_and_attach()
    {
        var xml = Write("shadow.xml", Domain("shadow", Disk("/etc/shadow")));
        (await D.Vireo("define", xml)).Fails("disk 'vdb' source '/etc/shadow' lies in the host system directory '/etc/', which guests may not use");
        var ok = Write("ok.xml", Domain("ok", ""));
        (await D.Vireo("define", ok)).Ok();
        (await D.Vireo("attach-disk", "ok", "/etc/shadow", "vdc", "--config")).Fails("'/etc/shadow' lies in the host system directory '/etc/'");
        Assert.DoesNotContain("/etc/shadow", (await D.Vireo("dumpxml", "ok")).Ok().Stdout);
    }

    [Fact]
    public async Task Vireods_own_state_and_special_files_are_refused()
    {
        var own = Path.Combine(D.Root, "etc/vireo/qemu/victim.xml");
        (await D.Vireo("define", Write("own.xml", Domain("own", Disk(own))))).Fails("is part of vireod's own state");
        var fifo = Path.Combine(D.Root, "fifo.img");
        Run("mkfifo", fifo);
        (await D.Vireo("define", Write("fifo.xml", Domain("fifo", Disk(fifo))))).Fails($"'{fifo}' is a FIFO, not a regular file");
        var dir = Path.Combine(D.Root, "adir");
        Directory.CreateDirectory(dir);
        (await D.Vireo("define", Write("k.xml", Domain("k", "", $"<kernel>{dir}</kernel>")))).Fails($"kernel '{dir}' is a directory, not a regular file");
    }

    [Fact]
    public async Task A_disk_swapped_for_a_symlink_into_etc_after_define_is_refused_at_start_before_qemu_runs()
    {
        var disk = Path.Combine(D.Root, "data.img");
        File.WriteAllBytes(disk, new byte[1 << 20]);
        (await D.Vireo("define", Write("swap.xml", Domain("swap", Disk(disk))))).Ok();
        File.Delete(disk);
        File.CreateSymbolicLink(disk, "/etc/shadow");
        (await D.Vireo("start", "swap")).Fails($"'{disk}' leads to '/etc/shadow', which lies in the host system directory '/etc/'");
        Assert.Null(D.QemuPid("swap"));
        Assert.Contains("shut off", (await D.Vireo("domstate", "swap")).Ok().Stdout);
    }

    [Fact]
    public async Task A_qcow2_disk_backed_by_etc_shadow_is_refused()
    {
        var evil = Path.Combine(D.Root, "evil.qcow2");
        // -u: qemu-img does not open the backing file; the real /etc/shadow is only named.
        Run("qemu-img", "create", "-f", "qcow2", "-u", "-b", "/etc/shadow", "-F", "raw", evil, "1M");
        (await D.Vireo("define", Write("b.xml", Domain("b", Disk(evil, extra: "<driver name='qemu' type='qcow2'/>")))))
            .Fails($"disk 'vdb' source '{evil}' has backing file '/etc/shadow': '/etc/shadow' lies in the host system directory '/etc/'");
    }

    [Fact]
    public async Task The_paths_of_the_notes_and_the_tests_stay_allowed()
    {
        var kernel = Directory.GetFiles("/boot", "vmlinuz-*").FirstOrDefault() ?? "/boot/vmlinuz";
        var xml = Write("notes.xml", Domain("notes",
            Disk("/vms/dbvm_disk2.img") + Disk("/var/lib/libvirt/images/fedora.qcow2", "vdc") + Disk(Path.Combine(D.Root, "t.img"), "vdd"),
            $"<kernel>{kernel}</kernel>"));
        (await D.Vireo("define", xml)).Ok();
    }

    [Fact]
    public async Task An_allow_list_in_vireod_conf_refuses_everything_else()
    {
        await using var d = new DaemonFixture();
        var allowed = Path.Combine(d.Root, "vms");
        Directory.CreateDirectory(allowed);
        Directory.CreateDirectory(Path.Combine(d.Root, "etc/vireo"));
        File.WriteAllText(Path.Combine(d.Root, "etc/vireo/vireod.conf"), $"guest_paths = [\"{allowed}\"]\n");
        await d.StartDaemonAsync();
        var inside = Path.Combine(d.Root, "ok.xml");
        File.WriteAllText(inside, Domain("in", Disk(Path.Combine(allowed, "a.img"))));
        (await d.Vireo("define", inside)).Ok();
        var outside = Path.Combine(d.Root, "no.xml");
        File.WriteAllText(outside, Domain("out", Disk(Path.Combine(d.Root, "elsewhere.img"))));
        (await d.Vireo("define", outside)).Fails($"is outside the directories guests may use (guest_paths in vireod.conf: {allowed})");
        File.WriteAllText(outside, Domain("out", Disk("/etc/shadow")));
        (await d.Vireo("define", outside)).Fails("'/etc/shadow' is outside the directories guests may use");
    }

    [Fact]
    public async Task A_relative_guest_paths_entry_stops_vireod_naming_it()
    {
        await using var d = new DaemonFixture();
        Directory.CreateDirectory(Path.Combine(d.Root, "etc/vireo"));
        File.WriteAllText(Path.Combine(d.Root, "etc/vireo/vireod.conf"), "guest_paths = [\"vms\"]\n");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(d.StartDaemonAsync);
        Assert.Contains("vireod: cannot start: guest_paths: directory 'vms' must be absolute", e.Message);
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {o}");
    }
}
