using Distlog.Protocol;

namespace Distlog.Daemon.Pipeline;

/// <summary>Counters of the whole daemon: messages and records received, rejections by reason, each plugin's, and
/// acknowledged delivery's (messages acknowledged, duplicates dropped, records replayed from the journal at start,
/// the journal's size and age, messages it refused, records it expired).</summary>
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

    /// <summary>How long ago the oldest journal segment kept was written, in seconds.</summary>
    public long JournalAgeSeconds { get; init; }

    /// <summary>Messages the journal could not take (disk full, or <c>max_bytes</c>): not acknowledged, so sent again.</summary>
    public long JournalRefused { get; init; }

    /// <summary>Records deleted with segments past <c>max_age</c> before a plugin read them.</summary>
    public long JournalExpired { get; init; }

    /// <summary>CURVE connections refused, by reason (<c>curve:</c>); empty without it.</summary>
    public IReadOnlyDictionary<string, long> CurveRefused { get; init; } = new Dictionary<string, long>();

    /// <summary>Messages refused because their peer was over <c>peer_limit</c>.</summary>
    public long RateLimited { get; init; }

    public long RejectedTotal => Rejected.Values.Sum();
}
