using Distlog.Daemon.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Distlog.Daemon;

/// <summary>Runs the daemon under the .NET Generic Host (so systemd and containers stop it the usual way) and
/// logs its counters every <c>stats_interval</c>.</summary>
internal sealed class DaemonService(DaemonConfig config, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private DaemonHost? _host;
    private Timer? _stats;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _host = new DaemonHost(config, loggerFactory);
        await _host.StartAsync().ConfigureAwait(false);
        Console.WriteLine(_host.Summary);
        if (config.StatsInterval > TimeSpan.Zero)
        {
            _stats = new Timer(_ => _host.LogStatistics(), null, config.StatsInterval, config.StatsInterval);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stats is not null)
        {
            await _stats.DisposeAsync().ConfigureAwait(false);
        }

        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stats is not null)
        {
            await _stats.DisposeAsync().ConfigureAwait(false);
        }

        if (_host is not null)
        {
            await _host.StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            _host.LogStatistics();
        }
    }
}
