using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Qemu.Argv;

namespace Vireo.Qemu.Tests.Argv;

/// <summary>A unix socket path that does not fit sockaddr_un is refused before QEMU runs, naming the path.</summary>
public class SocketPathTests
{
    private static DomainDefinition Dom(string name, string devices = "") =>
        DomainDefinition.Parse($"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os><devices>{devices}</devices></domain>");

    private static QemuPaths Paths(string name) => new($"/run/vireo/qemu/{name}", $"/var/lib/vireo/qemu/{name}", "/var/log/vireo/qemu", name);

    [Fact]
    public void A_monitor_socket_that_fits_is_used()
    {
        var name = new string('a', 60);
        Assert.Contains(QemuArgv.Build(Dom(name), Paths(name), QemuHostOptions.TcgOnly), arg => arg.Contains($"/{name}/qmp.sock"));
    }

    [Fact]
    public void A_long_name_that_overflows_the_monitor_socket_is_refused_naming_the_path()
    {
        var name = new string('a', 100);
        var e = Assert.Throws<VireoException>(() => QemuArgv.Build(Dom(name), Paths(name), QemuHostOptions.TcgOnly));
        Assert.Equal(ErrorCode.ConfigUnsupported, e.Code);
        Assert.Contains($"/{name}/qmp.sock", e.Message);
        Assert.Contains("107 bytes", e.Message);
    }

    [Fact]
    public void A_channel_socket_that_overflows_names_its_element()
    {
        var name = new string('b', 70);
        var e = Assert.Throws<VireoException>(() => QemuArgv.Build(Dom(name, "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"), Paths(name), QemuHostOptions.TcgOnly));
        Assert.Contains("<channel>", e.Message);
    }
}
