using Distlog.Protocol;
using Distlog.Protocol.Control;
using Distlog.Tests.Shared;
using Xunit;

namespace Distlog.Cli.Tests;

/// <summary>Central level control end to end: a real distlogd in this process, clients as separate processes (the
/// test peer), rules set with the real <c>distlog</c> command or the daemon's control, records read back from the
/// daemon's file plugin.</summary>
public sealed class LevelControlTests : IAsyncLifetime
{
    private static readonly string s_peer = ChildProcess.ProjectDll("test/Distlog.Tests.Peer", "Distlog.Tests.Peer");
    private LevelDaemon _daemon = null!;

    public async Task InitializeAsync() => _daemon = await LevelDaemon.StartInNewFolderAsync("distlog-levels-");

    public async Task DisposeAsync() => await _daemon.DisposeAsync();

    [Fact]
    public void LevelSet_ForOneServiceAndLoggerPrefix_TurnsOnItsDebugWithinASecond_NotTheOthers_UntilItsTtlEnds()
    {
        using var a = Chatter("svc-a");
        using var b = Chatter("svc-b");
        WaitForSessions("svc-a", "svc-b");

        var (code, stdout, stderr) = Cli("level", "set", "--service", "svc-a", "--logger", "App.Orders", "--level", "Debug", "--ttl", "4s", "--reason", "chasing order 42");
        Assert.True(code == 0, stderr);
        var rule = Assert.Single(_daemon.Host.Control!.Rules);
        Assert.StartsWith($"set {rule.Id}: Debug for service=svc-a logger=App.Orders, ", stdout, StringComparison.Ordinal);
        Assert.Equal("chasing order 42", rule.Reason);

        // A's Debug records of that prefix come, created within a second of the rule.
        static bool IsDebugOfA(LogRecord r) => r.Service == "svc-a" && r.LevelNo == Levels.Debug;
        Wait.Until(() => _daemon.Records().Any(IsDebugOfA), () => "svc-a's first Debug record");
        double first = _daemon.Records().Where(IsDebugOfA).Min(r => r.Created);
        double latency = first - rule.SetAt.ToUnixTimeMilliseconds() / 1000.0;
        Assert.True(latency < 1.0, $"the first Debug record was created {latency:0.000} s after the rule was set");

        // Past its TTL, A goes on logging, without Debug.
        double end = rule.ExpiresAt!.Value.ToUnixTimeMilliseconds() / 1000.0;
        Wait.Until(() => _daemon.Records().Any(r => r.Service == "svc-a" && r.Created > end + 1.0), () => "svc-a's records after the rule ended");
        a.WriteLine("stop");
        b.WriteLine("stop");
        Assert.Equal(0, a.WaitForExit());
        Assert.Equal(0, b.WaitForExit());

        var records = _daemon.Records();
        Assert.Contains(records, r => r.Service == "svc-b" && r.LevelNo == Levels.Info);
        Assert.DoesNotContain(records, r => r.Service == "svc-b" && r.LevelNo < Levels.Info);
        Assert.All(records.Where(IsDebugOfA), r => Assert.StartsWith("App.Orders.", r.Name, StringComparison.Ordinal));
        Assert.DoesNotContain(records, r => IsDebugOfA(r) && r.Created > end + 0.5);
        Assert.Contains(records, r => IsDebugOfA(r) && r.Created > end - 1.0); // it was on right until then

        // Every change is a record of Distlog.Levels.
        var changes = records.Where(r => r.Name == "Distlog.Levels").Select(r => r.Message).ToList();
        Assert.Contains(changes, m => m!.StartsWith($"level rule {rule.Id} set by ", StringComparison.Ordinal) && m.EndsWith("(chasing order 42)", StringComparison.Ordinal));
        Assert.Contains(changes, m => m!.StartsWith($"level rule {rule.Id} expired: Debug for service=svc-a logger=App.Orders", StringComparison.Ordinal));
    }

