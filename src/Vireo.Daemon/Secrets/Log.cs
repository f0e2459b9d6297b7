using Microsoft.Extensions.Logging;

namespace Vireo.Daemon.Secrets;

/// <summary>Secret log messages; event ids 5000-5099. A value never reaches the log: messages name the secret by uuid and usage.</summary>
internal static partial class Log
{
    [LoggerMessage(5000, LogLevel.Information, "Secret {Uuid} defined ({Usage})")]
    public static partial void Defined(ILogger logger, Guid uuid, string usage);

    [LoggerMessage(5001, LogLevel.Information, "Secret {Uuid} undefined")]
    public static partial void Undefined(ILogger logger, Guid uuid);

    [LoggerMessage(5002, LogLevel.Error, "Secret definition refused: {Message}")]
    public static partial void BadDefinition(ILogger logger, string message);

    [LoggerMessage(5003, LogLevel.Information, "Secret {Uuid}: value set")]
    public static partial void ValueSet(ILogger logger, Guid uuid);

    [LoggerMessage(5004, LogLevel.Warning, "Secret {Uuid}: {Message}")]
    public static partial void UndoFailed(ILogger logger, Guid uuid, string message);

    [LoggerMessage(5005, LogLevel.Information, "Loaded {Count} secrets")]
    public static partial void Loaded(ILogger logger, int count);

    /// <summary>A Rollback whose failed undo steps reach the log with the secret named.</summary>
    public static Core.Operations.Rollback Undo(ILogger logger, Guid uuid) => new(message => UndoFailed(logger, uuid, message));
}
