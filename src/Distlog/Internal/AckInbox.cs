using System.Collections.Concurrent;

namespace Distlog.Internal;

/// <summary>
/// What the session hears that the sender must act on: distlogd's acknowledgements, and that the session joined a
/// daemon anew (a restarted distlogd has lost what it had not journaled: everything unacknowledged goes again).
/// </summary>
/// <remarks>The session thread writes, the sender thread takes.</remarks>
internal sealed class AckInbox(string instance) : IDisposable
{
    private readonly ConcurrentQueue<long[]> _acks = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly ManualResetEventSlim _activated = new(false);
    private int _joined;
    private int _active;

    /// <summary>The client's instance id: its session's identity and its messages' stamp.</summary>
    public string Instance { get; } = instance;

    public void Acknowledged(long[] sequences)
    {
        _acks.Enqueue(sequences);
        _arrived.Release();
    }

    /// <summary>Waits at most <paramref name="timeout"/> for an acknowledgement (the sender, stopping).</summary>
    public void Wait(TimeSpan timeout) => _arrived.Wait(timeout);

    public void Joined()
    {
        Volatile.Write(ref _active, 1);
        Volatile.Write(ref _joined, 1);
        _activated.Set();
    }

    /// <summary>Waits at most <paramref name="timeout"/> for the session to join (the sender, at start).</summary>
    public void WaitActive(TimeSpan timeout) => _activated.Wait(timeout);

    /// <summary>Whether a distlogd that acknowledges has been heard from: only then are messages stamped, so a client
    /// never sends an older daemon, or one without sessions, a frame it does not know.</summary>
    public bool IsActive => Volatile.Read(ref _active) != 0;

    public bool TryTake(out long[] sequences) => _acks.TryDequeue(out sequences!);

    public void Dispose()
    {
        _arrived.Dispose();
        _activated.Dispose();
    }

    /// <summary>Whether the session joined since the last call.</summary>
    public bool TakeJoined() => Interlocked.Exchange(ref _joined, 0) != 0;
}
