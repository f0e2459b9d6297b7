using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vireo.Daemon.Hosting;

namespace Vireo.Daemon.Tests.Api;

/// <summary>
/// vireod's real HTTP pipeline (listeners, limits, JSON rules, middleware order from <see cref="ApiHosting"/>)
/// on a unix socket in a temp directory, around endpoints the test maps. Records what is logged.
/// </summary>
public sealed class ApiTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dir;

    private ApiTestServer(WebApplication app, string dir, string socket, LogCapture log)
    {
        _app = app;
        _dir = dir;
        Socket = socket;
        Log = log;
    }

    public string Socket { get; }
    public IServiceProvider Services => _app.Services;
    public LogCapture Log { get; }

    /// <param name="services">Registers what the mapped endpoints take (a service over a temp root).</param>
    public static async Task<ApiTestServer> StartAsync(Action<IEndpointRouteBuilder> map, ListenerAccess? access = null,
        Action<IServiceCollection>? services = null)
    {
        var dir = Directory.CreateTempSubdirectory("vireo-api-").FullName;
        var socket = Path.Combine(dir, "api.sock");
        access ??= ListenerAccess.For(new DaemonOptions());
        var builder = WebApplication.CreateSlimBuilder();
        var log = new LogCapture();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        ApiHosting.Listen(builder.WebHost, socket, access);
        ApiHosting.AddApi(builder.Services, access);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        ApiHosting.UseApi(app);
        map(app);
        await app.StartAsync();
        return new ApiTestServer(app, dir, socket, log);
    }

    public HttpClient Client() => UnixClient(Socket);

    public static HttpClient UnixClient(string socket) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var s = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    }) { BaseAddress = new Uri("http://vireod/") };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Every log line with its exception, as vireod's console log would show them.</summary>
    public sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string category) => new Logger(this);

        public void Dispose() { }

        private sealed class Logger(LogCapture sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel level) => true;
            public void Log<TState>(LogLevel level, EventId id, TState state, Exception? e, Func<TState, Exception?, string> format) =>
                sink.Lines.Enqueue($"{level}: {format(state, e)}{(e is null ? "" : "\n" + e)}");
        }
    }
}
