using System.Text.RegularExpressions;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Install;

/// <summary>vireo install against install ISOs the tests build (the test guest laid out as Debian and RHEL media), TCG only.</summary>
[Collection("vm")]
public class InstallTests
{
    private static void SkipUnlessAble()
    {
        var why = Guest.Unavailable() ?? (File.Exists("/usr/bin/genisoimage") ? null : "genisoimage is not installed");
        Skip.If(why is not null, why);
    }

    private static async Task<DaemonFixture> StartAsync()
    {
        SkipUnlessAble();
        return await DaemonFixture.StartAsync();
    }

    /// <summary>The guest was started by the install, not by us: wait for its banner in the console log, then talk to it.</summary>
    private static async Task WaitReadyAsync(DaemonFixture d, string name, int times = 1)
    {
        // The console log is appended to across boots: the n-th banner marks the n-th boot.
        var log = Path.Combine(d.Root, "var/log/vireo/qemu", name + ".console.log");
        int Count() => File.Exists(log) ? Regex.Matches(File.ReadAllText(log), Guest.Ready).Count : 0;
        for (var i = 0; i < 600 && Count() < times; i++) await Task.Delay(200);
        Assert.True(Count() >= times, $"boot {times} of {name} did not print {Guest.Ready}");
    }

    [SkippableFact]
    public async Task Location_iso_boots_the_installer_with_extra_args_and_injected_file_and_the_guest_writes_its_new_disk()
    {
        await using var d = await StartAsync();
        var iso = InstallMedia.Debian(d.Root);
        var ks = Path.Combine(d.Root, "ks.cfg");
        File.WriteAllText(ks, "VIREO-KICKSTART-MARKER\n");
        var r = (await d.Vireo("install", "--name", "inst", "--location", iso, "-x", "ks=file:/ks.cfg vireo.test=1", "--initrd-inject", ks,
            "--disk", "size=1", "--graphics", "none", "--network", "none", "--noautoconsole")).Ok();
        Assert.Contains("KVM is not usable on this host", r.Stderr); // a notice, then TCG
        Assert.Contains("Domain is still running. Installation may be in progress.", r.Stdout);
        // The steps are shown as they happen (streamed from vireod).
        Assert.Matches(@"Retrieved 'install.amd/vmlinuz' \(\d+\.\d MiB\) and 'install.amd/initrd.gz'", r.Stdout);
        Assert.Contains("Allocating 'inst.qcow2' in pool 'default' (1 GiB)", r.Stdout);
        await WaitReadyAsync(d, "inst");
        var seen = await GuestNet.RunAsync(d, "inst", "cat /proc/cmdline; cat /ks.cfg; echo VIREO-DISK-DATA > /dev/vda; sync");
        Assert.Contains("ks=file:/ks.cfg vireo.test=1 console=ttyS0", seen);
        Assert.Contains("VIREO-KICKSTART-MARKER", seen);

        // The one-time install configuration runs; the definition kept is the installed system's.
        var live = (await d.Vireo("dumpxml", "inst")).Ok().Stdout;
        Assert.Contains("<kernel>" + Path.Combine(d.Root, "var/lib/vireo/boot/vireo-install-inst-kernel"), live);
        Assert.Contains("<on_reboot>destroy</on_reboot>", live);
        var kept = (await d.Vireo("dumpxml", "inst", "--inactive")).Ok().Stdout;
        Assert.DoesNotContain("<kernel>", kept);
        Assert.Contains("<boot dev='hd'/>", kept);
        Assert.Contains("<libosinfo:os id='http://debian.org/debian/11'/>", kept);
        Assert.Matches("<target dev='vda' bus='virtio'/>", kept);
        Assert.Matches(@"inst\.qcow2\s+" + Regex.Escape(Path.Combine(d.Root, "var/lib/vireo/images/inst.qcow2")), (await d.Vireo("vol-list", "default")).Ok().Stdout);

        (await d.Vireo("destroy", "inst")).Ok();
        for (var i = 0; i < 50 && Directory.EnumerateFiles(Path.Combine(d.Root, "var/lib/vireo/boot")).Any(); i++) await Task.Delay(100);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(d.Root, "var/lib/vireo/boot")));
        using (var img = await Vireo.Images.ImageOpener.OpenAsync(Path.Combine(d.Root, "var/lib/vireo/images/inst.qcow2")))
        {
            var buf = new byte[15];
            await img.ReadAsync(0, buf);
            Assert.Equal("VIREO-DISK-DATA", System.Text.Encoding.ASCII.GetString(buf));
        }
    }

    [SkippableFact]
    public async Task The_notes_example_prints_stable_xml_refuses_kvm_here_and_runs_with_tcg()
    {
        // --network=default: vireod runs in a namespace of the test's, where it has the default network.
        using var ns = new Netns();
        SkipUnlessAble();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        var iso = InstallMedia.Rhel8(d.Root);
        string[] notes = ["install", "--virt-type=kvm", "--name=MasteringKVM02", "--ram=4096", "--vcpus=4", "--os-variant=rhel8.0", $"--location={iso}",
            "--network=default", "--graphics", "vnc", "--disk", "size=16", "-x", "ks=http://10.10.48.1/ks.cfg"];
        var printed = (await d.Vireo([.. notes, "--print-xml"])).Ok();
        Golden.AssertMatches(Path.Combine(Golden.Dir("Install/golden"), "notes-example.xml"), printed.Stdout.Replace(d.Root, "ROOT"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(d.Root, "var/lib/vireo/images"))); // --print-xml creates nothing
        var kvm = Vireo.Host.Facts.Accelerator.Probe();
        if (!kvm.Usable)
        {
            (await d.Vireo(notes)).Fails("--virt-type=kvm: KVM is not usable on this host");
            Assert.Equal("\n", (await d.Vireo("list", "--all", "--name")).Ok().Stdout);
        }
        // As written, but with TCG (and without waiting on a console: there is no terminal here).
        var qemu = notes.Select(a => a == "--virt-type=kvm" ? "--virt-type=qemu" : a).Append("--noautoconsole").ToArray();
        (await d.Vireo(qemu)).Ok();
        // --graphics vnc and no console=ttyS0: the installer talks to the VNC display, not the serial console.
        Assert.Matches(@"State:\s+running", (await d.Vireo("dominfo", "MasteringKVM02")).Ok().Stdout);
        var live = (await d.Vireo("dumpxml", "MasteringKVM02")).Ok().Stdout;
        Assert.Contains("<cmdline>ks=http://10.10.48.1/ks.cfg</cmdline>", live);
        Assert.Matches("<graphics type='vnc' autoport='yes' port='59\\d\\d'", live);
        Assert.Matches(@"vnet\d+\s+network\s+default\s+virtio", (await d.Vireo("domiflist", "MasteringKVM02")).Ok().Stdout);
        var info = (await d.Vireo("dominfo", "MasteringKVM02")).Ok().Stdout;
        Assert.Matches(@"Max memory:\s+4194304 KiB", info);
        Assert.Matches(@"CPU\(s\):\s+4", info);
        (await d.Vireo("destroy", "MasteringKVM02")).Ok();
    }

    [SkippableFact]
    public async Task Bad_input_is_refused_clearly_and_leaves_nothing_behind()
    {
        await using var d = await StartAsync();
        var iso = InstallMedia.Debian(d.Root);
        Task<RunResult> Install(params string[] more) => d.Vireo(["install", "--name", "bad", "--location", iso, "--network", "none", "--graphics", "none", .. more]);
        var unknown = await Install("--osinfo", "rhel8", "--disk", "size=1");
        unknown.Fails("Unknown OS name 'rhel8'. Did you mean:");
        Assert.Contains("rhel8.0", unknown.Stderr);
        var empty = InstallMedia.Empty(d.Root);
        var nokernel = await d.Vireo("install", "--name", "bad", "--location", empty, "--osinfo", "debian11", "--disk", "size=1");
        nokernel.Fails("no kernel and initrd found");
        Assert.Contains("install.amd/vmlinuz + install.amd/initrd.gz", nokernel.Stderr);
        Assert.Contains("images/pxeboot/vmlinuz + images/pxeboot/initrd.img", nokernel.Stderr);
        (await Install("--disk", "size=0")).Fails("--disk size=0: the size must be greater than 0");
        (await Install("--disk", "size=-2")).Fails("--disk size=-2: the size must be greater than 0");
        var small = (await Install("--disk", "size=1", "--memory", "64", "--dry-run")).Ok();
        Assert.Contains("WARNING  Requested memory 64 MiB is less than the minimum", small.Stderr);
        Assert.Contains("Dry run completed successfully", small.Stdout);
        var port = FreePort(); // nothing listens there
        (await d.Vireo("install", "--name", "bad", "--location", $"http://127.0.0.1:{port}/debian/", "--osinfo", "debian11", "--disk", "size=1"))
            .Fails($"cannot fetch http://127.0.0.1:{port}/debian/.treeinfo: Connection refused");
        // A name in use.
        await File.WriteAllTextAsync(Path.Combine(d.Root, "taken.xml"), Guest.Xml("taken"));
        (await d.Vireo("define", Path.Combine(d.Root, "taken.xml"))).Ok();
        (await d.Vireo("install", "--name", "taken", "--location", iso, "--disk", "size=1")).Fails("Guest name 'taken' is already in use.");
        // --check: a fully allocated disk larger than the pool is refused, a sparse one warned about; disk_size=off lets both through.
        (await Install("--disk", "size=100000,sparse=no")).Fails("will exceed the available pool space");
        Assert.Contains("WARNING  The requested volume capacity will exceed", (await Install("--disk", "size=100000", "--dry-run")).Ok().Stderr);
        (await Install("--disk", "size=100000,sparse=no", "--check", "disk_size=off", "--dry-run")).Ok();
        // --check path_in_use: a disk another domain has is refused unless the check is off.
        var shared = Path.Combine(d.Root, "shared.raw");
        File.WriteAllBytes(shared, new byte[1 << 20]);
        await File.WriteAllTextAsync(Path.Combine(d.Root, "holder.xml"), Guest.Xml("holder",
            $"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{shared}'/><target dev='vda' bus='virtio'/></disk>"));
        (await d.Vireo("define", Path.Combine(d.Root, "holder.xml"))).Ok();
        (await Install("--disk", $"path={shared}")).Fails($"Disk {shared} is already in use by other guests: holder");
        (await Install("--disk", $"path={shared}", "--check", "path_in_use=off", "--dry-run")).Ok();
        (await d.Vireo("undefine", "holder")).Ok();
        File.Delete(shared);
        (await Install("--disk", "size=1", "--check", "mac_in_use=off")).Fails("--check: unknown check 'mac_in_use'");
        // Nothing was left: no volume, no domain but the one defined above, no installer files.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(d.Root, "var/lib/vireo/images")));
        Assert.Equal("taken\n\n", (await d.Vireo("list", "--all", "--name")).Ok().Stdout);
        var boot = Path.Combine(d.Root, "var/lib/vireo/boot");
        Assert.True(!Directory.Exists(boot) || !Directory.EnumerateFiles(boot).Any());
    }

    [SkippableFact]
    public async Task Cloud_init_user_data_is_on_a_cidata_seed_for_the_first_boot_only()
    {
        await using var d = await StartAsync();
        var ud = Path.Combine(d.Root, "user-data.yaml");
        File.WriteAllText(ud, "#cloud-config\n# VIREO-USER-DATA-MARKER\n");
        // --wait: vireo install waits for the first boot to end, then boots the installed system.
        var install = d.Vireo("install", "--name", "ci", "--import", "--osinfo", "debian11", "--memory", "256", "--disk", "size=1",
            "--boot", $"kernel={Guest.Kernel},initrd={Guest.InitrdPath},kernel_args=console=ttyS0", "--cloud-init", $"user-data={ud}",
            "--graphics", "none", "--network", "none", "--noautoconsole", "--wait", "3");
        await WaitReadyAsync(d, "ci");
        var first = await GuestNet.RunAsync(d, "ci",
            "mkdir -p /mnt; for i in $(seq 50); do [ -b /dev/sr0 ] && break; sleep 0.2; done; mount -t iso9660 /dev/sr0 /mnt; ls /mnt; cat /mnt/user-data; umount /mnt");
        Assert.Contains("VIREO-USER-DATA-MARKER", first);
        Assert.Contains("meta-data", first);
        Assert.Contains("cidata.iso", (await d.Vireo("domblklist", "ci")).Ok().Stdout);
        Assert.False(install.IsCompleted);
        await d.VireoWithInput("poweroff -f\n", "console", "ci", "--timeout", "5");
        var done = (await install).Ok().Stdout;
        Assert.Contains("Domain has shutdown. Continuing.", done);
        Assert.Contains("Restarting guest.", done);
        Assert.DoesNotContain("cidata", (await d.Vireo("dumpxml", "ci", "--inactive")).Ok().Stdout);
        await WaitReadyAsync(d, "ci", times: 2);
        // The next boot is the installed system's: no seed.
        var second = await GuestNet.RunAsync(d, "ci", "sleep 1; echo SR-$(ls /dev/sr0 2>/dev/null | wc -l)-DISKS-$(ls /sys/block | tr '\\n' ' ')");
        Assert.Contains("SR-0-", second);
        Assert.DoesNotContain("cidata", (await d.Vireo("domblklist", "ci")).Ok().Stdout);
        (await d.Vireo("destroy", "ci")).Ok();
    }

    [SkippableFact]
    public async Task Trees_in_a_directory_or_over_http_and_cdrom_and_pxe_installs_make_the_expected_xml()
    {
        await using var d = await StartAsync();
        // The Debian layout as a plain directory, and the same directory served over HTTP on loopback.
        var tree = Path.Combine(d.Root, "tree");
        Directory.CreateDirectory(Path.Combine(tree, ".disk"));
        Directory.CreateDirectory(Path.Combine(tree, "install.amd"));
        File.WriteAllText(Path.Combine(tree, ".disk/info"), "Debian GNU/Linux 11.5.0 \"Bullseye\" - Official amd64 NETINST");
        File.Copy(Guest.Kernel, Path.Combine(tree, "install.amd/vmlinuz"));
        File.Copy(Guest.InitrdPath, Path.Combine(tree, "install.amd/initrd.gz"));
        string[] common = ["--disk", "size=1", "--network", "none", "--graphics", "none", "--print-xml"];
        var fromDir = (await d.Vireo(["install", "--name", "t1", "--location", tree, .. common])).Ok().Stdout;
        Assert.Contains("<libosinfo:os id='http://debian.org/debian/11'/>", fromDir);
        Assert.Contains("<cmdline>console=ttyS0</cmdline>", fromDir);

        using var http = new System.Net.HttpListener();
        var port = FreePort();
        http.Prefixes.Add($"http://127.0.0.1:{port}/");
        http.Start();
        var requests = new List<string>();
        _ = Task.Run(async () =>
        {
            while (http.IsListening)
            {
                System.Net.HttpListenerContext ctx;
                try { ctx = await http.GetContextAsync(); } catch (Exception) { return; }
                var path = Path.Combine(tree, ctx.Request.Url!.AbsolutePath.TrimStart('/'));
                lock (requests) requests.Add(ctx.Request.Url.AbsolutePath);
                if (File.Exists(path)) { var b = File.ReadAllBytes(path); ctx.Response.ContentLength64 = b.Length; ctx.Response.OutputStream.Write(b); }
                else ctx.Response.StatusCode = 404;
                ctx.Response.Close();
            }
        });
        var fromHttp = (await d.Vireo(["install", "--name", "t2", "--location", $"http://127.0.0.1:{port}/", .. common])).Ok().Stdout;
        Assert.Equal(fromDir.Replace("t1", "t2"), fromHttp);
        lock (requests) Assert.Contains("/install.amd/vmlinuz", requests);

        // --cdrom: the ISO is the first boot's CD-ROM and boot device; the installed system boots its disk.
        var iso = InstallMedia.Empty(d.Root);
        var cd = (await d.Vireo("install", "--name", "t3", "--cdrom", iso, "--osinfo", "rhel8.0", "--disk", "size=2", "--network", "none", "--print-xml")).Ok().Stdout;
        var docs = cd.Split("</domain>\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, docs.Length);
        Assert.Contains("<boot dev='cdrom'/>", docs[0]);
        Assert.Contains($"<source file='{iso}'/>", docs[0]);
        Assert.Contains("<target dev='sda' bus='sata'/>", docs[0]); // q35 for rhel8.0
        Assert.DoesNotContain(iso, docs[1]);
        Assert.Contains("<boot dev='hd'/>", docs[1]);
        // --pxe: the first boot is from the network.
        var pxe = (await d.Vireo("install", "--name", "t4", "--pxe", "--osinfo", "debian11", "--disk", "size=1", "--network", "user", "--print-xml")).Ok().Stdout;
        Assert.Contains("<boot dev='network'/>", pxe.Split("</domain>")[0]);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(d.Root, "var/lib/vireo/images")));
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
