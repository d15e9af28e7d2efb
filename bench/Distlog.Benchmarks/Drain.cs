using NetMQ;
using NetMQ.Sockets;

namespace Distlog.Benchmarks;

/// <summary>A PULL socket on a loopback port that takes messages off as fast as it can and counts them; it stands
/// in for the daemon so the provider under test is never held back by a missing peer.</summary>
internal sealed class Drain : IDisposable
{
    private readonly Thread _thread;
    private readonly TaskCompletionSource<int> _bound = new();
    private volatile bool _stop;
    private long _messages;
    private long _bytes;

    public Drain()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "bench-drain" };
        _thread.Start();
        Endpoint = $"tcp://127.0.0.1:{_bound.Task.GetAwaiter().GetResult()}";
    }

    public string Endpoint { get; }

    public long Messages => Interlocked.Read(ref _messages);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Called on the drain thread for every message (topic, body).</summary>
    public Action<byte[], byte[]>? OnMessage { get; set; }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }

    private void Run()
    {
        using var socket = new PullSocket();
        socket.Options.Linger = TimeSpan.FromSeconds(10);
        socket.Options.ReceiveHighWatermark = 100_000;
        _bound.SetResult(socket.BindRandomPort("tcp://127.0.0.1"));
        var frames = new List<byte[]>(2);
        while (!_stop)
        {
            if (socket.TryReceiveMultipartBytes(TimeSpan.FromMilliseconds(50), ref frames!, 2))
            {
                Interlocked.Increment(ref _messages);
                Interlocked.Add(ref _bytes, frames[^1].Length);
                OnMessage?.Invoke(frames[0], frames[1]);
                frames.Clear();
            }
        }
    }
}
