using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Every log line the server writes (at the levels its configuration lets through), kept in memory so a test can
/// count what some input made it write. Register it with <c>services.AddSingleton&lt;ILoggerProvider&gt;(logs)</c>.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<Line> _lines = new();

    public readonly record struct Line(string Category, LogLevel Level, string Message, string? Exception);

    public IReadOnlyList<Line> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs._lines.Enqueue(new Line(category, logLevel, formatter(state, exception), exception?.GetType().FullName));
    }
}
