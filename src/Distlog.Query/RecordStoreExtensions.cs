namespace Distlog.Query;

/// <summary>Conveniences over <see cref="IRecordStore"/>.</summary>
public static class RecordStoreExtensions
{
    /// <summary>The default number of records a tree holds at most.</summary>
    public const int DefaultTreeLimit = 100_000;

    /// <summary>The whole tree of the task named by any of its keys or ids; null when the store has no record of it.</summary>
    /// <param name="store">The store.</param>
    /// <param name="keyOrTaskId">A key (<c>3@id/1</c>), a scope id (<c>id/1</c>) or a root id.</param>
    /// <param name="limit">At most this many records (the tree says when it was truncated).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<TaskTree?> GetTaskTreeAsync(this IRecordStore store, string keyOrTaskId, int limit = DefaultTreeLimit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        string root = TaskIds.RootOf(keyOrTaskId);
        var (records, truncated) = await store.ReadTaskAsync(root, Math.Max(1, limit), cancellationToken).ConfigureAwait(false);
        return records.Count == 0 ? null : TaskTree.Build(root, records, truncated);
    }

    /// <summary>One scope and everything below it, as a tree (the scopes above it are there, without their records);
    /// null when the store has no record of it.</summary>
    /// <param name="store">The store.</param>
    /// <param name="scopeId">The scope's id (<c>id/1</c>).</param>
    /// <param name="limit">At most this many records (the tree says when it was truncated).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<TaskTree?> GetScopeTreeAsync(this IRecordStore store, string scopeId, int limit = DefaultTreeLimit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var (records, truncated) = await store.ReadScopeAsync(scopeId, Math.Max(1, limit), cancellationToken).ConfigureAwait(false);
        return records.Count == 0 ? null : TaskTree.Build(TaskIds.RootOf(scopeId), records, truncated);
    }

    /// <summary><see cref="IRecordStore.ListTasksAsync"/> for any store: the newest matching records name the tasks
    /// (a few pages of them at most, so a list answers fast), then each task's tree (up to 10,000 records) is read and
    /// summarised; the summaries newest first by their newest record.</summary>
    /// <param name="store">The store.</param>
    /// <param name="filters">Which records count.</param>
    /// <param name="limit">At most this many tasks.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public static async Task<IReadOnlyList<TaskSummary>> ListTasksFromTreesAsync(IRecordStore store, RecordQuery filters, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(filters);
        var roots = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        for (int pages = 0; pages < 5 && roots.Count < limit; pages++)
        {
            var page = await store.QueryAsync(filters with { Limit = 2000, Cursor = cursor }, cancellationToken).ConfigureAwait(false);
            foreach (var r in page.Records)
            {
                if (r.Record.Context?.ParsedKey?.RootId is { } root && roots.Count < limit && seen.Add(root))
                {
                    roots.Add(root);
                }
            }

            cursor = page.NextCursor;
            if (cursor is null)
            {
                break;
            }
        }

        var summaries = new List<TaskSummary>(roots.Count);
        foreach (string root in roots)
        {
            if (await store.GetTaskTreeAsync(root, 10_000, cancellationToken).ConfigureAwait(false) is { } tree)
            {
                summaries.Add(TaskSummary.Of(tree));
            }
        }

        // A store that orders by arrival (Redis, whose shards and daemons interleave) met them in about this order;
        // the list is by each task's newest record.
        return [.. summaries.OrderByDescending(s => s.Last)];
    }
}
