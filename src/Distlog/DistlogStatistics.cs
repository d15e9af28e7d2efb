namespace Distlog;

/// <summary>Counters of a <see cref="DistlogLoggerProvider"/> since it started.</summary>
/// <param name="Enqueued">Records accepted into the send queue.</param>
/// <param name="Sent">Records handed to the ZeroMQ socket.</param>
/// <param name="Dropped">Records lost: queue full, daemon unreachable at shutdown, or logged after disposal.</param>
/// <param name="Messages">ZeroMQ messages sent (records, batches and drop reports).</param>
/// <param name="Batches">Messages that carried a batch of records.</param>
/// <param name="Truncated">Records sent without their data because they exceeded <see cref="DistlogOptions.MaxRecordBytes"/>.</param>
/// <param name="EncodingFailures">Records that could not be encoded at all (dropped, reported through <see cref="DistlogOptions.SelfLog"/>).</param>
/// <param name="QueueDepth">Records waiting now.</param>
public sealed record DistlogStatistics(
    long Enqueued,
    long Sent,
    long Dropped,
    long Messages,
    long Batches,
    long Truncated,
    long EncodingFailures,
    int QueueDepth)
{
    /// <summary>Records distlogd acknowledged (it holds them in its journal).</summary>
    public long Acknowledged { get; init; }

    /// <summary>Records sent again: distlogd restarted before acknowledging them, or their acknowledgement was late.</summary>
    public long Resent { get; init; }

    /// <summary>Records read back from the <see cref="DistlogOptions.Spool"/> at start: an earlier run logged them and
    /// stopped (or was killed) before distlogd acknowledged them. Counted in <see cref="Enqueued"/> too.</summary>
    public long Recovered { get; init; }

    /// <summary>Records in the <see cref="DistlogOptions.Spool"/> now, waiting for distlogd's acknowledgement.</summary>
    public long Spooled { get; init; }
}
