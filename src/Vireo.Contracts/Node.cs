namespace Vireo.Contracts;

/// <summary>virsh nodeinfo.</summary>
public sealed record NodeInfo
{
    public required string CpuModel { get; init; }
    public int Cpus { get; init; }
    public int Mhz { get; init; }
    public int Sockets { get; init; }
    public int CoresPerSocket { get; init; }
    public int ThreadsPerCore { get; init; }
    public int NumaCells { get; init; }
    public long MemoryKiB { get; init; }
}

/// <summary>One counter of nodememstats (KiB) or nodecpustats (ns).</summary>
public sealed record NodeStat
{
    public required string Name { get; init; }
    public long Value { get; init; }
}

public sealed record FreeCell
{
    public int Cell { get; init; }
    public long FreeKiB { get; init; }
}

/// <summary>An XML document the daemon builds (capabilities, domcapabilities, sysinfo).</summary>
public sealed record XmlDocumentResponse
{
    public required string Xml { get; init; }
}

public sealed record MaxVcpus
{
    public int Count { get; init; }
}
