using System.Text;
using Distlog.Query;
using StackExchange.Redis;

namespace Distlog.Plugins.Redis;

/// <summary>
/// <c>type: redis</c>: appends the records to a Redis Stream, several records an entry (<c>XADD … MAXLEN ~</c>,
/// pipelined per batch), files each record's id under its root task for the query model and optionally PUBLISHes
/// each record for live consumers. While Redis is down or restarting the plugin throws
/// <see cref="PluginUnavailableException"/>, so the daemon holds the batch and queues what follows (dropping and
/// counting only what overflows the queue).
/// </summary>
/// <remarks>
/// <para>Settings: <c>url</c> (host:port or a StackExchange.Redis configuration string; default
/// <c>localhost:6379</c>), <c>password</c> (use <c>${REDIS_PASSWORD}</c>), <c>database</c> (0), <c>stream</c>
/// (<c>distlog</c>), <c>max_length</c> (approximate number of records the store keeps, its shards together, default 1M; 0 = unbounded),
/// <c>records_per_entry</c> (the most records one stream entry holds, default 64, at most 32 KiB of them; 1 = one
/// record an entry), <c>task_ttl</c> (how long a task's index lives after its last record, default 7d),
/// <c>channel</c> (PUBLISH each record's JSON there; off by default), <c>shards</c> (how many streams the records are
/// spread over by root task, default 1; see <see cref="RedisLayout"/>; more than one to spread writes over the
/// nodes of a Redis Cluster).</para>
/// <para>Why several records an entry: each command costs the client a message, a task and a reply to read, and
/// the server a dispatch; one XADD for a few dozen records spends that once for all of them (measured: the plugin
/// alone went from 0.6x–0.9x to 1.1x–1.5x of one pipelined XADD a record; see bench/results).</para>
/// <para>Records of acknowledged clients are written once: with them, in the same transaction, goes a note of how
/// many records of each message the stream holds (<c>{stream}:delivered:…</c>, kept 7 days), and a record handed
/// again (after a failure, or by distlogd's journal after a crash) is left out. Other records are at least once: a
/// batch cut off by a failure is written again whole, so such a record may be on the stream twice; a task's index
/// holds the ids of the write that completed, and trees drop repeats by key.</para>
/// </remarks>
public sealed class RedisPlugin : IDistlogPlugin, IRecordStoreProvider
{
    /// <summary>The most records one entry holds unless <c>records_per_entry</c> says otherwise.</summary>
    internal const int DefaultRecordsPerEntry = 64;

    /// <summary>The most bytes of records one entry takes (a larger record still gets an entry of its own).</summary>
    internal const int MaxEntryBytes = 32 * 1024;

    /// <summary>How often a task's index has its time to live renewed while records keep coming.</summary>
    private const long RenewEveryMilliseconds = 60_000;

    /// <summary>Roots whose renewal is remembered; past this, all are forgotten (and renewed again).</summary>
    private const int MaxRenewalsRemembered = 100_000;

    /// <summary>How long the store remembers which records of an acknowledged client it holds: a crash of distlogd
    /// hands a plugin again what followed its last cursor, at its next start (the journal's <c>max_age</c>).</summary>
    private static readonly TimeSpan s_deliveredTtl = TimeSpan.FromDays(7);

    private readonly ConnectionMultiplexer _connection;
    private readonly RedisLayout _layout;
    private readonly int _database;
    private readonly long _maxLength;
    private readonly int _recordsPerEntry;
    private readonly TimeSpan _taskTtl;
    private readonly RedisChannel? _channel;
    private DateTimeOffset _lastTrim; // worker only
    private bool _shardCountWritten; // worker only
    private double _recordsPerEntryWritten; // worker only: a moving average, to turn max_length into entries
    private readonly Dictionary<string, long> _renewed = new(StringComparer.Ordinal); // worker only: root → when its TTL was set

