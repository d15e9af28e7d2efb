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
    private readonly Security.CurveGate? _curve;
    private IReadOnlyList<BoundEndpoint> _bound = [];
    private Control.ControlServer? _control;
    private Journal.RecordJournal? _journal;
    private Journal.Acknowledgements? _acks;
    private Timer? _cursorTimer;
    private readonly object _cursorGate = new();
    private long _replayed;
    private long _journalExpired;
    private StatsServer? _stats;
    private Viewer.ViewerServer? _viewer;
    private Viewer.LiveFeed? _feed;
    private readonly Query.IRecordStore? _viewerStore;
    private int _stopped;

    public DaemonHost(DaemonConfig config, ILoggerFactory loggerFactory, IReadOnlyDictionary<string, Func<PluginSettings, IDistlogPlugin>>? extraPluginTypes = null)
    {
        _config = config;
        _logger = loggerFactory.CreateLogger("distlogd");
        _curve = config.Curve is { } curve ? new Security.CurveGate(curve, _logger) : null;
        try
        {
            foreach (var pluginConfig in config.Plugins)
            {
                string name = pluginConfig.Name;
                pluginConfig.Settings.Report = message => LogPluginReport(_logger, name, message);
                var plugin = PluginFactory.Create(pluginConfig, extraPluginTypes, _curve);
                _runners.Add(new PluginRunner(pluginConfig, plugin, _logger, ReadJournal));
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

            _curve?.Dispose();
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
    public IReadOnlyList<string> Endpoints => _bound.Select(b => b.Endpoint).ToList();

    /// <summary>The CURVE gate (<c>curve:</c>), once started; null without it.</summary>
    public Security.CurveGate? Curve => _curve;

    /// <summary>The clients' sessions and the level rules, once started (null when <c>control: off</c>).</summary>
    public Control.ControlServer? Control => _control;

    public DaemonStatistics Statistics => new(
        _receiver?.Messages ?? 0,
        _receiver?.Records ?? 0,
        _receiver?.Rejected ?? new Dictionary<Protocol.RejectReason, long>(),
        _runners.Select(r => r.Statistics).ToList())
    {
        Acknowledged = _acks?.Acknowledged ?? 0,
        Duplicates = _acks?.Duplicates ?? 0,
        Replayed = Interlocked.Read(ref _replayed),
        JournalBytes = _journal?.SizeBytes ?? 0,
        JournalAgeSeconds = (long)(_journal?.Age.TotalSeconds ?? 0),
        JournalRefused = _acks?.JournalFailures ?? 0,
        JournalExpired = Interlocked.Read(ref _journalExpired),
        CurveRefused = _curve?.Refused ?? new Dictionary<string, long>(),
        RateLimited = _receiver?.RateLimitedMessages ?? 0,
    };

    private Dictionary<string, long> DeliveryCounters()
    {
        var s = Statistics;
        return new Dictionary<string, long>
        {
            ["records"] = s.Records,
            ["acknowledged"] = s.Acknowledged,
            ["duplicates"] = s.Duplicates,
            ["replayed"] = s.Replayed,
            ["journalBytes"] = s.JournalBytes,
            ["journalAgeSeconds"] = s.JournalAgeSeconds,
            ["journalRefused"] = s.JournalRefused,
            ["journalExpired"] = s.JournalExpired,
            ["pluginsBehind"] = _runners.Count(r => r.IsBehind),
            ["pluginLag"] = s.Plugins.Sum(p => p.LagRecords),
            ["pluginLagSeconds"] = (long)s.Plugins.Select(p => p.LagSeconds).DefaultIfEmpty(0).Max(),
            ["pluginQueue"] = s.Plugins.Sum(p => (long)p.QueueDepth),
            ["dropped"] = s.Plugins.Sum(p => p.Dropped),
            ["curveRefused"] = s.CurveRefused.Values.Sum(),
            ["rateLimited"] = s.RateLimited,
        };
    }

    /// <summary>A one-line summary of where records come from and go.</summary>
    public string Summary => $"distlogd: listening on {string.Join(", ", _bound.Select(b => _curve is null ? b.Endpoint : b.Encrypted ? $"{b.Endpoint} (CURVE, {_curve.ClientCount} client keys)" : $"{b.Endpoint} (plain: UNENCRYPTED, any peer may write)"))}" +
        (_control is null ? "; level control off" : $"; sessions and level rules on {string.Join(", ", _control.Endpoints)}") +
        "; records go to " +
        string.Join(", ", _runners.Select(r => r.Plugin.Target is { } target ? $"{r.Config.Name} ({target})" : r.Config.Name)) +
        (ViewerAddress is null ? string.Empty : $"; viewer: {ViewerAddress}") +
        (StatsEndpoint is null ? string.Empty : $"; stats: distlogd stats --endpoint {StatsEndpoint}") +
        $" [config: {_config.Source}]";

    public async Task StartAsync()
    {
        if (_config.Control.Count > 0)
        {
            // Acknowledgements travel on the sessions: without them nothing is acknowledged, nor journaled.
            _control = new Control.ControlServer(_config.Control, _config.LevelsFile, record => _receiver?.Inject(record), _logger, curve: _curve) { Listening = () => Endpoints, CountersSource = DeliveryCounters };
            _control.Start();
            if (_config.Journal is { Path: { } folder } journal)
            {
                _journal = new Journal.RecordJournal(folder);
                _acks = new Journal.Acknowledgements(_journal, journal.Sync, _control.Acknowledge, journal.MaxBytes);
                ReplayJournal(folder);
                _cursorTimer = new Timer(_ => SaveCursors(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            }
            else
            {
                _acks = new Journal.Acknowledgements(null, Journal.JournalSync.Off, _control.Acknowledge);
            }
        }

        foreach (var runner in _runners)
        {
            runner.Start(); // after the replay: a plugin behind its journal reads it back first
        }

        _receiver = new Receiver(_config.Listen, _config.MaxMessageBytes, Deliver, ReleaseOffers, _logger, _config.AcceptPickle, _acks, _curve, _config.PlainListen, _config.PeerLimit);

        if (_config.Viewer is { } viewer && _viewerStore is not null)
        {
            _feed = new Viewer.LiveFeed { Tail = _journal is null ? null : JournalTail };
            _viewer = await Viewer.ViewerServer.StartAsync(viewer, _viewerStore, _feed, _control, new Viewer.ViewerAccess(_config.ApiKeys, _config.ViewerHosts), _config.ViewerCertificate is { } certificate ? (certificate, _config.ViewerCertificateKey) : null, _config.ViewerTraceUrl).ConfigureAwait(false);
        }

        _bound = await _receiver.StartAsync().ConfigureAwait(false);
        if (_config.StatsEndpoint is not null)
        {
            _stats = new StatsServer(_config.StatsEndpoint, () => StatsServer.ToJson(Statistics), _logger, _curve);
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

        _receiver?.Dispose(); // commits what it journaled
        _acks?.Dispose();     // the last sync, and its acknowledgements, through the control
        _control?.Dispose();
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

        if (_cursorTimer is not null)
        {
            await _cursorTimer.DisposeAsync().ConfigureAwait(false);
        }

        SaveCursors();
        _journal?.Dispose();
        foreach (var runner in _runners)
        {
            await runner.Plugin.DisposeAsync().ConfigureAwait(false);
            runner.Dispose();
        }

        _curve?.Dispose(); // last: its sockets are closed
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
        LogStats(_logger, s.Messages, s.Records, s.RejectedTotal, s.Acknowledged, s.Duplicates, s.JournalBytes, s.JournalAgeSeconds, s.JournalRefused, s.JournalExpired,
            string.Join(", ", s.Rejected.Select(r => $"{r.Key}={r.Value}")),
            string.Join("; ", s.Plugins.Select(p => $"{p.Name}: matched={p.Matched} handled={p.Handled} failed={p.Failed} dropped={p.Dropped} queue={p.QueueDepth} lag={p.LagRecords} lag_seconds={p.LagSeconds}")));
#pragma warning restore CA1873
    }

    private void Deliver(ReceivedRecord record)
    {
        if (_feed is { HasSubscribers: true })
        {
            _feed.Publish(new Viewer.Item(record.System, record.Record, record.JournalPosition >= 0 ? new Viewer.JournalMark(record.JournalPosition, record.DeliveryIndex) : null));
        }

        foreach (var runner in _runners)
        {
            runner.Offer(record);
        }
    }

    private void ReleaseOffers()
    {
        long end = _journal?.EndPosition ?? 0;
        foreach (var runner in _runners)
        {
            runner.Release();
            if (_journal is not null)
            {
                runner.OfferedThrough(end);
            }
        }
    }

    /// <summary>
    /// At start: reads the journal, learns which acknowledged messages distlogd already has, and starts each plugin
    /// at its cursor: what the journal holds past it (what the plugin had not handled when distlogd stopped, or died)
    /// its worker reads back from the journal, as a plugin that fell behind does, while new records are taken. A
    /// plugin new to this journal starts at its end.
    /// </summary>
    private void ReplayJournal(string folder)
    {
        var cursors = Journal.CursorFile.Read(Path.Combine(folder, "cursors.json"));
        var starts = _runners.Select(r => cursors.TryGetValue(r.Config.Name, out long c) ? c : long.MaxValue).ToArray();
        long first = starts.DefaultIfEmpty(long.MaxValue).Min();
        long replayed = 0;
        string? problem = _journal!.Replay((position, entry) =>
        {
            _acks!.Remember(entry);
            if (position >= first)
            {
                replayed++;
            }
        });
        if (problem is not null)
        {
            LogJournalCut(_logger, problem);
        }

        for (int p = 0; p < _runners.Count; p++)
        {
            _runners[p].StartAt(starts[p] == long.MaxValue ? _journal.EndPosition : starts[p], _journal.EndPosition);
        }

        Interlocked.Exchange(ref _replayed, replayed);
        if (replayed > 0)
        {
            LogReplayed(_logger, replayed, folder);
        }
    }

    /// <summary>The records of a journaled message, as the receiver handed them out.</summary>
    private List<ReceivedRecord> RecordsOf(long position, IReadOnlyList<ReadOnlyMemory<byte>> entry)
    {
        var records = new List<ReceivedRecord>();
        if (entry.Count != 3 || !Protocol.DeliveryStamp.TryRead(entry[2].Span, out var stamp))
        {
            return records;
        }

        var scanned = Protocol.MessageDecoder.Scan([entry[0], entry[1]], _config.MaxMessageBytes, null);
        if (scanned.Topic is not { } topic)
        {
            return records;
        }

        for (int i = 0; i < scanned.Records.Count; i++)
        {
            var e = scanned.Records[i];
            records.Add(e.Record is { } r
                ? new ReceivedRecord((char)topic.System, r, DateTimeOffset.UtcNow) { Body = e.Body, Encoding = topic.Encoding, DeliveryInstance = stamp.Instance, DeliverySequence = stamp.Sequence, DeliveryIndex = i, JournalPosition = position }
                : new ReceivedRecord((char)topic.System, e.Summary, e.Body, topic.Encoding, DateTimeOffset.UtcNow) { DeliveryInstance = stamp.Instance, DeliverySequence = stamp.Sequence, DeliveryIndex = i, JournalPosition = position });
        }

        return records;
    }

    /// <summary>For a plugin that fell behind: the journal's records from <paramref name="from"/> (a few hundred
    /// messages at most); the position after them.</summary>
    private long ReadJournal(long from, List<ReceivedRecord> into) =>
        _journal?.Read(from, 256, (position, entry) => into.AddRange(RecordsOf(position, entry))) ?? from;

    /// <summary>For a viewer page that comes back: the journal's records after <paramref name="after"/>, at most
    /// <paramref name="max"/> (request thread; a mark that names no entry gives none).</summary>
    private List<Viewer.Item> JournalTail(Viewer.JournalMark after, int max)
    {
        var items = new List<Viewer.Item>();
        long position = after.Position;
        try
        {
            while (items.Count < max)
            {
                long next = _journal!.Read(position, 64, (at, entry) =>
                {
                    foreach (var record in RecordsOf(at, entry))
                    {
                        var mark = new Viewer.JournalMark(at, record.DeliveryIndex);
                        if (mark.CompareTo(after) > 0 && items.Count < max)
                        {
                            items.Add(new Viewer.Item(record.System, record.Record, mark));
                        }
                    }
                });
                if (next == position)
                {
                    break;
                }

                position = next;
            }
        }
        catch (IOException)
        {
            // A mark in the middle of an entry (not one this daemon gave), or a segment gone: what was read so far.
        }

        return items;
    }

    /// <summary>Keeps every plugin's cursor, and deletes the segments all of them have passed (timer, and at stop).</summary>
    private void SaveCursors()
    {
        if (_journal is null || _config.Journal?.Path is not { } folder)
        {
            return;
        }

        lock (_cursorGate)
        {
            var cursors = _runners.ToDictionary(r => r.Config.Name, r => r.Cursor);
            try
            {
                Journal.CursorFile.Write(Path.Combine(folder, "cursors.json"), cursors);
                _journal.DeleteBefore(cursors.Values.DefaultIfEmpty(0).Min(), _config.Journal.MaxAge, (start, end) => CountExpired(start, end, cursors));
            }
            catch (IOException ex)
            {
                LogCursorsFailed(_logger, ex.Message);
            }
        }
    }

    /// <summary>Counts and reports the records of a segment deleted past max_age before some plugin read them.</summary>
    private void CountExpired(long start, long end, Dictionary<string, long> cursors)
    {
        long records = 0;
        long position = start;
        while (position < end)
        {
            long next = _journal!.Read(position, 1024, (at, entry) => records += at < end ? RecordsOf(at, entry).Count : 0);
            if (next == position)
            {
                break;
            }

            position = next;
        }

        Interlocked.Add(ref _journalExpired, records);
        LogExpired(_logger, records, _config.Journal!.MaxAge, string.Join(", ", cursors.Where(c => c.Value < end).Select(c => c.Key)));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Problem}")]
    private static partial void LogJournalCut(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Messages} journaled messages go again to the plugins that had not handled them (journal {Folder})")]
    private static partial void LogReplayed(ILogger logger, long messages, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the journal's cursors cannot be kept ({Reason}); after a crash the plugins would be handed more again")]
    private static partial void LogCursorsFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "plugin {Plugin}: {Report}")]
    private static partial void LogPluginReport(ILogger logger, string plugin, string report);

    [LoggerMessage(Level = LogLevel.Warning, Message = "plugin {Plugin} did not drain within {Timeout}; what was left is counted as dropped")]
    private static partial void LogDrainTimedOut(ILogger logger, string plugin, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "stats: messages={Messages} records={Records} rejected={Rejected} acknowledged={Acknowledged} duplicates={Duplicates} journal={JournalBytes}B age={JournalAgeSeconds}s refused={JournalRefused} expired={JournalExpired} ({ByReason}) | {Plugins}")]
    private static partial void LogStats(ILogger logger, long messages, long records, long rejected, long acknowledged, long duplicates, long journalBytes, long journalAgeSeconds, long journalRefused, long journalExpired, string byReason, string plugins);

    [LoggerMessage(Level = LogLevel.Error, Message = "journal: {Records} records were older than max_age ({MaxAge}) and deleted before plugin(s) {Plugins} handled them; they are counted as expired")]
    private static partial void LogExpired(ILogger logger, long records, TimeSpan maxAge, string plugins);
}
