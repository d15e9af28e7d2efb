namespace Distlog.Protocol;

/// <summary>Writes a <see cref="LogRecord"/> as one map onto a sink, shared by the JSON and MessagePack codecs: the
/// fields of <see cref="RecordLayout"/>, in its order, written by hand for speed and held to it by a test.</summary>
/// <remarks>With <c>includeNulls</c> (JSON) every field of the seed's record is written, null when unknown, as the
/// original does; without it (MessagePack) absent fields are left out. The .NET additions and extra fields are
/// written only when set.</remarks>
internal static class RecordWriter
{
    public static void Write<TSink>(ref TSink sink, LogRecord record, RecordEncoderOptions limits, bool includeNulls)
        where TSink : IValueSink, allows ref struct
    {
        int budget = limits.MaxValues;
        sink.BeginMap(CountFields(record, includeNulls));

        // The seed's order: context first, then Python's LogRecord attributes.
        if (includeNulls || record.Context is not null)
        {
            sink.WritePropertyName(Fields.Context);
            if (record.Context is null)
            {
                sink.WriteNull();
            }
            else
            {
                // "key" is the task key; a data item of that name would shadow it, so it is left out.
                var data = record.Context.Data;
                int limit = Math.Min(data.Count, limits.MaxItems);
                int count = 0;
                for (int i = 0; i < limit; i++)
                {
                    count += data[i].Key == Fields.Key ? 0 : 1;
                }

                sink.BeginMap(count + 1);
                sink.WritePropertyName(Fields.Key);
                WriteString(ref sink, record.Context.Key, limits);
                for (int i = 0; i < limit; i++)
                {
                    if (data[i].Key != Fields.Key)
                    {
                        sink.WritePropertyName(data[i].Key ?? string.Empty);
                        ValueWriter.Write(ref sink, data[i].Value, limits, 2, ref budget);
                    }
                }

                sink.EndMap();
            }
        }

        String(ref sink, Fields.Filename, record.Filename, limits, includeNulls);
        String(ref sink, Fields.FuncName, record.FuncName, limits, includeNulls);
        String(ref sink, Fields.StackInfo, record.StackInfo, limits, includeNulls);
        if (includeNulls || record.Args is not null)
        {
            sink.WritePropertyName(Fields.Args);
            ValueWriter.Write(ref sink, record.Args, limits, 1, ref budget);
        }

        Integer(ref sink, Fields.Process, record.Process, includeNulls);
        String(ref sink, Fields.Hostname, record.Hostname, limits, includeNulls);
        sink.WritePropertyName(Fields.Msecs);
        sink.WriteDouble(record.Msecs);
        String(ref sink, Fields.Message, record.Message, limits, includeNulls);
        String(ref sink, Fields.Name, record.Name, limits, includeNulls);
        String(ref sink, Fields.Module, record.Module, limits, includeNulls);
        Integer(ref sink, Fields.Thread, record.Thread, includeNulls);
        String(ref sink, Fields.Msg, record.Msg, limits, includeNulls);
        Integer(ref sink, Fields.Lineno, record.Lineno, includeNulls);
        String(ref sink, Fields.ThreadName, record.ThreadName, limits, includeNulls);
        String(ref sink, Fields.ExcText, record.ExcText, limits, includeNulls);
        if (includeNulls)
        {
            sink.WriteNullProperty(Fields.ExcInfo);
        }

        sink.WritePropertyName(Fields.LevelNo);
        sink.WriteInt64(record.LevelNo);
        String(ref sink, Fields.AscTime, record.AscTime, limits, includeNulls);
        sink.WritePropertyName(Fields.RelativeCreated);
        sink.WriteDouble(record.RelativeCreated);
        String(ref sink, Fields.LevelName, record.LevelName ?? Levels.NameOf(record.LevelNo), limits, includeNulls);
        String(ref sink, Fields.ProcessName, record.ProcessName, limits, includeNulls);
        sink.WritePropertyName(Fields.Created);
        sink.WriteDouble(record.Created);
        String(ref sink, Fields.Pathname, record.Pathname, limits, includeNulls);

        // distlog for .NET additions, only when set.
        String(ref sink, Fields.Service, record.Service, limits, includeNulls: false);
        String(ref sink, Fields.TraceId, record.TraceId, limits, includeNulls: false);
        String(ref sink, Fields.SpanId, record.SpanId, limits, includeNulls: false);
        Integer(ref sink, Fields.TraceFlags, record.TraceFlags, includeNulls: false);
        if (record.Event is { } ev)
        {
            sink.WritePropertyName(Fields.Event);
            sink.BeginMap(ev.Name is null ? 1 : 2);
            sink.WritePropertyName(Fields.EventId);
            sink.WriteInt64(ev.Id);
            if (ev.Name is not null)
            {
                sink.WritePropertyName(Fields.EventName);
                WriteString(ref sink, ev.Name, limits);
            }

            sink.EndMap();
        }

        if (record.Scopes is { } scopes)
        {
            sink.WritePropertyName(Fields.Scopes);
            ValueWriter.Write(ref sink, scopes, limits, 1, ref budget);
        }

        if (record.Task is { } task)
        {
            sink.WritePropertyName(Fields.Task);
            sink.BeginMap(task.ElapsedMs is null ? 2 : 3);
            sink.WritePropertyName(Fields.TaskEvent);
            WriteString(ref sink, task.Event, limits);
            sink.WritePropertyName(Fields.TaskStatus);
            WriteString(ref sink, task.Status, limits);
            if (task.ElapsedMs is { } elapsed)
            {
                sink.WritePropertyName(Fields.TaskElapsedMs);
                sink.WriteDouble(elapsed);
            }

            sink.EndMap();
        }

        if (record.Extra is { } extra)
        {
            foreach (var pair in extra)
            {
                if (pair.Key is not null && !RecordLayout.IsField(pair.Key))
                {
                    sink.WritePropertyName(pair.Key);
                    ValueWriter.Write(ref sink, pair.Value, limits, 1, ref budget);
                }
            }
        }

        sink.EndMap();
    }

