using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Plugins;
using Microsoft.Extensions.Logging;

namespace Distlog.Storage.Tests.Support;

/// <summary>A real distlogd host in this process on a random loopback port, with the plugins the YAML names.</summary>
internal static class TestDaemon
{
    public static async Task<DaemonHost> StartAsync(string pluginsYaml, IReadOnlyDictionary<string, Func<PluginSettings, IDistlogPlugin>>? extra = null)
    {
        var config = ConfigLoader.Parse(
            $"""
            listen:
              - tcp://127.0.0.1:*
            stats_interval: 0s
            stats_endpoint: off
            plugins:
            {pluginsYaml}
            """,
            "test.yaml");
        var host = new DaemonHost(config, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)), extra);
        await host.StartAsync();
        return host;
    }

    /// <summary>Waits until the plugin named <paramref name="plugin"/> has handled, failed or dropped
    /// <paramref name="count"/> records; fails with its counters when the timeout passes.</summary>
    public static Distlog.Daemon.Pipeline.PluginStatistics WaitForPlugin(this DaemonHost host, string plugin, long count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        using var tick = new ManualResetEventSlim();
        while (true)
        {
            var stats = host.Statistics.Plugins.First(p => p.Name == plugin);
            if (stats.Handled + stats.Failed + stats.Dropped >= count && stats.QueueDepth == 0)
            {
                return stats;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"plugin {plugin}: {stats} after waiting for {count} records");
            }

            tick.Wait(20); // polling the daemon's counters: there is no event to wait on
        }
    }
}
