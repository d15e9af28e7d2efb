using System.Text.Json;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Cli.Tests;

/// <summary>The viewer's live feed over a real distlogd with its journal: every record from the journal carries its
/// place there as the event id, and a page that comes back with <c>Last-Event-ID</c> first gets, from the journal's
/// tail, exactly what came after it.</summary>
public sealed class LiveFeedResumeTests : IAsyncLifetime
{
    private LevelDaemon _daemon = null!;

    public async Task InitializeAsync() => _daemon = await LevelDaemon.StartInNewFolderAsync("distlog-live-");

    public async Task DisposeAsync() => await _daemon.DisposeAsync();

    [Fact]
    public async Task APageThatComesBack_GetsWhatItMissed_FromTheJournal_InOrder()
    {
        using (var factory = LoggerFactory.Create(b => b.AddDistlog(_daemon.Endpoint, o =>
        {
            o.ControlEndpoint = _daemon.ControlEndpoint;
            o.ServiceName = "live-resume";
            o.MaxBatchBytes = 512; // several messages, so marks span entries
        })))
        {
            // First records alone, until one is acknowledged: the session has joined, so the others are all
            // journaled, after these (the journal's first entry, 0-0, is one of them). A busy machine may take more
            // than the second the client holds its first records for the session: those go at most once.
            var logger = factory.CreateLogger("Live");
            Wait.Until(
                () =>
                {
                    logger.LogInformation("warm");
                    return _daemon.Host.Statistics.Acknowledged >= 1;
                },
                () => "a first record to be acknowledged");
            for (int i = 0; i < 50; i++)
            {
                logger.LogInformation("live {N}", i);
            }
        } // disposed once distlogd acknowledged them all: they are in the journal

        using var http = new HttpClient { BaseAddress = new Uri(_daemon.Host.ViewerAddress!) };
        // Everything after the journal's first record (0-0: "warm").
        var all = await ReadAsync(http, "/api/live?from=0-0", null, 50);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"live {i}"), all.Select(e => e.Message));
        Assert.All(all, e => Assert.Matches(@"^\d+-\d+$", e.Id));

        // Back after record 19: records 20 to 49 come first, from the journal, each once.
        var resumed = await ReadAsync(http, "/api/live", all[19].Id, 30);
        Assert.Equal(Enumerable.Range(20, 30).Select(i => $"live {i}"), resumed.Select(e => e.Message));
        Assert.Equal(all.Skip(20).Select(e => e.Id), resumed.Select(e => e.Id));

        // A mark no record has (made up) is no error: the page just goes on live.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/live") { Headers = { { "Last-Event-ID", "12345-7" } } };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.IsSuccessStatusCode);
    }

    /// <summary>Reads <paramref name="count"/> events of the client's records (id and message) from the live feed.</summary>
    private static async Task<List<(string Id, string Message)>> ReadAsync(HttpClient http, string path, string? lastEventId, int count)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));
        var events = new List<(string, string)>();
        string? id = null;
        while (events.Count < count && await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                string? message = JsonDocument.Parse(line[6..]).RootElement.GetProperty("message").GetString();
                if (message?.StartsWith("live ", StringComparison.Ordinal) == true)
                {
                    events.Add((id!, message));
                }
            }
        }

        return events;
    }
}
