using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Protocol;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace Distlog.Cli.Tests;

/// <summary>A real distlogd in this process with its control endpoint, viewer (the HTTP API) and a file plugin whose
/// records the tests read; for the restart, <see cref="DaemonProcess"/>.</summary>
internal sealed class LevelDaemon : IAsyncDisposable
{
    private readonly string _folder;
    private readonly bool _ownsFolder;

    private LevelDaemon(string folder, DaemonHost host, bool ownsFolder)
    {
        _folder = folder;
        _ownsFolder = ownsFolder;
        Host = host;
    }

    /// <summary>The folder it writes into.</summary>
    public string Folder => _folder;

    public DaemonHost Host { get; }

    public string Endpoint => Host.Endpoints[0];

    public string ControlEndpoint => Host.Control!.Endpoints[0];

    /// <summary>The configuration of a daemon writing into <paramref name="folder"/>.</summary>
    public static string Yaml(string folder, string listen, string control, string viewer) =>
        $"""
        listen: {listen}
        control: {control}
        levels_file: {folder}/levels.json
        stats_interval: 0s
        stats_endpoint: off
        viewer: {viewer}
        plugins:
          - type: sqlite
            path: {folder}/store.db
          - type: file
            path: {folder}/records.jsonl
        """;

    private string FilePath => Path.Combine(_folder, "records.jsonl");

    /// <summary>Starts a daemon writing into a new temporary folder named <paramref name="prefix"/>…, deleted with it.</summary>
    public static Task<LevelDaemon> StartInNewFolderAsync(string prefix) =>
        StartAsync(Directory.CreateTempSubdirectory(prefix).FullName, ownsFolder: true);

    /// <summary>Starts a daemon writing into <paramref name="folder"/>.</summary>
    public static async Task<LevelDaemon> StartAsync(string folder, bool ownsFolder = false)
    {
        var config = ConfigLoader.Parse(Yaml(folder, "tcp://127.0.0.1:*", "tcp://127.0.0.1:*", "http://127.0.0.1:0"), "test.yaml");
        var host = new DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)));
        await host.StartAsync();
        return new LevelDaemon(folder, host, ownsFolder);
    }

    /// <summary>The records the file plugin wrote so far.</summary>
    public List<LogRecord> Records() => RecordFile.Read(FilePath);

    public Task StopAsync() => Host.StopAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsFolder)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_folder, recursive: true);
        }
    }
}
