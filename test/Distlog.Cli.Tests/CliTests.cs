using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Protocol;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Cli.Tests;

/// <summary>The real <c>distlog</c> binary, as a process, against files, a running daemon's store and its publish
/// plugin; the printed output is compared with what is expected, line by line.</summary>
public sealed partial class CliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distlog-cli-").FullName;

    private const string Root = "7c1e0a52-0000-4000-8000-000000000001";

    [Fact]
    public void Tree_FromAFile_PrintsScopesInOrder_WithDurationsGapsAndTheImportedPart()
    {
        string file = WriteFile(
            R(0, Root, "handle request", 0.000, "front", TaskBoundary.Enter, TaskBoundary.Running, null),
            R(1, Root, "validating order 42", 0.001, "front"),
            R(0, Root + "/1", "call backend", 0.002, "front", TaskBoundary.Enter, TaskBoundary.Running, null),
            R(1, Root + "/1", "calling peer", 0.003, "front"),
            R(0, Root + "/1/1", "continued processing", 0.004, "back", TaskBoundary.Enter, TaskBoundary.Running, null, host: "db1", process: 2),
            R(1, Root + "/1/1", "working", 0.005, "back", level: Levels.Warning, host: "db1", process: 2),
            R(3, Root + "/1/1", "remote part done", 0.007, "back", TaskBoundary.Exit, TaskBoundary.Succeeded, 2.5, host: "db1", process: 2),
            R(3, Root + "/1", "DONE call backend", 0.008, "front", TaskBoundary.Exit, TaskBoundary.Failed, 6.0),
            R(2, Root, "replying", 0.009, "front"),
            R(3, Root, "request handled", 0.010, "front", TaskBoundary.Exit, TaskBoundary.Succeeded, 1234.5));

        var (code, stdout, stderr) = RunCli("tree", $"2@{Root}/1", "--file", file, "--utc", "--color", "never");

        Assert.True(code == 0, stderr);
        Assert.Equal(
            $"""
            ● handle request  [succeeded, 1.23 s]  front@web1  {Root}
              2026-11-25 12:00:00.001 INFO     Shop: validating order 42
              ● call backend  [failed, 6.0 ms, +2.0 ms]
                2026-11-25 12:00:00.003 INFO     Shop: calling peer
                ● continued processing  [succeeded, 2.5 ms, +4.0 ms]  back@db1 (imported, 2.0 ms after the call)
                  2026-11-25 12:00:00.005 WARNING  Shop: working
                  ⋯ 1 record missing (seq 2)
                  2026-11-25 12:00:00.007 INFO     Shop: remote part done
                ⋯ 1 record missing (seq 2)
                2026-11-25 12:00:00.008 INFO     Shop: DONE call backend
              2026-11-25 12:00:00.009 INFO     Shop: replying
              2026-11-25 12:00:00.010 INFO     Shop: request handled

            """,
            stdout.ReplaceLineEndings("\n"));

        var (_, folded, _) = RunCli("tree", Root, "--file", file, "--utc", "--color", "never", "--depth", "1");
        Assert.Equal(
            $"""
            ● handle request  [succeeded, 1.23 s]  front@web1  {Root}
              2026-11-25 12:00:00.001 INFO     Shop: validating order 42
              ● call backend  [failed, 6.0 ms, +2.0 ms]
                [+ 5 records, 1 subtask folded]
              2026-11-25 12:00:00.009 INFO     Shop: replying
              2026-11-25 12:00:00.010 INFO     Shop: request handled

            """,
            folded.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Tree_OfTheTutorial_IsTheSameFromTheDaemonsStoreAndFromItsFile()
    {
        string db = Path.Combine(_folder, "store.db"), jsonl = Path.Combine(_folder, "records.jsonl");
        await using (var daemon = await StartDaemonAsync($"  - type: sqlite\n    path: {db}\n  - type: file\n    path: {jsonl}"))
        {
            var (exitCode, _, stderr) = ChildProcess.RunProject("samples/Tutorial", "Distlog.Samples.Tutorial", daemon.Endpoints[0]);
            Assert.True(exitCode == 0, stderr);
            Wait.Until(() => daemon.Statistics.Plugins.All(p => p.Handled == 7), () => "both plugins to store the tutorial");
        }

        var (queryCode, json, queryError) = RunCli("query", "--sqlite", db, "--text", "toplevel", "--json");
        Assert.True(queryCode == 0, queryError);
        string key = JsonDocument.Parse(json.Split('\n')[0]).RootElement.GetProperty("context").GetProperty("key").GetString()!;

        var fromStore = RunCli("tree", key, "--sqlite", db, "--utc", "--color", "never");
        var fromFile = RunCli("tree", key, "--file", jsonl, "--utc", "--color", "never");

        Assert.True(fromStore.ExitCode == 0, fromStore.Stderr);
        Assert.Equal(fromStore.Stdout, fromFile.Stdout);
        Assert.Equal(
            """
            ● toplevel  [succeeded, #]  Distlog.Samples.Tutorial@#  #
              # INFO     root: into task
              ● subtask  [succeeded, #, #]
                # INFO     root: into task
                # INFO     root: subtask done
              # INFO     root: DONE toplevel

            """,
            Masked(fromStore.Stdout));
    }

    [Fact]
    public async Task CrossProcessDemo_IsOneTreeAcrossBothProcesses()
    {
        string db = Path.Combine(_folder, "store.db");
        string key;
        await using (var daemon = await StartDaemonAsync($"  - type: sqlite\n    path: {db}"))
        {
            var (exitCode, stdout, stderr) = ChildProcess.RunProject("samples/CrossProcess", "Distlog.Samples.CrossProcess", daemon.Endpoints[0]);
            Assert.True(exitCode == 0, stderr);
            key = stdout.Trim().Split(' ')[^1];
            Wait.Until(() => Stored(db, "order 42 confirmed") && Stored(db, "GET /price/widget answered 200"), () => "both processes' last records of the order");
        }

        var (code, tree, error) = RunCli("tree", key, "--sqlite", db, "--utc", "--color", "never");

        Assert.True(code == 0, error);
        Assert.Equal(
            """
            ● order 42  [succeeded, #]  shop@#  #
              # INFO     Shop.Orders: validating the basket
              ● ask pricing for widget  [succeeded, #, #]
                ● GET /price/widget  [succeeded, #, #]  pricing@# (imported, # after the call)
                  # INFO     Pricing: reading the price list for widget
                  ● apply discounts  [succeeded, #, #]
                    # INFO     Pricing: discount 10% applied
                    # INFO     Pricing: discounts applied
                  # INFO     Pricing: priced widget at 7.50
                  # INFO     Distlog.Http: GET /price/widget answered 200
                # INFO     Shop.Orders: pricing answered 7.50
                # INFO     Shop.Orders: DONE ask pricing for widget
              # WARNING  Shop.Orders: stock low for widget
              # INFO     Shop.Orders: order 42 confirmed

            """,
            string.Concat(Masked(tree).Split('\n').Where(l => !l.Contains("Microsoft.AspNetCore.", StringComparison.Ordinal)).Select(l => l + "\n"))[..^1]);

        // The back's request is the imported piece with no code of the sample's: ASP.NET Core's own records are in it.
        Assert.Contains("  # INFO     Microsoft.AspNetCore.Hosting.Diagnostics: Request starting HTTP/1.1 GET", Masked(tree), StringComparison.Ordinal);
        Assert.Contains("  # INFO     Microsoft.AspNetCore.Hosting.Diagnostics: Request finished HTTP/1.1 GET", Masked(tree), StringComparison.Ordinal);
    }

    [Fact]
    public void Tree_OfTheOriginalPythonClientsRecords_HasItsTitles_StatusAndScript()
    {
        string file = Path.Combine(_folder, "python.jsonl");
        File.WriteAllLines(file, PythonFrames.Tutorial(Root).Select(System.Text.Encoding.UTF8.GetString));

        var (code, tree, error) = RunCli("tree", Root, "--file", file, "--utc", "--color", "never");

        Assert.True(code == 0, error);
        Assert.Equal(
            """
            ● toplevel  [succeeded, #]  example@#  #
              # INFO     root: into task
              ● subtask  [succeeded, #, #]
                # INFO     root: into task
                # INFO     root: subtask done
              # INFO     root: DONE toplevel

            """,
            Masked(tree));
    }

    [Fact]
    public void Query_FiltersByLevelAndContext_AndPrintsJsonForScripts()
    {
        string file = WriteFile(
            R(0, Root, "handle request", 0.000, "front", TaskBoundary.Enter, TaskBoundary.Running, null),
            R(1, Root, "validating order 42", 0.001, "front"),
            R(1, Root + "/1/1", "working", 0.005, "back", level: Levels.Warning, host: "db1", process: 2),
            R(2, Root, "replying", 0.009, "front", level: Levels.Error));

        var (code, stdout, stderr) = RunCli("query", "--file", file, "--level", "warning", "--json");
        var (_, text, _) = RunCli("query", "--file", file, "--context", "order_id=42", "--host", "WEB1", "--utc", "--color", "never", "--limit", "2");

        Assert.True(code == 0, stderr);
        var messages = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("message").GetString());
        Assert.Equal(["replying", "working"], messages);
        Assert.Equal(
            """
            2026-11-25 12:00:00.009 ERROR    Shop: replying
            2026-11-25 12:00:00.001 INFO     Shop: validating order 42

            """,
            text.ReplaceLineEndings("\n"));

        // The query language, as in the viewer's box: a level, a negated phrase, a context field, a service.
        var (queryCode, queried, queryError) = RunCli("query", "level>=warning -\"replying\"", "--file", file, "--utc", "--color", "never");
        var (_, byContext, _) = RunCli("query", "order_id=42 -service:back validating", "--file", file, "--utc", "--color", "never");
        var (badCode, _, badError) = RunCli("query", "level>=loud", "--file", file);
        Assert.True(queryCode == 0, queryError);
        Assert.Equal("2026-11-25 12:00:00.005 WARNING  Shop: working\n", queried.ReplaceLineEndings("\n"));
        Assert.Equal("2026-11-25 12:00:00.001 INFO     Shop: validating order 42\n", byContext.ReplaceLineEndings("\n"));
        Assert.NotEqual(0, badCode);
        Assert.Equal("distlog: query: 'level>=loud' (column 1): wants a level name (DEBUG, INFO, WARNING, ERROR, CRITICAL) or number, got 'loud'", badError.Trim());
    }

    [Fact]
    public async Task Tail_FollowsThePublishPlugin_IndentedByTaskDepth()
    {
        await using var daemon = await StartDaemonAsync("  - type: publish\n    endpoint: tcp://127.0.0.1:*");
        var publish = daemon.Plugins.OfType<Daemon.Plugins.PublishPlugin>().Single().Endpoint;
        using var tail = Start("tail", "--daemon", publish, "--color", "never", "--utc", "--logger", "root");
        var lines = new System.Collections.Concurrent.BlockingCollection<string>();
        tail.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Add(e.Data);
            }
        };
        tail.BeginOutputReadLine();

        // A subscriber hears only what is published after it has joined: log probes until the tail shows one.
        using (var factory = LoggerFactory.Create(b => b.AddDistlog(daemon.Endpoints[0], TestClient.AtMostOnce).SetMinimumLevel(LogLevel.Information)))
        {
            var probe = factory.CreateLogger("root");
            var joined = Task.Run(() => lines.GetConsumingEnumerable().First(l => l.Contains("probe", StringComparison.Ordinal)));
            while (!joined.Wait(100))
            {
                probe.LogInformation("probe");
            }
        }

        var (exitCode, _, stderr) = ChildProcess.RunProject("samples/Tutorial", "Distlog.Samples.Tutorial", daemon.Endpoints[0]);
        Assert.True(exitCode == 0, stderr);
        var shown = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (string line in lines.GetConsumingEnumerable(timeout.Token))
        {
            if (!line.Contains("probe", StringComparison.Ordinal))
            {
                shown.Add(line);
            }

            if (line.Contains("all done", StringComparison.Ordinal))
            {
                break;
            }
        }

        tail.Kill();
        Assert.Equal(
            [
                "  # INFO     root: toplevel",
                "  # INFO     root: into task",
                "    # INFO     root: subtask",
                "    # INFO     root: into task",
                "    # INFO     root: subtask done",
                "  # INFO     root: DONE toplevel",
                "# INFO     root: all done",
            ],
            shown.Select(Masked));
    }

    [Theory]
    [InlineData("tail")]
    [InlineData("tree")]
    [InlineData("query")]
    public void EveryCommand_HasHelp(string command)
    {
        var (code, stdout, _) = RunCli(command, "--help");

        Assert.Equal(0, code);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        Assert.Contains("--color", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void BadInput_IsOneClearLine_AndAFailingExitCode()
    {
        var missing = RunCli("tree", "abc", "--sqlite", Path.Combine(_folder, "none.db"));
        var badLevel = RunCli("query", "--file", WriteFile(R(0, Root, "x", 0, "front")), "--level", "LOUD");
        var unknownTask = RunCli("tree", "nope", "--file", WriteFile(R(0, Root, "x", 0, "front")));
        string damaged = WriteFile(R(0, Root, "kept", 0, "front"));
        File.AppendAllText(damaged, "{not json\n");
        var partly = RunCli("query", "--file", damaged, "--color", "never");

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no SQLite store at", missing.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, badLevel.ExitCode);
        Assert.Contains("--level wants a level name", badLevel.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, unknownTask.ExitCode);
        Assert.Contains("no records of task 'nope'", unknownTask.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, partly.ExitCode);
        Assert.Contains("kept", partly.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 line(s) of", partly.Stderr, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private static LogRecord R(long seq, string scope, string message, double at, string service,
        string? taskEvent = null, string? status = null, double? elapsed = null, int level = Levels.Info, string host = "web1", long process = 1) => new()
    {
        Name = "Shop",
        Msg = message,
        Message = message,
        LevelNo = level,
        LevelName = Levels.NameOf(level),
        Created = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() + at,
        Hostname = host,
        Process = process,
        Service = service,
        Context = new RecordContext(TaskKey.Format(seq, scope), scope == Root ? [new("order_id", 42L)] : []),
        Task = taskEvent is null ? null : new TaskBoundary(taskEvent, status!, elapsed),
    };

    private string WriteFile(params LogRecord[] records)
    {
        string path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".jsonl");
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var record in records)
        {
            JsonRecordCodec.Default.Encode(record, buffer);
            buffer.Write("\n"u8);
        }

        File.WriteAllBytes(path, buffer.WrittenSpan.ToArray());
        return path;
    }

    private static (int ExitCode, string Stdout, string Stderr) RunCli(params string[] args) => ChildProcess.RunProject("src/Distlog.Cli", "Distlog.Cli", args);

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ChildProcess.ProjectDll("src/Distlog.Cli", "Distlog.Cli"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    private static bool Stored(string db, string text) =>
        new Store.Sqlite.SqliteRecordStore(db).QueryAsync(new Query.RecordQuery { Text = text }).GetAwaiter().GetResult().Records.Count > 0;

    private static async Task<DaemonHost> StartDaemonAsync(string pluginsYaml)
    {
        var config = ConfigLoader.Parse($"listen: tcp://127.0.0.1:*\nstats_interval: 0s\nstats_endpoint: off\ncontrol: tcp://127.0.0.1:*\njournal: off\nplugins:\n{pluginsYaml}\n", "test.yaml");
        var host = new DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)));
        await host.StartAsync();
        return host;
    }

    /// <summary>Times, durations, hosts and ids vary from run to run; they become '#'.</summary>
    private static string Masked(string text) =>
        Duration().Replace(Time().Replace(Id().Replace(Host().Replace(text.ReplaceLineEndings("\n"), "@#"), "#"), "#"), "#");

    [GeneratedRegex(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}")]
    private static partial Regex Time();

    [GeneratedRegex(@"\+?\d+(\.\d+)? (ms|s)(?=[\],)]| after)")]
    private static partial Regex Duration();

    [GeneratedRegex(@"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Id();

    [GeneratedRegex(@"@[^\s\]]+")]
    private static partial Regex Host();
}
