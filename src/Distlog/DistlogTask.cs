using System.Diagnostics;
using System.Runtime.InteropServices;
using Distlog.Internal;
using Distlog.Protocol;
using Microsoft.Extensions.Logging;

namespace Distlog;

/// <summary>
/// A scope of the task tree (the seed's <c>Task</c>): every record logged, by any <see cref="ILogger"/>, while it is
/// the innermost task carries its key <c>{seq}@{id}</c> and its data in <c>context</c>.
/// </summary>
/// <remarks>
/// <para>Create one with <see cref="DistlogLoggerExtensions.BeginTask"/> (a new tree),
/// <see cref="DistlogLoggerExtensions.BeginSubtask"/> (a branch of the current task) or
/// <see cref="DistlogLoggerExtensions.ImportTask(Microsoft.Extensions.Logging.ILogger, string?, string, object?, object?[])"/> (a branch started in another process), and dispose it to
/// leave it. Entering logs the task's message at Information; leaving logs the <see cref="Success"/> text (or
/// <c>DONE message</c>) at Information, or <c>FAILED message</c> at Error with the exception when the scope is
/// left by an exception — detected for <c>using</c> blocks, or stated with <see cref="Fail"/>.</para>
/// <para>The current task flows with <c>async</c>/<c>await</c> and into tasks and threads started inside it
/// (<see cref="AsyncLocal{T}"/>); concurrent requests never see each other's tasks. Members are thread-safe.</para>
/// </remarks>
public sealed class DistlogTask : IDisposable
{
    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> whose activities are the tasks: add it to an
    /// OpenTelemetry tracer (<c>.AddSource(DistlogTask.ActivitySourceName)</c>) and traces show every task as a span
    /// with its status and duration, under the same W3C ids that the task's records carry.</summary>
    public const string ActivitySourceName = "Distlog";

    private static readonly ActivitySource s_activitySource = new(ActivitySourceName);

    private const int StateRunning = 0;
    private const int StateSucceeded = 1;
    private const int StateFailed = 2;

    private static bool s_canSeeUnwinding = true;

    private static readonly AsyncLocal<DistlogTask?> s_current = new();
    private static readonly EventId s_enterEvent = new(0, "DistlogTaskEnter");
    private static readonly EventId s_exitEvent = new(0, "DistlogTaskExit");

    /// <summary>The boundary being logged on this thread, read by the provider while the task logs it.</summary>
    [ThreadStatic]
    private static BoundaryMark t_boundary;

    /// <summary>The exception most recently thrown on this thread, for an exit by exception.</summary>
    [ThreadStatic]
    private static Exception? t_lastThrown;

    private readonly ILogger _logger;
    private readonly DistlogTask? _previous;
    private readonly string _message;
    private readonly object?[] _args;
    private readonly long _startTimestamp;

    // The task's span, when a listener (OpenTelemetry, say) wants the "Distlog" source; null otherwise.
    private readonly Activity? _activity;

    // A raised level handed to this task (in a foreign id, or from its parent): records of that level and above flow.
    private readonly int _raisedLevel;
    private readonly DateTimeOffset _raisedUntil;

    // Written by any thread through Interlocked/Volatile; read by the logging threads.
    private KeyValuePair<string, object?>[] _data;
    private long _seq = -1;
    private int _children;
    private int _state = StateRunning;
    private int _disposed;
    private string? _successMessage;
    private object?[]? _successArgs;
    private Exception? _failure;

    static DistlogTask()
    {
        AppDomain.CurrentDomain.FirstChanceException += static (_, e) => t_lastThrown = e.Exception;
    }

    internal DistlogTask(ILogger logger, string id, string message, object?[] args, KeyValuePair<string, object?>[] data, int raisedLevel = int.MaxValue, DateTimeOffset raisedUntil = default)
    {
        _logger = logger;
        Id = id;
        _raisedLevel = raisedLevel;
        _raisedUntil = raisedUntil;
        _message = message;
        _args = args;
        _data = data;
        _previous = s_current.Value;
        _startTimestamp = Stopwatch.GetTimestamp();
        s_current.Value = this;
        _activity = StartActivity(id, message);
        Log(LogLevel.Information, s_enterEvent, null, _message, _args, new TaskBoundary(TaskBoundary.Enter, TaskBoundary.Running, null));
    }

