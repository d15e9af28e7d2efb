using Distlog.Daemon;
using Distlog.Daemon.Configuration;
using Distlog.Plugins;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace Distlog.Storage.Tests.Support;

/// <summary>A real distlogd host in this process on a random loopback port, with the plugins the YAML names.</summary>
internal static class TestDaemon
{
    /// <param name="pluginsYaml">The plugins' list.</param>
    /// <param name="extra">Plugin types beside the built-in ones.</param>
    /// <param name="journal">Where the journal goes (acknowledged delivery); null: <c>journal: off</c>.</param>
    public static async Task<DaemonHost> StartAsync(string pluginsYaml, IReadOnlyDictionary<string, Func<PluginSettings, IDistlogPlugin>>? extra = null, string? journal = null)
    {
        var config = ConfigLoader.Parse(
            $"""
            listen:
              - tcp://127.0.0.1:*
            stats_interval: 0s
            stats_endpoint: off
            control: tcp://127.0.0.1:*
            journal: {(journal is null ? "off" : $"{{path: {journal}}}")}
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
        Distlog.Daemon.Pipeline.PluginStatistics Stats() => host.Statistics.Plugins.First(p => p.Name == plugin);
        Wait.Until(() => Stats() is var s && s.Handled + s.Failed + s.Dropped >= count && s.QueueDepth == 0, () => $"plugin {plugin} to take {count} records: {Stats()}", timeout);
        return Stats();
    }
}
