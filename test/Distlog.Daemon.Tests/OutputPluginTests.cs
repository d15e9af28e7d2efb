using System.Text;
using Distlog.Daemon.Plugins;
using Distlog.Daemon.Tests.Support;
using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using NetMQ;
using NetMQ.Sockets;
using Xunit;

namespace Distlog.Daemon.Tests;

public class OutputPluginTests
{
    [Fact]
    public async Task Publish_SubscribersFilterByTopicPrefix()
    {
        await using var daemon = await RunningDaemon.StartAsync("  - type: publish\n    endpoint: tcp://127.0.0.1:*\n");
        var publish = daemon.Host.Plugins.OfType<PublishPlugin>().Single();
        using var subscriber = new SubscriberSocket();
        subscriber.Connect(publish.Endpoint);
        subscriber.Subscribe("P.WARNING.");
        using var factory = LoggerFactory.Create(b => b.AddDistlog(daemon.Endpoint, TestClient.AtMostOnce));
        var logger = factory.CreateLogger("Orders.Api");

        // PUB/SUB drops what is published before the subscription arrives: probe until it is in place.
        bool subscribed = false;
        for (int i = 0; i < 100 && !subscribed; i++)
        {
            logger.LogWarning("probe");
            subscribed = subscriber.TryReceiveFrameString(TimeSpan.FromMilliseconds(100), out _);
            while (subscriber.TryReceiveFrameString(TimeSpan.Zero, out _))
            {
            }
        }

        Assert.True(subscribed, "the subscription never took effect");
        logger.LogInformation("not for this subscriber");
        logger.LogWarning("disk {Percent}% full", 91);

        string topic;
        do
        {
            Assert.True(subscriber.TryReceiveFrameString(TimeSpan.FromSeconds(10), out topic!));
            byte[] body = subscriber.ReceiveFrameBytes();
            var record = JsonRecordCodec.Default.Decode(body);
            if (record.Message == "probe")
            {
                continue;
            }

            Assert.Equal("P.WARNING.Orders.Api", topic);
            Assert.Equal("disk 91% full", record.Message);
            break;
        }
        while (true);
    }

    [Fact]
    public async Task Publish_ASubscriberThatNeverReads_DoesNotSlowTheDaemon()
    {
        await using var daemon = await RunningDaemon.StartAsync("  - type: publish\n    endpoint: tcp://127.0.0.1:*\n    hwm: 10\n");
        var publish = daemon.Host.Plugins.OfType<PublishPlugin>().Single();
        using var stuck = new SubscriberSocket();
        stuck.Options.ReceiveHighWatermark = 10;
        stuck.Connect(publish.Endpoint);
        stuck.SubscribeToAnyTopic();
        using (var factory = LoggerFactory.Create(b => b.AddDistlog(daemon.Endpoint, TestClient.AtMostOnce)))
        {
            var logger = factory.CreateLogger("load");
            for (int i = 0; i < 20_000; i++)
            {
                logger.LogInformation("record {I} {Padding}", i, new string('x', 200));
            }
        }

        daemon.WaitForFileRecords(20_000, TimeSpan.FromSeconds(60));
        Assert.True(Wait.For(() => daemon.Host.Statistics.Plugins.Single(p => p.Type == "publish").Handled == 20_000, TimeSpan.FromSeconds(30)));
        Assert.Equal(0, daemon.Host.Statistics.Plugins.Sum(p => p.Dropped + p.Failed));
    }

    [Fact]
    public async Task Console_IndentsByTaskDepth()
    {
        var output = new StringWriter();
        var plugin = new ConsolePlugin(new PluginSettings("t.yaml", 1, new Dictionary<string, (string?, int)>()), output, isTerminal: false);
        string id = "e252a11f-d33d-483d-ba08-bc8f642b2f10";
        LogRecord Record(string? key, string message, bool boundary = false, int level = 20) => new()
        {
            Name = "root", Message = message, LevelNo = level, LevelName = Levels.NameOf(level), Created = 1524085399.148,
            Service = "demo", Context = key is null ? null : new RecordContext(key, []),
            Task = boundary ? new TaskBoundary("enter", "running", null) : null,
        };

        await plugin.HandleAsync(
            [
                new ReceivedRecord('P', Record($"0@{id}", "toplevel", boundary: true), DateTimeOffset.UtcNow),
                new ReceivedRecord('P', Record($"1@{id}", "into task"), DateTimeOffset.UtcNow),
                new ReceivedRecord('P', Record($"0@{id}/1", "subtask", boundary: true), DateTimeOffset.UtcNow),
                new ReceivedRecord('P', Record($"1@{id}/1", "inner", level: 40), DateTimeOffset.UtcNow),
                new ReceivedRecord('P', Record(null, "all done"), DateTimeOffset.UtcNow),
            ],
            CancellationToken.None);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[13..]).ToList();
        Assert.Equal(
            [
                "INFO     [demo] root: toplevel",
                "INFO       [demo] root: into task",
                "INFO       [demo] root: subtask",
                "ERROR        [demo] root: inner",
                "INFO     [demo] root: all done",
            ],
            lines);
    }
}
