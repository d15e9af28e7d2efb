using System.Diagnostics;
using System.Text.Json;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Daemon.Tests;

/// <summary>The real <c>distlogd</c> executable as a process: configuration checks, the stats command, and a clean
/// stop on SIGTERM that keeps everything received.</summary>
public class DaemonProcessTests
{
    private static readonly string s_daemon = Path.Combine(AppContext.BaseDirectory, "distlogd.dll");

    [Fact]
    public void CheckConfig_AcceptsTheExample_AndNamesTheLineOfAnError()
    {
        var (code, stdout, _) = Run("--check-config", Path.Combine(AppContext.BaseDirectory, "distlogd.example.yaml"));
        Assert.Equal(0, code);
        Assert.Contains("valid (1 endpoint(s), 6 plugin(s))", stdout, StringComparison.Ordinal);

        string bad = Path.Combine(Path.GetTempPath(), $"distlogd-bad-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(bad, "plugins:\n  - type: file\n    path: x.jsonl\n    rotate: daily\n");
        try
        {
            var (badCode, _, stderr) = Run("--check-config", bad);
            Assert.Equal(1, badCode);
            Assert.Contains($"{bad}:4: unknown key 'rotate'", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Theory]
    [InlineData(new[] { "--help" }, "--check-config <FILE>")]
    [InlineData(new[] { "stats", "--help" }, "--endpoint <ENDPOINT>")]
    public void EveryCommand_HasHelp_AndExitsZero(string[] args, string mentions)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.True(code == 0, stderr);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        Assert.Contains(mentions, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownArgument_IsSaid_WithTheUsage_AndExitCode1()
    {
        var (code, stdout, stderr) = Run("--confg", "x.yaml");
        Assert.Equal(1, code);
        Assert.Contains("'--confg'", stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AListenPortInUse_IsOneLineNamingTheEndpoint_AndExitCode1()
    {
        using var taken = new NetMQ.Sockets.PullSocket();
        int port = taken.BindRandomPort("tcp://127.0.0.1");
        string config = Path.Combine(Path.GetTempPath(), $"distlogd-inuse-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(config, $"listen: tcp://127.0.0.1:{port}\ncontrol: off\nviewer: off\nstats_endpoint: off\nplugins:\n  - type: console\n");
        try
        {
            var (code, stdout, stderr) = Run("--config", config);
            Assert.Equal(1, code);
            Assert.Equal($"distlogd: tcp://127.0.0.1:{port} is in use — is another distlogd running? (or set listen: to another endpoint)", stderr.Trim());
            Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public void RuntimeSettings_GiveGen0TheBudgetTheReceiverWasTunedFor()
    {
        // Records waiting in plugin queues must die young: with the default 16 MiB budget the receive thread spent
        // most of its time in the GC (bench/results).
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "distlogd.runtimeconfig.json")));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.Equal(64 * 1024 * 1024, properties.GetProperty("System.GC.Gen0MaxBudget").GetInt64());
    }

    [Fact]
    public async Task Sigterm_DrainsAndExitsZero_AndStatsAnswerWhileRunning()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"distlogd-proc-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        string config = Path.Combine(folder, "distlogd.yaml");
        File.WriteAllText(config, $"""
            listen: tcp://127.0.0.1:*
            stats_endpoint: tcp://127.0.0.1:*
            control: tcp://127.0.0.1:*
            plugins:
              - type: file
                path: {folder}/records.jsonl
            """);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(s_daemon);
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(config);
        using var daemon = Process.Start(start)!;
        try
        {
            // The first line says where it listens and where stats answer.
            string summary = (await daemon.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)))!;
            _ = daemon.StandardOutput.ReadToEndAsync();
            _ = daemon.StandardError.ReadToEndAsync();
            string endpoint = summary.Split("listening on ")[1].Split(';')[0];
            string statsEndpoint = summary.Split("distlogd stats --endpoint ")[1].Split(' ')[0];

            using (var factory = LoggerFactory.Create(b => b.AddDistlog(endpoint, TestClient.AtMostOnce)))
            {
                var logger = factory.CreateLogger("proc");
                using var job = logger.BeginTask("job");
                for (int i = 0; i < 1000; i++)
                {
                    logger.LogInformation("record {I}", i);
                }
            }

            long records = 0;
            Assert.True(Wait.For(() =>
            {
                var (code, stdout, _) = Run("stats", "--endpoint", statsEndpoint);
                if (code != 0)
                {
                    return false;
                }

                using var stats = JsonDocument.Parse(stdout);
                records = stats.RootElement.GetProperty("records").GetInt64();
                return records == 1002 && stats.RootElement.GetProperty("plugins")[0].GetProperty("handled").GetInt64() == 1002;
            }, TimeSpan.FromSeconds(60)), $"stats said {records} records");

            using (var kill = Process.Start("kill", ["-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await daemon.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, daemon.ExitCode);
            Assert.Equal(1002, File.ReadAllLines(Path.Combine(folder, "records.jsonl")).Length);
        }
        finally
        {
            if (!daemon.HasExited)
            {
                daemon.Kill(entireProcessTree: true);
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args) => ChildProcess.Run("distlogd", args);
}
