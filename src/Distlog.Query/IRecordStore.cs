namespace Distlog.Query;

/// <summary>A store that answers the query model: what the viewer and the <c>distlog</c> command read from.</summary>
/// <remarks>Implementations are thread-safe and may be used while their plugin writes.</remarks>
public interface IRecordStore
{
    /// <summary>One page of the records that satisfy <paramref name="query"/>, newest first.</summary>
    /// <exception cref="ArgumentException">The query's cursor was not made by this store.</exception>
    Task<RecordPage> QueryAsync(RecordQuery query, CancellationToken cancellationToken = default);

    /// <summary>Every record of the root task <paramref name="rootId"/>, in no particular order, at most
    /// <paramref name="limit"/>; <c>Truncated</c> says whether there were more.</summary>
    Task<(IReadOnlyList<StoredRecord> Records, bool Truncated)> ReadTaskAsync(string rootId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Every record of the scope <paramref name="scopeId"/> and of the scopes below it, in no particular order,
    /// at most <paramref name="limit"/>; <c>Truncated</c> says whether there were more. What the viewer reads to unfold
    /// one scope of a big tree: a store answers from an index on the scope where it can; the default reads the whole
    /// task and keeps the scope's records.</summary>
    async Task<(IReadOnlyList<StoredRecord> Records, bool Truncated)> ReadScopeAsync(string scopeId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scopeId);
        var (records, truncated) = await ReadTaskAsync(TaskIds.RootOf(scopeId), RecordStoreExtensions.DefaultTreeLimit, cancellationToken).ConfigureAwait(false);
        var mine = records.Where(r => TaskIds.IsInScope(r.Outline.Key?.ScopeId, scopeId)).ToList();
        return mine.Count > limit ? (mine.GetRange(0, limit), true) : (mine, truncated);
    }

    /// <summary>The newest root tasks (by their newest matching record) that have a record satisfying
    /// <paramref name="filters"/> (its limit and cursor are not used), at most <paramref name="limit"/>, summarised.
    /// A store answers from one summary query where it can; the default reads each task's tree.</summary>
    Task<IReadOnlyList<TaskSummary>> ListTasksAsync(RecordQuery filters, int limit, CancellationToken cancellationToken = default) =>
        RecordStoreExtensions.ListTasksFromTreesAsync(this, filters, limit, cancellationToken);
}
