using Microsoft.Extensions.Logging;

namespace Vireo.Tests.Shared;

/// <summary>A logger that keeps every line it is given (level, event id, text), for tests of what reaches vireod's log.</summary>
public sealed class LogRecorder<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, int Id, string Text)> _lines = [];

    public IReadOnlyList<(LogLevel Level, int Id, string Text)> Lines
    {
        get { lock (_lines) return [.. _lines]; }
    }

    /// <summary>The texts of the lines with event id <paramref name="id"/>.</summary>
    public IReadOnlyList<string> With(int id) => Lines.Where(l => l.Id == id).Select(l => l.Text).ToList();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines) _lines.Add((logLevel, eventId.Id, formatter(state, exception)));
    }
}
