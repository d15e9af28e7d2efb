using System.Globalization;
using Distlog.Query;
using StackExchange.Redis;

namespace Distlog.Plugins.Redis;

/// <summary>
/// Answers the query model from a distlog Redis store. A task's tree comes from its index list; other queries scan
/// the stream newest first and filter as they go (Redis has no secondary index here), at most
/// <see cref="ScanLimit"/> records a page — a page cut short by that limit still has a cursor to go on from. With
/// several shards a tree is read from its root's shard, and the other queries merge the shards' streams.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class RedisRecordStore : IRecordStore
{
    /// <summary>How long records may take from their creation to Redis: a <c>From</c> condition stops the scan
    /// only at entries added this much before it.</summary>
    private static readonly TimeSpan s_arrivalSlack = TimeSpan.FromMinutes(5);

    private readonly IConnectionMultiplexer _connection;
    private readonly string _stream;
    private readonly int _database;
    private RedisLayout? _layout; // known once told, or once read from the plugin's note (any thread; the same value)

    /// <summary>Reads the store on <paramref name="stream"/> through <paramref name="connection"/>.</summary>
    /// <param name="connection">To Redis, or to any node of a Redis Cluster.</param>
    /// <param name="stream">The plugin's <c>stream</c>.</param>
    /// <param name="database">The plugin's <c>database</c>.</param>
    /// <param name="shards">The plugin's <c>shards</c>; null: the count the plugin noted in Redis (1 when none).</param>
    public RedisRecordStore(IConnectionMultiplexer connection, string stream = "distlog", int database = 0, int? shards = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(stream);
        if (shards is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(shards), shards, "a store has one shard or more");
        }

        _connection = connection;
        _stream = stream;
        _database = database;
        _layout = shards is { } n ? new RedisLayout(stream, n) : null;
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

        var layout = await LayoutAsync().ConfigureAwait(false);
        var db = _connection.GetDatabase(_database);
        int limit = query.EffectiveLimit;

        // Newest first, the shards merged: entries by id from the newest (between shards, the higher shard first for
        // the same id), the records of an entry from its last. A cursor names the last record returned; the next
        // page starts with the one before it.
        (RedisShard Shard, string EntryId, int Position)? resume = query.Cursor is { } cursor ? CheckCursor(layout, cursor) : null;
        RedisValue end = "+";
        if (query.To is { } to)
        {
            end = (to + s_arrivalSlack).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        }

        var readers = layout.Shards.Select(shard => new ShardReader(db, shard, resume switch
        {
            { } r when shard.Index <= r.Shard.Index => r.EntryId,
            { } r => "(" + r.EntryId,
            null => end,
        })).ToList();

        long stopBelow = query.From is { } from ? (from - s_arrivalSlack).ToUnixTimeMilliseconds() : 0;
        var records = new List<StoredRecord>();
        int scanned = 0;
        while (true)
        {
            await Task.WhenAll(readers.Select(r => r.FillAsync())).ConfigureAwait(false);
            var reader = readers.Where(r => r.Head is not null).MaxBy(r => (r.HeadId, r.Shard.Index));
            if (reader is null)
            {
                return new RecordPage(records, null);
            }

            var entry = reader.Head!.Value;
            string entryId = entry.Id!;
            if (reader.HeadId.Milliseconds < stopBelow)
            {
                return new RecordPage(records, null);
            }

            int position = RedisLayout.Count(entry) - 1;
            if (resume is { } at && at.Shard == reader.Shard && at.EntryId == entryId)
            {
                position = Math.Min(position, at.Position - 1);
            }

            for (; position >= 0; position--)
            {
                if (scanned++ == ScanLimit)
                {
                    // Cut short: the cursor goes on from the record just before this one.
                    return new RecordPage(records, reader.Shard.RecordId(entryId, position + 1));
                }

                var stored = reader.Shard.FromEntry(entry, position);
                if (query.Matches(stored.System, stored.Record))
                {
                    records.Add(stored);
                    if (records.Count == limit)
                    {
                        return new RecordPage(records, stored.Id);
                    }
                }
            }

            reader.Next();
        }
    }

    /// <summary>One shard's stream read newest first, a hundred entries at a time.</summary>
    private sealed class ShardReader(IDatabase db, RedisShard shard, RedisValue end)
    {
        private readonly Queue<StreamEntry> _entries = new();
        private RedisValue _end = end;
        private bool _exhausted;

        public RedisShard Shard => shard;

        public StreamEntry? Head => _entries.Count > 0 ? _entries.Peek() : null;

        public (long Milliseconds, long Sequence) HeadId { get; private set; }

        public async Task FillAsync()
        {
            if (_entries.Count > 0 || _exhausted)
            {
                return;
            }

            var entries = await db.StreamRangeAsync(shard.Stream, "-", _end, EntriesPerRead, Order.Descending).ConfigureAwait(false);
            _exhausted = entries.Length < EntriesPerRead;
            if (entries.Length > 0)
            {
                _end = "(" + entries[^1].Id;
            }

            foreach (var entry in entries)
            {
                _entries.Enqueue(entry);
            }

            SetHeadId();
        }

        public void Next()
        {
            _entries.Dequeue();
            SetHeadId();
        }

        private void SetHeadId()
        {
            if (Head is { } head)
            {
                HeadId = RedisLayout.EntryIdOf(head.Id!) ?? throw new InvalidDataException($"'{head.Id}' is not a stream entry id");
            }
        }
    }

    /// <summary>The store's layout: as told, or with the shard count the plugin noted (read once).</summary>
    private async Task<RedisLayout> LayoutAsync()
    {
        if (_layout is { } known)
        {
            return known;
        }

        var noted = await _connection.GetDatabase(_database).StringGetAsync(new RedisLayout(_stream).ShardCount).ConfigureAwait(false);
        int shards = noted.TryParse(out int n) && n >= 1 ? n : 1;
        var layout = new RedisLayout(_stream, shards);
        if (noted.HasValue)
        {
            _layout = layout; // a store without the note may yet be given one by a plugin with shards: ask again next time
        }

        return layout;
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
        var shard = (await LayoutAsync().ConfigureAwait(false)).ShardOf(rootId);
        var db = _connection.GetDatabase(_database);
        var values = await db.ListRangeAsync(shard.TaskList(rootId), 0, -1).ConfigureAwait(false);
        var ids = values
            .SelectMany(v => ((string)v!).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Take(limit + 1)
            .Select(id => RedisLayout.ParseEntryPosition(id) ?? throw new InvalidDataException($"'{id}' in the index of task {rootId} is not a record id"))
            .ToList();

        // Each entry once, however many of the task's records it holds.
        var entries = ids.Select(id => id.EntryId).Distinct(StringComparer.Ordinal)
            .ToDictionary(id => id, id => db.StreamRangeAsync(shard.Stream, id, id, 1), StringComparer.Ordinal);
        await Task.WhenAll(entries.Values).ConfigureAwait(false);

        // An id whose entry is gone was trimmed off the stream (max_length): the tree shows it as a gap.
        var records = new List<StoredRecord>(ids.Count);
        foreach (var (entryId, position) in ids)
        {
            if (entries[entryId].Result is [var entry] && position < RedisLayout.Count(entry))
            {
                records.Add(shard.FromEntry(entry, position));
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
    private static (RedisShard Shard, string EntryId, int Position) CheckCursor(RedisLayout layout, string cursor)
    {
        try
        {
            return layout.ParseRecordId(cursor);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"'{cursor}' is not a cursor of this Redis store", nameof(cursor));
        }
    }
}
