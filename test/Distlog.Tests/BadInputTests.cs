using System.Diagnostics;
using Distlog.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Tests;

public class BadInputTests
{
    [Fact]
    public void UnencodableContextAndArgs_AreSentAsText()
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger();
            using var job = logger.BeginTask("job", new { bad = new ThrowingGetter(), cycle = Cycle() });
            logger.LogInformation("value {Value}", new ThrowingToString());
        }

        var records = receiver.Take(3).Select(r => r.Record).ToList();
        var bad = Assert.IsType<Dictionary<string, object?>>(records[0].Data("bad"));
        Assert.StartsWith("<unencodable", (string)bad["Value"]!, StringComparison.Ordinal);
        Assert.IsType<Dictionary<string, object?>>(records[0].Data("cycle"));
        Assert.StartsWith("<unencodable ThrowingToString", (string)records[1].Arg("Value")!, StringComparison.Ordinal);
        Assert.StartsWith("<message formatting failed", records[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullAndHugeMessages_AreDelivered_HugeOnesCut()
    {
        using var receiver = new PullReceiver();
        string huge = new('x', 5_000_000);
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger();
            logger.LogInformation((string?)null);
            logger.LogInformation(huge);
            logger.LogInformation("payload {Blob}", (object)Enumerable.Range(0, 50).Select(i => new string('y', 30_000)).ToArray());
            logger.LogInformation("after");
        }

        var records = receiver.Take(4).Select(r => r.Record).ToList();
        Assert.Equal("[null]", records[0].Message);
        Assert.StartsWith("xxxx", records[1].Message, StringComparison.Ordinal);
        Assert.EndsWith("…[truncated]", records[1].Message, StringComparison.Ordinal);
        Assert.True(records[1].Message!.Length < 40_000);
        Assert.Null(records[2].Args);
        Assert.Contains(records[2].Extra!, p => p.Key == "distlog_truncated_bytes");
        Assert.Equal("after", records[3].Message);
    }

    [Fact]
    public void UnreachableEndpoint_NeverThrowsOrBlocks_AndCountsWhatItDrops()
    {
        using var port = new PortReservation();
        var logging = new TestLogging(port.Endpoint, o => { o.QueueCapacity = 1000; o.FlushTimeout = TimeSpan.FromMilliseconds(300); });
        var logger = logging.Logger();

        for (int i = 0; i < 20_000; i++)
        {
            logger.LogInformation("nobody listens {I}", i);
        }

        var stats = logging.Provider.Statistics;
        Assert.True(stats.Dropped > 0, "a full queue must drop");
        Assert.True(stats.Enqueued + stats.Dropped == 20_000, $"enqueued {stats.Enqueued} + dropped {stats.Dropped}");
        Assert.False(logging.Provider.FlushAsync(TimeSpan.FromMilliseconds(200)).Result);

        var watch = Stopwatch.StartNew();
        logging.Dispose();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"dispose took {watch.Elapsed}");
        logger.LogInformation("after dispose is dropped, not thrown");
        Assert.Contains(logging.SelfLogLines, l => l.Contains("dropped", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(DistlogTransport.NetMQ, "cannot connect to 'not-an-endpoint'")]
    [InlineData(DistlogTransport.Libzmq, "cannot connect to 'not-an-endpoint': libzmq: connecting to 'not-an-endpoint' failed")]
    public void InvalidEndpoint_IsReported_AndLoggingGoesOn(DistlogTransport transport, string report)
    {
        using var logging = new TestLogging("not-an-endpoint", o => { o.Transport = transport; o.FlushTimeout = TimeSpan.FromMilliseconds(100); });
        var logger = logging.Logger();
        for (int i = 0; i < 100; i++)
        {
            logger.LogInformation("into the void {I}", i);
        }

        Assert.True(logging.Provider.FlushAsync(TimeSpan.FromSeconds(10)).Result);
        Assert.Equal(100, logging.Provider.Statistics.Dropped);
        Assert.Contains(logging.SelfLogLines, l => l.Contains(report, StringComparison.Ordinal));
    }

    [Fact]
    public void FullQueue_DropsNewest_AndTheDropCountReachesTheDaemonWhenItComes()
    {
        var port = new PortReservation();
        using var logging = new TestLogging(port.Endpoint, o => { o.QueueCapacity = 100; o.SendHighWatermark = 10; });
        var logger = logging.Logger();
        for (int i = 0; i < 5_000; i++)
        {
            logger.LogInformation("early {I}", i);
        }

        long dropped = logging.Provider.Statistics.Dropped;
        Assert.True(dropped > 4_000, $"dropped {dropped}");

        port.Dispose();
        using var receiver = new PullReceiver(port.Port);
        var report = receiver.TakeUntil(r => r.Name == "Distlog" && (long)r.Arg("TotalDropped")! == dropped, TimeSpan.FromSeconds(30)).Record;
        Assert.Equal("WARNING", report.LevelName);
        Assert.Equal(dropped, receiver.Taken.Where(r => r.Record.Name == "Distlog").Sum(r => (long)r.Record.Arg("Dropped")!));

        // Every record that was queued arrives too, before or after the report.
        int before = receiver.Taken.Count(r => r.Record.Name == "root");
        var after = receiver.Take((int)(5_000 - dropped) - before);
        Assert.All(after, r => Assert.Equal("root", r.Record.Name));
        Assert.False(receiver.TryTakeAny(TimeSpan.FromMilliseconds(200), out _), "more records than were queued");
    }

    [Fact]
    public void UnderContinuousOverload_TheDropCountStillReachesTheDaemon()
    {
        using var receiver = new PullReceiver();
        using var logging = new TestLogging(receiver.Endpoint, o => o.QueueCapacity = 8);
        var logger = logging.Logger();
        using var stop = new CancellationTokenSource();
        var writer = new Thread(() =>
        {
            long i = 0;
            while (!stop.IsCancellationRequested)
            {
                logger.LogInformation("flood {I} {Padding}", i++, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
            }
        });
        writer.Start();
        try
        {
            // The writer never pauses, so the queue never runs empty: the report must not wait for a lull.
            var report = receiver.TakeUntil(r => r.Name == "Distlog", TimeSpan.FromSeconds(30)).Record;
            Assert.True(writer.IsAlive);
            Assert.True((long)report.Arg("Dropped")! > 0);
        }
        finally
        {
            stop.Cancel();
            writer.Join();
        }
    }

    [Fact]
    public void BlockPolicy_WaitsForRoom_AndLosesNothingWhileTheDaemonKeepsUp()
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint, o => { o.QueueCapacity = 16; o.Overflow = OverflowPolicy.Block; o.BlockTimeout = TimeSpan.FromSeconds(30); }))
        {
            var logger = logging.Logger();

            // Dedicated threads: blocking pool threads would also starve NetMQ's socket I/O, which runs on the pool.
            var writers = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                for (int i = 0; i < 5_000; i++)
                {
                    logger.LogInformation("blocking {T} {I}", t, i);
                }
            })).ToList();
            writers.ForEach(w => w.Start());
            writers.ForEach(w => w.Join());
            Assert.Equal(0, logging.Provider.Statistics.Dropped);
            logging.Dispose();
            Assert.Equal(0, logging.Provider.Statistics.Dropped);
            Assert.Equal(20_000, logging.Provider.Statistics.Sent);
        }

        receiver.Take(20_000, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void BlockPolicy_GivesUpAfterItsTimeout_WhenNobodyReceives()
    {
        using var port = new PortReservation();
        using var logging = new TestLogging(port.Endpoint, o =>
        {
            o.QueueCapacity = 4;
            o.MaxBatchBytes = 0; // the sender holds at most one record aside from the queue
            o.SendHighWatermark = 1;
            o.Overflow = OverflowPolicy.Block;
            o.BlockTimeout = TimeSpan.FromMilliseconds(50);
            o.FlushTimeout = TimeSpan.FromMilliseconds(100);
        });
        var logger = logging.Logger();
        for (int i = 0; i < 12; i++)
        {
            logger.LogInformation("blocked {I}", i);
        }

        // Four fit in the queue and one waits in the sender; every other call waited its 50 ms and gave up.
        Assert.True(logging.Provider.Statistics.Dropped >= 7, logging.Provider.Statistics.ToString());
    }

    private static object Cycle()
    {
        var list = new List<object>();
        list.Add(list);
        return new { list };
    }

    public sealed class ThrowingGetter
    {
        public string Value => throw new InvalidOperationException("getter failed");
    }

    public sealed class ThrowingToString
    {
        public override string ToString() => throw new NotSupportedException("no text");
    }
}
