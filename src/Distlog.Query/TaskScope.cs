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

    /// <summary>The record that opened the scope (seq 0: <c>task.event = enter</c>, or, from the original Python
    /// client, which marks no boundaries, the scope's record 0), if present.</summary>
    public StoredRecord? Enter => RecordList.Count > 0 && IsEnter(RecordList[0].Record) ? RecordList[0] : null;

    /// <summary>The record that closed the scope (<c>task.event = exit</c>, or the original client's closing record,
    /// see <see cref="Status"/>), if present.</summary>
    public StoredRecord? Exit => RecordList.Count < 2 ? null
        : RecordList[^1].Record.Task?.Event == TaskBoundary.Exit || ClosedByTheOriginal() ? RecordList[^1] : null;

    /// <summary><c>succeeded</c>, <c>failed</c> (from the exit record) or <c>running</c> (no exit record yet).</summary>
    /// <remarks>The original Python client writes no <c>task</c> field: its scope is taken as succeeded when its last
    /// record closes it, after everything below it, as the original's exit record does (<c>DONE {message}</c>, or a
    /// success message after which the parent scope logged on). It never sends a failing exit.</remarks>
    public string Status => Exit is not { } exit ? TaskBoundary.Running : exit.Record.Task?.Status ?? TaskBoundary.Succeeded;

    /// <summary>The scope's duration from its exit record (for the original client's, from its first record to its
    /// last); null while running.</summary>
    public double? ElapsedMs => Exit is not { } exit ? null
        : exit.Record.Task is { } task ? task.ElapsedMs
        : (exit.Record.Created - RecordList[0].Record.Created) * 1000;

    /// <summary>The hosts whose records are in this scope.</summary>
    public IReadOnlyList<string> Hostnames => RecordList.Select(r => r.Outline.Hostname).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The services whose records are in this scope (see <see cref="ServiceOf"/>).</summary>
    public IReadOnlyList<string> Services => RecordList.Select(ServiceOfStored).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>What a record's process is called where a tree shows it: its <c>service</c>, else (the original Python
    /// client sends none) its module, the script's name, else its process name.</summary>
    public static string? ServiceOf(LogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Service ?? record.Module ?? record.ProcessName;
    }

    /// <summary><see cref="ServiceOf(LogRecord)"/> from the outline, decoding the record only when the store could
    /// not tell.</summary>
    internal static string? ServiceOfStored(StoredRecord stored) => stored.Outline.Service ?? ServiceOf(stored.Record);

    /// <summary>
    /// What happened in the scope, in order: its records but the one that opened it (which titles the scope), its
    /// subtasks where they began, and a gap before each record that follows missing ones. Records keep their
    /// <c>seq</c> order; a subtask sits by the time of its first record (after records of the same time), and a
    /// subtask none of whose records arrived goes last.
    /// </summary>
    public IReadOnlyList<TaskScopeItem> Timeline
    {
        get
        {
            var gaps = GapList.ToDictionary(g => g.Before);
            var items = new List<(double Time, int Order, int Index, TaskScopeItem Item)>();
            int index = 0;
            foreach (var record in RecordList)
            {
                if (ReferenceEquals(record, Enter))
                {
                    continue;
                }

                if (record.Outline.Key is { } key && gaps.TryGetValue(key.Seq, out var gap))
                {
                    items.Add((record.Outline.Created, 0, index++, new TaskScopeItem(null, null, gap)));
                }

                items.Add((record.Outline.Created, 0, index++, new TaskScopeItem(record, null, null)));
            }

            foreach (var child in ChildList)
            {
                items.Add((child.FirstTime, 1, index++, new TaskScopeItem(null, child, null)));
            }

            return items.OrderBy(i => i.Time).ThenBy(i => i.Order).ThenBy(i => i.Index).Select(i => i.Item).ToList();
        }
    }

    /// <summary>The time of the earliest record in the scope or below it (infinity when none arrived).</summary>
    public double FirstTime
    {
        get
        {
            double first = double.PositiveInfinity;
            foreach (var record in RecordList)
            {
                first = Math.Min(first, record.Outline.Created);
            }

            foreach (var child in ChildList)
            {
                first = Math.Min(first, child.FirstTime);
            }

            return first;
        }
    }

    /// <summary>How many records the scope and its subtasks hold.</summary>
    public int TotalRecords => RecordList.Count + ChildList.Sum(c => c.TotalRecords);

    /// <summary>How many subtasks are below the scope, at any depth.</summary>
    public int TotalSubtasks => ChildList.Count + ChildList.Sum(c => c.TotalSubtasks);

    /// <summary>Whether the scope or any scope below it holds a record at <see cref="Protocol.Levels.Error"/> or above,
    /// or failed.</summary>
    public bool HasErrors => Status == TaskBoundary.Failed || RecordList.Any(r => r.Outline.Level >= Levels.Error) || ChildList.Any(c => c.HasErrors);

    /// <summary>Whether the scope's process differs from its parent's: the piece was imported from elsewhere.</summary>
    public bool IsImported { get; internal set; }

    /// <summary>Whether the parent scope logged a record after this scope's last one (set by the tree).</summary>
    internal bool ParentLoggedAfter { get; set; }

    /// <summary>The time of the latest record in the scope or below it (minus infinity when none arrived).</summary>
    public double LastTime => Math.Max(RecordList.Count == 0 ? double.NegativeInfinity : RecordList.Max(r => r.Outline.Created), ChildList.Count == 0 ? double.NegativeInfinity : ChildList.Max(c => c.LastTime));

    /// <summary>A record opens its scope: it says so, or it is record 0 of a client that marks no boundaries.</summary>
    internal static bool IsEnter(LogRecord record) =>
        record.Task is { } task ? task.Event == TaskBoundary.Enter : record.Context?.ParsedKey?.Seq == 0;

    /// <summary>The original client's way of closing a scope: its last record, after everything below it, is
    /// <c>DONE {message}</c> or is followed by the parent's.</summary>
    private bool ClosedByTheOriginal()
    {
        var first = RecordList[0].Record;
        var last = RecordList[^1].Record;
        return first.Task is null && last.Task is null && IsEnter(first) && last.Created >= LastTime &&
            (ParentLoggedAfter || last.Message == "DONE " + first.Message);
    }

    internal List<StoredRecord> RecordList { get; } = [];

    internal List<TaskScope> ChildList { get; } = [];

    internal List<SeqGap> GapList { get; } = [];
}
