using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Distlog.Viewer.Tests;

/// <summary>The real page in headless Chromium, against a real daemon: what the page shows is what is asserted.</summary>
public sealed class ViewerTests(ViewerFixture fixture) : IClassFixture<ViewerFixture>, IAsyncLifetime
{
    private readonly List<string> _pageErrors = [];
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _page = await fixture.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1500, Height = 900 } });
        _page.PageError += (_, error) =>
        {
            lock (_pageErrors)
            {
                _pageErrors.Add(error);
            }
        };
        SetDefaultExpectTimeout(10_000);
    }

    /// <summary>Whatever a test did, the page's modules loaded and nothing it ran threw.</summary>
    public async Task DisposeAsync()
    {
        await _page.CloseAsync();
        lock (_pageErrors)
        {
            Assert.True(_pageErrors.Count == 0, "the page threw: " + string.Join("\n", _pageErrors));
        }
    }

    private ILocator Task(string title) => _page.Locator("#tasks tr.task", new() { HasText = title });

    private ILocator Scope(string title) => _page.Locator(".scope", new() { Has = _page.Locator("> .scope-header .title", new() { HasTextString = title }) });

    private ILocator Record(string message) => _page.Locator(".record", new() { HasText = message });

    [Fact]
    public async Task DemoTask_OpensAsOneTreeAcrossBothProcesses_AndFoldsAndUnfolds()
    {
        await _page.GotoAsync(fixture.Address);
        await Task("order 42").ClickAsync();

        await Expect(Scope("GET /price/widget").Locator("> .scope-header .imported")).ToBeVisibleAsync();
        await Expect(Scope("GET /price/widget").Locator("> .scope-header")).ToContainTextAsync("pricing");

        // The back's request ran inside ASP.NET Core's activity: its W3C trace id links to the tracing tool.
        await Expect(Scope("GET /price/widget").Locator("> .scope-header a.trace")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^http://tracing\\.example/trace/[0-9a-f]{32}$"));
        await Expect(Record("reading the price list")).ToBeVisibleAsync();
        await Expect(Record("pricing answered 7.50")).ToBeVisibleAsync();

        // Fold the call to the other process: its records and subtasks go out of sight, the rest stays.
        await Scope("ask pricing for widget").Locator("> .scope-header").ClickAsync();
        await Expect(Record("reading the price list")).ToBeHiddenAsync();
        await Expect(Record("pricing answered 7.50")).ToBeHiddenAsync();
        await Expect(Record("stock low for widget")).ToBeVisibleAsync();

        await Scope("ask pricing for widget").Locator("> .scope-header").ClickAsync();
        await Expect(Record("reading the price list")).ToBeVisibleAsync();

        await _page.ClickAsync("#collapse-all");
        await Expect(Record("validating the basket")).ToBeVisibleAsync(); // the root stays open
        await Expect(Record("discount 10% applied")).ToBeHiddenAsync();
        await _page.ClickAsync("#expand-all");
        await Expect(Record("discount 10% applied")).ToBeVisibleAsync();

        // The README's picture (docs/viewer.png) is taken here: DISTLOG_VIEWER_SCREENSHOT=docs/viewer.png.
        if (Environment.GetEnvironmentVariable("DISTLOG_VIEWER_SCREENSHOT") is { } path)
        {
            await _page.ScreenshotAsync(new() { Path = path });
        }
    }

    [Theory]
    [InlineData(1024, 768)]
    [InlineData(1400, 900)]
    [InlineData(1920, 1080)]
    public async Task ATaskThatSucceededWithAnErrorInside_SaysSo_WithItsCountsInSight(int width, int height)
    {
        var page = await fixture.Browser.NewPageAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        await page.GotoAsync(fixture.Address);
        var row = page.Locator("#tasks tr.task", new() { HasText = "checkout 7" });

        await Expect(row.Locator(".status")).ToHaveTextAsync("succeeded with errors");
        foreach (var (count, kind) in new[] { (row.Locator(".count.errors"), "1 error"), (row.Locator(".count.warnings"), "1 warning") })
        {
            await Expect(count).ToHaveTextAsync("1");
            await Expect(count).ToHaveAttributeAsync("title", kind);
            await Expect(count).ToBeInViewportAsync(new() { Ratio = 1 });

            // Not clipped by its cell either: the whole count lies inside the cell and the list's pane.
            var box = (await count.BoundingBoxAsync())!;
            var cell = (await count.Locator("xpath=..").BoundingBoxAsync())!;
            var pane = (await page.Locator("#tasks-pane").BoundingBoxAsync())!;
            Assert.True(box.X >= cell.X && box.X + box.Width <= cell.X + cell.Width, $"the count [{box.X}, {box.X + box.Width}] leaves its cell [{cell.X}, {cell.X + cell.Width}] at {width} px");
            Assert.True(box.X + box.Width <= pane.X + pane.Width, $"the count leaves the list at {width} px");
        }

        if (Environment.GetEnvironmentVariable("DISTLOG_VIEWER_LIST_SCREENSHOT") is { } path)
        {
            await page.ScreenshotAsync(new() { Path = $"{path}-{width}.png" });
        }

        await page.CloseAsync();
    }

    [Fact]
    public async Task RecordDetails_AreATable_WithTheExceptionFormatted_AndEmptyFieldsBehindAToggle()
    {
        await _page.GotoAsync(fixture.Address);
        await Task("checkout 7").ClickAsync();
        await Record("card declined, trying the next one").ClickAsync();

        var details = _page.Locator("#details");
        await Expect(details.Locator(".exception .headline").First).ToHaveTextAsync("System.InvalidOperationException: card declined");
        await Expect(details.Locator(".exception .frame").First).ToContainTextAsync("at Distlog.Viewer.Tests.ViewerFixture");
        await Expect(details.Locator("#details-table tr", new() { Has = _page.Locator("th", new() { HasTextString = "template" }) })).ToContainTextAsync("card declined, trying the next one");
        await Expect(details.Locator("#details-table tr", new() { Has = _page.Locator("th", new() { HasTextString = "service" }) })).ToContainTextAsync("checkout");

        // Null fields (the Python-only ones, funcName say) are left out until asked for.
        await Expect(details.Locator("#details-table th", new() { HasTextString = "funcName" })).ToHaveCountAsync(0);
        await _page.CheckAsync("#details-empty");
        await Expect(details.Locator("#details-table th", new() { HasTextString = "funcName" })).ToHaveCountAsync(1);

        // The tree is not covered by the panel: the record stays in sight beside it.
        await Expect(Record("card declined, trying the next one")).ToBeInViewportAsync(new() { Ratio = 1 });
        var record = (await Record("card declined, trying the next one").BoundingBoxAsync())!;
        var panel = (await details.BoundingBoxAsync())!;
        Assert.True(record.X + record.Width <= panel.X, "the details panel covers the record");

        if (Environment.GetEnvironmentVariable("DISTLOG_VIEWER_DETAILS_SCREENSHOT") is { } path)
        {
            await _page.ScreenshotAsync(new() { Path = path });
        }
    }

    [Fact]
    public async Task TheOriginalPythonClientsTutorial_IsATreeWithItsTitles_AndSucceeded()
    {
        await _page.GotoAsync(fixture.Address + "/#task=" + fixture.PythonRoot);

        var root = _page.Locator($"#tree > .scope[data-scope='{fixture.PythonRoot}'] > .scope-header");
        await Expect(root.Locator(".title")).ToHaveTextAsync("toplevel");
        await Expect(root.Locator(".status")).ToHaveTextAsync("succeeded");
        await Expect(root).ToContainTextAsync("example @ obelix");
        var sub = _page.Locator($".scope[data-scope='{fixture.PythonRoot}/1'] > .scope-header");
        await Expect(sub.Locator(".title")).ToHaveTextAsync("subtask");
        await Expect(sub.Locator(".status")).ToHaveTextAsync("succeeded");
        await Expect(_page.Locator($"#tasks tr.task[data-root='{fixture.PythonRoot}'] .status")).ToHaveTextAsync("succeeded");
    }

    [Fact]
    public async Task LevelFilters_NarrowTheTreeAndTheTaskList()
    {
        await _page.GotoAsync(fixture.Address);
        await Expect(Task("toplevel")).ToHaveCountAsync(2); // the tutorial from .NET and from the original Python client
        await Task("order 42").ClickAsync();
        await Expect(Record("validating the basket")).ToBeVisibleAsync();

        await _page.SelectOptionAsync("#tree-level", "30");
        await Expect(_page.Locator("#tree .record:visible")).ToHaveCountAsync(1);
        await Expect(Record("stock low for widget")).ToBeVisibleAsync();

        // The list keeps the tasks that have a warning or worse: the demo, not the tutorial.
        await _page.SelectOptionAsync("#filters select[name=level]", "WARNING");
        await _page.ClickAsync("#filters button[type=submit]");
        await Expect(Task("toplevel")).ToHaveCountAsync(0);
        await Expect(Task("order 42")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TheWaterfall_PutsEveryScopeOnOneTimeAxis_InOrder_AsLongAsItLasted()
    {
        await _page.GotoAsync($"{fixture.Address}/#task={fixture.DemoRoot}");
        await Expect(Scope("apply discounts")).ToBeVisibleAsync();
        string json = await _page.EvaluateAsync<string>($"fetch('/api/tree/{fixture.DemoRoot}').then(r => r.text())");

        // The scopes as the API gives them, and the axis: the root's start to the last moment known.
        var scopes = new List<(string Id, double Start, double Seconds)>();
        double end = double.MinValue;
        void Walk(System.Text.Json.JsonElement scope)
        {
            double start = scope.GetProperty("start").GetDouble();
            double seconds = scope.GetProperty("elapsedMs").GetDouble() / 1000;
            scopes.Add((scope.GetProperty("id").GetString()!, start, seconds));
            end = Math.Max(end, start + seconds);
            foreach (var item in scope.GetProperty("items").EnumerateArray())
            {
                if (item.TryGetProperty("record", out var record))
                {
                    end = Math.Max(end, record.GetProperty("created").GetDouble());
                }
                else if (item.TryGetProperty("scope", out var child))
                {
                    Walk(child);
                }
            }
        }

        Walk(System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("root"));
        Assert.Equal(4, scopes.Count); // the order, the call, the other process's piece, its subtask
        double axisStart = scopes[0].Start, span = end - axisStart;

        var bars = new List<(double Start, float X)>();
        foreach (var (id, start, seconds) in scopes)
        {
            var header = _page.Locator($".scope[data-scope='{id}'] > .scope-header");
            var lane = (await header.Locator(".lane").BoundingBoxAsync())!;
            var bar = (await header.Locator(".lane .bar").BoundingBoxAsync())!;
            double x = lane.X + ((start - axisStart) / span * lane.Width);
            double width = Math.Max(2, seconds / span * lane.Width);
            Assert.True(Math.Abs(bar.X - x) <= 1.5, $"{id}: the bar starts at {bar.X}, its start is at {x}");
            Assert.True(Math.Abs(bar.Width - width) <= 1.5, $"{id}: the bar is {bar.Width} px, its duration {width} px");
            bars.Add((start, bar.X));
        }

        Assert.Equal(bars.OrderBy(b => b.Start).Select(b => b.X), bars.OrderBy(b => b.X).Select(b => b.X));

        // The critical path: the order, the call, the other process's piece (which ended last), its subtask.
        await _page.ClickAsync("#critical-path");
        Assert.Equal(scopes.Select(sc => sc.Id), await _page.Locator("#tree .scope.critical").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.scope)"));
        await _page.ClickAsync("#critical-path");
        await Expect(_page.Locator("#tree .scope.critical")).ToHaveCountAsync(0);

        // The piece another process ran shows the time between the call and its start, and its pid.
        var imported = _page.Locator($".scope[data-scope='{scopes[2].Id}'] > .scope-header");
        await Expect(imported.Locator(".lane .wait")).ToHaveCountAsync(1);
        await Expect(imported).ToContainTextAsync("pid ");
    }

    [Fact]
    public async Task TheLiveTail_ShowsWhatMatchesItsQuery_AsItArrives_AndPausesAndResumes()
    {
        await _page.GotoAsync(fixture.Address + "/#tail");
        await _page.FillAsync("#tail-query", "logger:Tail.Test -\"not this\"");
        await _page.ClickAsync("#tail-form button[type=submit]");
        await Expect(_page.Locator("#tail-state")).ToHaveTextAsync("0 shown");

        using var provider = new DistlogLoggerProvider(new DistlogOptions { Endpoint = fixture.Daemon.Endpoints[0], ControlEndpoint = "off", ServiceName = "tailing", SelfLog = _ => { } });
        var logger = provider.CreateLogger("Tail.Test");
        var tail = _page.Locator("#tail .record");

        // Records come in as they arrive; one of another logger and one the query leaves out do not.
        provider.CreateLogger("Other").LogInformation("tail other logger");
        logger.LogInformation("tail one");
        logger.LogInformation("not this one");
        await Expect(tail.Filter(new() { HasText = "tail one" })).ToBeVisibleAsync();

        await _page.ClickAsync("#tail-pause");
        await Expect(_page.Locator("#tail-pause")).ToHaveTextAsync("resume");
        logger.LogWarning("tail two");
        await Expect(_page.Locator("#tail-state")).ToHaveTextAsync("paused: 1 new");
        await Expect(tail.Filter(new() { HasText = "tail two" })).ToHaveCountAsync(0);

        await _page.ClickAsync("#tail-pause");
        await Expect(tail.Filter(new() { HasText = "tail two" })).ToBeVisibleAsync();
        await Expect(tail).ToHaveCountAsync(2);
        await Expect(tail.Filter(new() { HasText = "tailing" })).ToHaveCountAsync(2);

        // A query the API cannot read is said next to the box.
        await _page.FillAsync("#tail-query", "level>=loud");
        await _page.ClickAsync("#tail-form button[type=submit]");
        await Expect(_page.Locator("#tail-error")).ToContainTextAsync("wants a level name");
    }

    [Fact]
    public async Task TheList_PagesToOlderTasks_EachTaskOnce()
    {
        // A daemon of its own: 130 new tasks would push the shared store's tasks off the other tests' first page.
        string folder = Directory.CreateTempSubdirectory("distlog-paging-").FullName;
        var config = Daemon.Configuration.ConfigLoader.Parse(
            $"listen: tcp://127.0.0.1:*\nstats_interval: 0s\nstats_endpoint: off\ncontrol: off\njournal: off\nviewer: http://127.0.0.1:0\nplugins:\n  - type: sqlite\n    path: {folder}/store.db\n", "test.yaml");
        await using var daemon = new Daemon.DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)));
        await daemon.StartAsync();
        using (var provider = new DistlogLoggerProvider(new DistlogOptions { Endpoint = daemon.Endpoints[0], ControlEndpoint = "off", ServiceName = "paging", SelfLog = _ => { } }))
        {
            var logger = provider.CreateLogger("Paging");
            for (int i = 0; i < 130; i++)
            {
                using (logger.BeginTask("paged task {N}", null, i))
                {
                }
            }
        }

        Wait.Until(() => daemon.Statistics.Plugins[0].Handled >= 260, () => "the 130 tasks stored");
        await _page.GotoAsync(daemon.ViewerAddress!);
        await _page.FillAsync("#query", "service:paging");
        await _page.PressAsync("#query", "Enter");
        await Expect(_page.Locator("#tasks tr.task")).ToHaveCountAsync(100);
        await Expect(Task("paged task 129")).ToBeVisibleAsync();
        await Expect(Task("paged task 0")).ToHaveCountAsync(0);

        await _page.ClickAsync("#tasks-more");
        await Expect(_page.Locator("#tasks tr.task")).ToHaveCountAsync(130);
        await Expect(Task("paged task 0")).ToHaveCountAsync(1);
        await Expect(_page.Locator("#tasks-more")).ToBeHiddenAsync();
        await _page.GotoAsync("about:blank");
        await daemon.StopAsync(TimeSpan.FromSeconds(30));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task AQueryTypedInTheBox_FiltersTheList_StaysInTheAddress_AndAWrongOneSaysWhy()
    {
        await _page.GotoAsync(fixture.Address);
        await Expect(Task("checkout 7")).ToBeVisibleAsync();

        await _page.FillAsync("#query", "level>=warning -service:pricing -\"stock low\"");
        await _page.PressAsync("#query", "Enter");
        await Expect(Task("checkout 7")).ToBeVisibleAsync();
        await Expect(Task("order 42")).ToHaveCountAsync(0);
        await Expect(Task("toplevel")).ToHaveCountAsync(0);
        Assert.Contains("q=level%3E%3Dwarning%20-service%3Apricing", _page.Url, StringComparison.Ordinal);

        // The address brings the same view back.
        await _page.ReloadAsync();
        await Expect(_page.Locator("#query")).ToHaveValueAsync("level>=warning -service:pricing -\"stock low\"");
        await Expect(Task("checkout 7")).ToBeVisibleAsync();
        await Expect(Task("order 42")).ToHaveCountAsync(0);

        await _page.FillAsync("#query", "level>=loud");
        await _page.PressAsync("#query", "Enter");
        await Expect(_page.Locator("#filters-error")).ToHaveTextAsync("query: 'level>=loud' (column 1): wants a level name (DEBUG, INFO, WARNING, ERROR, CRITICAL) or number, got 'loud'");
        await Expect(Task("checkout 7")).ToBeVisibleAsync(); // the list stays as it was
    }

    [Fact]
    public async Task AFilterThatCannotBeRead_IsSaidNextToTheFilters_AndTheListStays()
    {
        await _page.GotoAsync(fixture.Address);
        await Expect(Task("order 42")).ToBeVisibleAsync();

        await _page.FillAsync("#filters input[name=to]", "someday");
        await _page.ClickAsync("#filters button[type=submit]");
        await Expect(_page.Locator("#filters-error")).ToContainTextAsync("wants a time");
        await Expect(Task("order 42")).ToBeVisibleAsync();

        await _page.FillAsync("#filters input[name=to]", "");
        await _page.ClickAsync("#filters button[type=submit]");
        await Expect(_page.Locator("#filters-error")).ToBeEmptyAsync();
    }

    [Fact]
    public async Task Api_AFilterThatCannotBeRead_IsA400SayingWhy()
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Address) };

        using var response = await http.GetAsync("/api/records?level=LOUD");
        using var good = await http.GetAsync("/api/records?level=warning&context=order_id=42");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("level wants a level name", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, good.StatusCode);
        Assert.Contains("stock low for widget", await good.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_AScopeOfATask_IsReadAlone_AndAScopeOfAnotherTaskOrNoneSaysWhy()
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Address) };
        string root = fixture.DemoRoot;

        using var scope = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"/api/tree/{root}?scope={Uri.EscapeDataString(root + "/1")}"));
        using var other = await http.GetAsync($"/api/tree/{root}?scope=another-task/1");
        using var none = await http.GetAsync($"/api/tree/{root}?scope={Uri.EscapeDataString(root + "/99")}");

        Assert.Equal(root + "/1", scope.RootElement.GetProperty("root").GetProperty("id").GetString());
        Assert.Equal("ask pricing for widget", scope.RootElement.GetProperty("root").GetProperty("title").GetString());
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, other.StatusCode);
        Assert.Equal($"scope 'another-task/1' is not in task '{root}'", await ErrorOf(other));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal($"no records of scope '{root}/99'", await ErrorOf(none));

        static async Task<string?> ErrorOf(HttpResponseMessage response) =>
            System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
    }

    [Fact]
    public async Task Api_EveryLimitIsClamped()
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Address) };

        using var one = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"/api/tree/{fixture.DemoRoot}?limit=-5"));
        using var whole = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"/api/tree/{fixture.DemoRoot}?limit=10000000"));
        using var records = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/records?limit=10000000"));

        Assert.True(one.RootElement.GetProperty("truncated").GetBoolean(), "a limit below 1 reads one record");
        Assert.False(whole.RootElement.GetProperty("truncated").GetBoolean());
        Assert.True(records.RootElement.GetProperty("records").GetArrayLength() <= Query.RecordQuery.MaxLimit);
        using var tasks = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/tasks?limit=10000000"));
        Assert.InRange(tasks.RootElement.GetProperty("tasks").GetArrayLength(), 1, 500);
    }

    [Fact]
    public async Task Connections_PastTheLimit_AreClosed_UntilOthersGo()
    {
        var uri = new Uri(fixture.Address);
        var held = new List<System.Net.Sockets.TcpClient>();
        using var http = new HttpClient { BaseAddress = uri };
        try
        {
            for (int i = 0; i < ViewerServer.MaxConnections; i++)
            {
                var client = new System.Net.Sockets.TcpClient();
                held.Add(client);
                await client.ConnectAsync(uri.Host, uri.Port);
            }

            await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync("/api/tasks"));
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }

        var again = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var answer = await http.GetAsync("/api/tasks");
                Assert.Equal(System.Net.HttpStatusCode.OK, answer.StatusCode);
                break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < again)
            {
                await System.Threading.Tasks.Task.Delay(50); // Kestrel learns the held connections closed: no signal of it to wait on
            }
        }
    }

    [Fact]
    public async Task RecordDetails_OpenOnClick_WithTheWholeRecord()
    {
        await _page.GotoAsync($"{fixture.Address}/#task={fixture.DemoRoot}");
        await Record("discount 10% applied").ClickAsync();

        await Expect(_page.Locator("#details")).ToBeVisibleAsync();
        await Expect(_page.Locator("#details-title")).ToContainTextAsync("discount 10% applied");
        await Expect(_page.Locator("#details-json")).ToContainTextAsync("\"customer\": \"leo\"");
        await Expect(_page.Locator("#details-json")).ToContainTextAsync("\"service\": \"pricing\"");
    }

    [Fact]
    public async Task LiveRecord_AppearsInATaskThatIsStillRunning_WithoutReload()
    {
        using var factory = LoggerFactory.Create(b => b.AddDistlog(fixture.Daemon.Endpoints[0], o => { o.ServiceName = "live"; TestClient.AtMostOnce(o); }).SetMinimumLevel(LogLevel.Information));
        var logger = factory.CreateLogger("Live");
        long before = fixture.Daemon.Statistics.Plugins[0].Handled;
        using var job = logger.BeginTask("long job");
        logger.LogInformation("step one");
        fixture.WaitForStored(before + 2);

        int treeRequests = 0, listRequests = 0;
        _page.Request += (_, request) =>
        {
            treeRequests += request.Url.Contains("/api/tree/", StringComparison.Ordinal) ? 1 : 0;
            listRequests += request.Url.Contains("/api/tasks", StringComparison.Ordinal) ? 1 : 0;
        };
        await _page.GotoAsync($"{fixture.Address}/#task={job.Id}");
        await Expect(Record("step one")).ToBeVisibleAsync();
        await Expect(Task("long job")).ToBeVisibleAsync();
        await Expect(Task("long job").Locator(".count.warnings")).ToHaveCountAsync(0);
        int listed = listRequests;
        await Expect(_page.Locator("#tree > .scope > .scope-header .status")).ToHaveTextAsync("running");
        await Expect(_page.Locator("#live")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bon\\b"));
        await Expect(_page.Locator($"#tree[data-following='{job.Id}']")).ToHaveCountAsync(1);

        // A running scope's duration grows on the page.
        await Expect(_page.Locator("#tree > .scope > .scope-header .elapsed")).ToContainTextAsync("so far");

        logger.LogWarning("step two arrived live");
        using (var sub = logger.BeginSubtask("a subtask begun live"))
        {
            logger.LogInformation("inside the live subtask");
        }

        // Taken into the tree the page has, in place: the tree was fetched once, when the task was opened.
        await Expect(Record("step two arrived live")).ToBeVisibleAsync();
        await Expect(Record("inside the live subtask")).ToBeVisibleAsync();
        await Expect(Scope("a subtask begun live").Locator("> .scope-header .status")).ToHaveTextAsync("succeeded");
        await Expect(_page.Locator("#tree > .scope > .scope-header .status")).ToHaveTextAsync("running");
        Assert.Equal(1, treeRequests);

        // The list took them in place too: the task's row counts the warning, and the list was not fetched again.
        await Expect(Task("long job").Locator(".count.warnings")).ToHaveTextAsync("1");
        Assert.Equal(listed, listRequests);
    }

    [Fact]
    public async Task BigTree_ComesFolded_EachScopeIsReadWhenUnfolded_LiveRecordsIntoAFoldedScopeCount_AndPathToErrorsOpensOnlyTheFailingBranch()
    {
        using var factory = LoggerFactory.Create(b => b.AddDistlog(fixture.Daemon.Endpoints[0], o => { o.ServiceName = "batch"; TestClient.AtMostOnce(o); }).SetMinimumLevel(LogLevel.Information));
        var logger = factory.CreateLogger("Batch");
        long before = fixture.Daemon.Statistics.Plugins[0].Handled;
        using var job = logger.BeginTask("nightly import");
        foreach (string part in (string[])["customers", "orders"])
        {
            using var sub = logger.BeginSubtask("import {Part}", null, part);
            for (int i = 0; i < 700; i++)
            {
                logger.LogInformation("{Part} row {Row}", part, i);
            }

            if (part == "orders")
            {
                logger.LogError("order 17 is broken");
            }
        }

        var invoices = logger.BeginSubtask("import invoices");
        for (int i = 0; i < 700; i++)
        {
            logger.LogInformation("invoices row {Row}", i);
        }

        fixture.WaitForStored(before + 1 + 702 + 703 + 701); // enter; customers, orders (with its error), invoices so far
        var trees = new List<(string Url, IResponse Response)>();
        _page.Response += (_, response) =>
        {
            if (response.Url.Contains("/api/tree/", StringComparison.Ordinal))
            {
                lock (trees)
                {
                    trees.Add((response.Url, response));
                }
            }
        };
        await _page.GotoAsync($"{fixture.Address}/#task={job.Id}");

        // Over 2,000 records: the subtasks come folded, as their summary: none of their records is in the answer.
        await Expect(Scope("import orders")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("collapsed"));
        await Expect(Scope("import invoices").Locator("> .scope-header .status")).ToHaveTextAsync("running");
        await Expect(Scope("import orders").Locator("> .scope-header .lane .ticks path.errors")).ToHaveAttributeAsync("d", new System.Text.RegularExpressions.Regex("^M\\d+ 0V1$"));
        await Expect(Scope("import customers").Locator("> .scope-header .lane .ticks path.errors")).ToHaveAttributeAsync("d", "");
        var (firstUrl, first) = Assert.Single(trees);
        Assert.Contains("fold=2000", firstUrl, StringComparison.Ordinal);
        string firstAnswer = await first.TextAsync();
        Assert.DoesNotContain("customers row 5", firstAnswer, StringComparison.Ordinal);
        Assert.Contains("\"folded\":true", firstAnswer, StringComparison.Ordinal);

        // Unfolding one asks for that scope alone.
        await Scope("import customers").Locator("> .scope-header").ClickAsync();
        await Expect(Record("customers row 699")).ToBeAttachedAsync();
        await Expect(Record("customers row 0")).ToBeVisibleAsync();
        Assert.Equal(2, trees.Count);
        Assert.Contains("scope=" + Uri.EscapeDataString(job.Id + "/1"), trees[1].Url, StringComparison.Ordinal);
        Assert.DoesNotContain("orders row", await trees[1].Response.TextAsync(), StringComparison.Ordinal);

        // A live record below a folded scope changes its header; unfolded, the scope shows it once.
        logger.LogInformation("invoices row late");
        invoices.Dispose();
        await Expect(Scope("import invoices").Locator("> .scope-header .status")).ToHaveTextAsync("succeeded");
        await Scope("import invoices").Locator("> .scope-header").ClickAsync();
        await Expect(Record("invoices row 699")).ToBeAttachedAsync();
        await Expect(Record("invoices row late")).ToHaveCountAsync(1);
        Assert.Equal(3, trees.Count);

        await _page.ClickAsync("#errors-only");
        await Expect(Record("order 17 is broken")).ToBeVisibleAsync();
        await Expect(Scope("import customers")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("collapsed"));
        await Expect(Scope("import invoices")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("collapsed"));
    }
}
