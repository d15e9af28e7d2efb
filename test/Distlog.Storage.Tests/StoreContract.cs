using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Query;
using Distlog.Storage.Tests.Support;
using Xunit;

namespace Distlog.Storage.Tests;

/// <summary>
/// What every store must do the same way: the corpus (the seed's tutorial, a request continued by a second
/// process, unrelated records, two records left out) is written through the store's plugin, then read back through
/// the query model. Each store's test class derives from this one.
/// </summary>
public abstract class StoreContract
{
    /// <summary>A new, empty store: its plugin (disposed by the test) and its reader.</summary>
    protected abstract Task<(IDistlogPlugin Plugin, IRecordStore Store)> CreateAsync();

    /// <summary>Whether "newest first" means by creation time (an index on it) rather than by arrival (Redis's
    /// stream order).</summary>
    protected virtual bool OrdersByCreation => true;

    /// <summary>Whether a store that orders by arrival keeps that order within each task only (shards).</summary>
    protected virtual bool OrdersByArrivalWithinTasksOnly => false;

    private async Task<(Corpus Corpus, IRecordStore Store, IDistlogPlugin Plugin)> LoadAsync()
    {
        var corpus = await Corpus.GetAsync();
        var (plugin, store) = await CreateAsync();
        await Corpus.WriteAsync(plugin, corpus.Stored);
        await plugin.FlushAsync(CancellationToken.None);
        return (corpus, store, plugin);
    }

    [SkippableFact]
    public async Task TaskTree_OfTheTutorial_HasBothScopesInSeqOrder_WithTheirData()
    {
        var (corpus, store, plugin) = await LoadAsync();
        await using var _ = plugin;

        var tree = await store.GetTaskTreeAsync(corpus.TutorialRoot);

        Assert.NotNull(tree);
        Assert.Equal(6, tree.RecordCount);
        Assert.False(tree.Truncated);
        Assert.Equal(["toplevel", "into task", "DONE toplevel"], tree.Root.Records.Select(r => r.Record.Message));
        var sub = Assert.Single(tree.Root.Children);
        Assert.Equal(corpus.TutorialRoot + "/1", sub.Id);
        Assert.Equal(["subtask", "into task", "subtask done"], sub.Records.Select(r => r.Record.Message));
        Assert.Equal([0L, 1L, 2L], sub.Records.Select(r => r.Record.Context!.ParsedKey!.Value.Seq));
        Assert.Equal("leo", Field(tree.Root.Records[1].Record, "user"));
        Assert.Equal(42L, Field(sub.Records[1].Record, "arg"));
        Assert.Equal(TaskBoundary.Succeeded, tree.Root.Status);
        Assert.Equal(TaskBoundary.Succeeded, sub.Status);
        Assert.Empty(tree.Gaps);
        Assert.All(tree.Scopes.SelectMany(s => s.Records), r => Assert.Equal('P', r.System));
    }

    [SkippableFact]
    public async Task TaskTree_SpanningTwoProcesses_IsWholeFromAnyKey_WithGapsWhereRecordsAreMissing()
    {
        var (corpus, store, plugin) = await LoadAsync();
        await using var _ = plugin;
        string r = corpus.RequestRoot;

        // Any key or id of the task finds the whole tree: the root id, a remote key, a scope id.
        foreach (string id in (string[])[r, $"1@{corpus.Foreign}", $"{corpus.Foreign}/1"])
        {
            var tree = await store.GetTaskTreeAsync(id);
            Assert.NotNull(tree);
            Assert.Equal(r, tree.RootId);
            Assert.Equal(14, tree.RecordCount);

            Assert.Equal(["handle request", "validating order 42", "stock low for widget", "replying to the client", "request handled"],
                tree.Root.Records.Select(x => x.Record.Message));
            var call = Assert.Single(tree.Root.Children);
            Assert.Equal(["call backend", "calling peer", "retrying once", "DONE call backend"], call.Records.Select(x => x.Record.Message));
            var remote = Assert.Single(call.Children);
            Assert.Equal(corpus.Foreign, remote.Id);
            Assert.True(remote.IsImported);
            Assert.False(call.IsImported);
            Assert.Equal(["peer"], remote.Services);
            Assert.Equal(["continued processing", "working on remote item", "remote part done"], remote.Records.Select(x => x.Record.Message));
            Assert.Equal("peer-host", Field(remote.Records[0].Record, "host"));
            var remoteSub = Assert.Single(remote.Children);
            Assert.Equal(["inside remote subtask", "DONE remote subtask"], remoteSub.Records.Select(x => x.Record.Message));
            Assert.Equal("DEBUG", remoteSub.Records[0].Record.LevelName);

            Assert.Equal([(call.Id, new SeqGap(1, 3)), (remoteSub.Id, new SeqGap(-1, 1))], tree.Gaps.ToList());
            Assert.Equal(2, tree.Gaps.Sum(g => g.Gap.Missing));
            Assert.Equal(TaskBoundary.Succeeded, tree.Root.Status);
            Assert.NotNull(tree.Root.ElapsedMs);
        }
    }

