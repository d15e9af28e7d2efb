using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Distlog.Daemon;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace Distlog.Benchmarks;

/// <summary>
/// Acknowledged delivery at scale, with a real distlogd process and the client in this one:
/// <list type="bullet">
/// <item><c>crash</c>: distlogd, writing SQLite, is killed with SIGKILL five times at random moments while the client
/// logs as fast as it can, and started again each time on the same journal and store; then the store is counted.</item>
/// <item><c>overload</c>: the client logs as fast as it can into distlogd writing a file and SQLite (slower than the
/// receiver, SQLite by far); then every plugin's counters and the store are counted.</item>
/// <item><c>latency</c>: records logged at 10,000 a second reach a subscriber of distlogd's publish plugin; the time
/// from each record's creation to its arrival, at most once and acknowledged (journal, <c>sync: 10ms</c>), in turns.</item>
/// </list>
/// Both print counts, not a verdict: total = distinct = sent, and nothing dropped, is what acknowledged delivery promises.
/// </summary>
internal static partial class DeliveryHarness
{
    public static int Run(string mode, int records)
    {
        string dir = Directory.CreateTempSubdirectory("distlog-delivery-bench-").FullName;
        try
        {
            return mode switch
            {
                "crash" => Crash(dir, records),
                "overload" => Overload(dir, records),
                "latency" => Latency(dir, records),
                _ => Usage(),
            };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: delivery crash|overload|latency [records]");
        return 2;
    }

    private static int Crash(string dir, int records)
    {
        var daemon = Daemon.Start(dir, withFile: false);
        var clock = Stopwatch.StartNew();
        var provider = Client(daemon);
        var random = new Random(20261204);
        var sender = Task.Run(() => Log(provider, records));
        var kills = new List<string>();
        for (int kill = 0; kill < 5 && !sender.IsCompleted; kill++)
        {
            // A moment at random while records flow: this chooses when to kill, it waits for nothing.
            Thread.Sleep(TimeSpan.FromMilliseconds(random.Next(1000, 4000)));
            kills.Add($"{clock.Elapsed.TotalSeconds:0.0} s (stored so far: {Stored(dir).Total:N0})");
            daemon.Kill();
            daemon = Daemon.Start(dir, withFile: false, daemon);
        }

        sender.GetAwaiter().GetResult();
        provider.Dispose(); // waits for the last acknowledgements
        var client = provider.Statistics;
        bool complete = Wait.For(() => Stored(dir).Total >= records, TimeSpan.FromMinutes(5));
        var (total, distinct, numbers) = Stored(dir);
        Console.WriteLine($"distlogd killed with SIGKILL at {string.Join(", ", kills)}");
        Console.WriteLine($"| sent (Log calls) | client dropped | client resent | stored | distinct deliveries | distinct record numbers | seconds |");
        Console.WriteLine($"|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {records:N0} | {client.Dropped:N0} | {client.Resent:N0} | {total:N0} | {distinct:N0} | {numbers:N0} | {clock.Elapsed.TotalSeconds:0.0} |");
        daemon.Kill();
        return complete && total == records && distinct == records && numbers == records && client.Dropped == 0 ? 0 : 1;
    }

    private static int Overload(string dir, int records)
    {
        var daemon = Daemon.Start(dir, withFile: true);
        var clock = Stopwatch.StartNew();
        var provider = Client(daemon);
        var sender = Task.Run(() => Log(provider, records));
        long maxJournal = 0, maxLag = 0;
        while (!sender.IsCompleted)
        {
            if (daemon.Stats() is { } stats)
            {
                maxJournal = Math.Max(maxJournal, stats.GetProperty("journal_bytes").GetInt64());
                maxLag = Math.Max(maxLag, stats.GetProperty("plugins").EnumerateArray().Max(p => p.GetProperty("lag").GetInt64()));
            }

            sender.Wait(TimeSpan.FromMilliseconds(500));
        }

        double sendSeconds = clock.Elapsed.TotalSeconds;
        provider.Dispose();
        var client = provider.Statistics;
        bool complete = Wait.For(() => daemon.Stats() is { } s && s.GetProperty("plugins").EnumerateArray().All(p => p.GetProperty("handled").GetInt64() >= records), TimeSpan.FromMinutes(10));
        double allSeconds = clock.Elapsed.TotalSeconds;
        var final = daemon.Stats()!.Value;
        var (total, distinct, numbers) = Stored(dir);
        Console.WriteLine($"client: {records:N0} Log calls in {sendSeconds:0.0} s ({records / sendSeconds:N0}/s), dropped {client.Dropped:N0}; every plugin done after {allSeconds:0.0} s; journal at most {maxJournal / (1024 * 1024):N0} MiB; a plugin at most {maxLag:N0} records behind");
        Console.WriteLine("| plugin | matched | handled | dropped | failed | fell behind (times) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var p in final.GetProperty("plugins").EnumerateArray())
        {
            Console.WriteLine($"| {p.GetProperty("name").GetString()} | {p.GetProperty("matched").GetInt64():N0} | {p.GetProperty("handled").GetInt64():N0} | {p.GetProperty("dropped").GetInt64():N0} | {p.GetProperty("failed").GetInt64():N0} | {p.GetProperty("fell_behind").GetInt64():N0} |");
        }

        Console.WriteLine($"SQLite: {total:N0} stored, {distinct:N0} distinct deliveries, {numbers:N0} distinct record numbers");
        daemon.Kill();
        bool dropped = final.GetProperty("plugins").EnumerateArray().Any(p => p.GetProperty("dropped").GetInt64() > 0);
        return complete && !dropped && client.Dropped == 0 && distinct == records ? 0 : 1;
    }

    private static int Latency(string dir, int records)
    {
        const int Rounds = 3;
        var results = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
        for (int round = 0; round < Rounds; round++)
        {
            foreach (bool acknowledged in new[] { false, true })
            {
                string roundDir = Directory.CreateDirectory(Path.Combine(dir, $"{round}-{acknowledged}")).FullName;
                var daemon = Daemon.Start(roundDir, withFile: false, publish: true, acknowledged: acknowledged);
                try
                {
                    results[acknowledged].AddRange(Latencies(daemon, records));
                }
                finally
                {
                    daemon.Kill();
                }
            }
        }

        Console.WriteLine($"{records:N0} records a round at 10,000/s, {Rounds} rounds a path; milliseconds from a record's creation to its arrival at a subscriber of distlogd's publish plugin");
        Console.WriteLine("| path | p50 | p99 | max | records |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (acknowledged, values) in results)
        {
            values.Sort();
            Console.WriteLine($"| {(acknowledged ? "acknowledged (journal, sync: 10ms)" : "at most once")} | {Percentile(values, 0.50):0.0} | {Percentile(values, 0.99):0.0} | {values[^1]:0.0} | {values.Count:N0} |");
        }

        Console.WriteLine($"added p99: {Percentile(results[true], 0.99) - Percentile(results[false], 0.99):0.0} ms");
        return 0;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];

    /// <summary>Logs <paramref name="records"/> records at 10,000 a second; each one's latency to the subscriber, in ms.</summary>
    private static List<double> Latencies(Daemon daemon, int records)
    {
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        using var subscriber = new NetMQ.Sockets.SubscriberSocket();
        subscriber.Connect(daemon.Publish!);
        subscriber.SubscribeToAnyTopic();
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            var frames = new List<byte[]>();
            while (!stop.IsCancellationRequested)
            {
                if (!NetMQ.ReceivingSocketExtensions.TryReceiveMultipartBytes(subscriber, TimeSpan.FromMilliseconds(100), ref frames!) || frames.Count < 2)
                {
                    continue;
                }

                double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
                var record = Protocol.JsonRecordCodec.Default.Decode(frames[1]);
                if (record.Message?.StartsWith("lat ", StringComparison.Ordinal) == true)
                {
                    latencies.Add((now - record.Created) * 1000);
                }
            }
        });

        // The subscription takes a moment to reach the publisher: records before it would be missed, not late.
        Thread.Sleep(500);
        using (var provider = new DistlogLoggerProvider(new DistlogOptions
        {
            Endpoint = daemon.Endpoint,
            ControlEndpoint = daemon.Control ?? "off",
            ServiceName = "latency-bench",
            SelfLog = null,
        }))
        using (var factory = LoggerFactory.Create(b => b.AddProvider(provider)))
        {
            var logger = factory.CreateLogger("Latency");
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < records; i++)
            {
                logger.LogInformation("lat {N}", i);
                double due = (i + 1) / 10_000.0;
                if (clock.Elapsed.TotalSeconds < due)
                {
                    Thread.Sleep(TimeSpan.FromSeconds(due - clock.Elapsed.TotalSeconds)); // pacing the log calls
                }
            }
        }

        Wait.For(() => latencies.Count >= records, TimeSpan.FromSeconds(30));
        stop.Cancel();
        reader.Wait();
        return [.. latencies];
    }

