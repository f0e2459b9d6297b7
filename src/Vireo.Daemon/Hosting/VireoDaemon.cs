using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Vireo.Daemon.Domains;
using Vireo.Daemon.Secrets;
using Vireo.Daemon.Storage;
using Vireo.Daemon.State;
using Vireo.Host.Files;
using Vireo.Host.Processes;

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

        var app = DaemonApp.Build(options, paths, access, host => ApiHosting.Listen(host, socket.BindPath, access));
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