    [SkippableFact]
    public async Task ListTasks_SummarisesLikeTheTrees_NewestFirst_AndHonoursFilters()
    {
        var (corpus, store, plugin) = await LoadAsync();
        await using var _ = plugin;

        var tasks = await store.ListTasksAsync(new RecordQuery(), 50);

        // Every task of the corpus, each summarised exactly as its whole tree says (the definition).
        Assert.Contains(tasks, t => t.RootId == corpus.TutorialRoot);
        Assert.Contains(tasks, t => t.RootId == corpus.RequestRoot);
        foreach (var task in tasks)
        {
            var expected = TaskSummary.Of((await store.GetTaskTreeAsync(task.RootId))!);
            Assert.Equal(expected with { Services = [], Hostnames = [] }, task with { Services = [], Hostnames = [] });
            Assert.Equal(expected.Services, task.Services);
            Assert.Equal(expected.Hostnames, task.Hostnames);
        }

        var request = tasks.Single(t => t.RootId == corpus.RequestRoot);
        Assert.Equal("handle request", request.Title);
        Assert.Equal(TaskBoundary.Succeeded, request.Status); // its one error, "backend slow", is a missing record
        Assert.Equal((0L, 1L), (request.Errors, request.Warnings));
        Assert.Equal(14, request.Records);
        Assert.Equal(2, request.Gaps);
        Assert.Contains("peer", request.Services);

        // Newest first (by the newest matching record), at most the limit, and only tasks with a matching record.
        Assert.Single(await store.ListTasksAsync(new RecordQuery(), 1));
        var remoteOnly = await store.ListTasksAsync(new RecordQuery { Service = "peer" }, 50);
        Assert.Equal([corpus.RequestRoot], remoteOnly.Select(t => t.RootId));
    }

    [SkippableFact]
    public async Task ATaskOfTheOriginalPythonClient_IsTitledByRecordZero_AndSucceedsByItsClosingRecord()
    {
        var (_, store, plugin) = await LoadAsync();
        await using var _ = plugin;
        string root = Guid.NewGuid().ToString();
        await Corpus.WriteAsync(plugin, Corpus.PythonTutorial(root));
        await plugin.FlushAsync(CancellationToken.None);

        var tree = (await store.GetTaskTreeAsync(root))!;
        var summary = (await store.ListTasksAsync(new RecordQuery { Task = root }, 10)).Single();

        Assert.Equal(("toplevel", TaskBoundary.Succeeded), (tree.Root.Enter?.Record.Message, tree.Root.Status));
        var sub = Assert.Single(tree.Root.Children);
        Assert.Equal(("subtask", TaskBoundary.Succeeded), (sub.Enter?.Record.Message, sub.Status));
        Assert.Equal(["into task", "subtask done"], sub.Timeline.Select(i => i.Record!.Record.Message));
        var expected = TaskSummary.Of(tree);
        Assert.Equal(expected with { Services = [], Hostnames = [] }, summary with { Services = [], Hostnames = [] });
        Assert.Equal(("toplevel", TaskBoundary.Succeeded, 6L), (summary.Title, summary.Status, summary.Records));
        Assert.Equal(["example"], summary.Services); // no service on the wire: the script's module names it
        Assert.NotNull(summary.ElapsedMs);
    }

