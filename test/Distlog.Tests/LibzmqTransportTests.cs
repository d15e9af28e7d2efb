using Distlog.Internal;
using Distlog.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Tests;

/// <summary>
/// The libzmq transport against a real NetMQ PULL socket (the daemon's implementation): the two ZeroMQ
/// implementations must meet on the wire. The test script installs Debian's libzmq5; without it these tests fail,
/// they do not fall back silently.
/// </summary>
public sealed class LibzmqTransportTests
{
    [Fact]
    public void Libzmq_LoadsOnThisMachine()
    {
        Assert.True(LibzmqPushTransport.IsAvailable, "libzmq.so.5 does not load: apt-get install libzmq5 (the test script does)");
    }

    [Theory]
    [InlineData(0, "PLJ")]
    [InlineData(32 * 1024, "PBJ")]
    public void Records_ArriveWholeAndInOrder_OneByOneAndInBatches(int maxBatchBytes, string burstTopic)
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint, o => { o.Transport = DistlogTransport.Libzmq; o.MaxBatchBytes = maxBatchBytes; }))
        {
            var logger = logging.Logger("Shop.Orders");
            using (logger.BeginTask("order {OrderId}", null, 42))
            {
                for (int i = 0; i < 5_000; i++)
                {
                    logger.LogInformation("step {Index} for {Customer}", i, "leo");
                }
            }

            var records = receiver.Take(5_002, TimeSpan.FromSeconds(60));
            var steps = records.Where(r => r.Record.Msg == "step {Index} for {Customer}").ToList();
            Assert.Equal(Enumerable.Range(0, 5_000).Select(i => (long)i), steps.Select(r => (long)r.Record.Arg("Index")!));
            Assert.All(steps, r => Assert.Equal("leo", r.Record.Arg("Customer")));
            Assert.All(steps, r => Assert.Equal("Shop.Orders", r.Record.Name));
            Assert.Single(records.Select(r => r.Record.Context!.ParsedKey!.Value.RootId).Distinct());
            Assert.Contains(records, r => r.Topic.ToString() == burstTopic);
            Assert.Equal(5_002, logging.Provider.Statistics.Sent);
            Assert.DoesNotContain(logging.SelfLogLines, l => l.Contains("libzmq", StringComparison.Ordinal));

            // libzmq, not NetMQ, sent them: its I/O threads (named ZMQbg/...) live while the provider does.
            Assert.Contains(Directory.GetDirectories("/proc/self/task"), task => ThreadName(task).StartsWith("ZMQbg", StringComparison.Ordinal));
        }
    }

    /// <summary>A thread's name, or "" when the thread ended since its folder was listed.</summary>
    private static string ThreadName(string taskFolder)
    {
        try
        {
            return File.ReadAllText(Path.Combine(taskFolder, "comm"));
        }
        catch (IOException)
        {
            return "";
        }
    }

    [Fact]
    public void RecordsLoggedBeforeTheDaemonListens_WaitInTheQueue_AndArrive()
    {
        var port = new PortReservation();
        using var logging = new TestLogging(port.Endpoint, o => { o.Transport = DistlogTransport.Libzmq; o.MaxBatchBytes = 0; });
        var logger = logging.Logger();
        for (int i = 0; i < 1_000; i++)
        {
            logger.LogInformation("early {Index}", i);
        }

        Assert.False(logging.Provider.FlushAsync(TimeSpan.FromMilliseconds(300)).Result, "nothing listens yet, so nothing can have been sent");

        port.Dispose();
        using var receiver = new PullReceiver(port.Port);
        var records = receiver.Take(1_000, TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => (long)i), records.Select(r => (long)r.Record.Arg("Index")!));
        Assert.Equal(0, logging.Provider.Statistics.Dropped);
    }

    [Fact]
    public void Dispose_DeliversEverythingQueued()
    {
        using var receiver = new PullReceiver();
        var logging = new TestLogging(receiver.Endpoint, o => { o.Transport = DistlogTransport.Libzmq; o.MaxBatchBytes = 0; });
        var logger = logging.Logger();
        for (int i = 0; i < 20_000; i++)
        {
            logger.LogInformation("record {Index}", i);
        }

        logging.Dispose();

        Assert.Equal(20_000, logging.Provider.Statistics.Sent);
        var records = receiver.Take(20_000, TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => (long)i), records.Select(r => (long)r.Record.Arg("Index")!));
    }

    [Fact]
    public void Close_WaitsUpToTheLinger_UntilWhatTheSocketHoldsIsWritten()
    {
        // 2000 messages of 64 KiB: far more than libzmq can write before Close is called, so most are still in the
        // socket when it closes. With the linger they must all arrive; without it they would be thrown away.
        const int count = 2000;
        using var pull = new NetMQ.Sockets.PullSocket();
        int port = pull.BindRandomPort("tcp://127.0.0.1");
        int received = 0;
        var reader = new Thread(() =>
        {
            var msg = default(NetMQ.Msg);
            msg.InitEmpty();
            while (received < count && pull.TryReceive(ref msg, TimeSpan.FromSeconds(30)))
            {
                if (!msg.HasMore)
                {
                    received++;
                }
            }

            msg.Close();
        });
        reader.Start();

        var transport = new LibzmqPushTransport($"tcp://127.0.0.1:{port}", sendHighWatermark: count);
        var topic = "PLJ"u8.ToArray();
        var body = new byte[64 * 1024];
        int accepted = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (accepted < count && DateTime.UtcNow < deadline)
        {
            // Until the connection is made (ZMQ_IMMEDIATE), the socket takes nothing.
            if (transport.TrySend(topic, body, body.Length))
            {
                accepted++;
            }
            else
            {
                Thread.Yield();
            }
        }

        transport.Close(TimeSpan.FromSeconds(60));
        Assert.True(reader.Join(TimeSpan.FromSeconds(60)));
        Assert.Equal(count, accepted);
        Assert.Equal(count, received);
    }

    [Fact]
    public void WhenLibzmqDoesNotLoad_TheProviderSaysSo_AndSendsThroughNetMQ()
    {
        var lines = new List<string>();
        var options = new DistlogOptions { Transport = DistlogTransport.Libzmq, Endpoint = "tcp://127.0.0.1:1" };
        using var transport = DistlogLoggerProvider.CreateTransport(options, new SelfLog(lines.Add, TimeProvider.System), libzmqLoads: false);

        Assert.IsType<NetMqPushTransport>(transport);
        Assert.Equal(["[distlog] the libzmq transport was asked for but libzmq (libzmq.so.5) cannot be loaded; sending through NetMQ instead"], lines);
    }

    [Fact]
    public void TheDefault_IsLibzmqWhenItLoads_ElseNetMQ_Quietly_AndEachIsUsedWhenAskedFor()
    {
        Assert.Equal(DistlogTransport.Auto, new DistlogOptions().Transport);
        var lines = new List<string>();
        var selfLog = new SelfLog(lines.Add, TimeProvider.System);
        foreach (var (transport, loads, expected) in new (DistlogTransport, bool, Type)[]
        {
            (DistlogTransport.Auto, true, typeof(LibzmqPushTransport)),
            (DistlogTransport.Auto, false, typeof(NetMqPushTransport)),
            (DistlogTransport.NetMQ, true, typeof(NetMqPushTransport)),
            (DistlogTransport.Libzmq, true, typeof(LibzmqPushTransport)),
        })
        {
            using var made = DistlogLoggerProvider.CreateTransport(new DistlogOptions { Endpoint = "tcp://127.0.0.1:1", Transport = transport }, selfLog, libzmqLoads: loads);
            Assert.IsType(expected, made);
        }

        Assert.Empty(lines);
    }
}
