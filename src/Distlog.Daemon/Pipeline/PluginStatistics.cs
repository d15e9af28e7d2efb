namespace Distlog.Daemon.Pipeline;

/// <summary>Counters of one plugin.</summary>
internal sealed record PluginStatistics(string Name, string Type, long Matched, long Handled, long Failed, long Dropped, long Retries, int QueueDepth, long Batches = 0);
