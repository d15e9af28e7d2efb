namespace Distlog.Protocol;

/// <summary>
/// One log record, shaped as the original distlog's JSON (Python's <c>LogRecord</c> attributes plus
/// <c>context</c>), with a few additions of distlog for .NET (<see cref="Service"/>, <see cref="Event"/>,
/// <see cref="Scopes"/>, <see cref="Task"/>).
/// </summary>
/// <remarks>
/// <para>Values (<see cref="Args"/>, context data, scopes, <see cref="Extra"/>) are arbitrary objects when a
/// record is built for encoding; a decoded record holds only <see langword="null"/>, <see cref="bool"/>,
/// <see cref="long"/>, <see cref="ulong"/>, <see cref="double"/>, <see cref="string"/>, <c>byte[]</c>,
/// <see cref="List{T}"/> of values and <see cref="Dictionary{TKey, TValue}"/> of string to value: decoding
/// never creates a type named by the data.</para>
/// <para>Not thread-safe; a record belongs to one thread at a time.</para>
/// </remarks>
public sealed class LogRecord
{
    /// <summary>Logger name (<c>name</c>): the MEL category, or the Python logger name.</summary>
    public string? Name { get; set; }

    /// <summary>The message template or format string as given (<c>msg</c>).</summary>
    public string? Msg { get; set; }

    /// <summary>Format arguments (<c>args</c>): a map of the template's named values, a list, or null.</summary>
    public object? Args { get; set; }

    /// <summary>The rendered message (<c>message</c>).</summary>
    public string? Message { get; set; }

    /// <summary>Python level number (<c>levelno</c>); see <see cref="Levels"/>.</summary>
    public int LevelNo { get; set; }

    /// <summary>Python level name (<c>levelname</c>).</summary>
    public string? LevelName { get; set; }

    /// <summary>Unix time in seconds (<c>created</c>).</summary>
    public double Created { get; set; }

    /// <summary>Milliseconds part of <see cref="Created"/> (<c>msecs</c>).</summary>
    public double Msecs { get; set; }

    /// <summary>Milliseconds since the process (Python: the logging module) started (<c>relativeCreated</c>).</summary>
    public double RelativeCreated { get; set; }

    /// <summary>Local time as text, <c>2018-04-18 23:03:19,148</c> (<c>asctime</c>).</summary>
    public string? AscTime { get; set; }

    /// <summary>Host name (<c>hostname</c>).</summary>
    public string? Hostname { get; set; }

    /// <summary>Process id (<c>process</c>).</summary>
    public long? Process { get; set; }

    /// <summary>Process name (<c>processName</c>).</summary>
    public string? ProcessName { get; set; }

    /// <summary>Thread id (<c>thread</c>).</summary>
    public long? Thread { get; set; }

    /// <summary>Thread name (<c>threadName</c>).</summary>
    public string? ThreadName { get; set; }

    /// <summary>Source path (<c>pathname</c>); unknown to MEL, so null from .NET.</summary>
    public string? Pathname { get; set; }

    /// <summary>Source file name (<c>filename</c>).</summary>
    public string? Filename { get; set; }

    /// <summary>Module (<c>module</c>).</summary>
    public string? Module { get; set; }

    /// <summary>Function name (<c>funcName</c>).</summary>
    public string? FuncName { get; set; }

    /// <summary>Source line (<c>lineno</c>).</summary>
    public long? Lineno { get; set; }

    /// <summary>Formatted exception (<c>exc_text</c>).</summary>
    public string? ExcText { get; set; }

    /// <summary>Stack text (<c>stack_info</c>).</summary>
    public string? StackInfo { get; set; }

    /// <summary>The task context (<c>context</c>); null outside any task.</summary>
    public RecordContext? Context { get; set; }

    /// <summary>Name of the service that logged the record (<c>service</c>, .NET addition).</summary>
    public string? Service { get; set; }

    /// <summary>MEL event id and name (<c>event</c>, .NET addition); null when the event id is the default.</summary>
    public RecordEvent? Event { get; set; }

    /// <summary>MEL scope states, outermost first (<c>scopes</c>, .NET addition); null when there are none.</summary>
    public IReadOnlyList<object?>? Scopes { get; set; }

    /// <summary>Set on a task's enter and exit records (<c>task</c>, .NET addition).</summary>
    public TaskBoundary? Task { get; set; }

    /// <summary>The W3C trace id (32 hex digits) of the <c>Activity</c> current when the record was logged
    /// (<c>trace_id</c>, .NET addition); null outside any.</summary>
    public string? TraceId { get; set; }

    /// <summary>The W3C span id (16 hex digits) of that <c>Activity</c> (<c>span_id</c>, .NET addition).</summary>
    public string? SpanId { get; set; }

    /// <summary>The W3C trace flags of that <c>Activity</c> (<c>trace_flags</c>: 1 sampled, 2 random), .NET addition.</summary>
    public long? TraceFlags { get; set; }

    /// <summary>Fields this library does not know (Python's <c>taskName</c>, custom attributes), kept as data.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>>? Extra { get; set; }

    /// <summary>Clears every field so the instance can be reused.</summary>
    public void Clear()
    {
        Name = Msg = Message = LevelName = AscTime = Hostname = ProcessName = ThreadName = null;
        Pathname = Filename = Module = FuncName = ExcText = StackInfo = Service = TraceId = SpanId = null;
        Args = null;
        LevelNo = 0;
        Created = Msecs = RelativeCreated = 0;
        Process = Thread = Lineno = TraceFlags = null;
        Context = null;
        Event = null;
        Scopes = null;
        Task = null;
        Extra = null;
    }
}