    private static int CountFields(LogRecord r, bool includeNulls)
    {
        int count;
        if (includeNulls)
        {
            count = RecordLayout.AlwaysInJson; // every seed field, null when unknown, exc_info included
        }
        else
        {
            // msecs, levelno, relativeCreated, levelname and created are always written.
            count = 5 + (r.Context is null ? 0 : 1) + (r.Filename is null ? 0 : 1) + (r.FuncName is null ? 0 : 1)
                + (r.StackInfo is null ? 0 : 1) + (r.Args is null ? 0 : 1) + (r.Process is null ? 0 : 1)
                + (r.Hostname is null ? 0 : 1) + (r.Message is null ? 0 : 1) + (r.Name is null ? 0 : 1)
                + (r.Module is null ? 0 : 1) + (r.Thread is null ? 0 : 1) + (r.Msg is null ? 0 : 1)
                + (r.Lineno is null ? 0 : 1) + (r.ThreadName is null ? 0 : 1) + (r.ExcText is null ? 0 : 1)
                + (r.AscTime is null ? 0 : 1) + (r.ProcessName is null ? 0 : 1) + (r.Pathname is null ? 0 : 1);
        }

        count += (r.Service is null ? 0 : 1) + (r.TraceId is null ? 0 : 1) + (r.SpanId is null ? 0 : 1) + (r.TraceFlags is null ? 0 : 1)
            + (r.Event is null ? 0 : 1) + (r.Scopes is null ? 0 : 1) + (r.Task is null ? 0 : 1);
        if (r.Extra is { } extra)
        {
            foreach (var pair in extra)
            {
                if (pair.Key is not null && !RecordLayout.IsField(pair.Key))
                {
                    count++;
                }
            }
        }

        return count;
    }

    private static void String<TSink>(ref TSink sink, string name, string? value, RecordEncoderOptions limits, bool includeNulls)
        where TSink : IValueSink, allows ref struct
    {
        if (value is null)
        {
            if (includeNulls)
            {
                sink.WriteNullProperty(name);
            }

            return;
        }

        sink.WriteStringProperty(name, ValueWriter.Truncate(value, limits));
    }

    private static void WriteString<TSink>(ref TSink sink, string? value, RecordEncoderOptions limits)
        where TSink : IValueSink, allows ref struct
    {
        if (value is null)
        {
            sink.WriteNull();
        }
        else
        {
            sink.WriteString(ValueWriter.Truncate(value, limits));
        }
    }

    private static void Integer<TSink>(ref TSink sink, string name, long? value, bool includeNulls)
        where TSink : IValueSink, allows ref struct
    {
        if (value is { } v)
        {
            sink.WritePropertyName(name);
            sink.WriteInt64(v);
        }
        else if (includeNulls)
        {
            sink.WriteNullProperty(name);
        }
    }
}
