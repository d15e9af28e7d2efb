using Distlog.Daemon.Plugins;
using Distlog.Plugins;
using Distlog.Protocol;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Distlog.Daemon.Tests;

public class FilePluginTests
{
    [Fact]
    public async Task SizeRotation_KeepsTheNewestFiles_AndLosesNoRecordInBetween()
    {
        string dir = Directory.CreateTempSubdirectory("distlog-file-").FullName;
        try
        {
            var plugin = new FilePlugin(Settings(("path", Path.Combine(dir, "d.jsonl")), ("max_bytes", "2k"), ("keep", "2")));
            for (int i = 0; i < 40; i++)
            {
                await plugin.HandleAsync([Received($"record {i:D2}")], CancellationToken.None);
            }

            await plugin.DisposeAsync();

            Assert.Equal(["d.jsonl", "d.jsonl.1", "d.jsonl.2"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
            Assert.All(Directory.GetFiles(dir), f => Assert.True(new FileInfo(f).Length <= 2048, f));
            var kept = new[] { "d.jsonl.2", "d.jsonl.1", "d.jsonl" }
                .SelectMany(f => File.ReadAllLines(Path.Combine(dir, f)))
                .Select(l => JsonRecordCodec.Default.Decode(System.Text.Encoding.UTF8.GetBytes(l)).Message)
                .ToList();
            Assert.Equal("record 39", kept[^1]);
            Assert.Equal(Enumerable.Range(40 - kept.Count, kept.Count).Select(i => $"record {i:D2}"), kept);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task TimeRotation_And_IntervalFlush_FollowTheClock()
    {
        string dir = Directory.CreateTempSubdirectory("distlog-file-").FullName;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        try
        {
            string path = Path.Combine(dir, "t.jsonl");
            var plugin = new FilePlugin(Settings(("path", path), ("rotate_interval", "1h"), ("flush", "10s")), time);
            await plugin.HandleAsync([Received("first")], CancellationToken.None);
            Assert.Single(File.ReadAllLines(path)); // the first batch always flushes
            await plugin.HandleAsync([Received("second")], CancellationToken.None);
            Assert.Single(File.ReadAllLines(path)); // within the flush interval: still buffered

            time.Advance(TimeSpan.FromSeconds(11));
            await plugin.HandleAsync([Received("third")], CancellationToken.None);
            Assert.Equal(3, File.ReadAllLines(path).Length);

            time.Advance(TimeSpan.FromHours(1));
            await plugin.HandleAsync([Received("fourth")], CancellationToken.None);
            await plugin.HandleAsync([Received("fifth")], CancellationToken.None);
            await plugin.DisposeAsync();

            Assert.Equal(4, File.ReadAllLines(path + ".1").Length);
            Assert.Single(File.ReadAllLines(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static ReceivedRecord Received(string message) =>
        new('P', new LogRecord { Name = "file", Message = message, LevelNo = 20 }, DateTimeOffset.UtcNow);

    private static PluginSettings Settings(params (string Key, string Value)[] values) =>
        new("t.yaml", 1, values.ToDictionary(v => v.Key, v => ((string?)v.Value, 2)));
}
