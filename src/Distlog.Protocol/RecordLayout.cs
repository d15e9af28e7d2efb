namespace Distlog.Protocol;

/// <summary>What a top-level field of a record holds.</summary>
internal enum FieldKind
{
    /// <summary>A string or null.</summary>
    Text,

    /// <summary>A string, or any value written as its text (<c>msg</c>: Python may log a non-string).</summary>
    Template,

    /// <summary>An integer or null.</summary>
    Integer,

    /// <summary>A number; 0 when absent.</summary>
    Number,

    /// <summary>The level number; 0 when absent (then read from the level's name).</summary>
    Level,

    /// <summary><c>{"key": task key, …data}</c> or null.</summary>
    Context,

    /// <summary>Any value: the template's arguments.</summary>
    Args,

    /// <summary>A list of values or null.</summary>
    Scopes,

    /// <summary><c>{"id": n, "name": text}</c> or absent.</summary>
    Event,

    /// <summary><c>{"event": …, "status": …, "elapsed_ms": n}</c> or absent.</summary>
    Task,

    /// <summary>Always null on the wire (a Python traceback object never crosses it).</summary>
    Null,
}

/// <summary>When the JSON writer writes a field.</summary>
internal enum FieldPresence
{
    /// <summary>Always, with its value (a number).</summary>
    Always,

    /// <summary>Always in JSON, null when unknown, as the seed's records do; MessagePack leaves it out when null.</summary>
    Seed,

    /// <summary>Only when set (distlog for .NET's additions).</summary>
    WhenSet,
}

/// <summary>One top-level field of the record: its wire name, what it holds, when it is written, and where it lives
/// on <see cref="LogRecord"/>.</summary>
internal sealed record RecordField(string Name, FieldKind Kind, FieldPresence Presence, string Property, Func<LogRecord, object?> Get);

