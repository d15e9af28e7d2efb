using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Distlog.Daemon;
using Distlog.Tests.Shared;

namespace Distlog.Benchmarks;

/// <summary>
/// End to end, client → distlogd → file, beside rsyslog receiving 300-byte JSON lines over TCP into a file, in one
/// run on this machine. Each figure is records/s from the first record sent to the last one written (counted by
/// the file plugin, or by lines in rsyslog's file), and the processor time every process of the case spent per record
/// (the sending harness and the receiving daemon, user and system), which says how much of the two cores a case needs.
/// </summary>
internal static class DaemonThroughputHarness
{
    private const int Rounds = 5;

    /// <summary>The daemon of the case running, if it goes through distlogd.</summary>
    private static DaemonProcess? s_daemon;

    /// <param name="records">Records per case.</param>
    /// <param name="only">When given, only the cases whose name contains this text run ("rsyslog" is one); with a
    /// leading '=', only the case of exactly that name.</param>
    public static int Run(int records, string? only = null)
    {
        bool Wanted(string name) => only is null || (only.StartsWith('=') ? name == only[1..] : name.Contains(only, StringComparison.OrdinalIgnoreCase));
        Console.WriteLine($"records per case: {records:N0}; cores: {Environment.ProcessorCount}; each figure the median of {Rounds} rounds (taken in turn across the cases) after a warm-up round of a fifth as many records");
        Console.WriteLine("| case | records/s (median) | / rsyslog in the same round (median) | rounds, records/s | bytes per record written | CPU µs per record, sender + receiver (median) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        bool haveRsyslog = File.Exists("/usr/sbin/rsyslogd");
        if (!haveRsyslog && Wanted("rsyslog"))
        {
            Console.WriteLine("| rsyslog (not installed: apt-get install rsyslog) | — | — | — | — | — |");
        }

        var cases = new (string Name, Func<int, Measured> Run)[]
        {
            ("rsyslog, imtcp → omfile, 300-byte JSON lines", n => haveRsyslog ? Rsyslog(n) : Measured.Incomplete),
            ("NetMQ alone, PUSH → PULL, one 650-byte record per message, nothing decoded or written", NetMqAlone),
            ("pre-encoded batches (PUSH) → distlogd → file, JSON", RawDistlogd),
            ("client → distlogd → file, one record per message, JSON", n => Distlogd(n, 0, DistlogEncoding.Json)),
            ("client → distlogd → file, batched, JSON", n => Distlogd(n, 32 * 1024, DistlogEncoding.Json)),
            ("client → distlogd → file, batched, JSON, acknowledged (journal, sync: 10ms)", n => Distlogd(n, 32 * 1024, DistlogEncoding.Json)),
            ("client → distlogd → file, batched, JSON, CURVE", n => Distlogd(n, 32 * 1024, DistlogEncoding.Json)),
            ("client → distlogd → file, batched, MessagePack", n => Distlogd(n, 32 * 1024, DistlogEncoding.MessagePack)),
            ("client, libzmq transport → distlogd → file, one record per message, JSON", n => Distlogd(n, 0, DistlogEncoding.Json, DistlogTransport.Libzmq)),
            ("client, libzmq transport → distlogd → file, batched, JSON", n => Distlogd(n, 32 * 1024, DistlogEncoding.Json, DistlogTransport.Libzmq)),
            ("client, libzmq transport → distlogd → file, batched, JSON, CURVE", n => Distlogd(n, 32 * 1024, DistlogEncoding.Json, DistlogTransport.Libzmq)),
        }.Where(c => Wanted(c.Name) && !(c.Name.StartsWith("rsyslog", StringComparison.Ordinal) && !haveRsyslog)).ToList();
        if (!Internal.LibzmqPushTransport.IsAvailable && cases.RemoveAll(c => c.Name.Contains("libzmq", StringComparison.Ordinal)) > 0)
        {
            Console.WriteLine("| client, libzmq transport (libzmq does not load: apt-get install libzmq5) | — | — | — | — | — |");
        }


        // A case through distlogd keeps one daemon process for all its rounds, as a running daemon would be. The
        // first round runs the code before the JIT has optimised it (a long-running daemon and client do not), so
        // every case has a warm-up round first.
        var daemons = cases.Select(c => c.Name.Contains("distlogd", StringComparison.Ordinal) ? DaemonProcess.Start(acknowledged: c.Name.Contains("acknowledged", StringComparison.Ordinal), curve: c.Name.EndsWith("CURVE", StringComparison.Ordinal)) : null).ToList();
        try
        {
            var warmups = new List<Measured>();
            for (int c = 0; c < cases.Count; c++)
            {
                s_daemon = daemons[c];
                warmups.Add(cases[c].Run(Math.Max(1000, records / 5)));
            }

            // The rounds go round the cases, so that the machine's slow and quick moments fall on every case alike
            // and each case can be set against rsyslog in the same round.
            var results = cases.Select(_ => new List<Measured>()).ToList();
            for (int round = 0; round < Rounds; round++)
            {
                for (int c = 0; c < cases.Count; c++)
                {
                    s_daemon = daemons[c];
                    results[c].Add(cases[c].Run(records));
                }
            }

            int peer = cases.FindIndex(c => c.Name.StartsWith("rsyslog", StringComparison.Ordinal));
            for (int c = 0; c < cases.Count; c++)
            {
                var rates = results[c].Select(r => r.Rate).ToList();
                string median = rates.Any(double.IsNaN) ? "incomplete" : Format(Median(rates));
                string ratio = peer < 0 || c == peer ? "—" : Median(rates.Zip(results[peer], (rate, p) => rate / p.Rate).ToList()).ToString("0.00x", CultureInfo.InvariantCulture);
                double cpu = Median(results[c].Select(r => r.CpuMicroseconds).ToList());
                string cpuText = double.IsNaN(cpu) ? "—" : cpu.ToString("0.00", CultureInfo.InvariantCulture);
                Console.WriteLine($"| {cases[c].Name} | {median} | {ratio} | {string.Join(", ", rates.Select(Format))} | {warmups[c].Bytes} | {cpuText} |");
            }

            // Acknowledged delivery's and CURVE's costs: each case against the same case plain and at most once, round by
            // round.
            int plain = cases.FindIndex(c => c.Name == "client → distlogd → file, batched, JSON");
            foreach (var (what, name) in (ReadOnlySpan<(string, string)>)[("acknowledged / at most once", "acknowledged"), ("CURVE / plain", "CURVE")])
            {
                int other = cases.FindIndex(c => c.Name.StartsWith("client →", StringComparison.Ordinal) && c.Name.Contains(name, StringComparison.Ordinal));
                if (other >= 0 && plain >= 0)
                {
                    var ratios = results[other].Zip(results[plain], (a, b) => a.Rate / b.Rate).ToList();
                    Console.WriteLine($"{what}, round by round: {string.Join(", ", ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}; median {Median(ratios).ToString("0.00x", CultureInfo.InvariantCulture)}");
                }
            }
        }
        finally
        {
            s_daemon = null;
            daemons.ForEach(d => d?.Dispose());
        }

        return 0;
    }

    /// <summary>One round of a case: records/s, bytes written per record, and processor time per record.</summary>
    internal readonly record struct Measured(double Rate, int Bytes, double CpuMicroseconds)
    {
        public static Measured Incomplete => new(double.NaN, 0, double.NaN);
    }

    private static double Median(List<double> values) => values.Any(double.IsNaN) ? double.NaN : values.Order().ElementAt(values.Count / 2);

    private static string Format(double rate) => double.IsNaN(rate) ? "incomplete" : rate.ToString("N0", CultureInfo.InvariantCulture);

    internal static Measured Rsyslog(int records)
    {
        string dir = Directory.CreateTempSubdirectory("rsyslog-bench-").FullName;
        int port = FreePort();
        string output = Path.Combine(dir, "out.log");
        File.WriteAllText(Path.Combine(dir, "rsyslog.conf"), $$"""
            global(workDirectory="{{dir}}")
            module(load="imtcp")
            template(name="raw" type="string" string="%rawmsg%\n")
            ruleset(name="bench") {
              action(type="omfile" file="{{output}}" template="raw" asyncWriting="on" ioBufferSize="256k" flushOnTXEnd="off" flushInterval="1")
            }
            input(type="imtcp" address="127.0.0.1" port="{{port}}" ruleset="bench")
            """);
        var start = new ProcessStartInfo("/usr/sbin/rsyslogd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { "-n", "-f", Path.Combine(dir, "rsyslog.conf"), "-i", Path.Combine(dir, "rsyslog.pid") })
        {
            start.ArgumentList.Add(arg);
        }

        using var rsyslog = Process.Start(start)!;
        try
        {
            using var client = Connect(port);
            string line = JsonLine();
            byte[] payload = Encoding.UTF8.GetBytes(line + "\n");
            var stream = client.GetStream();
            var buffer = new byte[payload.Length * 256];
            for (int i = 0; i < 256; i++)
            {
                payload.CopyTo(buffer, i * payload.Length);
            }

            var clock = RunClock.Start(rsyslog);
            for (int sent = 0; sent < records; sent += 256)
            {
                int n = Math.Min(256, records - sent);
                stream.Write(buffer, 0, n * payload.Length);
            }

            stream.Flush();
            long expected = (long)records * payload.Length;
            bool done = Wait.For(() => File.Exists(output) && new FileInfo(output).Length >= expected, TimeSpan.FromMinutes(3));
            var (rate, cpu) = clock.Stop(records);
            return done ? new(rate, payload.Length, cpu) : Measured.Incomplete;
        }
        finally
        {
            rsyslog.Kill();
            rsyslog.WaitForExit();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The client library sending to the daemon. The provider lives until the daemon has written
    /// everything, as the raw sender's socket does.</summary>
    private static Measured Distlogd(int records, int batchBytes, DistlogEncoding encoding, DistlogTransport transport = DistlogTransport.NetMQ) =>
        ThroughDaemon(records, endpoint =>
        {
            var provider = BenchClient.Lossless(endpoint, batchBytes, encoding, transport, s_daemon?.Control ?? "off", s_daemon?.ClientCurve);
            BenchClient.LogTask(provider, records, "daemon-throughput");
            return provider;
        });

    /// <summary>The daemon alone, as rsyslog is measured: the sender pushes ready-made batches of one record.</summary>
    /// <remarks>The socket lives until the daemon has written everything: NetMQ may drop the last write of a socket
    /// closed with it still pending, which would make the run look incomplete.</remarks>
    private static Measured RawDistlogd(int records)
    {
        byte[] record = Encoding.UTF8.GetBytes(JsonLine());
        const int perBatch = 100;
        var body = new byte[perBatch * (record.Length + 4)];
        for (int i = 0; i < perBatch; i++)
        {
            Protocol.BatchFormat.WriteLength(body.AsSpan(i * (record.Length + 4), 4), record.Length);
            record.CopyTo(body, (i * (record.Length + 4)) + 4);
        }

        using var push = new NetMQ.Sockets.PushSocket();
        push.Options.SendHighWatermark = 1000;
        push.Options.Linger = TimeSpan.FromSeconds(30);
        return ThroughDaemon(records, endpoint =>
        {
            push.Connect(endpoint);
            for (int sent = 0; sent < records; sent += perBatch)
            {
                NetMQ.OutgoingSocketExtensions.SendMoreFrame(push, "PBJ"u8.ToArray());
                NetMQ.OutgoingSocketExtensions.SendFrame(push, body);
            }

            return null;
        });
    }

    /// <summary>
    /// Runs <paramref name="send"/> against the case's distlogd and reports records/s from the start of sending until
    /// <c>distlogd stats</c> says its file plugin has handled <paramref name="records"/> more. What
    /// <paramref name="send"/> returns is disposed then.
    /// </summary>
    private static Measured ThroughDaemon(int records, Func<string, IDisposable?> send)
    {
        var daemon = s_daemon ?? throw new InvalidOperationException("no daemon for this case");
        long before = -1;
        if (!Wait.For(() => (before = daemon.Handled()) >= 0, TimeSpan.FromSeconds(30)))
        {
            return Measured.Incomplete;
        }

        long bytesBefore = daemon.FileLength;
        var pause = GC.GetTotalPauseDuration();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var clock = RunClock.Start(daemon.Process);
        using var sender = send(daemon.Endpoint);
        bool done = Wait.For(() => daemon.Handled() >= before + records, TimeSpan.FromMinutes(3));
        var (rate, cpu) = clock.Stop(records);
        if (Environment.GetEnvironmentVariable("BENCH_GC") is not null)
        {
            Console.Error.WriteLine($"client GC: pause {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:0} ms, gen0 {GC.CollectionCount(0) - gen0}, gen1 {GC.CollectionCount(1) - gen1}, gen2 {GC.CollectionCount(2) - gen2}");
        }

        return done ? new(rate, (int)((daemon.FileLength - bytesBefore) / records), cpu) : Measured.Incomplete;
    }

    /// <summary>
    /// The soak: <paramref name="records"/> records (ten million by default) from one client through one distlogd
    /// into a file (rotated away at 512 MB), and the resident memory of distlogd and of the client at each million the
    /// file plugin has handled, read from /proc. Memory that grows with the count, not with the rate, is a leak.
    /// </summary>
    public static int Soak(int records)
    {
        using var daemon = DaemonProcess.Start(acknowledged: true);
        s_daemon = daemon;
        if (!Wait.For(() => daemon.Handled() >= 0, TimeSpan.FromSeconds(30)))
        {
            Console.WriteLine("distlogd did not answer");
            return 1;
        }

        using var provider = BenchClient.Lossless(daemon.Endpoint, 32 * 1024, DistlogEncoding.Json, DistlogTransport.NetMQ, daemon.Control ?? "off");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sending = Task.Run(() => BenchClient.LogTask(provider, records, "soak"));
        var daemonRss = new List<double>();
        var clientRss = new List<double>();
        Console.WriteLine($"| records handled | seconds | distlogd RSS, MiB | client RSS, MiB |");
        Console.WriteLine("| ---: | ---: | ---: | ---: |");
        for (long next = 1_000_000; next <= records;)
        {
            long handled = daemon.Handled();
            if (handled >= next)
            {
                daemonRss.Add(Rss(daemon.Process.Id));
                clientRss.Add(Rss(Environment.ProcessId));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {next:N0} | {clock.Elapsed.TotalSeconds:N1} | {daemonRss[^1]:N0} | {clientRss[^1]:N0} |"));
                next += 1_000_000;
            }
            else if (clock.Elapsed > TimeSpan.FromMinutes(20))
            {
                Console.WriteLine($"stopped: {handled:N0} of {records:N0} handled after 20 minutes");
                return 1;
            }
            else
            {
                Thread.Sleep(20); // sampling, not synchronising
            }
        }

        sending.Wait();

        // Flat: the second half of the run grows neither process past a tenth above the first half's peak (a leak
        // grows with the count; a heap that settles does not).
        foreach (var (name, rss) in new[] { ("distlogd", daemonRss), ("client", clientRss) })
        {
            int half = rss.Count / 2;
            double growth = half == 0 ? double.NaN : rss.Skip(half).Max() / rss.Take(half).Max();
            BenchSummary.Report($"{name} resident memory over a {records:N0}-record soak: second half's peak / first half's",
                string.Create(CultureInfo.InvariantCulture, $"{rss.Min():N0}–{rss.Max():N0} MiB"), "—", BenchSummary.Ratio(growth), "flat (≤ 1.10x)", double.IsNaN(growth) ? null : growth <= 1.1);
        }

        return 0;
    }

    /// <summary>A process's resident memory, in MiB, from /proc/PID/status.</summary>
    private static double Rss(int pid) =>
        File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)) is var line
            ? double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024
            : double.NaN;

    /// <summary>distlogd as its own process, as it is deployed (its own runtime settings, GC heap and ZeroMQ I/O
    /// thread), with one file plugin in a folder of its own; stopped and removed on dispose.</summary>
    private sealed class DaemonProcess : IDisposable
    {
        private readonly Process _process;
        private readonly string _dir;
        private readonly string _stats;
        private readonly Action<NetMQ.NetMQSocket>? _statsKeys;

        private DaemonProcess(Process process, string dir, string endpoint, string stats, string? control, DistlogCurveOptions? curve, Action<NetMQ.NetMQSocket>? statsKeys)
        {
            _statsKeys = statsKeys;
            _process = process;
            _dir = dir;
            Endpoint = endpoint;
            _stats = stats;
            Control = control;
            ClientCurve = curve;
        }

        /// <summary>A let-in client's keys, for a daemon with <c>curve:</c>; null otherwise.</summary>
        public DistlogCurveOptions? ClientCurve { get; }

        public string Endpoint { get; }

        /// <summary>The sessions' endpoint, for a daemon that acknowledges; null otherwise.</summary>
        public string? Control { get; }

        public Process Process => _process;

        public long FileLength => new FileInfo(Path.Combine(_dir, "out.jsonl")) is { Exists: true } file ? file.Length : 0;

        /// <param name="acknowledged">Sessions and a journal synced every 10 ms, so clients get acknowledgements.</param>
        /// <param name="curve">CURVE on every socket, with one client key let in.</param>
        public static DaemonProcess Start(bool acknowledged, bool curve = false)
        {
            string dir = Directory.CreateTempSubdirectory("distlogd-bench-").FullName;
            string config = Path.Combine(dir, "distlogd.yaml");
            var server = new NetMQ.NetMQCertificate();
            var client = new NetMQ.NetMQCertificate();
            File.WriteAllText(Path.Combine(dir, "clients.keys"), client.PublicKeyZ85 + " bench\n");
            File.WriteAllText(Path.Combine(dir, "server.key"), server.SecretKeyZ85 + "\n");
            string curveYaml = curve ? $"curve:\n  secret_key_file: {dir}/server.key\n  clients: {dir}/clients.keys" : string.Empty;
            // The file is rotated away at 512 MB (keep: 0 deletes it), as rsyslog's is after each of its rounds: a
            // file growing by gigabytes over the rounds makes the kernel throttle the writer for its dirty pages.
            File.WriteAllText(config, $"""
                listen: tcp://127.0.0.1:*
                stats_interval: 0s
                stats_endpoint: tcp://127.0.0.1:*
                viewer: off
                {curveYaml}
                {(acknowledged ? $"control: tcp://127.0.0.1:*\njournal:\n  path: {dir}/journal\n  sync: {Environment.GetEnvironmentVariable("BENCH_SYNC") ?? "10ms"}" : "control: off")}
                plugins:
                  - type: file
                    path: {dir}/out.jsonl
                    max_bytes: 512M
                    keep: 0
                    queue: 1000000
                """);
            var (process, summary) = DistlogdLauncher.Start(config);
            return new DaemonProcess(process, dir,
                Regex.Match(summary, @"listening on (tcp://[^\s;]+)").Groups[1].Value,
                Regex.Match(summary, @"--endpoint (\S+)").Groups[1].Value,
                acknowledged ? Regex.Match(summary, @"sessions and level rules on (\S+?);").Groups[1].Value : null,
                curve ? new DistlogCurveOptions { ServerPublicKey = server.PublicKeyZ85, PublicKey = client.PublicKeyZ85, SecretKey = client.SecretKeyZ85 } : null,
                curve ? socket => { socket.Options.CurveServerKey = server.PublicKey; socket.Options.CurveCertificate = client; } : null);
        }

        /// <summary>How many records the file plugin has handled (-1 when the daemon did not answer).</summary>
        public long Handled()
        {
            string? reply = StatsServer.Query(_stats, TimeSpan.FromSeconds(1), _statsKeys);
            return reply is null ? -1 : System.Text.Json.JsonDocument.Parse(reply).RootElement.GetProperty("plugins")[0].GetProperty("handled").GetInt64();
        }

        public void Dispose()
        {
            _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>The transport alone, as the single-record case uses it: a PUSH socket sending a two-frame message
    /// per record (a 3-byte topic and a 650-byte body, our client's record size) to a PULL socket on another
    /// thread that only counts them. The ceiling of any one-record-per-message path through NetMQ here.</summary>
    private static Measured NetMqAlone(int records)
    {
        var body = new byte[650];
        Array.Fill(body, (byte)'x');
        byte[] topic = "PLJ"u8.ToArray();
        using var pull = new NetMQ.Sockets.PullSocket();
        pull.Options.ReceiveHighWatermark = 10_000;
        int port = pull.BindRandomPort("tcp://127.0.0.1");
        using var done = new ManualResetEventSlim();
        var receiver = new Thread(() =>
        {
            var msg = new NetMQ.Msg();
            msg.InitEmpty();
            int frames = 0;
            while (frames < records * 2 && pull.TryReceive(ref msg, TimeSpan.FromSeconds(30)))
            {
                frames++;
            }

            msg.Close();
            if (frames == records * 2)
            {
                done.Set();
            }
        }) { IsBackground = true };
        receiver.Start();
        using var push = new NetMQ.Sockets.PushSocket();
        push.Options.SendHighWatermark = 1000;
        push.Connect($"tcp://127.0.0.1:{port}");
        var clock = RunClock.Start();
        for (int i = 0; i < records; i++)
        {
            NetMQ.OutgoingSocketExtensions.SendMoreFrame(push, topic);
            NetMQ.OutgoingSocketExtensions.SendFrame(push, body);
        }

        bool complete = done.Wait(TimeSpan.FromMinutes(3));
        var (rate, cpu) = clock.Stop(records);
        return complete ? new(rate, 0, cpu) : Measured.Incomplete;
    }

    /// <summary>A 300-byte JSON line shaped like a small log record.</summary>
    private static string JsonLine()
    {
        string head = "{\"name\":\"Throughput\",\"levelno\":20,\"levelname\":\"INFO\",\"msg\":\"order {OrderId} for {Customer}\",\"message\":\"order 42 for leo\",\"created\":1524085399.148067,\"context\":{\"key\":\"1@e252a11f-d33d-483d-ba08-bc8f642b2f10\"},\"pad\":\"";
        return head + new string('x', 299 - head.Length - 2) + "\"}";
    }

    private static int FreePort()
    {
        var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static TcpClient Connect(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return new TcpClient("127.0.0.1", port);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Yield();
            }
        }
    }
}
