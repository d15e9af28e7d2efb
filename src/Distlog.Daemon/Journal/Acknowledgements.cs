using System.Diagnostics;
using Distlog.Protocol;

namespace Distlog.Daemon.Journal;

/// <summary>
/// The receiving side of acknowledged delivery: which stamped messages distlogd already has (so a message sent
/// again after a reconnect is dropped), their journaling, and the acknowledgements that follow once the journal is
/// on disk (<c>sync: batch</c>: at each lull of the sockets; <c>10ms</c>: at most every 10 ms; <c>off</c>: when
/// handed to the kernel).
/// </summary>
/// <remarks>Owned by the receiving thread; the counters are Interlocked. Without a journal (<c>journal: off</c>)
/// a message is acknowledged once received. A journal holding <c>max_bytes</c> takes nothing more (it waits for its
/// slowest plugin), as a full disk does: those messages are refused, counted, and sent again by their clients.</remarks>
internal sealed class Acknowledgements(RecordJournal? journal, JournalSync sync, Action<string, IReadOnlyList<long>> acknowledge, long maxBytes = long.MaxValue)
{
    // Remembered per instance: every sequence below Below, and those seen above it (holes wait for a resend).
    private const int MaxAbove = 100_000;
    private readonly Dictionary<string, Seen> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<DeliveryStamp> _pending = [];  // journaled, to be acknowledged at the next commit
    private readonly HashSet<DeliveryStamp> _again = [];    // had before: acknowledged again at the next commit
    private long _lastSync = Stopwatch.GetTimestamp();
    private long _acknowledged;
    private long _duplicates;
    private long _journalFailures;

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
        if (Has(stamp) || _pending.Contains(stamp))
        {
            Interlocked.Increment(ref _duplicates);
            _again.Add(stamp);
            return false;
        }

        if (journal is not null)
        {
            if (journal.SizeBytes >= maxBytes)
            {
                Interlocked.Increment(ref _journalFailures);
                throw new IOException($"the journal holds its max_bytes ({maxBytes} bytes): a plugin is that far behind");
            }

            try
            {
                position = journal.Append(frames);
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

    /// <summary>Makes the journal durable as <c>sync</c> says and acknowledges what it now holds.</summary>
    /// <param name="idle">The sockets are empty for now (the end of a burst).</param>
    /// <exception cref="IOException">The journal could not be written: what waited is forgotten, neither remembered
    /// nor acknowledged, so that its senders send it again.</exception>
    /// <returns>Whether the journal was written and acknowledgements sent.</returns>
    public bool Commit(bool idle)
    {
        if (!HasPending)
        {
            return false;
        }

        if (journal is not null && _pending.Count > 0)
        {
            if ((sync == JournalSync.Batch && !idle) || (sync == JournalSync.Interval && Stopwatch.GetElapsedTime(_lastSync) < TimeSpan.FromMilliseconds(10)))
            {
                return false;
            }

            try
            {
                journal.Flush(toDisk: sync != JournalSync.Off);
            }
            catch (IOException)
            {
                Interlocked.Add(ref _journalFailures, _pending.Count);
                _pending.Clear();
                throw;
            }
        }

        _lastSync = Stopwatch.GetTimestamp();
        var byInstance = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var stamp in _pending.Concat(_again))
        {
            Remember(stamp);
            if (!byInstance.TryGetValue(stamp.Instance, out var list))
            {
                byInstance[stamp.Instance] = list = [];
            }

            list.Add(stamp.Sequence);
        }

        foreach (var (instance, sequences) in byInstance)
        {
            acknowledge(instance, sequences);
            Interlocked.Add(ref _acknowledged, sequences.Count);
        }

        _pending.Clear();
        _again.Clear();
        return true;
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

    private sealed class Seen
    {
        public long Below { get; set; } = 1;

        public HashSet<long> Above { get; } = [];
    }
}
