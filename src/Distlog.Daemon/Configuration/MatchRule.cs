using Distlog.Plugins;
using Distlog.Query;

namespace Distlog.Daemon.Configuration;

/// <summary>
/// A plugin's declarative <c>match:</c> rules, all of which must hold: level range, logger name prefix, system,
/// host, service and equality on context fields — the query model's own conditions, so a rule and a query mean the
/// same — plus task (a task id, taking its whole subtree, or a key prefix).
/// </summary>
/// <remarks>Immutable; evaluated on the receiving thread. <see cref="Filter"/> holds no time range and no words, the
/// conditions that would allocate, so a match allocates nothing.</remarks>
internal sealed record MatchRule
{
    public static readonly MatchRule All = new();

    /// <summary>The conditions shared with the query model (never <c>From</c>, <c>To</c>, <c>Text</c> or <c>Task</c>).</summary>
    public RecordQuery Filter { get; init; } = new();

    public string? Task { get; init; }

    public bool Matches(ReceivedRecord received) =>
        Filter.Matches(received.System, received.Summary) && (Task is null || MatchesTask(received.Summary.Context?.Key));

    private bool MatchesTask(string? key)
    {
        if (key is null)
        {
            return false;
        }

        if (Task!.Contains('@', StringComparison.Ordinal))
        {
            return key.StartsWith(Task, StringComparison.Ordinal);
        }

        // A task id takes the task and every subtask under it: "<id>" or "<id>/…" after the '@'.
        int at = key.IndexOf('@', StringComparison.Ordinal);
        var scope = key.AsSpan(at + 1);
        return scope.StartsWith(Task, StringComparison.Ordinal) && (scope.Length == Task.Length || scope[Task.Length] == '/');
    }
}
