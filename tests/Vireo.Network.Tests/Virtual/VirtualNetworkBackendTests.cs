using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Host.Processes;
using Vireo.Network.Dnsmasq;
using Vireo.Network.Virtual;

namespace Vireo.Network.Tests.Virtual;

/// <summary>
/// A bridge of vireod's own, against a recording runner: what a start runs, and that a step that fails undoes every
/// step before it (bridge, addresses, nftables rules), newest first. dnsmasq, bridges and rules for real: NetworkTests.
/// </summary>
public sealed class VirtualNetworkBackendTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-virtual-").FullName;

    public VirtualNetworkBackendTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "sys/net/ipv4"));
        Directory.CreateDirectory(Path.Combine(_root, "sys/net/ipv6/conf/all"));
    }

    public void Dispose() => Directory.Delete(_root, true);

    private static readonly NetworkDefinition Other = NetworkDefinition.Parse(
        "<network><name>other</name><bridge name='obr0'/><ip address='10.8.0.1' prefix='24'/></network>");

    private static NetworkDefinition Nat(string dns = "") => NetworkDefinition.Parse(
        $"<network><name>n1</name><forward mode='nat'/><bridge name='vbr1'/>{dns}<ip address='10.9.0.1' prefix='24'>" +
        "<dhcp><range start='10.9.0.10' end='10.9.0.20'/></dhcp></ip><ip family='ipv6' address='fd00:9::1' prefix='64'/></network>");

    private readonly LogRecorder<VirtualNetworkBackend> _log = new();

    private (VirtualNetworkBackend Backend, RecordingRunner Runner) Make(Func<IReadOnlyList<string>, bool>? fails = null, string links = "[]")
    {
        var runner = new RecordingRunner(argv =>
            fails?.Invoke(argv) == true ? new ProcessResult(1, "", $"{argv[0]}: failed on purpose")
            : argv is ["ip", "-j", "link", "show"] ? new ProcessResult(0, links, "")
            : new ProcessResult(0, "", ""));
        var backend = new VirtualNetworkBackend(runner, new DnsmasqService(runner, Path.Combine(_root, "dnsmasq"), _log), new HostInterfaces(runner),
            Path.Combine(_root, "sys"), _log);
        return (backend, runner);
    }

    private static readonly string[] UpToRules =
    [
        "ip link add name vbr1 type bridge stp_state 1 forward_delay 0",
        "ip addr add 10.9.0.1/24 dev vbr1",
        "ip addr add fd00:9::1/64 dev vbr1",
        "ip link set dev vbr1 up",
        "nft -f -",
    ];

    [Fact]
    public async Task A_dnsmasq_that_fails_undoes_the_rules_the_addresses_and_the_bridge()
    {
        var (backend, runner) = Make(argv => argv[0] == "dnsmasq");
        var ex = await Assert.ThrowsAsync<VireoException>(() => backend.StartAsync(Nat(), [Other], default));
        Assert.Contains("network 'n1' could not be started", ex.Message);
        Assert.Equal([.. UpToRules, $"dnsmasq --conf-file={Path.Combine(_root, "dnsmasq", "n1.conf")}",
            "nft -f -", "ip addr del fd00:9::1/64 dev vbr1", "ip addr del 10.9.0.1/24 dev vbr1", "ip link del vbr1"], runner.Commands);
        // The rules go back to the other networks' alone.
        Assert.Contains("vbr1", runner.Calls[4].Stdin);
        Assert.DoesNotContain("vbr1", runner.Calls[6].Stdin);
        Assert.Contains("obr0", runner.Calls[6].Stdin);
        Assert.Equal("1\n", File.ReadAllText(Path.Combine(_root, "sys/net/ipv4/ip_forward")));
    }

    [Fact]
    public async Task A_step_that_cannot_be_undone_is_named_in_the_error_and_the_rest_is_still_undone()
    {
        var nftCalls = 0;
        var (backend, runner) = Make(argv => argv[0] == "dnsmasq" || (argv[0] == "nft" && ++nftCalls == 2));
        var ex = await Assert.ThrowsAsync<VireoException>(() => backend.StartAsync(Nat(), [Other], default));
        Assert.Contains("undoing 'nftables rules' failed: nft exited with status 1: nft: failed on purpose", ex.Message);
        Assert.Equal(["Network n1: undoing 'nftables rules' failed: nft exited with status 1: nft: failed on purpose"], _log.With(2104));
        Assert.Single(_log.With(2111)); // dnsmasq's own failure
        Assert.Equal(["ip addr del fd00:9::1/64 dev vbr1", "ip addr del 10.9.0.1/24 dev vbr1", "ip link del vbr1"], runner.Commands.TakeLast(3));
    }

    [Fact]
    public async Task Rules_that_fail_undo_the_addresses_and_the_bridge()
    {
        var (backend, runner) = Make(argv => argv[0] == "nft");
        await Assert.ThrowsAsync<VireoException>(() => backend.StartAsync(Nat(), [Other], default));
        Assert.Equal([.. UpToRules, "ip addr del fd00:9::1/64 dev vbr1", "ip addr del 10.9.0.1/24 dev vbr1", "ip link del vbr1"], runner.Commands);
    }

    [Fact]
    public async Task An_address_that_fails_undoes_the_addresses_before_it_and_the_bridge()
    {
        var (backend, runner) = Make(argv => argv.Contains("fd00:9::1/64"));
        await Assert.ThrowsAsync<VireoException>(() => backend.StartAsync(Nat(), [], default));
        Assert.Equal([.. UpToRules[..3], "ip addr del 10.9.0.1/24 dev vbr1", "ip link del vbr1"], runner.Commands);
    }

    [Fact]
    public async Task A_bridge_that_cannot_be_made_leaves_nothing_to_undo()
    {
        var (backend, runner) = Make(argv => argv is ["ip", "link", "add", ..]);
        var ex = await Assert.ThrowsAsync<VireoException>(() => backend.StartAsync(Nat(), [], default));
        Assert.Contains("ip: failed on purpose", ex.Message);
        Assert.Equal([UpToRules[0]], runner.Commands);
    }

    [Fact]
    public async Task An_isolated_network_without_addresses_needs_no_dnsmasq_and_stops_cleanly()
    {
        var (backend, runner) = Make();
        var isolated = NetworkDefinition.Parse("<network><name>iso</name><bridge name='ibr0' stp='off' delay='2'/><mtu size='9000'/></network>");
        await backend.StartAsync(isolated, [Other], default);
        Assert.Equal(["ip link add name ibr0 type bridge stp_state 0 forward_delay 200", "ip link set dev ibr0 mtu 9000", "ip link set dev ibr0 up", "nft -f -"],
            runner.Commands);
        Assert.False(File.Exists(Path.Combine(_root, "sys/net/ipv4/ip_forward")));
        runner.Calls.Clear();
        await backend.StopAsync(isolated, [Other], default);
        Assert.Equal(["ip link del ibr0", "nft -f -"], runner.Commands);
        Assert.DoesNotContain("ibr0", runner.Calls[1].Stdin);
        Assert.Equal(["Network iso: bridge ibr0 up"], _log.With(2100));
        Assert.Equal(["Network iso: bridge ibr0 removed"], _log.With(2101));
        Assert.Equal(["nftables table inet vireo now holds the rules of 2 network(s): other, iso",
            "nftables table inet vireo now holds the rules of 1 network(s): other"], _log.With(2102));
    }

    [Fact]
    public async Task A_network_whose_bridge_went_away_is_not_adopted()
    {
        var isolated = NetworkDefinition.Parse("<network><name>iso</name><bridge name='ibr0'/></network>");
        Assert.False(await Make(links: """[{"ifname":"lo"}]""").Backend.AdoptAsync(isolated, default));
        Assert.True(await Make(links: """[{"ifname":"lo"},{"ifname":"ibr0"}]""").Backend.AdoptAsync(isolated, default));
    }

    [Fact]
    public async Task A_virtualport_on_a_network_of_its_own_bridge_is_refused_before_anything_runs()
    {
        var (backend, runner) = Make();
        var n = NetworkDefinition.Parse("<network><name>nv</name><forward mode='nat'/><bridge name='nbr0'/><virtualport type='openvswitch'/></network>");
        var ex = await Assert.ThrowsAsync<VireoException>(() => backend.StartAsync(n, [], default));
        Assert.Contains("unsupported network-wide <virtualport type='openvswitch'> element in network nv with forward mode='nat'", ex.Message);
        Assert.Empty(runner.Calls);
    }
}
