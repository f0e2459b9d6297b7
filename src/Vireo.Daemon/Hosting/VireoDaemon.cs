using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vireo.Daemon.Api;
using Vireo.Daemon.Domains;
using Vireo.Daemon.Events;
using Vireo.Daemon.Secrets;
using Vireo.Daemon.Storage;
using Vireo.Storage;
using Vireo.Daemon.State;
using Vireo.Host.Facts;
using Vireo.Host.Files;
using Vireo.Host.Processes;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Hosting;

/// <summary>vireod as an embeddable host: Program.cs runs it, tests start it with a temp root.</summary>
public sealed class VireoDaemon : IAsyncDisposable
{
    private readonly WebApplication _app;

    private VireoDaemon(WebApplication app, VireoPaths paths)
    {
        _app = app;
        Paths = paths;
    }

    public VireoPaths Paths { get; }
    public DomainService Domains => _app.Services.GetRequiredService<DomainService>();

    public static async Task<VireoDaemon> StartAsync(DaemonOptions options, CancellationToken ct = default)
    {
        var access = ListenerAccess.For(options);
        var paths = new VireoPaths(options.Root);
        paths.CreateAll();
        Directory.CreateDirectory(paths.RunDir);
        // QEMU daemonizes; as subreaper we inherit it and reap it the moment it dies.
        ChildReaper.BecomeSubreaper();
        var socket = ApiSocket.Prepare(paths.Socket);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-dd HH:mm:ss "; });
        builder.Logging.SetMinimumLevel(options.Verbose ? LogLevel.Debug : LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        ApiHosting.Listen(builder.WebHost, socket.BindPath, access);
        ApiHosting.AddApi(builder.Services, access);
        var kvm = Accelerator.Probe();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(paths);
        builder.Services.AddSingleton(kvm);
        builder.Services.AddSingleton(new QemuHostOptions(kvm.Usable, kvm.Reason));
        builder.Services.AddSingleton<IProcessRunner, ProcessRunner>();
        builder.Services.AddSingleton<QemuLauncher>();
        builder.Services.AddSingleton<DomainStore>();
        builder.Services.AddSingleton<EventBus>();
        builder.Services.AddSingleton<DomainService>();
        builder.Services.AddSingleton<SecretService>();
        builder.Services.AddSingleton<ISecretValues>(sp => sp.GetRequiredService<SecretService>());
        builder.Services.AddSingleton(sp => new PoolBackends(sp.GetRequiredService<IProcessRunner>(), sp.GetRequiredService<ISecretValues>(),
            Path.Combine(paths.RunDir, "storage")));
        builder.Services.AddSingleton<StorageService>();
        builder.Services.AddSingleton(sp => new Vireo.Network.Bridge.BridgeNetworkDriver(sp.GetRequiredService<IProcessRunner>(),
            Path.Combine(paths.Root, "var/lib/vireo/dnsmasq")));
        builder.Services.AddSingleton(sp => new Vireo.Network.Ports.GuestPorts(sp.GetRequiredService<IProcessRunner>(), Path.Combine(paths.RunDir, "ports")));
        builder.Services.AddSingleton<Networks.NetworkService>();
        builder.Services.AddSingleton<Install.InstallService>();
        builder.Services.AddSingleton<Node.NodeService>();

        var app = builder.Build();
        ApiHosting.UseApi(app);
        DomainEndpoints.Map(app);
        HostEndpoints.Map(app);
        StorageEndpoints.Map(app);
        DomainDeviceEndpoints.Map(app);
        NetworkEndpoints.Map(app);
        DomainInterfaceEndpoints.Map(app);
        SecretEndpoints.Map(app);
        InstallEndpoints.Map(app);
        NodeEndpoints.Map(app);
        app.Services.GetRequiredService<SecretService>().Initialize();
        var storage = app.Services.GetRequiredService<StorageService>();
        var domains = app.Services.GetRequiredService<DomainService>();
        storage.DomainsUsing = domains.RunningDomainsUsing;
        domains.VolumeResolver = storage.ResolveVolume;
        domains.SecretResolver = app.Services.GetRequiredService<SecretService>().ValueFor;
        await storage.InitializeAsync(ct);
        var networks = app.Services.GetRequiredService<Networks.NetworkService>();
        await networks.InitializeAsync(ct);
        domains.NetworkPlugOf = networks.PlugOf;
        domains.Ports = app.Services.GetRequiredService<Vireo.Network.Ports.GuestPorts>();
        domains.NetworkLeases = name => { try { return networks.Leases(name, null); } catch (Vireo.Core.Errors.VireoException) { return []; } };
        // ip netns exec remounts /sys for the namespace, so this lists the links vireod itself sees.
        domains.HostLinks = () => Directory.Exists("/sys/class/net") ? Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName).OfType<string>().ToHashSet() : [];
        await domains.InitializeAsync(ct);
        await app.StartAsync(ct);
        socket.Publish();
        AtomicFile.WriteAllText(paths.PidFile, Environment.ProcessId + "\n");
        return new VireoDaemon(app, paths);
    }

    public Task WaitForShutdownAsync(CancellationToken ct = default) => _app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(Paths.Socket);
        File.Delete(Paths.PidFile);
    }
}
