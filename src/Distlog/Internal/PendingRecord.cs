using System.Diagnostics;
using System.Collections.Concurrent;
using Distlog.Protocol;
using Microsoft.Extensions.Logging;

namespace Distlog.Internal;

/// <summary>
/// What a log call captures: everything that must be read on the calling thread (time, task and seq, scopes,
/// thread), plus the untouched state and formatter. The sender renders and encodes it later, off the caller's thread.
/// </summary>
/// <remarks>Pooled: a log call rents one, the sender returns it. Owned by one thread at a time, handed over through the queue.</remarks>
internal abstract class PendingRecord
{
    private const string OriginalFormat = "{OriginalFormat}";

    public DateTimeOffset Timestamp;
    public LogLevel Level;
    public EventId EventId;
    public string Category = string.Empty;
    public Exception? Exception;
    public DistlogTask? Task;
    public long Seq;
    public KeyValuePair<string, object?>[]? Data;
    public TaskBoundary? Boundary;
    public List<object?>? Scopes;
    public int ThreadId;
    public string? ThreadName;

    /// <summary>The W3C ids of the <c>Activity</c> current at the log call; default outside any.</summary>
    public ActivityTraceId TraceId;
    public ActivitySpanId SpanId;
    public ActivityTraceFlags TraceFlags;

    /// <summary>The record as encoded already (by the spool, on the logging thread), or null: the sender encodes it.</summary>
    public byte[]? Encoded;

    /// <summary>Its sequence in the spool, or -1 when it is not spooled.</summary>
    public long SpoolSequence = -1;

    public bool HasScopes => Scopes is { Count: > 0 };

    /// <summary>Renders the message and collects the template and its values into <paramref name="args"/>.</summary>
    /// <returns>The rendered message and the template (null when the state has none).</returns>
    public abstract (string Message, string? Template) Render(List<KeyValuePair<string, object?>> args);

    /// <summary>Clears references and puts the instance back in its pool.</summary>
    public abstract void Return();

    protected void ClearCommon()
    {
        Exception = null;
        Task = null;
        Data = null;
        Boundary = null;
        Scopes?.Clear();
        ThreadName = null;
        TraceId = default;
        SpanId = default;
        TraceFlags = default;
        Category = string.Empty;
        Encoded = null;
        SpoolSequence = -1;
    }

    protected static string? CollectArgs(IReadOnlyList<KeyValuePair<string, object?>> pairs, List<KeyValuePair<string, object?>> args)
    {
        string? template = null;
        for (int i = 0; i < pairs.Count; i++)
        {
            var pair = pairs[i];
            if (pair.Key == OriginalFormat)
            {
                template = pair.Value as string;
            }
            else
            {
                args.Add(pair);
            }
        }

        return template;
    }
}

/// <summary>A <see cref="PendingRecord"/> for one state type: holds the state without boxing it.</summary>
internal sealed class PendingRecord<TState> : PendingRecord
{
    // As many as a full default queue holds: after a burst, the next burst reuses them instead of allocating.
    private const int MaxPooled = 65_536;
    private static readonly ConcurrentQueue<PendingRecord<TState>> s_pool = new();
    private static int s_pooled;

    /// <summary>
    /// Whether this state type may be rendered later, on the sender thread: strings, MEL's own states
    /// (<c>FormattedLogValues</c>, <c>LoggerMessage.Define</c>'s values) and the logging source generator's structs
    /// hold the values themselves. Any other state (ASP.NET Core's request logs, for one) may read objects that are
    /// gone by then — a disposed HttpContext — so it is rendered on the calling thread (<see cref="Snapshot"/>).
    /// </summary>
    public static readonly bool Deferrable = IsDeferrable(typeof(TState));

    public TState State = default!;
    public Func<TState, Exception?, string> Formatter = null!;
    private string? _message;
    private string? _template;
    private List<KeyValuePair<string, object?>>? _args;

    public static PendingRecord<TState> Rent()
    {
        if (s_pool.TryDequeue(out var entry))
        {
            Interlocked.Decrement(ref s_pooled);
            return entry;
        }

        return new PendingRecord<TState>();
    }

    /// <summary>Renders the message and copies the values now, on the calling thread; the state is let go.</summary>
    public void Snapshot()
    {
        var args = new List<KeyValuePair<string, object?>>();
        (_message, _template) = RenderState(args);
        _args = args;
        State = default!;
        Formatter = null!;
    }

    public override (string Message, string? Template) Render(List<KeyValuePair<string, object?>> args)
    {
        if (_message is not null)
        {
            args.AddRange(_args!);
            return (_message, _template);
        }

        return RenderState(args);
    }

    private (string Message, string? Template) RenderState(List<KeyValuePair<string, object?>> args)
    {
        string? template = null;
        if (State is IReadOnlyList<KeyValuePair<string, object?>> pairs)
        {
            template = CollectArgs(pairs, args);
        }

        string message;
        try
        {
            message = Formatter(State, Exception) ?? string.Empty;
        }
        catch (Exception ex)
        {
            message = $"<message formatting failed: {ex.GetType().Name}: {ex.Message}> {template}";
        }

        return (message, template);
    }

    public override void Return()
    {
        State = default!;
        Formatter = null!;
        _message = _template = null;
        _args = null;
        ClearCommon();
        if (Interlocked.Increment(ref s_pooled) <= MaxPooled)
        {
            s_pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }
    }

    private static bool IsDeferrable(Type type)
    {
        if (type == typeof(string))
        {
            return true;
        }

        string name = type.FullName ?? string.Empty;
        return name.StartsWith("Microsoft.Extensions.Logging.FormattedLogValues", StringComparison.Ordinal)
            || name.StartsWith("Microsoft.Extensions.Logging.LoggerMessage+LogValues", StringComparison.Ordinal)
            || type.GetCustomAttributes(typeof(System.CodeDom.Compiler.GeneratedCodeAttribute), inherit: false)
                .OfType<System.CodeDom.Compiler.GeneratedCodeAttribute>()
                .Any(a => a.Tool == "Microsoft.Extensions.Logging.Generators");
    }
}
