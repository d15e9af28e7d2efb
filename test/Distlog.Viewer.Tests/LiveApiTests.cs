using Distlog.Tests.Shared;
using System.Text;
using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Viewer.Tests;

/// <summary>The live stream of the API itself, without a browser.</summary>
public sealed class LiveApiTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distlog-live-").FullName;

    [Fact]
    public async Task Live_StreamsEachRecordAsItArrives_AndEndsWhenTheDaemonStops()
    {
        var config = ConfigLoader.Parse(
            $"listen: tcp://127.0.0.1:*\nstats_interval: 0s\nstats_endpoint: off\ncontrol: tcp://127.0.0.1:*\nviewer: http://127.0.0.1:0\nplugins:\n  - type: sqlite\n    path: {_folder}/store.db\n",
            "test.yaml");
        var daemon = new DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)));
        await daemon.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(daemon.ViewerAddress!) };
        using var response = await http.GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        Assert.Equal(": live", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        using var briefResponse = await http.GetAsync("/api/live?brief=true", HttpCompletionOption.ResponseHeadersRead);
        using var briefReader = new StreamReader(await briefResponse.Content.ReadAsStreamAsync(), Encoding.UTF8);
        Assert.Equal(": live", await briefReader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)));

        using (var factory = LoggerFactory.Create(b => b.AddDistlog(daemon.Endpoints[0], TestClient.AtMostOnce).SetMinimumLevel(LogLevel.Information)))
        {
            factory.CreateLogger("Live").LogWarning("disk {Percent}% full", 91);
        }

        string? line;
        do
        {
            line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        while (line is not null && !line.StartsWith("data: ", StringComparison.Ordinal));

        Assert.NotNull(line);
        using var json = System.Text.Json.JsonDocument.Parse(line["data: ".Length..]);
        Assert.Equal("disk 91% full", json.RootElement.GetProperty("message").GetString());
        Assert.Equal("WARNING", json.RootElement.GetProperty("levelName").GetString());

        // In brief, what the task list needs of it, without the whole record.
        do
        {
            line = await briefReader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        while (line is not null && !line.StartsWith("data: ", StringComparison.Ordinal));

        using var brief = System.Text.Json.JsonDocument.Parse(line!["data: ".Length..]);
        Assert.Equal(("disk 91% full", 30), (brief.RootElement.GetProperty("message").GetString(), brief.RootElement.GetProperty("level").GetInt32()));
        Assert.False(brief.RootElement.TryGetProperty("record", out _));
        Assert.True(line.Length < json.RootElement.GetRawText().Length / 2, $"a brief record is not brief: {line}");

        // An open page does not hold the daemon's stop: its stream ends.
        var stop = daemon.StopAsync(TimeSpan.FromSeconds(30));
        await ReadToEndOfStreamAsync(reader).WaitAsync(TimeSpan.FromSeconds(20)); // a TimeoutException if it does not end
        await stop.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task LivePages_AreBounded_TheNextOneIsA503SayingWhy_AndAClosedOneFreesItsPlace()
    {
        var config = ConfigLoader.Parse(
            $"listen: tcp://127.0.0.1:*\nstats_interval: 0s\nstats_endpoint: off\ncontrol: off\njournal: off\nviewer: http://127.0.0.1:0\nplugins:\n  - type: sqlite\n    path: {_folder}/store.db\n",
            "test.yaml");
        await using var daemon = new DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)));
        await daemon.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(daemon.ViewerAddress!) };
        var open = new List<HttpResponseMessage>();
        try
        {
            for (int i = 0; i < Viewer.LiveFeed.MaxSubscribers; i++)
            {
                var page = await http.GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
                open.Add(page);
                using var reader = new StreamReader(await page.Content.ReadAsStreamAsync(), Encoding.UTF8, leaveOpen: true);
                Assert.Equal(": live", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20))); // subscribed
            }

            using var refused = await http.GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("live pages are open already", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            open[0].Dispose();
            Wait.Until(
                () =>
                {
                    var again = http.GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
                    if (again.StatusCode != System.Net.HttpStatusCode.OK)
                    {
                        again.Dispose();
                        return false;
                    }

                    open.Add(again);
                    return true;
                },
                () => "a closed page's place to free");
        }
        finally
        {
            open.ForEach(r => r.Dispose());
        }
    }

    /// <summary>Reads the stream until it ends (the server closed it, or reset the connection).</summary>
    private static async Task ReadToEndOfStreamAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                _ = line;
            }
        }
        catch (IOException)
        {
            // The server closed the connection: the stream has ended as well.
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
