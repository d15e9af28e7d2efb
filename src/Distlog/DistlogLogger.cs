using System.Diagnostics;
using Distlog.Internal;
using Microsoft.Extensions.Logging;

namespace Distlog;

/// <summary>The <see cref="ILogger"/> of one category: captures a record and queues it; never throws.</summary>
internal sealed class DistlogLogger(string category, DistlogLoggerProvider provider) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => provider.ScopeProvider?.Push(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel == LogLevel.None || formatter is null)
        {
            return;
        }

        var sender = provider.Sender;
        if (sender.IsClosed)
        {
            sender.CountDropped();
            return;
        }

        try
        {
            var entry = PendingRecord<TState>.Rent();
            entry.State = state;
            entry.Formatter = formatter;
            if (!PendingRecord<TState>.Deferrable)
            {
                entry.Snapshot();
            }

            entry.Timestamp = provider.TimeProvider.GetUtcNow();
            entry.Level = logLevel;
            entry.EventId = eventId;
            entry.Category = category;
            entry.Exception = exception;
            entry.ThreadId = Environment.CurrentManagedThreadId;
            entry.ThreadName = Thread.CurrentThread.Name;
            if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
            {
                entry.TraceId = activity.TraceId;
                entry.SpanId = activity.SpanId;
                entry.TraceFlags = activity.ActivityTraceFlags;
            }

            ref readonly var boundary = ref DistlogTask.CurrentBoundary;
            var task = boundary.Task ?? DistlogTask.Current;
            if (task is not null)
            {
                entry.Task = task;
                entry.Seq = task.NextSeq();
                entry.Data = task.Data;
                entry.Boundary = boundary.Boundary;
            }

            provider.ScopeProvider?.ForEachScope(static (scope, e) => (e.Scopes ??= []).Add(scope), (PendingRecord)entry);
            sender.Enqueue(entry);
        }
        catch (Exception ex)
        {
            provider.ReportLoggingFailure(ex);
        }
    }
}