    [SkippableFact]
    public async Task AScopeRead_HoldsThatScopeAndWhatIsBelowIt_AndNothingBesideIt()
    {
        var (plugin, store) = await CreateAsync();
        await using var _ = plugin;
        string root = Guid.NewGuid().ToString();
        // Scopes whose ids sort next to root/1: its subtask root/1/1, and the siblings root/10 and root/2.
        string[] scopes = [root, $"{root}/1", $"{root}/1/1", $"{root}/10", $"{root}/2"];
        await Corpus.WriteAsync(plugin, scopes.SelectMany(scope => Enumerable.Range(0, 3).Select(seq => Received(scope, seq, $"{scope} #{seq}"))));
        await plugin.FlushAsync(CancellationToken.None);

        var (records, truncated) = await store.ReadScopeAsync($"{root}/1", 100);
        Assert.False(truncated);
        Assert.Equal(
            [$"{root}/1 #0", $"{root}/1 #1", $"{root}/1 #2", $"{root}/1/1 #0", $"{root}/1/1 #1", $"{root}/1/1 #2"],
            records.Select(r => r.Record.Message).Order(StringComparer.Ordinal));
        var (some, more) = await store.ReadScopeAsync($"{root}/1", 4);
        Assert.Equal((4, true), (some.Count, more));

        var tree = await store.GetScopeTreeAsync($"{root}/1");
        var scope = Assert.Single(tree!.Scopes, s => s.Id == $"{root}/1");
        Assert.Equal(($"{root}/1 #0", 6), (scope.Enter?.Record.Message, scope.TotalRecords));
        Assert.Equal([$"{root}/1/1"], scope.Children.Select(c => c.Id));
        Assert.Null(await store.GetScopeTreeAsync($"{root}/3"));
    }

    [SkippableFact]
    public async Task EveryRecordOfATree_HasTheOutlineOfItsOwnBody_AndABigTreeReadWholeHasEveryBody()
    {
        var (corpus, store, plugin) = await LoadAsync();
        await using var _ = plugin;
        string root = Guid.NewGuid().ToString();
        // Twelve scopes of five records: more than a store may fetch scope by scope.
        var scopes = new[] { root }.Concat(Enumerable.Range(1, 11).Select(i => $"{root}/{i}")).ToList();
        await Corpus.WriteAsync(plugin, scopes.SelectMany(scope => Enumerable.Range(0, 5).Select(seq => Received(scope, seq, $"{scope} #{seq}", seq == 3 ? Levels.Error : Levels.Info))), batch: 50);
        await plugin.FlushAsync(CancellationToken.None);

        foreach (string id in (string[])[corpus.RequestRoot, corpus.TutorialRoot, root])
        {
            var tree = (await store.GetTaskTreeAsync(id))!;
            foreach (var stored in tree.Scopes.SelectMany(s => s.Records))
            {
                var own = RecordOutline.Of(stored.Record);
                Assert.Equal(own, stored.Outline with { Service = stored.Outline.Service ?? own.Service });
            }
        }

        var big = (await store.GetTaskTreeAsync(root))!;
        Assert.Equal(60, big.RecordCount);
        foreach (var scope in big.Scopes)
        {
            Assert.Equal(Enumerable.Range(0, 5).Select(seq => $"{scope.Id} #{seq}"), scope.Records.Select(r => r.Record.Message));
            Assert.True(scope.HasErrors);
        }
    }

    private static ReceivedRecord Received(string scope, long seq, string message, int level = Levels.Info) => new('P', new LogRecord
    {
        Name = "Contract", Msg = message, Message = message, LevelNo = level, LevelName = Levels.NameOf(level), Created = 1_700_000_000 + seq,
        Hostname = "contract-host", Service = "contract", Process = 7, Context = new RecordContext(TaskKey.Format(seq, scope), []),
    }, DateTimeOffset.UtcNow);

