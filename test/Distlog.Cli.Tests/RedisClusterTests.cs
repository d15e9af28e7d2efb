using System.Text.Json;
using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Xunit;

namespace Distlog.Cli.Tests;

/// <summary>
/// The Redis store scaled out: a real three-master Redis Cluster on loopback, two distlogd writing to it (each
/// through another master) with <c>shards: 12</c>, and tasks whose records come through both. Writes spread over
/// the masters, and the viewer and <c>distlog tree</c> read whole trees.
/// </summary>
public sealed class RedisClusterTests : IDisposable
{
    private const int Tasks = 300;
    private readonly RedisCluster _cluster = new(masters: 3);
    private readonly DirectoryInfo _journal = Directory.CreateTempSubdirectory("distlog-cluster-journal-");

    [Fact]
    public async Task TwoDaemons_WritingShards_SpreadOverThreeMasters_AndEveryTreeReadsWhole()
    {
        await using var front = await StartDaemonAsync(_cluster.Nodes[0], journal: _journal.FullName);
        await using var back = await StartDaemonAsync(_cluster.Nodes[1], journal: null);

        // Each task starts in a client of the first daemon and is continued, through its foreign id, in a client of
        // the second: every tree is written by both. The first client is acknowledged (a session, and a journal in
        // distlogd), so its records go to each shard in a transaction with the shard's note of what it holds.
        var roots = new List<string>();
        using (var frontLogs = Client(front.Endpoints[0], "front", front.Control!.Endpoints[0]))
        using (var backLogs = Client(back.Endpoints[0], "back", control: null))
        {
            var orders = frontLogs.CreateLogger("Shop.Orders");
            var pricing = backLogs.CreateLogger("Shop.Pricing");
            for (int i = 0; i < Tasks; i++)
            {
                using var order = orders.BeginTask("order {Order}", null, i);
                roots.Add(order.RootId);
                orders.LogInformation("validating order {Order}", i);
                using (var call = orders.BeginSubtask("call pricing"))
                {
                    using var price = pricing.ImportTask(call.GetForeignTask(), "price order {Order}", null, i);
                    pricing.LogInformation("priced order {Order} at {Price}", i, 7.5);
                }

                order.Success("order {Order} done", i);
            }
        }

        long received = WaitForRedis(front) + WaitForRedis(back);
        AssertAcknowledged(front);
        Assert.Equal(0, received % Tasks);
        long perTask = received / Tasks;

        // Every master holds shards, none more than half of the records.
        using var connection = await ConnectionMultiplexer.ConnectAsync(_cluster.Configuration);
        var perNode = new Dictionary<string, long>();
        foreach (var server in connection.GetServers().Where(s => !s.IsReplica))
        {
            long records = 0;
            await foreach (var key in server.KeysAsync(pattern: "{distlog:*}"))
            {
                if (((string)key!).EndsWith('}'))
                {
                    records += (await connection.GetDatabase().StreamRangeAsync(key)).Sum(e => e.Values.Length);
                }
            }

            perNode[server.EndPoint.ToString()!] = records;
        }

        Assert.Equal(3, perNode.Count);
        Assert.Equal(received, perNode.Values.Sum());
        Assert.All(perNode, node => Assert.True(node.Value > 0 && node.Value <= received / 2, $"{node.Key} holds {node.Value} of {received} records: {string.Join(", ", perNode)}"));

        // The viewer (of the first daemon) reads every tree whole, with both services' records.
        using var http = new HttpClient { BaseAddress = new Uri(front.ViewerAddress!) };
        foreach (string root in roots)
        {
            using var tree = JsonDocument.Parse(await http.GetStringAsync($"/api/tree/{root}"));
            Assert.Equal(perTask, tree.RootElement.GetProperty("recordCount").GetInt64());
            Assert.Equal(["back", "front"], Services(tree.RootElement.GetProperty("root")).Distinct().Order());
        }

        // And so does distlog tree, through the third master, told nothing of the shards.
        foreach (int i in new[] { 0, Tasks / 2, Tasks - 1 })
        {
            var (code, stdout, stderr) = ChildProcess.RunProject("src/Distlog.Cli", "Distlog.Cli", "tree", roots[i], "--redis", _cluster.Nodes[2], "--color", "never");
            Assert.True(code == 0, stderr);
            Assert.Contains($"order {i} done", stdout, StringComparison.Ordinal);
            Assert.Contains($"priced order {i} at 7.5", stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("missing", stdout, StringComparison.OrdinalIgnoreCase);
        }

        // The task list merges the shards: every task, newest first.
        using var list = JsonDocument.Parse(await http.GetStringAsync($"/api/tasks?limit={Tasks}"));
        Assert.Equal(roots.AsEnumerable().Reverse(), list.RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("rootId").GetString()));
    }

    /// <summary>The services of a tree's scopes, from the API's answer.</summary>
    private static IEnumerable<string?> Services(JsonElement scope) =>
        scope.GetProperty("services").EnumerateArray().Select(s => s.GetString())
            .Concat(scope.GetProperty("items").EnumerateArray().Where(i => i.TryGetProperty("scope", out _)).SelectMany(i => Services(i.GetProperty("scope"))));

    private static async Task<DaemonHost> StartDaemonAsync(string redis, string? journal)
    {
        var config = ConfigLoader.Parse(
            $"""
            listen: tcp://127.0.0.1:*
            control: {(journal is null ? "off" : "tcp://127.0.0.1:*")}
            journal: {(journal is null ? "off" : $"{{path: {journal}}}")}
            stats_interval: 0s
            stats_endpoint: off
            viewer: http://127.0.0.1:0
            plugins:
              - type: redis
                url: {redis}
                shards: 12
            """,
            "cluster.yaml");
        var host = new DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)));
        await host.StartAsync();
        return host;
    }

    private static ILoggerFactory Client(string endpoint, string service, string? control) => LoggerFactory.Create(b => b
        .AddDistlog(endpoint, o => { o.ServiceName = service; o.FlushTimeout = TimeSpan.FromSeconds(30); o.ControlEndpoint = control ?? "off"; })
        .SetMinimumLevel(LogLevel.Information));

    /// <summary>Waits until the daemon's Redis plugin has written all it received; how many records that is.</summary>
    private static long WaitForRedis(DaemonHost daemon)
    {
        Wait.Until(
            () => daemon.Statistics is var s && s.Plugins[0] is var p && p.Handled == s.Records && p.QueueDepth == 0,
            () => $"distlogd to write what it received to the cluster: {daemon.Statistics}");
        var stats = daemon.Statistics;
        Assert.Equal(0, stats.Plugins[0].Failed + stats.Plugins[0].Dropped);
        return stats.Records;
    }

    /// <summary>The acknowledged client's records were stamped: distlogd acknowledged its messages.</summary>
    private static void AssertAcknowledged(DaemonHost daemon) =>
        Assert.True(daemon.Statistics.Acknowledged > 0, $"no message of the front's client was acknowledged: {daemon.Statistics}");

    public void Dispose()
    {
        _cluster.Dispose();
        _journal.Delete(recursive: true);
    }
}
