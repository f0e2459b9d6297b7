using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Vireo.Daemon.Api;
using Vireo.Daemon.Hosting;
using Vireo.Daemon.Networks;
using Vireo.Daemon.State;
using Vireo.Host.Processes;
using Vireo.Network;

namespace Vireo.Daemon.Tests.Api;

/// <summary>
/// /v1/networks through vireod's real pipeline, against the bytes vireod sent before its network service spoke
/// domain types (captured from that code). The host is a script: `ip -j` answers with one host bridge and no
/// routes, every other command succeeds without running, so nothing here touches the machine's network.
/// </summary>
public sealed class NetworkJsonTests : IAsyncLifetime
{
    private const string HostBridgeUuid = "3e3fce45-4f53-4fa7-bb32-11f34168b82b";
    private const string NatUuid = "9a05da11-e96b-47f3-8253-a3a482e445f5";
    private const string DirectUuid = "5b1d3a4c-7e0f-4f7e-9d2a-0c6b1e2f3a4b";
    private const string IsolatedUuid = "f9a9a5ac-2e4b-4d10-8a32-52ef4b4d8f0d";

    private readonly VireoPaths _paths = new(Directory.CreateTempSubdirectory("vireo-network-json-").FullName);
    private ApiTestServer _server = null!;
    private HttpClient _http = null!;

    private string DnsmasqDir => Path.Combine(_paths.Root, "var/lib/vireo/dnsmasq");


