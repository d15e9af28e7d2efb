using Distlog.Protocol;

namespace Distlog.Daemon.Pipeline;

/// <summary>Counters of the whole daemon: messages and records received, rejections by reason, and each plugin's.</summary>
internal sealed record DaemonStatistics(
    long Messages,
    long Records,
    IReadOnlyDictionary<RejectReason, long> Rejected,
    IReadOnlyList<PluginStatistics> Plugins)
{
    public long RejectedTotal => Rejected.Values.Sum();
}
