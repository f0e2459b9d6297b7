using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Qemu.Qmp;

/// <summary>Network backends, link state and the descriptors handed to QEMU for them.</summary>
public sealed partial class QmpClient
{
    public Task NetdevAddAsync(QmpNetdev netdev, CancellationToken ct = default) => ExecuteAsync("netdev_add", netdev.ToArguments(), ct);

    public Task NetdevDelAsync(string id, CancellationToken ct = default) => ExecuteAsync("netdev_del", new JsonObject { ["id"] = id }, ct);

    /// <summary>set_link: the NIC device (or netdev) <paramref name="name"/> sees its link go up or down.</summary>
    public Task SetLinkAsync(string name, bool up, CancellationToken ct = default) =>
        ExecuteAsync("set_link", new JsonObject { ["name"] = name, ["up"] = up }, ct);

    /// <summary>getfd: hands QEMU a file descriptor (SCM_RIGHTS on the QMP socket), which it keeps under <paramref name="fdName"/>.</summary>
    public Task GetFdAsync(string fdName, SafeFileHandle fd, CancellationToken ct = default) =>
        ExecuteWithFdAsync("getfd", new JsonObject { ["fdname"] = fdName }, fd, ct);

    /// <summary>closefd: closes a descriptor QEMU keeps from getfd that nothing has taken (netdev_add takes the ones it names).</summary>
    public Task CloseFdAsync(string fdName, CancellationToken ct = default) =>
        ExecuteAsync("closefd", new JsonObject { ["fdname"] = fdName }, ct);
}
