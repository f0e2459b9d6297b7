using Vireo.Core.Errors;
using Vireo.Host.Processes;
using Vireo.Network.Ports;

namespace Vireo.Network.Tests;

/// <summary>The host side of guest NICs against a recording runner and a fake /sys/class/net (the real links are made in the integration tests).</summary>
public sealed class GuestPortsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-ports-").FullName;
    private string Sys => Path.Combine(_root, "sys");
    private string State => Path.Combine(_root, "state");

    public GuestPortsTests()
    {
        Directory.CreateDirectory(Path.Combine(Sys, "eth0"));
        File.WriteAllText(Path.Combine(Sys, "eth0", "address"), "02:00:00:00:00:01\n");
    }

    public void Dispose() => Directory.Delete(_root, true);

    [Fact]
    public async Task Passthrough_saves_the_lower_mac_and_release_puts_it_back()
    {
        var runner = new RecordingRunner();
        var ports = new GuestPorts(runner, State, Sys);
        await ports.CreateMacvtapAsync("macvtap0", "eth0", "passthrough", "52:54:00:00:00:09");
        Assert.Equal(["ip link add link eth0 name macvtap0 address 52:54:00:00:00:09 type macvtap mode passthru", "ip link set dev macvtap0 up"], runner.Commands);
        Assert.Equal("02:00:00:00:00:01", File.ReadAllText(Path.Combine(State, "eth0.mac")).Trim());
        await ports.ReleaseMacvtapAsync("macvtap0", "eth0", "passthrough");
        Assert.Equal(["ip link del macvtap0", "ip link set dev eth0 address 02:00:00:00:00:01"], runner.Commands.Skip(2));
        Assert.False(File.Exists(Path.Combine(State, "eth0.mac")));
    }

    [Fact]
    public async Task A_failed_link_is_undone_and_the_error_names_link_device_and_mode()
    {
        var runner = new RecordingRunner(argv => argv.Contains("up") ? new ProcessResult(2, "", "RTNETLINK answers: Invalid argument") : new ProcessResult(0, "", ""));
        var ports = new GuestPorts(runner, State, Sys);
        var ex = await Assert.ThrowsAsync<VireoException>(() => ports.CreateMacvtapAsync("macvtap3", "eth0", "passthrough", "52:54:00:00:00:09"));
        Assert.Contains("cannot create macvtap 'macvtap3' on 'eth0' in passthrough mode", ex.Message);
        Assert.Contains("ip link del macvtap3", runner.Commands);
        Assert.Contains("ip link set dev eth0 address 02:00:00:00:00:01", runner.Commands);
        Assert.False(File.Exists(Path.Combine(State, "eth0.mac")));
    }

    [Fact]
    public async Task Unknown_devices_and_modes_are_refused_before_anything_runs()
    {
        var runner = new RecordingRunner();
        var ports = new GuestPorts(runner, State, Sys);
        Assert.Contains("no such host interface", (await Assert.ThrowsAsync<VireoException>(() => ports.CreateMacvtapAsync("m0", "eth7", "vepa", "52:54:00:00:00:01"))).Message);
        Assert.Contains("unknown macvtap mode 'bridged'", (await Assert.ThrowsAsync<VireoException>(() => ports.CreateMacvtapAsync("m0", "eth0", "bridged", "52:54:00:00:00:01"))).Message);
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public async Task Ovs_ports_replace_a_stale_port_and_carry_the_guest_ids()
    {
        var runner = new RecordingRunner();
        var ports = new GuestPorts(runner, State, Sys);
        var vm = Guid.Parse("11111111-2222-3333-4444-555555555555");
        await ports.JoinOvsBridgeAsync("vnet0", "ovsbr0", "52:54:00:00:00:01", "0b3b1a76-6a4e-4f39-9e3c-2f3e5c1d9a10", vm);
        Assert.Equal("ovs-vsctl --timeout=5 -- --if-exists del-port vnet0 -- add-port ovsbr0 vnet0 -- set Interface vnet0 " +
            "external-ids:attached-mac=\"52:54:00:00:00:01\" external-ids:iface-id=\"0b3b1a76-6a4e-4f39-9e3c-2f3e5c1d9a10\" external-ids:vm-id=\"11111111-2222-3333-4444-555555555555\" " +
            "external-ids:iface-status=active", runner.Commands.First());
        await ports.RemoveOvsPortAsync("vnet0");
        Assert.Equal("ovs-vsctl --timeout=5 -- --if-exists del-port vnet0", runner.Commands.Last());
    }

    [Fact]
    public void Makedev_matches_glibc() =>
        Assert.Equal((246UL << 8) | 1, Vireo.Host.Interop.Macvtap.MakeDev(246, 1));
}
