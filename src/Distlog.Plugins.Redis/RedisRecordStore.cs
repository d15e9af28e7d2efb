using System.Globalization;
using Distlog.Query;
using StackExchange.Redis;

namespace Distlog.Plugins.Redis;

/// <summary>
/// Answers the query model from a distlog Redis store. A task's tree comes from its index list; other queries scan
/// the stream newest first and filter as they go (Redis has no secondary index here), at most
/// <see cref="ScanLimit"/> records a page — a page cut short by that limit still has a cursor to go on from.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class RedisRecordStore : IRecordStore
{
    /// <summary>How long records may take from their creation to Redis: a <c>From</c> condition stops the scan
    /// only at entries added this much before it.</summary>
    private static readonly TimeSpan s_arrivalSlack = TimeSpan.FromMinutes(5);

    private readonly IConnectionMultiplexer _connection;
    private readonly RedisLayout _layout;
    private readonly int _database;

    /// <summary>Reads the store on <paramref name="stream"/> through <paramref name="connection"/>.</summary>
    public RedisRecordStore(IConnectionMultiplexer connection, string stream = "distlog", int database = 0)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(stream);
        _connection = connection;
        _layout = new RedisLayout(stream);
        _database = database;
    }

    /// <summary>Entries asked for in one read of the stream.</summary>
    private const int EntriesPerRead = 100;

    /// <summary>The most records one page reads.</summary>
    public int ScanLimit { get; init; } = 100_000;

    /// <inheritdoc/>
    public async Task<RecordPage> QueryAsync(RecordQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.TaskRootId is { } root)
        {
            return await QueryTaskAsync(root, query, cancellationToken).ConfigureAwait(false);
        }

        var db = _connection.GetDatabase(_database);
        int limit = query.EffectiveLimit;

        // Newest first: entries from the newest, the records of an entry from its last. A cursor names the last
        // record returned; the next page starts with the one before it.
        (string EntryId, int Position)? resume = query.Cursor is { } cursor ? CheckCursor(cursor) : null;
        RedisValue end = resume is { } r ? r.EntryId : "+";
        if (resume is null && query.To is { } to)
        {
            end = (to + s_arrivalSlack).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        }

        long stopBelow = query.From is { } from ? (from - s_arrivalSlack).ToUnixTimeMilliseconds() : 0;
        var records = new List<StoredRecord>();
        int scanned = 0;
        while (true)
        {
            var entries = await db.StreamRangeAsync(_layout.Stream, "-", end, EntriesPerRead, Order.Descending).ConfigureAwait(false);
            foreach (var entry in entries)
            {
                string entryId = entry.Id!;
                if (RedisLayout.MillisecondsOf(entryId) < stopBelow)
                {
                    return new RecordPage(records, null);
                }

                int position = RedisLayout.Count(entry) - 1;
                if (resume is { } at && at.EntryId == entryId)
                {
                    position = Math.Min(position, at.Position - 1);
                }

                for (; position >= 0; position--)
                {
                    if (scanned++ == ScanLimit)
                    {
                        // Cut short: the cursor goes on from the record just before this one.
                        return new RecordPage(records, RedisLayout.RecordId(entryId, position + 1));
                    }

                    var stored = RedisLayout.FromEntry(entry, position);
                    if (query.Matches(stored.System, stored.Record))
                    {
                        records.Add(stored);
                        if (records.Count == limit)
                        {
                            return new RecordPage(records, stored.Id);
                        }
                    }
                }
            }

            if (entries.Length < EntriesPerRead)
            {
                return new RecordPage(records, null);
            }

            end = "(" + entries[^1].Id;
        }
    }

    /// <inheritdoc/>
    public async Task<(IReadOnlyList<StoredRecord> Records, bool Truncated)> ReadTaskAsync(string rootId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootId);
        var records = await ReadTaskListAsync(rootId, limit).ConfigureAwait(false);
        bool truncated = records.Count > limit;
        return (truncated ? records.GetRange(0, limit) : records, truncated);
    }

    private async Task<List<StoredRecord>> ReadTaskListAsync(string rootId, int limit)
    {
        var db = _connection.GetDatabase(_database);
        var values = await db.ListRangeAsync(_layout.TaskList(rootId), 0, -1).ConfigureAwait(false);
        var ids = values
            .SelectMany(v => ((string)v!).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Take(limit + 1)
            .Select(RedisLayout.ParseRecordId)
            .ToList();

        // Each entry once, however many of the task's records it holds.
        var entries = ids.Select(id => id.EntryId).Distinct(StringComparer.Ordinal)
            .ToDictionary(id => id, id => db.StreamRangeAsync(_layout.Stream, id, id, 1), StringComparer.Ordinal);
        await Task.WhenAll(entries.Values).ConfigureAwait(false);

        // An id whose entry is gone was trimmed off the stream (max_length): the tree shows it as a gap.
        var records = new List<StoredRecord>(ids.Count);
        foreach (var (entryId, position) in ids)
        {
            if (entries[entryId].Result is [var entry] && position < RedisLayout.Count(entry))
            {
                records.Add(RedisLayout.FromEntry(entry, position));
            }
        }

        return records;
    }

    /// <summary>A task's records through the other conditions, newest first, paged by position.</summary>
    private async Task<RecordPage> QueryTaskAsync(string root, RecordQuery query, CancellationToken cancellationToken)
    {
        int skip = query.Cursor is { } cursor
            ? int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : throw new ArgumentException($"'{cursor}' is not a cursor of this Redis store for a task query", nameof(query))
            : 0;
        var (records, _) = await ReadTaskAsync(root, RecordStoreExtensions.DefaultTreeLimit, cancellationToken).ConfigureAwait(false);
        var matching = records.Where(r => query.Matches(r.System, r.Record)).OrderByDescending(r => r.Record.Created).ToList();
        var page = matching.Skip(skip).Take(query.EffectiveLimit).ToList();
        int next = skip + page.Count;
        return new RecordPage(page, next < matching.Count ? next.ToString(CultureInfo.InvariantCulture) : null);
    }

    /// <remarks>A cursor without a position (an entry id, from a store of one record an entry) reads as position 0,
    /// so the page goes on before the whole entry.</remarks>
    private static (string EntryId, int Position) CheckCursor(string cursor)
    {
        try
        {
            return RedisLayout.ParseRecordId(cursor);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"'{cursor}' is not a cursor of this Redis store", nameof(cursor));
        }
    }
}
