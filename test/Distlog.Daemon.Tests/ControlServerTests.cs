using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Distlog.Daemon.Configuration;
using Distlog.Daemon.Tests.Support;
using Distlog.Plugins;
using Distlog.Protocol.Control;
using Distlog.Tests.Shared;
using NetMQ;
using NetMQ.Sockets;
using Xunit;

namespace Distlog.Daemon.Tests;

/// <summary>distlogd's end of the sessions, spoken to by hand over a DEALER socket and raw TCP.</summary>
public sealed class ControlServerTests
{
    [Fact]
    public async Task HostilePeers_AreCountedAndIgnored_AndAProperClientStillGetsItsSnapshot()
    {
        await using var daemon = await RunningDaemon.StartAsync();
        var control = daemon.Host.Control!;
        string endpoint = control.Endpoints[0];

        // Raw bytes at the port: some noise, then a real ZMTP greeting followed by noise.
        var port = int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        foreach (byte[] bytes in new[] { "GET / HTTP/1.1\r\n\r\n"u8.ToArray(), [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0, .. new byte[5000]] })
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            await tcp.GetStream().WriteAsync(bytes);
        }

        using var dealer = new DealerSocket();
        dealer.Options.Identity = Encoding.ASCII.GetBytes("hostile");
        dealer.Connect(endpoint);
        byte[][][] garbage =
        [
            [[1, 2, 3]],
            ["DLC9"u8.ToArray(), "HELLO"u8.ToArray(), "{}"u8.ToArray()],
            ["DLC1"u8.ToArray(), "HELLO"u8.ToArray(), "not json"u8.ToArray()],
            ["DLC1"u8.ToArray(), "HELLO"u8.ToArray(), "{}"u8.ToArray()],
            ["DLC1"u8.ToArray(), "HELLO"u8.ToArray(), """{"instance":"x","service":"a\u001bb","host":"h","process":"p","version":"1","system":"P"}"""u8.ToArray()],
            ["DLC1"u8.ToArray(), "HELLO"u8.ToArray(), """{"instance":"x","service":"s","host":"h","process":"p","version":"1","system":"Q"}"""u8.ToArray()],
            ["DLC1"u8.ToArray(), "HELLO"u8.ToArray(), Encoding.ASCII.GetBytes(new string('{', 10_000))],
            ["DLC1"u8.ToArray(), "SHUTDOWN"u8.ToArray()],
            ["DLC1"u8.ToArray(), new byte[64], new byte[1], new byte[1]],
        ];
        foreach (var message in garbage)
        {
            var outgoing = new NetMQMessage();
            foreach (var frame in message)
            {
                outgoing.Append(frame);
            }

            dealer.SendMultipartMessage(outgoing);
        }

        Wait.Until(() => control.BadMessages >= garbage.Length - 1, () => $"the bad messages to be counted: {control.BadMessages}");
        Assert.Empty(control.Components);

        // A proper HELLO still gets the rules.
        await control.SetAsync(new LevelRuleRequest(Service: "orders", Level: "Debug", Ttl: "5m"), default);
        using var client = new DealerSocket();
        client.Connect(endpoint);
        client.SendMoreFrame("DLC1").SendMoreFrame("HELLO").SendFrame("""{"instance":"i1","service":"orders","host":"h1","pid":42,"process":"orders","version":"1.0","system":"P"}""");
        var reply = new List<byte[]>();
        Assert.True(client.TryReceiveMultipartBytes(TimeSpan.FromSeconds(10), ref reply!));
        Assert.Equal("SNAPSHOT", Encoding.ASCII.GetString(reply[1]));
        using var snapshot = JsonDocument.Parse(reply[2]);
        var rule = Assert.Single(ControlMessage.ReadRules(snapshot.RootElement, DateTimeOffset.UtcNow, relative: true));
        Assert.Equal(("orders", 10), (rule.Service, rule.Level));
        Wait.Until(() => control.Components.Any(c => c.Pid == 42), () => "the session among the components");
        Assert.Equal([rule.Id], control.Components.Single(c => c.Pid == 42).Rules);
    }

    [Fact]
    public async Task AControlEndpointInUse_IsOneLineNamingIt()
    {
        await using var first = await RunningDaemon.StartAsync();
        string endpoint = first.Host.Control!.Endpoints[0];
        var config = ConfigLoader.Parse($"listen: tcp://127.0.0.1:*\ncontrol: {endpoint}\nstats_endpoint: off\nplugins:\n  - type: console\n", "test.yaml");
        await using var second = new DaemonHost(config, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var ex = await Assert.ThrowsAsync<PluginConfigurationException>(second.StartAsync);
        Assert.Equal($"control endpoint {endpoint} is in use — is another distlogd running? (set control: to another endpoint, or off)", ex.Message);
    }

    [Fact]
    public async Task Rules_AreKeptInTheLevelsFile_AndReadBackAtStart_LessThoseThatEnded()
    {
        string folder = Directory.CreateTempSubdirectory("distlogd-rules-").FullName;
        try
        {
            string yaml = $"listen: tcp://127.0.0.1:*\ncontrol: tcp://127.0.0.1:*\nlevels_file: {folder}/rules.json\nstats_endpoint: off\nplugins:\n  - type: console\n";
            LevelRule kept;
            await using (var daemon = new DaemonHost(ConfigLoader.Parse(yaml, "test.yaml"), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance))
            {
                await daemon.StartAsync();
                kept = await daemon.Control!.SetAsync(new LevelRuleRequest(Logger: "App", Level: "Trace", Ttl: "0", Reason: "kept"), default);
                await daemon.Control.SetAsync(new LevelRuleRequest(Logger: "Brief", Level: "Debug", Ttl: "1ms"), default);
            }

            Assert.True(File.Exists(Path.Combine(folder, "rules.json")));
            await using var again = new DaemonHost(ConfigLoader.Parse(yaml, "test.yaml"), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
            await again.StartAsync();
            var rule = Assert.Single(again.Control!.Rules);
            Assert.Equal(kept, rule);
            Assert.Null(rule.ExpiresAt);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("control: off\n", 0)]
    [InlineData("control: [tcp://127.0.0.1:*, tcp://127.0.0.1:*]\n", 2)]
    public void ControlKey_IsOffOrAListOfEndpoints(string yaml, int count)
    {
        var config = ConfigLoader.Parse(yaml + "plugins:\n  - type: console\n", "test.yaml");
        Assert.Equal(count, config.Control.Count);
        Assert.Equal(DaemonConfig.DefaultControl, Assert.Single(ConfigLoader.Parse("plugins:\n  - type: console\n", "t.yaml").Control));
    }

    [Fact]
    public void ControlKey_WithABadEndpoint_IsOneLineNamingFileAndLine()
    {
        var ex = Assert.Throws<PluginConfigurationException>(() => ConfigLoader.Parse("plugins:\n  - type: console\ncontrol: [5011]\n", "test.yaml"));
        Assert.StartsWith("test.yaml:3: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'control'", ex.Message, StringComparison.Ordinal);
    }
}
