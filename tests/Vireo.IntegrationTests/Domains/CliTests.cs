using System.Text.Json;
using Vireo.Contracts;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

/// <summary>Definitions, listings and errors through the real CLI and daemon; no guest is booted.</summary>
public class CliTests : DaemonTestBase
{
    private static string Dom(string name, string uuid = "", string extra = "") => $"""
        <domain type='qemu'>
          <name>{name}</name>
          {(uuid.Length > 0 ? $"<uuid>{uuid}</uuid>" : "")}
          <title>the {name} box</title>
          <memory unit='MiB'>64</memory>
          <os><type arch='x86_64' machine='pc'>hvm</type></os>
          <devices><x-vendor keep='yes'/>{extra}</devices>
          <metadata><app:data xmlns:app='http://example.com/app'>kept</app:data></metadata>
        </domain>
        """;

    [Fact]
    public async Task Define_list_dumpxml_undefine()
    {
        var r = (await D.Vireo("define", Write("a.xml", Dom("alpha")))).Ok();
        Assert.Equal("Domain 'alpha' defined from " + Path.Combine(D.Root, "a.xml") + "\n\n", r.Stdout);
        (await D.Vireo("define", "--file", Write("b.xml", Dom("beta")))).Ok();
        Assert.Equal(" Id   Name   State\n--------------------\n\n", (await D.Vireo("list")).Ok().Stdout);
        Assert.Equal(" Id   Name    State\n------------------------\n -    alpha   shut off\n -    beta    shut off\n\n",
            (await D.Vireo("list", "--all")).Ok().Stdout);
        Assert.Equal("alpha\nbeta\n\n", (await D.Vireo("list", "--inactive", "--name")).Ok().Stdout);
        Assert.Contains("the alpha box", (await D.Vireo("list", "--all", "--title")).Ok().Stdout);
        var json = JsonSerializer.Deserialize((await D.Vireo("list", "--all", "--json")).Ok().Stdout, VireoJsonContext.Default.ListDomainSummary)!;
        Assert.Equal(["alpha", "beta"], json.Select(d => d.Name));
        Assert.All(json, d => Assert.True(d.Persistent));

        var xml = (await D.Vireo("dumpxml", "alpha")).Ok().Stdout;
        Assert.Contains("<x-vendor keep='yes'/>", xml);
        Assert.Contains("<app:data xmlns:app='http://example.com/app'>kept</app:data>", xml);
        Assert.Matches("<uuid>[0-9a-f-]{36}</uuid>", xml);
        var uuid = (await D.Vireo("domuuid", "alpha")).Ok().Stdout.Trim();
        Assert.Equal("alpha", (await D.Vireo("domname", uuid)).Ok().Stdout.Trim());
        Assert.Equal("-", (await D.Vireo("domid", "alpha")).Ok().Stdout.Trim());
        Assert.Contains("Name:           alpha", (await D.Vireo("dominfo", uuid)).Ok().Stdout);
        Assert.True(File.Exists(Path.Combine(D.Root, "etc/vireo/qemu/alpha.xml")));

        Assert.Contains("Domain 'alpha' has been undefined", (await D.Vireo("undefine", "alpha")).Ok().Stdout);
        Assert.False(File.Exists(Path.Combine(D.Root, "etc/vireo/qemu/alpha.xml")));
        (await D.Vireo("dominfo", "alpha")).Fails("Domain not found: no domain with matching name 'alpha'");
    }

    [Fact]
    public async Task Definitions_survive_a_daemon_restart()
    {
        (await D.Vireo("define", Write("p.xml", Dom("persist")))).Ok();
        var before = (await D.Vireo("dumpxml", "persist")).Ok().Stdout;
        await D.StopDaemonAsync();
        await D.StartDaemonAsync();
        Assert.Equal(before, (await D.Vireo("dumpxml", "persist")).Ok().Stdout);
    }

    [Fact]
    public async Task Errors_are_clear_and_exit_non_zero()
    {
        (await D.Vireo("start", "nope")).Fails("no domain with matching name 'nope'");
        (await D.Vireo("define", Write("bad.xml", "<domain type='qemu'>\n  <name>x</name>\n  <memory>1</memory>\n</domian>"))).Fails("line 4");
        var invalid = await D.Vireo("define", Write("inv.xml", "<domain type='qemu'><name>a/b</name><memory>0</memory><on_crash>boom</on_crash></domain>"));
        invalid.Fails("3 problems");
        Assert.Contains("boom", invalid.Stderr);
        (await D.Vireo("define", Write("missing.xml", ""))).Fails("");
        (await D.Vireo("define", "/nonexistent/file.xml")).Fails("failed to read file '/nonexistent/file.xml'");
        (await D.Vireo("frobnicate")).Fails("unknown command: 'frobnicate'");
        (await D.Vireo("list", "--bogus")).Fails("doesn't support option --bogus");
        (await D.Vireo("start")).Fails("requires <domain>");
        Assert.False(Directory.EnumerateFiles(Path.Combine(D.Root, "etc/vireo/qemu")).Any(), "a rejected definition must not touch the disk");
    }

