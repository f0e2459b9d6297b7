using System.Text.Json.Nodes;

namespace Vireo.Qemu.Qmp;

/// <summary>A network backend for netdev_add (qapi/net.json's Netdev union, the members vireod uses).</summary>
public abstract record QmpNetdev(string Id)
{
    /// <summary>The netdev_add arguments.</summary>
    internal abstract JsonObject ToArguments();
}

/// <summary>
/// A tap backend on descriptors handed over with getfd: one (fd=) or one per queue of a multiqueue tap (fds=).
/// </summary>
/// <param name="FdNames">The getfd names, in queue order; at least one.</param>
/// <param name="Vhost">Let the kernel's vhost-net carry the traffic.</param>
public sealed record QmpTapNetdev(string Id, IReadOnlyList<string> FdNames, bool Vhost) : QmpNetdev(Id)
{
    internal override JsonObject ToArguments()
    {
        if (FdNames.Count == 0) throw new ArgumentException("a tap netdev needs at least one descriptor", nameof(FdNames));
        var args = new JsonObject { ["type"] = "tap", ["id"] = Id };
        if (FdNames.Count == 1) args["fd"] = FdNames[0];
        else args["fds"] = string.Join(':', FdNames);
        args["vhost"] = Vhost;
        return args;
    }
}

/// <summary>User-mode networking (slirp), with QEMU's defaults.</summary>
public sealed record QmpUserNetdev(string Id) : QmpNetdev(Id)
{
    internal override JsonObject ToArguments() => new() { ["type"] = "user", ["id"] = Id };
}
