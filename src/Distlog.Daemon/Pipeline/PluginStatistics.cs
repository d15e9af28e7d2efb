namespace Distlog.Daemon.Pipeline;

/// <summary>Counters of one plugin; <paramref name="FellBehind"/>: how often its queue was full and it went on from
/// the journal instead of dropping.</summary>
internal sealed record PluginStatistics(string Name, string Type, long Matched, long Handled, long Failed, long Dropped, long Retries, int QueueDepth, long Batches = 0, long FellBehind = 0);
