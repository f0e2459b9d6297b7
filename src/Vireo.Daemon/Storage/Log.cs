using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Vireo.Daemon.Storage;

/// <summary>
/// Storage pool and volume log messages; event ids 3000-3049 (Vireo.Storage's backends have 3050-3099).
/// Long operations (build, start, refresh, volume create and clone, upload) log a started/finished pair
/// naming the pool and volume, or a failure with the same names.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "Storage pool {Pool} defined with uuid {Uuid}")]
    public static partial void Defined(ILogger logger, string pool, Guid uuid);

    [LoggerMessage(3001, LogLevel.Information, "Storage pool {Pool} undefined")]
    public static partial void Undefined(ILogger logger, string pool);

    [LoggerMessage(3002, LogLevel.Error, "Storage pool definition refused: {Message}")]
    public static partial void BadDefinition(ILogger logger, string message);

    [LoggerMessage(3003, LogLevel.Information, "Storage pool {Pool}: {Operation} started")]
    public static partial void PoolOperationStarted(ILogger logger, string pool, string operation);

    [LoggerMessage(3004, LogLevel.Information, "Storage pool {Pool}: {Operation} finished in {Milliseconds} ms")]
    public static partial void PoolOperationFinished(ILogger logger, string pool, string operation, long milliseconds);

    [LoggerMessage(3005, LogLevel.Warning, "Storage pool {Pool}: {Operation} failed after {Milliseconds} ms: {Message}")]
    public static partial void PoolOperationFailed(ILogger logger, string pool, string operation, long milliseconds, string message);

    [LoggerMessage(3006, LogLevel.Information, "Storage volume {Volume} in pool {Pool}: {Operation} started")]
    public static partial void VolumeOperationStarted(ILogger logger, string pool, string volume, string operation);

    [LoggerMessage(3007, LogLevel.Information, "Storage volume {Volume} in pool {Pool}: {Operation} finished in {Milliseconds} ms")]
    public static partial void VolumeOperationFinished(ILogger logger, string pool, string volume, string operation, long milliseconds);

    [LoggerMessage(3008, LogLevel.Warning, "Storage volume {Volume} in pool {Pool}: {Operation} failed after {Milliseconds} ms: {Message}")]
    public static partial void VolumeOperationFailed(ILogger logger, string pool, string volume, string operation, long milliseconds, string message);

    [LoggerMessage(3009, LogLevel.Warning, "Storage pool {Pool}: {Message}")]
    public static partial void UndoFailed(ILogger logger, string pool, string message);

    [LoggerMessage(3010, LogLevel.Error, "Storage pool {Pool} could not be started: {Message}")]
    public static partial void StartAtBootFailed(ILogger logger, string pool, string message);

    [LoggerMessage(3011, LogLevel.Information, "Storage pool {Pool} stopped")]
    public static partial void Stopped(ILogger logger, string pool);

    [LoggerMessage(3012, LogLevel.Information, "Created the default storage pool at {Path}")]
    public static partial void DefaultPoolCreated(ILogger logger, string path);

    [LoggerMessage(3013, LogLevel.Error, "The default storage pool could not be created: {Message}")]
    public static partial void DefaultPoolFailed(ILogger logger, string message);

    [LoggerMessage(3014, LogLevel.Information, "Storage volume {Volume} in pool {Pool} deleted")]
    public static partial void VolumeDeleted(ILogger logger, string pool, string volume);

    /// <summary>A Rollback whose failed undo steps reach the log with the pool named.</summary>
    public static Core.Operations.Rollback Undo(ILogger logger, string pool) => new(message => UndoFailed(logger, pool, message));

    /// <summary>A pool operation between its started and finished (or failed) lines.</summary>
    public static async Task<T> PoolOperationAsync<T>(ILogger logger, string pool, string operation, Func<Task<T>> op)
    {
        PoolOperationStarted(logger, pool, operation);
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await op();
            PoolOperationFinished(logger, pool, operation, clock.ElapsedMilliseconds);
            return result;
        }
        catch (Exception e)
        {
            PoolOperationFailed(logger, pool, operation, clock.ElapsedMilliseconds, e.Message);
            throw;
        }
    }

    /// <summary>A volume operation between its started and finished (or failed) lines.</summary>
    public static async Task<T> VolumeOperationAsync<T>(ILogger logger, string pool, string volume, string operation, Func<Task<T>> op)
    {
        VolumeOperationStarted(logger, pool, volume, operation);
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await op();
            VolumeOperationFinished(logger, pool, volume, operation, clock.ElapsedMilliseconds);
            return result;
        }
        catch (Exception e)
        {
            VolumeOperationFailed(logger, pool, volume, operation, clock.ElapsedMilliseconds, e.Message);
            throw;
        }
    }
}
