using System.Diagnostics;
using Distlog.Protocol;

namespace Distlog.Internal;

/// <summary>
/// The send loop: the one thread that takes records from the <see cref="RecordQueue"/>, maps them
/// (<see cref="RecordMapper"/>), encodes and batches them, sends them with back-off, and reports drops.
/// </summary>
/// <remarks>
/// Threads: any thread calls <see cref="Enqueue"/> and reads the counters; the sender thread alone owns the
/// transport, the buffer and the mapper. Counters are written with Interlocked.
/// A log call never waits (unless the Block policy says so, bounded by its timeout) and never sees an exception.
/// </remarks>
internal sealed class RecordSender : IDisposable
{
    private const int MaxRecordsPerMessage = 4096;
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_closeGrace = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_dropReportInterval = TimeSpan.FromSeconds(1);

    // How long the sender holds the first records for its session to join, so that they too are acknowledged; past
    // it (no distlogd, or one without sessions) records go at most once until a session joins.
    private static readonly TimeSpan s_joinGrace = TimeSpan.FromSeconds(1);

    private readonly DistlogOptions _options;
    private readonly SelfLog _selfLog;
    private readonly Func<IRecordTransport> _transportFactory;
    private readonly IRecordCodec _codec;
    private readonly byte[] _recordTopic;
    private readonly byte[] _batchTopic;
    private readonly RecordQueue _queue;
    private readonly ManualResetEventSlim _stopRequested = new(false);
    private readonly AckInbox? _acks;
    private readonly ClientSpool? _spool;
    private readonly Queue<PendingRecord> _recovered = new(); // read back from the spool: sent before the queue
    private readonly Thread _thread;

    // Shared counters (Interlocked).
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
    private long _acknowledged;
    private long _resent;
    private long _recoveredCount;
    private TaskCompletionSource _progress = NewProgress();

    // Sender thread only.
    private readonly ByteBuffer _buffer = new(64 * 1024);
    private readonly RecordMapper _mapper;
    private long _droppedReported;
    private long _reportingDropped;
    private long _lastSendTimestamp;
    private long _lastDropReport;
    private readonly UnackedWindow _window;
    private long _sequence;
    private byte[]? _pendingCopy; // the copy of a stamped message not yet taken by the transport
    private readonly List<long> _pendingSpooled = []; // the spool sequences of the message being sent

    /// <param name="options">The provider's options.</param>
    /// <param name="selfLog">Where trouble is reported.</param>
    /// <param name="transportFactory">Makes the socket, on the sender thread.</param>
    /// <param name="acks">With a session: every message is stamped, kept until distlogd acknowledges it, and sent
    /// again after a reconnect; null: at most once.</param>
    public RecordSender(DistlogOptions options, SelfLog selfLog, Func<IRecordTransport> transportFactory, AckInbox? acks = null)
    {
        _options = options;
        _acks = acks;
        _window = new UnackedWindow(Math.Max(64 * 1024, options.MaxUnacknowledgedBytes));
        _selfLog = selfLog;
        _transportFactory = transportFactory;
        _codec = options.Encoding == DistlogEncoding.MessagePack
            ? new MessagePackRecordCodec(options.Limits)
            : new JsonRecordCodec(options.Limits);
        byte system = Topic.IsValidSystem((char)options.System) ? (byte)options.System : Topic.SystemProduction;
        _recordTopic = new Topic(system, Topic.KindRecord, _codec.Encoding).ToArray();
        _batchTopic = new Topic(system, Topic.KindBatch, _codec.Encoding).ToArray();
        _mapper = new RecordMapper(ServiceName(options));
        _queue = new RecordQueue(options.QueueCapacity, options.Overflow, options.BlockTimeout);
        _spool = OpenSpool(options, acks);
        _thread = new Thread(Run) { IsBackground = true, Name = "distlog-sender" };
        _thread.Start();
    }

    public bool IsClosed => _queue.IsClosed;

    /// <summary>The service name records carry: <see cref="DistlogOptions.ServiceName"/>, or the entry assembly's.</summary>
    public static string ServiceName(DistlogOptions options) =>
        string.IsNullOrWhiteSpace(options.ServiceName) ? ProcessInfo.DefaultServiceName : options.ServiceName;

