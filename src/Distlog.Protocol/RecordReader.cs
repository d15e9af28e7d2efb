using System.Globalization;

namespace Distlog.Protocol;

/// <summary>Fills a <see cref="LogRecord"/> from decoded top-level fields: the single definition of what each
/// known field may hold, shared by both decoders. Unknown fields are kept in <see cref="LogRecord.Extra"/>.</summary>
internal static class RecordReader
{
    /// <summary>Assigns one top-level field; throws <see cref="RecordFormatException"/> when a known field has a
    /// type it can never have.</summary>
    public static void Set(LogRecord record, string name, object? value, ref List<KeyValuePair<string, object?>>? extra)
    {
        switch (name)
        {
            case Fields.Context: record.Context = ReadContext(value); break;
            case Fields.Filename: record.Filename = String(name, value); break;
            case Fields.FuncName: record.FuncName = String(name, value); break;
            case Fields.StackInfo: record.StackInfo = String(name, value); break;
            case Fields.Args: record.Args = value; break;
            case Fields.Process: record.Process = Integer(name, value); break;
            case Fields.Hostname: record.Hostname = String(name, value); break;
            case Fields.Msecs: record.Msecs = Number(name, value) ?? 0; break;
            case Fields.Message: record.Message = String(name, value); break;
            case Fields.Name: record.Name = String(name, value); break;
            case Fields.Module: record.Module = String(name, value); break;
            case Fields.Thread: record.Thread = Integer(name, value); break;
            case Fields.Msg: record.Msg = value is null or string ? (string?)value : Convert.ToString(value, CultureInfo.InvariantCulture); break;
            case Fields.Lineno: record.Lineno = Integer(name, value); break;
            case Fields.ThreadName: record.ThreadName = String(name, value); break;
            case Fields.ExcText: record.ExcText = String(name, value); break;
            case Fields.ExcInfo: break; // always null on the wire; a traceback object never crosses it
            case Fields.LevelNo: record.LevelNo = (int)(Integer(name, value) ?? 0); break;
            case Fields.AscTime: record.AscTime = String(name, value); break;
            case Fields.RelativeCreated: record.RelativeCreated = Number(name, value) ?? 0; break;
            case Fields.LevelName: record.LevelName = String(name, value); break;
            case Fields.ProcessName: record.ProcessName = String(name, value); break;
            case Fields.Created: record.Created = Number(name, value) ?? 0; break;
            case Fields.Pathname: record.Pathname = String(name, value); break;
            case Fields.Service: record.Service = String(name, value); break;
            case Fields.TraceId: record.TraceId = String(name, value); break;
            case Fields.SpanId: record.SpanId = String(name, value); break;
            case Fields.TraceFlags: record.TraceFlags = Integer(name, value); break;
            case Fields.Event: record.Event = ReadEvent(value); break;
            case Fields.Scopes:
                record.Scopes = value switch
                {
                    null => null,
                    List<object?> list => list,
                    _ => throw new RecordFormatException("field 'scopes' must be an array"),
                };
                break;
            case Fields.Task: record.Task = ReadTask(value); break;
            default:
                extra ??= [];
                extra.Add(new(name, value));
                break;
        }
    }

    /// <summary>Checks what a whole record needs and fills derivable fields.</summary>
    public static void Complete(LogRecord record, List<KeyValuePair<string, object?>>? extra)
    {
        record.Extra = extra;
        if (record.LevelNo == 0 && record.LevelName is not null && Levels.TryParse(record.LevelName, out int levelNo))
        {
            record.LevelNo = levelNo;
        }

        record.LevelName ??= Levels.NameOf(record.LevelNo);
    }

    private static RecordContext? ReadContext(object? value)
    {
        switch (value)
        {
            case null:
                return null;
            case Dictionary<string, object?> map:
            {
                string? key = null;
                var data = new List<KeyValuePair<string, object?>>(map.Count);
                foreach (var pair in map)
                {
                    if (pair.Key == Fields.Key)
                    {
                        key = pair.Value as string ?? throw new RecordFormatException("field 'context.key' must be a string");
                    }
                    else
                    {
                        data.Add(pair);
                    }
                }

                return new RecordContext(key, data);
            }

            default:
                throw new RecordFormatException("field 'context' must be an object or null");
        }
    }

    private static RecordEvent? ReadEvent(object? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value is not Dictionary<string, object?> map)
        {
            throw new RecordFormatException("field 'event' must be an object");
        }

        map.TryGetValue(Fields.EventId, out object? id);
        map.TryGetValue(Fields.EventName, out object? eventName);
        return new RecordEvent(Integer("event.id", id) ?? 0, String("event.name", eventName));
    }

    private static TaskBoundary? ReadTask(object? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value is not Dictionary<string, object?> map)
        {
            throw new RecordFormatException("field 'task' must be an object");
        }

        map.TryGetValue(Fields.TaskEvent, out object? ev);
        map.TryGetValue(Fields.TaskStatus, out object? status);
        map.TryGetValue(Fields.TaskElapsedMs, out object? elapsed);
        return new TaskBoundary(
            String("task.event", ev) ?? throw new RecordFormatException("field 'task.event' is missing"),
            String("task.status", status) ?? throw new RecordFormatException("field 'task.status' is missing"),
            Number("task.elapsed_ms", elapsed));
    }

    private static string? String(string name, object? value) => value switch
    {
        null => null,
        string s => s,
        _ => throw new RecordFormatException($"field '{name}' must be a string or null"),
    };

    private static long? Integer(string name, object? value) => value switch
    {
        null => null,
        long l => l,
        ulong ul when ul <= long.MaxValue => (long)ul,
        double d when d == Math.Floor(d) && Math.Abs(d) < 9.2e18 => (long)d,
        _ => throw new RecordFormatException($"field '{name}' must be an integer or null"),
    };

    private static double? Number(string name, object? value) => value switch
    {
        null => null,
        double d => d,
        long l => l,
        ulong ul => ul,
        _ => throw new RecordFormatException($"field '{name}' must be a number or null"),
    };
}
