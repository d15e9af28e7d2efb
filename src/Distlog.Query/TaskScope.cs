using Distlog.Protocol;

namespace Distlog.Query;

/// <summary>One scope (task or subtask) of a <see cref="TaskTree"/>: its records in <c>seq</c> order, its child
/// scopes, and the gaps where records are missing.</summary>
public sealed class TaskScope
{
    internal TaskScope(string id)
    {
        Id = id;
    }

    /// <summary>The scope id: the root id, then one <c>/n</c> per level.</summary>
    public string Id { get; }

    /// <summary>The parent scope's id; null for the root.</summary>
    public string? ParentId => TaskKey.ParentOf(Id);

    /// <summary>Depth below the root (the root is 0).</summary>
    public int Depth => Id.AsSpan().Count('/');

    /// <summary>The records of this scope, ordered by <c>seq</c>.</summary>
    public IReadOnlyList<StoredRecord> Records => RecordList;

    /// <summary>The child scopes, ordered by their number.</summary>
    public IReadOnlyList<TaskScope> Children => ChildList;

    /// <summary>Where <c>seq</c> jumps: records that were logged but are not in the store.</summary>
    public IReadOnlyList<SeqGap> Gaps => GapList;

    /// <summary>The record that opened the scope (seq 0, <c>task.event = enter</c>), if present.</summary>
    public StoredRecord? Enter => RecordList.Count > 0 && RecordList[0].Record.Task?.Event == TaskBoundary.Enter ? RecordList[0] : null;

    /// <summary>The record that closed the scope (<c>task.event = exit</c>), if present.</summary>
    public StoredRecord? Exit => RecordList.Count > 0 && RecordList[^1].Record.Task?.Event == TaskBoundary.Exit ? RecordList[^1] : null;

    /// <summary><c>succeeded</c>, <c>failed</c> (from the exit record) or <c>running</c> (no exit record yet).</summary>
    public string Status => Exit?.Record.Task?.Status ?? TaskBoundary.Running;

    /// <summary>The scope's duration from its exit record; null while running.</summary>
    public double? ElapsedMs => Exit?.Record.Task?.ElapsedMs;

    /// <summary>The hosts whose records are in this scope.</summary>
    public IReadOnlyList<string> Hostnames => RecordList.Select(r => r.Record.Hostname).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The services whose records are in this scope.</summary>
    public IReadOnlyList<string> Services => RecordList.Select(r => r.Record.Service).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Whether the scope's process differs from its parent's: the piece was imported from elsewhere.</summary>
    public bool IsImported { get; internal set; }

    internal List<StoredRecord> RecordList { get; } = [];

    internal List<TaskScope> ChildList { get; } = [];

    internal List<SeqGap> GapList { get; } = [];
}
