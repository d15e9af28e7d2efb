namespace Distlog.Daemon.Journal;

/// <summary>When the journal is forced to disk before its messages are acknowledged (<c>journal: sync:</c>).</summary>
internal enum JournalSync
{
    /// <summary><c>batch</c>: at the end of every burst of messages (the default).</summary>
    Batch,

    /// <summary><c>10ms</c>: at most every 10 ms, one sync for everything received meanwhile (a group commit).</summary>
    Interval,

    /// <summary><c>off</c>: never forced; acknowledged once handed to the kernel (survives a crash of distlogd, not
    /// of the machine).</summary>
    Off,
}
