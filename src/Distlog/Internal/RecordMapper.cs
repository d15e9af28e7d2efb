using System.Globalization;
using Distlog.Protocol;

namespace Distlog.Internal;

/// <summary>
/// Turns what a log call captured (<see cref="PendingRecord"/>) into the seed's record, and builds the record that
/// reports drops. Every record's origin fields (time, host, process, thread, service) are filled in one place.
/// </summary>
/// <remarks>Owned by the sender thread: it reuses one <see cref="LogRecord"/> and one argument list.</remarks>
internal sealed class RecordMapper(string serviceName)
{
    private readonly LogRecord _record = new();
    private readonly List<KeyValuePair<string, object?>> _args = [];
    private readonly AscTimeFormatter _ascTime = new();

    /// <summary>The record of a log call; valid until the next call of this mapper.</summary>
    public LogRecord Map(PendingRecord e)
    {
        var r = Start(e.Timestamp, e.ThreadId, e.ThreadName);
        var (message, template) = e.Render(_args);
        r.Name = e.Category;
        r.LevelNo = LevelMap.ToLevelNo(e.Level);
        r.LevelName = Levels.NameOf(r.LevelNo);
        r.Msg = template ?? message;
        r.Message = message;
        r.Args = _args.Count > 0 ? _args : null;
        r.ExcText = e.Exception is null ? null : SafeExceptionText(e.Exception);
        r.Context = e.Task is null ? null : new RecordContext(TaskKey.Format(e.Seq, e.Task.Id), e.Data ?? []);
        r.Event = e.EventId.Id != 0 || e.EventId.Name is not null ? new RecordEvent(e.EventId.Id, e.EventId.Name) : null;
        r.Scopes = e.HasScopes ? ScopeValues(e.Scopes!) : null;
        r.Task = e.Boundary;
        if (e.TraceId != default)
        {
            r.TraceId = e.TraceId.ToHexString();
            r.SpanId = e.SpanId.ToHexString();
            r.TraceFlags = (long)e.TraceFlags;
        }

        return r;
    }

    /// <summary>The record that tells the daemon how many records were lost here.</summary>
    public LogRecord MapDropReport(long newlyDropped, long totalDropped, DateTimeOffset now)
    {
        var r = Start(now, Environment.CurrentManagedThreadId, Thread.CurrentThread.Name);
        r.Name = "Distlog";
        r.LevelNo = Levels.Warning;
        r.LevelName = Levels.NameOf(Levels.Warning);
        r.Msg = "distlog dropped {Dropped} records (queue full or undeliverable); {TotalDropped} in all";
        r.Message = string.Create(CultureInfo.InvariantCulture, $"distlog dropped {newlyDropped} records (queue full or undeliverable); {totalDropped} in all");
        r.Args = new List<KeyValuePair<string, object?>> { new("Dropped", newlyDropped), new("TotalDropped", totalDropped) };
        r.Event = new RecordEvent(0, "DistlogDropped");
        return r;
    }

    /// <summary>Cuts the record just mapped down to its message, for one that encoded larger than allowed.</summary>
    public void Shrink(int originalSize)
    {
        var r = _record;
        r.Args = null;
        r.Scopes = null;
        r.Message = ValueLimits.Cut(r.Message ?? string.Empty, 4096);
        r.Msg = ValueLimits.Cut(r.Msg ?? string.Empty, 4096);
        r.ExcText = r.ExcText is null ? null : ValueLimits.Cut(r.ExcText, 16 * 1024);
        if (r.Context is { } context)
        {
            r.Context = context with { Data = [] };
        }

        r.Extra = [new("distlog_truncated_bytes", originalSize)];
    }

    /// <summary>Lets go of the values the last record referred to.</summary>
    public void Release() => _args.Clear();

    private LogRecord Start(DateTimeOffset timestamp, int threadId, string? threadName)
    {
        var r = _record;
        r.Clear();
        _args.Clear();
        long unixTicks = timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        r.Created = unixTicks / (double)TimeSpan.TicksPerSecond;
        r.Msecs = (unixTicks % TimeSpan.TicksPerSecond) / (double)TimeSpan.TicksPerMillisecond;
        r.RelativeCreated = (timestamp - ProcessInfo.StartTime).TotalMilliseconds;
        r.AscTime = _ascTime.Format(timestamp);
        r.Hostname = ProcessInfo.Hostname;
        r.Process = ProcessInfo.ProcessId;
        r.ProcessName = ProcessInfo.ProcessName;
        r.Thread = threadId;
        r.ThreadName = threadName;
        r.Service = serviceName;
        return r;
    }

    private static string SafeExceptionText(Exception exception)
    {
        try
        {
            return exception.ToString();
        }
        catch (Exception ex)
        {
            return $"{exception.GetType().FullName}: <exception text failed: {ex.Message}>";
        }
    }

    /// <summary>MEL scope states as data: pair lists become maps (a template's text kept as <c>$text</c>), others their text.</summary>
    private static List<object?> ScopeValues(List<object?> scopes)
    {
        var result = new List<object?>(scopes.Count);
        foreach (object? scope in scopes)
        {
            if (scope is not string && scope is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                var map = new List<KeyValuePair<string, object?>>();
                bool templated = false;
                foreach (var pair in pairs)
                {
                    if (pair.Key == "{OriginalFormat}")
                    {
                        templated = true;
                    }
                    else
                    {
                        map.Add(pair);
                    }
                }

                if (templated)
                {
                    map.Add(new("$text", ValueWriter.SafeToString(scope)));
                }

                result.Add(map);
            }
            else
            {
                result.Add(scope);
            }
        }

        return result;
    }
}
