using System.Text.Json.Nodes;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.HostChecks;

/// <summary>vireo host-validate on this very host (the fixture trees are in Vireo.Host.Tests).</summary>
public class HostValidateTests
{
    [Fact]
    public async Task This_host_is_validated_and_a_pvm_kvm_is_called_what_it_is()
    {
        var r = await CliRunner.RunAsync(["host-validate", "qemu"]);
        var hwVirt = File.ReadAllText("/proc/cpuinfo").Split(' ', '\t', '\n').Any(f => f is "vmx" or "svm");
        Assert.Equal(hwVirt && !r.Stdout.Contains(": FAIL") ? 0 : 1, r.ExitCode);
        Assert.Matches(@"(?m)^  QEMU: Checking for hardware virtualization\s+: (PASS|FAIL)", r.Stdout);
        Assert.DoesNotContain("  LXC:", r.Stdout);
        if (Directory.Exists("/sys/module/kvm_pvm") && !Directory.Exists("/sys/module/kvm_intel") && !Directory.Exists("/sys/module/kvm_amd"))
            Assert.Matches(@"Checking if /dev/kvm is hardware KVM \(not paravirtual\)\s+: WARN \(/dev/kvm comes from kvm_pvm", r.Stdout);
        var json = JsonNode.Parse((await CliRunner.RunAsync(["host-validate", "--json"])).Stdout)!.AsArray();
        Assert.Contains(json, c => (string?)c!["hypervisor"] == "LXC" && (string?)c["check"] == "for namespace net");
        Assert.All(json, c => Assert.Contains((string?)c!["result"], new[] { "PASS", "WARN", "FAIL" }));
        var quiet = await CliRunner.RunAsync(["host-validate", "-q", "qemu"]);
        Assert.Equal("", quiet.Stdout);
        Assert.Equal(r.ExitCode, quiet.ExitCode);
        (await CliRunner.RunAsync(["host-validate", "xen"])).Fails("unsupported hypervisor name 'xen' (known: qemu, lxc)");
    }
}
