using System.Collections.Concurrent;
using Distlog.Plugins;
using Distlog.Protocol;
using Microsoft.Extensions.Logging;

namespace Distlog.Daemon.Receiving;

/// <summary>
/// The PULL sockets, bound to every <c>listen</c> endpoint, and the one thread that takes messages off them,
/// checks them (<see cref="MessageDecoder.Scan(IReadOnlyList{ReadOnlyMemory{byte}}, int, IRecordCodec?)"/>: JSON
/// records are decoded only when a plugin reads them) and offers each record to every plugin. Rejections are counted by
/// reason and reported at most once a minute per reason; no input stops the loop.
/// </summary>
/// <remarks>The thread owns the sockets. Counters are Interlocked. The receive loop does no I/O of its own beyond
/// the sockets: plugins have their own queues.</remarks>
internal sealed partial class Receiver : IDisposable
{
    private static readonly TimeSpan s_reportInterval = TimeSpan.FromMinutes(1);

    // How long an idle receiver waits while acknowledgements wait for the journal's group commit.
    private static readonly TimeSpan s_commitWait = TimeSpan.FromMilliseconds(5);

    // The most messages taken between two commits of the journal while the sockets never run dry.
    private const int MessagesPerCommit = 256;

    private readonly IReadOnlyList<string> _listen;
    private readonly IReadOnlyList<string> _plainListen;
    private readonly Security.CurveGate? _curve;
    private readonly int _maxBodyBytes;
    private readonly Action<ReceivedRecord> _deliver;
    private readonly Action _endOfInput;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly TaskCompletionSource<IReadOnlyList<BoundEndpoint>> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<RejectReason, long> _rejected = new();
    private readonly ConcurrentDictionary<RejectReason, DateTimeOffset> _lastReport = new();
    private readonly ConcurrentQueue<ReceivedRecord> _local = new();
    private volatile bool _stop;
    private long _messages;
    private long _records;
    private long _rateLimited;
    private readonly PeerLimiter? _limiter;
    private DateTimeOffset _lastLimitReport; // receiving thread only

    private readonly IRecordCodec? _pickle;
    private readonly Journal.Acknowledgements? _acks;
    private DateTimeOffset _lastJournalReport; // receiving thread only
    private bool _journalFailing;               // receiving thread only

