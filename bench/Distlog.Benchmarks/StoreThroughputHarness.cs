using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Protocol;
using Distlog.Store.Sqlite;
using Distlog.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Distlog.Benchmarks;

/// <summary>
/// Each store fed by the daemon (pre-encoded batches over PUSH → distlogd → store plugin) beside the store's own
/// raw rate for the same records, measured in the same run: SQLite bulk insert of the same rows into the same
/// schema, and pipelined XADD of the same bodies (through StackExchange.Redis, and by redis-benchmark itself).
/// Records: 20 a task (enter, 18 logs, exit) with context data, about 600 bytes of JSON each. Beside each rate, the
/// processor time per record of this process and the store's server (redis-server; SQLite runs in this process).
/// </summary>
internal static class StoreThroughputHarness
{
    private const int PerBatch = 100;

    private const int Rounds = 5;

    /// <summary>The server process of the store being measured, whose processor time counts with this one's.</summary>
    private static Process? s_server;

    /// <param name="records">Records per case.</param>
    /// <param name="only">When given, only the stores whose name contains this text run ("sqlite", "redis").</param>
    public static int Run(int records, string? only = null)
    {
        records -= records % PerBatch;
        var bodies = MakeRecords(records);
        var warmup = bodies.Take(Math.Max(PerBatch, records / 4 / PerBatch * PerBatch)).ToList();
        Console.WriteLine($"records per case: {records:N0}; {bodies.Average(b => b.Length):N0} bytes of JSON each; cores: {Environment.ProcessorCount}; " +
            $"{Rounds} rounds after a warm-up round, each taking the ways in turn; rates and CPU are medians of the rounds, ratios the median of each round's ratio");
        Console.WriteLine("| store | raw rate, records/s | plugin alone, records/s (/ raw) | plugin fed by distlogd, records/s | fed / raw | fed / raw, each round | CPU µs per record: raw, alone, fed |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|---:|");
        if (only is null || "sqlite".Contains(only, StringComparison.OrdinalIgnoreCase))
        {
            Sqlite(bodies, warmup);
        }

        if (only is null || "redis".Contains(only, StringComparison.OrdinalIgnoreCase))
        {
            Redis(bodies, warmup);
        }

        return 0;
    }

    /// <summary>Each round's records/s and processor microseconds per record, of each way.</summary>
    private sealed record Figures(List<(double Rate, double Cpu)> Raw, List<(double Rate, double Cpu)> Alone, List<(double Rate, double Cpu)> Fed, List<(double Rate, double Cpu)> SecondRaw);

    /// <summary>A warm-up round of every way, then <see cref="Rounds"/> rounds taking turns (so that each round's
    /// ways meet the same moment of a noisy machine).</summary>
    private static Figures Measure(
        Func<List<byte[]>, int, (double, double)> raw, Func<int, Plugins.IDistlogPlugin> alone, Func<List<byte[]>, int, (double, double)> plugin, List<byte[]> bodies, List<byte[]> warmup,
        Func<List<byte[]>, int, (double, double)>? secondRaw = null)
    {
        raw(warmup, -1);
        secondRaw?.Invoke(warmup, -1);
        PluginAlone(alone(-1), warmup);
        plugin(warmup, -2);
        var figures = new Figures([], [], [], []);
        for (int round = 0; round < Rounds; round++)
        {
            figures.Raw.Add(raw(bodies, round));
            figures.SecondRaw.Add(secondRaw?.Invoke(bodies, round) ?? (double.NaN, double.NaN));
            figures.Alone.Add(PluginAlone(alone(round), bodies));
            figures.Fed.Add(plugin(bodies, round));
        }

        return figures;
    }

