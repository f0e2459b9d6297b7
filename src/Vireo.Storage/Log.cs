using Microsoft.Extensions.Logging;

namespace Vireo.Storage;

/// <summary>
/// What the pool backends do to the host (file systems made, volume groups and partition tables written,
/// mounts, iSCSI sessions) and undo steps that failed; event ids 3050-3099 (the daemon's storage service
/// has 3000-3049).
/// </summary>
internal static partial class Log
{
    [LoggerMessage(3050, LogLevel.Information, "Storage pool {Pool}: making a {Format} file system on {Device}")]
    public static partial void MakingFileSystem(ILogger logger, string pool, string format, string device);

    [LoggerMessage(3051, LogLevel.Information, "Storage pool {Pool}: creating volume group {VolumeGroup} on {Devices}")]
    public static partial void CreatingVolumeGroup(ILogger logger, string pool, string volumeGroup, string devices);

    [LoggerMessage(3052, LogLevel.Information, "Storage pool {Pool}: writing a {Label} partition table on {Device}")]
    public static partial void WritingPartitionTable(ILogger logger, string pool, string label, string device);

    [LoggerMessage(3053, LogLevel.Information, "Storage pool {Pool}: creating zpool {Zpool} on {Devices}")]
    public static partial void CreatingZpool(ILogger logger, string pool, string zpool, string devices);

    [LoggerMessage(3054, LogLevel.Information, "Storage pool {Pool}: mounting {Source} on {Target}")]
    public static partial void Mounting(ILogger logger, string pool, string source, string target);

    [LoggerMessage(3055, LogLevel.Information, "Storage pool {Pool}: unmounting {Target}")]
    public static partial void Unmounting(ILogger logger, string pool, string target);

    [LoggerMessage(3056, LogLevel.Information, "Storage pool {Pool}: logging in to iSCSI target {Target} at {Portal}")]
    public static partial void IscsiLogin(ILogger logger, string pool, string target, string portal);

    [LoggerMessage(3057, LogLevel.Information, "Storage pool {Pool}: logging out of iSCSI target {Target} at {Portal}")]
    public static partial void IscsiLogout(ILogger logger, string pool, string target, string portal);

    [LoggerMessage(3058, LogLevel.Warning, "Storage pool {Pool}: {Message}")]
    public static partial void PoolUndoFailed(ILogger logger, string pool, string message);

    [LoggerMessage(3059, LogLevel.Warning, "Storage volume {Volume} in {Directory}: {Message}")]
    public static partial void VolumeUndoFailed(ILogger logger, string volume, string directory, string message);

    /// <summary>A Rollback for a step of a pool's build, start or volume change: failed undos reach the log with the pool named.</summary>
    public static Core.Operations.Rollback Undo(ILogger logger, string pool) => new(message => PoolUndoFailed(logger, pool, message));
}
