using System.Collections.Concurrent;
using System.Diagnostics;

namespace Distlog.Internal;

/// <summary>
/// The bounded queue between log calls and the sender thread, with its back-pressure: a full queue refuses a record,
/// or with <see cref="OverflowPolicy.Block"/> makes the log call wait for room, at most the block timeout.
/// </summary>
/// <remarks>
/// Threads: any thread calls <see cref="TryAdd"/>; the sender thread alone calls <see cref="TryTake"/>,
/// <see cref="WaitForWork"/> and <see cref="WakeBlockedWriters"/>. <see cref="Close"/> may come from any thread.
/// Counts are Interlocked; waiting writers wait on <c>_spaceLock</c>.
/// </remarks>
// The wake event is never disposed: log calls may still touch it while the provider closes, and a
// ManualResetEventSlim that nobody waited on long enough to allocate a kernel handle holds nothing to release.
#pragma warning disable CA1001
internal sealed class RecordQueue
#pragma warning restore CA1001
{
    private readonly ConcurrentQueue<PendingRecord> _queue = new();
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly object _spaceLock = new();
    private readonly int _capacity;
    private readonly bool _block;
    private readonly TimeSpan _blockTimeout;
    private int _count;
    private int _senderWaiting;
    private int _blockedWriters;
    private int _closed;

    public RecordQueue(int capacity, OverflowPolicy overflow, TimeSpan blockTimeout)
    {
        _capacity = Math.Max(1, capacity);
        _block = overflow == OverflowPolicy.Block;
        _blockTimeout = blockTimeout;
    }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public bool IsEmpty => _queue.IsEmpty;

    /// <summary>Records waiting now.</summary>
    public int Count => Math.Max(0, Volatile.Read(ref _count));

    /// <summary>Queues a record; <see langword="false"/> when the queue is closed or stays full (the caller counts the drop).</summary>
    public bool TryAdd(PendingRecord entry)
    {
        if (IsClosed || !TryReserve())
        {
            return false;
        }

        _queue.Enqueue(entry);
        if (Volatile.Read(ref _senderWaiting) != 0)
        {
            _wake.Set();
        }

        return true;
    }

    /// <summary>Takes the oldest record (sender thread).</summary>
    public bool TryTake(out PendingRecord entry)
    {
        if (_queue.TryDequeue(out entry!))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }

    /// <summary>Waits until a record is queued, <see cref="Wake"/> is called, or <paramref name="timeout"/> passes (sender thread).</summary>
    public void WaitForWork(TimeSpan timeout)
    {
        Interlocked.Exchange(ref _senderWaiting, 1);
        if (_queue.IsEmpty && !IsClosed)
        {
            _wake.Wait(timeout);
        }

        Interlocked.Exchange(ref _senderWaiting, 0);
        _wake.Reset();
    }

    /// <summary>Ends a <see cref="WaitForWork"/> now.</summary>
    public void Wake() => _wake.Set();

    /// <summary>Refuses every record from now on and releases waiting log calls and the sender.</summary>
    /// <param name="beforeClose">Runs under the queue's lock just before it closes, once: the sender's stop deadline
    /// is published there, so that the sender, seeing the queue closed, reads the deadline too.</param>
    /// <returns><see langword="false"/> when the queue was closed already.</returns>
    public bool Close(Action beforeClose)
    {
        lock (_spaceLock)
        {
            if (IsClosed)
            {
                return false;
            }

            beforeClose();
            Interlocked.Exchange(ref _closed, 1);
            Monitor.PulseAll(_spaceLock);
        }

        _wake.Set();
        return true;
    }

    /// <summary>
    /// Wakes log calls waiting for room (the Block policy) once a quarter of the queue is free again, not for every
    /// record taken: a wake-up per record cost the sender a futex call per record while the logger outran it.
    /// </summary>
    /// <remarks>A waiting call also looks again by itself every 100 ms, so this only decides how soon it goes on.</remarks>
    public void WakeBlockedWriters()
    {
        if (Volatile.Read(ref _blockedWriters) > 0 && Volatile.Read(ref _count) <= _capacity - Math.Max(1, _capacity / 4))
        {
            lock (_spaceLock)
            {
                Monitor.PulseAll(_spaceLock);
            }
        }
    }

    private bool TryReserve()
    {
        if (Interlocked.Increment(ref _count) <= _capacity)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return _block && WaitForRoom();
    }

    private bool WaitForRoom()
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_blockTimeout.TotalSeconds * Stopwatch.Frequency);
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
                    if (left <= 0 || IsClosed)
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
}