    /// <param name="listen">The endpoints to bind.</param>
    /// <param name="maxBodyBytes">The largest body accepted.</param>
    /// <param name="deliver">Takes each record, on the receiving thread.</param>
    /// <param name="endOfInput">Called on the receiving thread whenever the sockets hold nothing more for now (and
    /// when receiving stops): what <paramref name="deliver"/> gathered should go on then.</param>
    /// <param name="logger">Where rejections are reported.</param>
    /// <param name="acceptPickle">Whether pickle bodies are decoded (safely) instead of refused.</param>
    /// <param name="acks">Takes stamped messages (acknowledged delivery): journals them, drops those already had, and
    /// acknowledges; null refuses them.</param>
    /// <param name="curve">Makes the <paramref name="listen"/> sockets CURVE ones, that let in only its clients.</param>
    /// <param name="plainListen">With <paramref name="curve"/>: endpoints that stay plain.</param>
    /// <param name="limit">Records per second per peer, and the burst (<c>peer_limit</c>); null: none.</param>
    public Receiver(IReadOnlyList<string> listen, int maxBodyBytes, Action<ReceivedRecord> deliver, Action endOfInput, ILogger logger, bool acceptPickle = false, Journal.Acknowledgements? acks = null, Security.CurveGate? curve = null, IReadOnlyList<string>? plainListen = null, Configuration.PeerLimit? limit = null)
    {
        _limiter = limit is null ? null : new PeerLimiter(limit.RecordsPerSecond, limit.Burst);
        _curve = curve;
        _plainListen = plainListen ?? [];
        _acks = acks;
        _pickle = acceptPickle ? new PickleRecordCodec() : null;
        _listen = listen;
        _maxBodyBytes = maxBodyBytes;
        _deliver = deliver;
        _endOfInput = endOfInput;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "distlogd-receive" };
    }

    public long Messages => Interlocked.Read(ref _messages);

    public long Records => Interlocked.Read(ref _records);

    public IReadOnlyDictionary<RejectReason, long> Rejected => new Dictionary<RejectReason, long>(_rejected);

    /// <summary>Messages refused because their peer was over <c>peer_limit</c>.</summary>
    public long RateLimitedMessages => Interlocked.Read(ref _rateLimited);

    /// <summary>Binds every endpoint and starts receiving.</summary>
    /// <returns>The bound sockets (a <c>*</c> or <c>0</c> port replaced by the one chosen).</returns>
    public async Task<IReadOnlyList<BoundEndpoint>> StartAsync()
    {
        _thread.Start();
        return await _bound.Task.ConfigureAwait(false);
    }

    /// <summary>Hands the daemon's own record (a level change, say) to the receiving thread, which delivers it with
    /// the next messages, or within its idle wait (100 ms); any thread may call this.</summary>
    public void Inject(ReceivedRecord record) => _local.Enqueue(record);

    /// <summary>Stops receiving: what was received has been delivered to the plugins' queues when this returns.</summary>
    public void Dispose()
    {
        _stop = true;
        if (_thread.IsAlive)
        {
            _thread.Join();
        }
    }

    private void Run()
    {
        var sources = new List<MessageSource>();
        try
        {
            foreach (string endpoint in _listen)
            {
                sources.Add(MessageSource.Bind(endpoint, _maxBodyBytes, _curve));
            }

            foreach (string endpoint in _plainListen)
            {
                sources.Add(MessageSource.Bind(endpoint, _maxBodyBytes, gate: null));
            }

            _bound.TrySetResult(sources.Select(s => new BoundEndpoint(s.Endpoint, s.Encrypted)).ToList());
        }
        catch (Exception ex)
        {
            sources.ForEach(s => s.Dispose());
            _bound.TrySetException(ex);
            return;
        }

        try
        {
            Loop(sources);
        }
        finally
        {
            while (_local.TryDequeue(out var own))
            {
                _deliver(own);
            }

            _endOfInput();
            Commit();
            sources.ForEach(s => s.Dispose());
        }
    }

    private void Loop(List<MessageSource> sources)
    {
        var frames = new List<ReadOnlyMemory<byte>>(3);
        var wait = TimeSpan.FromMilliseconds(sources.Count == 1 ? 100 : 10);
        while (!_stop)
        {
            bool any = false;
            foreach (var source in sources)
            {
                // Drain what is there; the wait only applies when a socket is idle.
                int sinceCommit = 0;
                while (source.TryReceive(any ? TimeSpan.Zero : _acks?.HasPending == true ? s_commitWait : wait, frames))
                {
                    any = true;
                    Handle(frames, source);
                    frames.Clear();
                    if (_stop)
                    {
                        return;
                    }

                    if (++sinceCommit == MessagesPerCommit)
                    {
                        // A stream that never pauses still gets its acknowledgements (and its plugins their records).
                        sinceCommit = 0;
                        _endOfInput();
                        Commit();
                    }
                }
            }

            while (_local.TryDequeue(out var own))
            {
                any = true;
                _deliver(own);
            }

            if (any)
            {
                _endOfInput();
            }

            Commit();
        }
    }

    private void RateLimited(string peer)
    {
        long count = Interlocked.Increment(ref _rateLimited);
        var now = DateTimeOffset.UtcNow;
        if (now - _lastLimitReport >= s_reportInterval)
        {
            _lastLimitReport = now;
            LogRateLimited(_logger, peer, count);
        }
    }

    /// <summary>Acknowledges what the journal holds, as its sync policy says.</summary>
    private void Commit()
    {
        try
        {
            if (_acks?.Commit(idle: true) == true && _journalFailing)
            {
                _journalFailing = false;
                LogJournalResumed(_logger, _acks.JournalFailures);
            }
        }
        catch (IOException ex)
        {
            ReportJournal(ex);
        }
    }

    private void ReportJournal(IOException ex)
    {
        _journalFailing = true;
        var now = DateTimeOffset.UtcNow;
        if (now - _lastJournalReport >= s_reportInterval)
        {
            _lastJournalReport = now;
            LogJournalFailed(_logger, ex.Message, _acks!.JournalFailures);
        }
    }

    private void Handle(List<ReadOnlyMemory<byte>> frames, MessageSource source)
    {
        Interlocked.Increment(ref _messages);
        DeliveryStamp? stamp = null;
        long position = -1;
        string? peer = null;
        if (_limiter is not null)
        {
            peer = source.Peer ?? (frames.Count == 3 && DeliveryStamp.TryRead(frames[2].Span, out var sender) ? sender.Instance : source.Endpoint);
            if (!_limiter.Allows(peer))
            {
                // Over its rate: refused unread. A stamped message is not acknowledged, so its client sends it again
                // later (back-pressure); any other is lost, and counted.
                RateLimited(peer);
                return;
            }
        }
        if (frames.Count == 3 && _acks is null && DeliveryStamp.TryRead(frames[2].Span, out _))
        {
            frames.RemoveAt(2); // no sessions here (control: off): taken at most once, never acknowledged
        }
        else if (frames.Count == 3 && _acks is not null && DeliveryStamp.TryRead(frames[2].Span, out var read))
        {
            try
            {
                if (!_acks.TryAccept(read, frames, out position))
                {
                    return; // had already: acknowledged again, not delivered twice
                }
            }
            catch (IOException ex)
            {
                ReportJournal(ex); // not acknowledged: its sender sends it again
                return;
            }

            stamp = read;
            frames.RemoveAt(2);
        }

        ScannedMessage decoded;
        try
        {
            // JSON records are checked and summarised here and decoded only if a plugin reads them.
            decoded = MessageDecoder.Scan(frames, _maxBodyBytes, _pickle);
        }
        catch (Exception ex)
        {
            // MessageDecoder does not throw for any input; this is the last line of defence of the loop.
            decoded = new ScannedMessage(null, [], [new Rejection(RejectReason.Malformed, ex.Message)]);
        }

        foreach (var rejection in decoded.Rejections)
        {
            _rejected.AddOrUpdate(rejection.Reason, 1, static (_, n) => n + 1);
            var now = DateTimeOffset.UtcNow;
            if (!_lastReport.TryGetValue(rejection.Reason, out var last) || now - last >= s_reportInterval)
            {
                _lastReport[rejection.Reason] = now;
                LogRejected(_logger, rejection.Reason, rejection.Detail, _rejected[rejection.Reason]);
            }
        }

        if (decoded.Records.Count == 0)
        {
            return;
        }

        if (peer is not null)
        {
            _limiter!.Charge(peer, decoded.Records.Count);
        }

        var topic = decoded.Topic!.Value;
        char system = (char)topic.System;
        var receivedAt = DateTimeOffset.UtcNow;
        for (int i = 0; i < decoded.Records.Count; i++)
        {
            var entry = decoded.Records[i];
            Interlocked.Increment(ref _records);
            _deliver(entry.Record is { } record
                ? new ReceivedRecord(system, record, receivedAt) { Body = entry.Body, Encoding = topic.Encoding, DeliveryInstance = stamp?.Instance, DeliverySequence = stamp?.Sequence ?? 0, DeliveryIndex = i, JournalPosition = position }
                : new ReceivedRecord(system, entry.Summary, entry.Body, topic.Encoding, receivedAt) { DeliveryInstance = stamp?.Instance, DeliverySequence = stamp?.Sequence ?? 0, DeliveryIndex = i, JournalPosition = position });
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "the journal cannot be written ({Reason}): acknowledged messages are not taken, and their clients hold them and send them again [{Count} failures so far; reported at most once a minute]")]
    private static partial void LogJournalFailed(ILogger logger, string reason, long count);

    [LoggerMessage(Level = LogLevel.Information, Message = "the journal is written again: messages are acknowledged again ({Count} were refused meanwhile; their clients send them again)")]
    private static partial void LogJournalResumed(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused a message of {Peer}: over its peer_limit (stamped messages are sent again later; others are lost) [{Count} refused so far; reported at most once a minute]")]
    private static partial void LogRateLimited(ILogger logger, string peer, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rejected a message ({Reason}): {Detail} [{Count} of this kind so far; reported at most once a minute]")]
    private static partial void LogRejected(ILogger logger, RejectReason reason, string detail, long count);
}

/// <summary>An endpoint the receiver bound, and whether it takes only encrypted messages of let-in clients.</summary>
internal sealed record BoundEndpoint(string Endpoint, bool Encrypted);