    /// <summary>The innermost task of the current execution flow, or <see langword="null"/> outside any task.</summary>
    public static DistlogTask? Current => s_current.Value;

    /// <summary>The task's id: a UUID for a root task, <c>parent/n</c> for the n-th subtask of a parent.</summary>
    public string Id { get; }

    /// <summary>The parent task's id, or <see langword="null"/> for a root task (the seed's <c>parent</c>).</summary>
    public string? Parent => TaskKey.ParentOf(Id);

    /// <summary>The root task's id (the part of <see cref="Id"/> before the first <c>/</c>).</summary>
    public string RootId => TaskKey.Create(0, Id).RootId;

    /// <summary>The task's data, carried in the <c>context</c> of every record logged inside it.</summary>
    public IReadOnlyDictionary<string, object?> Context
    {
        get
        {
            var result = new Dictionary<string, object?>();
            foreach (var pair in Volatile.Read(ref _data))
            {
                result[pair.Key] = pair.Value;
            }

            return result;
        }
    }

    /// <summary>Running, succeeded or failed.</summary>
    public DistlogTaskStatus Status => Volatile.Read(ref _state) switch
    {
        StateSucceeded => DistlogTaskStatus.Succeeded,
        StateFailed => DistlogTaskStatus.Failed,
        _ => DistlogTaskStatus.Running,
    };

    /// <summary>Time since the task was entered.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTimestamp);

    /// <summary>The data of the records being logged; replaced whole on <see cref="Bind(object)"/>, never mutated.</summary>
    internal KeyValuePair<string, object?>[] Data => Volatile.Read(ref _data);

    /// <summary>The task whose boundary record is being logged on this thread, if any.</summary>
    internal static ref readonly BoundaryMark CurrentBoundary => ref t_boundary;

    /// <summary>Adds key/value pairs (an anonymous object or a dictionary) to the task's data; existing keys are replaced.</summary>
    /// <returns>This task.</returns>
    public DistlogTask Bind(object values)
    {
        var pairs = ContextData.From(values);
        while (true)
        {
            var current = Volatile.Read(ref _data);
            var merged = ContextData.Merge(current, pairs);
            if (Interlocked.CompareExchange(ref _data, merged, current) == current)
            {
                return this;
            }
        }
    }

    /// <summary>Adds one key/value pair to the task's data.</summary>
    /// <returns>This task.</returns>
    public DistlogTask Bind(string key, object? value) => Bind(new[] { new KeyValuePair<string, object?>(key, value) });

    /// <summary>Sets the message logged when the task ends without an exception (the seed's <c>success()</c>).</summary>
    /// <param name="message">A message template, as for <c>LogInformation</c>.</param>
    /// <param name="args">The template's values.</param>
    public void Success(string message, params object?[] args)
    {
        _successMessage = message ?? string.Empty;
        _successArgs = args ?? [];
    }

    /// <summary>Marks the task failed by <paramref name="exception"/>; its exit record is then logged at Error with it.</summary>
    /// <returns>Always <see langword="false"/>, so it fits an exception filter that lets the exception go on:
    /// <c>catch (Exception e) when (task.Fail(e)) { }</c>.</returns>
    public bool Fail(Exception exception)
    {
        _failure = exception ?? new InvalidOperationException("task failed");
        return false;
    }

