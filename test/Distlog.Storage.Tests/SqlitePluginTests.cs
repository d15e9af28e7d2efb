using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Query;
using Distlog.Storage.Tests.Support;
using Distlog.Store.Sqlite;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Distlog.Storage.Tests;

public sealed class SqlitePluginTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "distlog-sqlite-" + Guid.NewGuid().ToString("N"));

    private string DbPath => Path.Combine(_folder, "store.db");

    [Fact]
    public async Task Retention_DeletesOldRecords_ButKeepsLongRetentionOnesUntilTheirOwnAge()
    {
        var now = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(now);
        var keep = new LongRetention(r => r.Record.Name == "Perf", TimeSpan.FromDays(90));
        await using var plugin = new SqlitePlugin(Settings.Of(("path", DbPath), ("max_age", "7d"), ("retention_interval", "0s")), keep, clock);
        ReceivedRecord Make(string logger, string message, TimeSpan age) => new('P', new LogRecord
        {
            Name = logger, Message = message, LevelNo = Levels.Info, LevelName = "INFO",
            Created = (now - age).ToUnixTimeMilliseconds() / 1000.0,
        }, now);

        await plugin.HandleAsync(
        [
            Make("App", "fresh", TimeSpan.FromDays(1)),
            Make("App", "stale", TimeSpan.FromDays(8)),
            Make("Perf", "perf recent", TimeSpan.FromDays(30)),
            Make("Perf", "perf ancient", TimeSpan.FromDays(91)),
        ], CancellationToken.None);

        long deleted = await plugin.RunRetentionAsync();

        Assert.Equal(2, deleted);
        var page = await plugin.Store.QueryAsync(new RecordQuery());
        Assert.Equal(["fresh", "perf recent"], page.Records.Select(r => r.Record.Message));
        Assert.Empty((await plugin.Store.QueryAsync(new RecordQuery { Text = "stale" })).Records); // the text index forgot it too
    }

    [Fact]
    public async Task Retention_ThatFails_IsReported_AndLosesNothing()
    {
        var now = DateTimeOffset.UtcNow;
        var reports = new List<string>();
        var settings = Settings.Of(("path", DbPath), ("max_age", "7d"), ("retention_interval", "0s"));
        settings.Report = reports.Add;
        await using var plugin = new SqlitePlugin(settings);
        await plugin.HandleAsync([new ReceivedRecord('P', new LogRecord { Name = "App", Message = "stale", Created = now.AddDays(-8).ToUnixTimeMilliseconds() / 1000.0 }, now)], CancellationToken.None);

        // Another writer holds the store: retention waits out its busy timeout and gives up.
        using (var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            other.Open();
            using var exclusive = other.CreateCommand();
            exclusive.CommandText = "PRAGMA busy_timeout = 0; BEGIN EXCLUSIVE;";
            exclusive.ExecuteNonQuery();

            Assert.False(await plugin.TryRetentionAsync());
        }

        Assert.Contains("retention of", Assert.Single(reports), StringComparison.Ordinal);
        Assert.Equal("stale", Assert.Single((await plugin.Store.QueryAsync(new RecordQuery())).Records).Record.Message);
        Assert.True(await plugin.TryRetentionAsync()); // the next run, with the store free, deletes it
        Assert.Empty((await plugin.Store.QueryAsync(new RecordQuery())).Records);
    }

    [Fact]
    public async Task Retention_BySize_DeletesOldestFirst_UntilTheStoreFits()
    {
        var now = DateTimeOffset.UtcNow;
        await using var plugin = new SqlitePlugin(Settings.Of(("path", DbPath), ("max_age", "0"), ("max_size", "2M"), ("retention_interval", "0s")));
        string filler = new('x', 2000);
        for (int batch = 0; batch < 4; batch++)
        {
            await plugin.HandleAsync(Enumerable.Range(batch * 1000, 1000).Select(i => new ReceivedRecord('P', new LogRecord
            {
                Name = "Fill", Message = $"record {i} {filler}", LevelNo = Levels.Info, Created = now.ToUnixTimeMilliseconds() / 1000.0 + i,
            }, now)).ToList(), CancellationToken.None);
        }

        long deleted = await plugin.RunRetentionAsync();

        Assert.True(deleted > 1000, $"deleted {deleted}");
        var left = (await plugin.Store.QueryAsync(new RecordQuery { Limit = RecordQuery.MaxLimit })).Records;
        Assert.Equal(4000 - deleted, left.Count);
        Assert.Equal("record 3999", string.Join(' ', left[0].Record.Message!.Split(' ').Take(2)));
        Assert.True(left.Min(r => r.Record.Created) > now.ToUnixTimeMilliseconds() / 1000.0 + deleted - 1, "the oldest went first");
    }

    [Fact]
    public async Task Daemon_OnTheEmbeddedDefaultStore_KeepsTheTutorialAsAReadableTree()
    {
        await using (var daemon = await TestDaemon.StartAsync($"  - type: sqlite\n    path: {DbPath}"))
        {
            var (exitCode, stdout, stderr) = ChildProcess.RunProject("samples/Tutorial", "Distlog.Samples.Tutorial", daemon.Endpoints[0]);
            Assert.True(exitCode == 0, stderr);
            Assert.Contains("all done", stdout, StringComparison.Ordinal);
            daemon.WaitForPlugin("sqlite", 7);
        }

        // A reader on the file alone, as the distlog command opens it.
        var store = new SqliteRecordStore(DbPath);
        var all = (await store.QueryAsync(new RecordQuery())).Records;
        Assert.Equal(7, all.Count);
        var tree = await store.GetTaskTreeAsync(all.First(r => r.Record.Message == "toplevel").Record.Context!.Key!);
        Assert.NotNull(tree);
        Assert.Equal(["toplevel", "into task", "DONE toplevel"], tree.Root.Records.Select(r => r.Record.Message));
        Assert.Equal(["subtask", "into task", "subtask done"], Assert.Single(tree.Root.Children).Records.Select(r => r.Record.Message));
    }

    [Fact]
    public void UnopenablePath_IsAConfigurationErrorNamingIt()
    {
        Directory.CreateDirectory(_folder);
        string blocker = Path.Combine(_folder, "not-a-folder");
        File.WriteAllText(blocker, "x");

        var ex = Assert.Throws<PluginConfigurationException>(() => new SqlitePlugin(Settings.Of(("path", Path.Combine(blocker, "store.db")))));

        Assert.Contains("cannot open the SQLite store", ex.Message, StringComparison.Ordinal);
        Assert.Contains("test.yaml:1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForeignCursor_IsRejectedWithAClearError()
    {
        await using var plugin = new SqlitePlugin(Settings.Of(("path", DbPath)));

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => plugin.Store.QueryAsync(new RecordQuery { Cursor = "1700000000000-0" }));

        Assert.Contains("not a cursor of this SQLite store", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
