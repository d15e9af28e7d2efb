using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Distlog.Daemon.Tests.Support;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using Xunit;

namespace Distlog.Daemon.Tests;

/// <summary><c>type: seq</c> and <c>type: otlp</c> against a real local HTTP endpoint, fed by a real client
/// through a running distlogd.</summary>
public sealed class ExportPluginTests : IDisposable
{
    private readonly ActivitySource _source = new(nameof(ExportPluginTests));
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == nameof(ExportPluginTests),
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public ExportPluginTests() => ActivitySource.AddActivityListener(_listener);

    [Fact]
    public async Task Seq_GetsClef_WithItsApiKey_TasksAsSpans_AndABatchRefusedOnceComesAgain()
    {
        using var seq = new HttpSink();
        seq.Answers.Enqueue(503);
        Environment.SetEnvironmentVariable("DISTLOG_TEST_SEQ_KEY", "k3y-from-env");
        await using var daemon = await RunningDaemon.StartAsync($"  - type: seq\n    url: {seq.Url}/\n    api_key: ${{DISTLOG_TEST_SEQ_KEY}}\n");
        string root;
        using (var provider = new DistlogLoggerProvider(new DistlogOptions { Endpoint = daemon.Endpoint, ServiceName = "shop", SelfLog = _ => { }, ControlEndpoint = "off" }))
        {
            var logger = provider.CreateLogger("Shop.Orders");
            using var order = logger.BeginTask("order {OrderId}", new { user = "leo" }, 42);
            root = order.Id;
            using (logger.BeginSubtask("pay"))
            {
                logger.LogWarning("card {Card} declined", "visa");
            }
        }

        var refused = seq.Next();
        var again = seq.Next();
        Assert.Equal(503, refused.AnsweredWith);
        Assert.Equal(200, again.AnsweredWith);
        Assert.Equal(refused.Body, again.Body);
        Assert.Equal(("POST", "/ingest/clef"), (again.Method, again.Path));
        Assert.Equal("k3y-from-env", again.Headers["X-Seq-ApiKey"]);
        Assert.StartsWith("application/vnd.serilog.clef", again.Headers["Content-Type"], StringComparison.Ordinal);

        static IEnumerable<JsonElement> Events(HttpSink.Request request) =>
            Encoding.UTF8.GetString(request.Body).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement);
        var events = Events(again).ToList();
        while (events.Count < 5)
        {
            events.AddRange(Events(seq.Next())); // the rest, when the records came in more than one batch
        }

        Assert.Equal(5, events.Count);
        string trace = Guid.Parse(root).ToString("N");
        Assert.All(events, e => Assert.Equal(trace, e.GetProperty("@tr").GetString()));

        var declined = events.Single(e => e.GetProperty("@m").GetString() == "card visa declined");
        Assert.Equal("card {Card} declined", declined.GetProperty("@mt").GetString());
        Assert.Equal("Warning", declined.GetProperty("@l").GetString());
        Assert.Equal("visa", declined.GetProperty("Card").GetString());
        Assert.Equal("Shop.Orders", declined.GetProperty("SourceContext").GetString());