    /// <summary>Reserves the id of this task's next subtask, to hand to another process for
    /// <see cref="DistlogLoggerExtensions.ImportTask(Microsoft.Extensions.Logging.ILogger, string?, string, object?, object?[])"/> (the seed's <c>get_foreign_task()</c>).</summary>
    /// <remarks>While the task runs at a raised level (a central rule bound to it, say "Debug this task"), the id
    /// carries that level and how long it has left, as <c>!D600</c> after the id: the other process then logs the
    /// piece at that level at once, before any rule reaches it. See docs/protocol.md.</remarks>
    public string GetForeignTask()
    {
        string id = ChildId(GetNextTask());
        var now = DateTimeOffset.UtcNow;
        int level = RaisedLevel(null, now, out var until);
        return level == int.MaxValue ? id : ForeignTaskFlag.Append(id, level, until - now);
    }

    /// <summary>Reserves a subtask for another process, as <see cref="GetForeignTask"/>, and puts its id in a message's
    /// <paramref name="headers"/> under <see cref="DistlogHeaders.Task"/>, for the receiver's
    /// <c>ImportTask(headers, …)</c>.</summary>
    /// <param name="headers">The outgoing message's headers.</param>
    public void AddTo(IDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        headers[DistlogHeaders.Task] = GetForeignTask();
    }

    /// <summary>Whether an exception is unwinding through the code that disposes the task (a <c>using</c> block left
    /// by a throw). False where the runtime cannot tell: NativeAOT has no <c>Marshal.GetExceptionPointers</c>
    /// (dotnet/runtime#98878); there a task left by an exception is marked failed only through <c>Fail</c>.</summary>
    private static bool Unwinding()
    {
        if (!s_canSeeUnwinding)
        {
            return false;
        }

        try
        {
            return Marshal.GetExceptionPointers() != IntPtr.Zero;
        }
        catch (PlatformNotSupportedException)
        {
            s_canSeeUnwinding = false;
            return false;
        }
    }

    /// <summary>Reserves the number of this task's next subtask (the seed's <c>get_next_task()</c>), counting from 1.</summary>
    public int GetNextTask() => Interlocked.Increment(ref _children);

    /// <summary>Leaves the task: logs its exit record and makes the enclosing task current again.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var failure = _failure;
        if (failure is null && Unwinding())
        {
            // Disposed while an exception unwinds through the using block.
            failure = t_lastThrown ?? new InvalidOperationException("task left by an exception");
        }

