using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Daemon.Domains;
using Vireo.Daemon.Domains.Runner;
using Vireo.Daemon.Events;
using Vireo.Daemon.Hosting;
using Vireo.Daemon.State;
using Vireo.Daemon.Storage;
using Vireo.Host.Processes;
using Vireo.Network;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;

namespace Vireo.Tests.Shared;

/// <summary>
/// The domain core over a temp root without the rest of vireod: no pools, secrets or networks (asking for
/// one is the error vireod gives for one that does not exist). Dispose drops QMP connections, as vireod does.
/// </summary>
public sealed class DomainCoreHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public DomainCoreHost(VireoPaths paths, IProcessRunner? runner = null, EventBus? events = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(paths);
        services.AddSingleton<DomainStore>();
        services.AddSingleton(new QemuLauncher(runner ?? new ProcessRunner()));
        services.AddSingleton(QemuHostOptions.TcgOnly);
        services.AddSingleton(events ?? new EventBus());
        services.AddSingleton<Vireo.Network.Ports.INicPlumbing>(Vireo.Network.Ports.NicPlumbing.ForHost(runner ?? new ProcessRunner(), Path.Combine(paths.RunDir, "ports")));
        services.AddSingleton(GuestPathPolicies.For(paths, null));
        services.AddSingleton<IVolumeResolver, Nothing>();
        services.AddSingleton<IDiskSecrets, Nothing>();
        services.AddSingleton<INetworkPlugs, Nothing>();
        services.AddDomainCore();
        _services = services.BuildServiceProvider();
    }

    public DomainRegistry Registry => _services.GetRequiredService<DomainRegistry>();
    public DomainRunner Runner => _services.GetRequiredService<DomainRunner>();
    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public Task InitializeAsync() => _services.GetRequiredService<DomainRecovery>().InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        await Runner.DisposeAsync();
        await _services.DisposeAsync();
    }

    private sealed class Nothing : IVolumeResolver, IDiskSecrets, INetworkPlugs
    {
        public VolumeSource Resolve(string pool, string volume) => throw new VireoException(ErrorCode.NoStoragePool, $"storage pool '{pool}' not found");
        public byte[] ValueFor(DiskAuth auth) => throw new VireoException(ErrorCode.NoSecret, $"secret '{auth.SecretUuid?.ToString() ?? auth.SecretUsage}' not found");
        public NetworkPlug PlugOf(string network) => throw new VireoException(ErrorCode.NoNetwork, $"network '{network}' not found");
        public IReadOnlyList<GuestLease> LeasesOf(string network) => [];
    }
}