    [SkippableFact]
    public async Task TaskTree_ObeysItsLimit_AndSaysItWasTruncated_AndUnknownTasksAreNull()
    {
        var (corpus, store, plugin) = await LoadAsync();
        await using var _ = plugin;

        var tree = await store.GetTaskTreeAsync(corpus.RequestRoot, limit: 5);

        Assert.NotNull(tree);
        Assert.True(tree.Truncated);
        Assert.Equal(5, tree.RecordCount);
        Assert.Null(await store.GetTaskTreeAsync("no-such-task"));
    }

    [SkippableFact]
    public async Task Query_FiltersByLevelLoggerServiceTextContextAndTask()
    {
        var (corpus, store, plugin) = await LoadAsync();
        await using var _ = plugin;

        Assert.Equal(["disk almost full on /var", "stock low for widget"],
            (await Messages(store, new RecordQuery { MinLevel = Levels.Warning })).Order(StringComparer.Ordinal));
        Assert.Equal(["DONE nightly batch", "nightly batch", "tick"],
            (await Messages(store, new RecordQuery { LoggerPrefix = "Jobs.", Limit = 10 })).Order(StringComparer.Ordinal));
        Assert.Equal(["DONE remote subtask", "continued processing", "inside remote subtask", "remote part done", "working on remote item"],
            (await Messages(store, new RecordQuery { Service = "peer" })).Order(StringComparer.Ordinal));
        Assert.Equal(["stock low for widget"], await Messages(store, new RecordQuery { Text = "Stock LOW" }));
        Assert.Empty(await Messages(store, new RecordQuery { Text = "sto" }));
        Assert.Equal(5, (await Messages(store, new RecordQuery { Context = [new("order_id", "42")] })).Count);
        Assert.Equal(4, (await Messages(store, new RecordQuery { Context = [new("user", "leo"), new("order_id", "42")], MaxLevel = Levels.Info, MinLevel = Levels.Info })).Count);
        Assert.Empty(await Messages(store, new RecordQuery { Context = [new("order_id", "43")] }));
        Assert.Equal(14, (await Messages(store, new RecordQuery { Task = $"3@{corpus.RequestRoot}" })).Count);
        Assert.Equal(["DEBUG"], (await store.QueryAsync(new RecordQuery { MaxLevel = Levels.Debug, Service = "peer" })).Records.Select(r => r.Record.LevelName));
        Assert.Equal(Corpus.Count - 2, (await Messages(store, new RecordQuery { System = 'P', Limit = 1000 })).Count);
        Assert.Empty(await Messages(store, new RecordQuery { System = 'T' }));
        Assert.Equal(Corpus.Count - 2, (await Messages(store, new RecordQuery { Hostname = corpus.All[0].Record.Hostname!.ToUpperInvariant(), Limit = 1000 })).Count);
    }