    [Fact]
    public void TaskRule_TurnsOnDebugForThatTaskInBothProcesses_ThroughTheForeignId_NotForAConcurrentTask()
    {
        using var caller = ChildProcess.Start(s_peer, "tasks", _daemon.Endpoint, _daemon.ControlEndpoint);
        var ids = new[] { caller.ReadLine(), caller.ReadLine() }.ToDictionary(l => l.Split(' ')[0], l => l.Split(' ')[1]);
        string x = ids["X"], y = ids["Y"];

        var (code, _, stderr) = Cli("level", "set", "--task", x, "--level", "Debug", "--ttl", "10m");
        Assert.True(code == 0, stderr);
        caller.WriteLine("go");
        var foreign = new[] { caller.ReadLine(), caller.ReadLine() }.ToDictionary(l => l.Split(' ')[0], l => l.Split(' ')[1]);
        Assert.Equal(0, caller.WaitForExit());
        Assert.Matches(@"^[0-9a-f-]{36}/1!D\d+$", foreign["FX"]); // the raised level travels with the id
        Assert.DoesNotContain('!', foreign["FY"]);

        // The callee has no session at all: only the id can tell it.
        var callee = ChildProcess.RunDll(s_peer, "import2", _daemon.Endpoint, "off", foreign["FX"], foreign["FY"]);
        Assert.True(callee.ExitCode == 0, callee.Stderr);

        Wait.Until(() => _daemon.Records().Count(r => r.Message == "information in imported piece") == 2, () => "the callee's records");
        var records = _daemon.Records();
        string? Root(LogRecord r) => r.Context?.ParsedKey?.RootId;
        var debugOfX = records.Where(r => Root(r) == x && r.LevelNo == Levels.Debug).Select(r => (r.Service, r.Message)).ToList();
        Assert.Contains(("peer", "debug in task X"), debugOfX);
        Assert.Contains(("peer2", "debug in imported piece"), debugOfX);
        Assert.DoesNotContain(records, r => Root(r) == y && r.LevelNo < Levels.Info);
        Assert.Contains(records, r => Root(r) == y && r.Service == "peer2" && r.Message == "information in imported piece");
        Assert.Contains(records, r => Root(r) == y && r.Service == "peer" && r.Message == "information in task Y");
    }

