using Distlog.Protocol;

namespace Distlog.Query;

/// <summary>
/// Every record of one root task — from every process that imported a piece of it — as a tree of scopes.
/// </summary>
/// <remarks>Built by <see cref="Build"/> from the records in any order; the same code builds the tree for every
/// store, so they agree on order, structure and gaps.</remarks>
public sealed class TaskTree
{
    private TaskTree(string rootId, TaskScope root, int recordCount, bool truncated)
    {
        RootId = rootId;
        Root = root;
        RecordCount = recordCount;
        Truncated = truncated;
    }

    /// <summary>The root task's id.</summary>
    public string RootId { get; }

    /// <summary>The root scope; the whole tree hangs below it.</summary>
    public TaskScope Root { get; }

    /// <summary>How many records the tree holds.</summary>
    public int RecordCount { get; }

    /// <summary>Whether the store had more records for this task than the limit asked for.</summary>
    public bool Truncated { get; }

    /// <summary>Every scope, depth first, in child order.</summary>
    public IEnumerable<TaskScope> Scopes
    {
        get
        {
            var stack = new Stack<TaskScope>();
            stack.Push(Root);
            while (stack.TryPop(out var scope))
            {
                yield return scope;
                for (int i = scope.Children.Count - 1; i >= 0; i--)
                {
                    stack.Push(scope.Children[i]);
                }
            }
        }
    }

    /// <summary>Every gap of every scope, with the scope it is in.</summary>
    public IEnumerable<(string ScopeId, SeqGap Gap)> Gaps => Scopes.SelectMany(s => s.Gaps.Select(g => (s.Id, g)));

    /// <summary>Builds the tree of <paramref name="rootId"/> from its records; records of other roots, records
    /// without a key and repeats of a key are ignored.</summary>
    /// <param name="rootId">The root task id.</param>
    /// <param name="records">The records, in any order.</param>
    /// <param name="truncated">Whether the store held back records beyond a limit.</param>
    public static TaskTree Build(string rootId, IEnumerable<StoredRecord> records, bool truncated = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootId);
        ArgumentNullException.ThrowIfNull(records);
        var scopes = new Dictionary<string, TaskScope>(StringComparer.Ordinal);
        TaskScope? last = null; // stores read a task scope by scope: the next record is most often in the same one
        foreach (var stored in records)
        {
            if (stored.Outline.Key is not { } key)
            {
                continue;
            }

            if (last is not null && last.Id == key.ScopeId)
            {
                last.RecordList.Add(stored);
                continue;
            }

            if (!TaskIds.IsInScope(key.ScopeId, rootId))
            {
                continue;
            }

            var scope = ScopeOf(scopes, key.ScopeId);
            scope.RecordList.Add(stored);
            last = scope;
        }

        // Stores deliver at least once; a key seen before is the same record written again: once in seq order, the
        // repeats are neighbours.
        int count = 0;
        foreach (var scope in scopes.Values)
        {
            var list = scope.RecordList;
            if (!InSeqOrder(list))
            {
                var sorted = list.OrderBy(r => r.Outline.Key!.Value.Seq).ToList(); // stable: the first copy stays first
                list.Clear();
                list.AddRange(sorted);
            }

            int kept = 0;
            for (int i = 0; i < list.Count; i++)
            {
                if (kept == 0 || list[i].Outline.Key!.Value.Seq != list[kept - 1].Outline.Key!.Value.Seq)
                {
                    list[kept++] = list[i];
                }
            }

            list.RemoveRange(kept, list.Count - kept);
            count += kept;
        }

        var root = ScopeOf(scopes, rootId);
        foreach (var scope in scopes.Values.ToList())
        {
            // Missing middle scopes (no record of theirs arrived) are made, so every scope hangs under the root.
            for (var child = scope; child.ParentId is { } parentId; child = ScopeOf(scopes, parentId))
            {
                var parent = ScopeOf(scopes, parentId);
                if (!parent.ChildList.Contains(child))
                {
                    parent.ChildList.Add(child);
                }
            }
        }

        foreach (var scope in scopes.Values)
        {
            scope.ChildList.Sort(CompareChildren);
            long previous = -1;
            foreach (var stored in scope.RecordList)
            {
                long seq = stored.Outline.Key!.Value.Seq;
                if (seq > previous + 1)
                {
                    scope.GapList.Add(new SeqGap(previous, seq));
                }

                previous = Math.Max(previous, seq);
            }
        }

        foreach (var scope in scopes.Values)
        {
            if (scope.ParentId is { } parentId && scopes.TryGetValue(parentId, out var parent))
            {
                scope.IsImported = ProcessOf(scope) is { } mine && ProcessOf(parent) is { } theirs && mine != theirs;
                scope.ParentLoggedAfter = scope.RecordList.Count > 0 && parent.RecordList.Any(r => r.Outline.Created > scope.RecordList[^1].Outline.Created);
            }
        }

        return new TaskTree(rootId, root, count, truncated);
    }

    private static bool InSeqOrder(List<StoredRecord> list)
    {
        for (int i = 1; i < list.Count; i++)
        {
            if (list[i].Outline.Key!.Value.Seq < list[i - 1].Outline.Key!.Value.Seq)
            {
                return false;
            }
        }

        return true;
    }

    private static TaskScope ScopeOf(Dictionary<string, TaskScope> scopes, string id)
    {
        if (!scopes.TryGetValue(id, out var scope))
        {
            scope = new TaskScope(id);
            scopes[id] = scope;
        }

        return scope;
    }

    private static (string?, long?)? ProcessOf(TaskScope scope) =>
        scope.RecordList.Count == 0 ? null : (scope.RecordList[0].Outline.Hostname, scope.RecordList[0].Record.Process);

    /// <summary>Children by their last id segment, numerically when both are numbers (so 2 comes before 10).</summary>
    private static int CompareChildren(TaskScope a, TaskScope b)
    {
        string x = a.Id[(a.Id.LastIndexOf('/') + 1)..];
        string y = b.Id[(b.Id.LastIndexOf('/') + 1)..];
        return long.TryParse(x, out long nx) && long.TryParse(y, out long ny) ? nx.CompareTo(ny) : string.CompareOrdinal(x, y);
    }
}