    /// <summary>The plugin handed the decoded records in batches of 1000 directly, without the daemon: what the
    /// plugin costs by itself.</summary>
    private static (double Rate, double Cpu) PluginAlone(Plugins.IDistlogPlugin plugin, List<byte[]> bodies)
    {
        var now = DateTimeOffset.UtcNow;
        var records = bodies.Select(b => new Plugins.ReceivedRecord('P', JsonRecordCodec.Default.Decode(b), now) { Body = b, Encoding = Topic.EncodingJson }).ToList();
        try
        {
            var clock = RunClock.Start(s_server);
            foreach (var chunk in records.Chunk(1000))
            {
                plugin.HandleAsync(chunk, CancellationToken.None).GetAwaiter().GetResult();
            }

            return clock.Stop(records.Count);
        }
        finally
        {
            plugin.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static void Sqlite(List<byte[]> bodies, List<byte[]> warmup)
    {
        string dir = Directory.CreateTempSubdirectory("store-bench-").FullName;
        try
        {
            var figures = Measure(
                (b, round) => SqliteRaw(Path.Combine(dir, $"raw{round}.db"), b),
                round => new SqlitePlugin(Settings(("path", $"{dir}/alone{round}.db"), ("max_size", "0"), ("max_age", "0"))),
                (b, round) => ThroughDaemon($"  - type: sqlite\n    path: {dir}/plugin{round}.db\n    max_size: 0\n    max_age: 0", b),
                bodies,
                warmup);
            Report("SQLite (WAL, FTS5, 4 indexes)", figures, "SQLite fed by distlogd / its raw bulk insert of the same rows");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Redis(List<byte[]> bodies, List<byte[]> warmup)
    {
        if (!File.Exists("/usr/bin/redis-server"))
        {
            Console.WriteLine("| Redis (not installed: apt-get install redis-server) | — | — | — | — | — |");
            return;
        }

        int port = FreePort();
        string dir = Directory.CreateTempSubdirectory("redis-bench-").FullName;
        var start = new ProcessStartInfo("/usr/bin/redis-server") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string arg in (string[])["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir])
        {
            start.ArgumentList.Add(arg);
        }

        using var server = Process.Start(start)!;
        try
        {
            while (server.StandardOutput.ReadLine() is { } line && !line.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
            }

            string address = $"127.0.0.1:{port}";
            s_server = server;
            var figures = Measure(
                (b, round) => RedisRaw(address, $"raw{round}", b),
                round => new Distlog.Plugins.Redis.RedisPlugin(Settings(("url", address), ("stream", $"alone{round}"), ("max_length", "0"))),
                (b, round) => ThroughDaemon($"  - type: redis\n    url: {address}\n    stream: plugin{round}\n    max_length: 0", b),
                bodies,
                warmup,
                (b, round) => RedisRawEntries(address, $"rawentries{round}", b));
            Report("Redis (XADD of up to 64 records an entry + per-task index); raw: pipelined XADD of the same records, one an entry, same client", figures);
            Report("Redis; raw: redis-benchmark -P 100 XADD (one body an entry, no client of ours; run once, after the rounds)", figures with { Raw = [(RedisBenchmark(port, bodies), double.NaN)] });
            Report("Redis; raw: pipelined XADD of the entries the plugin writes (up to 64 records, 32 KiB), same client, no index", figures with { Raw = figures.SecondRaw },
                "Redis fed by distlogd / pipelined XADD of the plugin's own entries");
        }
        finally
        {
            s_server = null;
            server.Kill();
            server.WaitForExit();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The same rows into the same schema with one prepared statement, 1000 rows a transaction; the
    /// values are taken from the records before the clock starts.</summary>
    private static (double Rate, double Cpu) SqliteRaw(string path, List<byte[]> bodies)
    {
        var rows = bodies.Select(b => (Record: JsonRecordCodec.Default.Decode(b), Json: Encoding.UTF8.GetString(b))).ToList();
        using var connection = SqliteSchema.OpenForWriting(path);
        using var insert = connection.CreateCommand();
        insert.CommandText = SqliteSchema.Insert;
        string[] names = ["$created", "$received", "$level", "$logger", "$system", "$hostname", "$service", "$message", "$root_id", "$scope_id", "$seq", "$keep", "$body", "$delivery"];
        foreach (string name in names)
        {
            insert.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        insert.Prepare();
        double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var clock = RunClock.Start();
        foreach (var chunk in rows.Chunk(1000))
        {
            using var transaction = connection.BeginTransaction();
            insert.Transaction = transaction;
            foreach (var (r, json) in chunk)
            {
                var key = r.Context!.ParsedKey!.Value;
                var p = insert.Parameters;
                p[0].Value = r.Created;
                p[1].Value = now;
                p[2].Value = r.LevelNo;
                p[3].Value = r.Name;
                p[4].Value = "P";
                p[5].Value = r.Hostname;
                p[6].Value = r.Service;
                p[7].Value = r.Message;
                p[8].Value = key.RootId;
                p[9].Value = key.ScopeId;
                p[10].Value = key.Seq;
                p[11].Value = 0;
                p[12].Value = json;
                p[13].Value = DBNull.Value;
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        return clock.Stop(bodies.Count);
    }

    /// <summary>XADD of the same bodies, pipelined 1000 at a time, as the plugin sends a batch.</summary>
    private static (double Rate, double Cpu) RedisRaw(string address, string stream, List<byte[]> bodies)
    {
        using var connection = ConnectionMultiplexer.Connect(address);
        var db = connection.GetDatabase();
        var clock = RunClock.Start(s_server);
        foreach (var chunk in bodies.Chunk(1000))
        {
            var pending = chunk.Select(b => db.StreamAddAsync(stream, "P", b)).ToArray();
            Task.WaitAll(pending);
        }

        return clock.Stop(bodies.Count);
    }

    /// <summary>XADD of the same bodies grouped as the plugin groups them (up to 64 records and 32 KiB an entry),
    /// pipelined 1000 records at a time: what Redis takes in the plugin's layout, without its per-task index.</summary>
    private static (double Rate, double Cpu) RedisRawEntries(string address, string stream, List<byte[]> bodies)
    {
        var entries = new List<NameValueEntry[]>();
        var current = new List<NameValueEntry>();
        int bytes = 0;
        foreach (var body in bodies)
        {
            if (Distlog.Plugins.Redis.RedisPlugin.IsEntryFull(current.Count, bytes, body.Length, Distlog.Plugins.Redis.RedisPlugin.DefaultRecordsPerEntry))
            {
                entries.Add([.. current]);
                current.Clear();
                bytes = 0;
            }

            current.Add(new NameValueEntry("P", body));
            bytes += body.Length;
        }

        entries.Add([.. current]);
        using var connection = ConnectionMultiplexer.Connect(address);
        var db = connection.GetDatabase();
        int perWait = Math.Max(1, 1000 / entries[0].Length);
        var clock = RunClock.Start(s_server);
        foreach (var chunk in entries.Chunk(perWait))
        {
            var pending = chunk.Select(e => db.StreamAddAsync(stream, e)).ToArray();
            Task.WaitAll(pending);
        }

        return clock.Stop(bodies.Count);
    }

    private static double RedisBenchmark(int port, List<byte[]> bodies)
    {
        var start = new ProcessStartInfo("redis-benchmark") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])["-p", port.ToString(CultureInfo.InvariantCulture), "-n", bodies.Count.ToString(CultureInfo.InvariantCulture), "-P", "100", "-q",
            "XADD", "bench", "*", "P", Encoding.UTF8.GetString(bodies[1])])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        // "XADD bench * s P r {...}: 123456.79 requests per second, p50=..."
        int per = output.LastIndexOf(" requests per second", StringComparison.Ordinal);
        int colon = output.LastIndexOf(": ", per, StringComparison.Ordinal);
        return per > 0 && colon > 0 && double.TryParse(output[(colon + 2)..per], NumberStyles.Float, CultureInfo.InvariantCulture, out double rate) ? rate : double.NaN;
    }

    /// <summary>Pre-encoded batches over PUSH into a daemon whose only plugin is the store; records/s from the
    /// first send until the plugin has handled them all.</summary>
    private static (double Rate, double Cpu) ThroughDaemon(string pluginYaml, List<byte[]> bodies)
    {
        var batches = bodies.Chunk(PerBatch).Select(chunk =>
        {
            var buffer = new ArrayBufferWriter<byte>();
            foreach (var body in chunk)
            {
                BatchFormat.WriteLength(buffer.GetSpan(4), body.Length);
                buffer.Advance(4);
                buffer.Write(body);
            }

            return buffer.WrittenSpan.ToArray();
        }).ToList();
        var config = ConfigLoader.Parse($"""
            listen: tcp://127.0.0.1:*
            stats_interval: 0s
            stats_endpoint: off
            control: off
            plugins:
            {pluginYaml}
                queue: 2000000
                batch: 1000
            """, "bench");
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        var daemon = new DaemonHost(config, loggers);
        daemon.StartAsync().GetAwaiter().GetResult();
        try
        {
            var clock = RunClock.Start(s_server);
            using (var push = new NetMQ.Sockets.PushSocket())
            {
                push.Options.SendHighWatermark = 1000;
                push.Options.Linger = TimeSpan.FromSeconds(30);
                push.Connect(daemon.Endpoints[0]);
                foreach (var batch in batches)
                {
                    NetMQ.OutgoingSocketExtensions.SendMoreFrame(push, "PBJ"u8.ToArray());
                    NetMQ.OutgoingSocketExtensions.SendFrame(push, batch);
                }

                bool done = Wait.For(() => daemon.Statistics.Plugins[0].Handled >= bodies.Count, TimeSpan.FromMinutes(5));
                var measured = clock.Stop(bodies.Count);
                return done ? measured : (double.NaN, double.NaN);
            }
        }
        finally
        {
            daemon.StopAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        }
    }

    /// <summary>Tasks of 20 records: enter, 18 logs with arguments and context, exit.</summary>
    private static List<byte[]> MakeRecords(int count)
    {
        var bodies = new List<byte[]>(count);
        var buffer = new ArrayBufferWriter<byte>();
        double created = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        for (int i = 0; i < count; i++)
        {
            string root = "t" + (i / 20).ToString("x8", CultureInfo.InvariantCulture) + "-5d1c-4b8e-9a0f-0123456789ab";
            int seq = i % 20;
            var record = new LogRecord
            {
                Name = "Shop.Orders",
                Msg = "order {OrderId} for {Customer} step {Step}",
                Message = $"order {i / 20} for leo step {seq}",
                Args = new Dictionary<string, object?> { ["OrderId"] = (long)(i / 20), ["Customer"] = "leo", ["Step"] = (long)seq },
                LevelNo = Levels.Info,
                LevelName = "INFO",
                Created = created + (i / 1000.0),
                Hostname = "bench-host",
                Process = 4242,
                ProcessName = "shop",
                Thread = 7,
                Service = "shop",
                Context = new RecordContext(TaskKey.Format(seq, root), [new("user", "leo"), new("order_id", (long)(i / 20))]),
                Task = seq == 0 ? new TaskBoundary(TaskBoundary.Enter, TaskBoundary.Running, null)
                    : seq == 19 ? new TaskBoundary(TaskBoundary.Exit, TaskBoundary.Succeeded, 12.5) : null,
            };
            buffer.ResetWrittenCount();
            JsonRecordCodec.Default.Encode(record, buffer);
            bodies.Add(buffer.WrittenSpan.ToArray());
        }

        return bodies;
    }

    private static void Report(string name, Figures figures, string? goal = null)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
        }

        // A peer measured once stands beside every round.
        double RawRate(int round) => figures.Raw[Math.Min(round, figures.Raw.Count - 1)].Rate;
        var fedRatios = figures.Fed.Select((f, i) => f.Rate / RawRate(i)).ToList();
        var aloneRatios = figures.Alone.Select((a, i) => a.Rate / RawRate(i)).ToList();
        static string Cpu(double value) => double.IsNaN(value) ? "—" : value.ToString("0.0", CultureInfo.InvariantCulture);
        Console.WriteLine($"| {name} | {Median(figures.Raw.Select(r => r.Rate)):N0} | {Median(figures.Alone.Select(a => a.Rate)):N0} ({Median(aloneRatios):0.00}x) | " +
            $"{Median(figures.Fed.Select(f => f.Rate)):N0} | {Median(fedRatios):0.00}x | {string.Join(", ", fedRatios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))} | " +
            $"{Cpu(Median(figures.Raw.Select(r => r.Cpu)))}, {Cpu(Median(figures.Alone.Select(a => a.Cpu)))}, {Cpu(Median(figures.Fed.Select(f => f.Cpu)))} |");
        if (goal is not null)
        {
            double ratio = Median(fedRatios);
            BenchSummary.Report(goal, BenchSummary.Rate(Median(figures.Fed.Select(f => f.Rate))), "raw " + BenchSummary.Rate(Median(figures.Raw.Select(r => r.Rate))),
                BenchSummary.Ratio(ratio), "≥ 0.9x", double.IsNaN(ratio) ? null : ratio >= 0.9);
        }
    }

    private static Plugins.PluginSettings Settings(params (string Key, string Value)[] values) =>
        new("bench", 1, values.ToDictionary(v => v.Key, v => ((string?)v.Value, 1)));

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
