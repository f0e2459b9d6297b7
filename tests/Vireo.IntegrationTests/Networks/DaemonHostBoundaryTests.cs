using System.Text.RegularExpressions;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Networks;

/// <summary>
/// Network work on the host belongs to Vireo.Network (its backends and NIC plumbing): vireod's own sources run
/// none of ip, tc, ovs-vsctl, nft or dnsmasq, and open no tap or macvtap device themselves.
/// </summary>
public partial class DaemonHostBoundaryTests
{
    [GeneratedRegex(@"\[\s*""(ip|tc|ovs-vsctl|nft|dnsmasq|bridge)""\s*,")]
    private static partial Regex ToolArgv();

    [GeneratedRegex(@"\b(Tun|Macvtap)\.(OpenTap|OpenQueue|SetQueueFlags)\b")]
    private static partial Regex TapInterop();

    [Fact]
    public void The_daemon_runs_no_network_tool_and_opens_no_tap()
    {
        var sources = Directory.GetFiles(Path.Combine(Repo.Root, "src/Vireo.Daemon"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/")).ToList();
        Assert.True(sources.Count > 50, $"only {sources.Count} daemon sources found: has the tree moved?");
        var found = sources.SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => ToolArgv().IsMatch(l.Text) || TapInterop().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(Repo.Root, l.File)}:{l.Line}: {l.Text.Trim()}").ToList();
        Assert.True(found.Count == 0, "host network work in the daemon (it belongs in Vireo.Network):\n" + string.Join("\n", found));
    }
}
