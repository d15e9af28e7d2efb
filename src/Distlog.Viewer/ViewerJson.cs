using System.Buffers;
using System.Text.Json;
using Distlog.Protocol;
using Distlog.Protocol.Control;
using Distlog.Query;

namespace Distlog.Viewer;

/// <summary>The JSON the HTTP API answers with (documented in the README): records, pages, trees and task summaries.</summary>
internal static class ViewerJson
{
    public static void WriteRecord(Utf8JsonWriter w, string id, char system, LogRecord r)
    {
        var key = r.Context?.ParsedKey;
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("system", system.ToString());
        w.WriteNumber("created", r.Created);
        w.WriteNumber("level", r.LevelNo);
        w.WriteString("levelName", r.LevelName ?? Levels.NameOf(r.LevelNo));
        w.WriteString("logger", r.Name);
        w.WriteString("message", r.Message);
        w.WriteString("service", r.Service);
        w.WriteString("hostname", r.Hostname);
        w.WriteString("traceId", r.TraceId);
        w.WriteString("spanId", r.SpanId);
        w.WriteString("key", r.Context?.Key);
        w.WriteString("rootId", key?.RootId);
        w.WriteString("scopeId", key?.ScopeId);
        if (key is { } k)
        {
            w.WriteNumber("seq", k.Seq);
            w.WriteNumber("depth", k.Depth);
        }

        // The whole record, in the seed's shape, for the details panel.
        w.WritePropertyName("record");
        var buffer = new ArrayBufferWriter<byte>(1024);
        JsonRecordCodec.Default.Encode(r, buffer);
        w.WriteRawValue(buffer.WrittenSpan, skipInputValidation: true);
        w.WriteEndObject();

        // A big answer (a tree of 100,000 records) goes out as it is written, 64 KiB at a time, never held whole.
        if (w.BytesPending >= 64 * 1024)
        {
            w.Flush();
        }
    }

