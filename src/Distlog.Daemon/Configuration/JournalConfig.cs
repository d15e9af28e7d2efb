using Distlog.Daemon.Journal;

namespace Distlog.Daemon.Configuration;

/// <summary><c>journal:</c> — the folder of the segments (null until the loader puts it beside the data), when it is
/// forced to disk, the most bytes it holds (past them nothing more is acknowledged until the plugins catch up), and
/// how long a segment is kept for a plugin that has not read it (past that its records are dropped and counted).</summary>
internal sealed record JournalConfig(string? Path, JournalSync Sync)
{
    public const long DefaultMaxBytes = 1024L * 1024 * 1024;

    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromDays(7);

    public long MaxBytes { get; init; } = DefaultMaxBytes;

    public TimeSpan MaxAge { get; init; } = DefaultMaxAge;
}