    [Fact]
    public async Task Duplicate_names_and_uuids_are_refused()
    {
        const string u1 = "11111111-1111-1111-1111-111111111111";
        const string u2 = "22222222-2222-2222-2222-222222222222";
        (await D.Vireo("define", Write("d1.xml", Dom("dup", u1)))).Ok();
        (await D.Vireo("define", Write("d2.xml", Dom("dup", u2)))).Fails($"domain 'dup' already exists with uuid {u1}");
        (await D.Vireo("define", Write("d3.xml", Dom("other", u1)))).Fails($"domain 'dup' is already defined with uuid {u1}");
        // Redefining the same name and uuid updates it.
        (await D.Vireo("define", Write("d4.xml", Dom("dup", u1).Replace("<memory unit='MiB'>64<", "<memory unit='MiB'>96<")))).Ok();
        Assert.Contains("98304 KiB", (await D.Vireo("dominfo", "dup")).Ok().Stdout);
    }

    [Fact]
    public async Task Quiet_mode_prints_only_the_data_as_virsh_q_does()
    {
        (await D.Vireo("define", Write("q1.xml", Dom("quiet-one")))).Ok();
        Assert.Equal("", (await D.Vireo("-q", "define", Write("q2.xml", Dom("q2")))).Ok().Stdout);
        // No header, columns as wide as the data, no closing empty line: what scripts parse.
        Assert.Equal(" -   q2          shut off\n -   quiet-one   shut off\n", (await D.Vireo("-q", "list", "--all")).Ok().Stdout);
        Assert.Equal("shut off\n", (await D.Vireo("--quiet", "domstate", "q2")).Ok().Stdout);
        Assert.Equal("q2\nquiet-one\n", (await D.Vireo("-q", "list", "--all", "--name")).Ok().Stdout);
        (await D.Vireo("-q", "dominfo", "nope")).Fails("no domain with matching name 'nope'");
    }

    [Fact]
    public async Task Libvirt_style_uris_reach_the_daemon()
    {
        (await D.Vireo("define", Write("u.xml", Dom("by-uri")))).Ok();
        var viaSocketParam = await CliRunner.RunAsync(["-c", $"qemu+unix:///system?socket={D.Socket}", "list", "--all", "--name"]);
        Assert.Equal("by-uri\n\n", viaSocketParam.Ok().Stdout);
        var viaEquals = await CliRunner.RunAsync([$"--connect={D.Uri}", "domstate", "by-uri"]);
        Assert.Equal("shut off\n\n", viaEquals.Ok().Stdout);
        (await CliRunner.RunAsync(["-c", "qemu+unix:///system?socket=relative.sock", "list"])).Fails("must be an absolute path");
        (await CliRunner.RunAsync(["-c", "qemu:///session", "list"])).Fails("unsupported URI 'qemu:///session'");
    }

    [Fact]
    public async Task Daemon_unreachable_says_how_to_start_it()
    {
        var r = await CliRunner.RunAsync(["-c", "unix:///nonexistent/vireod.sock", "list"]);
        r.Fails("failed to connect to the daemon at unix:///nonexistent/vireod.sock");
        Assert.Contains("Start it with 'vireod'", r.Stderr);
        var env = await CliRunner.RunAsync(["uri"], new Dictionary<string, string> { ["VIREO_DEFAULT_URI"] = D.Uri });
        Assert.Equal(D.Uri, env.Ok().Stdout.Trim());
    }

    [Fact]
    public async Task Edit_validates_before_saving()
    {
        (await D.Vireo("define", Write("e.xml", Dom("editme")))).Ok();
        var ok = await D.VireoWithEnv(new Dictionary<string, string> { ["EDITOR"] = "sed -i 's/>65536</>131072</'" }, "edit", "editme");
        Assert.Contains("Domain 'editme' XML configuration edited.", ok.Ok().Stdout);
        Assert.Contains("131072 KiB", (await D.Vireo("dominfo", "editme")).Ok().Stdout);
        var bad = await D.VireoWithEnv(new Dictionary<string, string> { ["EDITOR"] = "sed -i s/<memory/<mem0ry/" }, "edit", "editme");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("131072 KiB", (await D.Vireo("dominfo", "editme")).Ok().Stdout);
        var same = await D.VireoWithEnv(new Dictionary<string, string> { ["EDITOR"] = "true" }, "edit", "editme");
        Assert.Contains("not changed", same.Ok().Stdout);
    }

