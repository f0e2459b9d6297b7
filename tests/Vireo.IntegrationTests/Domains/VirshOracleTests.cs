using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

/// <summary>
/// virsh itself as the oracle: the same domains defined in a private libvirtd and in vireod, the
/// same commands run through virsh and vireo, and the outputs compared byte for byte (stdout,
/// stderr and exit status). Where Vireo says more on purpose, the test says exactly how much.
/// </summary>
public sealed class VirshOracleTests : IAsyncLifetime
{
    private DaemonFixture _d = null!;
    private LibvirtSandbox? _lv;

    private static string Dom(string name, string uuid, string extra = "") => $"""
        <domain type='qemu'>
          <name>{name}</name>
          <uuid>{uuid}</uuid>
          {extra}
          <memory unit='MiB'>128</memory>
          <currentMemory unit='MiB'>96</currentMemory>
          <vcpu current='1'>2</vcpu>
          <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{Guest.Kernel}</kernel><cmdline>console=ttyS0</cmdline></os>
          <devices><serial type='pty'/></devices>
        </domain>
        """;

    public async Task InitializeAsync()
    {
        var why = LibvirtSandbox.Unavailable();
        Skip.If(why is not null, why);
        _d = await DaemonFixture.StartAsync();
        _lv = await LibvirtSandbox.StartAsync();
        var domains = new[]
        {
            ("alpha", "11111111-2222-3333-4444-555555555555", "<title>the alpha box</title>"),
            ("beta-with-a-long-name", "22222222-3333-4444-5555-666666666666", ""),
            ("gamma", "33333333-4444-5555-6666-777777777777", "<title>gamma</title>"),
        };
        foreach (var (name, uuid, extra) in domains)
        {
            var file = Path.Combine(_d.Root, name + ".xml");
            File.WriteAllText(file, Dom(name, uuid, extra));
            (await _lv.Virsh("define", file)).Ok();
            (await _d.Vireo("define", file)).Ok();
        }
    }

    public async Task DisposeAsync()
    {
        if (_lv is not null)
        {
            await _lv.Virsh("destroy", "gamma");
            await _lv.DisposeAsync();
        }
        if (_d is not null) await _d.DisposeAsync();
    }

    private async Task<(RunResult Virsh, RunResult Vireo)> Both(params string[] args) => (await _lv!.Virsh(args), await _d.Vireo(args));

    private async Task Same(params string[] args)
    {
        var (virsh, vireo) = await Both(args);
        Assert.True(virsh == vireo, $"'{string.Join(' ', args)}' differs\nvirsh: {virsh}\nvireo: {vireo}");
    }

    [SkippableFact]
    public async Task Listings_states_and_lookups_print_what_virsh_prints()
    {
        foreach (var args in new string[][]
                 {
                     ["list"], ["list", "--all"], ["list", "--inactive"], ["list", "--all", "--name"], ["list", "--all", "--uuid"],
                     ["list", "--all", "--title"], ["list", "--state-shutoff", "--name"], ["list", "--state-running"],
                     ["-q", "list", "--all"], ["-q", "list", "--all", "--name"],
                     ["domstate", "alpha"], ["domstate", "alpha", "--reason"], ["-q", "domstate", "alpha"],
                     ["domid", "alpha"], ["domuuid", "alpha"], ["domname", "22222222-3333-4444-5555-666666666666"],
                     ["dominfo", "alpha"], ["dominfo", "11111111-2222-3333-4444-555555555555"], ["-q", "dominfo", "beta-with-a-long-name"],
                     ["vcpuinfo", "alpha"], ["vcpuinfo", "alpha", "--pretty"],
                     ["dumpxml", "alpha", "--xpath", "//name"], ["dumpxml", "alpha", "--xpath", "//title/text()"],
                     ["dumpxml", "alpha", "--xpath", "//memory"], ["dumpxml", "alpha", "--xpath", "//currentMemory"], ["dumpxml", "alpha", "--xpath", "//vcpu"],
                     ["dumpxml", "alpha", "--xpath", "//vcpu/@current"], ["dumpxml", "alpha", "--xpath", "//vcpu/@current", "--wrap"],
                     ["dumpxml", "alpha", "--xpath", "//currentMemory", "--wrap"], ["dumpxml", "alpha", "--xpath", "//nothing", "--wrap"],
                     ["autostart", "alpha"], ["dominfo", "alpha"], ["list", "--all", "--autostart", "--name"], ["autostart", "--disable", "alpha"],
                     ["-q", "autostart", "alpha"], ["list", "--all", "--no-autostart"],
                 })
            await Same(args);
    }

