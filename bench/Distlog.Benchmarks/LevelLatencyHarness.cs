using System.Diagnostics;
using System.Globalization;
using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Plugins;
using Distlog.Protocol;
using Distlog.Protocol.Control;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Distlog.Benchmarks;

/// <summary>
/// How long a level change takes to show: a real distlogd (in this process) and a client with its session, which
/// logs a Debug record every millisecond at Information. Each round sets a Debug rule for the client's service
/// (as <c>distlog level set</c> does, through the daemon's control) and times until the daemon receives the first
/// Debug record logged after it; then clears the rule and waits until the client stops making Debug records.
/// Prints p50, p99 and the maximum over the rounds.
/// </summary>
internal static class LevelLatencyHarness
{
    public static async Task<int> RunAsync(int rounds)
    {
        var seen = new FirstDebug();
        var config = ConfigLoader.Parse(
            "listen: tcp://127.0.0.1:*\ncontrol: tcp://127.0.0.1:*\nlevels_file: off\nstats_interval: 0s\nstats_endpoint: off\nviewer: off\nplugins:\n  - type: first-debug\n",
            "level-latency.yaml");
        await using var daemon = new DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)),
            new Dictionary<string, Func<PluginSettings, IDistlogPlugin>> { ["first-debug"] = _ => seen });
        await daemon.StartAsync();
        var control = daemon.Control!;

        using var client = new ServiceCollection().AddLogging(b => b
            .SetMinimumLevel(LogLevel.Information)
            .AddDistlog(daemon.Endpoints[0], o =>
            {
                o.ServiceName = "latency";
                o.ControlEndpoint = control.Endpoints[0];
            })).BuildServiceProvider();
        var logger = client.GetRequiredService<ILoggerFactory>().CreateLogger("Latency.Probe");
        using var stop = new CancellationTokenSource();
        var probe = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                logger.LogDebug("probe");
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "probe" };
        probe.Start();
        await WaitAsync(() => control.Components.Count == 1, "the client's session");

        var latencies = new List<double>(rounds);
        for (int i = 0; i < rounds; i++)
        {
            seen.Arm();
            long start = Stopwatch.GetTimestamp();
            var rule = await control.SetAsync(new LevelRuleRequest(Service: "latency", Level: "Debug", Ttl: "10m", Reason: "latency harness"), default);
            if (!seen.Arrived.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"round {i}: no Debug record within 30 s");
            }

            latencies.Add(Stopwatch.GetElapsedTime(start, seen.ArrivedAt).TotalMilliseconds);
            await control.ClearAsync(rule.Id, "latency harness", default);
            await WaitAsync(() => !logger.IsEnabled(LogLevel.Debug), "the client to stop logging Debug");
        }

        stop.Cancel();
        probe.Join();
        latencies.Sort();
        double P(double q) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"level set -> first Debug record received, {rounds} changes: p50 {P(0.50):0.0} ms, p99 {P(0.99):0.0} ms, max {latencies[^1]:0.0} ms, min {latencies[0]:0.0} ms"));
        return 0;
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for " + what);
            }

            await Task.Delay(1);
        }
    }

    /// <summary>A plugin that notes when the first Debug record arrives after <see cref="Arm"/>.</summary>
    private sealed class FirstDebug : IDistlogPlugin
    {
        private volatile bool _armed;
        private double _since;

        public ManualResetEventSlim Arrived { get; } = new();

        public long ArrivedAt { get; private set; }

        /// <summary>Waits for a Debug record created from now on (one logged before the last clear may still be on its way).</summary>
        public void Arm()
        {
            Arrived.Reset();
            _since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
            _armed = true;
        }

        // On the receiving thread: the moment distlogd has the record, before any queue.
        public bool Match(ReceivedRecord record)
        {
            if (_armed && record.Summary.LevelNo == Levels.Debug && record.Summary.Created >= _since)
            {
                _armed = false;
                ArrivedAt = Stopwatch.GetTimestamp();
                Arrived.Set();
            }

            return false;
        }

        public Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