    /// <summary>What the task list takes from a live record (<c>/api/live?brief=true</c>): where it belongs, its level,
    /// time, service, host and message, and its task boundary; a fraction of the whole record.</summary>
    public static void WriteBrief(Utf8JsonWriter w, char system, LogRecord r)
    {
        var key = r.Context?.ParsedKey;
        w.WriteStartObject();
        w.WriteString("system", system.ToString());
        w.WriteNumber("created", r.Created);
        w.WriteNumber("level", r.LevelNo);
        w.WriteString("service", TaskScope.ServiceOf(r));
        w.WriteString("hostname", r.Hostname);
        w.WriteString("rootId", key?.RootId);
        w.WriteString("scopeId", key?.ScopeId);
        w.WriteString("message", r.Message);
        if (r.Task is { } task)
        {
            w.WriteStartObject("task");
            w.WriteString("event", task.Event);
            w.WriteString("status", task.Status);
            if (task.ElapsedMs is { } ms)
            {
                w.WriteNumber("elapsed_ms", ms);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    public static void WritePage(Utf8JsonWriter w, RecordPage page)
    {
        w.WriteStartObject();
        w.WriteStartArray("records");
        foreach (var r in page.Records)
        {
            WriteRecord(w, r.Id, r.System, r.Record);
        }

        w.WriteEndArray();
        w.WriteString("nextCursor", page.NextCursor);
        w.WriteEndObject();
    }

    /// <summary>A tree, or one scope of it (<paramref name="shown"/>); with <paramref name="foldSubtasks"/> the scopes
    /// below it are sent folded: what their header and bar show, with no items, for the page to ask for when it
    /// unfolds one.</summary>
    public static void WriteTree(Utf8JsonWriter w, TaskTree tree, TaskScope shown, bool foldSubtasks)
    {
        w.WriteStartObject();
        w.WriteString("rootId", tree.RootId);
        w.WriteNumber("recordCount", tree.RecordCount);
        w.WriteBoolean("truncated", tree.Truncated);
        w.WritePropertyName("root");
        WriteScope(w, shown, foldSubtasks, folded: false);
        w.WriteEndObject();
    }

    private static void WriteScope(Utf8JsonWriter w, TaskScope scope, bool foldSubtasks, bool folded)
    {
        w.WriteStartObject();
        w.WriteString("id", scope.Id);
        w.WriteNumber("depth", scope.Depth);
        w.WriteString("title", scope.Enter?.Record.Message);
        w.WriteString("status", scope.Status);
        double? elapsedMs = scope.ElapsedMs;
        if (elapsedMs is { } ms)
        {
            w.WriteNumber("elapsedMs", ms);
        }

        w.WriteString("traceId", scope.Enter?.Record.TraceId);
        double start = scope.FirstTime;
        if (double.IsFinite(start))
        {
            w.WriteNumber("start", start);
        }

        w.WriteBoolean("imported", scope.IsImported);
        w.WriteBoolean("hasErrors", scope.HasErrors);
        w.WriteNumber("records", scope.TotalRecords);
        WriteStrings(w, "services", scope.Services);
        WriteStrings(w, "hostnames", scope.Hostnames);
        if (scope.Enter is { } enter)
        {
            w.WritePropertyName("enter");
            WriteRecord(w, enter.Id, enter.System, enter.Record);
        }

        w.WriteStartArray("items");
        if (folded)
        {
            w.WriteEndArray();
            w.WriteBoolean("folded", true);
            if (double.IsFinite(start))
            {
                WriteTicks(w, scope, start, elapsedMs is { } e ? start + (e / 1000) : scope.LastTime);
            }

            w.WriteEndObject();
            return;
        }

        foreach (var item in scope.Timeline)
        {
            if (item.Gap is { } gap)
            {
                w.WriteStartObject();
                w.WriteStartObject("gap");
                w.WriteNumber("after", gap.After);
                w.WriteNumber("before", gap.Before);
                w.WriteNumber("missing", gap.Missing);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            else if (item.Record is { } record)
            {
                w.WriteStartObject();
                w.WritePropertyName("record");
                WriteRecord(w, record.Id, record.System, record.Record);
                w.WriteEndObject();
            }
            else
            {
                w.WriteStartObject();
                w.WritePropertyName("scope");
                WriteScope(w, item.Scope!, foldSubtasks, foldSubtasks);
                w.WriteEndObject();
            }
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>A folded scope's lane, which the page cannot work out without its records: its last time (for the
    /// axis) and a tick per percent of its bar that holds records of its own, with the worst level there (the page's own rule, for the scopes it holds).</summary>
    private static void WriteTicks(Utf8JsonWriter w, TaskScope scope, double start, double end)
    {
        w.WriteNumber("last", Math.Max(end, scope.LastTime));
        var slots = new SortedDictionary<int, int>();
        double width = end - start;
        var enter = scope.Enter;
        foreach (var record in scope.Records)
        {
            if (ReferenceEquals(record, enter))
            {
                continue; // it titles the scope; the page draws no tick for it either
            }

            int slot = width > 0 ? (int)Math.Round(100 * (record.Outline.Created - start) / width, MidpointRounding.AwayFromZero) : 0;
            slots[slot] = Math.Max(slots.GetValueOrDefault(slot, int.MinValue), record.Outline.Level);
        }

        w.WriteStartArray("ticks");
        foreach (var (slot, level) in slots)
        {
            w.WriteStartArray();
            w.WriteNumberValue(slot);
            w.WriteNumberValue(level);
            w.WriteEndArray();
        }

        w.WriteEndArray();
    }

    /// <summary>A task list entry: what the list shows of one root task.</summary>
    public static void WriteTaskSummary(Utf8JsonWriter w, TaskSummary task)
    {
        w.WriteStartObject();
        w.WriteString("rootId", task.RootId);
        w.WriteString("title", task.Title);
        w.WriteString("status", task.Status);
        w.WriteNumber("started", task.Started);
        w.WriteNumber("last", task.Last);
        if (task.ElapsedMs is { } ms)
        {
            w.WriteNumber("elapsedMs", ms);
        }

        w.WriteNumber("records", task.Records);
        w.WriteNumber("errors", task.Errors);
        w.WriteNumber("warnings", task.Warnings);
        w.WriteNumber("gaps", task.Gaps);
        WriteStrings(w, "services", task.Services);
        WriteStrings(w, "hostnames", task.Hostnames);
        w.WriteEndObject();
    }

    /// <summary>The level rules, as the session carries them (<see cref="ControlMessage.WriteRule"/>).</summary>
    public static void WriteRules(Utf8JsonWriter w, IReadOnlyList<LevelRule> rules, DateTimeOffset now)
    {
        w.WriteStartObject();
        w.WriteStartArray("rules");
        foreach (var rule in rules)
        {
            ControlMessage.WriteRule(w, rule, now);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The clients with a live session.</summary>
    public static void WriteComponents(Utf8JsonWriter w, IReadOnlyList<ComponentInfo> components, IReadOnlyDictionary<string, long> counters)
    {
        w.WriteStartObject();
        w.WriteStartObject("daemon");
        foreach (var (name, value) in counters)
        {
            w.WriteNumber(name, value);
        }

        w.WriteEndObject();
        w.WriteStartArray("components");
        foreach (var c in components)
        {
            w.WriteStartObject();
            w.WriteString("instance", c.Instance);
            w.WriteString("service", c.Service);
            w.WriteString("host", c.Host);
            w.WriteNumber("pid", c.Pid);
            w.WriteString("process", c.ProcessName);
            w.WriteString("version", c.Version);
            w.WriteString("system", c.System.ToString());
            w.WriteString("connectedSince", c.ConnectedSince);
            w.WriteString("lastSeen", c.LastSeen);
            w.WriteNumber("recordsPerSecond", c.RecordsPerSecond);
            w.WriteNumber("recordsSent", c.RecordsSent);
            w.WriteNumber("dropped", c.Dropped);
            WriteStrings(w, "rules", c.Rules);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (string v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }
}
