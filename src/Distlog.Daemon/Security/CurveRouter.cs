using System.Collections.Concurrent;
using Distlog.Native;

namespace Distlog.Daemon.Security;

/// <summary>
/// distlogd's CURVE ROUTER for the clients' sessions: a thread of its own (<c>distlogd-curve-control</c>) owns the
/// libzmq socket, hands each message received to the callback it was made with, and sends what any thread gives
/// <see cref="Send"/> (queued, and the thread woken through an inproc pair).
/// </summary>
internal sealed class CurveRouter : IDisposable
{
    private readonly ZmqSocket _router;
    private readonly ZmqSocket _wakeIn;
    private readonly ZmqSocket _wakeOut;
    private readonly Lock _wakeLock = new();
    private readonly ConcurrentQueue<byte[][]> _outgoing = new();
    private readonly Action<List<byte[]>> _received;
    private readonly Thread _thread;
    private volatile bool _stop;

    /// <param name="gate">Makes the socket, and lets in only its clients.</param>
    /// <param name="maxMessageBytes">The largest message a peer may send.</param>
    /// <param name="received">Takes each message (the peer's identity first), on the router's thread.</param>
    public CurveRouter(CurveGate gate, int maxMessageBytes, Action<List<byte[]>> received)
    {
        _received = received;
        _router = gate.CreateServer(Libzmq.Router);
        _router.Set(Libzmq.OptionLinger, 100);
        _router.Set(Libzmq.OptionSendHighWatermark, 1000);
        _router.Set(Libzmq.OptionMaxMessageSize, (long)maxMessageBytes);
        string wake = $"inproc://distlogd-control-wake-{Guid.NewGuid():N}";
        _wakeIn = gate.CreateInternal(Libzmq.Pair);
        _wakeIn.Bind(wake);
        _wakeOut = gate.CreateInternal(Libzmq.Pair);
        _wakeOut.Connect(wake);
        _thread = new Thread(Run) { IsBackground = true, Name = "distlogd-curve-control" };
    }

    /// <summary>Binds one more endpoint (before <see cref="Start"/>).</summary>
    public string Bind(string endpoint) => _router.Bind(endpoint);

    public void Start() => _thread.Start();

    /// <summary>Queues a message (the peer's identity first) for the router's thread to send; any thread.</summary>
    public void Send(byte[][] frames)
    {
        _outgoing.Enqueue(frames);
        lock (_wakeLock)
        {
            _ = _wakeOut.TrySend([[]]); // a wake-up already waiting is as good
        }
    }

    public void Dispose()
    {
        _stop = true;
        if (_thread.IsAlive)
        {
            Send([]);
            _thread.Join();
        }

        _router.Dispose();
        _wakeIn.Dispose();
        _wakeOut.Dispose();
    }

    private unsafe void Run()
    {
        var items = new Libzmq.PollItem[]
        {
            new() { Socket = _router.Handle, Events = Libzmq.PollIn },
            new() { Socket = _wakeIn.Handle, Events = Libzmq.PollIn },
        };
        var frames = new List<byte[]>(4);
        while (!_stop)
        {
            fixed (Libzmq.PollItem* polled = items)
            {
                ZmqSocket.Poll(polled, items.Length, TimeSpan.FromMilliseconds(250));
            }

            while (_wakeIn.TryReceive(TimeSpan.Zero, frames))
            {
                frames.Clear();
            }

            while (_outgoing.TryDequeue(out byte[][]? message))
            {
                try
                {
                    _ = message.Length > 0 && _router.TrySend(message); // a client that does not read loses its copy, never slows us
                }
                catch (InvalidOperationException)
                {
                    // libzmq refused this one message (a peer gone mid-send): the client resends what it misses.
                }
            }

            while (_router.TryReceive(TimeSpan.Zero, frames))
            {
                _received(frames);
                frames = new List<byte[]>(4);
            }
        }
    }
}
