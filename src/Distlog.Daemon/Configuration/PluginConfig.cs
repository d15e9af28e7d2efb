using Distlog.Plugins;

namespace Distlog.Daemon.Configuration;

/// <summary>One entry of <c>plugins:</c>.</summary>
internal sealed record PluginConfig(string Type, string Name, MatchRule Match, int QueueCapacity, int BatchSize, PluginSettings Settings);
