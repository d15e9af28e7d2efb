using System.Collections.Concurrent;
using System.Diagnostics;
using Distlog.Protocol;
using Microsoft.Win32.SafeHandles;

namespace Distlog.Daemon.Journal;

/// <summary>
/// The receiving side of acknowledged delivery: which stamped messages distlogd already has (so a message sent
/// again after a reconnect is dropped), their journaling, and the acknowledgements that follow once the journal is
/// on disk (<c>sync: batch</c>: at each lull of the sockets; <c>10ms</c>: at most every 10 ms; <c>off</c>: when
/// handed to the kernel).
/// </summary>
/// <remarks>
/// <para>A commit hands what the journal took to the kernel on the receiving thread, and leaves the wait for the disk
/// (fsync) to a thread of its own, which acknowledges once it returns: the receiving thread goes on taking messages
/// meanwhile, and the next commit's messages wait for the next sync (a group commit).</para>
/// <para>Owned by the receiving thread but for that sync thread, which takes whole batches through a queue and gives
/// them back through another; the counters are Interlocked. Without a journal (<c>journal: off</c>) a message is
/// acknowledged once received. A journal holding <c>max_bytes</c> takes nothing more (it waits for its slowest
/// plugin), as a full disk does: those messages are refused, counted, and sent again by their clients.</para>
/// </remarks>
internal sealed class Acknowledgements : IDisposable
{
    // Remembered per instance: every sequence below Below, and those seen above it (holes wait for a resend).
    private const int MaxAbove = 100_000;
    private readonly RecordJournal? _journal;
    private readonly JournalSync _sync;
    private readonly Action<string, IReadOnlyList<long>> _acknowledge;
    private readonly long _maxBytes;
    private readonly Dictionary<string, Seen> _seen = new(StringComparer.Ordinal);
    private HashSet<DeliveryStamp> _pending = [];                 // journaled, to be acknowledged at the next commit
    private HashSet<DeliveryStamp> _again = [];                   // had before: acknowledged again at the next commit
    private readonly HashSet<DeliveryStamp> _syncing = [];        // handed to the sync thread, not yet back
    private readonly BlockingCollection<Batch> _toSync = [];
    private readonly ConcurrentQueue<Batch> _synced = new();
    private readonly Thread? _syncer;
    private long _lastSync = Stopwatch.GetTimestamp();
    private long _acknowledged;
    private long _duplicates;
    private long _journalFailures;

    public Acknowledgements(RecordJournal? journal, JournalSync sync, Action<string, IReadOnlyList<long>> acknowledge, long maxBytes = long.MaxValue)
    {
        _journal = journal;
        _sync = sync;
        _acknowledge = acknowledge;
        _maxBytes = maxBytes;
        if (journal is not null && sync != JournalSync.Off)
        {
            _syncer = new Thread(SyncLoop) { IsBackground = true, Name = "distlogd-sync" };
            _syncer.Start();
        }
    }

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Messages the journal could not take (disk full, max_bytes reached): neither taken nor acknowledged.</summary>
    public long JournalFailures => Interlocked.Read(ref _journalFailures);

    /// <summary>Whether acknowledgements wait for the next <see cref="Commit"/>.</summary>
    public bool HasPending => _pending.Count > 0 || _again.Count > 0;

    /// <summary>Takes a stamped message: false for one already had (acknowledged again, since its sender did not hear
    /// of it); else journals it and returns its position (-1 without a journal).</summary>
    /// <exception cref="IOException">The journal cannot take it (disk full): it is neither delivered nor acknowledged,
    /// and its sender sends it again.</exception>
    public bool TryAccept(DeliveryStamp stamp, IReadOnlyList<ReadOnlyMemory<byte>> frames, out long position)
    {
        position = -1;
        if (Has(stamp) || _pending.Contains(stamp) || _syncing.Contains(stamp))
        {
            Interlocked.Increment(ref _duplicates);
            _again.Add(stamp);
            return false;
        }

        if (_journal is not null)
        {
            if (_journal.SizeBytes >= _maxBytes)
            {
                Interlocked.Increment(ref _journalFailures);
                throw new IOException($"the journal holds its max_bytes ({_maxBytes} bytes): a plugin is that far behind");
            }

            try
            {
                position = _journal.Append(frames);
            }
            catch (IOException)
            {
                // The journal forgot what it took since its last flush: none of that may be acknowledged.
                Interlocked.Add(ref _journalFailures, 1 + _pending.Count);
                _pending.Clear();
                throw;
            }
        }

        _pending.Add(stamp);
        return true;
    }

    /// <summary>Learns a message the journal already holds (at start).</summary>
    public void Remember(IReadOnlyList<ReadOnlyMemory<byte>> frames)
    {
        if (frames.Count == 3 && DeliveryStamp.TryRead(frames[2].Span, out var stamp))
        {
            Remember(stamp);
        }
    }