    public DistlogStatistics Statistics => new(
        Interlocked.Read(ref _enqueued),
        Interlocked.Read(ref _sentRecords),
        Interlocked.Read(ref _dropped),
        Interlocked.Read(ref _messages),
        Interlocked.Read(ref _batches),
        Interlocked.Read(ref _truncated),
        Interlocked.Read(ref _encodingFailures),
        _queue.Count)
    {
        Acknowledged = Interlocked.Read(ref _acknowledged),
        Resent = Interlocked.Read(ref _resent),
        Recovered = Interlocked.Read(ref _recoveredCount),
        Spooled = _spool?.Outstanding ?? 0,
    };

    /// <summary>Queues a record, or drops and counts it when the queue is full. Called on the logging thread.</summary>
    public void Enqueue(PendingRecord entry)
    {
        if (_spool is not null && !_spool.Append(entry))
        {
            if (entry.Encoded is null)
            {
                entry.Return(); // it cannot be encoded: counted and reported by the encoding, not tried again
                return;
            }

            _selfLog.Report("spool", $"the spool {_options.Spool} is full (SpoolMaxBytes {_options.SpoolMaxBytes}) or cannot be written: records go on unspooled, and a crash would lose them");
        }

        if (!_queue.TryAdd(entry))
        {
            Interlocked.Increment(ref _dropped);
            if (entry.SpoolSequence >= 0)
            {
                _spool!.Forget(entry.SpoolSequence); // dropped and counted: not sent by a later run either
            }

            entry.Return();
            return;
        }

        Interlocked.Increment(ref _enqueued);
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

                _queue.Wake();
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
        // The deadline is published before the queue closes: the sender sees the queue closed, then reads the deadline.
        if (!_queue.Close(() => Volatile.Write(ref _stopDeadlineTicks, (DateTimeOffset.UtcNow + _options.FlushTimeout).UtcTicks)))
        {
            return;
        }

        _stopRequested.Set();

        if (!_thread.Join(_options.FlushTimeout + TimeSpan.FromSeconds(2)))
        {
            _selfLog.Report("stop", "the sender did not finish within the flush timeout; records still queued are lost");
        }
    }

    private DateTimeOffset StopDeadline => new(Volatile.Read(ref _stopDeadlineTicks), TimeSpan.Zero);

    private static TaskCompletionSource NewProgress() => new(TaskCreationOptions.RunContinuationsAsynchronously);

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
            var linger = !_queue.IsClosed ? TimeSpan.Zero : StopDeadline - DateTimeOffset.UtcNow;
            try
            {
                transport?.Close(linger);
            }
            catch (Exception ex)
            {
                _selfLog.Report("close", "closing the socket failed: " + ex.Message);
            }

            DropQueued();
            if (_window.Count > 0)
            {
                _selfLog.Report("unacknowledged", _spool is null
                    ? $"{_window.Count} messages sent were not acknowledged by distlogd before the provider stopped; they may be lost"
                    : $"{_window.Count} messages sent were not acknowledged by distlogd before the provider stopped; the next run on the spool {_options.Spool} sends them again");
            }

            _spool?.Dispose();

