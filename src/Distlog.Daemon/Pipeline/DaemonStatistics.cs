using Distlog.Protocol;

namespace Distlog.Daemon.Pipeline;

/// <summary>Counters of the whole daemon: messages and records received, rejections by reason, each plugin's, and
/// acknowledged delivery's (messages acknowledged, duplicates dropped, records replayed from the journal at start,
/// the journal's size).</summary>
internal sealed record DaemonStatistics(
    long Messages,
    long Records,
    IReadOnlyDictionary<RejectReason, long> Rejected,
    IReadOnlyList<PluginStatistics> Plugins)
{
    public long Acknowledged { get; init; }

    public long Duplicates { get; init; }

    public long Replayed { get; init; }

    public long JournalBytes { get; init; }

    public long RejectedTotal => Rejected.Values.Sum();
}