    [Fact]
    public void DaemonRestart_KeepsTheRules_ClientsReconnect_ANewClientObeys_AndARuleEndsOnTimeWhileTheDaemonIsAway()
    {
        string folder = Directory.CreateTempSubdirectory("distlog-restart-").FullName;
        var daemon = DaemonProcess.Start(folder);
        try
        {
            using var a = ChildProcess.Start(s_peer, "chatter", daemon.Endpoint, daemon.ControlEndpoint, "svc-a");
            Assert.Equal("ready", a.ReadLine());
            string kept = SetRule(daemon.ViewerAddress, "--service", "svc-a", "--logger", "App.Orders", "--level", "Debug", "--ttl", "10m");
            SetRule(daemon.ViewerAddress, "--service", "svc-a", "--logger", "App.Other", "--level", "Debug", "--ttl", "6s");
            double end = ReadRules(folder).Single(r => r.Logger == "App.Other").ExpiresAt!.Value.ToUnixTimeMilliseconds() / 1000.0;
            Wait.Until(() => daemon.Records().Any(r => r.Name == "App.Other" && r.LevelNo == Levels.Debug), () => "App.Other's Debug records");

            // distlogd dies while the short rule still runs: the client must end it by itself.
            daemon.Dispose();
            Wait.Until(() => Now() > end + 1.5, () => "the short rule's end", TimeSpan.FromSeconds(15));
            double restarted = Now();
            daemon = DaemonProcess.Start(folder, daemon);

            // The rules were kept (less the one that ended while it was away).
            var listed = CliAt(daemon.ViewerAddress, "level", "list").Stdout.Trim().Split('\n');
            Assert.Matches($"^{kept}  Debug for service=svc-a logger=App.Orders, 9m[0-5]\\ds left", Assert.Single(listed));

            // A client started now obeys the kept rule; the running one has its session again.
            using var late = ChildProcess.Start(s_peer, "chatter", daemon.Endpoint, daemon.ControlEndpoint, "svc-a");
            Assert.Equal("ready", late.ReadLine());
            Wait.Until(() => CliAt(daemon.ViewerAddress, "components", "--json").Stdout is var json && json.Contains($"\"pid\":{a.Id}", StringComparison.Ordinal) && json.Contains($"\"pid\":{late.Id}", StringComparison.Ordinal), () => "both clients' sessions");
            Wait.Until(() => daemon.Records().Any(r => r.Process == late.Id && r.Name == "App.Orders.Payments" && r.LevelNo == Levels.Debug), () => "the late client's Debug records");
            Wait.Until(() => daemon.Records().Any(r => r.Process == a.Id && r.Created > restarted + 0.5 && r.LevelNo == Levels.Debug), () => "the first client's Debug records after the restart");

            // What the first client logged while distlogd was away arrives now: App.Other without Debug after its end.
            a.WriteLine("stop");
            late.WriteLine("stop");
            Assert.Equal(0, a.WaitForExit());
            Assert.Equal(0, late.WaitForExit());
            var ofA = daemon.Records().Where(r => r.Process == a.Id && r.Name == "App.Other").ToList();
            Assert.Contains(ofA, r => r.LevelNo == Levels.Info && r.Created > end + 0.5 && r.Created < restarted);
            Assert.Contains(ofA, r => r.LevelNo == Levels.Debug && r.Created < end);
            var lateDebug = ofA.Where(r => r.LevelNo == Levels.Debug && r.Created > end + 0.5).Select(r => r.Created).ToList();
            Assert.True(lateDebug.Count == 0, $"the rule ended at {end:0.000}; Debug records were created at {string.Join(", ", lateDebug.Select(c => c.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)))}");
        }
        finally
        {
            daemon.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("--level", "Verbose", "distlog: unknown level 'Verbose' (known: Trace, Debug, Information, Warning, Error, Critical)")]
    [InlineData("--ttl", "5x", "distlog: bad TTL '5x': a duration such as 90s, 10m, 2h or 1d (at most 366d), or 0 for until cleared")]
    [InlineData("--system", "X", "distlog: bad system 'X': P, S or T")]
    public void LevelSet_WithAMistake_SaysWhatInOneLine_AndSetsNothing(string option, string value, string expected)
    {
        var args = new List<string> { "level", "set", "--level", "Debug" };
        int at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (code, stdout, stderr) = Cli([.. args]);
        Assert.Equal(1, code);
        Assert.Equal(expected, stderr.Trim());
        Assert.Equal(string.Empty, stdout);
        Assert.Empty(_daemon.Host.Control!.Rules);
    }

    [Fact]
    public void LevelListAndClear_ShowTheRules_AndClearOneOrAll()
    {
        Assert.Equal("no level rules", Cli("level", "list").Stdout.Trim());
        string first = Cli("level", "set", "--host", "db1", "--level", "Warning", "--ttl", "0").Stdout.Split(':')[0]["set ".Length..];
        Cli("level", "set", "--system", "T", "--level", "Trace", "--ttl", "2h");
        var list = Cli("level", "list").Stdout.Trim().Split('\n');
        Assert.Equal(2, list.Length);
        Assert.Matches($@"^{first}  Warning for host=db1, until cleared, set by .+$", list[0]);
        Assert.Matches(@"^r[0-9a-f]{8}  Trace for system=T, (1h59m|2h00m) left, set by .+$", list[1]);
        Assert.Contains("\"level\":\"Trace\"", Cli("level", "list", "--json").Stdout, StringComparison.Ordinal);

        Assert.Equal("cleared 1 rule(s)", Cli("level", "clear", first).Stdout.Trim());
        var missing = Cli("level", "clear", first);
        Assert.Equal((1, $"distlog: distlogd answered 404: no level rule '{first}'"), (missing.ExitCode, missing.Stderr.Trim()));
        Assert.Equal("cleared 1 rule(s)", Cli("level", "clear", "--all").Stdout.Trim());
        Assert.Empty(_daemon.Host.Control!.Rules);
    }

    [Fact]
    public void Components_ListsEachConnectedClient()
    {
        using var a = Chatter("svc-a");
        WaitForSessions("svc-a");
        var (code, stdout, stderr) = Cli("components");
        Assert.True(code == 0, stderr);
        Assert.Matches($@"^svc-a@\S+ pid {a.Id} \(\S+, distlog [^,]+, system P\)  since [-0-9: ]+  [0-9.]+ records/s  \d+ sent, 0 dropped  rules: none$", stdout.Trim());
        Assert.Contains($"\"pid\":{a.Id}", Cli("components", "--json").Stdout, StringComparison.Ordinal);
        a.WriteLine("stop");
        Assert.Equal(0, a.WaitForExit());
    }

    [Fact]
    public void LevelCommands_WithNoDaemon_SayWhatToCheck()
    {
        var (code, _, stderr) = ChildProcess.RunProject("src/Distlog.Cli", "Distlog.Cli", "level", "list", "--daemon", "http://127.0.0.1:1");
        Assert.Equal(1, code);
        Assert.StartsWith("distlog: distlogd's HTTP API did not answer (", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    private ChildProcess.Running Chatter(string service)
    {
        var peer = ChildProcess.Start(s_peer, "chatter", _daemon.Endpoint, _daemon.ControlEndpoint, service);
        Assert.Equal("ready", peer.ReadLine());
        return peer;
    }

    /// <summary>Waits until distlogd lists a live session for each of these services (a name twice: two sessions).</summary>
    private void WaitForSessions(params string[] services) =>
        Wait.Until(
            () => services.GroupBy(s => s).All(g => _daemon.Host.Control!.Components.Count(c => c.Service == g.Key) >= g.Count()),
            () => $"sessions of {string.Join(", ", services)}; connected: {string.Join(", ", _daemon.Host.Control!.Components.Select(c => c.Service))}; control messages ignored: {_daemon.Host.Control!.BadMessages}");

    private (int ExitCode, string Stdout, string Stderr) Cli(params string[] args) => CliAt(_daemon.Host.ViewerAddress!, args);

    private static (int ExitCode, string Stdout, string Stderr) CliAt(string daemon, params string[] args) =>
        ChildProcess.RunProject("src/Distlog.Cli", "Distlog.Cli", [.. args, "--daemon", daemon]);

    /// <summary>Sets a rule with <c>distlog level set</c>; its id.</summary>
    private static string SetRule(string daemon, params string[] args)
    {
        var (code, stdout, stderr) = CliAt(daemon, ["level", "set", .. args]);
        Assert.True(code == 0, stderr);
        return stdout.Split(':')[0]["set ".Length..];
    }

    /// <summary>The rules distlogd keeps in its folder's levels.json.</summary>
    private static List<LevelRule> ReadRules(string folder)
    {
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "levels.json")));
        return ControlMessage.ReadRules(document.RootElement, DateTimeOffset.UtcNow, relative: false);
    }

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
}
