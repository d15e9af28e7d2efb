using Distlog.Daemon;
using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace Distlog.Storage.Tests.Support;

/// <summary>
/// The records every store is tested with, made once by the real stack: the seed's tutorial as a process, a
/// request whose backend call is continued by a second process (<c>ImportTask</c>), and some unrelated records —
/// all sent by the client library to a real distlogd, captured as the daemon hands them to plugins.
/// </summary>
internal sealed class Corpus
{
    private static readonly Lazy<Task<Corpus>> s_instance = new(MakeAsync);

    private Corpus(IReadOnlyList<ReceivedRecord> all, string tutorialRoot, string requestRoot, string foreign)
    {
        All = all;
        TutorialRoot = tutorialRoot;
        RequestRoot = requestRoot;
        Foreign = foreign;
    }

    /// <summary>Every record captured, in arrival order.</summary>
    public IReadOnlyList<ReceivedRecord> All { get; }

    public string TutorialRoot { get; }

    public string RequestRoot { get; }

    /// <summary>The scope id the second process continued: <c>{RequestRoot}/1/1</c>.</summary>
    public string Foreign { get; }

    /// <summary>Keys that tests leave out of the store, so gaps must be reported where they were.</summary>
    public IReadOnlyList<string> Missing => [$"2@{RequestRoot}/1", $"0@{Foreign}/1"];

    /// <summary>What tests write to a store: everything but <see cref="Missing"/>, in a shuffled order.</summary>
    public IReadOnlyList<ReceivedRecord> Stored =>
        All.Where(r => !Missing.Contains(r.Record.Context?.Key)).OrderBy(r => r.Record.Message?.GetHashCode(StringComparison.Ordinal) ?? 0).ToList();

    public const int Count = 27;

    public static Task<Corpus> GetAsync() => s_instance.Value;

    public static async Task WriteAsync(IDistlogPlugin plugin, IEnumerable<ReceivedRecord> records, int batch = 5)
    {
        foreach (var chunk in records.Chunk(batch))
        {
            await plugin.HandleAsync(chunk, CancellationToken.None);
        }
    }

    private static async Task<Corpus> MakeAsync()
    {
        var capture = new CapturePlugin();
        await using var daemon = await TestDaemon.StartAsync("  - type: capture", new Dictionary<string, Func<PluginSettings, IDistlogPlugin>> { ["capture"] = _ => capture });
        string endpoint = daemon.Endpoints[0];

        var (exitCode, _, stderr) = ChildProcess.RunProject("samples/Tutorial", "Distlog.Samples.Tutorial", endpoint);
        if (exitCode != 0)
        {
            throw new InvalidOperationException("the tutorial failed: " + stderr);
        }

        daemon.WaitForPlugin("capture", 7);
        string requestRoot, foreign;
        using (var factory = LoggerFactory.Create(b => b
            .AddDistlog(endpoint, o => { o.ServiceName = "front"; o.FlushTimeout = TimeSpan.FromSeconds(30); TestClient.AtMostOnce(o); })
            .SetMinimumLevel(LogLevel.Trace)))
        {
            var logger = factory.CreateLogger("Shop.Orders");
            using (var request = logger.BeginTask("handle request", new { user = "leo", order_id = 42 }))
            {
                requestRoot = request.Id;
                logger.LogInformation("validating order {Order}", 42);
                logger.LogWarning("stock low for {Item}", "widget");
                using (var call = logger.BeginSubtask("call backend"))
                {
                    logger.LogInformation("calling {Service}", "peer");
                    foreign = call.GetForeignTask();
                    var (code, _, error) = ChildProcess.RunProject("test/Distlog.Tests.Peer", "Distlog.Tests.Peer", "import", endpoint, foreign);
                    if (code != 0)
                    {
                        throw new InvalidOperationException("the peer failed: " + error);
                    }

                    logger.LogError("backend slow: {Ms} ms", 1500);
                    logger.LogInformation("retrying once");
                }

                logger.LogInformation("replying to the client");
                request.Success("request handled");
            }

            var jobs = factory.CreateLogger("Jobs.Nightly");
            using (jobs.BeginTask("nightly batch", new { batch = "b-7" }))
            {
                jobs.LogDebug("tick");
            }

            factory.CreateLogger("Jobs").LogCritical("disk almost full on {Volume}", "/var");
        }

        daemon.WaitForPlugin("capture", Count);
        var all = capture.Records.ToList();
        if (all.Count != Count)
        {
            throw new InvalidOperationException($"expected {Count} records, captured {all.Count}");
        }

        return new Corpus(all, all.First(r => r.Record.Message == "toplevel").Record.Context!.ParsedKey!.Value.RootId, requestRoot, foreign);
    }

    /// <summary>The seed's tutorial as the original Python client frames it (<see cref="PythonFrames"/>), received as bytes.</summary>
    public static IReadOnlyList<ReceivedRecord> PythonTutorial(string rootId) =>
        PythonFrames.Tutorial(rootId).Select(body => new ReceivedRecord('P', JsonRecordCodec.Scan(body), body, Topic.EncodingJson, DateTimeOffset.UtcNow)).ToList();
}