    /// <summary>A client that blocks rather than drops (30 s at most), with acknowledgements.</summary>
    private static DistlogLoggerProvider Client(Daemon daemon) => new(new DistlogOptions
    {
        Endpoint = daemon.Endpoint,
        ControlEndpoint = daemon.Control ?? "off",
        ServiceName = "delivery-bench",
        QueueCapacity = 8192,
        Overflow = OverflowPolicy.Block,
        BlockTimeout = TimeSpan.FromSeconds(30),
        FlushTimeout = TimeSpan.FromMinutes(2),
        SelfLog = null,
    });

    private static void Log(DistlogLoggerProvider provider, int records)
    {
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
        var logger = factory.CreateLogger("Delivery");
        for (int i = 0; i < records; i++)
        {
            logger.LogInformation("record {N}", i);
        }
    }

    private static (long Total, long Distinct, long Numbers) Stored(string dir) => StoredRecords.Count(Path.Combine(dir, "store.db"));

    /// <summary>distlogd as its own process; started again on the same endpoints and folder after a kill.</summary>
    private sealed partial class Daemon
    {
        private readonly Process _process;

        private Daemon(Process process, string endpoint, string? control, string stats)
        {
            _process = process;
            Endpoint = endpoint;
            Control = control;
            StatsEndpoint = stats;
        }

