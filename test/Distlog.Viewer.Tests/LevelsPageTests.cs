using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Distlog.Viewer.Tests;

/// <summary>The Levels panel, "Debug this task" and the components page, in headless Chromium against a real
/// daemon: what the page shows, and what the daemon then holds.</summary>
public sealed class LevelsPageTests(ViewerFixture fixture) : IClassFixture<ViewerFixture>, IAsyncLifetime
{
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _page = await fixture.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        SetDefaultExpectTimeout(10_000);
    }

    public async Task DisposeAsync() => await _page.CloseAsync();

    private ILocator Rule(string text) => _page.Locator("#levels tr.rule", new() { HasText = text });

    [Fact]
    public async Task LevelsPanel_SetsARule_ShowsItsTimeLeft_SaysWhatIsWrong_AndClearsIt()
    {
        await _page.GotoAsync(fixture.Address + "/#levels");
        await Expect(_page.Locator("#levels-empty")).ToBeVisibleAsync();
        await Expect(_page.Locator("#tasks-page")).ToBeHiddenAsync();

        await _page.FillAsync("#level-form input[name=service]", "svc-ui");
        await _page.FillAsync("#level-form input[name=logger]", "App.Orders");
        await _page.SelectOptionAsync("#level-form select[name=level]", "Debug");
        await _page.FillAsync("#level-form input[name=ttl]", "10m");
        await _page.FillAsync("#level-form input[name=reason]", "<b>chasing</b> order 42");
        await _page.ClickAsync("#level-form button[type=submit]");

        var row = Rule("service=svc-ui logger=App.Orders");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.Locator("td.left")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^(9m5\ds|10m00s)$"));
        await Expect(row).ToContainTextAsync("<b>chasing</b> order 42"); // text, never markup
        var rule = Assert.Single(fixture.Daemon.Control!.Rules);
        Assert.Equal(("svc-ui", "App.Orders", 10), (rule.Service, rule.Logger, rule.Level));
        await Expect(row.Locator("td").First).ToHaveTextAsync(rule.Id);

        // A mistake is said beside the form, and nothing is set.
        await _page.FillAsync("#level-form input[name=ttl]", "5x");
        await _page.ClickAsync("#level-form button[type=submit]");
        await Expect(_page.Locator("#level-error")).ToContainTextAsync("bad TTL '5x'");
        Assert.Single(fixture.Daemon.Control!.Rules);

        await Screenshot("levels.png");
        await row.Locator("button.remove").ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        Assert.Empty(fixture.Daemon.Control!.Rules);

        // Both changes are records of Distlog.Levels, shown under the rules.
        await Expect(_page.Locator("#level-changes li", new() { HasText = $"level rule {rule.Id} set by" })).ToBeVisibleAsync();
        await Expect(_page.Locator("#level-changes li", new() { HasText = $"level rule {rule.Id} cleared by viewer" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task DebugThisTask_SetsADebugRuleForTheOpenTask_ForTenMinutes()
    {
        await _page.GotoAsync(fixture.Address);
        await _page.Locator("#tasks tr.task", new() { HasText = "order 42" }).ClickAsync();
        await _page.ClickAsync("#debug-task");

        await Expect(_page.Locator("#tree-info")).ToContainTextAsync("Debug is on for this task in every process for 10 minutes");
        var rule = Assert.Single(fixture.Daemon.Control!.Rules, r => r.Task == fixture.DemoRoot);
        Assert.Equal(10, rule.Level);
        Assert.InRange(rule.ExpiresAt!.Value - rule.SetAt, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
        await fixture.Daemon.Control!.ClearAsync(rule.Id, "test", default);
    }

    [Fact]
    public async Task ComponentsPage_ListsTheRunningClients()
    {
        using var client = LoggerFactory.Create(b => b.AddDistlog(fixture.Daemon.Endpoints[0], o =>
        {
            o.ServiceName = "viewer-test-client";
            o.ControlEndpoint = fixture.Daemon.Control!.Endpoints[0];
        }));
        client.CreateLogger("Test").LogInformation("a client that is connected");
        Wait.Until(() => fixture.Daemon.Control!.Components.Any(c => c.Service == "viewer-test-client"), () => "the client's session");

        await _page.GotoAsync(fixture.Address + "/#components");
        var row = _page.Locator("#components tr.component", new() { HasText = "viewer-test-client" });
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(_page.Locator("header nav a.current")).ToHaveTextAsync("Components");
        await Expect(_page.Locator("#daemon-counters")).ToContainTextAsync("messages acknowledged");
        await Screenshot("components.png");
    }

    [Theory]
    [InlineData("""{"level":"Loud"}""", "unknown level 'Loud' (known: Trace, Debug, Information, Warning, Error, Critical)")]
    [InlineData("""{"level":"Debug","ttl":"1e400s"}""", "bad TTL '1e400s': a duration such as 90s, 10m, 2h or 1d (at most 366d), or 0 for until cleared")]
    [InlineData("""{"level":"Debug","colour":"red"}""", "unknown field 'colour' (known: service, host, system, logger, task, level, ttl, reason, by)")]
    [InlineData("""{"service":"a","level":"Debug""", "the body is not JSON: ")]
    [InlineData("""[]""", "the body must be a JSON object such as ")]
    public async Task Api_ABadRule_IsA400SayingWhy_AndSetsNothing(string body, string error)
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Address) };
        using var response = await http.PostAsync("/api/levels", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        using var answer = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith(error, answer.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Daemon.Control!.Rules, r => r.Level == 10 && r.Task is null && r.Service is null);
    }

    [Fact]
    public async Task Api_ClearingAnUnknownRule_Is404_AndClearingAllNeedsToSaySo()
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Address) };
        using var unknown = await http.DeleteAsync("/api/levels/r00000000");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
        using var all = await http.DeleteAsync("/api/levels");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, all.StatusCode);
        using var components = await http.GetAsync("/api/components");
        Assert.Equal(System.Net.HttpStatusCode.OK, components.StatusCode);
    }

    /// <summary>With DISTLOG_SCREENSHOTS naming a folder, keeps a picture of the page there (to look at by eye).</summary>
    private async Task Screenshot(string name)
    {
        if (Environment.GetEnvironmentVariable("DISTLOG_SCREENSHOTS") is { } folder)
        {
            await _page.ScreenshotAsync(new() { Path = Path.Combine(folder, name) });
        }
    }
}
