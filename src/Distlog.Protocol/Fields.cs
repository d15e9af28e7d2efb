namespace Distlog.Protocol;

/// <summary>Field names of the record on the wire, shared by both codecs; the layout they make is <see cref="RecordLayout"/>.</summary>
internal static class Fields
{
    public const string Context = "context";
    public const string Key = "key";
    public const string Filename = "filename";
    public const string FuncName = "funcName";
    public const string StackInfo = "stack_info";
    public const string Args = "args";
    public const string Process = "process";
    public const string Hostname = "hostname";
    public const string Msecs = "msecs";
    public const string Message = "message";
    public const string Name = "name";
    public const string Module = "module";
    public const string Thread = "thread";
    public const string Msg = "msg";
    public const string Lineno = "lineno";
    public const string ThreadName = "threadName";
    public const string ExcText = "exc_text";
    public const string ExcInfo = "exc_info";
    public const string LevelNo = "levelno";
    public const string AscTime = "asctime";
    public const string RelativeCreated = "relativeCreated";
    public const string LevelName = "levelname";
    public const string ProcessName = "processName";
    public const string Created = "created";
    public const string Pathname = "pathname";
    public const string Service = "service";
    public const string Event = "event";
    public const string EventId = "id";
    public const string EventName = "name";
    public const string Scopes = "scopes";
    public const string Task = "task";
    public const string TaskEvent = "event";
    public const string TaskStatus = "status";
    public const string TaskElapsedMs = "elapsed_ms";
    public const string TraceId = "trace_id";
    public const string SpanId = "span_id";
    public const string TraceFlags = "trace_flags";

    /// <summary>Every field name above, top-level ones in <see cref="RecordLayout"/>'s order, then the nested ones: for
    /// encoders that prepare their bytes once, and the scanner's table.</summary>
    public static readonly string[] All = [.. RecordLayout.Fields.Select(f => f.Name), .. RecordLayout.NestedNames];
}
