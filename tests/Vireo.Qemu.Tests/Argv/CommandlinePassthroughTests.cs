using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Qemu.Argv;

namespace Vireo.Qemu.Tests.Argv;

/// <summary>&lt;qemu:commandline&gt; reaches QEMU only where vireod.conf allows it: its arguments pass every check Vireo makes.</summary>
public class CommandlinePassthroughTests
{
    private static readonly DomainDefinition Dom = DomainDefinition.Parse("""
        <domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
          <name>pass</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os>
          <qemu:commandline><qemu:arg value='-drive'/><qemu:arg value='file=/etc/shadow,if=virtio'/></qemu:commandline>
        </domain>
        """);

    private static readonly QemuPaths Paths = new("/run/vireo/qemu/pass", "/var/lib/vireo/qemu/pass", "/var/log/vireo/qemu", "pass");

    [Fact]
    public void It_is_refused_by_default_naming_the_element_and_the_setting()
    {
        var e = Assert.Throws<VireoException>(() => QemuArgv.Build(Dom, Paths, QemuHostOptions.TcgOnly));
        Assert.Equal(ErrorCode.ConfigUnsupported, e.Code);
        Assert.Contains("<commandline> (line 3)", e.Message);
        Assert.Contains("allow_qemu_commandline = 1", e.Message);
    }

    [Fact]
    public void It_is_passed_on_where_allowed()
    {
        var argv = QemuArgv.Build(Dom, Paths, QemuHostOptions.TcgOnly with { AllowCommandline = true });
        Assert.Equal(["-drive", "file=/etc/shadow,if=virtio"], argv.TakeLast(2));
    }
}
