using Distlog.Daemon.Journal;

namespace Distlog.Daemon.Configuration;

/// <summary><c>journal:</c> — the folder of the segments (null until the loader puts it beside the data) and when
/// it is forced to disk.</summary>
internal sealed record JournalConfig(string? Path, JournalSync Sync);
