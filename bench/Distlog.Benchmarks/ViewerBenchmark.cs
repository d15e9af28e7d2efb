using System.Diagnostics;
using System.Globalization;
using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Store.Sqlite;
using Distlog.Viewer;
using Microsoft.Playwright;

namespace Distlog.Benchmarks;

/// <summary>
/// How fast the viewer answers a big store, in a real browser (Debian's chromium through Playwright): a SQLite store
/// with <c>tasks</c> small tasks (enter, one record, exit) and one task of <c>treeRecords</c> records in 100
/// subtasks. Reported: the page from navigation to the task list shown, and from navigation to the big tree's last
/// record shown; the median of five, after one warm-up. Target of issue 6: the first tree in under 1 s.
/// </summary>
internal static class ViewerBenchmark
{
    public static async Task<int> RunAsync(int tasks, int treeRecords)
    {
        string dir = Directory.CreateTempSubdirectory("viewer-bench-").FullName;
        try
        {
            var settings = new PluginSettings("bench", 1, new Dictionary<string, (string?, int)>
            {
                ["path"] = ($"{dir}/store.db", 1), ["max_age"] = ("0", 1), ["max_size"] = ("0", 1), ["retention_interval"] = ("0s", 1),
            });
            await using var plugin = new SqlitePlugin(settings);
            var watch = Stopwatch.StartNew();
            string bigRoot = await FillAsync(plugin, tasks, treeRecords);
            Console.WriteLine($"store: {tasks:N0} tasks of 3 records and one of {treeRecords:N0} records, written in {watch.Elapsed.TotalSeconds:N1} s");

            var feed = new LiveFeed();
            await using var viewer = await ViewerServer.StartAsync("http://127.0.0.1:0", plugin.Store, feed);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox"] });
            var page = await browser.NewPageAsync();

            // From navigation start to the first frame whose page holds the thing waited for, read in the page
            // (performance.now() counts from navigation start; polled every animation frame). Playwright's own
            // locator waits poll at up to 500 ms, which measured the wait, not the page.
            async Task<double> ShownAsync(string url, string condition)
            {
                await page.GotoAsync("about:blank");
                await page.GotoAsync(url);
                var shown = await page.WaitForFunctionAsync($"() => ({condition}) && performance.now()", null, new() { Timeout = 120_000 });
                return await shown.JsonValueAsync<double>();
            }

            double list = await MedianAsync(() => ShownAsync(viewer.Address, "document.querySelector('#tasks tr.task')"));
            double tree = await MedianAsync(() => ShownAsync($"{viewer.Address}/#task={bigRoot}",
                $"[...document.querySelectorAll('#tree .record .message')].some((e) => e.textContent.startsWith('step {treeRecords - 1} '))"));
            // The big tree opens folded; unfolding its subtask of ten records, after a fresh load each time: from the
            // click to the first frame drawn with its last record, timed in the page (Playwright's own polling of the
            // page's text would be timed too otherwise).
            double unfold = await MedianAsync(async () =>
            {
                await page.GotoAsync("about:blank");
                await page.GotoAsync($"{viewer.Address}/#task={bigRoot}");
                await page.Locator($".scope[data-scope='{bigRoot}/100000'] > .scope-header").WaitForAsync(new() { Timeout = 120_000 });
                return await page.EvaluateAsync<double>("""
                    async (id) => {
                      const frame = () => new Promise((done) => requestAnimationFrame(done));
                      const shown = () => [...document.querySelectorAll(`.scope[data-scope="${id}"] .record .message`)].some((e) => e.textContent === "ten steps: step 9");
                      const t0 = performance.now();
                      document.querySelector(`.scope[data-scope="${id}"] > .scope-header`).click();
                      while (!shown()) await frame();
                      await frame();
                      return performance.now() - t0;
                    }
                    """, $"{bigRoot}/100000");
            });

            // 1,000 records a second for 5 s into the open task, as the live feed hands them to the page; the page's
            // frames are timed by requestAnimationFrame meanwhile.
            await page.GotoAsync("about:blank");
            await page.GotoAsync($"{viewer.Address}/#task={bigRoot}");
            await page.Locator($"#tree[data-following='{bigRoot}']").WaitForAsync(new() { Timeout = 120_000 });
            double idleFrames = await page.EvaluateAsync<double>("() => new Promise(done => { let n = 0; const t0 = performance.now(); const tick = () => { n++; if (performance.now() - t0 < 1000) requestAnimationFrame(tick); else done(n); }; requestAnimationFrame(tick); })");
            Console.WriteLine($"idle: {idleFrames} frames in 1 s");
            // (Started before the frames are timed: starting the profiler holds the page for about half a second.)
            ICDPSession? cdp = null;
            if (Environment.GetEnvironmentVariable("VIEWER_PROFILE") is not null)
            {
                cdp = await page.Context.NewCDPSessionAsync(page);
                await cdp.SendAsync("Profiler.enable");
                await cdp.SendAsync("Profiler.setSamplingInterval", new() { ["interval"] = 200 });
                await cdp.SendAsync("Profiler.start");
            }

            await page.EvaluateAsync("() => { window.longTasks_ = []; new PerformanceObserver(list => { for (const e of list.getEntries()) window.longTasks_.push(e.duration); }).observe({ type: 'longtask', buffered: false }); }");
            await page.EvaluateAsync("() => { window.frames_ = []; let last = performance.now(); const tick = (t) => { window.frames_.push(t - last); last = t; if (!window.stopFrames_) requestAnimationFrame(tick); }; requestAnimationFrame(tick); }");
            double liveStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
            var pace = Stopwatch.StartNew();
            for (int i = 0; i < 5000; i++)
            {
                feed.Publish('P', Record($"{bigRoot}/100001", i, i == 0 ? "live subtask" : $"live step {i}", liveStart + (i * 0.001), i == 0 ? new TaskBoundary(TaskBoundary.Enter, TaskBoundary.Running, null) : null));
                while (pace.Elapsed.TotalMilliseconds < i)
                {
                    await Task.Delay(1);
                }
            }

            // Waited for every 100 ms on the live scope's last line: a text locator would scan the page each frame.
            await page.WaitForFunctionAsync(
                "id => document.querySelector(`.scope[data-scope=\"${id}\"] > .scope-body > .record:last-child .message`)?.textContent === 'live step 4999'",
                $"{bigRoot}/100001", new() { PollingInterval = 100, Timeout = 60_000 });
            double[] frames = await page.EvaluateAsync<double[]>("() => { window.stopFrames_ = true; return window.frames_; }");
            await page.Locator(".record", new() { HasText = "live step 4999" }).WaitForAsync();
            double[] longTasks = await page.EvaluateAsync<double[]>("() => window.longTasks_");
            if (cdp is not null)
            {
                // Where the page's main thread spent the live phase: self time by function (and the engine's own
                // entries: garbage collector, program = layout and style, idle).
                var profile = (await cdp.SendAsync("Profiler.stop"))!.Value.GetProperty("profile");
                var self = new Dictionary<string, long>();
                foreach (var node in profile.GetProperty("nodes").EnumerateArray())
                {
                    var frame = node.GetProperty("callFrame");
                    string name = $"{frame.GetProperty("functionName").GetString()} {frame.GetProperty("url").GetString()?.Split('/').Last()}:{frame.GetProperty("lineNumber").GetInt32() + 1}";
                    self[name] = self.GetValueOrDefault(name) + node.GetProperty("hitCount").GetInt32();
                }

                long total = self.Values.Sum();
                foreach (var (name, hits) in self.OrderByDescending(p => p.Value).Take(15))
                {
                    Console.WriteLine($"  {100.0 * hits / total,5:N1} %  {name}");
                }
            }

            Console.WriteLine($"long tasks (> 50 ms) while live: {longTasks.Length}, longest {(longTasks.Length == 0 ? 0 : longTasks.Max()):N0} ms");
            Array.Sort(frames);
            double worstFrame = frames.Length == 0 ? 0 : frames[^1];
            double p99Frame = frames.Length == 0 ? 0 : frames[(int)(frames.Length * 0.99)];

            // VIEWER_PROFILE=1 also prints where the browser spends the big tree's time.
            if (Environment.GetEnvironmentVariable("VIEWER_PROFILE") is not null)
            {
                await page.GotoAsync("about:blank");
                await page.GotoAsync($"{viewer.Address}/#task={bigRoot}");
                await page.Locator(".record", new() { HasText = $"step {treeRecords - 1} " }).WaitForAsync(new() { Timeout = 60_000 });
                await page.Locator($".scope[data-scope='{bigRoot}/100000'] > .scope-header").ClickAsync();
                await page.Locator(".record", new() { HasText = "ten steps: step 9" }).WaitForAsync();
                Console.WriteLine(await page.EvaluateAsync<string>("() => performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation')).map(e => `${e.name.replace(location.origin, '')}: start ${e.startTime.toFixed(0)}, request ${(e.requestStart - e.startTime).toFixed(0)}, response ${(e.responseStart - e.startTime).toFixed(0)}, end ${(e.responseEnd - e.startTime).toFixed(0)} ms`).join('\\n')"));

            }

            using var http = new HttpClient { BaseAddress = new Uri(viewer.Address) };
            double api = await MedianAsync(async () =>
            {
                var start = Stopwatch.StartNew();
                (await http.GetAsync($"/api/tree/{bigRoot}")).EnsureSuccessStatusCode();
                return start.Elapsed.TotalMilliseconds;
            });

            double folded = await MedianAsync(async () =>
            {
                var start = Stopwatch.StartNew();
                (await http.GetAsync($"/api/tree/{bigRoot}?fold=2000")).EnsureSuccessStatusCode();
                return start.Elapsed.TotalMilliseconds;
            });

            Console.WriteLine("| what | median ms |");
            Console.WriteLine("|---|---:|");
            Console.WriteLine($"| page loaded, task list shown (100 newest of {tasks:N0} tasks) | {list:N0} |");
            Console.WriteLine($"| page loaded, tree of {treeRecords:N0} records shown to its last record | {tree:N0} |");
            Console.WriteLine($"| /api/tree of that task alone, folded as the page asks for it (fold=2000) | {folded:N0} |");
            Console.WriteLine($"| /api/tree of that task alone, whole (JSON) | {api:N0} |");
            Console.WriteLine($"| unfolding its subtask of 10 records | {unfold:N0} |");
            Console.WriteLine($"| 1,000 live records/s into the open task for 5 s: longest frame, p99 frame ({frames.Length} frames) | {worstFrame:N0}, {p99Frame:N0} |");
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<double> MedianAsync(Func<Task<double>> measure)
    {
        await measure();
        var times = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            times.Add(await measure());
        }

        return times.Order().ElementAt(2);
    }

    private static LogRecord Record(string scope, long seq, string message, double created, TaskBoundary? boundary = null, int level = Levels.Info) => new()
    {
        Name = "Bench", Msg = message, Message = message, LevelNo = level, LevelName = Levels.NameOf(level), Created = created,
        Hostname = "bench-host", Service = "bench", Process = 1,
        Context = new RecordContext(TaskKey.Format(seq, scope), []), Task = boundary,
    };

    /// <summary>The small tasks first, then the big one, so the big one is the newest.</summary>
    private static async Task<string> FillAsync(SqlitePlugin plugin, int tasks, int treeRecords)
    {
        double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - 3600;
        var batch = new List<ReceivedRecord>(5000);
        async Task AddAsync(LogRecord record)
        {
            batch.Add(new ReceivedRecord('P', record, DateTimeOffset.UtcNow));
            if (batch.Count == 5000)
            {
                await plugin.HandleAsync(batch, CancellationToken.None);
                batch.Clear();
            }
        }

        LogRecord Make(string scope, long seq, string message, double created, TaskBoundary? boundary = null, int level = Levels.Info) =>
            Record(scope, seq, message, created, boundary, level);

        for (int t = 0; t < tasks; t++)
        {
            string root = Guid.NewGuid().ToString();
            double at = now + (t * 0.01);
            await AddAsync(Make(root, 0, $"request {t}", at, new TaskBoundary(TaskBoundary.Enter, TaskBoundary.Running, null)));
            await AddAsync(Make(root, 1, "working", at + 0.001, level: t % 50 == 0 ? Levels.Error : Levels.Info));
            await AddAsync(Make(root, 2, $"DONE request {t}", at + 0.002, new TaskBoundary(TaskBoundary.Exit, TaskBoundary.Succeeded, 2)));
        }

        string big = Guid.NewGuid().ToString();
        double start = now + (tasks * 0.01) + 1;
        await AddAsync(Make(big, 0, "big job", start, new TaskBoundary(TaskBoundary.Enter, TaskBoundary.Running, null)));
        int perSubtask = Math.Max(1, (treeRecords - 2) / 100);
        for (int i = 0; i < treeRecords - 2; i++)
        {
            int sub = (i / perSubtask) + 1;
            string scope = $"{big}/{sub}";
            await AddAsync(Make(scope, (i % perSubtask) + 1, $"step {i} of subtask {sub}", start + (i * 0.0001)));
        }

        // A subtask of ten records, to unfold.
        double ten = start + (treeRecords * 0.0001);
        await AddAsync(Make($"{big}/100000", 0, "ten steps", ten, new TaskBoundary(TaskBoundary.Enter, TaskBoundary.Running, null)));
        for (int i = 0; i < 10; i++)
        {
            await AddAsync(Make($"{big}/100000", i + 1, $"ten steps: step {i}", ten + (i * 0.0001)));
        }

        await AddAsync(Make(big, 1, $"step {treeRecords - 1} done", ten + 0.01, new TaskBoundary(TaskBoundary.Exit, TaskBoundary.Succeeded, 1000)));
        if (batch.Count > 0)
        {
            await plugin.HandleAsync(batch, CancellationToken.None);
        }

        return big;
    }
}
