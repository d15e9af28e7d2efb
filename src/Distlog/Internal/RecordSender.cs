using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Distlog.Protocol;
using Microsoft.Extensions.Logging;

namespace Distlog.Internal;

/// <summary>
/// The bounded queue between log calls and the wire, and the one thread that renders, encodes, batches and sends.
/// </summary>
/// <remarks>
/// Threads: any thread calls <see cref="Enqueue"/> and reads the counters; the sender thread alone owns the
/// transport, the buffers and the reusable <see cref="LogRecord"/>. Counters are written with Interlocked.
/// A log call never waits (unless the Block policy says so, bounded by its timeout) and never sees an exception.
/// </remarks>
internal sealed class RecordSender : IDisposable
{
    private const int MaxRecordsPerMessage = 4096;
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_closeGrace = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_dropReportInterval = TimeSpan.FromSeconds(1);

    private readonly DistlogOptions _options;
    private readonly SelfLog _selfLog;
    private readonly Func<IRecordTransport> _transportFactory;
    private readonly IRecordCodec _codec;
    private readonly byte[] _recordTopic;
    private readonly byte[] _batchTopic;
    private readonly string _serviceName;
    private readonly int _capacity;
    private readonly ConcurrentQueue<PendingRecord> _queue = new();
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly ManualResetEventSlim _stopRequested = new(false);
    private readonly object _spaceLock = new();
    private readonly Thread _thread;

    // Shared counters (Interlocked).
    private int _count;
    private int _senderWaiting;
    private int _blockedWriters;
    private int _stopping;
    private int _flushWaiters;
    private long _stopDeadlineTicks;
    private long _enqueued;
    private long _processed;
    private long _sentRecords;
    private long _messages;
    private long _batches;
    private long _dropped;
    private long _truncated;
    private long _encodingFailures;
    private TaskCompletionSource _progress = NewProgress();

    // Sender thread only.
    private readonly ByteBuffer _buffer = new(64 * 1024);
    private readonly LogRecord _record = new();
    private readonly List<KeyValuePair<string, object?>> _args = [];
    private long _droppedReported;
    private long _reportingDropped;
    private long _lastSendTimestamp;
    private long _lastDropReport;
    private readonly AscTimeFormatter _ascTime = new();

    public RecordSender(DistlogOptions options, SelfLog selfLog, Func<IRecordTransport> transportFactory)
    {
        _options = options;
        _selfLog = selfLog;
        _transportFactory = transportFactory;
        _codec = options.Encoding == DistlogEncoding.MessagePack
            ? new MessagePackRecordCodec(options.Limits)
            : new JsonRecordCodec(options.Limits);
        byte system = Topic.IsValidSystem(options.System) ? (byte)options.System : Topic.SystemProduction;
        _recordTopic = new Topic(system, Topic.KindRecord, _codec.Encoding).ToArray();
        _batchTopic = new Topic(system, Topic.KindBatch, _codec.Encoding).ToArray();
        _serviceName = string.IsNullOrWhiteSpace(options.ServiceName) ? ProcessInfo.DefaultServiceName : options.ServiceName;
        _capacity = Math.Max(1, options.QueueCapacity);
        _thread = new Thread(Run) { IsBackground = true, Name = "distlog-sender" };
        _thread.Start();
    }

    public bool IsClosed => Volatile.Read(ref _stopping) != 0;

    public DistlogStatistics Statistics => new(
        Interlocked.Read(ref _enqueued),
        Interlocked.Read(ref _sentRecords),
        Interlocked.Read(ref _dropped),
        Interlocked.Read(ref _messages),
        Interlocked.Read(ref _batches),
        Interlocked.Read(ref _truncated),
        Interlocked.Read(ref _encodingFailures),
        Math.Max(0, Volatile.Read(ref _count)));

    /// <summary>Queues a record, or drops and counts it when the queue is full. Called on the logging thread.</summary>
    public void Enqueue(PendingRecord entry)
    {
        if (Volatile.Read(ref _stopping) != 0 || !TryReserve())
        {
            Interlocked.Increment(ref _dropped);
            entry.Return();
            return;
        }

        _queue.Enqueue(entry);
        Interlocked.Increment(ref _enqueued);
        if (Volatile.Read(ref _senderWaiting) != 0)
        {
            _wake.Set();
        }
    }

