namespace Distlog.Daemon.Pipeline;

/// <summary>Counters of one plugin; <paramref name="FellBehind"/>: how often its queue was full and it went on from
/// the journal instead of dropping; <paramref name="LagRecords"/>: records it has taken and not yet handled (queued,
/// or left in the journal); <paramref name="LagSeconds"/>: while it lags, how old the last record it handled was
/// (by the record's own time).</summary>
internal sealed record PluginStatistics(string Name, string Type, long Matched, long Handled, long Failed, long Dropped, long Retries, int QueueDepth, long Batches = 0, long FellBehind = 0, long LagRecords = 0, double LagSeconds = 0);
