using System.Collections.Concurrent;
using Distlog.Protocol;
using NetMQ;
using NetMQ.Sockets;

namespace Distlog.Tests.Support;

/// <summary>A real ZeroMQ PULL socket on a random loopback port, standing in for the daemon: it decodes every
/// message (records and batches) with the protocol library and hands the records to the test.</summary>
internal sealed class PullReceiver : IDisposable
{
    private readonly BlockingCollection<Received> _records = new();
    private readonly BlockingCollection<List<byte[]>> _frames = new();
    private readonly List<Received> _taken = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource<int> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int? _port;
    private int _messages;
    private string? _error;
    private int _batches;

    public PullReceiver(int? port = null)
    {
        _port = port;
        _thread = new Thread(Run) { IsBackground = true, Name = "test-pull" };
        _thread.Start();
        Port = _bound.Task.WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
    }

    public int Port { get; }

    public string Endpoint => $"tcp://127.0.0.1:{Port}";

    public int Messages => Volatile.Read(ref _messages);

    public int Batches => Volatile.Read(ref _batches);

    public IReadOnlyList<Received> Taken => _taken;

    /// <summary>Waits for <paramref name="count"/> more records; fails with what arrived when the timeout passes.</summary>
    public List<Received> Take(int count, TimeSpan? timeout = null)
    {
        var result = new List<Received>(count);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            while (result.Count < count)
            {
                result.Add(_records.Take(cts.Token));
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"expected {count} records, got {result.Count} (messages {Messages}, receiver alive {_thread.IsAlive}, error {_error}); the last: " +
                string.Join(" | ", result.TakeLast(5).Select(r => r.Record.Message)));
        }

        _taken.AddRange(result);
        return result;
    }

    /// <summary>Takes records until one matches; fails when the timeout passes first.</summary>
    public Received TakeUntil(Func<LogRecord, bool> predicate, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            while (true)
            {
                var next = _records.Take(cts.Token);
                _taken.Add(next);
                if (predicate(next.Record))
                {
                    return next;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no matching record after {_taken.Count} records");
        }
    }

    /// <summary>Whether anything more arrives within <paramref name="wait"/> (used only to assert that nothing does).</summary>
    public bool TryTakeAny(TimeSpan wait, out Received? received)
    {
        bool got = _records.TryTake(out received, wait);
        if (got)
        {
            _taken.Add(received!);
        }

        return got;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private void Run()
    {
        using var socket = new PullSocket();

        // NetMQ's default linger of zero makes a PULL socket throw away what it has received but not yet handed
        // out when a sender disconnects. A receiver must linger, or a client that logs and exits loses its tail.
        socket.Options.Linger = TimeSpan.FromSeconds(30);
        int port;
        try
        {
            if (_port is { } fixedPort)
            {
                socket.Bind($"tcp://127.0.0.1:{fixedPort}");
                port = fixedPort;
            }
            else
            {
                port = socket.BindRandomPort("tcp://127.0.0.1");
            }
        }
        catch (Exception ex)
        {
            _bound.TrySetException(ex);
            return;
        }

        _bound.TrySetResult(port);
        var decoder = new Thread(Decode) { IsBackground = true, Name = "test-decode" };
        decoder.Start();
        try
        {
            // The receive loop only takes frames off the socket; decoding happens on another thread. NetMQ can
            // lose what a peer sent last when the peer disconnects while the receiver lags (see docs/protocol.md),
            // so a receiver must keep its socket drained.
            while (!_stop.IsCancellationRequested)
            {
                var frames = new List<byte[]>(2);
                if (socket.TryReceiveMultipartBytes(TimeSpan.FromMilliseconds(50), ref frames!, 2))
                {
                    _frames.Add(frames);
                }
            }
        }
        finally
        {
            _frames.CompleteAdding();
            decoder.Join();
        }
    }

    private void Decode()
    {
        foreach (var frames in _frames.GetConsumingEnumerable())
        {
            Interlocked.Increment(ref _messages);
            if (frames.Count == 3 && DeliveryStamp.TryRead(frames[2], out var stamp))
            {
                // An acknowledged message (the client has a session elsewhere): the records, as distlogd takes them.
                frames.RemoveAt(2);
                Stamps.Add(stamp);
            }

            var decoded = MessageDecoder.Decode(frames);
            if (decoded.Topic is { Kind: Topic.KindBatch })
            {
                Interlocked.Increment(ref _batches);
            }

            foreach (var rejection in decoded.Rejections)
            {
                _error = rejection.ToString();
            }

            foreach (var record in decoded.Records)
            {
                _records.Add(new Received(decoded.Topic!.Value, record));
            }
        }
    }

    /// <summary>The stamps of the acknowledged messages received.</summary>
    internal System.Collections.Concurrent.ConcurrentBag<DeliveryStamp> Stamps { get; } = [];

    public sealed record Received(Topic Topic, LogRecord Record);
}