            SignalProgress();
        }
    }

    private void Loop(IRecordTransport? transport)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(1);
        long started = Stopwatch.GetTimestamp();
        long fullSince = 0; // when the window last filled (0: it is not full)
        int pendingRecords = 0; // records in _buffer not yet handed over (0: nothing pending)
        bool pendingIsBatch = false;
        bool pendingIsReport = false;

        while (true)
        {
            ServiceAcknowledgements(transport);
            bool stopping = _queue.IsClosed;
            if (_acks is { IsActive: false } && pendingRecords == 0)
            {
                if (_spool is not null && stopping && ((_recovered.Count == 0 && _queue.IsEmpty) || DateTimeOffset.UtcNow >= StopDeadline))
                {
                    return; // no session by the deadline: the spool keeps what is left for the next run
                }

                if (_spool is not null || Stopwatch.GetElapsedTime(started) < s_joinGrace)
                {
                    _acks.WaitActive(TimeSpan.FromMilliseconds(50)); // records wait in the queue meanwhile
                    continue;
                }
            }

            if (stopping && DateTimeOffset.UtcNow >= StopDeadline)
            {
                if (pendingRecords > 0 && !pendingIsReport)
                {
                    Interlocked.Add(ref _dropped, pendingRecords);
                    Interlocked.Add(ref _processed, pendingRecords);
                }

                return;
            }

            if (pendingRecords == 0 && _acks is { IsActive: true } && _window.Bytes >= _window.MaxBytes)
            {
                // distlogd has not acknowledged MaxUnacknowledgedBytes yet: nothing more is sent until it does. New
                // records wait in the queue meanwhile, where the overflow policy applies (block, or drop and count).
                // A moment of it is a burst; a second of it is worth saying.
                fullSince = fullSince == 0 ? Stopwatch.GetTimestamp() : fullSince;
                if (Stopwatch.GetElapsedTime(fullSince) > TimeSpan.FromSeconds(1))
                {
                    _selfLog.Report("unacknowledged", $"distlogd has not acknowledged MaxUnacknowledgedBytes ({_options.MaxUnacknowledgedBytes}) for a second; records wait in the queue until it does");
                }

                _acks.Wait(TimeSpan.FromMilliseconds(20));
                continue;
            }

            fullSince = 0;

            if (pendingRecords == 0)
            {
                _pendingCopy = null; // a new message comes
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
                    if (stopping && _window.Count > 0 && transport is not null)
                    {
                        _acks!.Wait(TimeSpan.FromMilliseconds(20)); // the last acknowledgements, until the deadline
                        continue;
                    }

                    if (stopping)
                    {
                        return;
                    }

                    _queue.WaitForWork(TimeSpan.FromMilliseconds(250));
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
            byte[] topic = pendingIsBatch ? _batchTopic : _recordTopic;
            byte[]? stamp = null;
            byte[] body = _buffer.Array;
            if (_acks is { IsActive: true } && !pendingIsReport)
            {
                // A message kept until acknowledged gets an array of its own, which the transport may keep too.
                stamp = new DeliveryStamp(_acks.Instance, _sequence + 1).ToArray();
                body = _pendingCopy ??= CopyOfBuffer(); // made once, however often the send is tried
            }

            try
            {
                sent = transport.TrySend(topic, body, _buffer.Length, stamp);
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
            if (stamp is not null)
            {
                _window.Add(++_sequence, topic, stamp, body, pendingRecords, _pendingSpooled.Count > 0 ? [.. _pendingSpooled] : null);
                _pendingCopy = null;
            }

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

    /// <summary>The message in <see cref="_buffer"/>, in an array of its own (not zeroed first: it is overwritten).</summary>
    private byte[] CopyOfBuffer()
    {
        byte[] copy = GC.AllocateUninitializedArray<byte>(_buffer.Length);
        _buffer.WrittenSpan.CopyTo(copy);
        return copy;
    }

    /// <summary>Forgets what distlogd acknowledged, and sends again what it may have lost (after it restarted, or
    /// when an acknowledgement is late).</summary>
    private void ServiceAcknowledgements(IRecordTransport? transport)
    {
        if (_acks is null)
        {
            return;
        }

        while (_acks.TryTake(out long[] sequences))
        {
            Interlocked.Add(ref _acknowledged, _window.Acknowledge(sequences, _spool is null ? null : _spool.Acknowledge));
        }

        if (_acks.TakeJoined())
        {
            _window.ResendAll();
        }

        if (transport is not null && _window.Count > 0)
        {
            _window.Resend(entry =>
            {
                byte[] body = entry.Body.ToArray();
                if (!transport.TrySend(entry.Topic, body, body.Length, entry.Stamp))
                {
                    return false;
                }

                Interlocked.Add(ref _resent, entry.Records);
                return true;
            });
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
        if (!_queue.IsClosed || _lastSendTimestamp == 0)
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
        _pendingSpooled.Clear();
        int records = 0;
        int maxBytes = Math.Max(0, _options.MaxBatchBytes);
        while (records < MaxRecordsPerMessage && (_recovered.TryDequeue(out var entry) || _queue.TryTake(out entry)))
        {
            int start = _buffer.Length;
            _buffer.GetSpan(BatchFormat.PrefixLength);
            _buffer.Advance(BatchFormat.PrefixLength);
            bool encoded = EncodeEntry(entry, start + BatchFormat.PrefixLength);
            if (encoded && entry.SpoolSequence >= 0)
            {
                _pendingSpooled.Add(entry.SpoolSequence);
            }

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

        _queue.WakeBlockedWriters();
        if (records == 1)
        {
            // A lone record travels as the original's [topic, record] message: drop its length prefix.
            int length = _buffer.Length - BatchFormat.PrefixLength;
            Buffer.BlockCopy(_buffer.Array, BatchFormat.PrefixLength, _buffer.Array, 0, length);
            _buffer.Truncate(length);
        }

        return (records, records > 1);
    }

    private bool EncodeEntry(PendingRecord entry, int recordStart)
    {
        if (entry.Encoded is { } encoded)
        {
            encoded.CopyTo(_buffer.GetSpan(encoded.Length));
            _buffer.Advance(encoded.Length);
            return true;
        }

        return Encode(entry, _mapper, _codec, _buffer, recordStart);
    }

    /// <summary>Maps and encodes a record into <paramref name="buffer"/> from <paramref name="recordStart"/> (cut to
    /// fit <see cref="DistlogOptions.MaxRecordBytes"/>); false, counted and reported, when it cannot be encoded.</summary>
    private bool Encode(PendingRecord entry, RecordMapper mapper, IRecordCodec codec, ByteBuffer buffer, int recordStart)
    {
        try
        {
            var record = mapper.Map(entry);
            codec.Encode(record, buffer);
            int size = buffer.Length - recordStart;
            if (size > _options.MaxRecordBytes)
            {
                buffer.Truncate(recordStart);
                mapper.Shrink(size);
                codec.Encode(record, buffer);
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
            mapper.Release();
        }
    }

    /// <summary>Opens <see cref="DistlogOptions.Spool"/> (with its own mapper and codec: the log calls encode into
    /// it) and takes back what an earlier run left there; null without a spool, or when it cannot be opened (said).</summary>
    private ClientSpool? OpenSpool(DistlogOptions options, AckInbox? acks)
    {
        if (string.IsNullOrWhiteSpace(options.Spool))
        {
            return null;
        }

        if (acks is null)
        {
            _selfLog.Report("spool", $"Spool is set but ControlEndpoint is off: without distlogd's acknowledgements a spool would never empty; records are not spooled");
            return null;
        }

        var mapper = new RecordMapper(ServiceName(options));
        IRecordCodec codec = options.Encoding == DistlogEncoding.MessagePack ? new MessagePackRecordCodec(options.Limits) : new JsonRecordCodec(options.Limits);
        try
        {
            var spool = ClientSpool.Open(options.Spool, Math.Max(1024 * 1024, options.SpoolMaxBytes), (entry, buffer) => Encode(entry, mapper, codec, buffer, buffer.Length), out var recovered);
            recovered.ForEach(_recovered.Enqueue);
            Interlocked.Add(ref _recoveredCount, recovered.Count);
            Interlocked.Add(ref _enqueued, recovered.Count);
            if (recovered.Count > 0)
            {
                _selfLog.Report("spool", $"{recovered.Count} records an earlier run logged were not acknowledged by distlogd; they are sent from the spool {options.Spool}");
            }

            return spool;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _selfLog.Report("spool", $"the spool {options.Spool} cannot be used ({ex.Message}); records are not spooled");
            return null;
        }
    }

    /// <summary>Encodes the record that tells the daemon how many records were lost here.</summary>
    private int BuildDropReport()
    {
        long total = Interlocked.Read(ref _dropped);
        long newly = total - _droppedReported;
        _buffer.Clear();
        try
        {
            _codec.Encode(_mapper.MapDropReport(newly, total, _options.TimeProvider.GetUtcNow()), _buffer);
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

    /// <summary>At stop: what is still queued is lost, and counted — unless it is in the spool, where the next run
    /// finds it.</summary>
    private void DropQueued()
    {
        int lost = 0, kept = 0;
        while (_recovered.TryDequeue(out var entry) || _queue.TryTake(out entry))
        {
            if (entry.SpoolSequence >= 0)
            {
                kept++;
            }
            else
            {
                lost++;
            }

            entry.Return();
        }

        Interlocked.Add(ref _processed, lost + kept);
        if (lost > 0)
        {
            Interlocked.Add(ref _dropped, lost);
            _selfLog.Report("lost", $"{lost} records were still queued when the provider stopped and are lost");
        }

        if (kept > 0)
        {
            _selfLog.Report("spooled", $"{kept} records were still queued when the provider stopped; the next run on the spool {_options.Spool} sends them");
        }
    }
}
