using Vireo.Core.Domain;
using Vireo.Host.Processes;
using Vireo.IntegrationTests.Fixtures;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;

namespace Vireo.IntegrationTests.Domains;

/// <summary>The golden argv cases that need no external files, started by real QEMU: it must accept them.</summary>
[Collection("vm")]
public class ArgvAcceptedByQemuTests
{
    [SkippableTheory]
    [InlineData("minimal")]
    [InlineData("cpu-topology")]
    [InlineData("lifecycle-actions")]
    [InlineData("clock-localtime-bootmenu")]
    [InlineData("rng-balloon-watchdog")]
    [InlineData("vnc-autoport-tablet")]
    [InlineData("name-escape")]
    public async Task Qemu_starts_with_the_generated_command_line(string name)
    {
        Skip.If(!File.Exists("/usr/bin/qemu-system-x86_64"), "QEMU is not installed");
        var xml = File.ReadAllText(Path.Combine(Repo.Root, "tests/Vireo.Qemu.Tests/xml2argv", name + ".xml"));
        var root = Directory.CreateTempSubdirectory("vireo-argv-").FullName;
        // Files the case refers to are redirected into the temp root.
        xml = xml.Replace("/images/", root + "/").Replace("/var/log/", root + "/");
        if (xml.Contains(root + "/a,b.raw")) File.WriteAllBytes(Path.Combine(root, "a,b.raw"), new byte[1 << 20]);
        var def = DomainDefinition.Parse(xml);
        var paths = new QemuPaths(Path.Combine(root, "run"), Path.Combine(root, "lib"), Path.Combine(root, "log"), def.Name);
        var logLines = new List<string>();
        try
        {
            await using var qemu = await new QemuLauncher(new ProcessRunner()).LaunchAsync(def, paths, QemuHostOptions.TcgOnly, logLines.Add);
            var status = await qemu.Qmp.QueryStatusAsync();
            Assert.Equal("prelaunch", status.Status);
            var exit = await qemu.DestroyAsync(graceful: false, TimeSpan.FromSeconds(5));
            Assert.Equal(QemuExitReason.Destroyed, exit.Reason);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