        // The subtask's exit record is its span: it starts where the task did, inside the order's span.
        var payEnter = events.Single(e => e.GetProperty("@m").GetString() == "pay");
        var payExit = events.Single(e => e.GetProperty("@m").GetString() == "DONE pay");
        var orderExit = events.Single(e => e.GetProperty("@m").GetString() == "DONE order 42");
        Assert.Equal(payEnter.GetProperty("@sp").GetString(), payExit.GetProperty("@sp").GetString());
        Assert.Equal(declined.GetProperty("@sp").GetString(), payExit.GetProperty("@sp").GetString());
        Assert.Equal(orderExit.GetProperty("@sp").GetString(), payExit.GetProperty("@ps").GetString());
        Assert.False(orderExit.TryGetProperty("@ps", out _));
        Assert.Equal("leo", orderExit.GetProperty("Context").GetProperty("user").GetString());
        Assert.True(DateTimeOffset.Parse(payExit.GetProperty("@st").GetString()!, CultureInfo.InvariantCulture) <= DateTimeOffset.Parse(payExit.GetProperty("@t").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(payEnter.GetProperty("@t").GetString()![..19], payExit.GetProperty("@st").GetString()![..19]);
    }

    [Fact]
    public async Task Otlp_PostsGzippedProtobuf_WithItsHeaders_AndABatchRefusedOnceComesAgain()
    {
        using var collector = new HttpSink();
        collector.Answers.Enqueue(500);
        await using var daemon = await RunningDaemon.StartAsync($"  - type: otlp\n    url: {collector.Url}\n    headers: Authorization=Bearer abc,X-Tenant=t%2C1\n");
        using (var provider = new DistlogLoggerProvider(new DistlogOptions { Endpoint = daemon.Endpoint, ServiceName = "shop", SelfLog = _ => { }, ControlEndpoint = "off" }))
        {
            provider.CreateLogger("Shop.Orders").LogInformation("order {OrderId} taken", 42);
        }

        var refused = collector.Next();
        var again = collector.Next();
        Assert.Equal((500, 200), (refused.AnsweredWith, again.AnsweredWith));
        Assert.Equal(refused.Body, again.Body);
        Assert.Equal(("POST", "/v1/logs"), (again.Method, again.Path));
        Assert.Equal("gzip", again.Headers["Content-Encoding"]);
        Assert.Equal("application/x-protobuf", again.Headers["Content-Type"]);
        Assert.Equal("Bearer abc", again.Headers["Authorization"]);
        Assert.Equal("t,1", again.Headers["X-Tenant"]);
        Assert.Equal(["resource service.name=shop | scope Shop.Orders | 9 Information | order {OrderId} taken | OrderId=int:42 | trace - -"], Logs(again.Body));
    }

    [Fact]
    public async Task Otlp_Body_DecodesAsOpenTelemetrysOwnExporterSendsTheSameRecords()
    {
        using var official = new HttpSink();
        using var ours = new HttpSink();
        await using var daemon = await RunningDaemon.StartAsync($"  - type: otlp\n    url: {ours.Url}\n");
        var otel = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddOpenTelemetry(o =>
        {
            o.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("shop"));
            o.AddOtlpExporter(e =>
            {
                e.Endpoint = new Uri(official.Url + "/v1/logs");
                e.Protocol = OtlpExportProtocol.HttpProtobuf;
            });
        }));
        var provider = new DistlogLoggerProvider(new DistlogOptions { Endpoint = daemon.Endpoint, ServiceName = "shop", SelfLog = _ => { }, ControlEndpoint = "off" });
        var distlog = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));

        Exception failure;
        try
        {
            throw new InvalidOperationException("card declined");
        }
        catch (InvalidOperationException ex)
        {
            failure = ex;
        }

        using (_source.StartActivity("request"))
        {
            foreach (var factory in new[] { otel, distlog })
            {
                var logger = factory.CreateLogger("Shop.Orders");
                logger.LogInformation("order {OrderId} from {User}", 42, "leo");
                logger.LogWarning(new EventId(7, "LowStock"), "stock low for {Item} at {Ratio}", "widget", 0.25);
                logger.LogError(failure, "payment failed for {OrderId}", 42);
                factory.CreateLogger("Shop.Payments").LogDebug("retrying in {Seconds} s", 5);
            }
        }

        otel.Dispose();
        distlog.Dispose();
        provider.Dispose();
        // Either side may send the four records in more than one request (batches follow arrival).
        var expected = LogsOf(official, 4);
        var actual = LogsOf(ours, 4);

        Assert.Equal(4, expected.Count);
        Assert.Equal(string.Join("\n", expected), string.Join("\n", actual));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _source.Dispose();
    }

    /// <summary>The first <paramref name="count"/> log records <paramref name="sink"/> receives, over as many requests as it takes.</summary>
    private static List<string> LogsOf(HttpSink sink, int count)
    {
        var logs = new List<string>();
        while (logs.Count < count)
        {
            logs.AddRange(Logs(sink.Next().Body));
        }

        return logs;
    }

    /// <summary>Each log record of an OTLP request as one line of what both exporters define the same way: its resource's
    /// service, scope, severity, body, attributes (distlog's own, <c>distlog.*</c>, and the resource's other attributes
    /// left out), W3C ids and event name. Times differ from run to run and are left out.</summary>
    private static List<string> Logs(byte[] body)
    {
        var lines = new List<string>();
        foreach (var resourceLogs in ProtoReader.Fields(body).Messages(1).Select(m => ProtoReader.Fields(m)))
        {
            var resource = ProtoReader.Fields(resourceLogs.Messages(1).First());
            string service = resource.Messages(1).Select(a => ProtoReader.Fields(a)).Where(a => a.Text(1) == "service.name").Select(a => Any(a.Messages(2).First())).Single();
            foreach (var scopeLogs in resourceLogs.Messages(2).Select(m => ProtoReader.Fields(m)))
            {
                string scope = ProtoReader.Fields(scopeLogs.Messages(1).First()).Text(1) ?? "";
                foreach (var log in scopeLogs.Messages(2).Select(m => ProtoReader.Fields(m)))
                {
                    var attributes = log.Messages(6).Select(a => ProtoReader.Fields(a))
                        .Where(a => !a.Text(1)!.StartsWith("distlog.", StringComparison.Ordinal))
                        .Select(a => $"{a.Text(1)}={Any(a.Messages(2).First())}").Order(StringComparer.Ordinal);
                    string ids = log.Messages(9).FirstOrDefault() is { } trace ? $"{Convert.ToHexStringLower(trace)} {Convert.ToHexStringLower(log.Messages(10).First())} flags {log.Number(8)}" : "- -";
                    string eventName = log.Text(12) is { } name ? $" | event {name}" : "";
                    lines.Add($"resource service.name={service[4..]} | scope {scope} | {log.Number(2)} {log.Text(3)} | {Any(log.Messages(5).First())[4..]} | {string.Join(", ", attributes)} | trace {ids}{eventName}");
                }
            }
        }

        return lines;
    }

    private static string Any(byte[] value)
    {
        var (field, raw) = ProtoReader.Fields(value).Single();
        return field switch
        {
            1 => "str:" + Encoding.UTF8.GetString((byte[])raw),
            2 => "bool:" + ((ulong)raw != 0),
            3 => "int:" + (long)(ulong)raw,
            4 => "double:" + BitConverter.UInt64BitsToDouble((ulong)raw).ToString(CultureInfo.InvariantCulture),
            _ => $"field{field}",
        };
    }
}
