using Vireo.Daemon.Hosting;

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
try
{
    await using var daemon = await VireoDaemon.StartAsync(options);
    Console.Error.WriteLine($"vireod: listening on {daemon.Paths.Socket}");
    await daemon.WaitForShutdownAsync();
    return 0;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or Vireo.Core.Errors.VireoException)
{
    Console.Error.WriteLine($"vireod: cannot start: {e.Message}");
    return 1;
}
