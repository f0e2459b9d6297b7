using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vireo.Daemon.State;
using Vireo.Host.Processes;
using Vireo.Storage;

namespace Vireo.Daemon.Storage;

/// <summary>
/// Storage's services. What they need from outside (<see cref="Domains.IDiskUsers"/>, <see cref="ISecretValues"/>,
/// the guest path policy, paths, a process runner) is registered by the host; tests register the same over a temp
/// root, and may put their own <see cref="PoolBackends"/> after this.
/// </summary>
public static class StorageServices
{
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddSingleton(sp => PoolBackends.ForHost(sp.GetRequiredService<IProcessRunner>(), sp.GetRequiredService<ISecretValues>(),
            Path.Combine(sp.GetRequiredService<VireoPaths>().RunDir, "storage"), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Vireo.Storage")));
        services.AddSingleton<PoolStore>();
        services.AddSingleton<PoolRegistry>();
        services.AddSingleton<PoolLifecycle>();
        services.AddSingleton<PoolStartup>();
        services.AddSingleton<PoolSources>();
        services.AddSingleton<PoolVolumes>();
        services.AddSingleton<Domains.IVolumeResolver>(sp => sp.GetRequiredService<PoolVolumes>());
        services.AddSingleton<VolumeOperations>();
        services.AddSingleton<VolumeTransfers>();
        return services;
    }
}
