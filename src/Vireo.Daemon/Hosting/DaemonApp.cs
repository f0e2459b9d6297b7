using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vireo.Daemon.Api;
using Vireo.Daemon.Domains;
using Vireo.Daemon.Events;
using Vireo.Daemon.Secrets;
using Vireo.Daemon.State;
using Vireo.Daemon.Storage;
using Vireo.Host.Facts;
using Vireo.Host.Processes;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;
using Vireo.Storage;

namespace Vireo.Daemon.Hosting;

/// <summary>
/// vireod's web application: services, middleware and every endpoint. Building it changes nothing on the
/// host (no directory, lock, socket, network or guest): <see cref="VireoDaemon"/> does those around it, and
/// the build-time OpenAPI generator (<see cref="ApiDocumentHost"/>) and the tests build it as it is, so the
/// API they describe and check is the one vireod serves.
/// </summary>
public static class DaemonApp
{
    /// <param name="listen">Where Kestrel listens; null for a host whose server is replaced (the OpenAPI generator's).</param>
    public static WebApplication Build(DaemonOptions options, VireoPaths paths, ListenerAccess access, Action<IWebHostBuilder>? listen)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-dd HH:mm:ss "; });
        builder.Logging.SetMinimumLevel(options.Verbose ? LogLevel.Debug : LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        listen?.Invoke(builder.WebHost);
        ApiHosting.AddApi(builder.Services, access);
        builder.Services.AddApiDescription();
        // A client holding a request open (a console, an event stream, a slow upload) cannot hold up a stop
        // for the host's default 30 s; streams end on ApplicationStopping, the rest is cut after this.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        AddServices(builder.Services, options, paths);
        var app = builder.Build();
        ApiHosting.UseApi(app);
        ApiEndpoints.Map(app);
        return app;
    }

    private static void AddServices(IServiceCollection services, DaemonOptions options, VireoPaths paths)
    {
        var kvm = Accelerator.Probe();
        services.AddSingleton(options);
        services.AddSingleton(paths);
        services.AddSingleton(kvm);
        services.AddSingleton(new QemuHostOptions(kvm.Usable, kvm.Reason, options.AllowQemuCommandline));
        services.AddSingleton<IProcessRunner, ProcessRunner>();
        services.AddSingleton(sp => new QemuLauncher(sp.GetRequiredService<IProcessRunner>(), new QemuDriverOptions { QmpTimeout = options.QmpTimeout, LogGroup = options.LogGroup },
            sp.GetRequiredService<ILogger<QemuLauncher>>()));
        services.AddSingleton<DomainStore>();
        services.AddSingleton<EventBus>();
        // Built now: a bad guest_paths entry stops vireod at start, naming it.
        services.AddSingleton(GuestPathPolicies.For(paths, options.GuestPaths));
        services.AddDomainCore();
        services.AddSingleton<IDiskSecrets>(sp => sp.GetRequiredService<SecretService>());
        services.AddSingleton<INetworkPlugs>(sp => sp.GetRequiredService<Networks.NetworkService>());
        services.AddSingleton<SecretService>();
        services.AddSingleton<ISecretValues>(sp => sp.GetRequiredService<SecretService>());
        services.AddStorage();
        services.AddSingleton(sp => new Vireo.Network.NetworkBackends(sp.GetRequiredService<IProcessRunner>(),
            Path.Combine(paths.Root, "var/lib/vireo/dnsmasq"), logger: sp.GetRequiredService<ILogger<Vireo.Network.NetworkBackends>>()));
        services.AddSingleton<Vireo.Network.Ports.INicPlumbing>(sp =>
            Vireo.Network.Ports.NicPlumbing.ForHost(sp.GetRequiredService<IProcessRunner>(), Path.Combine(paths.RunDir, "ports"),
                sp.GetRequiredService<ILogger<Vireo.Network.Ports.NicPlumbing>>()));
        services.AddSingleton<Networks.NetworkService>();
        services.AddSingleton<Install.InstallService>();
        services.AddSingleton<Node.NodeService>();
    }
}
