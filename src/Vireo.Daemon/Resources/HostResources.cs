namespace Vireo.Daemon.Resources;

/// <summary>What a guest can take from the host, each kind with its own key space.</summary>
public enum HostResource
{
    /// <summary>A tap or macvtap link name (vnet0, macvtap3): one guest each.</summary>
    LinkName,
    /// <summary>A host PCI device (0000:03:00.1) passed through with VFIO: one guest each.</summary>
    PciDevice,
    /// <summary>A host interface macvtap links are made on: shared, except in passthrough mode.</summary>
    MacvtapLower,
    /// <summary>A TCP port a display listens on (VNC, SPICE).</summary>
    DisplayPort,
}

/// <summary>
/// One guest's hold on one resource: <paramref name="Owner"/> is the domain, <paramref name="Device"/> what in
/// it holds the resource (a NIC's MAC, a hostdev's address), <paramref name="Mode"/> how (macvtap's vepa, passthrough, ...).
/// </summary>
public sealed record ResourceClaim(string Owner, string Device, bool Exclusive, string? Mode = null);

/// <summary>
/// The one reservation table for everything guests take from the host (DESIGN: reserved in one place before
/// QEMU starts, released on every way out). Picking a free name by looking at the guests already running
/// raced: four guests started together all chose vnet0. Here a choice and its reservation are one step
/// under one lock; a start that fails or a guest that stops releases its owner's claims, and a restarted
/// vireod rebuilds the table from the guests it reconnects to.
/// </summary>
public sealed class HostResources
{
    private readonly object _gate = new();
    private readonly Dictionary<(HostResource, string), List<ResourceClaim>> _claims = [];

    /// <summary>
    /// Claims <paramref name="key"/> for one device of <paramref name="owner"/>. An exclusive claim needs the key
    /// free of other owners; a shared one needs no other owner to hold it exclusively. Claiming again what the
    /// same device holds changes nothing. Returns the claim in the way, or null.
    /// </summary>
    public ResourceClaim? TryClaim(HostResource kind, string key, string owner, string device, bool exclusive, string? mode = null)
    {
        lock (_gate)
        {
            var claims = Claims(kind, key);
            var conflict = claims.FirstOrDefault(c => c.Owner != owner && (exclusive || c.Exclusive));
            if (conflict is not null) return conflict;
            if (!claims.Any(c => c.Owner == owner && c.Device == device)) claims.Add(new ResourceClaim(owner, device, exclusive, mode));
            return null;
        }
    }

    /// <summary>
    /// The first of <paramref name="candidates"/> nobody holds and <paramref name="inUseElsewhere"/> does not
    /// report busy (a host link of that name, a bound port), claimed exclusively in the same step; null if none is free.
    /// </summary>
    /// <param name="device">The device that holds it; null: the key itself names the device (a PCI address).</param>
    public string? ClaimFirstFree(HostResource kind, IEnumerable<string> candidates, string owner, string? device, Func<string, bool> inUseElsewhere)
    {
        lock (_gate)
        {
            foreach (var key in candidates)
            {
                if (_claims.TryGetValue((kind, key), out var held) && held.Count > 0) continue;
                if (inUseElsewhere(key)) continue;
                Claims(kind, key).Add(new ResourceClaim(owner, device ?? key, true));
                return key;
            }
            return null;
        }
    }

    /// <summary>Who holds <paramref name="key"/>, for choices that weigh sharing (the least used macvtap lower).</summary>
    public IReadOnlyList<ResourceClaim> HoldersOf(HostResource kind, string key)
    {
        lock (_gate) return _claims.TryGetValue((kind, key), out var held) ? held.ToList() : [];
    }

    /// <summary>What one device of <paramref name="owner"/> holds (a NIC detached, a hot-plug that failed).</summary>
    public void ReleaseDevice(string owner, string device) => ReleaseWhere(c => c.Owner == owner && c.Device == device);

    /// <summary>Everything <paramref name="owner"/> holds, for a guest that stopped or a start that failed.</summary>
    public void ReleaseAll(string owner) => ReleaseWhere(c => c.Owner == owner);

    private void ReleaseWhere(Predicate<ResourceClaim> match)
    {
        lock (_gate)
            foreach (var (k, held) in _claims.ToList())
                if (held.RemoveAll(match) > 0 && held.Count == 0)
                    _claims.Remove(k);
    }

    public IReadOnlyList<(HostResource Kind, string Key)> HeldBy(string owner)
    {
        lock (_gate) return _claims.Where(kv => kv.Value.Any(c => c.Owner == owner)).Select(kv => kv.Key).ToList();
    }

    private List<ResourceClaim> Claims(HostResource kind, string key)
    {
        if (!_claims.TryGetValue((kind, key), out var held)) _claims[(kind, key)] = held = [];
        return held;
    }
}
