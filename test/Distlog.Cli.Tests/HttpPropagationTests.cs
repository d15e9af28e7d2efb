using System.Net;
using System.Net.Sockets;
using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Protocol;
using Distlog.Query;
using Distlog.Store.Sqlite;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Cli.Tests;

/// <summary>Two ASP.NET Core services as separate processes, with distlog and OpenTelemetry and no propagation code
/// (test/Distlog.Tests.WebPeer): a request to the first, which calls the second through IHttpClientFactory, is one
/// stored tree, and its records carry the W3C ids of the spans OpenTelemetry exported.</summary>
public sealed class HttpPropagationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distlog-http-").FullName;

    [Fact]
    public async Task TwoServices_WithNoPropagationCode_AreOneTree_WithTheFrameworksRecords_AndOpenTelemetrysIds()
    {
        string db = Path.Combine(_folder, "store.db");
        var spans = new List<string[]>();
        await using (var daemon = await StartDaemonAsync(db))
        {
            string endpoint = daemon.Endpoints[0];
            int backPort = FreePort(), frontPort = FreePort();
            string dll = ChildProcess.ProjectDll("test/Distlog.Tests.WebPeer", "Distlog.Tests.WebPeer");
            using var back = ChildProcess.Start(dll, "pricing", backPort.ToString(), endpoint);
            using var front = ChildProcess.Start(dll, "shop", frontPort.ToString(), endpoint, $"http://127.0.0.1:{backPort}");
            Assert.Equal("ready", back.ReadLine());
            Assert.Equal("ready", front.ReadLine());

            using var http = new HttpClient();
            Assert.Equal("order 42: 7.50", await http.GetStringAsync(new Uri($"http://127.0.0.1:{frontPort}/order/42")));
            foreach (var (process, port) in new[] { (front, frontPort), (back, backPort) })
            {
                (await http.PostAsync(new Uri($"http://127.0.0.1:{port}/shutdown"), null)).EnsureSuccessStatusCode();
                Assert.Equal(0, process.WaitForExit());
                spans.AddRange(process.ReadRest().Where(l => l.StartsWith("span ", StringComparison.Ordinal)).Select(l => l.Split(' ', 7)));
            }

            // Both processes flushed before exiting; the store has it all once each request's task has ended.
            Wait.Until(() => ExitsStored(db) >= 2, () => "both requests' exit records in the store");
        }

        var store = new SqliteRecordStore(db);
        var page = await store.QueryAsync(new RecordQuery { Text = "GET /order/42" });
        string root = page.Records.First(r => r.Record.Task?.Event == TaskBoundary.Enter).Record.Context!.ParsedKey!.Value.RootId;
        var (records, _) = await store.ReadTaskAsync(root, 10_000);
        var tree = TaskTree.Build(root, records);

        // The front's request is the root task, named after it; ASP.NET Core's own records are inside it.
        Assert.Equal("GET /order/42", tree.Root.Enter!.Record.Message);
        Assert.Equal(TaskBoundary.Succeeded, tree.Root.Status);
        Assert.Contains(tree.Root.Records, r => r.Record.Name == "Microsoft.AspNetCore.Hosting.Diagnostics" && r.Record.Message!.StartsWith("Request starting", StringComparison.Ordinal));

        // The callee's request hangs under the caller's "price the basket" subtask, framework records and all.
        var basket = tree.Root.Children.Single(c => c.Enter!.Record.Message == "price the basket");
        var callee = Assert.Single(basket.Children);
        Assert.True(callee.IsImported);
        Assert.Equal("GET /price/widget", callee.Enter!.Record.Message);
        Assert.All(callee.Records, r => Assert.Equal("pricing", r.Record.Service));
        Assert.Contains(callee.Records, r => r.Record.Message == "pricing widget");
        Assert.Contains(callee.Records, r => r.Record.Name == "Microsoft.AspNetCore.Hosting.Diagnostics" && r.Record.Message!.StartsWith("Request starting", StringComparison.Ordinal));
        Assert.Contains(callee.Records, r => r.Record.Name == "Microsoft.AspNetCore.Hosting.Diagnostics" && r.Record.Message!.StartsWith("Request finished", StringComparison.Ordinal));
        Assert.Equal(TaskBoundary.Succeeded, callee.Status);

        // One W3C trace across both processes, and every record's span is one OpenTelemetry exported there.
        var all = tree.Scopes.SelectMany(s => s.Records).Select(r => r.Record).ToList();
        string trace = Assert.Single(all.Select(r => r.TraceId).Distinct())!;
        Assert.Matches("^[0-9a-f]{32}$", trace);
        var traced = spans.Where(s => s[1] == trace).ToList();
        Assert.Equal(2, traced.Count(s => s[4] == "Microsoft.AspNetCore")); // the request in each service
        Assert.Single(traced, s => s[4] == "System.Net.Http");
        var spanIds = traced.Select(s => s[2]).ToHashSet();
        Assert.All(all, r => Assert.Contains(r.SpanId!, spanIds));

        // Each task is a span of the "Distlog" source, with its status: the records inside a task carry its span.
        var taskSpans = traced.Where(s => s[4] == DistlogTask.ActivitySourceName).ToList();
        var basketSpan = Assert.Single(taskSpans, s => s[6] == "price the basket");
        Assert.Equal("Ok", basketSpan[5]);
        Assert.Equal(basketSpan[2], basket.Enter!.Record.SpanId);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static long ExitsStored(string db)
    {
        var store = new SqliteRecordStore(db);
        return store.QueryAsync(new RecordQuery { Text = "answered 200" }).GetAwaiter().GetResult().Records.Count;
    }

    private static async Task<DaemonHost> StartDaemonAsync(string db)
    {
        var config = ConfigLoader.Parse($"listen: tcp://127.0.0.1:*\nstats_interval: 0s\nstats_endpoint: off\ncontrol: off\njournal: off\nplugins:\n  - type: sqlite\n    path: {db}\n", "test.yaml");
        var host = new DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)));
        await host.StartAsync();
        return host;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