/// <summary>
/// The record's layout, defined once: every top-level field in the order the writer puts them (the seed's order,
/// then distlog for .NET's additions). The known names of the writer, the readers (<see cref="Fields.All"/>, from
/// which the scanner and the encoders' name tables are made) come from here. The paths that must be fast are written
/// by hand — <see cref="RecordWriter"/>'s sequence of calls, <see cref="RecordReader.Set"/>'s switch, the scanner's
/// summary, <see cref="LogRecord.Clear"/> — and a test (RecordLayoutTests) holds each to this table field by field,
/// through both codecs: a field a writer leaves out or a reader reads elsewhere fails it.
/// </summary>
internal static class RecordLayout
{
    public static readonly RecordField[] Fields =
    [
        new(Protocol.Fields.Context, FieldKind.Context, FieldPresence.Seed, nameof(LogRecord.Context), r => r.Context),
        new(Protocol.Fields.Filename, FieldKind.Text, FieldPresence.Seed, nameof(LogRecord.Filename), r => r.Filename),
        new(Protocol.Fields.FuncName, FieldKind.Text, FieldPresence.Seed, nameof(LogRecord.FuncName), r => r.FuncName),
        new(Protocol.Fields.StackInfo, FieldKind.Text, FieldPresence.Seed, nameof(LogRecord.StackInfo), r => r.StackInfo),
        new(Protocol.Fields.Args, FieldKind.Args, FieldPresence.Seed, nameof(LogRecord.Args), r => r.Args),
        new(Protocol.Fields.Process, FieldKind.Integer, FieldPresence.Seed, nameof(LogRecord.Process), r => r.Process),
        new(Protocol.Fields.Hostname, FieldKind.Text, FieldPresence.Seed, nameof(LogRecord.Hostname), r => r.Hostname),
        new(Protocol.Fields.Msecs, FieldKind.Number, FieldPresence.Always, nameof(LogRecord.Msecs), r => r.Msecs),
        new(Protocol.Fields.Message, FieldKind.Text, FieldPresence.Seed, nameof(LogRecord.Message), r => r.Message),
        new(Protocol.Fields.Name, FieldKind.Text, FieldPresence.Seed, nameof(LogRecord.Name), r => r.Name),
        new(Protocol.Fields.Module, FieldKind.Text, FieldPresence.Seed, nameof(LogRecord.Module), r => r.Module),
        new(Protocol.Fields.Thread, FieldKind.Integer, FieldPresence.Seed, nameof(LogRecord.Thread), r => r.Thread),
        new(Protocol.Fields.Msg, FieldKind.Template, FieldPresence.Seed, nameof(LogRecord.Msg), r => r.Msg),
        new(Protocol.Fields.Lineno, FieldKind.Integer, FieldPresence.Seed, nameof(LogRecord.Lineno), r => r.Lineno),
        new(Protocol.Fields.ThreadName, FieldKind.Text, FieldPresence.Seed, nameof(LogRecord.ThreadName), r => r.ThreadName),
        new(Protocol.Fields.ExcText, FieldKind.Text, FieldPresence.Seed, nameof(LogRecord.ExcText), r => r.ExcText),
        new(Protocol.Fields.ExcInfo, FieldKind.Null, FieldPresence.Seed, string.Empty, _ => null),
        new(Protocol.Fields.LevelNo, FieldKind.Level, FieldPresence.Always, nameof(LogRecord.LevelNo), r => r.LevelNo),
        new(Protocol.Fields.AscTime, FieldKind.Text, FieldPresence.Seed, nameof(LogRecord.AscTime), r => r.AscTime),
        new(Protocol.Fields.RelativeCreated, FieldKind.Number, FieldPresence.Always, nameof(LogRecord.RelativeCreated), r => r.RelativeCreated),
        new(Protocol.Fields.LevelName, FieldKind.Text, FieldPresence.Always, nameof(LogRecord.LevelName), r => r.LevelName),
        new(Protocol.Fields.ProcessName, FieldKind.Text, FieldPresence.Seed, nameof(LogRecord.ProcessName), r => r.ProcessName),
        new(Protocol.Fields.Created, FieldKind.Number, FieldPresence.Always, nameof(LogRecord.Created), r => r.Created),
        new(Protocol.Fields.Pathname, FieldKind.Text, FieldPresence.Seed, nameof(LogRecord.Pathname), r => r.Pathname),
        new(Protocol.Fields.Service, FieldKind.Text, FieldPresence.WhenSet, nameof(LogRecord.Service), r => r.Service),
        new(Protocol.Fields.TraceId, FieldKind.Text, FieldPresence.WhenSet, nameof(LogRecord.TraceId), r => r.TraceId),
        new(Protocol.Fields.SpanId, FieldKind.Text, FieldPresence.WhenSet, nameof(LogRecord.SpanId), r => r.SpanId),
        new(Protocol.Fields.TraceFlags, FieldKind.Integer, FieldPresence.WhenSet, nameof(LogRecord.TraceFlags), r => r.TraceFlags),
        new(Protocol.Fields.Event, FieldKind.Event, FieldPresence.WhenSet, nameof(LogRecord.Event), r => r.Event),
        new(Protocol.Fields.Scopes, FieldKind.Scopes, FieldPresence.WhenSet, nameof(LogRecord.Scopes), r => r.Scopes),
        new(Protocol.Fields.Task, FieldKind.Task, FieldPresence.WhenSet, nameof(LogRecord.Task), r => r.Task),
    ];

    /// <summary>The names of the nested fields: <c>context.key</c>, <c>event.id</c>/<c>name</c>, <c>task.event</c>/
    /// <c>status</c>/<c>elapsed_ms</c>.</summary>
    public static readonly string[] NestedNames =
    [
        Protocol.Fields.Key, Protocol.Fields.EventId, Protocol.Fields.EventName, Protocol.Fields.TaskEvent, Protocol.Fields.TaskStatus, Protocol.Fields.TaskElapsedMs,
    ];

    private static readonly HashSet<string> s_names = [.. Fields.Select(f => f.Name)];

    /// <summary>Whether <paramref name="name"/> is a top-level field of the record (not extra data).</summary>
    public static bool IsField(string name) => s_names.Contains(name);

    /// <summary>How many fields the JSON writer writes whatever the record holds.</summary>
    public static readonly int AlwaysInJson = Fields.Count(f => f.Presence is FieldPresence.Always or FieldPresence.Seed);
}
