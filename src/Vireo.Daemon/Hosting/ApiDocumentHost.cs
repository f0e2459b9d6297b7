using Vireo.Daemon.State;

namespace Vireo.Daemon.Hosting;

/// <summary>
/// vireod as the build-time OpenAPI generator (Microsoft.Extensions.ApiDescription.Server) runs it. The
/// generator's GetDocument.Insider calls vireod's entry point, takes the first web host it builds, swaps
/// in a server that binds nothing, and asks it for the document once it has started. This is that host:
/// <see cref="DaemonApp"/> with default options, without the root lock, the socket, the state directories
/// and the subsystems' start, which are <see cref="VireoDaemon"/>'s.
/// </summary>
public static class ApiDocumentHost
{
    /// <summary>True when the process is the generator (its entry assembly, not vireod, is running).</summary>
    public static bool IsGenerator => System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    public static async Task RunAsync()
    {
        var options = new DaemonOptions
        {
            // Never created: building the application touches nothing under its root (a test holds this).
            Root = Path.Combine(Path.GetTempPath(), $"vireod-openapi-{Environment.ProcessId}"),
            NoDefaultNetwork = true,
        };
        var app = DaemonApp.Build(options, new VireoPaths(options.Root), ListenerAccess.For(options), listen: null);
        // The generator's server and lifetime do nothing: this returns when the generator's process ends.
        await app.RunAsync();
    }
}
