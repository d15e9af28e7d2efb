using Distlog.Daemon.Configuration;
using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace Distlog.Daemon.Tests.Support;

/// <summary>A real daemon in this process, listening on a random loopback port, writing its file plugin into a
/// temporary folder.</summary>
internal sealed class RunningDaemon : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));

    private RunningDaemon(string folder, DaemonHost host)
    {
        Folder = folder;
        Host = host;
    }

    public string Folder { get; }

    public DaemonHost Host { get; }

    public string Endpoint => Host.Endpoints[0];

    public string FilePath => Path.Combine(Folder, "records.jsonl");

    /// <summary>Starts a daemon; <paramref name="yaml"/> adds plugin entries (indented as list items), or top-level
    /// keys when <paramref name="topLevel"/> is set; <paramref name="sqlite"/> adds a SQLite store (for a viewer).</summary>
    public static async Task<RunningDaemon> StartAsync(string yaml = "", IReadOnlyDictionary<string, Func<PluginSettings, IDistlogPlugin>>? extra = null, bool topLevel = false, bool sqlite = false)
    {
        string pluginsYaml = topLevel ? string.Empty : yaml;
        string topYaml = topLevel ? yaml : string.Empty;
        string folder = Path.Combine(Path.GetTempPath(), "distlogd-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string text = $"""
            {topYaml}
            listen:
              - tcp://127.0.0.1:*
            stats_interval: 0s
            stats_endpoint: tcp://127.0.0.1:*
            control: tcp://127.0.0.1:*
            plugins:
              - type: file
                path: {Path.Combine(folder, "records.jsonl")}
            {pluginsYaml}
            {(sqlite ? $"  - type: sqlite\n    path: {Path.Combine(folder, "store.db")}\n" : string.Empty)}
            """;
        var config = ConfigLoader.Parse(text, "test.yaml");
        var host = new DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)), extra);
        await host.StartAsync();
        return new RunningDaemon(folder, host);
    }

    /// <summary>The records the file plugin wrote so far.</summary>
    public List<LogRecord> FileRecords() => RecordFile.Read(FilePath);

    /// <summary>Waits until the file plugin has handled <paramref name="count"/> records.</summary>
    public List<LogRecord> WaitForFileRecords(int count, TimeSpan? timeout = null)
    {
        var file = Host.Statistics.Plugins.First(p => p.Type == "file").Name;
        bool done = Wait.For(() => Host.Statistics.Plugins.First(p => p.Name == file).Handled >= count, timeout ?? TimeSpan.FromSeconds(30));
        var records = FileRecords();
        if (!done)
        {
            throw new TimeoutException($"file plugin handled {Host.Statistics.Plugins.First(p => p.Name == file).Handled} of {count} records");
        }

        return records;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(TimeSpan.FromSeconds(30));
        _loggerFactory.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
