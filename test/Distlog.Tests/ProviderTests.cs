using System.Text;
using Distlog.Protocol;
using Distlog.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;

namespace Distlog.Tests;

public class ProviderTests
{
    [Fact]
    public void Record_CarriesTemplateArgsLevelsAndProcessFacts()
    {
        using var receiver = new PullReceiver();
        var error = new InvalidOperationException("broken");
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger("Orders.Api");
            logger.LogTrace("t");
            logger.LogDebug("d");
            logger.LogInformation(new EventId(7, "OrderPlaced"), "Order {OrderId} for {Customer}", 42, "leo");
            logger.LogWarning("w");
            logger.LogError(error, "e");
            logger.LogCritical("c");
        }

        var records = receiver.Take(6).Select(r => r.Record).ToList();
        Assert.Equal([5, 10, 20, 30, 40, 50], records.Select(r => r.LevelNo));
        Assert.Equal(["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], records.Select(r => r.LevelName));

        var order = records[2];
        Assert.Equal("Orders.Api", order.Name);
        Assert.Equal("Order {OrderId} for {Customer}", order.Msg);
        Assert.Equal("Order 42 for leo", order.Message);
        Assert.Equal(new Dictionary<string, object?> { ["OrderId"] = 42L, ["Customer"] = "leo" }, order.Args);
        Assert.Equal(new RecordEvent(7, "OrderPlaced"), order.Event);
        Assert.Equal(Environment.ProcessId, order.Process);
        Assert.Equal("tests", order.Service);
        Assert.False(string.IsNullOrEmpty(order.Hostname));
        Assert.InRange(order.Created, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.InRange(order.Msecs, 0, 1000);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$", order.AscTime!);
        Assert.True(order.RelativeCreated > 0);
        Assert.Null(order.Context);
        Assert.Null(order.Pathname);

        Assert.StartsWith("System.InvalidOperationException: broken", records[4].ExcText, StringComparison.Ordinal);
        Assert.Null(records[5].Args);
    }

    [Fact]
    public void MelScopes_TravelAsStructuredData()
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger();
            using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = "r-17" }))
            using (logger.BeginScope("Processing order {OrderId}", 42))
            using (logger.BeginScope("plain text scope"))
            {
                logger.LogInformation("inside scopes");
            }

            logger.LogInformation("outside");
        }

        var records = receiver.Take(2).Select(r => r.Record).ToList();
        var scopes = records[0].Scopes!;
        Assert.Equal(3, scopes.Count);
        Assert.Equal(new Dictionary<string, object?> { ["RequestId"] = "r-17" }, scopes[0]);
        Assert.Equal(new Dictionary<string, object?> { ["OrderId"] = 42L, ["$text"] = "Processing order 42" }, scopes[1]);
        Assert.Equal("plain text scope", scopes[2]);
        Assert.Null(records[1].Scopes);
    }

    [Theory]
    [InlineData(DistlogEncoding.Json, DistlogSystem.Production, "PLJ")]
    [InlineData(DistlogEncoding.MessagePack, DistlogSystem.Staging, "SLM")]
    public async Task EncodingAndSystem_ChooseTheTopic(DistlogEncoding encoding, DistlogSystem system, string topic)
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint, o => { o.Encoding = encoding; o.System = system; }))
        {
            using var job = logging.Logger().BeginTask("job", new { n = 1 });
            Assert.True(await logging.Provider.FlushAsync(TimeSpan.FromSeconds(10)));
        }

        var received = receiver.Take(2);
        Assert.Equal(topic, received[1].Topic.ToString());
        Assert.Equal(topic, received[0].Topic.ToString());
        Assert.Equal("job", received[0].Record.Message);
        Assert.Equal(1L, received[0].Record.Data("n"));
    }

    [Fact]
    public void Burst_IsSentInBatches_InOrder_AndAnIdleRecordAlone()
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint, o => o.Encoding = DistlogEncoding.MessagePack))
        {
            var logger = logging.Logger();
            for (int i = 0; i < 30_000; i++)
            {
                logger.LogInformation("record {Index}", i);
            }

            var burst = receiver.Take(30_000, TimeSpan.FromSeconds(60));
            Assert.Equal(Enumerable.Range(0, 30_000).Select(i => (long)i), burst.Select(r => (long)r.Record.Arg("Index")!));
            Assert.Contains(burst, r => r.Topic.ToString() == "PBM");
            Assert.True(receiver.Messages < 30_000 / 5, $"{receiver.Messages} messages for 30000 records");

            Assert.True(logging.Provider.FlushAsync(TimeSpan.FromSeconds(10)).Result);
            logger.LogInformation("alone");
            var alone = receiver.Take(1)[0];
            Assert.Equal("PLM", alone.Topic.ToString());
            Assert.Equal(30_001, logging.Provider.Statistics.Sent);
        }
    }

    [Fact]
    public void MaxBatchBytesZero_SendsOneRecordPerMessage_AsTheOriginal()
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint, o => o.MaxBatchBytes = 0))
        {
            var logger = logging.Logger();
            for (int i = 0; i < 500; i++)
            {
                logger.LogInformation("record {Index}", i);
            }
        }

        var records = receiver.Take(500);
        Assert.All(records, r => Assert.Equal("PLJ", r.Topic.ToString()));
        Assert.Equal(500, receiver.Messages);
    }

    [Fact]
    public void Configuration_BindsLoggingDistlogSection()
    {
        const string json = """
            {
              "Logging": {
                "Distlog": {
                  "Endpoint": "tcp://127.0.0.1:6123",
                  "Encoding": "MessagePack",
                  "System": "Staging",
                  "ServiceName": "billing",
                  "QueueCapacity": 1234,
                  "Overflow": "Block",
                  "FlushTimeout": "00:00:01"
                }
              }
            }
            """;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddDistlog());
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<DistlogOptions>>().CurrentValue;

        Assert.Equal("tcp://127.0.0.1:6123", options.Endpoint);
        Assert.Equal(DistlogEncoding.MessagePack, options.Encoding);
        Assert.Equal(DistlogSystem.Staging, options.System);
        Assert.Equal("billing", options.ServiceName);
        Assert.Equal(1234, options.QueueCapacity);
        Assert.Equal(OverflowPolicy.Block, options.Overflow);
        Assert.Equal(TimeSpan.FromSeconds(1), options.FlushTimeout);
        Assert.Contains(provider.GetServices<ILoggerProvider>(), p => p is DistlogLoggerProvider);
    }

    [Fact]
    public void AddDistlog_EndpointArgument_OverridesConfiguration()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:Distlog:Endpoint"] = "tcp://10.0.0.1:1", ["Logging:Distlog:ServiceName"] = "svc" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging
            .AddConfiguration(configuration.GetSection("Logging"))
            .AddDistlog("tcp://127.0.0.1:7000", o => o.QueueCapacity = 10));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<DistlogOptions>>().CurrentValue;

        Assert.Equal("tcp://127.0.0.1:7000", options.Endpoint);
        Assert.Equal("svc", options.ServiceName);
        Assert.Equal(10, options.QueueCapacity);
    }

    [Fact]
    public void AddDistlog_WithOnlyConfigure_KeepsTheEndpointOfConfiguration()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:Distlog:Endpoint"] = "tcp://10.0.0.1:1" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging
            .AddConfiguration(configuration.GetSection("Logging"))
            .AddDistlog(configure: o => o.ServiceName = "svc"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<DistlogOptions>>().CurrentValue;

        Assert.Equal("tcp://10.0.0.1:1", options.Endpoint);
        Assert.Equal("svc", options.ServiceName);
    }

    [Fact]
    public async Task Host_WithAddDistlog_ShipsRecordsAndFlushesOnStop()
    {
        using var receiver = new PullReceiver();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddDistlog(receiver.Endpoint, o => o.ServiceName = "hosted");
        using (var host = builder.Build())
        {
            await host.StartAsync();
            var logger = host.Services.GetRequiredService<ILogger<ProviderTests>>();
            using (logger.BeginTask("hosted job"))
            {
                logger.LogWarning("from the host");
            }

            await host.StopAsync();
        }

        var records = receiver.TakeUntil(r => r.Message == "DONE hosted job");
        Assert.Contains(receiver.Taken, r => r.Record.Message == "from the host" && r.Record.Name == typeof(ProviderTests).FullName && r.Record.Service == "hosted");
        Assert.NotNull(records.Record.Context);
    }
}
