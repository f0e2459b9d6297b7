namespace Vireo.Contracts;

/// <summary>One --disk of vireo install (virt-install's sub-options).</summary>
public sealed record InstallDisk
{
    public string? Path { get; init; }
    public string? Pool { get; init; }
    /// <summary>An existing volume, "POOL/VOLUME".</summary>
    public string? Vol { get; init; }
    public double? SizeGiB { get; init; }
    public string? Format { get; init; }
    public string? Bus { get; init; }
    public string? Cache { get; init; }
    public bool Sparse { get; set; } = true;
    /// <summary>disk or cdrom.</summary>
    public string Device { get; set; } = "disk";
}

/// <summary>One --network: kind network, bridge or user (none is no --network entry at all).</summary>
public sealed record InstallNic
{
    public required string Kind { get; init; }
    public string? Source { get; init; }
    public string? Model { get; init; }
    public string? Mac { get; init; }
}

/// <summary>A file for --initrd-inject, read by the CLI (it may not be on the daemon's host).</summary>
public sealed record InstallFile
{
    public required string Name { get; init; }
    public required string Base64 { get; init; }
}

/// <summary>--cloud-init: what goes into the NoCloud seed the first boot sees.</summary>
public sealed record InstallCloudInit
{
    public string? UserData { get; init; }
    public string? MetaData { get; init; }
    public string? NetworkConfig { get; init; }
    public bool RootPasswordGenerate { get; init; }
    public string? RootPassword { get; init; }
    public string? SshKey { get; init; }
}

public sealed record InstallRequest
{
    public required string Name { get; init; }
    public long? MemoryMiB { get; init; }
    public int? Vcpus { get; init; }
    public int? Sockets { get; init; }
    public int? Cores { get; init; }
    public int? Threads { get; init; }
    public int? MaxVcpus { get; init; }
    public string? Cpu { get; init; }
    public string? VirtType { get; init; }
    public string? Arch { get; init; }
    public string? Machine { get; init; }
    /// <summary>A short id, "detect=on[,require=off]", "generic", or null (detect from the media).</summary>
    public string? OsVariant { get; init; }
    public string? Location { get; init; }
    public string? Cdrom { get; init; }
    public bool Import { get; init; }
    public bool Pxe { get; init; }
    /// <summary>--boot: hd, cdrom, network, uefi, kernel=...,initrd=...,kernel_args=...</summary>
    public string? Boot { get; init; }
    public List<InstallDisk> Disks { get; set; } = [];
    /// <summary>Null: the default network (or user networking when it does not exist); empty: no NIC (--network none).</summary>
    public List<InstallNic>? Networks { get; init; }
    public string? Graphics { get; init; }
    public string? GraphicsListen { get; init; }
    public int? GraphicsPort { get; init; }
    public string? GraphicsPassword { get; init; }
    public string? ExtraArgs { get; init; }
    public List<InstallFile> InitrdInject { get; set; } = [];
    public InstallCloudInit? CloudInit { get; init; }
    public bool Transient { get; init; }
    public bool Autostart { get; init; }
    /// <summary>--check: checks turned on or off by name (disk_size, path_in_use; all); the rest are on.</summary>
    public Dictionary<string, bool> Checks { get; set; } = [];
    /// <summary>Work everything out and return the XML, but create, define and start nothing (--dry-run, --print-xml).</summary>
    public bool DryRun { get; init; }
}

public sealed record InstallResponse
{
    public required string Name { get; init; }
    /// <summary>The definition the domain keeps.</summary>
    public required string Xml { get; init; }
    /// <summary>The one-time first-boot definition (install kernel, media, cloud-init seed), if there is one.</summary>
    public string? InstallXml { get; init; }
    public List<string> Warnings { get; set; } = [];
    public bool Started { get; init; }
    public string? GeneratedRootPassword { get; init; }
}

/// <summary>An OS osinfo-db knows (vireo install --osinfo list).</summary>
public sealed record OsVariantInfo
{
    public required string ShortId { get; init; }
    public required string Name { get; init; }
    public string? Eol { get; init; }
}

/// <summary>One line of the install progress stream (application/x-ndjson): a step, then the result or the error.</summary>
public sealed record InstallProgressLine
{
    public string? Progress { get; init; }
    public InstallResponse? Result { get; init; }
    public ErrorResponse? Error { get; init; }
}
