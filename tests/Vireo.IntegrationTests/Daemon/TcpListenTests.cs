using System.Diagnostics;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Daemon;

/// <summary>vireod --listen with its token: the API on loopback TCP, and vireo -c http:// with --token-file or $VIREO_TOKEN_FILE.</summary>
public class TcpListenTests
{
    [Fact]
    public async Task The_cli_works_over_loopback_tcp_with_the_token()
    {
        var tokenDir = Directory.CreateTempSubdirectory("vireo-token-").FullName;
        try
        {
            var token = Path.Combine(tokenDir, "token");
            File.WriteAllText(token, "pQ7wE2rT9yU4iO1pA6sD3fG8hJ5kL0zX\n");
            File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var port = ListenerSecurityTests.FreePort();
            await using var d = await DaemonFixture.StartAsync("--listen", $"127.0.0.1:{port}", "--token-file", token);
            var file = Path.Combine(d.Root, "t.xml");
            File.WriteAllText(file, "<domain type='qemu'><name>overtcp</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>");
            var tcp = $"http://127.0.0.1:{port}";
            (await CliRunner.RunAsync(["-c", tcp, "--token-file", token, "define", file])).Ok();
            var env = new Dictionary<string, string> { ["VIREO_TOKEN_FILE"] = token };
            Assert.Contains("overtcp", (await CliRunner.RunAsync(["-c", tcp, "list", "--all"], env)).Ok().Stdout);
            Assert.Equal(tcp, (await CliRunner.RunAsync(["-c", tcp, "uri"], env)).Ok().Stdout.Trim());
            (await CliRunner.RunAsync(["-c", tcp, "list", "--all"])).Fails($"vireod at {tcp} needs a token");
        }
        finally { Directory.Delete(tokenDir, recursive: true); }
    }

    [Fact]
    public async Task Non_loopback_listen_addresses_are_refused()
    {
        var root = Directory.CreateTempSubdirectory("vireo-listen-").FullName;
        try
        {
            var psi = new ProcessStartInfo("dotnet", ["exec", Repo.Daemon, "--root", root, "--listen", "0.0.0.0:16999"])
            { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            var err = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, p.ExitCode);
            Assert.Contains("only loopback addresses are allowed", err);
        }
        finally { Directory.Delete(root, true); }
    }
}
