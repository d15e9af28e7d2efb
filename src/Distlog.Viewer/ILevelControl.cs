using Distlog.Protocol.Control;

namespace Distlog.Viewer;

/// <summary>The daemon's central level control as the HTTP API sees it: the rules and the clients connected.</summary>
/// <remarks>Implemented by distlogd's control server; every member is thread-safe.</remarks>
internal interface ILevelControl
{
    /// <summary>The rules in force, oldest first.</summary>
    IReadOnlyList<LevelRule> Rules { get; }

    /// <summary>The clients with a live session.</summary>
    IReadOnlyList<ComponentInfo> Components { get; }

    /// <summary>The daemon's own delivery counters (acknowledged, duplicates, replayed, journal bytes, plugins
    /// behind), shown beside the components.</summary>
    IReadOnlyDictionary<string, long> Counters { get; }

    /// <summary>Checks and sets a rule; every client it selects obeys it at once.</summary>
    /// <exception cref="FormatException">The request is wrong (unknown level, bad TTL…): the message says what.</exception>
    Task<LevelRule> SetAsync(LevelRuleRequest request, CancellationToken cancellationToken);

    /// <summary>Clears one rule (<paramref name="id"/>) or, with null, every rule; how many were cleared.</summary>
    Task<int> ClearAsync(string? id, string? by, CancellationToken cancellationToken);
}
