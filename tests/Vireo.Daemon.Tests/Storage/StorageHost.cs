using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Core.Storage;
using Vireo.Daemon.Domains;
using Vireo.Daemon.State;
using Vireo.Daemon.Storage;
using Vireo.Host.Processes;
using Vireo.Storage;
using Vireo.Storage.Dir;

namespace Vireo.Daemon.Tests.Storage;

/// <summary>
/// Storage's services over a temp root, as vireod registers them, with a dir backend whose steps a test can
/// make fail, running guests a test names, and every log line kept. Restart builds them again on the same root.
/// </summary>
public sealed class StorageHost : IAsyncDisposable
{
    private ServiceProvider _services;

    public StorageHost()
    {
        Paths.CreateAll();
        _services = Build();
    }

    public VireoPaths Paths { get; } = new(Directory.CreateTempSubdirectory("vireo-storage-").FullName);
    public ScriptedDirBackend Dir { get; } = new();
    public Dictionary<string, string> RunningUsers { get; } = [];
    public LogLines Log { get; } = new();

    public PoolRegistry Pools => Get<PoolRegistry>();
    public PoolLifecycle Lifecycle => Get<PoolLifecycle>();
    public PoolVolumes Volumes => Get<PoolVolumes>();
    public VolumeOperations VolumeOps => Get<VolumeOperations>();
    public VolumeTransfers Transfers => Get<VolumeTransfers>();
    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public string ImagesDir => Paths.ImagesDir;
    public string PoolFile(string name) => Path.Combine(Paths.PoolConfigDir, name + ".xml");
    public string LiveFile(string name) => Path.Combine(Paths.RunDir, "storage", name + ".xml");
    public string OldActiveMark(string name) => Path.Combine(Paths.RunDir, "storage", name);

    /// <summary>The empty file an older vireod left for a running pool.</summary>
    public void WriteOldActiveMark(string name)
    {
        Directory.CreateDirectory(Path.Combine(Paths.RunDir, "storage"));
        File.WriteAllText(OldActiveMark(name), "");
    }

    public Task InitializeAsync() => Get<PoolStartup>().InitializeAsync(CancellationToken.None);

    /// <summary>A new set of services on the same root, as a restarted vireod.</summary>
    public async Task RestartAsync()
    {
        await _services.DisposeAsync();
        _services = Build();
        await InitializeAsync();
    }

    public static string DirPool(string name, string target, string? uuid = null) =>
        $"<pool type='dir'><name>{name}</name>{(uuid is null ? "" : $"<uuid>{uuid}</uuid>")}<target><path>{target}</path></target></pool>";

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(Log).SetMinimumLevel(LogLevel.Information));
        services.AddSingleton(Paths);
        services.AddSingleton<IProcessRunner, ProcessRunner>();
        services.AddSingleton(GuestPathPolicies.For(Paths, null));
        services.AddSingleton<IDiskUsers>(new Users(RunningUsers));
        services.AddStorage();
        services.AddSingleton(new PoolBackends([Dir]));
        return services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Directory.Delete(Paths.Root, recursive: true);
    }

    /// <summary>Running guests by disk path.</summary>
    private sealed class Users(Dictionary<string, string> byPath) : IDiskUsers
    {
        public IReadOnlyList<string> RunningDomainsUsing(string path) => byPath.TryGetValue(path, out var d) ? [d] : [];
    }
}

/// <summary>The real dir backend, counting starts and stops, with refreshes a test can make fail.</summary>
public sealed class ScriptedDirBackend() : DirPoolBackend(NullLogger.Instance)
{
    public int Starts { get; private set; }
    public int Stops { get; private set; }

    /// <summary>Refreshes that will fail before they succeed again.</summary>
    public int FailingRefreshes { get; set; }

    public override async Task StartAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        await base.StartAsync(pool, ct);
        Starts++;
    }

    public override async Task StopAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        await base.StopAsync(pool, ct);
        Stops++;
    }

    public override Task<(PoolSizes Sizes, IReadOnlyList<VolumeRecord> Volumes)> RefreshAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        if (FailingRefreshes > 0)
        {
            FailingRefreshes--;
            throw new IOException($"injected: cannot read directory '{pool.TargetPath}'");
        }
        return base.RefreshAsync(pool, ct);
    }
}

/// <summary>Every log line written through the host's logger factory, with its event id.</summary>
public sealed class LogLines : ILoggerProvider
{
    private readonly List<(int EventId, LogLevel Level, string Text)> _lines = [];

    public IReadOnlyList<(int EventId, LogLevel Level, string Text)> Lines
    {
        get { lock (_lines) return _lines.ToList(); }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    private sealed class Logger(LogLines sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (sink._lines) sink._lines.Add((eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}
