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
        Category = string.Empty;
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

    public TState State = default!;
    public Func<TState, Exception?, string> Formatter = null!;

    public static PendingRecord<TState> Rent()
    {
        if (s_pool.TryDequeue(out var entry))
        {
            Interlocked.Decrement(ref s_pooled);
            return entry;
        }

        return new PendingRecord<TState>();
    }

    public override (string Message, string? Template) Render(List<KeyValuePair<string, object?>> args)
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
}
