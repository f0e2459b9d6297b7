using Vireo.Daemon.Hosting;

if (ApiDocumentHost.IsGenerator)
{
    await ApiDocumentHost.RunAsync();
    return 0;
}
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(DaemonOptions.Usage);
    return 0;
}
DaemonOptions options;
try
{
    options = DaemonOptions.Load(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"vireod: {e.Message}");
    return 2;
}
// Started with umask 0, vireod would make its state directories (the API socket's among them) writable
// by anyone, who could then replace the socket with their own.
Vireo.Host.Interop.LibC.RestrictUmask(UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);
try
{
    await using var daemon = await VireoDaemon.StartAsync(options);
    Console.Error.WriteLine($"vireod: listening on {daemon.Paths.Socket}" +
        (options.TcpListen is { } tcp ? $" and on http://{tcp} (requests need the bearer token of {options.TokenFile})" : ""));
    await daemon.WaitForShutdownAsync();
    return 0;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or Vireo.Core.Errors.VireoException)
{
    Console.Error.WriteLine($"vireod: cannot start: {e.Message}");
    return 1;
}