        public string Endpoint { get; }

        /// <summary>The sessions' endpoint; null when the daemon has none (at most once).</summary>
        public string? Control { get; }

        public string StatsEndpoint { get; }

        public string? Publish { get; private init; }

        public static Daemon Start(string dir, bool withFile, Daemon? previous = null, bool publish = false, bool acknowledged = true)
        {
            string config = Path.Combine(dir, "distlogd.yaml");
            string? published = publish ? $"tcp://127.0.0.1:{FreePort()}" : null;
            string plugins = publish
                ? $"  - type: publish\n    endpoint: {published}"
                : $"  - type: sqlite\n    path: {dir}/store.db\n    max_size: 8G" +
                  (withFile ? $"\n  - type: file\n    path: {dir}/out.jsonl\n    max_bytes: 512M\n    keep: 0\n    queue: 10000" : string.Empty);
            File.WriteAllText(config, $"""
                listen: {previous?.Endpoint ?? "tcp://127.0.0.1:*"}
                control: {(acknowledged ? previous?.Control ?? "tcp://127.0.0.1:*" : "off")}
                journal: {(acknowledged ? $"{{path: {dir}/journal, sync: 10ms}}" : "off")}
                stats_interval: 0s
                stats_endpoint: {previous?.StatsEndpoint ?? "tcp://127.0.0.1:*"}
                viewer: off
                plugins:
                {plugins}
                """);
            var (process, summary) = DistlogdLauncher.Start(config, line =>
            {
                if (!line.StartsWith("info", StringComparison.Ordinal))
                {
                    Console.Error.WriteLine("distlogd: " + line);
                }
            });
            return new Daemon(process,
                Listen().Match(summary).Groups[1].Value,
                Sessions().Match(summary) is { Success: true } sessions ? sessions.Groups[1].Value : null,
                StatsAt().Match(summary).Groups[1].Value)
            { Publish = published };
        }

        private static int FreePort()
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        public JsonElement? Stats()
        {
            string? reply = StatsServer.Query(StatsEndpoint, TimeSpan.FromSeconds(2));
            return reply is null ? null : JsonDocument.Parse(reply).RootElement.Clone();
        }

        /// <summary>SIGKILL, and waits for it to be gone.</summary>
        public void Kill()
        {
            _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
        }

        [GeneratedRegex(@"listening on (\S+?);")]
        private static partial Regex Listen();

        [GeneratedRegex(@"sessions and level rules on (\S+?);")]
        private static partial Regex Sessions();

        [GeneratedRegex(@"--endpoint (\S+)")]
        private static partial Regex StatsAt();
    }
}
