using Distlog.Plugins;
using Distlog.Protocol;

namespace Distlog.Daemon.Configuration;

/// <summary>
/// A plugin's declarative <c>match:</c> rules, all of which must hold: level range, logger name prefix, system,
/// host, service, task (a task id, taking its whole subtree, or a key prefix) and equality on context fields.
/// </summary>
/// <remarks>Immutable; evaluated on the receiving thread, so it allocates nothing.</remarks>
internal sealed record MatchRule
{
    public static readonly MatchRule All = new();

    public int? MinLevel { get; init; }

    public int? MaxLevel { get; init; }

    public string? LoggerPrefix { get; init; }

    public char? System { get; init; }

    public string? Hostname { get; init; }

    public string? Service { get; init; }

    public string? Task { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Context { get; init; } = [];

    public bool Matches(ReceivedRecord received)
    {
        var r = received.Record;
        if (MinLevel is { } min && r.LevelNo < min)
        {
            return false;
        }

        if (MaxLevel is { } max && r.LevelNo > max)
        {
            return false;
        }

        if (LoggerPrefix is not null && !(r.Name ?? string.Empty).StartsWith(LoggerPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        if (System is { } system && received.System != system)
        {
            return false;
        }

        if (Hostname is not null && !string.Equals(r.Hostname, Hostname, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (Service is not null && !string.Equals(r.Service, Service, StringComparison.Ordinal))
        {
            return false;
        }

        if (Task is not null && !MatchesTask(r.Context?.Key))
        {
            return false;
        }

        foreach (var (field, expected) in Context)
        {
            if (!Distlog.Query.ContextValues.Equal(r.Context, field, expected))
            {
                return false;
            }
        }

        return true;
    }

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
