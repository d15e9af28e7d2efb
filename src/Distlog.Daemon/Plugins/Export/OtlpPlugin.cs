using System.Globalization;
using Distlog.Plugins;
using Distlog.Protocol;

namespace Distlog.Daemon.Plugins.Export;

/// <summary>
/// <c>type: otlp</c> — posts each batch to an OpenTelemetry Collector (or any OTLP/HTTP receiver) as an
/// <c>ExportLogsServiceRequest</c> in protobuf at <c>{url}/v1/logs</c>, gzip-compressed by default.
/// </summary>
/// <remarks>
/// <para>Settings: <c>url</c> (required, the receiver's base address, say <c>http://collector:4318</c>) and those of
/// <see cref="HttpExport"/> (<c>headers</c> for auth, <c>compression</c>, <c>timeout</c>).</para>
/// <para>The shape is the one OpenTelemetry .NET's own OTLP exporter gives MEL records: one resource per service,
/// host and process (<c>service.name</c>, <c>host.name</c>, <c>process.pid</c>), one scope per logger; the body is the
/// message template (the rendered message where there is none), the named arguments are attributes, the exception
/// is <c>exception.type</c>/<c>.message</c>/<c>.stacktrace</c>, the level is MEL's severity number and name, and the
/// W3C ids are the record's. distlog adds <c>distlog.task.key</c>, <c>distlog.task.event</c>/<c>.status</c>/
/// <c>.elapsed_ms</c> on a task's boundaries, and the task's data as <c>distlog.context.NAME</c>.</para>
/// </remarks>
internal sealed class OtlpPlugin : IDistlogPlugin
{
    // The OTLP messages' field numbers (opentelemetry/proto/collector/logs/v1, logs/v1, common/v1, resource/v1).
    private const int RequestResourceLogs = 1;
    private const int ResourceLogsResource = 1, ResourceLogsScopeLogs = 2;
    private const int ResourceAttributes = 1;
    private const int ScopeLogsScope = 1, ScopeLogsLogRecords = 2;
    private const int ScopeName = 1;
    private const int LogTime = 1, LogSeverityNumber = 2, LogSeverityText = 3, LogBody = 5, LogAttributes = 6, LogFlags = 8,
        LogTraceId = 9, LogSpanId = 10, LogObservedTime = 11, LogEventName = 12;
    private const int KeyValueKey = 1, KeyValueValue = 2;
    private const int AnyString = 1, AnyBool = 2, AnyInt = 3, AnyDouble = 4, AnyArray = 5, AnyKvList = 6, AnyBytes = 7;
    private const int ListValues = 1;

    private readonly HttpExport _export;
    private readonly ProtoWriter _proto = new();

    public OtlpPlugin(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _export = new HttpExport(settings, "/v1/logs", "application/x-protobuf", gzipByDefault: true);
    }

    public string? Target => _export.Address.ToString();