    /// <summary>Counts a record that was not even captured (logged after the provider stopped).</summary>
    public void CountDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>Waits until every record queued before the call was handed to the transport.</summary>
    /// <returns><see langword="false"/> when <paramref name="timeout"/> passed first.</returns>
    public async Task<bool> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        long target = Interlocked.Read(ref _enqueued);
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        Interlocked.Increment(ref _flushWaiters);
        try
        {
            while (true)
            {
                var progress = Volatile.Read(ref _progress);
                if (Interlocked.Read(ref _processed) >= target)
                {
                    return true;
                }

                var remaining = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
                if (remaining <= TimeSpan.Zero || !_thread.IsAlive)
                {
                    return false;
                }

                _wake.Set();
                try
                {
                    await progress.Task.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    return Interlocked.Read(ref _processed) >= target;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _flushWaiters);
        }
    }

    /// <summary>Stops taking records, delivers what is queued within <see cref="DistlogOptions.FlushTimeout"/>, and closes.</summary>
    public void Dispose()
    {
        lock (_spaceLock)
        {
            if (Volatile.Read(ref _stopping) != 0)
            {
                return;
            }

            // The deadline is published before the flag: the sender reads the flag, then the deadline.
            Volatile.Write(ref _stopDeadlineTicks, (DateTimeOffset.UtcNow + _options.FlushTimeout).UtcTicks);
            Interlocked.Exchange(ref _stopping, 1);
        }

        _stopRequested.Set();
        _wake.Set();
        lock (_spaceLock)
        {
            Monitor.PulseAll(_spaceLock);
        }

        if (!_thread.Join(_options.FlushTimeout + TimeSpan.FromSeconds(2)))
        {
            _selfLog.Report("stop", "the sender did not finish within the flush timeout; records still queued are lost");
        }
    }

    private DateTimeOffset StopDeadline => new(Volatile.Read(ref _stopDeadlineTicks), TimeSpan.Zero);

    private static TaskCompletionSource NewProgress() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool TryReserve()
    {
        if (Interlocked.Increment(ref _count) <= _capacity)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return _options.Overflow == OverflowPolicy.Block && WaitForRoom();
    }