    [SkippableFact]
    public async Task A_running_domain_is_listed_and_reported_as_virsh_does()
    {
        await Same("start", "gamma", "--paused");
        foreach (var args in new string[][] { ["list"], ["list", "--all"], ["domstate", "gamma", "--reason"], ["domid", "gamma"], ["list", "--state-paused", "--name"] })
            await Same(args);
        await Same("resume", "gamma");
        await Same("domstate", "gamma", "--reason");
        await Same("suspend", "gamma");
        await Same("domstate", "gamma", "--reason");
        await Same("destroy", "gamma");
        await Same("domstate", "gamma", "--reason");
    }

    [SkippableFact]
    public async Task Mistakes_fail_the_same_way_and_vireo_adds_only_the_reason()
    {
        foreach (var args in new string[][] { ["dominfo", "nope"], ["start", "nope"], ["domstate", "nope"], ["undefine", "nope"] })
        {
            var (virsh, vireo) = await Both(args);
            Assert.Equal((virsh.ExitCode, virsh.Stdout), (vireo.ExitCode, vireo.Stdout));
            // virsh 9: "error: failed to get domain 'nope'"; vireo then says why, as virsh up to 6 did.
            Assert.Equal(virsh.Stderr + "error: Domain not found: no domain with matching name 'nope'\n", vireo.Stderr);
        }
        foreach (var action in new[] { "destroy", "shutdown", "suspend", "resume" })
        {
            var (virsh, vireo) = await Both(action, "alpha");
            Assert.Equal((virsh.ExitCode, virsh.Stdout), (vireo.ExitCode, vireo.Stdout));
            // Same headline; the reason names the domain where libvirt says "domain is not running".
            Assert.Equal(virsh.Stderr.Replace("domain is not running", "domain 'alpha' is not running"), vireo.Stderr);
        }
    }