        double elapsedMs = Stopwatch.GetElapsedTime(_startTimestamp).TotalMilliseconds;
        try
        {
            if (failure is not null)
            {
                Volatile.Write(ref _state, StateFailed);
                Log(LogLevel.Error, s_exitEvent, failure, "FAILED " + _message, _args, new TaskBoundary(TaskBoundary.Exit, TaskBoundary.Failed, elapsedMs));
            }
            else
            {
                Volatile.Write(ref _state, StateSucceeded);
                var boundary = new TaskBoundary(TaskBoundary.Exit, TaskBoundary.Succeeded, elapsedMs);
                if (_successMessage is not null)
                {
                    Log(LogLevel.Information, s_exitEvent, null, _successMessage, _successArgs!, boundary);
                }
                else
                {
                    Log(LogLevel.Information, s_exitEvent, null, "DONE " + _message, _args, boundary);
                }
            }
        }
        finally
        {
            StopActivity(failure);
            if (s_current.Value == this)
            {
                s_current.Value = _previous;
            }
        }
    }

    /// <summary>Starts the task's span as a child of the current <see cref="Activity"/> (so a task begun inside a
    /// request shares its trace), when some listener samples it.</summary>
    private static Activity? StartActivity(string id, string message)
    {
        try
        {
            var activity = s_activitySource.StartActivity(message, ActivityKind.Internal);
            activity?.SetTag("distlog.task", id);
            return activity;
        }
        catch (Exception)
        {
            // A listener's failure must not reach the application.
            return null;
        }
    }

    private void StopActivity(Exception? failure)
    {
        if (_activity is null)
        {
            return;
        }

        try
        {
            if (failure is null)
            {
                _activity.SetStatus(ActivityStatusCode.Ok);
            }
            else
            {
                _activity.SetStatus(ActivityStatusCode.Error, failure.Message);
                _activity.AddException(failure);
            }

            _activity.Stop();
        }
        catch (Exception)
        {
            // As above: a listener's failure stays here.
        }
    }

    /// <summary>Creates the next subtask of the current task, or a root task when there is none.</summary>
    internal static DistlogTask BeginChild(ILogger logger, string message, object?[] args, object? context)
    {
        var parent = s_current.Value;
        if (parent is null)
        {
            return new DistlogTask(logger, NewRootId(), message, args, ContextData.From(context));
        }

        return new DistlogTask(logger, parent.ChildId(parent.GetNextTask()), message, args, ContextData.From(context), parent._raisedLevel, parent._raisedUntil);
    }

    internal static DistlogTask BeginRoot(ILogger logger, string message, object?[] args, object? context) =>
        new(logger, NewRootId(), message, args, ContextData.From(context));

    internal static DistlogTask BeginImported(ILogger logger, string? foreignId, string message, object?[] args, object? context)
    {
        var data = ContextData.From(context);
        var (bare, raisedLevel, raisedFor) = ForeignTaskFlag.Split(foreignId);
        var raisedUntil = DateTimeOffset.UtcNow + raisedFor;
        if (raisedLevel != int.MaxValue)
        {
            TaskLevels.NoteRaised(raisedUntil);
        }

        string? id = ForeignId.Normalize(bare);
        if (id is null)
        {
            // An id that is no task id (a damaged header, say) starts a tree of its own and keeps what was received.
            data = ContextData.Merge(data, [new("foreign_task", foreignId is null ? null : ValueLimits.Cut(foreignId, 256))]);
            id = NewRootId();
        }

        return new DistlogTask(logger, id, message, args, data, raisedLevel, raisedUntil);
    }

    internal long NextSeq() => Interlocked.Increment(ref _seq);

    /// <summary>The lowest level this task logs <paramref name="category"/> at, by the level handed to it or a task
    /// rule in force; <see cref="int.MaxValue"/> when nothing raises it (its loggers' own levels apply).</summary>
    internal int RaisedLevel(string category, DateTimeOffset now) => RaisedLevel(category, now, out _);

    /// <param name="category">The logger; null asks for what holds for every logger.</param>
    /// <param name="now">Now.</param>
    /// <param name="until">Until when the level found holds.</param>
    private int RaisedLevel(string? category, DateTimeOffset now, out DateTimeOffset until)
    {
        int level = int.MaxValue;
        until = now;
        if (_raisedLevel != int.MaxValue && now < _raisedUntil)
        {
            level = _raisedLevel;
            until = _raisedUntil;
        }

        foreach (var rule in TaskLevels.Rules)
        {
            if (rule.Level < level && rule.SelectsTask(Id) && !rule.IsExpired(now) &&
                (category is null ? rule.Logger is null : rule.Logger is null || category.StartsWith(rule.Logger, StringComparison.OrdinalIgnoreCase)))
            {
                level = rule.Level;
                until = rule.ExpiresAt ?? now + ForeignTaskFlag.UnboundedHold;
            }
        }

        return level;
    }

    private static string NewRootId() => Guid.NewGuid().ToString("D");

    private string ChildId(int n) => string.Concat(Id, "/", n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private void Log(LogLevel level, EventId eventId, Exception? exception, string message, object?[] args, TaskBoundary boundary)
    {
        var saved = t_boundary;
        t_boundary = new BoundaryMark(this, boundary);
        try
        {
            // The task's message is the user's template, so it varies by design (CA2254), and a task boundary
            // is no hot path for LoggerMessage delegates (CA1848).
#pragma warning disable CA1848, CA2254
            _logger.Log(level, eventId, exception, message, args);
#pragma warning restore CA1848, CA2254
        }
        catch (Exception)
        {
            // Another provider's failure must not escape a using block of the application.
        }
        finally
        {
            t_boundary = saved;
        }
    }

    /// <summary>The task and boundary of a record being logged by <see cref="DistlogTask"/> itself.</summary>
    internal readonly record struct BoundaryMark(DistlogTask? Task, TaskBoundary? Boundary);
}