    private bool WaitForRoom()
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_options.BlockTimeout.TotalSeconds * Stopwatch.Frequency);
        Interlocked.Increment(ref _blockedWriters);
        try
        {
            lock (_spaceLock)
            {
                while (true)
                {
                    if (Interlocked.Increment(ref _count) <= _capacity)
                    {
                        return true;
                    }

                    Interlocked.Decrement(ref _count);
                    long left = deadline - Stopwatch.GetTimestamp();
                    if (left <= 0 || Volatile.Read(ref _stopping) != 0)
                    {
                        return false;
                    }

                    Monitor.Wait(_spaceLock, TimeSpan.FromSeconds(Math.Min((double)left / Stopwatch.Frequency, 0.1)));
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _blockedWriters);
        }
    }

    // ---- sender thread ----
    private void Run()
    {
        IRecordTransport? transport = null;
        try
        {
            transport = _transportFactory();
        }
        catch (Exception ex)
        {
            _selfLog.Report("endpoint", $"cannot connect to '{_options.Endpoint}': {ex.Message}; records are dropped and counted");
        }

        try
        {
            Loop(transport);
        }
        catch (Exception ex)
        {
            _selfLog.Report("sender", "the sender stopped on an unexpected error: " + ex);
        }
        finally
        {
            SettleBeforeClose();
            var linger = Volatile.Read(ref _stopping) == 0 ? TimeSpan.Zero : StopDeadline - DateTimeOffset.UtcNow;
            try
            {
                transport?.Close(linger);
            }
            catch (Exception ex)
            {
                _selfLog.Report("close", "closing the socket failed: " + ex.Message);
            }

            DropQueued();
            SignalProgress();
        }
    }

    private void Loop(IRecordTransport? transport)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(1);
        int pendingRecords = 0; // records in _buffer not yet handed over (0: nothing pending)
        bool pendingIsBatch = false;
        bool pendingIsReport = false;

        while (true)
        {
            bool stopping = Volatile.Read(ref _stopping) != 0;
            if (stopping && DateTimeOffset.UtcNow >= StopDeadline)
            {
                if (pendingRecords > 0 && !pendingIsReport)
                {
                    Interlocked.Add(ref _dropped, pendingRecords);
                    Interlocked.Add(ref _processed, pendingRecords);
                }

                return;
            }

            if (pendingRecords == 0)
            {
                // The drop report goes out at the first lull, or every second while the overload lasts.
                pendingIsReport = false;
                if (transport is not null && Interlocked.Read(ref _dropped) > _droppedReported &&
                    (_queue.IsEmpty || Stopwatch.GetElapsedTime(_lastDropReport) >= s_dropReportInterval))
                {
                    _lastDropReport = Stopwatch.GetTimestamp();
                    pendingRecords = BuildDropReport();
                    pendingIsReport = pendingRecords > 0;
                    pendingIsBatch = false;
                }

                if (pendingRecords == 0)
                {
                    (pendingRecords, pendingIsBatch) = FillMessage();
                }

                if (pendingRecords == 0)
                {
                    if (stopping)
                    {
                        return;
                    }

                    WaitForWork(TimeSpan.FromMilliseconds(250));
                    continue;
                }
            }

            if (transport is null)
            {
                // No socket (a bad endpoint): everything is dropped, counted.
                Interlocked.Add(ref _dropped, pendingRecords);
                Interlocked.Add(ref _processed, pendingRecords);
                pendingRecords = 0;
                SignalProgress();
                continue;
            }

            bool sent;
            try
            {
                sent = pendingIsBatch
                    ? transport.TrySend(_batchTopic, _buffer.Array, _buffer.Length)
                    : transport.TrySend(_recordTopic, _buffer.Array, _buffer.Length);
            }
            catch (Exception ex)
            {
                _selfLog.Report("send", "sending failed: " + ex.Message);
                sent = false;
            }

            if (!sent && pendingIsReport)
            {
                // A drop report is built again when it can go, so that it carries the count of that moment.
                pendingRecords = 0;
                pendingIsReport = false;
            }

            if (!sent)
            {
                if (Interlocked.Read(ref _dropped) > _droppedReported)
                {
                    _selfLog.Report("dropped", $"the daemon at '{_options.Endpoint}' takes nothing; {Interlocked.Read(ref _dropped)} records dropped so far");
                }

                // Back off whatever is queued (waiting for work would return at once and spin); only a stop
                // cuts the wait short.
                _stopRequested.Wait(backoff);
                backoff = backoff * 2 > s_maxBackoff ? s_maxBackoff : backoff * 2;
                continue;
            }

            backoff = TimeSpan.FromMilliseconds(1);
            _lastSendTimestamp = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref _messages);
            if (pendingIsReport)
            {
                _droppedReported = _reportingDropped;
            }
            else
            {
                Interlocked.Add(ref _sentRecords, pendingRecords);
                Interlocked.Add(ref _processed, pendingRecords);
                if (pendingIsBatch)
                {
                    Interlocked.Increment(ref _batches);
                }
            }

            pendingRecords = 0;
            _buffer.Clear();
            _buffer.Trim(1024 * 1024);
            SignalProgress();
        }
    }

    /// <summary>
    /// NetMQ closes a connection as soon as its queue is empty, even while its own last write to the TCP socket is
    /// still in progress, and that write is then lost (seen on Linux when the receiver lags; see docs/protocol.md).
    /// A send that just happened gets a short grace, bounded by the flush deadline, before the socket closes. Only
    /// acknowledgements remove the risk; they belong to the at-least-once delivery work.
    /// </summary>
    private void SettleBeforeClose()
    {
        if (Volatile.Read(ref _stopping) == 0 || _lastSendTimestamp == 0)
        {
            return;
        }

        var sinceLastSend = Stopwatch.GetElapsedTime(_lastSendTimestamp);
        var grace = s_closeGrace - sinceLastSend;
        var untilDeadline = StopDeadline - DateTimeOffset.UtcNow;
        if (grace > untilDeadline)
        {
            grace = untilDeadline;
        }

        if (grace > TimeSpan.Zero)
        {
            Thread.Sleep(grace);
        }
    }

    private void WaitForWork(TimeSpan timeout)
    {
        Interlocked.Exchange(ref _senderWaiting, 1);
        if (_queue.IsEmpty && Volatile.Read(ref _stopping) == 0)
        {
            _wake.Wait(timeout);
        }

        Interlocked.Exchange(ref _senderWaiting, 0);
        _wake.Reset();
    }

    private void SignalProgress()
    {
        if (Volatile.Read(ref _flushWaiters) == 0)
        {
            return;
        }

        Interlocked.Exchange(ref _progress, NewProgress()).TrySetResult();
    }

    /// <summary>Takes queued records into <see cref="_buffer"/>: one record as a plain message, several as a batch.</summary>
    private (int Records, bool IsBatch) FillMessage()
    {
        _buffer.Clear();
        int records = 0;
        int maxBytes = Math.Max(0, _options.MaxBatchBytes);
        while (records < MaxRecordsPerMessage && _queue.TryDequeue(out var entry))
        {
            Interlocked.Decrement(ref _count);
            int start = _buffer.Length;
            _buffer.GetSpan(BatchFormat.PrefixLength);
            _buffer.Advance(BatchFormat.PrefixLength);
            bool encoded = EncodeEntry(entry, start + BatchFormat.PrefixLength);
            entry.Return();
            if (!encoded)
            {
                _buffer.Truncate(start);
                Interlocked.Increment(ref _processed);
                continue;
            }

            BatchFormat.WriteLength(_buffer.Array.AsSpan(start, BatchFormat.PrefixLength), _buffer.Length - start - BatchFormat.PrefixLength);
            records++;
            if (_buffer.Length >= maxBytes)
            {
                break;
            }
        }

        WakeBlockedWriters();
        if (records == 1)
        {
            // A lone record travels as the original's [topic, record] message: drop its length prefix.
            int length = _buffer.Length - BatchFormat.PrefixLength;
            Buffer.BlockCopy(_buffer.Array, BatchFormat.PrefixLength, _buffer.Array, 0, length);
            _buffer.Truncate(length);
        }

        return (records, records > 1);
    }

    /// <summary>
    /// Wakes log calls waiting for room (the Block policy) once a quarter of the queue is free again, not for every
    /// record taken: a wake-up per record cost the sender a futex call per record while the logger outran it.
    /// </summary>
    /// <remarks>A waiting call also looks again by itself every 100 ms, so this only decides how soon it goes on.</remarks>
    private void WakeBlockedWriters()
    {
        if (Volatile.Read(ref _blockedWriters) > 0 && Volatile.Read(ref _count) <= _capacity - Math.Max(1, _capacity / 4))
        {
            lock (_spaceLock)
            {
                Monitor.PulseAll(_spaceLock);
            }
        }
    }

    private bool EncodeEntry(PendingRecord entry, int recordStart)
    {
        try
        {
            FillRecord(entry);
            _codec.Encode(_record, _buffer);
            int size = _buffer.Length - recordStart;
            if (size > _options.MaxRecordBytes)
            {
                _buffer.Truncate(recordStart);
                Shrink(size);
                _codec.Encode(_record, _buffer);
                Interlocked.Increment(ref _truncated);
                _selfLog.Report("truncated", $"a record of {size} bytes exceeded MaxRecordBytes ({_options.MaxRecordBytes}); it was sent without its data");
            }

            return true;
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _encodingFailures);
            _selfLog.Report("encode", $"a record could not be encoded and was dropped: {ex.GetType().Name}: {ex.Message}");
            return false;
        }
        finally
        {
            _args.Clear();
        }
    }

    private void Shrink(int originalSize)
    {
        _record.Args = null;
        _record.Scopes = null;
        _record.Message = ValueLimits.Cut(_record.Message ?? string.Empty, 4096);
        _record.Msg = ValueLimits.Cut(_record.Msg ?? string.Empty, 4096);
        _record.ExcText = _record.ExcText is null ? null : ValueLimits.Cut(_record.ExcText, 16 * 1024);
        if (_record.Context is { } context)
        {
            _record.Context = context with { Data = [] };
        }

        _record.Extra = [new("distlog_truncated_bytes", originalSize)];
    }

    private void FillRecord(PendingRecord e)
    {
        var r = _record;
        r.Clear();
        var (message, template) = e.Render(_args);
        r.Name = e.Category;
        r.LevelNo = ToLevelNo(e.Level);
        r.LevelName = Levels.NameOf(r.LevelNo);
        r.Msg = template ?? message;
        r.Message = message;
        r.Args = _args.Count > 0 ? _args : null;
        long unixTicks = e.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        r.Created = unixTicks / (double)TimeSpan.TicksPerSecond;
        r.Msecs = (unixTicks % TimeSpan.TicksPerSecond) / (double)TimeSpan.TicksPerMillisecond;
        r.RelativeCreated = (e.Timestamp - ProcessInfo.StartTime).TotalMilliseconds;
        r.AscTime = _ascTime.Format(e.Timestamp);
        r.Hostname = ProcessInfo.Hostname;
        r.Process = ProcessInfo.ProcessId;
        r.ProcessName = ProcessInfo.ProcessName;
        r.Thread = e.ThreadId;
        r.ThreadName = e.ThreadName;
        r.ExcText = e.Exception is null ? null : SafeExceptionText(e.Exception);
        r.Context = e.Task is null ? null : new RecordContext(TaskKey.Format(e.Seq, e.Task.Id), e.Data ?? []);
        r.Service = _serviceName;
        r.Event = e.EventId.Id != 0 || e.EventId.Name is not null ? new RecordEvent(e.EventId.Id, e.EventId.Name) : null;
        r.Scopes = e.HasScopes ? ScopeValues(e.Scopes!) : null;
        r.Task = e.Boundary;
    }

    private static string SafeExceptionText(Exception exception)
    {
        try
        {
            return exception.ToString();
        }
        catch (Exception ex)
        {
            return $"{exception.GetType().FullName}: <exception text failed: {ex.Message}>";
        }
    }

    /// <summary>MEL scope states as data: pair lists become maps (a template's text kept as <c>$text</c>), others their text.</summary>
    private static List<object?> ScopeValues(List<object?> scopes)
    {
        var result = new List<object?>(scopes.Count);
        foreach (object? scope in scopes)
        {
            switch (scope)
            {
                case null or string:
                    result.Add(scope);
                    break;
                case IEnumerable<KeyValuePair<string, object?>> pairs:
                {
                    var map = new List<KeyValuePair<string, object?>>();
                    bool templated = false;
                    foreach (var pair in pairs)
                    {
                        if (pair.Key == "{OriginalFormat}")
                        {
                            templated = true;
                        }
                        else
                        {
                            map.Add(pair);
                        }
                    }

                    if (templated)
                    {
                        map.Add(new("$text", ValueWriter.SafeToString(scope)));
                    }

                    result.Add(map);
                    break;
                }

                default:
                    result.Add(scope);
                    break;
            }
        }

        return result;
    }

    private static int ToLevelNo(LogLevel level) => level switch
    {
        LogLevel.Trace => Levels.Trace,
        LogLevel.Debug => Levels.Debug,
        LogLevel.Information => Levels.Info,
        LogLevel.Warning => Levels.Warning,
        LogLevel.Error => Levels.Error,
        LogLevel.Critical => Levels.Critical,
        _ => 0,
    };

    /// <summary>Encodes the record that tells the daemon how many records were lost here.</summary>
    private int BuildDropReport()
    {
        long total = Interlocked.Read(ref _dropped);
        long newly = total - _droppedReported;
        _buffer.Clear();
        try
        {
            var now = _options.TimeProvider.GetUtcNow();
            var r = _record;
            r.Clear();
            r.Name = "Distlog";
            r.LevelNo = Levels.Warning;
            r.LevelName = Levels.NameOf(Levels.Warning);
            r.Msg = "distlog dropped {Dropped} records (queue full or undeliverable); {TotalDropped} in all";
            r.Message = string.Create(CultureInfo.InvariantCulture, $"distlog dropped {newly} records (queue full or undeliverable); {total} in all");
            r.Args = new List<KeyValuePair<string, object?>> { new("Dropped", newly), new("TotalDropped", total) };
            long unixTicks = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
            r.Created = unixTicks / (double)TimeSpan.TicksPerSecond;
            r.Msecs = (unixTicks % TimeSpan.TicksPerSecond) / (double)TimeSpan.TicksPerMillisecond;
            r.RelativeCreated = (now - ProcessInfo.StartTime).TotalMilliseconds;
            r.AscTime = _ascTime.Format(now);
            r.Hostname = ProcessInfo.Hostname;
            r.Process = ProcessInfo.ProcessId;
            r.ProcessName = ProcessInfo.ProcessName;
            r.Thread = Environment.CurrentManagedThreadId;
            r.ThreadName = Thread.CurrentThread.Name;
            r.Service = _serviceName;
            r.Event = new RecordEvent(0, "DistlogDropped");
            _codec.Encode(r, _buffer);
            _reportingDropped = total;
            _selfLog.Report("dropped", $"{total} records dropped so far (queue full or daemon unreachable)");
            return 1;
        }
        catch (Exception ex)
        {
            _selfLog.Report("encode", "the drop report could not be encoded: " + ex.Message);
            _droppedReported = total;
            return 0;
        }
    }

    private void DropQueued()
    {
        int lost = 0;
        while (_queue.TryDequeue(out var entry))
        {
            Interlocked.Decrement(ref _count);
            entry.Return();
            lost++;
        }

        if (lost > 0)
        {
            Interlocked.Add(ref _dropped, lost);
            Interlocked.Add(ref _processed, lost);
            _selfLog.Report("lost", $"{lost} records were still queued when the provider stopped and are lost");
        }
    }
}