    /// <summary>Hands what the journal took to the kernel, as <c>sync</c> says when, and has it acknowledged once it
    /// is on disk (by the sync thread, or here with <c>sync: off</c>).</summary>
    /// <param name="idle">The sockets are empty for now (the end of a burst).</param>
    /// <returns>Whether the journal was written (and acknowledgements sent, or on their way).</returns>
    /// <exception cref="IOException">The journal could not be written or synced: what waited is forgotten, neither
    /// remembered nor acknowledged, so that its senders send it again.</exception>
    public bool Commit(bool idle)
    {
        string? syncFailure = TakeSynced();
        if (syncFailure is not null)
        {
            throw new IOException(syncFailure);
        }

        if (!HasPending)
        {
            return false;
        }

        if (_journal is not null && _pending.Count > 0)
        {
            if ((_sync == JournalSync.Batch && !idle) || (_sync == JournalSync.Interval && Stopwatch.GetElapsedTime(_lastSync) < TimeSpan.FromMilliseconds(10)))
            {
                return false;
            }

            try
            {
                _journal.Flush(toDisk: false);
            }
            catch (IOException)
            {
                Interlocked.Add(ref _journalFailures, _pending.Count);
                _pending.Clear();
                throw;
            }
        }

        _lastSync = Stopwatch.GetTimestamp();
        if (_syncer is not null)
        {
            _syncing.UnionWith(_pending);
            _toSync.Add(new Batch(_pending, _again, _journal!.Handle));
            _pending = [];
            _again = [];
            return true;
        }

        foreach (var stamp in _pending)
        {
            Remember(stamp);
        }

        Send(_pending, _again);
        _pending.Clear();
        _again.Clear();
        return true;
    }

    /// <summary>Waits for the sync thread to acknowledge what it was handed (at stop; the journal stays open).</summary>
    public void Dispose()
    {
        _toSync.CompleteAdding();
        _syncer?.Join();
        TakeSynced();
        _toSync.Dispose();
    }

    /// <summary>Learns what the sync thread made durable; null, or what went wrong.</summary>
    private string? TakeSynced()
    {
        string? failure = null;
        while (_synced.TryDequeue(out var batch))
        {
            _syncing.ExceptWith(batch.Taken);
            if (batch.Failure is null)
            {
                foreach (var stamp in batch.Taken)
                {
                    Remember(stamp);
                }
            }
            else
            {
                failure = batch.Failure;
            }
        }

        return failure;
    }

    /// <summary>The sync thread: forces the journal to disk, once for every batch waiting, then acknowledges them.</summary>
    private void SyncLoop()
    {
        var batches = new List<Batch>();
        foreach (var first in _toSync.GetConsumingEnumerable())
        {
            batches.Add(first);
            while (_toSync.TryTake(out var more))
            {
                batches.Add(more);
            }

            string? failure = null;
            try
            {
                // The newest segment's handle: a segment left for a newer one was synced when it was left.
                RandomAccess.FlushToDisk(batches[^1].Handle);
            }
            catch (ObjectDisposedException)
            {
                // Left for a newer segment meanwhile, and synced then.
            }
            catch (IOException ex)
            {
                failure = $"the journal could not be forced to disk ({ex.Message}); its clients send those messages again";
                Interlocked.Add(ref _journalFailures, batches.Sum(b => b.Taken.Count));
            }

            foreach (var batch in batches)
            {
                if (failure is null)
                {
                    Send(batch.Taken, batch.Again);
                }

                _synced.Enqueue(batch with { Failure = failure });
            }

            batches.Clear();
        }
    }

    /// <summary>Acknowledges messages to their senders, one message per instance.</summary>
    private void Send(IEnumerable<DeliveryStamp> taken, IEnumerable<DeliveryStamp> again)
    {
        var byInstance = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var stamp in taken.Concat(again))
        {
            if (!byInstance.TryGetValue(stamp.Instance, out var list))
            {
                byInstance[stamp.Instance] = list = [];
            }

            list.Add(stamp.Sequence);
        }

        foreach (var (instance, sequences) in byInstance)
        {
            _acknowledge(instance, sequences);
            Interlocked.Add(ref _acknowledged, sequences.Count);
        }
    }

    private bool Has(DeliveryStamp stamp) =>
        _seen.TryGetValue(stamp.Instance, out var seen) && (stamp.Sequence < seen.Below || seen.Above.Contains(stamp.Sequence));

    private void Remember(DeliveryStamp stamp)
    {
        if (!_seen.TryGetValue(stamp.Instance, out var seen))
        {
            _seen[stamp.Instance] = seen = new Seen();
        }

        if (stamp.Sequence < seen.Below || !seen.Above.Add(stamp.Sequence))
        {
            return;
        }

        while (seen.Above.Remove(seen.Below))
        {
            seen.Below++;
        }

        if (seen.Above.Count > MaxAbove)
        {
            // A hole that never fills (its sender gave it up): forget it rather than grow.
            seen.Below = seen.Above.Min();
            while (seen.Above.Remove(seen.Below))
            {
                seen.Below++;
            }
        }
    }

    /// <summary>What one commit journaled (<paramref name="Taken"/>) or had already (<paramref name="Again"/>), to be
    /// acknowledged once <paramref name="Handle"/>'s file is on disk.</summary>
    private sealed record Batch(HashSet<DeliveryStamp> Taken, HashSet<DeliveryStamp> Again, SafeFileHandle Handle)
    {
        public string? Failure { get; init; }
    }

    private sealed class Seen
    {
        public long Below { get; set; } = 1;

        public HashSet<long> Above { get; } = [];
    }
}
