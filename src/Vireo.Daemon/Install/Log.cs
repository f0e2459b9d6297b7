using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Vireo.Daemon.Install;

/// <summary>
/// vireo install's log messages; event ids 6000-6099. An install logs a started/finished (or failed) pair
/// naming the domain; what a failed install could not remove again is logged with it.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(6000, LogLevel.Information, "Install of {Name} started")]
    public static partial void Started(ILogger logger, string name);

    [LoggerMessage(6001, LogLevel.Information, "Install of {Name}: domain created and its install boot started in {Milliseconds} ms")]
    public static partial void Finished(ILogger logger, string name, long milliseconds);

    [LoggerMessage(6002, LogLevel.Warning, "Install of {Name} failed after {Milliseconds} ms: {Message}")]
    public static partial void Failed(ILogger logger, string name, long milliseconds, string message);

    [LoggerMessage(6003, LogLevel.Warning, "Install of {Name}: {Message}")]
    public static partial void UndoFailed(ILogger logger, string name, string message);

    [LoggerMessage(6004, LogLevel.Information, "Install boot of {Name} ended; installer files removed")]
    public static partial void InstallerFilesRemoved(ILogger logger, string name);

    /// <summary>A Rollback whose failed undo steps reach the log with the domain named.</summary>
    public static Core.Operations.Rollback Undo(ILogger logger, string name) => new(message => UndoFailed(logger, name, message));

    /// <summary>An install between its started and finished (or failed) lines; a dry run logs nothing.</summary>
    public static async Task<T> InstallAsync<T>(ILogger logger, string name, bool dryRun, Func<Task<T>> install)
    {
        if (dryRun) return await install();
        Started(logger, name);
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await install();
            Finished(logger, name, clock.ElapsedMilliseconds);
            return result;
        }
        catch (Exception e)
        {
            Failed(logger, name, clock.ElapsedMilliseconds, e.Message);
            throw;
        }
    }
}
