using Microsoft.Extensions.Logging;

namespace Distlog;

/// <summary>The seed's <c>task</c>, <c>to</c> and <c>import_task</c> on any <see cref="ILogger"/>.</summary>
/// <remarks>None of these throws because of logging; an enter or exit record that a filter drops is simply absent.</remarks>
public static class DistlogLoggerExtensions
{
    /// <summary>Starts a new task tree (the seed's <c>task()</c>): a fresh UUID id, made the current task.</summary>
    /// <param name="logger">Logs the enter and exit records.</param>
    /// <param name="message">What the task is for; a message template.</param>
    /// <param name="context">Data for every record inside the task: an anonymous object or a dictionary.</param>
    /// <param name="args">Values of <paramref name="message"/>'s template.</param>
    /// <returns>The task; dispose it to leave it.</returns>
    public static DistlogTask BeginTask(this ILogger logger, string message, object? context = null, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return DistlogTask.BeginRoot(logger, message ?? string.Empty, args ?? [], context);
    }

    /// <summary>Starts the next subtask of the current task (the seed's <c>to()</c>); with no current task, a new tree.</summary>
    /// <param name="logger">Logs the enter and exit records.</param>
    /// <param name="message">What the subtask does; a message template.</param>
    /// <param name="context">Data for every record inside the subtask; it replaces the parent's in <c>context</c>.</param>
    /// <param name="args">Values of <paramref name="message"/>'s template.</param>
    /// <returns>The subtask; dispose it to leave it.</returns>
    public static DistlogTask BeginSubtask(this ILogger logger, string message, object? context = null, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return DistlogTask.BeginChild(logger, message ?? string.Empty, args ?? [], context);
    }

    /// <summary>Continues, in this process, a subtask reserved in another one with
    /// <see cref="DistlogTask.GetForeignTask"/> (the seed's <c>import_task()</c>): its records hang under the caller's tree.</summary>
    /// <param name="logger">Logs the enter and exit records.</param>
    /// <param name="foreignTask">The id the other process reserved (a record key is accepted too). An id that is not
    /// a task id starts a new tree whose data keeps the received text as <c>foreign_task</c>.</param>
    /// <param name="message">What this part does; a message template.</param>
    /// <param name="context">Data for every record inside it.</param>
    /// <param name="args">Values of <paramref name="message"/>'s template.</param>
    /// <returns>The task; dispose it to leave it.</returns>
    public static DistlogTask ImportTask(this ILogger logger, string? foreignTask, string message, object? context = null, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return DistlogTask.BeginImported(logger, foreignTask, message ?? string.Empty, args ?? [], context);
    }

    /// <summary>Continues a task whose foreign id came in a message's headers (a queue's), under
    /// <see cref="DistlogHeaders.Task"/>, as <see cref="DistlogTask.AddTo"/> put it there; without that header it
    /// starts a new tree.</summary>
    /// <param name="logger">Logs the enter and exit records.</param>
    /// <param name="headers">The message's headers.</param>
    /// <param name="message">What this part does; a message template.</param>
    /// <param name="context">Data for every record inside it.</param>
    /// <param name="args">Values of <paramref name="message"/>'s template.</param>
    /// <returns>The task; dispose it to leave it.</returns>
    public static DistlogTask ImportTask(this ILogger logger, IReadOnlyDictionary<string, string> headers, string message, object? context = null, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(headers);
        return headers.TryGetValue(DistlogHeaders.Task, out string? foreign)
            ? DistlogTask.BeginImported(logger, foreign, message ?? string.Empty, args ?? [], context)
            : DistlogTask.BeginRoot(logger, message ?? string.Empty, args ?? [], context);
    }
}