    public async Task InitializeAsync()
    {
        _paths.CreateAll();
        var runner = new RecordingRunner(argv => string.Join(' ', argv) switch
        {
            "ip -j link show" => new ProcessResult(0, """[{"ifname":"lo"},{"ifname":"br-host"}]""", ""),
            var c when c.StartsWith("ip -j") => new ProcessResult(0, "[]", ""),
            _ => new ProcessResult(0, "", ""),
        });
        var procSys = Path.Combine(_paths.Root, "proc-sys");
        Directory.CreateDirectory(Path.Combine(procSys, "net/ipv4"));
        _server = await ApiTestServer.StartAsync(NetworkEndpoints.Map, services: s => s
            .AddSingleton(_paths)
            .AddSingleton(new DaemonOptions { NoDefaultNetwork = true })
            .AddSingleton(new NetworkBackends(runner, DnsmasqDir, procSys, Path.Combine(_paths.Root, "sys")))
            .AddSingleton<NetworkService>());
        await _server.Services.GetRequiredService<NetworkService>().InitializeAsync(CancellationToken.None);
        _http = _server.Client();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_paths.Root, recursive: true);
    }

    private async Task<string> Send(HttpMethod method, string path, string? body = null, string type = "application/json")
    {
        using var req = new HttpRequestMessage(method, path);
        if (body is not null) req.Content = new StringContent(body, Encoding.UTF8, type);
        using var resp = await _http.SendAsync(req);
        return $"{(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}";
    }

    private Task<string> Define(string xml, bool create = false) =>
        Send(HttpMethod.Post, create ? "/v1/networks?create=true" : "/v1/networks", xml, "application/xml");

    private const string Isolated = $"<network><name>iso</name><uuid>{IsolatedUuid}</uuid><bridge name='vnt-iso'/><dns enable='no'/>" +
        "<ip address='10.77.0.1' prefix='24'/><ip family='ipv6' address='fd77::1' prefix='64'/></network>";

    [Fact]
    public async Task Every_answer_is_the_json_vireod_sent_before()
    {
        Assert.Equal($$"""200 {"name":"host","uuid":"{{HostBridgeUuid}}","active":false,"autostart":false,"persistent":true,"bridge":"br-host","forwardMode":"bridge"}""",
            await Define($"<network><name>host</name><uuid>{HostBridgeUuid}</uuid><forward mode='bridge'/><bridge name='br-host'/></network>"));
        Assert.Equal($$"""200 {"name":"nat","uuid":"{{NatUuid}}","active":false,"autostart":false,"persistent":true,"bridge":"virbr0","forwardMode":"nat"}""",
            await Define($"<network><name>nat</name><uuid>{NatUuid}</uuid><forward mode='nat'/><ip address='10.88.0.1' netmask='255.255.255.0'/></network>"));
        Assert.Equal($$"""200 {"name":"iso","uuid":"{{IsolatedUuid}}","active":true,"autostart":false,"persistent":false,"bridge":"vnt-iso","forwardMode":"isolated"}""",
            await Define(Isolated, create: true));

        Assert.Equal($$"""200 {"name":"host","uuid":"{{HostBridgeUuid}}","active":true,"autostart":false,"persistent":true,"bridge":"br-host","forwardMode":"bridge"}""",
            await Send(HttpMethod.Post, "/v1/networks/host/start"));
        Assert.Equal($$"""200 {"name":"host","uuid":"{{HostBridgeUuid}}","active":true,"autostart":true,"persistent":true,"bridge":"br-host","forwardMode":"bridge"}""",
            await Send(HttpMethod.Put, "/v1/networks/host/autostart", """{"enabled":true}"""));
        Assert.Equal($$"""200 [{"name":"host","uuid":"{{HostBridgeUuid}}","active":true,"autostart":true,"persistent":true,"bridge":"br-host","forwardMode":"bridge"},{"name":"iso","uuid":"{{IsolatedUuid}}","active":true,"autostart":false,"persistent":false,"bridge":"vnt-iso","forwardMode":"isolated"},{"name":"nat","uuid":"{{NatUuid}}","active":false,"autostart":false,"persistent":true,"bridge":"virbr0","forwardMode":"nat"}]""",
            await Send(HttpMethod.Get, "/v1/networks"));
        Assert.Equal($$"""200 {"name":"nat","uuid":"{{NatUuid}}","active":false,"autostart":false,"persistent":true,"bridge":"virbr0","forwardMode":"nat"}""",
            await Send(HttpMethod.Get, $"/v1/networks/{NatUuid}"));
        Assert.Equal($$"""200 {"name":"host","uuid":"{{HostBridgeUuid}}","active":false,"autostart":true,"persistent":true,"bridge":"br-host","forwardMode":"bridge"}""",
            await Send(HttpMethod.Post, "/v1/networks/host/destroy"));
        Assert.Equal("204 ", await Send(HttpMethod.Delete, "/v1/networks/nat"));
        // A macvtap network has no bridge: the define answer writes the null, the answer for one network leaves it out.
        Assert.Equal($$"""200 {"name":"vepa","uuid":"{{DirectUuid}}","active":false,"autostart":false,"persistent":true,"bridge":null,"forwardMode":"vepa"}""",
            await Define($"<network><name>vepa</name><uuid>{DirectUuid}</uuid><forward mode='vepa'><interface dev='eth9'/></forward></network>"));
        Assert.Equal($$"""200 {"name":"vepa","uuid":"{{DirectUuid}}","active":false,"autostart":false,"persistent":true,"forwardMode":"vepa"}""",
            await Send(HttpMethod.Get, "/v1/networks/vepa"));
    }

    [Fact]
    public async Task Leases_are_the_json_vireod_sent_before()
    {
        await Define(Isolated, create: true);
        Directory.CreateDirectory(DnsmasqDir);
        // dnsmasq's lease file: expiry, MAC, address, hostname and client id ('*' for none).
        File.WriteAllText(Path.Combine(DnsmasqDir, "iso.leases"),
            "1893456000 52:54:00:aa:bb:cc 10.77.0.23 guest-a 01:52:54:00:aa:bb:cc\n" +
            "1893459600 52:54:00:dd:ee:ff fd77::23 * *\n");
        var a = Local(1893456000);
        var b = Local(1893459600);
        Assert.Equal($$"""200 [{"expiryTime":"{{a}}","mac":"52:54:00:aa:bb:cc","protocol":"ipv4","ipAddress":"10.77.0.23/24","hostname":"guest-a","clientId":"01:52:54:00:aa:bb:cc"},{"expiryTime":"{{b}}","mac":"52:54:00:dd:ee:ff","protocol":"ipv6","ipAddress":"fd77::23/64","hostname":null,"clientId":null}]""",
            await Send(HttpMethod.Get, "/v1/networks/iso/leases"));
        Assert.Equal($$"""200 [{"expiryTime":"{{b}}","mac":"52:54:00:dd:ee:ff","protocol":"ipv6","ipAddress":"fd77::23/64","hostname":null,"clientId":null}]""",
            await Send(HttpMethod.Get, "/v1/networks/iso/leases?mac=52:54:00:DD:EE:FF"));
    }

    [Fact]
    public async Task Updates_and_errors_are_what_vireod_sent_before()
    {
        await Define($"<network><name>nat</name><uuid>{NatUuid}</uuid><forward mode='nat'/><ip address='10.88.0.1' netmask='255.255.255.0'><dhcp/></ip></network>");
        Assert.Equal("204 ", await Send(HttpMethod.Post, "/v1/networks/nat/update",
            """{"command":"add","section":"ip-dhcp-host","xml":"<host mac='52:54:00:00:00:01' ip='10.88.0.9'/>"}"""));
        Assert.Contains("<host mac='52:54:00:00:00:01' ip='10.88.0.9'/>", await Xml("nat"));
        Assert.Equal("""409 {"code":"OperationInvalid","message":"Requested operation is not valid: network 'nat' is not active","details":[]}""",
            await Send(HttpMethod.Get, "/v1/networks/nat/leases"));
        Assert.Equal("""404 {"code":"NoNetwork","message":"Network not found: no network with matching name 'nope'","details":[]}""",
            await Send(HttpMethod.Get, "/v1/networks/nope"));
        Assert.Equal("""400 {"code":"InvalidArgument","message":"unknown network action 'reboot' (expected start or destroy)","details":[]}""",
            await Send(HttpMethod.Post, "/v1/networks/nat/reboot"));
    }

    private async Task<string> Xml(string name)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/v1/networks/{name}");
        req.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/xml"));
        using var resp = await _http.SendAsync(req);
        return await resp.Content.ReadAsStringAsync();
    }

    /// <summary>net-dhcp-leases prints expiry times in the host's time zone.</summary>
    private static string Local(long unixSeconds) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(unixSeconds), TimeZoneInfo.Local).ToString("yyyy-MM-dd HH:mm:ss");
}
