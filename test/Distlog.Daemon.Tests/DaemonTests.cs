using System.Text;
using Distlog.Daemon.Tests.Support;
using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using NetMQ;
using NetMQ.Sockets;
using Xunit;

namespace Distlog.Daemon.Tests;

public class DaemonTests
{
    [Fact]
    public async Task GarbageOnTheTcpConnection_IsDroppedWithItsConnection_AndOtherClientsRecordsAreKept()
    {
        await using var daemon = await RunningDaemon.StartAsync();
        var port = int.Parse(daemon.Endpoint[(daemon.Endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var random = new Random(11);
        using var push = new PushSocket();
        push.Options.Linger = TimeSpan.FromSeconds(10);
        push.Connect(daemon.Endpoint);
        int sent = 0;
        for (int round = 0; round < 20; round++)
        {
            // A peer that is not ZeroMQ at all, or one whose greeting goes wrong half-way: random bytes, some after
            // a real ZMTP signature.
            using (var raw = new System.Net.Sockets.TcpClient("127.0.0.1", port))
            {
                var junk = new byte[random.Next(16, 4096)]; // room for the signature below
                random.NextBytes(junk);
                if (round % 2 == 0)
                {
                    byte[] signature = [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F];
                    signature.CopyTo(junk, 0);
                }

                try
                {
                    raw.GetStream().Write(junk);
                }
                catch (IOException)
                {
                    // The daemon may have hung up already: that is what it should do.
                }
            }

            for (int i = 0; i < 50; i++, sent++)
            {
                push.SendMoreFrame("PLJ"u8.ToArray()).SendFrame(Encoding.UTF8.GetBytes($"{{\"name\": \"tcp\", \"levelno\": 20, \"message\": \"r{sent}\"}}"));
            }
        }

        var records = daemon.WaitForFileRecords(sent);
        Assert.Equal(Enumerable.Range(0, sent).Select(i => $"r{i}"), records.Select(r => r.Message));
        Assert.Equal(sent, daemon.Host.Statistics.Records);
    }

    [Fact]
    public async Task SeedTutorial_FromTheClientLibrary_IsStoredCompleteAndInOrderPerTask()
    {
        await using var daemon = await RunningDaemon.StartAsync();
        string id;
        using (var factory = LoggerFactory.Create(b => b.AddDistlog(daemon.Endpoint, o => { o.ServiceName = "tutorial"; TestClient.AtMostOnce(o); })))
        {
            var logger = factory.CreateLogger("root");
            using (var job = logger.BeginTask("toplevel", new { user = "leo" }))
            {
                id = job.Id;
                logger.LogInformation("into task");
                using var sub = logger.BeginSubtask("subtask", new { arg = 42 });
                logger.LogInformation("into task");
                sub.Success("subtask done");
            }

            logger.LogInformation("all done");
        }

        var records = daemon.WaitForFileRecords(7);

        Assert.Equal(
            [$"0@{id}", $"1@{id}", $"0@{id}/1", $"1@{id}/1", $"2@{id}/1", $"2@{id}", null],
            records.Select(r => r.Context?.Key));
        Assert.Equal(["toplevel", "into task", "subtask", "into task", "subtask done", "DONE toplevel", "all done"], records.Select(r => r.Message));
        Assert.Equal("leo", records[0].Context!.Data.Single(p => p.Key == "user").Value);
        Assert.Equal(42L, records[3].Context!.Data.Single(p => p.Key == "arg").Value);
        Assert.All(records, r => Assert.Equal("tutorial", r.Service));
    }

    [Fact]
    public async Task RecordsFramedAsThePythonClientDoes_AreStoredWithTheirKeys()
    {
        await using var daemon = await RunningDaemon.StartAsync();
        string template = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Seed", "tutorial-first-record.json"));
        string[] keys = ["0@e252a11f-d33d-483d-ba08-bc8f642b2f10", "1@e252a11f-d33d-483d-ba08-bc8f642b2f10", "0@e252a11f-d33d-483d-ba08-bc8f642b2f10/1"];
        using (var push = new PushSocket())
        {
            push.Options.Linger = TimeSpan.FromSeconds(10);
            push.Connect(daemon.Endpoint);
            foreach (string key in keys)
            {
                push.SendMoreFrame("PLJ"u8.ToArray()).SendFrame(Encoding.UTF8.GetBytes(template.Replace("0@e252a11f-d33d-483d-ba08-bc8f642b2f10", key, StringComparison.Ordinal)));
            }

            daemon.WaitForFileRecords(keys.Length);
        }

        var records = daemon.FileRecords();
        Assert.Equal(keys, records.Select(r => r.Context!.Key));
        Assert.All(records, r => Assert.Equal("leo", r.Context!.Data.Single(p => p.Key == "user").Value));
        Assert.All(records, r => Assert.Equal("example.py", r.Filename));
        Assert.Contains(records[0].Extra!, p => p.Key == "taskName");
    }

    [Fact]
    public async Task MalformedAndRandomFrames_AreCountedAndEveryValidRecordIsKept()
    {
        await using var daemon = await RunningDaemon.StartAsync();
        var random = new Random(7);
        int valid = 0;
        using (var push = new PushSocket())
        {
            push.Options.Linger = TimeSpan.FromSeconds(10);
            push.Connect(daemon.Endpoint);
            byte[][] topics = ["PLJ"u8.ToArray(), "PLM"u8.ToArray(), "PBJ"u8.ToArray(), "PLP"u8.ToArray(), "XYZ"u8.ToArray(), []];
            for (int i = 0; i < 5000; i++)
            {
                var junk = new byte[random.Next(0, 300)];
                random.NextBytes(junk);
                switch (i % 4)
                {
                    case 0:
                        push.SendMoreFrame(topics[random.Next(topics.Length)]).SendFrame(junk);
                        break;
                    case 1:
                        push.SendFrame(junk); // one frame only
                        break;
                    case 2:
                        push.SendMoreFrame("PLJ"u8.ToArray()).SendMoreFrame(junk).SendFrame(junk); // three frames
                        break;
                    default:
                        var record = new LogRecord { Name = "valid", Message = $"valid {valid}", LevelNo = 20, Context = new RecordContext($"{valid}@fuzz", []) };
                        var body = new System.Buffers.ArrayBufferWriter<byte>();
                        (valid % 2 == 0 ? (IRecordCodec)JsonRecordCodec.Default : MessagePackRecordCodec.Default).Encode(record, body);
                        push.SendMoreFrame(valid % 2 == 0 ? "PLJ"u8.ToArray() : "PLM"u8.ToArray()).SendFrame(body.WrittenSpan.ToArray());
                        valid++;
                        break;
                }
            }

            daemon.WaitForFileRecords(valid);
        }

        var stored = daemon.FileRecords();
        Assert.Equal(Enumerable.Range(0, valid).Select(i => $"valid {i}"), stored.Select(r => r.Message));
        var stats = daemon.Host.Statistics;
        Assert.Equal(5000, stats.Messages);
        Assert.True(stats.Rejected[RejectReason.FrameCount] >= 2400);
        Assert.True(stats.Rejected.GetValueOrDefault(RejectReason.Malformed) > 0);
        Assert.Equal(stored.Count, stats.Records);
    }

    [Fact]
    public async Task FailingAndSlowPlugins_NeitherDelayNorLoseTheFilePlugins_Records()
    {
        var slowGate = new SemaphoreSlim(0);
        var plugins = new Dictionary<string, Func<PluginSettings, IDistlogPlugin>>
        {
            ["failing"] = _ => new FailingPlugin(),
            ["slow"] = _ => new SlowPlugin(slowGate),
        };
        await using var daemon = await RunningDaemon.StartAsync("  - type: failing\n  - type: slow\n    batch: 10\n", plugins);
        using (var factory = LoggerFactory.Create(b => b.AddDistlog(daemon.Endpoint, TestClient.AtMostOnce)))
        {
            var logger = factory.CreateLogger("load");
            for (int i = 0; i < 2000; i++)
            {
                logger.LogInformation("record {I}", i);
            }
        }

        // The slow plugin is held on its first batch the whole time; the file plugin must not wait for it.
        var records = daemon.WaitForFileRecords(2000);
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"record {i}"), records.Select(r => r.Message));
        var slow = daemon.Host.Statistics.Plugins.Single(p => p.Name == "slow");
        Assert.Equal(0, slow.Handled);
        Assert.Equal(2000, slow.Matched);

        slowGate.Release(int.MaxValue / 2);
        Assert.True(Wait.For(() => daemon.Host.Statistics.Plugins.Single(p => p.Name == "slow").Handled == 2000, TimeSpan.FromSeconds(30)));
        Assert.True(Wait.For(() => daemon.Host.Statistics.Plugins.Single(p => p.Name == "failing").Failed == 2000, TimeSpan.FromSeconds(60)));
        var failing = daemon.Host.Statistics.Plugins.Single(p => p.Name == "failing");
        Assert.Equal(0, failing.Handled);
        Assert.True(failing.Retries > 0);
    }

    [Fact]
    public async Task APluginSlowerThanTheReceiver_FallsBehindOnTheJournal_AndCatchesUp_DroppingNothing()
    {
        var gate = new SemaphoreSlim(0);
        var collected = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var plugins = new Dictionary<string, Func<PluginSettings, IDistlogPlugin>> { ["gated"] = _ => new CollectingPlugin(gate, collected) };
        await using var daemon = await RunningDaemon.StartAsync("  - type: gated\n    queue: 100\n    batch: 50\n", plugins);
        using (var factory = LoggerFactory.Create(b => b.AddDistlog(daemon.Endpoint, o =>
        {
            o.ControlEndpoint = daemon.Host.Control!.Endpoints[0]; // acknowledged, so the records are journaled
            o.FlushTimeout = TimeSpan.FromSeconds(30);
        })))
        {
            var logger = factory.CreateLogger("load");
            for (int i = 0; i < 20_000; i++)
            {
                logger.LogInformation("record {I}", i);
            }
        }

        // All acknowledged (the client waited for that), while the plugin still holds its first batch. The file
        // plugin, never behind, has each record once.
        var inFile = daemon.WaitForFileRecords(20_000).Select(r => r.Message).Where(m => m!.StartsWith("record ", StringComparison.Ordinal)).ToList();
        Assert.Equal(20_000, inFile.Count);
        Assert.Equal(20_000, inFile.Distinct().Count());
        var held = daemon.Host.Statistics.Plugins.Single(p => p.Name == "gated");
        Assert.True(held.FellBehind >= 1, $"the plugin never fell behind: {held}");
        gate.Release(int.MaxValue / 2);
        Wait.Until(() => collected.Count >= 20_000, () => $"the plugin to catch up: {collected.Count} of 20000, {daemon.Host.Statistics.Plugins.Single(p => p.Name == "gated")}");
        var stats = daemon.Host.Statistics.Plugins.Single(p => p.Name == "gated");
        Assert.Equal(0, stats.Dropped + stats.Failed);
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => $"record {i}").ToHashSet(), collected.Where(m => m.StartsWith("record ", StringComparison.Ordinal)).ToHashSet());
    }

    [Fact]
    public async Task CleanStopUnderLoad_LosesNothingThatWasReceived()
    {
        var daemon = await RunningDaemon.StartAsync();
        using var stopSending = new CancellationTokenSource();
        var sender = Task.Run(() =>
        {
            using var push = new PushSocket();
            push.Options.SendHighWatermark = 100;
            push.Connect(daemon.Endpoint);
            var body = new System.Buffers.ArrayBufferWriter<byte>();
            int n = 0;
            while (!stopSending.IsCancellationRequested)
            {
                body.ResetWrittenCount();
                MessagePackRecordCodec.Default.Encode(new LogRecord { Name = "load", Message = $"m{n}", LevelNo = 20 }, body);
                if (push.TrySendFrame(TimeSpan.FromMilliseconds(10), "PLM"u8.ToArray(), more: true))
                {
                    push.SendFrame(body.WrittenSpan.ToArray());
                    n++;
                }
            }
        });

        Assert.True(Wait.For(() => daemon.Host.Statistics.Records > 5000, TimeSpan.FromSeconds(30)));
        await daemon.Host.StopAsync(TimeSpan.FromSeconds(30)); // mid-stream
        await stopSending.CancelAsync();
        await sender;

        var stats = daemon.Host.Statistics;
        var stored = daemon.FileRecords();
        Assert.Equal(stats.Records, stored.Count);
        Assert.Equal(stats.Records, stats.Plugins.Single().Handled);
        Assert.Equal(stored.Select((r, i) => $"m{i}"), stored.Select(r => r.Message));
        await daemon.DisposeAsync();
    }

    [Fact]
    public async Task OversizedMessage_IsCountedAndTheNextRecordKept()
    {
        await using var daemon = await RunningDaemon.StartAsync("max_message_bytes: 1k\n", topLevel: true);
        using var push = new PushSocket();
        push.Options.Linger = TimeSpan.FromSeconds(10);
        push.Connect(daemon.Endpoint);
        string big = "{\"message\": \"" + new string('x', 2000) + "\"}";
        push.SendMoreFrame("PLJ"u8.ToArray()).SendFrame(Encoding.UTF8.GetBytes(big));
        push.SendMoreFrame("PLJ"u8.ToArray()).SendFrame("{\"message\": \"small\"}"u8.ToArray());

        var records = daemon.WaitForFileRecords(1);

        Assert.Equal("small", Assert.Single(records).Message);
        Assert.Equal(1, daemon.Host.Statistics.Rejected[RejectReason.TooLarge]);
    }

    private sealed class FailingPlugin : IDistlogPlugin
    {
        public Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("this plugin always fails");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Holds its first batch until the gate opens, then keeps every message it handles.</summary>
    private sealed class CollectingPlugin(SemaphoreSlim gate, System.Collections.Concurrent.ConcurrentQueue<string> messages) : IDistlogPlugin
    {
        private bool _opened;

        public async Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken)
        {
            if (!_opened)
            {
                await gate.WaitAsync(cancellationToken);
                _opened = true;
            }

            foreach (var record in batch)
            {
                messages.Enqueue(record.Record.Message ?? string.Empty);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class SlowPlugin(SemaphoreSlim gate) : IDistlogPlugin
    {
        public async Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken) =>
            await gate.WaitAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
