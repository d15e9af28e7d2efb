using Distlog.Daemon.Configuration;
using Distlog.Daemon.Pipeline;
using Distlog.Daemon.Plugins;
using Distlog.Daemon.Receiving;
using Distlog.Plugins;
using Microsoft.Extensions.Logging;

namespace Distlog.Daemon;

/// <summary>
/// The running daemon: the plugins with their queues, and the receiver that feeds them. Stopping stops receiving
/// first, then drains every plugin queue, so nothing that was received is lost on a clean stop.
/// </summary>
internal sealed partial class DaemonHost : IAsyncDisposable
{
    private readonly DaemonConfig _config;
    private readonly ILogger _logger;
    private readonly List<PluginRunner> _runners = [];
    private Receiver? _receiver;
    private Control.ControlServer? _control;
    private StatsServer? _stats;
    private Viewer.ViewerServer? _viewer;
    private Viewer.LiveFeed? _feed;
    private readonly Query.IRecordStore? _viewerStore;
    private int _stopped;

    public DaemonHost(DaemonConfig config, ILoggerFactory loggerFactory, IReadOnlyDictionary<string, Func<PluginSettings, IDistlogPlugin>>? extraPluginTypes = null)
    {
        _config = config;
        _logger = loggerFactory.CreateLogger("distlogd");
        try
        {
            foreach (var pluginConfig in config.Plugins)
            {
                string name = pluginConfig.Name;
                pluginConfig.Settings.Report = message => LogPluginReport(_logger, name, message);
                var plugin = PluginFactory.Create(pluginConfig, extraPluginTypes);
                _runners.Add(new PluginRunner(pluginConfig, plugin, _logger));
            }

            if (config.Viewer is not null)
            {
                _viewerStore = _runners.Select(r => r.Plugin).OfType<Query.IRecordStoreProvider>().FirstOrDefault()?.Store
                    ?? throw new PluginConfigurationException($"{config.Source}: 'viewer' needs a store to read: add a plugin of type sqlite, redis or mongodb (or set viewer: off)");
            }
        }
        catch
        {
            foreach (var runner in _runners)
            {
                runner.Plugin.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            throw;
        }
    }

    /// <summary>The plugins, in configuration order.</summary>
    public IReadOnlyList<IDistlogPlugin> Plugins => _runners.Select(r => r.Plugin).ToList();

    /// <summary>Where <c>distlogd stats</c> gets an answer, once started (null when off or not bound).</summary>
    public string? StatsEndpoint { get; private set; }

    /// <summary>Where the web viewer is served, once started (null when off).</summary>
    public string? ViewerAddress => _viewer?.Address;

    /// <summary>The endpoints bound, once started.</summary>
    public IReadOnlyList<string> Endpoints { get; private set; } = [];

    /// <summary>The clients' sessions and the level rules, once started (null when <c>control: off</c>).</summary>
    public Control.ControlServer? Control => _control;

    public DaemonStatistics Statistics => new(
        _receiver?.Messages ?? 0,
        _receiver?.Records ?? 0,
        _receiver?.Rejected ?? new Dictionary<Protocol.RejectReason, long>(),
        _runners.Select(r => r.Statistics).ToList());

    /// <summary>A one-line summary of where records come from and go.</summary>
    public string Summary => $"distlogd: listening on {string.Join(", ", Endpoints)}" +
        (_control is null ? "; level control off" : $"; sessions and level rules on {string.Join(", ", _control.Endpoints)}") +
        "; records go to " +
        string.Join(", ", _runners.Select(r => r.Plugin.Target is { } target ? $"{r.Config.Name} ({target})" : r.Config.Name)) +
        (ViewerAddress is null ? string.Empty : $"; viewer: {ViewerAddress}") +
        (StatsEndpoint is null ? string.Empty : $"; stats: distlogd stats --endpoint {StatsEndpoint}") +
        $" [config: {_config.Source}]";

    public async Task StartAsync()
    {
        foreach (var runner in _runners)
        {
            runner.Start();
        }

        _receiver = new Receiver(_config.Listen, _config.MaxMessageBytes, Deliver, ReleaseOffers, _logger, _config.AcceptPickle);
        if (_config.Control.Count > 0)
        {
            _control = new Control.ControlServer(_config.Control, _config.LevelsFile, _receiver.Inject, _logger);
            _control.Start();
        }

        if (_config.Viewer is { } viewer && _viewerStore is not null)
        {
            _feed = new Viewer.LiveFeed();
            _viewer = await Viewer.ViewerServer.StartAsync(viewer, _viewerStore, _feed, _control).ConfigureAwait(false);
        }

        Endpoints = await _receiver.StartAsync().ConfigureAwait(false);
        if (_config.StatsEndpoint is not null)
        {
            _stats = new StatsServer(_config.StatsEndpoint, () => StatsServer.ToJson(Statistics), _logger);
            StatsEndpoint = await _stats.StartAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops receiving, then drains every plugin queue (each within <paramref name="drainTimeout"/>).</summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _control?.Dispose(); // before the receiver, which delivers the control's last records
        _receiver?.Dispose();
        _stats?.Dispose();
        if (_viewer is not null)
        {
            await _viewer.DisposeAsync().ConfigureAwait(false);
        }

        var drains = _runners.Select(r => r.DrainAsync(drainTimeout)).ToList();
        var results = await Task.WhenAll(drains).ConfigureAwait(false);
        for (int i = 0; i < results.Length; i++)
        {
            if (!results[i])
            {
                LogDrainTimedOut(_logger, _runners[i].Config.Name, drainTimeout);
            }
        }

        foreach (var runner in _runners)
        {
            await runner.Plugin.DisposeAsync().ConfigureAwait(false);
            runner.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);

    public void LogStatistics()
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var s = Statistics;
#pragma warning disable CA1873 // guarded by IsEnabled above
        LogStats(_logger, s.Messages, s.Records, s.RejectedTotal,
            string.Join(", ", s.Rejected.Select(r => $"{r.Key}={r.Value}")),
            string.Join("; ", s.Plugins.Select(p => $"{p.Name}: matched={p.Matched} handled={p.Handled} failed={p.Failed} dropped={p.Dropped} queue={p.QueueDepth}")));
#pragma warning restore CA1873
    }

    private void Deliver(ReceivedRecord record)
    {
        if (_feed is { HasSubscribers: true })
        {
            _feed.Publish(record.System, record.Record);
        }

        foreach (var runner in _runners)
        {
            runner.Offer(record);
        }
    }

    private void ReleaseOffers()
    {
        foreach (var runner in _runners)
        {
            runner.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "plugin {Plugin}: {Report}")]
    private static partial void LogPluginReport(ILogger logger, string plugin, string report);

    [LoggerMessage(Level = LogLevel.Warning, Message = "plugin {Plugin} did not drain within {Timeout}; what was left is counted as dropped")]
    private static partial void LogDrainTimedOut(ILogger logger, string plugin, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "stats: messages={Messages} records={Records} rejected={Rejected} ({ByReason}) | {Plugins}")]
    private static partial void LogStats(ILogger logger, long messages, long records, long rejected, string byReason, string plugins);
}
