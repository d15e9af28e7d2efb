namespace Distlog.Viewer;

/// <summary>One client with a live session: who it is, since when, how busy, and the rules that select it.</summary>
internal sealed record ComponentInfo(
    string Instance,
    string Service,
    string Host,
    int Pid,
    string ProcessName,
    string Version,
    char System,
    DateTimeOffset ConnectedSince,
    DateTimeOffset LastSeen,
    double RecordsPerSecond,
    long RecordsSent,
    long Dropped,
    IReadOnlyList<string> Rules);
