using System.Threading.Channels;
using Distlog.Daemon.Configuration;
using Distlog.Plugins;
using Microsoft.Extensions.Logging;

namespace Distlog.Daemon.Pipeline;

/// <summary>
/// One plugin's bounded queue and worker: the receiving thread offers every record (after the plugin's rules and
/// <see cref="IDistlogPlugin.Match"/>); the worker hands batches to the plugin, retrying a failing batch with
/// backoff before counting it as failed. Nothing a plugin does reaches the receiving thread.
/// </summary>
/// <remarks>Threads: <see cref="Offer"/> and <see cref="Release"/> run on the receiving thread; the worker runs on
/// the pool; counters are Interlocked and readable from anywhere.</remarks>
internal sealed partial class PluginRunner : IDisposable
{
    private const int MaxAttempts = 5;
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>The most records <see cref="Offer"/> holds before queuing them.</summary>
    public const int MaxHeld = 256;

    private readonly Channel<ReceivedRecord> _queue;
    private readonly List<ReceivedRecord> _held = new(MaxHeld); // receiving thread only
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abort = new();
    private Task _worker = Task.CompletedTask;
    private long _matched;
    private long _handled;
    private long _failed;
    private long _dropped;
    private long _retries;
    private long _batches;
    private long _fellBehind;
    private long _lastHandledCreated = BitConverter.DoubleToInt64Bits(double.NaN); // the record time of the last handled record (worker writes)
    private readonly long _startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
    private DateTimeOffset _lastDropReport; // receiving thread only

    // The journal positions this plugin has reached (see Cursor).
    private long _queuedPosition = -1;  // the last journaled record queued (receiving thread writes)
    private long _offeredEnd;           // the end of the last journaled message offered (receiving thread writes)
    private long _handledPosition = -1; // the last journaled record handled or counted failed (worker writes)

    // Behind: the queue was full, so journaled records are no longer queued; the worker reads them from the journal.
    private readonly object _behindGate = new();
    private readonly Func<long, List<ReceivedRecord>, long>? _readJournal;
    private volatile bool _behind;
    private long _catchUpFrom;        // the next journal position the worker reads (under _behindGate to change mode)
    private long _lastSkipped = -1;   // the last journaled record not queued while behind (receiving thread, under the gate)
    private long _startEnd;           // where the journal ended at start: what comes before was never offered
    private DateTimeOffset _lastUnavailableReport; // worker only

