using Distlog.Plugins;
using Distlog.Plugins.Redis;
using Distlog.Query;
using Distlog.Storage.Tests.Support;
using StackExchange.Redis;
using Xunit;

namespace Distlog.Storage.Tests;

/// <summary>
/// What the Redis plugin leaves in Redis, read as an outside consumer would, and the layouts it must keep reading:
/// several records an entry (<c>records_per_entry</c>, the default 64), one record an entry, and a store written
/// before entries held more than one record.
/// </summary>
public sealed class RedisLayoutTests : IDisposable
{
    private readonly RedisServer _redis = new();

    [Theory]
    [InlineData("10", 10)]
    [InlineData("1", 1)]
    public async Task Entries_HoldUpToRecordsPerEntry_InArrivalOrder(string perEntry, int expected)
    {
        var (records, entries) = await WriteAsync(("records_per_entry", perEntry));

        Assert.Equal(records.Select(r => r.Record.Message), entries.SelectMany(RedisLayoutProbe.Messages));
        Assert.All(entries, e => Assert.Equal(expected, e.Values.Length));
        Assert.Equal(records.Count / expected, entries.Length);
        Assert.All(entries.SelectMany(e => e.Values), pair => Assert.Equal(records[0].System.ToString(), (string)pair.Name!));
    }

    [Fact]
    public async Task ByDefault_AnEntryHoldsUpTo64Records_Of32KiBAtMost()
    {
        var (records, entries) = await WriteAsync();

        Assert.Equal(records.Select(r => r.Record.Message), entries.SelectMany(RedisLayoutProbe.Messages));
        Assert.All(entries, e => Assert.InRange(e.Values.Length, 1, 64));
        Assert.All(entries, e => Assert.InRange(e.Values.Sum(pair => ((byte[])pair.Value!).Length), 1, 32 * 1024));

        // Each entry is as full as the two limits let it be: the next record would not have fitted.
        for (int e = 0, first = 0; e < entries.Length - 1; first += entries[e].Values.Length, e++)
        {
            int bytes = entries[e].Values.Sum(pair => ((byte[])pair.Value!).Length);
            int next = records[first + entries[e].Values.Length].GetJsonBody().Length;
            Assert.True(entries[e].Values.Length == 64 || bytes + next > 32 * 1024, $"entry {e} could have taken another record");
        }
    }