    public Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken)
    {
        Encode(_proto, batch.Select(r => r.Record));
        return _export.PostAsync(_proto.Written, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _export.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The request for <paramref name="records"/>, grouped by resource and logger in the order first seen.</summary>
    internal static void Encode(ProtoWriter p, IEnumerable<LogRecord> records)
    {
        p.Reset();
        var resources = new List<((string? Service, string? Host, long? Pid) Key, List<(string Logger, List<LogRecord> Records)> Scopes)>();
        foreach (var r in records)
        {
            var key = (r.Service, r.Hostname, r.Process);
            int i = resources.FindIndex(e => e.Key == key);
            if (i < 0)
            {
                resources.Add((key, []));
                i = resources.Count - 1;
            }

            var scopes = resources[i].Scopes;
            string logger = r.Name ?? string.Empty;
            int j = scopes.FindIndex(s => s.Logger == logger);
            if (j < 0)
            {
                scopes.Add((logger, []));
                j = scopes.Count - 1;
            }

            scopes[j].Records.Add(r);
        }

        foreach (var (key, scopes) in resources)
        {
            p.BeginMessage();
            p.BeginMessage();
            Attribute(p, ResourceAttributes, "service.name", key.Service ?? "unknown_service");
            Attribute(p, ResourceAttributes, "host.name", key.Host);
            if (key.Pid is { } pid)
            {
                Attribute(p, ResourceAttributes, "process.pid", pid);
            }

            p.EndMessage(ResourceLogsResource);
            foreach (var (logger, list) in scopes)
            {
                p.BeginMessage();
                p.BeginMessage();
                p.String(ScopeName, logger);
                p.EndMessage(ScopeLogsScope);
                foreach (var r in list)
                {
                    p.BeginMessage();
                    WriteLog(p, r);
                    p.EndMessage(ScopeLogsLogRecords);
                }

                p.EndMessage(ResourceLogsScopeLogs);
            }

            p.EndMessage(RequestResourceLogs);
        }
    }

    private static void WriteLog(ProtoWriter p, LogRecord r)
    {
        ulong time = ExportIds.UnixNanos(r.Created);
        p.Fixed64(LogTime, time);
        var (number, text) = Severity(r.LevelNo);
        p.UInt64(LogSeverityNumber, (ulong)number);
        p.String(LogSeverityText, text);

        var named = r.Args switch
        {
            Dictionary<string, object?> map => map.ToList(),
            IReadOnlyList<KeyValuePair<string, object?>> pairs => pairs,
            _ => null,
        };
        p.BeginMessage();
        p.String(AnyString, named is not null && r.Msg is not null ? r.Msg : r.Message ?? r.Msg ?? string.Empty);
        p.EndMessage(LogBody);

        foreach (var pair in named ?? [])
        {
            Attribute(p, LogAttributes, pair.Key, pair.Value);
        }

        if (r.Event is { } ev && ev.Id != 0)
        {
            Attribute(p, LogAttributes, "distlog.event.id", (long)ev.Id);
        }

        if (r.ExcText is { } exception)
        {
            string firstLine = exception.Split('\n', 2)[0].TrimEnd('\r');
            int colon = firstLine.IndexOf(": ", StringComparison.Ordinal);
            // As OpenTelemetry .NET: the type's short name (the text has its full name, which the stack trace keeps).
            string type = colon > 0 ? firstLine[..colon] : firstLine;
            Attribute(p, LogAttributes, "exception.type", type[(type.LastIndexOf('.') + 1)..]);
            Attribute(p, LogAttributes, "exception.message", colon > 0 ? firstLine[(colon + 2)..] : string.Empty);
            Attribute(p, LogAttributes, "exception.stacktrace", exception);
        }

        if (r.Context is { } context)
        {
            Attribute(p, LogAttributes, "distlog.task.key", context.Key);
            foreach (var pair in context.Data)
            {
                Attribute(p, LogAttributes, "distlog.context." + pair.Key, pair.Value);
            }
        }

        if (r.Task is { } task)
        {
            Attribute(p, LogAttributes, "distlog.task.event", task.Event);
            Attribute(p, LogAttributes, "distlog.task.status", task.Status);
            if (task.ElapsedMs is { } elapsed)
            {
                Attribute(p, LogAttributes, "distlog.task.elapsed_ms", elapsed);
            }
        }

        if (TryHex(r.TraceId, 16, out byte[]? traceId) && TryHex(r.SpanId, 8, out byte[]? spanId))
        {
            p.Fixed32(LogFlags, (uint)((r.TraceFlags ?? 1) & 0xFF));
            p.Bytes(LogTraceId, traceId);
            p.Bytes(LogSpanId, spanId);
        }

        p.Fixed64(LogObservedTime, time);
        if (r.Event?.Name is { } eventName)
        {
            p.String(LogEventName, eventName);
        }
    }

    /// <summary>OpenTelemetry's severity number and MEL's level name for a level number.</summary>
    internal static (int Number, string Text) Severity(int levelNo) => levelNo switch
    {
        < Levels.Debug => (1, "Trace"),
        < Levels.Info => (5, "Debug"),
        < Levels.Warning => (9, "Information"),
        < Levels.Error => (13, "Warning"),
        < Levels.Critical => (17, "Error"),
        _ => (21, "Critical"),
    };

    private static void Attribute(ProtoWriter p, int field, string key, object? value)
    {
        if (value is null)
        {
            return;
        }

        p.BeginMessage();
        p.String(KeyValueKey, key);
        p.BeginMessage();
        AnyValue(p, value, 0);
        p.EndMessage(KeyValueValue);
        p.EndMessage(field);
    }

    private static void AnyValue(ProtoWriter p, object? value, int depth)
    {
        switch (value)
        {
            case null: break;
            case string s: p.String(AnyString, s); break;
            case bool b: p.Bool(AnyBool, b); break;
            case long l: p.Int64(AnyInt, l); break;
            case int i: p.Int64(AnyInt, i); break;
            case ulong u when u <= long.MaxValue: p.Int64(AnyInt, (long)u); break;
            case double d: p.Double(AnyDouble, d); break;
            case byte[] bytes: p.Bytes(AnyBytes, bytes); break;
            case List<object?> list when depth < 16:
                p.BeginMessage();
                foreach (object? item in list)
                {
                    p.BeginMessage();
                    AnyValue(p, item, depth + 1);
                    p.EndMessage(ListValues);
                }

                p.EndMessage(AnyArray);
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs when depth < 16:
                p.BeginMessage();
                foreach (var pair in pairs)
                {
                    p.BeginMessage();
                    p.String(KeyValueKey, pair.Key);
                    p.BeginMessage();
                    AnyValue(p, pair.Value, depth + 1);
                    p.EndMessage(KeyValueValue);
                    p.EndMessage(ListValues);
                }

                p.EndMessage(AnyKvList);
                break;
            default: p.String(AnyString, Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    private static bool TryHex(string? text, int length, out byte[] bytes)
    {
        bytes = [];
        if (text is null || text.Length != length * 2)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(text);
            return bytes.Any(b => b != 0);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
