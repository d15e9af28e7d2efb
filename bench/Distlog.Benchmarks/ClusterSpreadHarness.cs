using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Tests.Shared;
using StackExchange.Redis;

namespace Distlog.Benchmarks;

/// <summary>
/// The Redis store on a real three-master Redis Cluster (three <c>redis-server --cluster-enabled yes</c> on loopback,
/// joined by <c>redis-cli --cluster create</c>): <paramref name="tasks"/> tasks of 20 records written by the plugin
/// with <c>shards: 1</c> and with <c>shards: 12</c>, and how the records spread over the masters, with the rate of
/// each (the three masters share this machine's two cores, so the rate says little about a real cluster).
/// </summary>
internal static class ClusterSpreadHarness
{
    public static int Run(int tasks)
    {
        using var cluster = new RedisCluster(masters: 3);
        var batches = Records(tasks).Chunk(1000).ToList();
        int records = batches.Sum(b => b.Length);
        Console.WriteLine($"{tasks:N0} tasks, {records:N0} records, one plugin, batches of 1000");
        Console.WriteLine("| shards | records/s | records on each master | largest share |");
        Console.WriteLine("|---:|---:|---|---:|");
        double largest = double.NaN;
        foreach (int shards in (int[])[1, 12])
        {
            string stream = $"spread{shards}";
            var plugin = new Distlog.Plugins.Redis.RedisPlugin(new PluginSettings("bench", 1, new Dictionary<string, (string?, int)>
            {
                ["url"] = (cluster.Configuration, 1),
                ["stream"] = (stream, 1),
                ["shards"] = (shards.ToString(CultureInfo.InvariantCulture), 1),
                ["max_length"] = ("0", 1),
            }));
            try
            {
                var clock = Stopwatch.StartNew();
                foreach (var batch in batches)
                {
                    plugin.HandleAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
                }

                double rate = records / clock.Elapsed.TotalSeconds;
                var perNode = PerMaster(cluster, stream);
                double share = (double)perNode.Max() / records;
                largest = shards > 1 ? share : largest;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {shards} | {rate:N0} | {string.Join(", ", perNode.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} | {share:P0} |"));
            }
            finally
            {
                plugin.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        BenchSummary.Report(
            $"Redis Cluster, 3 masters, shards: 12: the largest master's share of {records:N0} records of {tasks} tasks",
            largest.ToString("P0", CultureInfo.InvariantCulture),
            "shards: 1 puts 100% on one master",
            largest.ToString("P0", CultureInfo.InvariantCulture),
            "≤ 50%",
            double.IsNaN(largest) ? null : largest <= 0.5);
        return 0;
    }

    /// <summary>Records held by each master: the entries' pairs of every stream of <paramref name="stream"/> on it.</summary>
    private static List<long> PerMaster(RedisCluster cluster, string stream)
    {
        using var connection = ConnectionMultiplexer.Connect(cluster.Configuration);
        var result = new List<long>();
        foreach (var server in connection.GetServers().Where(s => !s.IsReplica).OrderBy(s => s.EndPoint.ToString(), StringComparer.Ordinal))
        {
            long count = 0;
            foreach (var key in server.Keys(pattern: stream + "*").Concat(server.Keys(pattern: "{" + stream + ":*")))
            {
                if (((string)key!) is var name && (name == stream || (name.StartsWith('{') && name.EndsWith('}'))))
                {
                    count += connection.GetDatabase().StreamRange(key).Sum(e => (long)e.Values.Length);
                }
            }

            result.Add(count);
        }

        return result;
    }

    /// <summary>Tasks of 20 records (enter, 18 logs, exit), as received.</summary>
    private static IEnumerable<ReceivedRecord> Records(int tasks)
    {
        var buffer = new ArrayBufferWriter<byte>();
        for (int t = 0; t < tasks; t++)
        {
            string root = Guid.NewGuid().ToString();
            for (int seq = 0; seq < 20; seq++)
            {
                var record = new LogRecord
                {
                    Name = "Shop.Orders",
                    Msg = "request {Id} served",
                    Message = $"request {t} served",
                    LevelNo = Levels.Info,
                    LevelName = "INFO",
                    Created = 1_764_072_000 + t + (seq / 100.0),
                    Hostname = "web-1",
                    Service = "shop",
                    Context = new RecordContext(TaskKey.Format(seq, root), []),
                };
                buffer.ResetWrittenCount();
                JsonRecordCodec.Default.Encode(record, buffer);
                byte[] body = buffer.WrittenSpan.ToArray();
                yield return new ReceivedRecord('P', JsonRecordCodec.Scan(body), body, Topic.EncodingJson, DateTimeOffset.UtcNow);
            }
        }
    }
}
