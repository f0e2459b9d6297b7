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
    private readonly RootLock _rootLock;

    private VireoDaemon(WebApplication app, VireoPaths paths, RootLock rootLock)
    {
        _app = app;
        Paths = paths;
        _rootLock = rootLock;
    }

    public VireoPaths Paths { get; }
    public DomainRegistry Domains => _app.Services.GetRequiredService<DomainRegistry>();

    public static async Task<VireoDaemon> StartAsync(DaemonOptions options, CancellationToken ct = default)
    {
        var access = ListenerAccess.For(options);
        var paths = new VireoPaths(options.Root);
        paths.CreateAll();
        var rootLock = RootLock.Acquire(paths.RunDir);
        try { return await StartLockedAsync(options, access, paths, rootLock, ct); }
        catch
        {
            rootLock.Dispose();
            throw;
        }
    }

    private static async Task<VireoDaemon> StartLockedAsync(DaemonOptions options, ListenerAccess access, VireoPaths paths, RootLock rootLock, CancellationToken ct)
    {
        paths.RemoveWriteLeftovers();
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
        builder.Services.AddSingleton(new QemuHostOptions(kvm.Usable, kvm.Reason, options.AllowQemuCommandline));
        builder.Services.AddSingleton<IProcessRunner, ProcessRunner>();
        builder.Services.AddSingleton(sp => new QemuLauncher(sp.GetRequiredService<IProcessRunner>(), new QemuDriverOptions { QmpTimeout = options.QmpTimeout, LogGroup = options.LogGroup },
            sp.GetRequiredService<ILogger<QemuLauncher>>()));
        builder.Services.AddSingleton<DomainStore>();
        builder.Services.AddSingleton<EventBus>();
        // Built now: a bad guest_paths entry stops vireod at start, naming it.
        builder.Services.AddSingleton(GuestPathPolicies.For(paths, options.GuestPaths));
        builder.Services.AddDomainCore();
        builder.Services.AddSingleton<IDiskSecrets>(sp => sp.GetRequiredService<SecretService>());
        builder.Services.AddSingleton<INetworkPlugs>(sp => sp.GetRequiredService<Networks.NetworkService>());
        builder.Services.AddSingleton<SecretService>();
        builder.Services.AddSingleton<ISecretValues>(sp => sp.GetRequiredService<SecretService>());
        builder.Services.AddStorage();
        builder.Services.AddSingleton(sp => new Vireo.Network.NetworkBackends(sp.GetRequiredService<IProcessRunner>(),
            Path.Combine(paths.Root, "var/lib/vireo/dnsmasq"), logger: sp.GetRequiredService<ILogger<Vireo.Network.NetworkBackends>>()));
        builder.Services.AddSingleton<Vireo.Network.Ports.INicPlumbing>(sp =>
            Vireo.Network.Ports.NicPlumbing.ForHost(sp.GetRequiredService<IProcessRunner>(), Path.Combine(paths.RunDir, "ports"),
                sp.GetRequiredService<ILogger<Vireo.Network.Ports.NicPlumbing>>()));
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
        await app.Services.GetRequiredService<PoolStartup>().InitializeAsync(ct);
        await app.Services.GetRequiredService<Networks.NetworkService>().InitializeAsync(ct);
        await app.Services.GetRequiredService<Domains.Runner.DomainRecovery>().InitializeAsync(ct);
        await app.StartAsync(ct);
        socket.Publish();
        AtomicFile.WriteAllText(paths.PidFile, Environment.ProcessId + "\n");
        return new VireoDaemon(app, paths, rootLock);
    }

    public Task WaitForShutdownAsync(CancellationToken ct = default) => _app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(Paths.Socket);
        File.Delete(Paths.PidFile);
        _rootLock.Dispose();
    }
}
