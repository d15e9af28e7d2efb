using Distlog.Plugins.Redis;
using Distlog.Storage.Tests.Support;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Xunit;

namespace Distlog.Storage.Tests;

/// <summary>
/// Redis stops in the middle of a stream of records and starts again: the daemon holds what it received in the
/// redis plugin's queue and writes it once Redis is back; without a journal, what overflows the queue is dropped and
/// counted; with one, the plugin falls behind on disk and nothing is dropped.
/// </summary>
public sealed class RedisRestartTests : IDisposable
{
    private readonly RedisServer _redis = new();
    private readonly string _journal = Directory.CreateTempSubdirectory("distlog-redis-journal-").FullName;

    [Fact]
    public async Task RedisDownLongerThanItsQueueHolds_WithTheJournal_EveryRecordIsStored_NoneDropped()
    {
        const int Before = 1000, Total = 200_000;
        await using var daemon = await TestDaemon.StartAsync(
            $"""
              - type: redis
                url: {_redis.Address}
                stream: outage
                queue: 10000
            """,
            journal: _journal);
        var provider = new DistlogLoggerProvider(new DistlogOptions
        {
            Endpoint = daemon.Endpoints[0],
            ControlEndpoint = daemon.Control!.Endpoints[0],
            ServiceName = "outage",
            Overflow = OverflowPolicy.Block,
            FlushTimeout = TimeSpan.FromSeconds(60),
        });
        using (var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Information)))
        {
            var logger = factory.CreateLogger("Outage");
            for (int i = 0; i < Before; i++)
            {
                logger.LogInformation("record {Number}", i);
            }

            daemon.WaitForPlugin("redis", Before);
            _redis.Stop();
            for (int i = Before; i < Total; i++)
            {
                logger.LogInformation("record {Number}", i);
            }

            // 199,000 records against a queue of 10,000: the plugin falls behind on the journal while Redis is away.
            Wait.Until(() => daemon.Statistics.Records >= Total && daemon.Statistics.Plugins[0].FellBehind > 0, () => $"the daemon to receive everything while Redis is down: {daemon.Statistics.Plugins[0]}", TimeSpan.FromSeconds(60));
            Assert.True(daemon.Statistics.Plugins[0].LagRecords > 100_000, $"the lag shows: {daemon.Statistics.Plugins[0]}");
            _redis.Start();
            Wait.Until(() => daemon.Statistics.Plugins[0] is { LagRecords: 0 } s && s.Handled >= Total, () => $"the plugin to catch up: {daemon.Statistics.Plugins[0]}", TimeSpan.FromSeconds(120));
        }

        var stats = daemon.Statistics.Plugins[0];
        Assert.True((stats.Dropped, stats.Failed, provider.Statistics.Dropped) == (0, 0, 0), $"nothing dropped: {stats}; client: {provider.Statistics}");
        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.Address);
        var entries = await connection.GetDatabase().StreamRangeAsync("outage");
        var numbers = entries.SelectMany(RedisLayoutProbe.Messages).Select(m => int.Parse(m.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        Assert.Equal(Total, numbers.Count);
    }


    [Fact]
    public async Task RedisRestart_WithRoomInTheQueue_LosesNothing()
    {
        var (stored, stats) = await RunAsync(queue: 100_000, before: 1000, during: 3000);

        Assert.Equal(0, stats.Dropped);
        Assert.Equal(0, stats.Failed);
        Assert.True(stats.Retries > 0, "the plugin noticed the outage");
        Assert.Equal(4000, stored.Count);
        Assert.Equal(Enumerable.Range(0, 4000).Select(i => $"record {i}"), stored.Order().Select(i => $"record {i}"));
    }

    [Fact]
    public async Task RedisRestart_BeyondTheQueue_StoresWhatFitAndCountsTheRestAsDropped()
    {
        // Fewer records before the outage than the queue holds, so the only overflow is the outage's.
        var (stored, stats) = await RunAsync(queue: 500, before: 200, during: 3000);

        Assert.True(stats.Dropped > 0, "the queue overflowed");
        Assert.Equal(0, stats.Failed);
        Assert.Equal(3200, stored.Count + stats.Dropped);
        Assert.True(stored.Count >= 500, $"the queue's worth was kept: {stored.Count}");
        Assert.All(Enumerable.Range(0, 200), i => Assert.Contains(i, stored)); // everything from before the outage
    }

    /// <summary>Sends <paramref name="before"/> records, stops Redis, sends <paramref name="during"/> more, starts
    /// Redis again, and returns the distinct record numbers in the stream with the plugin's counters.</summary>
    private async Task<(HashSet<int> Stored, Daemon.Pipeline.PluginStatistics Stats)> RunAsync(int queue, int before, int during)
    {
        int total = before + during;
        await using var daemon = await TestDaemon.StartAsync($"""
              - type: redis
                url: {_redis.Address}
                stream: restart
                queue: {queue}
                batch: 100
            """);
        using var factory = LoggerFactory.Create(b => b
            .AddDistlog(daemon.Endpoints[0], o => { o.ServiceName = "restart"; o.FlushTimeout = TimeSpan.FromSeconds(30); TestClient.AtMostOnce(o); })
            .SetMinimumLevel(LogLevel.Information));
        var logger = factory.CreateLogger("Restart");
        for (int i = 0; i < before; i++)
        {
            logger.LogInformation("record {Number}", i);
        }

        daemon.WaitForPlugin("redis", before);
        _redis.Stop();

        for (int i = before; i < total; i++)
        {
            logger.LogInformation("record {Number}", i);
        }

        // Every record has reached the daemon, and the plugin has met the outage, before Redis comes back.
        Wait.Until(() => daemon.Statistics.Records >= total && daemon.Statistics.Plugins[0].Retries > 0, () => "the daemon to receive everything while Redis is down");
        _redis.Start();
        var stats = daemon.WaitForPlugin("redis", total, TimeSpan.FromSeconds(60));

        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.Address);
        var entries = await connection.GetDatabase().StreamRangeAsync("restart");
        var numbers = entries.SelectMany(RedisLayoutProbe.Messages).Select(m => int.Parse(m.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        return (numbers, stats);
    }

    public void Dispose()
    {
        _redis.Dispose();
        Directory.Delete(_journal, recursive: true);
    }
}