    /// <summary>The corpus four times over (100 records) in one batch, through a plugin with these settings; what
    /// it wrote and the stream's entries.</summary>
    private async Task<(List<ReceivedRecord> Records, StreamEntry[] Entries)> WriteAsync(params (string Key, string? Value)[] settings)
    {
        var corpus = await Corpus.GetAsync();
        string stream = "s" + Guid.NewGuid().ToString("N");
        var records = Enumerable.Range(0, 4).SelectMany(_ => corpus.Stored).ToList();
        await using (var plugin = new RedisPlugin(Settings.Of([("url", _redis.Address), ("stream", stream), .. settings])))
        {
            await plugin.HandleAsync(records, CancellationToken.None);
        }

        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.Address);
        return (records, await connection.GetDatabase().StreamRangeAsync(stream));
    }

    [Fact]
    public async Task AnEntry_TakesAtMost32KiB_ButALargerRecordStillGetsOne()
    {
        var corpus = await Corpus.GetAsync();
        string stream = "s" + Guid.NewGuid().ToString("N");
        var small = corpus.Stored[0];
        var bigRecord = Distlog.Protocol.JsonRecordCodec.Default.Decode(small.GetJsonBody().ToArray());
        bigRecord.Message = new string('x', 30_000); // the encoder keeps up to 32,768 characters of a value
        bigRecord.Msg = new string('y', 10_000);
        var large = new ReceivedRecord(small.System, bigRecord, small.ReceivedAt);
        ReceivedRecord[] batch = [small, large, small, small];
        await using (var plugin = new RedisPlugin(Settings.Of(("url", _redis.Address), ("stream", stream))))
        {
            await plugin.HandleAsync(batch, CancellationToken.None);
        }

        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.Address);
        var entries = await connection.GetDatabase().StreamRangeAsync(stream);
        Assert.Equal([1, 1, 2], entries.Select(e => e.Values.Length));
        Assert.Equal(30_000, entries.SelectMany(RedisLayoutProbe.Messages).ElementAt(1).Length);
    }

    [Fact]
    public async Task MaxLength_CountsRecords_NotEntries()
    {
        var corpus = await Corpus.GetAsync();
        string stream = "s" + Guid.NewGuid().ToString("N");
        var records = Enumerable.Range(0, 400).SelectMany(_ => corpus.Stored).ToList(); // 10,000 records
        await using (var plugin = new RedisPlugin(Settings.Of(("url", _redis.Address), ("stream", stream), ("max_length", "2000"))))
        {
            foreach (var batch in records.Chunk(500))
            {
                await plugin.HandleAsync(batch, CancellationToken.None);
            }
        }

        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.Address);
        var entries = await connection.GetDatabase().StreamRangeAsync(stream);
        int kept = entries.Sum(e => e.Values.Length);

        // Trimming is approximate (whole nodes of the stream), never below the length asked for.
        Assert.InRange(kept, 2000, 4000);
        Assert.Equal(records.TakeLast(kept).Select(r => r.Record.Message), entries.SelectMany(RedisLayoutProbe.Messages));
    }

    [Fact]
    public async Task EveryTaskIndex_HasItsTimeToLive_AndTheTaskSetHoldsEveryRootAtItsFirstRecord()
    {
        var corpus = await Corpus.GetAsync();
        string stream = "s" + Guid.NewGuid().ToString("N");
        await using (var plugin = new RedisPlugin(Settings.Of(("url", _redis.Address), ("stream", stream), ("task_ttl", "1h"))))
        {
            await Corpus.WriteAsync(plugin, corpus.Stored, batch: 3); // tasks spread over several batches
        }

        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.Address);
        var db = connection.GetDatabase();
        var byRoot = corpus.Stored.Where(r => r.Summary.Context?.ParsedKey is not null).GroupBy(r => r.Summary.Context!.ParsedKey!.Value.RootId).ToList();
        Assert.True(byRoot.Count >= 2);
        foreach (var task in byRoot)
        {
            var ttl = await db.KeyTimeToLiveAsync($"{stream}:task:{task.Key}");
            Assert.NotNull(ttl);
            Assert.InRange(ttl.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
            Assert.Equal(task.Min(r => r.Summary.Created), await db.SortedSetScoreAsync($"{stream}:tasks", task.Key));
        }

        Assert.Equal(byRoot.Count, await db.SortedSetLengthAsync($"{stream}:tasks"));
    }

    [Fact]
    public void RecordsPerEntry_OutOfRange_IsAConfigurationError()
    {
        var error = Assert.Throws<PluginConfigurationException>(() => new RedisPlugin(Settings.Of(("url", _redis.Address), ("records_per_entry", "0"))));
        Assert.Contains("records_per_entry", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shards_SpreadTasksOverTaggedStreams_EachTaskWholeInOne_AndAnotherCountIsRefused()
    {
        var corpus = await Corpus.GetAsync();
        string stream = "s" + Guid.NewGuid().ToString("N");
        await using (var plugin = new RedisPlugin(Settings.Of(("url", _redis.Address), ("stream", stream), ("shards", "4"))))
        {
            await plugin.HandleAsync(corpus.Stored, CancellationToken.None);
        }

        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.Address);
        var db = connection.GetDatabase();
        Assert.Equal(4, (int)await db.StringGetAsync($"{stream}:shards"));

        // Each shard's keys share one hash tag; each task's records are in one shard's stream, which its index names.
        var server = connection.GetServers()[0];
        var streams = server.Keys(pattern: $"{{{stream}:*").Select(k => (string)k!).Where(k => k.EndsWith('}')).ToList();
        Assert.InRange(streams.Count, 2, 4);
        var byStream = new Dictionary<string, List<string?>>();
        foreach (string key in streams)
        {
            byStream[key] = (await db.StreamRangeAsync(key)).SelectMany(RedisLayoutProbe.Messages).ToList<string?>();
        }

        Assert.Equal(corpus.Stored.Count, byStream.Values.Sum(m => m.Count));
        foreach (var task in corpus.Stored.Where(r => r.Summary.Context?.ParsedKey is not null).GroupBy(r => r.Summary.Context!.ParsedKey!.Value.RootId))
        {
            string holder = Assert.Single(streams, k => byStream[k].Contains(task.First().Record.Message));
            Assert.All(task, r => Assert.Contains(r.Record.Message, byStream[holder]));
            Assert.Equal(1, await db.ListLengthAsync($"{holder}:task:{task.Key}"));
        }

        // The count is the store's: a plugin configured with another refuses to write, and says why.
        await using var other = new RedisPlugin(Settings.Of(("url", _redis.Address), ("stream", stream), ("shards", "2")));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => other.HandleAsync(corpus.Stored, CancellationToken.None));
        Assert.Contains("shards: 4, not 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStoreWrittenWithOneRecordAnEntry_AndPlainEntryIdsInItsTaskIndex_StillReads()
    {
        // The layout before entries held several records: XADD per record, task lists of bare entry ids.
        var corpus = await Corpus.GetAsync();
        string stream = "s" + Guid.NewGuid().ToString("N");
        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.Address);
        var db = connection.GetDatabase();
        var ids = new Dictionary<string, List<string>>();
        foreach (var record in corpus.Stored)
        {
            string id = (string)(await db.StreamAddAsync(stream, record.System.ToString(), record.GetJsonBody()))!;
            if (record.Summary.Context?.ParsedKey is { } key)
            {
                (ids.TryGetValue(key.RootId, out var list) ? list : ids[key.RootId] = []).Add(id);
            }
        }

        foreach (var (root, list) in ids)
        {
            await db.ListRightPushAsync($"{stream}:task:{root}", string.Join(' ', list));
        }

        var store = new RedisRecordStore(connection, stream);
        var tree = await store.GetTaskTreeAsync(corpus.TutorialRoot);
        Assert.NotNull(tree);
        Assert.Equal(6, tree.RecordCount);
        Assert.Equal(["toplevel", "into task", "DONE toplevel"], tree.Root.Records.Select(r => r.Record.Message));

        var seen = new List<string?>();
        string? cursor = null;
        do
        {
            var page = await store.QueryAsync(new RecordQuery { Limit = 3, Cursor = cursor });
            seen.AddRange(page.Records.Select(r => r.Record.Message));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(corpus.Stored.Reverse().Select(r => r.Record.Message), seen);
    }

    [Fact]
    public async Task AScanCutShortByItsLimit_GoesOnFromTheRecordWhereItStopped_InsideAnEntry()
    {
        var corpus = await Corpus.GetAsync();
        string stream = "s" + Guid.NewGuid().ToString("N");
        await using var plugin = new RedisPlugin(Settings.Of(("url", _redis.Address), ("stream", stream)));
        await plugin.HandleAsync(corpus.Stored, CancellationToken.None); // one entry of 25 records
        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.Address);
        var store = new RedisRecordStore(connection, stream) { ScanLimit = 7 };

        // Nothing matches, so each page stops at its scan limit, in the middle of the one entry.
        var query = new RecordQuery { Text = "no-such-word-anywhere" };
        string? cursor = null;
        int pages = 0;
        do
        {
            var page = await store.QueryAsync(query with { Cursor = cursor });
            Assert.Empty(page.Records);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(4, pages); // 7 + 7 + 7 + 4 records scanned
    }

    public void Dispose() => _redis.Dispose();
}