    [SkippableFact]
    public async Task Query_ByTimeRange_TakesFromInclusive_ToExclusive()
    {
        var (corpus, store, plugin) = await LoadAsync();
        await using var _ = plugin;
        var stored = corpus.Stored.Select(r => r.Record).OrderBy(r => r.Created).ToList();
        var from = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Ceiling(stored[5].Created * 1000));
        var to = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Ceiling(stored[15].Created * 1000));
        double f = from.ToUnixTimeMilliseconds() / 1000.0, t = to.ToUnixTimeMilliseconds() / 1000.0;

        var page = await store.QueryAsync(new RecordQuery { From = from, To = to, Limit = 1000 });

        Assert.Equal(stored.Where(r => r.Created >= f && r.Created < t).Select(r => r.Message).Order(StringComparer.Ordinal), page.Records.Select(r => r.Record.Message).Order(StringComparer.Ordinal));
        Assert.NotEmpty(page.Records);
    }

    [SkippableFact]
    public async Task Query_PagesNewestFirst_WithoutLosingOrRepeatingRecords()
    {
        var (corpus, store, plugin) = await LoadAsync();
        await using var _ = plugin;

        var seen = new List<StoredRecord>();
        string? cursor = null;
        int pages = 0;
        do
        {
            var page = await store.QueryAsync(new RecordQuery { Limit = 4, Cursor = cursor });
            Assert.True(page.Records.Count <= 4);
            seen.AddRange(page.Records);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 100);

        Assert.Equal(Corpus.Count - 2, seen.Count);
        Assert.Equal(seen.Count, seen.Select(r => r.Id).Distinct().Count());
        if (OrdersByCreation)
        {
            Assert.Equal(seen.Select(r => r.Record.Created).OrderDescending(), seen.Select(r => r.Record.Created));
        }
        else
        {
            // Newest arrival first; a store of several shards keeps that order within each task's shard only.
            List<string?> roots = OrdersByArrivalWithinTasksOnly ? [.. seen.Select(r => r.Outline.Key?.RootId ?? "").Distinct()] : [null];
            foreach (string? root in roots)
            {
                Assert.Equal(
                    corpus.Stored.Reverse().Where(r => root is null || (r.Summary.Context?.ParsedKey?.RootId ?? "") == root).Select(r => r.Record.Created),
                    seen.Where(r => root is null || (r.Outline.Key?.RootId ?? "") == root).Select(r => r.Record.Created));
            }
        }

        Assert.Equal(7, pages); // 25 records, 4 a page
    }

    private static object? Field(LogRecord record, string name) =>
        record.Context?.Data.FirstOrDefault(p => p.Key == name).Value;

    [SkippableFact]
    public async Task RecordsHandedAgainWithTheirDeliveryIds_AreStoredOnce()
    {
        var (plugin, store) = await CreateAsync();
        await using var _ = plugin;
        const string Instance = "0123456789abcdef0123456789abcdef";
        ReceivedRecord Delivered(int sequence, int index) => new('P', new LogRecord
        {
            Name = "Delivery",
            Message = $"delivered {sequence}/{index}",
            LevelNo = Levels.Info,
            LevelName = "INFO",
            Created = 1_764_072_000 + index,
            Service = "delivery",
        }, DateTimeOffset.UtcNow) { DeliveryId = $"{Instance}/{sequence}/{index}" };

        // The first records of message 7 are written; then, as after a crash of distlogd, the whole of message 7
        // comes again with message 8.
        await plugin.HandleAsync([.. Enumerable.Range(0, 5).Select(i => Delivered(7, i))], CancellationToken.None);
        await plugin.HandleAsync([.. Enumerable.Range(0, 10).Select(i => Delivered(7, i)), .. Enumerable.Range(0, 3).Select(i => Delivered(8, i))], CancellationToken.None);
        await plugin.FlushAsync(CancellationToken.None);

        var stored = await Messages(store, new RecordQuery { Service = "delivery", Limit = 1000 });
        Assert.Equal(13, stored.Count);
        Assert.Equal(13, stored.Distinct().Count());
    }

    [SkippableFact]
    public async Task TheQueryLanguage_SelectsWhatTheQueryModelSays_InEveryStore()
    {
        var (corpus, store, plugin) = await LoadAsync();
        await using var _ = plugin;

        string[] queries =
        [
            "level>=warning", "level<info", "level=warning", "\"stock low\"", "\"low stock\"", "-\"stock low\" level>=warning",
            "service:peer -level<=debug", "-service:front", "user=leo -into", "-user=leo logger:Shop", "into task", "-level>info -level<info",
            "logger:Jobs -logger:Jobs.Nightly", $"task:{corpus.RequestRoot} -\"calling peer\"",
        ];
        foreach (string text in queries)
        {
            var query = RecordQueryLanguage.Parse(text) with { Limit = 1000 };
            var expected = corpus.Stored.Where(r => query.Matches(r.System, r.Record)).Select(r => r.Record.Message).Order(StringComparer.Ordinal).ToList();
            var actual = (await Messages(store, query)).Order(StringComparer.Ordinal).ToList();
            Assert.True(expected.SequenceEqual(actual), $"{text}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
        }

        // The queries select something and leave something out: they test the store, not an empty corpus.
        Assert.Equal(["stock low for widget"], await Messages(store, RecordQueryLanguage.Parse("\"stock low\"")));
        Assert.DoesNotContain("stock low for widget", await Messages(store, RecordQueryLanguage.Parse("-\"stock low\" level>=warning")));
    }

    private static async Task<List<string?>> Messages(IRecordStore store, RecordQuery query) =>
        (await store.QueryAsync(query)).Records.Select(r => r.Record.Message).ToList();
}
