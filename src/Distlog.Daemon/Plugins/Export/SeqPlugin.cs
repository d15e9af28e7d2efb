using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Distlog.Plugins;
using Distlog.Protocol;

namespace Distlog.Daemon.Plugins.Export;

/// <summary>
/// <c>type: seq</c> — posts each batch to Seq as CLEF (<c>{url}/ingest/clef</c>, newline-delimited JSON) with the
/// API key in <c>X-Seq-ApiKey</c>. Each task becomes a Seq span, and its records are events inside that span.
/// </summary>
/// <remarks>
/// <para>Settings: <c>url</c> (required), <c>api_key</c> (say <c>${SEQ_API_KEY}</c>), and those of
/// <see cref="HttpExport"/> (<c>headers</c>, <c>compression</c>, default none, <c>timeout</c>).</para>
/// <para>An event: <c>@t</c>, <c>@m</c> (the rendered message), <c>@mt</c> (the template, when the record has named
/// arguments, which become properties), <c>@l</c> (Verbose, Debug, Information, Warning, Error, Fatal from the
/// level number), <c>@x</c>, and the properties <c>SourceContext</c> (the logger), <c>Service</c>, <c>Host</c>,
/// <c>ProcessId</c>, <c>TaskKey</c>, <c>Context</c> (the task's data) and, when the record has them, its W3C
/// <c>TraceId</c> and <c>SpanId</c>.</para>
/// <para>Spans: <c>@tr</c> and <c>@sp</c> are made from the root and scope ids (<see cref="ExportIds"/>); a task's exit
/// record carries <c>@st</c> (its start) and <c>@ps</c> (its parent scope), which makes it the task's span.</para>
/// </remarks>
internal sealed class SeqPlugin : IDistlogPlugin
{
    private readonly HttpExport _export;
    private readonly ArrayBufferWriter<byte> _body = new(64 * 1024);

    public SeqPlugin(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _export = new HttpExport(settings, "/ingest/clef", "application/vnd.serilog.clef", gzipByDefault: false, ("X-Seq-ApiKey", settings.GetString("api_key")));
    }

    public string? Target => _export.Address.ToString();

    public Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken)
    {
        _body.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_body, new JsonWriterOptions { SkipValidation = true }))
        {
            foreach (var received in batch)
            {
                Write(writer, received.Record);
                writer.Flush();
                writer.Reset();
                _body.Write("\n"u8);
            }
        }

        return _export.PostAsync(_body.WrittenMemory, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _export.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>One CLEF event.</summary>
    internal static void Write(Utf8JsonWriter w, LogRecord r)
    {
        w.WriteStartObject();
        var time = DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(r.Created * TimeSpan.TicksPerSecond));
        w.WriteString("@t", time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        w.WriteString("@m", r.Message ?? r.Msg ?? string.Empty);
        var named = NamedArgs(r.Args);
        if (named is not null && r.Msg is not null)
        {
            w.WriteString("@mt", r.Msg);
        }

        w.WriteString("@l", LevelOf(r.LevelNo));
        if (r.ExcText is not null)
        {
            w.WriteString("@x", r.ExcText);
        }

        if (r.Context?.ParsedKey is { } key)
        {
            w.WriteString("@tr", ExportIds.Trace(key.RootId));
            w.WriteString("@sp", ExportIds.Span(key.ScopeId));
            if (r.Task is { Event: TaskBoundary.Exit, ElapsedMs: { } elapsed })
            {
                w.WriteString("@st", time.AddTicks(-(long)Math.Round(elapsed * TimeSpan.TicksPerMillisecond)).UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                if (key.ParentId is { } parent)
                {
                    w.WriteString("@ps", ExportIds.Span(parent));
                }
            }

            w.WriteString("TaskKey", r.Context.Key);
            w.WriteStartObject("Context");
            foreach (var pair in r.Context.Data)
            {
                w.WritePropertyName(pair.Key);
                WriteValue(w, pair.Value, 0);
            }

            w.WriteEndObject();
        }

        w.WriteString("SourceContext", r.Name);
        WriteIfSet(w, "Service", r.Service);
        WriteIfSet(w, "Host", r.Hostname);
        if (r.Process is { } pid)
        {
            w.WriteNumber("ProcessId", pid);
        }

        WriteIfSet(w, "TraceId", r.TraceId);
        WriteIfSet(w, "SpanId", r.SpanId);
        if (named is not null)
        {
            foreach (var pair in named)
            {
                // Seq reserves names starting with @; a template's own name never does.
                if (!pair.Key.StartsWith('@'))
                {
                    w.WritePropertyName(pair.Key);
                    WriteValue(w, pair.Value, 0);
                }
            }
        }
        else if (r.Args is List<object?> positional)
        {
            w.WritePropertyName("Args");
            WriteValue(w, positional, 0);
        }

        w.WriteEndObject();
    }

    /// <summary>Seq's level names from a level number.</summary>
    internal static string LevelOf(int levelNo) => levelNo switch
    {
        < Levels.Debug => "Verbose",
        < Levels.Info => "Debug",
        < Levels.Warning => "Information",
        < Levels.Error => "Warning",
        < Levels.Critical => "Error",
        _ => "Fatal",
    };

    private static IEnumerable<KeyValuePair<string, object?>>? NamedArgs(object? args) => args switch
    {
        Dictionary<string, object?> map => map,
        IReadOnlyList<KeyValuePair<string, object?>> pairs => pairs,
        _ => null,
    };

    private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    /// <summary>A decoded value (see <see cref="LogRecord"/>) as JSON.</summary>
    internal static void WriteValue(Utf8JsonWriter w, object? value, int depth)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case long l: w.WriteNumberValue(l); break;
            case ulong u: w.WriteNumberValue(u); break;
            case int i: w.WriteNumberValue(i); break;
            case double d when double.IsFinite(d): w.WriteNumberValue(d); break;
            case double d: w.WriteStringValue(d.ToString(CultureInfo.InvariantCulture)); break;
            case string s: w.WriteStringValue(s); break;
            case byte[] bytes: w.WriteBase64StringValue(bytes); break;
            case IEnumerable<KeyValuePair<string, object?>> pairs when depth < 16:
                w.WriteStartObject();
                foreach (var pair in pairs)
                {
                    w.WritePropertyName(pair.Key);
                    WriteValue(w, pair.Value, depth + 1);
                }

                w.WriteEndObject();
                break;
            case List<object?> list when depth < 16:
                w.WriteStartArray();
                foreach (object? item in list)
                {
                    WriteValue(w, item, depth + 1);
                }

                w.WriteEndArray();
                break;
            default: w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }
}
