using Vireo.Contracts;
using Vireo.Core.Domain;
using Vireo.Daemon.Domains;
using Vireo.Daemon.Domains.Queries;
using Vireo.Qemu.Qmp;

namespace Vireo.Daemon.Api;

/// <summary>The domain core's types as the API's records: services speak the one, endpoints the other.</summary>
internal static class DomainMapping
{
    public static DomainSummary Summary(DomainSnapshot s) => new()
    {
        Id = s.Id, Name = s.Name, Uuid = s.Uuid.ToString(), State = DomainStateText.Of(s.State), Reason = s.Reason,
        Persistent = s.Persistent, Autostart = s.Autostart, Title = s.Title,
    };

    public static DomainInfo Info((DomainSnapshot Domain, double? CpuTimeSeconds) i) => new()
    {
        Id = i.Domain.Id, Name = i.Domain.Name, Uuid = i.Domain.Uuid.ToString(), OsType = i.Domain.OsType, State = DomainStateText.Of(i.Domain.State),
        Reason = i.Domain.Reason, Vcpus = i.Domain.Vcpus, CpuTimeSeconds = i.CpuTimeSeconds, MaxMemoryKiB = i.Domain.MaxMemoryKiB,
        UsedMemoryKiB = i.Domain.UsedMemoryKiB, Persistent = i.Domain.Persistent, Autostart = i.Domain.Autostart, Pid = i.Domain.Pid, Title = i.Domain.Title,
    };

    public static VcpuInfo Vcpu(VcpuThread v) => new()
    {
        Vcpu = v.Vcpu, Cpu = v.Cpu, State = v.State, CpuTimeSeconds = v.CpuTimeSeconds, ThreadId = v.ThreadId, Affinity = v.Affinity,
    };

    public static DiskSummary Disk(DiskDef d) => new()
    {
        Target = d.TargetDev ?? "",
        Type = d.Type,
        Device = d.Device,
        Source = d.Source switch
        {
            { File: { } f } => f,
            { Dev: { } dev } => dev,
            { Pool: { } p, Volume: { } v } => $"{p}/{v}",
            { Protocol: not null, Name: { } n } => n,
            { Dir: { } dir } => dir,
            _ => null,
        },
        Bus = d.TargetBus ?? (d.TargetDev is { } t ? DiskBus.Guess(t) : null),
        Format = d.DriverType,
    };

    public static BlockInfo Sizes(DiskSizes s) => new() { Target = s.Target, Capacity = s.Capacity, Allocation = s.Allocation, Physical = s.Physical };

    public static BlockStats Stats((DiskDef Disk, QmpBlockStats? Stats) d) => new()
    {
        Target = d.Disk.TargetDev ?? "", ReadRequests = d.Stats?.ReadOps ?? 0, ReadBytes = d.Stats?.ReadBytes ?? 0, WriteRequests = d.Stats?.WriteOps ?? 0,
        WriteBytes = d.Stats?.WriteBytes ?? 0, FlushOperations = d.Stats?.FlushOps ?? 0, ReadTotalTimeNs = d.Stats?.ReadTimeNs ?? 0,
        WriteTotalTimeNs = d.Stats?.WriteTimeNs ?? 0, FlushTotalTimeNs = d.Stats?.FlushTimeNs ?? 0,
    };

    public static InterfaceSummary Nic(InterfaceDef n) => new()
    {
        Interface = n.TargetDev ?? "-", Type = n.Type, Source = n.SourceNetwork ?? n.SourceBridge ?? n.SourceDev ?? "-",
        Model = n.Model ?? "virtio", Mac = n.Mac, LinkState = n.Element.Element("link")?.Attribute("state")?.Value ?? "up",
    };

    public static InterfaceAddress Address(GuestAddress a) => new() { Name = a.Name, Mac = a.Mac, Protocol = a.Protocol, Address = a.Address };

    public static InterfaceStats Counters(NicCounters c) => new()
    {
        Interface = c.Interface, RxBytes = c.RxBytes, RxPackets = c.RxPackets, RxErrs = c.RxErrs, RxDrop = c.RxDrop,
        TxBytes = c.TxBytes, TxPackets = c.TxPackets, TxErrs = c.TxErrs, TxDrop = c.TxDrop,
    };
}
