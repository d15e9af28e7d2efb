using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Distlog.Daemon;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using ZLogger;

namespace Distlog.Benchmarks;

/// <summary>
/// Issue 18's end-to-end goals in one run, every figure beside its peer measured in the same round:
/// <c>logger.LogInformation("request {Id} from {User} served in {Ms} ms", i, "leo", 12.5)</c> inside one task, from a
/// client process with the default options (plus <c>Overflow = Block</c>), through a distlogd process into a file
/// plugin — both processes fresh each round, as after a deploy — beside rsyslog (imtcp → omfile, 300-byte lines,
/// fresh each round), and the same calls through ZLogger's JSON formatter into a file in a fresh process. Each
/// process's processor time (user and system) per record comes from the process itself (the clients) or /proc
/// (distlogd).
/// </summary>
internal static class GoalsHarness
{
    private const string Template = "request {Id} from {User} served in {Ms} ms";

    public static int Run(int cold, int warm, int rounds)
    {
        if (!File.Exists("/usr/sbin/rsyslogd"))
        {
            Console.WriteLine("rsyslog is not installed (bench/run installs it; or apt-get install rsyslog)");
            return 2;
        }

        Console.WriteLine($"cores: {Environment.ProcessorCount}; {rounds} rounds of each size, distlog, rsyslog and ZLogger in turn within a round; medians of the per-round ratios");
        foreach (int records in (int[])[cold, warm])
        {
            Console.WriteLine();
            Console.WriteLine($"{records:N0} records:");
            Console.WriteLine("| round | rsyslog, lines/s | distlog end to end, records/s | ratio | distlog client CPU µs/record | ZLogger CPU µs/record | distlogd CPU µs/record |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
            var results = new List<Round>();
            for (int round = 1; round <= rounds; round++)
            {
                var r = OneRound(records, zlogger: records == warm);
                results.Add(r);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {round} | {r.Rsyslog:N0} | {r.Distlog:N0} | {r.Distlog / r.Rsyslog:0.00}x | {r.ClientCpu:0.00} | {r.ZLoggerCpu:0.00} | {r.DaemonCpu:0.00} |"));
            }

            double ratio = BenchSummary.Median(results.Select(r => r.Distlog / r.Rsyslog));
            bool isCold = records == cold;
            double target = isCold ? 1.5 : 1.0;
            BenchSummary.Report(
                $"end to end ILogger → distlogd → file, {records:N0} records, fresh processes",
                BenchSummary.Rate(BenchSummary.Median(results.Select(r => r.Distlog))),
                "rsyslog " + BenchSummary.Rate(BenchSummary.Median(results.Select(r => r.Rsyslog))),
                BenchSummary.Ratio(ratio),
                $"≥ {target:0.0}x",
                double.IsNaN(ratio) ? null : ratio >= target);
            if (!isCold)
            {
                double client = BenchSummary.Median(results.Select(r => r.ClientCpu));
                double zlogger = BenchSummary.Median(results.Select(r => r.ZLoggerCpu));
                double clientRatio = BenchSummary.Median(results.Select(r => r.ClientCpu / r.ZLoggerCpu));
                BenchSummary.Report(
                    $"client CPU per record (capture, render, encode, send), {records:N0} records",
                    BenchSummary.Micros(client),
                    "ZLogger JSON to file " + BenchSummary.Micros(zlogger),
                    BenchSummary.Ratio(clientRatio),
                    "≤ 1.0x",
                    double.IsNaN(clientRatio) ? null : clientRatio <= 1.0);
                double daemon = BenchSummary.Median(results.Select(r => r.DaemonCpu));
                BenchSummary.Report(
                    $"distlogd CPU per record, batched into the file, {records:N0} records",
                    BenchSummary.Micros(daemon),
                    "—",
                    BenchSummary.Micros(daemon),
                    "≤ 1.00 µs",
                    double.IsNaN(daemon) ? null : daemon <= 1.0);
            }
        }

        return 0;
    }

    private readonly record struct Round(double Rsyslog, double Distlog, double ClientCpu, double DaemonCpu, double ZLoggerCpu);

    private static Round OneRound(int records, bool zlogger)
    {
        double rsyslog = DaemonThroughputHarness.Rsyslog(records).Rate;
        var (distlog, clientCpu, daemonCpu) = ThroughDistlogd(records);
        double zloggerCpu = zlogger ? ZLoggerChild(records) : double.NaN;
        return new Round(rsyslog, distlog, clientCpu, daemonCpu, zloggerCpu);
    }

    /// <summary>A fresh distlogd with a file plugin, and a fresh client process logging <paramref name="records"/>
    /// records into it: records/s from the client's start until the plugin has written them all; the client's and
    /// distlogd's processor time per record.</summary>
    private static (double Rate, double ClientCpu, double DaemonCpu) ThroughDistlogd(int records)
    {
        string dir = Directory.CreateTempSubdirectory("goals-bench-").FullName;
        string config = Path.Combine(dir, "distlogd.yaml");
        // The file is rotated away at 512 MB (keep: 0 deletes it), as rsyslog's file goes after each of its rounds:
        // gigabytes of dirty pages make the kernel throttle the writer.
        File.WriteAllText(config, $"""
            listen: tcp://127.0.0.1:*
            control: off
            journal: off
            stats_interval: 0s
            stats_endpoint: tcp://127.0.0.1:*
            viewer: off
            plugins:
              - type: file
                path: {dir}/out.jsonl
                max_bytes: 512M
                keep: 0
            """);
        var (daemon, summary) = DistlogdLauncher.Start(config);
        try
        {
            string endpoint = Regex.Match(summary, @"listening on (tcp://[^\s;]+)").Groups[1].Value;
            string stats = Regex.Match(summary, @"--endpoint (\S+)").Groups[1].Value;
            long Handled() => StatsServer.Query(stats, TimeSpan.FromSeconds(1)) is { } reply
                ? System.Text.Json.JsonDocument.Parse(reply).RootElement.GetProperty("plugins")[0].GetProperty("handled").GetInt64()
                : -1;
            if (!Wait.For(() => Handled() == 0, TimeSpan.FromSeconds(30)))
            {
                return (double.NaN, double.NaN, double.NaN);
            }

            daemon.Refresh();
            var daemonCpu = daemon.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            using var client = Child("goal-client", endpoint, records.ToString(CultureInfo.InvariantCulture));
            bool done = Wait.For(() => Handled() >= records, TimeSpan.FromMinutes(10));
            double seconds = clock.Elapsed.TotalSeconds;
            daemon.Refresh();
            double daemonUs = (daemon.TotalProcessorTime - daemonCpu).TotalMicroseconds / records;
            double clientUs = ChildCpu(client) / records;
            return done ? (records / seconds, clientUs, daemonUs) : (double.NaN, double.NaN, double.NaN);
        }
        finally
        {
            daemon.Kill();
            daemon.WaitForExit();
            daemon.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>ZLogger's JSON formatter writing the same calls to a file, in a fresh process: its processor time
    /// per record.</summary>
    private static double ZLoggerChild(int records)
    {
        string dir = Directory.CreateTempSubdirectory("goals-zlogger-").FullName;
        try
        {
            using var child = Child("goal-zlogger", Path.Combine(dir, "out.json"), records.ToString(CultureInfo.InvariantCulture));
            return ChildCpu(child) / records;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Process Child(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add(typeof(GoalsHarness).Assembly.Location);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    /// <summary>Waits for a child to end and reads the processor time it reports on its last line, in µs.</summary>
    private static double ChildCpu(Process child)
    {
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var match = Regex.Match(output, @"cpu_us (\d+(\.\d+)?)");
        return child.ExitCode == 0 && match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
    }

    /// <summary>The client process: the default options plus <c>Overflow = Block</c> (and no session: distlogd
    /// has none here), one task holding <paramref name="records"/> records.</summary>
    public static int Client(string endpoint, int records)
    {
        var options = new DistlogOptions { Endpoint = endpoint, ControlEndpoint = "off", Overflow = OverflowPolicy.Block };
        if (Environment.GetEnvironmentVariable("GOALS_TRANSPORT") is { Length: > 0 } transport)
        {
            options.Transport = Enum.Parse<DistlogTransport>(transport, ignoreCase: true); // to compare the transports
        }

        var provider = new DistlogLoggerProvider(options);
        using (var factory = LoggerFactory.Create(b => b.AddProvider(provider)))
        {
            var logger = factory.CreateLogger("Shop.Requests");
            using (logger.BeginTask("serve requests"))
            {
                for (int i = 2; i < records; i++)
                {
                    logger.LogInformation(Template, i, "leo", 12.5);
                }
            }
        }

        provider.Dispose();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu_us {Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds:0} allocated_bytes_per_record {GC.GetTotalAllocatedBytes(true) / (double)records:0} gen0 {GC.CollectionCount(0)} gen1 {GC.CollectionCount(1)} gen2 {GC.CollectionCount(2)}"));
        return 0;
    }

    /// <summary>The peer's process: the same calls through ZLogger's JSON formatter into a file.</summary>
    public static int ZLoggerClient(string path, int records)
    {
        using (var factory = LoggerFactory.Create(b => b.AddZLoggerFile(path, o => o.UseJsonFormatter())))
        {
            var logger = factory.CreateLogger("Shop.Requests");
            for (int i = 0; i < records; i++)
            {
                logger.LogInformation(Template, i, "leo", 12.5);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu_us {Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds:0} allocated_bytes_per_record {GC.GetTotalAllocatedBytes(true) / (double)records:0} gen0 {GC.CollectionCount(0)} gen1 {GC.CollectionCount(1)} gen2 {GC.CollectionCount(2)}"));
        return 0;
    }
}
