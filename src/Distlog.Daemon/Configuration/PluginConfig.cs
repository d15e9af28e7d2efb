using Distlog.Plugins;

namespace Distlog.Daemon.Configuration;

/// <summary>One entry of <c>plugins:</c>.</summary>
internal sealed record PluginConfig(string Type, string Name, MatchRule Match, int QueueCapacity, int BatchSize, PluginSettings Settings)
{
    /// <summary>From <c>long_retention:</c>: the records a store plugin keeps longer, and for how long.</summary>
    public (MatchRule Match, TimeSpan MaxAge)? LongRetention { get; init; }

    /// <summary>The plugin's <c>path</c>, for a plugin that writes a file: where the daemon's data lives.</summary>
    public string? DataPath { get; init; }
}
