using System.Net;
using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Distlog.Viewer.Tests;

/// <summary>A distlogd whose viewer has api_keys: nothing without a key, a read key reads, only an admin key
/// changes levels, a browser logs in through the login page, and a Host it does not answer to is refused.</summary>
public sealed class AccessTests(ViewerFixture fixture) : IClassFixture<ViewerFixture>, IAsyncLifetime
{
    private const string ReadKey = "read-key-0123456789abcdef";
    private const string AdminKey = "admin-key-0123456789abcdef";
    private readonly string _folder = Directory.CreateTempSubdirectory("distlog-access-").FullName;
    private DaemonHost _daemon = null!;

    public async Task InitializeAsync()
    {
        var config = ConfigLoader.Parse(
            $"""
            listen: tcp://127.0.0.1:*
            control: tcp://127.0.0.1:*
            journal: off
            levels_file: off
            stats_interval: 0s
            stats_endpoint: off
            viewer: http://127.0.0.1:0
            api_keys:
              - name: dashboards
                key: {ReadKey}
              - name: ops
                key: ${"{"}DISTLOG_TEST_ADMIN_KEY{"}"}
                role: admin
            plugins:
              - type: sqlite
                path: {_folder}/store.db
            """,
            "test.yaml",
            name => name == "DISTLOG_TEST_ADMIN_KEY" ? AdminKey : null);
        _daemon = new DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)));
        await _daemon.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData("/api/tasks")]
    [InlineData("/api/records")]
    [InlineData("/api/tree/abc")]
    [InlineData("/api/live")]
    [InlineData("/api/levels")]
    [InlineData("/api/components")]
    public async Task WithoutAKey_EveryApiPathIs401_SayingWhatIsNeeded(string path)
    {
        using var http = new HttpClient { BaseAddress = new Uri(_daemon.ViewerAddress!) };
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Authorization: Bearer KEY", await ErrorOf(response), StringComparison.Ordinal);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Authorization", "Bearer not-a-key-of-this-daemon" } } };
        using var refused = await http.SendAsync(wrong, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task AReadKey_Reads_ButCannotChangeLevels_AnAdminKeyCan()
    {
        using var reader = Client(ReadKey);
        using var admin = Client(AdminKey);
        const string Rule = """{"service":"svc","level":"Debug","ttl":"10m"}""";

        using var tasks = await reader.GetAsync("/api/tasks");
        using var denied = await reader.PostAsync("/api/levels", new StringContent(Rule, System.Text.Encoding.UTF8, "application/json"));
        using var allowed = await admin.PostAsync("/api/levels", new StringContent(Rule, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, tasks.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.StartsWith("the key 'dashboards' may read, not change", await ErrorOf(denied), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        Assert.Single(_daemon.Control!.Rules);
    }

    [Fact]
    public async Task AHostTheViewerDoesNotAnswerTo_IsRefused()
    {
        using var http = Client(AdminKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tasks") { Headers = { Host = "evil.example" } };
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("does not answer to the host 'evil.example'", await ErrorOf(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABrowser_IsSentToTheLoginPage_AWrongKeyIsSaid_AndAGoodOneOpensTheViewer()
    {
        var page = await fixture.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        try
        {
            await page.GotoAsync(_daemon.ViewerAddress!);
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login$"));
            await page.FillAsync("#key", "not-the-key-0123456789");
            await page.ClickAsync("button[type=submit]");
            await Expect(page.Locator("#login-error")).ToContainTextAsync("not one of this distlogd's api_keys");
            await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "login.png") });

            await page.FillAsync("#key", ReadKey);
            await page.ClickAsync("button[type=submit]");
            await Expect(page.Locator("#tasks-page")).ToBeVisibleAsync();
            await Expect(page.Locator("#live")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("on")); // the live stream is let in too
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public void TheDistlogCommand_SendsItsToken_AndSaysInOneLineWhenItHasNone()
    {
        var without = ChildProcess.RunProject("src/Distlog.Cli", "Distlog.Cli", "level", "list", "--daemon", _daemon.ViewerAddress!);
        var with = ChildProcess.RunProject("src/Distlog.Cli", "Distlog.Cli", "level", "list", "--daemon", _daemon.ViewerAddress!, "--token", ReadKey);
        var set = ChildProcess.RunProject("src/Distlog.Cli", "Distlog.Cli", "level", "set", "--level", "Debug", "--daemon", _daemon.ViewerAddress!, "--token", ReadKey);

        Assert.Equal(1, without.ExitCode);
        Assert.StartsWith("distlog: distlogd answered 401: an API key is needed", without.Stderr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', without.Stderr.Trim());
        Assert.True(with.ExitCode == 0, with.Stderr);
        Assert.Equal(1, set.ExitCode);
        Assert.Contains("may read, not change", set.Stderr, StringComparison.Ordinal);
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response)
    {
        using var answer = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return answer.RootElement.GetProperty("error").GetString()!;
    }

    private HttpClient Client(string key) => new()
    {
        BaseAddress = new Uri(_daemon.ViewerAddress!),
        DefaultRequestHeaders = { { "Authorization", "Bearer " + key } },
    };
}
