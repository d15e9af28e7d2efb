using System.Text;
using Distlog.Protocol.Control;
using Distlog.Tests.Shared;
using Distlog.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NetMQ;
using NetMQ.Sockets;
using Xunit;

namespace Distlog.Tests;

/// <summary>The client's end of the session, against a ROUTER socket that plays distlogd: rules reach MEL's filters,
/// end on time without the daemon, and nothing the "daemon" sends can break the client.</summary>
public sealed class LevelRuleTests : IDisposable
{
    private readonly RouterSocket _daemon = new();
    private readonly string _control;
    private byte[]? _client;

    public LevelRuleTests()
    {
        _control = $"tcp://127.0.0.1:{_daemon.BindRandomPort("tcp://127.0.0.1")}";
    }

    public void Dispose() => _daemon.Dispose();

    [Fact]
    public void ASnapshot_TurnsOnDebugThroughMelsFilters_AndTheRuleEndsOnTimeWithoutTheDaemon()
    {
        using var receiver = new PullReceiver();
        using var services = Services(receiver.Endpoint, LevelRuleScope.AllProviders, out var capture);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("App.Orders.Payments");
        var other = services.GetRequiredService<ILoggerFactory>().CreateLogger("App.Other");
        var hello = Receive("HELLO");
        Assert.Contains("\"service\":\"level-tests\"", hello, StringComparison.Ordinal);
        Assert.False(logger.IsEnabled(LogLevel.Debug));

        Send("SNAPSHOT", """{"epoch":"e1","version":3,"rules":[{"id":"r1","service":"level-tests","logger":"App.Orders","level":"Debug","expiresInMs":1500},{"id":"r2","service":"someone-else","level":"Trace","expiresInMs":600000}]}""");
        Wait.Until(() => logger.IsEnabled(LogLevel.Debug), () => "the rule to reach the logger");
        Assert.False(logger.IsEnabled(LogLevel.Trace)); // r2 selects another service
        Assert.False(other.IsEnabled(LogLevel.Debug)); // r1 selects another logger
        logger.LogDebug("debug while the rule holds");
        Assert.Equal("debug while the rule holds", receiver.TakeUntil(r => r.Message == "debug while the rule holds").Record.Message);
        Assert.Contains("debug while the rule holds", capture.Messages); // every provider obeys

        // The "daemon" says nothing more; the client ends the rule by itself.
        Wait.Until(() => !logger.IsEnabled(LogLevel.Debug), () => "the rule to end", TimeSpan.FromSeconds(10));
        Assert.True(logger.IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void DistlogOnly_ChangesWhatDistlogSends_NotWhatOtherProvidersLog()
    {
        using var receiver = new PullReceiver();
        using var services = Services(receiver.Endpoint, LevelRuleScope.DistlogOnly, out var capture);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("App.Orders");
        Receive("HELLO");
        Send("SNAPSHOT", """{"epoch":"e1","version":1,"rules":[{"id":"r1","level":"Debug","expiresInMs":600000}]}""");
        Wait.Until(() => logger.IsEnabled(LogLevel.Debug), () => "the rule to reach distlog");

        logger.LogDebug("for distlog only");
        logger.LogInformation("for everyone");
        Assert.Equal("for distlog only", receiver.TakeUntil(r => r.Message == "for distlog only").Record.Message);
        receiver.TakeUntil(r => r.Message == "for everyone");
        Assert.Equal(["for everyone"], capture.Messages);
    }

    [Fact]
    public void HostileControlMessages_AreIgnored_AndTheSessionGoesOn()
    {
        using var receiver = new PullReceiver();
        using var services = Services(receiver.Endpoint, LevelRuleScope.AllProviders, out _);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("App");
        Receive("HELLO");

        List<byte[][]> garbage =
        [
            [[0xff, 0x00, 0x13]],
            [Encoding.ASCII.GetBytes("DLC9"), Encoding.ASCII.GetBytes("SNAPSHOT"), "{}"u8.ToArray()],
            [Encoding.ASCII.GetBytes("DLC1"), Encoding.ASCII.GetBytes("SNAPSHOT"), "not json"u8.ToArray()],
            [Encoding.ASCII.GetBytes("DLC1"), Encoding.ASCII.GetBytes("SNAPSHOT"), "[1,2,3]"u8.ToArray()],
            [Encoding.ASCII.GetBytes("DLC1"), Encoding.ASCII.GetBytes("SNAPSHOT"), Encoding.UTF8.GetBytes(new string('[', 5000))],
            [Encoding.ASCII.GetBytes("DLC1"), Encoding.ASCII.GetBytes("SNAPSHOT"), """{"epoch":"x","version":1,"rules":[{"id":"r","level":"Loud"}]}"""u8.ToArray()],
            [Encoding.ASCII.GetBytes("DLC1"), Encoding.ASCII.GetBytes("SNAPSHOT"), """{"epoch":"x","version":1,"rules":[{"id":"r","level":"Debug","task":"../../etc"}]}"""u8.ToArray()],
            [Encoding.ASCII.GetBytes("DLC1"), Encoding.ASCII.GetBytes("UPDATE"), """{"set":{"id":"r","level":"Debug"}}"""u8.ToArray()],
            [Encoding.ASCII.GetBytes("DLC1"), Encoding.ASCII.GetBytes("NONSENSE")],
            [Encoding.ASCII.GetBytes("DLC1"), new byte[100], new byte[10], new byte[10]],
        ];
        foreach (var message in garbage)
        {
            var outgoing = new NetMQMessage();
            outgoing.Append(_client!);
            foreach (var frame in message)
            {
                outgoing.Append(frame);
            }

            _daemon.SendMultipartMessage(outgoing);
        }

        // None of it set a rule; a good snapshot after it does, and logging never stopped.
        logger.LogInformation("still logging");
        receiver.TakeUntil(r => r.Message == "still logging");
        Assert.False(logger.IsEnabled(LogLevel.Debug));
        Send("SNAPSHOT", """{"epoch":"e2","version":1,"rules":[{"id":"ok","level":"Debug","expiresInMs":600000}]}""");
        Wait.Until(() => logger.IsEnabled(LogLevel.Debug), () => "the good snapshot's rule");
    }

    [Fact]
    public void ADaemonThatDoesNotAcknowledge_StopsTheSenderAtMaxUnacknowledgedBytes_AndTheQueuesOverflowPolicyCounts()
    {
        using var receiver = new PullReceiver();
        using var services = new ServiceCollection().AddLogging(b => b
            .SetMinimumLevel(LogLevel.Information)
            .AddDistlog(receiver.Endpoint, o =>
            {
                o.ServiceName = "window-tests";
                o.FlushTimeout = TimeSpan.FromSeconds(1);
                o.ControlEndpoint = _control;
                o.MaxUnacknowledgedBytes = 64 * 1024;
                o.QueueCapacity = 100;
            })).BuildServiceProvider();
        var provider = services.GetServices<ILoggerProvider>().OfType<DistlogLoggerProvider>().Single();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("App.Window");
        Receive("HELLO");
        Send("SNAPSHOT", """{"epoch":"e1","version":1,"rules":[]}""");
        string padding = new('x', 200);
        logger.LogInformation("first {Padding}", padding);
        Wait.Until(() => provider.Statistics.Sent == 1, () => $"the session to join and the first record to go: {provider.Statistics}");
        for (int i = 0; i < 2000; i++)
        {
            logger.LogInformation("record {N} {Padding}", i, padding);
        }

        // Records of some 870 bytes: the sender stops once 64 KiB are unacknowledged, with records still queued; the
        // queue of 100 filled during the burst, and the rest was dropped and counted (DropNewest). "Stopped": nothing
        // more is sent for half a second (bounded: at most 101 records can go).
        DistlogStatistics stopped;
        do
        {
            stopped = provider.Statistics;
        }
        while (Wait.For(() => provider.Statistics.Sent > stopped.Sent, TimeSpan.FromMilliseconds(500)));
        Assert.True(stopped.QueueDepth > 0 && stopped.Sent + stopped.QueueDepth == stopped.Enqueued, $"the sender stopped at its window with records queued: {stopped}");
        Assert.Equal(2001, stopped.Enqueued + stopped.Dropped);

        // The daemon acknowledges all it gets from now on: what waited goes on.
        Wait.Until(
            () =>
            {
                Send("ACK", $$"""{"seqs":[{{string.Join(',', Enumerable.Range(1, 1000))}}]}""");
                return provider.Statistics is { QueueDepth: 0 } s && s.Sent == s.Enqueued;
            },
            () => $"the queue to go once acknowledged: {provider.Statistics}");
    }

    private ServiceProvider Services(string endpoint, LevelRuleScope scope, out CaptureProvider capture)
    {
        var captured = new CaptureProvider();
        capture = captured;
        return new ServiceCollection().AddLogging(b => b
            .SetMinimumLevel(LogLevel.Information)
            .AddProvider(captured)
            .AddDistlog(endpoint, o =>
            {
                o.ServiceName = "level-tests";
                o.FlushTimeout = TimeSpan.FromSeconds(1); // this "daemon" never acknowledges: no use waiting for it
                o.ControlEndpoint = _control;
                o.LevelRules = scope;
            })).BuildServiceProvider();
    }

    /// <summary>Waits for the client's next message of <paramref name="verb"/>; its body.</summary>
    private string Receive(string verb)
    {
        while (true)
        {
            var message = _daemon.ReceiveMultipartMessage();
            Assert.True(message.FrameCount >= 3, $"a message of {message.FrameCount} frames");
            _client = message[0].ToByteArray();
            if (message[2].ConvertToString() == verb)
            {
                return message.FrameCount > 3 ? message[3].ConvertToString(Encoding.UTF8) : string.Empty;
            }
        }
    }

    private void Send(string verb, string body)
    {
        var message = new NetMQMessage();
        message.Append(_client!);
        message.Append(ControlMessage.Header);
        message.Append(verb);
        message.Append(Encoding.UTF8.GetBytes(body));
        _daemon.SendMultipartMessage(message);
    }

    /// <summary>Another provider of the same set-up: what it was asked to log.</summary>
    private sealed class CaptureProvider : ILoggerProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

        public IReadOnlyCollection<string> Messages => _messages;

        public ILogger CreateLogger(string categoryName) => new Logger(_messages);

        public void Dispose()
        {
        }

        private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception));
        }
    }
}
