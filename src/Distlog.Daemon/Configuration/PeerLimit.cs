namespace Distlog.Daemon.Configuration;

/// <summary><c>peer_limit:</c> — at most <see cref="RecordsPerSecond"/> records a second from each peer on average,
/// <see cref="Burst"/> at once (default: two seconds' worth).</summary>
internal sealed record PeerLimit(double RecordsPerSecond, double Burst);
