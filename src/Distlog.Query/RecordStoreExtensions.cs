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
}