    [SkippableFact]
    public async Task Networks_pools_and_volumes_print_what_virsh_prints()
    {
        // Only definitions and a directory pool: nothing here creates a bridge or starts dnsmasq.
        var net = Path.Combine(_d.Root, "lan.xml");
        File.WriteAllText(net, "<network><name>lan</name><uuid>44444444-5555-6666-7777-888888888888</uuid><bridge name='vbr9'/>" +
            "<forward mode='nat'/><ip address='10.77.0.1' netmask='255.255.255.0'><dhcp><range start='10.77.0.10' end='10.77.0.20'/></dhcp></ip></network>");
        await Same("net-define", net);
        // vireod makes a 'default' pool on its first start; libvirt's private daemon has none.
        (await _d.Vireo("pool-destroy", "default")).Ok();
        (await _d.Vireo("pool-undefine", "default")).Ok();
        foreach (var (run, dir) in new (Func<string[], Task<RunResult>> Run, string Dir)[] { (_lv!.Virsh, "lv-pool"), (_d.Vireo, "vireo-pool") })
        {
            var file = Path.Combine(_d.Root, dir + ".xml");
            File.WriteAllText(file, $"<pool type='dir'><name>p1</name><uuid>55555555-6666-7777-8888-999999999999</uuid><target><path>{Path.Combine(_d.Root, dir)}</path></target></pool>");
            Assert.Equal($"Pool p1 defined from {file}\n\n", (await run(["pool-define", file])).Ok().Stdout);
        }
        foreach (var args in new string[][]
                 {
                     ["net-list", "--all"], ["net-list", "--inactive"], ["net-list", "--all", "--name"], ["-q", "net-list", "--all"],
                     ["net-info", "lan"], ["net-uuid", "lan"], ["net-name", "44444444-5555-6666-7777-888888888888"],
                     ["net-autostart", "lan"], ["net-list", "--all"], ["net-autostart", "lan", "--disable"],
                     ["net-dumpxml", "lan", "--xpath", "//ip"], ["net-dumpxml", "lan", "--xpath", "//dhcp", "--wrap"],
                     ["pool-list", "--all"], ["pool-list", "--all", "--details"], ["pool-info", "p1"], ["pool-uuid", "p1"],
                     ["pool-autostart", "p1"], ["pool-list", "--all", "--details"], ["pool-autostart", "p1", "--disable"],
                     ["pool-build", "p1"], ["pool-start", "p1"], ["pool-list"], ["pool-list", "--name"],
                     ["vol-create-as", "p1", "v1.raw", "1M"], ["vol-create-as", "p1", "v2.raw", "2M", "--allocation", "0"],
                     ["vol-info", "--pool", "p1", "v1.raw", "--bytes"], ["vol-info", "--pool", "p1", "v2.raw"],
                     ["vol-delete", "--pool", "p1", "v1.raw"], ["vol-delete", "--pool", "p1", "v2.raw"], ["pool-destroy", "p1"],
                     ["pool-undefine", "p1"], ["net-undefine", "lan"],
                 })
            await Same(args);
        foreach (var args in new string[][] { ["net-info", "nope"], ["pool-info", "nope"], ["vol-info", "/nope/vol"] })
        {
            var (virsh, vireo) = await Both(args);
            Assert.Equal((virsh.ExitCode, virsh.Stdout), (vireo.ExitCode, vireo.Stdout));
            Assert.Equal(virsh.Stderr.Split('\n')[0], vireo.Stderr.Split('\n')[0]);
        }
    }

    [SkippableFact]
    public async Task Disks_interfaces_and_secrets_print_what_virsh_prints()
    {
        var image = Path.Combine(_d.Root, "d1.img");
        File.WriteAllBytes(image, new byte[1 << 20]);
        var file = Path.Combine(_d.Root, "d.xml");
        File.WriteAllText(file, $"""
            <domain type='qemu'><name>d</name><uuid>66666666-7777-8888-9999-000000000000</uuid><memory unit='KiB'>131072</memory><vcpu>1</vcpu>
            <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{Guest.Kernel}</kernel></os><devices>
            <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{image}'/><target dev='vda' bus='virtio'/></disk>
            <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>
            <interface type='user'><mac address='52:54:00:11:22:33'/><model type='virtio'/></interface>
            <interface type='network'><mac address='52:54:00:11:22:34'/><source network='default'/><model type='e1000'/></interface>
            </devices></domain>
            """);
        await Same("define", file);
        var secret = Path.Combine(_d.Root, "secret.xml");
        File.WriteAllText(secret, "<secret ephemeral='no' private='no'><uuid>95b1ed29-16aa-4e95-9917-c2cd4f3b2791</uuid><usage type='ceph'><name>client.admin secret</name></usage></secret>");
        const string uuid = "95b1ed29-16aa-4e95-9917-c2cd4f3b2791";
        foreach (var args in new string[][]
                 {
                     ["domblklist", "d"], ["domblklist", "d", "--details"], ["domiflist", "d"], ["domblkinfo", "d", "vda"], ["domblkinfo", "d", "--all"],
                     ["attach-disk", "d", image, "vdb", "--config"], ["domblklist", "d"], ["dumpxml", "d", "--xpath", "//disk/target"],
                     ["detach-disk", "d", "vdb", "--config"], ["domblklist", "d"],
                     ["secret-define", secret], ["secret-list"], ["secret-dumpxml", uuid],
                     ["secret-set-value", uuid, "QVFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="], ["secret-get-value", uuid],
                     ["secret-undefine", uuid], ["secret-list"], ["undefine", "d"],
                 })
            await Same(args);
    }
}