    /// <summary>Connects (in the background: a Redis that is down at start is waited for, not an error).</summary>
    /// <exception cref="PluginConfigurationException">A setting is invalid.</exception>
    public RedisPlugin(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string url = settings.GetString("url") ?? "localhost:6379";
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) ? url["redis://".Length..].TrimEnd('/') : url);
        }
        catch (ArgumentException ex)
        {
            throw settings.Error("url", $"'{url}' is not a Redis address such as localhost:6379: {ex.Message}");
        }

        if (settings.GetString("password") is { Length: > 0 } password)
        {
            options.Password = password;
        }

        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        options.ConnectTimeout = 2000;
        options.ClientName = "distlogd";
        _database = (int)settings.GetInt64("database", 0);
        string stream = settings.GetString("stream") ?? "distlog";
        long shards = settings.GetInt64("shards", 1);
        if (shards is < 1 or > 1024)
        {
            throw settings.Error("shards", $"'shards' must be from 1 to 1024, got {shards}");
        }

        if (shards > 1 && stream.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw settings.Error("stream", $"'stream' holds a brace, which Redis Cluster would read as a hash tag: '{stream}'; with shards, name it without braces");
        }

        _layout = new RedisLayout(stream, (int)shards);
        _maxLength = Math.Max(0, settings.GetInt64("max_length", 1_000_000));
        long perEntry = settings.GetInt64("records_per_entry", DefaultRecordsPerEntry);
        if (perEntry is < 1 or > 10_000)
        {
            throw settings.Error("records_per_entry", $"'records_per_entry' must be from 1 to 10000, got {perEntry}");
        }

        _recordsPerEntry = (int)perEntry;
        _taskTtl = settings.GetDuration("task_ttl", TimeSpan.FromDays(7));
        _channel = settings.GetString("channel") is { Length: > 0 } channel ? (RedisChannel?)RedisChannel.Literal(channel) : null;
        Endpoint = string.Join(",", options.EndPoints.Select(e => e.ToString()));
        _connection = ConnectionMultiplexer.Connect(options);
        Store = new RedisRecordStore(_connection, stream, _database, (int)shards);
    }

    /// <summary>The Redis endpoint(s), for the daemon's summary.</summary>
    public string Endpoint { get; }

    /// <inheritdoc/>
    public string? Target => Endpoint;

    /// <summary>Reads what this plugin writes.</summary>
    public IRecordStore Store { get; }

    /// <inheritdoc/>
    public async Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!_connection.IsConnected)
        {
            throw new PluginUnavailableException($"Redis at {Endpoint} is not connected");
        }

        var db = _connection.GetDatabase(_database);
        try
        {
            if (!_shardCountWritten && _layout.Shards.Count > 1)
            {
                await CheckShardCountAsync(db).ConfigureAwait(false);
            }

            // Each shard's records go to it in their own writes; shards are written side by side (in a cluster they
            // are on different nodes), and the batch is written when every shard's part is.
            long? maxEntries = MaxEntries(batch.Count);
            bool trim = _taskTtl > TimeSpan.Zero && DateTimeOffset.UtcNow - _lastTrim > TimeSpan.FromMinutes(1);
            long now = Environment.TickCount64;
            if (_renewed.Count > MaxRenewalsRemembered)
            {
                _renewed.Clear();
            }

            var parts = _layout.Shards.Count == 1
                ? [WriteShardAsync(db, _layout.Shards[0], batch, maxEntries, trim, now, cancellationToken)]
                : batch.GroupBy(r => _layout.ShardOf(r.Summary.Context?.ParsedKey?.RootId ?? string.Empty))
                    .Select(g => WriteShardAsync(db, g.Key, g.ToList(), maxEntries, trim, now, cancellationToken))
                    .ToArray();
            var written = await Task.WhenAll(parts).ConfigureAwait(false);

            // Only once written: a batch written again after a failure sets them again.
            if (trim)
            {
                _lastTrim = DateTimeOffset.UtcNow;
            }

            int records = written.Sum(w => w.Records);
            int entries = written.Sum(w => w.Entries);
            if (entries > 0)
            {
                _recordsPerEntryWritten = _recordsPerEntryWritten == 0
                    ? (double)records / entries
                    : (_recordsPerEntryWritten * 0.9) + ((double)records / entries * 0.1);
            }

            foreach (var root in written.SelectMany(w => w.Renewed))
            {
                _renewed[root] = now;
            }
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            throw new PluginUnavailableException($"Redis at {Endpoint}: {ex.Message}", ex);
        }
    }

    /// <summary>Writes one shard's records of a batch: how many records in how many entries, and the roots whose
    /// index had its time to live renewed.</summary>
    private async Task<(int Records, int Entries, List<string> Renewed)> WriteShardAsync(
        IDatabase db, RedisShard shard, IReadOnlyList<ReceivedRecord> batch, long? maxEntries, bool trim, long now, CancellationToken cancellationToken)
    {
        // Records of acknowledged clients that this store already holds (handed again after a crash) are left
        // out; the rest go in one transaction with the note of what is now written, so a crash cannot separate them.
        var delivered = await DeliveredAsync(db, shard, batch).ConfigureAwait(false);
        if (delivered is not null)
        {
            batch = delivered.New;
            if (batch.Count == 0)
            {
                return (0, 0, []);
            }
        }

        var write = delivered is null ? null : db.CreateTransaction();
        IDatabaseAsync writer = write is null ? db : write;

        // First the records, a few dozen an entry, pipelined; then, with the entry ids Redis gave them, the
        // per-task index: one list value a task and batch, holding its records' ids.
        var entries = new List<(int First, int End, Task<RedisValue> Added)>((batch.Count / _recordsPerEntry) + 1);
        var published = new List<Task>(_channel is null ? 0 : batch.Count);
        var pairs = new List<NameValueEntry>(_recordsPerEntry);
        int next = 0;
        while (next < batch.Count)
        {
            int first = next;
            int bytes = 0;
            pairs.Clear();
            while (next < batch.Count)
            {
                var received = batch[next];
                var body = received.GetJsonBody();
                if (IsEntryFull(pairs.Count, bytes, body.Length, _recordsPerEntry))
                {
                    break;
                }

                bytes += body.Length;
                pairs.Add(new NameValueEntry(RedisLayout.SystemField(received.System), body));
                if (_channel is { } channel)
                {
                    published.Add(db.PublishAsync(channel, body));
                }

                next++;
            }

            entries.Add((first, next, writer.StreamAddAsync(shard.Stream, [.. pairs], maxLength: maxEntries, useApproximateMaxLength: true)));
        }

        if (write is not null)
        {
            foreach (var (key, fields) in delivered!.Written)
            {
                _ = write.HashSetAsync(key, fields);
                _ = write.KeyExpireAsync(key, s_deliveredTtl);
            }

            if (!await write.ExecuteAsync().WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("Redis did not run the transaction of a batch"); // no condition was set: not expected
            }
        }

        await Task.WhenAll(entries.Select(e => e.Added)).WaitAsync(cancellationToken).ConfigureAwait(false);
        var byRoot = new Dictionary<string, (StringBuilder Ids, double First)>(StringComparer.Ordinal);
        foreach (var (first, end, added) in entries)
        {
            string entryId = (string)added.Result!;
            for (int i = first; i < end; i++)
            {
                var record = batch[i].Summary;
                if (record.Context?.ParsedKey is not { } key)
                {
                    continue;
                }

                if (byRoot.TryGetValue(key.RootId, out var task))
                {
                    task.Ids.Append(' ');
                    byRoot[key.RootId] = (task.Ids, Math.Min(task.First, record.Created));
                }
                else
                {
                    task = (new StringBuilder(32), record.Created);
                    byRoot[key.RootId] = task;
                }

                task.Ids.Append(entryId).Append('/').Append(i - first);
            }
        }

        // One list value a task and batch; its time to live renewed at most once a minute a task (so a task's
        // index lives task_ttl after its last record, give or take that minute); every root of the batch in one
        // ZADD, scored by its earliest record so far (LT, Redis 6.2 and newer).
        var pending = new List<Task>((byRoot.Count * 2) + published.Count + 2);
        pending.AddRange(published);
        var renewing = new List<string>(byRoot.Count);
        var roots = new SortedSetEntry[byRoot.Count];
        int r = 0;
        foreach (var (root, (ids, first)) in byRoot)
        {
            var taskKey = shard.TaskList(root);
            pending.Add(db.ListRightPushAsync(taskKey, ids.ToString()));
            if (_taskTtl > TimeSpan.Zero && (!_renewed.TryGetValue(root, out long renewed) || now - renewed >= RenewEveryMilliseconds))
            {
                pending.Add(db.KeyExpireAsync(taskKey, _taskTtl));
                renewing.Add(root);
            }

            roots[r++] = new SortedSetEntry(root, first);
        }

        if (roots.Length > 0)
        {
            pending.Add(db.SortedSetAddAsync(shard.Tasks, roots, SortedSetWhen.LessThan));
        }

        if (trim)
        {
            // The task index forgets roots whose lists have expired.
            pending.Add(db.SortedSetRemoveRangeByScoreAsync(shard.Tasks, double.NegativeInfinity, (DateTimeOffset.UtcNow - _taskTtl).ToUnixTimeMilliseconds() / 1000.0));
        }

        await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        return (batch.Count, entries.Count, renewing);
    }

    /// <summary>Notes the shard count for readers, once a process; a store already written with another count is
    /// a configuration error (its tasks would be looked for in the wrong shards).</summary>
    private async Task CheckShardCountAsync(IDatabase db)
    {
        int shards = _layout.Shards.Count;
        await db.StringSetAsync(_layout.ShardCount, shards, when: When.NotExists).ConfigureAwait(false);
        var stored = await db.StringGetAsync(_layout.ShardCount).ConfigureAwait(false);
        if (stored != shards)
        {
            throw new InvalidOperationException(
                $"stream '{_layout.Name}' in Redis at {Endpoint} is written with shards: {stored}, not {shards}; use another stream to change it");
        }

        _shardCountWritten = true;
    }

    /// <summary>
    /// For a batch with records of acknowledged clients (a <see cref="ReceivedRecord.DeliveryId"/>,
    /// <c>{instance}/{sequence}/{index}</c>): the records this store does not hold yet, and the notes to write with
    /// them — for each message, how many of its records (in index order, as distlogd hands them) are written, in a
    /// hash <c>{stream}:delivered:{instance}:{sequence / 4096}</c> that lives <see cref="s_deliveredTtl"/>. Null for a
    /// batch without such records.
    /// </summary>
    private static async Task<Delivered?> DeliveredAsync(IDatabase db, RedisShard shard, IReadOnlyList<ReceivedRecord> batch)
    {
        Dictionary<(string Instance, long Sequence), int>? highest = null;
        var identities = new (string Instance, long Sequence, int Index)?[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch[i].DeliveryId is { } id && ParseDelivery(id) is { } identity)
            {
                identities[i] = identity;
                highest ??= [];
                var message = (identity.Instance, identity.Sequence);
                highest[message] = Math.Max(highest.GetValueOrDefault(message), identity.Index + 1);
            }
        }

        if (highest is null)
        {
            return null;
        }

        var byKey = highest.Keys.GroupBy(m => shard.Delivered(m.Instance, m.Sequence)).ToList();
        var lookups = byKey.Select(g => (Key: g.Key, Messages: g.ToList(), Counts: db.HashGetAsync(g.Key, g.Select(m => (RedisValue)m.Sequence).ToArray()))).ToList();
        await Task.WhenAll(lookups.Select(l => l.Counts)).ConfigureAwait(false);
        var written = new Dictionary<(string Instance, long Sequence), int>();
        foreach (var (_, messages, counts) in lookups)
        {
            for (int i = 0; i < messages.Count; i++)
            {
                written[messages[i]] = counts.Result[i].TryParse(out int count) ? count : 0;
            }
        }

        var fresh = new List<ReceivedRecord>(batch.Count);
        for (int i = 0; i < batch.Count; i++)
        {
            if (identities[i] is not { } identity || identity.Index >= written[(identity.Instance, identity.Sequence)])
            {
                fresh.Add(batch[i]);
            }
        }

        var notes = byKey.Select(g => (g.Key, Fields: g.Select(m => new HashEntry(m.Sequence, Math.Max(highest[m], written[m]))).ToArray())).ToList();
        return new Delivered(fresh, notes);
    }

    /// <summary>Reads <c>{instance}/{sequence}/{index}</c>; null for anything else.</summary>
    internal static (string Instance, long Sequence, int Index)? ParseDelivery(string id)
    {
        int first = id.IndexOf('/', StringComparison.Ordinal);
        int last = id.LastIndexOf('/');
        return first > 0 && last > first &&
            long.TryParse(id.AsSpan(first + 1, last - first - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long sequence) &&
            int.TryParse(id.AsSpan(last + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
            ? (id[..first], sequence, index)
            : null;
    }

    /// <summary>A batch's records not yet stored, and the notes of what they complete.</summary>
    private sealed record Delivered(List<ReceivedRecord> New, List<(RedisKey Key, HashEntry[] Fields)> Written);

    /// <summary>Whether an entry of <paramref name="records"/> records and <paramref name="bytes"/> bytes is full
    /// before a record of <paramref name="nextBytes"/> bytes: it holds at most <paramref name="recordsPerEntry"/>
    /// records of at most <see cref="MaxEntryBytes"/> together, and never nothing.</summary>
    internal static bool IsEntryFull(int records, int bytes, int nextBytes, int recordsPerEntry) =>
        records >= recordsPerEntry || (records > 0 && bytes + nextBytes > MaxEntryBytes);

    /// <summary>The length to trim each shard's stream to, in entries: <c>max_length</c> records over the records an
    /// entry has held of late (or, at first, will hold in this batch), shared by the shards; null when unbounded.</summary>
    private long? MaxEntries(int batchCount)
    {
        if (_maxLength == 0)
        {
            return null;
        }

        double perEntry = _recordsPerEntryWritten > 0 ? _recordsPerEntryWritten : Math.Min(batchCount, _recordsPerEntry);
        return Math.Max(1, (long)Math.Ceiling(_maxLength / Math.Max(1, perEntry) / _layout.Shards.Count));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);
}