    [Fact]
    public async Task Domxml_to_native_prints_the_qemu_command_line()
    {
        var r = (await D.Vireo("domxml-to-native", "qemu-argv", Write("n.xml", Dom("native")))).Ok();
        Assert.StartsWith("qemu-system-x86_64 -name guest=native,debug-threads=on -S -daemonize", r.Stdout);
        Assert.Contains("-machine pc,accel=tcg", r.Stdout);
        // NICs vireod plugs over QMP are shown too, as what they amount to: on q35 behind their root port.
        var nic = Write("nic.xml", Dom("nic").Replace("</devices>",
            "<interface type='network'><mac address='52:54:00:00:00:77'/><source network='default'/><model type='virtio'/><driver queues='2'/></interface></devices>")
            .Replace("machine='pc'", "machine='q35'"));
        var withNic = (await D.Vireo("domxml-to-native", "qemu-argv", nic)).Ok().Stdout;
        Assert.Contains("-device pcie-root-port,port=0x10,chassis=1,id=vireo-port1,bus=pcie.0,addr=0x10.0x0,multifunction=on", withNic);
        Assert.Contains("-netdev tap,fds=tapfd-net0-0:tapfd-net0-1,id=hostnet0 " +
                        "-device virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:00:00:77,bus=vireo-port1,mq=on,vectors=6", withNic);
    }

    [Fact]
    public async Task Version_uri_hostname()
    {
        Assert.Contains("Running hypervisor: QEMU", (await D.Vireo("version")).Ok().Stdout);
        Assert.Equal(D.Uri, (await D.Vireo("uri")).Ok().Stdout.Trim());
        Assert.Equal(Environment.MachineName, (await D.Vireo("hostname")).Ok().Stdout.Trim());
    }

    [Fact]
    public async Task Socket_is_group_accessible_only()
    {
        var mode = File.GetUnixFileMode(D.Socket);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, mode);
        await Task.CompletedTask;
    }
}

/// <summary>The API itself, without the CLI: the OpenAPI document and the error shape.</summary>
public class ApiTests : DaemonTestBase
{
    private HttpClient Http()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                await s.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(D.Socket), ct);
                return new System.Net.Sockets.NetworkStream(s, true);
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://vireod/") };
    }

    [Fact]
    public async Task Openapi_document_is_the_one_the_build_generated()
    {
        using var http = Http();
        var served = await http.GetStringAsync("v1/openapi.json");
        // vireod serves the file its build wrote next to vireod.dll (Vireo.Daemon.Tests checks that file against the endpoints).
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(Repo.Daemon)!, "openapi.json")), served);
        var doc = System.Text.Json.Nodes.JsonNode.Parse(served)!;
        Assert.StartsWith("3.1.", (string?)doc["openapi"]);
        Assert.NotNull(doc["paths"]!["/v1/domains/{name}/{action}"]!["post"]);
        Assert.NotNull(doc["paths"]!["/v1/events"]!["get"]);
    }

    [Fact]
    public async Task Errors_have_one_json_shape_and_the_matching_status()
    {
        using var http = Http();
        var resp = await http.GetAsync("v1/domains/nope");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, resp.StatusCode);
        var text = await resp.Content.ReadAsStringAsync();
        // Readable for someone using curl: the quotes in the message are not \u0027.
        Assert.Equal("""{"code":"NoDomain","message":"Domain not found: no domain with matching name 'nope'","details":[]}""", text);
        var err = JsonSerializer.Deserialize(text, VireoJsonContext.Default.ErrorResponse)!;
        Assert.Equal("NoDomain", err.Code);
        var bad = await http.PostAsync("v1/domains", new StringContent("<domain type='qemu'><memory>0</memory></domain>", System.Text.Encoding.UTF8, "application/xml"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        var verr = JsonSerializer.Deserialize(await bad.Content.ReadAsStringAsync(), VireoJsonContext.Default.ErrorResponse)!;
        Assert.Equal("XmlValidation", verr.Code);
        Assert.True(verr.Details.Count >= 2, string.Join("; ", verr.Details));
        var unknown = await http.PutAsync("v1/domains/nope/autostart", new StringContent("{\"enabled\":true,\"bogus\":1}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, unknown.StatusCode);
    }
}
