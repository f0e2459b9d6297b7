using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Vireo.Daemon.Domains;
using Vireo.Daemon.Domains.Devices;
using Vireo.Daemon.Domains.Disks;
using Vireo.Daemon.Domains.Nics;
using Vireo.Daemon.Domains.Pci;
using Vireo.Daemon.Domains.Queries;
using Vireo.Daemon.Domains.Runner;
using Vireo.Daemon.Resources;

namespace Vireo.Daemon.Hosting;

/// <summary>
/// The domain core's services. Their collaborators outside it (<see cref="IVolumeResolver"/>,
/// <see cref="IDiskSecrets"/>, <see cref="INetworkPlugs"/>, the QEMU launcher, paths, store, event bus,
/// the NIC plumbing) come from the host: vireod gives the real services, tests give their own.
/// </summary>
public static class DomainCoreServices
{
    public static IServiceCollection AddDomainCore(this IServiceCollection services)
    {
        services.TryAddSingleton(DomainTimeouts.Default);
        services.TryAddSingleton<IHostLinks, SysfsHostLinks>();
        services.TryAddSingleton(sp => new Vireo.Host.Pci.VfioAssignment(logger: sp.GetService<ILogger<Vireo.Host.Pci.VfioAssignment>>()));
        services.AddSingleton<HostResources>();
        services.AddSingleton<DomainEvents>();
        services.AddSingleton<DomainLogWriter>();
        services.AddSingleton<DomainRegistry>();
        services.AddSingleton<IDiskUsers>(sp => sp.GetRequiredService<DomainRegistry>());
        services.AddSingleton<DiskSources>();
        services.AddSingleton<HostPathCheck>();
        services.AddSingleton<GuestNics>();
        services.AddSingleton<PciAssignment>();
        services.AddSingleton<DomainRunner>();
        services.AddSingleton<DomainPower>();
        services.AddSingleton<DomainRecovery>();
        services.AddSingleton<DomainDevices>();
        services.AddSingleton<DomainQueries>();
        services.AddSingleton<DomainBlocks>();
        services.AddSingleton<DomainInterfaces>();
        services.AddSingleton<DomainAgent>();
        services.AddSingleton<DomainConsole>();
        return services;
    }
}
