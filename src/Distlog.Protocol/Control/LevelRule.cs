namespace Distlog.Protocol.Control;

/// <summary>
/// A central level rule: the processes and loggers it selects, the lowest level they log, until when, why and by
/// whom. distlogd holds the rules and hands them to every client over its session; a client applies those that
/// select it through Microsoft.Extensions.Logging's own filters.
/// </summary>
/// <remarks>A selector left null selects everything. Among the rules that select a record, the most specific wins:
/// the longest logger prefix first (as in MEL's own rule selection), then the rule with more selectors, then the
/// newest.</remarks>
internal sealed record LevelRule
{
    /// <summary>The rule's id, given by distlogd.</summary>
    public required string Id { get; init; }

    /// <summary>The service name it selects (exact), or null for every service.</summary>
    public string? Service { get; init; }

    /// <summary>The host name it selects (any case), or null for every host.</summary>
    public string? Host { get; init; }

    /// <summary>The system it selects (<c>P</c>, <c>S</c>, <c>T</c>), or null for all.</summary>
    public char? System { get; init; }

    /// <summary>The logger-name prefix it selects (a MEL category prefix), or null for every logger.</summary>
    public string? Logger { get; init; }

    /// <summary>The task it selects, with its whole subtree in every process (a root id or scope id), or null: then
    /// the rule is not bound to a task.</summary>
    public string? Task { get; init; }

    /// <summary>The lowest level logged, as a level number (<see cref="Levels"/>: 5 Trace … 50 Critical).</summary>
    public required int Level { get; init; }

    /// <summary>When the rule ends by itself; null: when it is cleared.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Why it was set.</summary>
    public string? Reason { get; init; }

    /// <summary>Who set it.</summary>
    public string? SetBy { get; init; }

    /// <summary>When it was set.</summary>
    public DateTimeOffset SetAt { get; init; }

    /// <summary>How many selectors the rule sets: more is more specific.</summary>
    public int Specificity =>
        (Service is null ? 0 : 1) + (Host is null ? 0 : 1) + (System is null ? 0 : 1) + (Logger is null ? 0 : 1) + (Task is null ? 0 : 1);

    /// <summary>What the rule selects, as people read it: <c>service=orders logger=Orders.Payments</c>, or
    /// <c>everything</c>. The one wording of the daemon's change records and of <c>distlog level</c>.</summary>
    public string Selects
    {
        get
        {
            var parts = new[] { ("service", Service), ("host", Host), ("system", System?.ToString()), ("logger", Logger), ("task", Task) }
                .Where(p => p.Item2 is not null)
                .Select(p => $"{p.Item1}={p.Item2}")
                .ToList();
            return parts.Count == 0 ? "everything" : string.Join(' ', parts);
        }
    }

    /// <summary>Whether the rule selects a process of <paramref name="service"/> on <paramref name="host"/> in
    /// <paramref name="system"/> (its logger and task selectors aside).</summary>
    public bool SelectsProcess(string service, string host, char system) =>
        (Service is null || string.Equals(Service, service, StringComparison.Ordinal)) &&
        (Host is null || string.Equals(Host, host, StringComparison.OrdinalIgnoreCase)) &&
        (System is null || System == system);

    /// <summary>Whether <paramref name="taskId"/> is the rule's task or inside its subtree.</summary>
    public bool SelectsTask(string taskId) =>
        Task is not null && taskId.StartsWith(Task, StringComparison.Ordinal) &&
        (taskId.Length == Task.Length || taskId[Task.Length] == '/');

    /// <summary>Whether the rule has ended at <paramref name="now"/>.</summary>
    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } end && end <= now;

    /// <summary>The .NET name of a rule's level: <c>Trace</c>, <c>Debug</c>, <c>Information</c>, <c>Warning</c>,
    /// <c>Error</c> or <c>Critical</c>.</summary>
    public static string LevelName(int level) => level switch
    {
        Levels.Trace => "Trace",
        Levels.Debug => "Debug",
        Levels.Info => "Information",
        Levels.Warning => "Warning",
        Levels.Error => "Error",
        Levels.Critical => "Critical",
        _ => Levels.NameOf(level),
    };

    /// <summary>Reads a rule's level: a .NET or Python level name (any case) or its number.</summary>
    /// <returns><see langword="false"/> for anything but the six levels.</returns>
    public static bool TryParseLevel(string? text, out int level)
    {
        level = 0;
        return text is not null && Levels.TryParse(text, out level) &&
            level is Levels.Trace or Levels.Debug or Levels.Info or Levels.Warning or Levels.Error or Levels.Critical;
    }
}