    /// <param name="config">The plugin's configuration.</param>
    /// <param name="plugin">The plugin.</param>
    /// <param name="logger">Where trouble is reported.</param>
    /// <param name="readJournal">Reads the journal's records from a position into a list, up to what is written;
    /// returns the position after them. With it, a full queue makes the plugin fall behind on disk instead of
    /// dropping journaled records.</param>
    public PluginRunner(PluginConfig config, IDistlogPlugin plugin, ILogger logger, Func<long, List<ReceivedRecord>, long>? readJournal = null)
    {
        _readJournal = readJournal;
        Config = config;
        Plugin = plugin;
        _logger = logger;
        _queue = Channel.CreateBounded<ReceivedRecord>(new BoundedChannelOptions(config.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public PluginConfig Config { get; }

    public IDistlogPlugin Plugin { get; }

    public PluginStatistics Statistics
    {
        get
        {
            long matched = Interlocked.Read(ref _matched);
            long handled = Interlocked.Read(ref _handled);
            long failed = Interlocked.Read(ref _failed);
            long dropped = Interlocked.Read(ref _dropped);

            // A record handled twice (a message read again from the journal) must not make the lag negative.
            long lag = Math.Max(0, matched - handled - failed - dropped);
            double created = BitConverter.Int64BitsToDouble(Interlocked.Read(ref _lastHandledCreated));
            double lagSeconds = lag == 0 ? 0
                : double.IsNaN(created) ? System.Diagnostics.Stopwatch.GetElapsedTime(_startedAt).TotalSeconds
                : Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - created);
            return new(Config.Name, Config.Type, matched, handled, failed, dropped, Interlocked.Read(ref _retries), _queue.Reader.Count,
                Interlocked.Read(ref _batches), Interlocked.Read(ref _fellBehind), lag, Math.Round(lagSeconds, 3));
        }
    }

    public void Start() => _worker = Task.Run(WorkAsync);

    /// <summary>
    /// Where this plugin must be handed the journal again after a crash: past every message it has seen whole when
    /// nothing it took is still waiting, else from the message of the last record it handled (a store keyed by
    /// <see cref="ReceivedRecord.DeliveryId"/> stores that message's records once). Any thread.
    /// </summary>
    public long Cursor
    {
        get
        {
            long offered = Volatile.Read(ref _offeredEnd);
            long handled = Volatile.Read(ref _handledPosition);
            long live = handled >= Volatile.Read(ref _queuedPosition) ? offered : Math.Max(handled, 0);
            return _behind ? Math.Min(live, Volatile.Read(ref _catchUpFrom)) : live;
        }
    }

    /// <summary>Whether the plugin is reading the journal to catch up now.</summary>
    public bool IsBehind => _behind;

    /// <summary>
    /// Starts the plugin where the journal left it (before <see cref="Start"/>): what the journal holds from
    /// <paramref name="cursor"/> to <paramref name="end"/> the worker reads back first, as when it fell behind, while
    /// new records are left to the journal behind them.
    /// </summary>
    public void StartAt(long cursor, long end)
    {
        Volatile.Write(ref _offeredEnd, end);
        _startEnd = end;
        if (cursor < end && _readJournal is not null)
        {
            _behind = true;
            Volatile.Write(ref _catchUpFrom, cursor);
            _lastSkipped = end - 1;
        }
    }

    /// <summary>Says that every journaled message before <paramref name="end"/> has been offered (receiving thread).</summary>
    public void OfferedThrough(long end) => Volatile.Write(ref _offeredEnd, end);

    public void Dispose() => _abort.Dispose();

    /// <summary>
    /// Takes the record if the plugin wants it, to be queued with the others of the moment: at the latest when
    /// <see cref="MaxHeld"/> are held, or at <see cref="Release"/>, which the receiver calls whenever its sockets
    /// are empty. Queuing a batch at once wakes the worker once for it, where a record at a time woke it for
    /// nearly every record under a stream of one-record messages.
    /// </summary>
    public void Offer(ReceivedRecord record)
    {
        if (!Wants(record))
        {
            return;
        }

        Interlocked.Increment(ref _matched);
        if (_behind && record.JournalPosition >= 0 && SkipWhileBehind(record.JournalPosition))
        {
            return; // the worker will read it from the journal
        }

        if (record.JournalPosition >= 0)
        {
            Volatile.Write(ref _queuedPosition, record.JournalPosition);
        }

        _held.Add(record);
        if (_held.Count >= MaxHeld)
        {
            Release();
        }
    }

    private bool Wants(ReceivedRecord record)
    {
        try
        {
            return Config.Match.Matches(record) && Plugin.Match(record);
        }
        catch (Exception ex)
        {
            LogMatchFailed(_logger, Config.Name, ex);
            return false;
        }
    }

    /// <summary>Queues what <see cref="Offer"/> holds; a full queue drops and counts what does not fit.</summary>
    public void Release()
    {
        foreach (var record in _held)
        {
            Enqueue(record);
        }

        _held.Clear();
    }

    /// <summary>Notes a journaled record left to the journal while the plugin is behind (receiving thread).</summary>
    private bool SkipWhileBehind(long position)
    {
        lock (_behindGate)
        {
            if (!_behind)
            {
                return false;
            }

            _lastSkipped = position;
            return true;
        }
    }

    private void Enqueue(ReceivedRecord record)
    {
        bool journaled = record.JournalPosition >= 0 && _readJournal is not null;
        if (journaled && _behind && SkipWhileBehind(record.JournalPosition))
        {
            return; // the worker reads it from the journal, after the ones before it
        }

        if (_queue.Writer.TryWrite(record))
        {
            return;
        }

        if (journaled)
        {
            // The plugin is slower than the receiver: it falls behind on disk, and catches up from the journal.
            lock (_behindGate)
            {
                if (!_behind)
                {
                    _behind = true;
                    Volatile.Write(ref _catchUpFrom, record.JournalPosition);
                    Interlocked.Increment(ref _fellBehind);
                }

                _lastSkipped = record.JournalPosition;
            }

            return;
        }

        long dropped = Interlocked.Increment(ref _dropped);
        var now = DateTimeOffset.UtcNow;
        if (now - _lastDropReport >= TimeSpan.FromMinutes(1))
        {
            _lastDropReport = now;
            LogQueueFull(_logger, Config.Name, Config.QueueCapacity, dropped);
        }
    }

    /// <summary>Stops taking records and waits until the worker has handled everything queued, then flushes.</summary>
    /// <returns><see langword="false"/> when <paramref name="timeout"/> passed first (what is left is counted as dropped).</returns>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        _queue.Writer.TryComplete();
        bool drained = await Task.WhenAny(_worker, Task.Delay(timeout)).ConfigureAwait(false) == _worker;
        if (!drained)
        {
            // A plugin that ignores cancellation gets five more seconds; the daemon stops either way.
            await _abort.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(_worker, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }

        try
        {
            using var flushTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Plugin.FlushAsync(flushTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogFlushFailed(_logger, Config.Name, ex);
        }

        return drained;
    }

    private async Task WorkAsync()
    {
        var batch = new List<ReceivedRecord>(Config.BatchSize);
        var reader = _queue.Reader;
        try
        {
            if (_behind)
            {
                await CatchUpAsync(batch).ConfigureAwait(false); // what the journal held for it at start
            }

            while (await reader.WaitToReadAsync(_abort.Token).ConfigureAwait(false))
            {
                while (batch.Count < Config.BatchSize && reader.TryRead(out var record))
                {
                    batch.Add(record);
                }

                await HandleBatchAsync(batch).ConfigureAwait(false);
                if (_behind && reader.Count == 0)
                {
                    await CatchUpAsync(batch).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            long left = batch.Count;
            while (reader.TryRead(out _))
            {
                left++;
            }

            Interlocked.Add(ref _dropped, left);
        }
    }

    /// <summary>Reads from the journal what was left there while behind, until nothing is left; then takes records
    /// live again (worker).</summary>
    private async Task CatchUpAsync(List<ReceivedRecord> batch)
    {
        var read = new List<ReceivedRecord>(Config.BatchSize);
        while (true)
        {
            long from = Volatile.Read(ref _catchUpFrom);
            read.Clear();
            long next;
            try
            {
                next = _readJournal!(from, read);
            }
            catch (IOException ex)
            {
                // The records stay in the journal (the cursor waits for them): try again in a moment.
                LogCatchUpFailed(_logger, Config.Name, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), _abort.Token).ConfigureAwait(false);
                continue;
            }

            foreach (var record in read)
            {
                if (Wants(record))
                {
                    if (record.JournalPosition < _startEnd)
                    {
                        Interlocked.Increment(ref _matched); // journaled before this start: never offered (the others were counted then)
                    }

                    batch.Add(record);
                    if (batch.Count >= Config.BatchSize)
                    {
                        await HandleBatchAsync(batch).ConfigureAwait(false);
                    }
                }
            }

            if (batch.Count > 0)
            {
                await HandleBatchAsync(batch).ConfigureAwait(false);
            }

            Volatile.Write(ref _catchUpFrom, next);
            if (next == from)
            {
                lock (_behindGate)
                {
                    if (Volatile.Read(ref _lastSkipped) < next)
                    {
                        _behind = false; // every record left to the journal has been read: live again
                        return;
                    }
                }

                await Task.Delay(5, _abort.Token).ConfigureAwait(false); // what was skipped is not yet flushed to the journal
            }
        }
    }

    private async Task HandleBatchAsync(List<ReceivedRecord> batch)
    {
        await HandleAsync(batch).ConfigureAwait(false);
        Interlocked.Exchange(ref _lastHandledCreated, BitConverter.DoubleToInt64Bits(batch[^1].Summary.Created));
        long last = batch.Max(r => r.JournalPosition);
        if (last >= 0)
        {
            Volatile.Write(ref _handledPosition, last);
        }

        batch.Clear();
    }

    private async Task HandleAsync(List<ReceivedRecord> batch)
    {
        var backoff = s_firstBackoff;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await Plugin.HandleAsync(batch, _abort.Token).ConfigureAwait(false);
                Interlocked.Add(ref _handled, batch.Count);
                Interlocked.Increment(ref _batches);
                return;
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                throw;
            }
            catch (PluginUnavailableException ex)
            {
                // Unavailable is not a failure of the batch: it waits, however long, while the queue holds the rest.
                attempt = 0;
                Interlocked.Increment(ref _retries);
                var now = DateTimeOffset.UtcNow;
                if (now - _lastUnavailableReport >= TimeSpan.FromSeconds(30))
                {
                    _lastUnavailableReport = now;
                    LogUnavailable(_logger, Config.Name, ex.Message, _queue.Reader.Count, Config.QueueCapacity);
                }
            }
            catch (Exception ex)
            {
                if (attempt == MaxAttempts)
                {
                    Interlocked.Add(ref _failed, batch.Count);
                    LogBatchFailed(_logger, Config.Name, batch.Count, attempt, ex);
                    return;
                }

                Interlocked.Increment(ref _retries);
            }

            await Task.Delay(backoff, _abort.Token).ConfigureAwait(false);
            backoff = backoff * 2 > s_maxBackoff ? s_maxBackoff : backoff * 2;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "plugin {Plugin}: reading the journal to catch up failed ({Reason}); trying again")]
    private static partial void LogCatchUpFailed(ILogger logger, string plugin, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "plugin {Plugin}: a batch of {Count} records failed {Attempts} times and is counted as failed")]
    private static partial void LogBatchFailed(ILogger logger, string plugin, int count, int attempts, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "plugin {Plugin}: unavailable ({Reason}); retrying with backoff while {Queued} of {Capacity} queued records wait (reported at most every 30 s)")]
    private static partial void LogUnavailable(ILogger logger, string plugin, string reason, int queued, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "plugin {Plugin}: its queue of {Capacity} records is full; {Dropped} records dropped so far (reported at most once a minute)")]
    private static partial void LogQueueFull(ILogger logger, string plugin, int capacity, long dropped);

    [LoggerMessage(Level = LogLevel.Error, Message = "plugin {Plugin}: Match threw; the record is not given to it")]
    private static partial void LogMatchFailed(ILogger logger, string plugin, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "plugin {Plugin}: flushing failed")]
    private static partial void LogFlushFailed(ILogger logger, string plugin, Exception exception);
}
