using System.Diagnostics;

namespace Distlog.Internal;

/// <summary>
/// The messages sent but not yet acknowledged by distlogd, in the order they were last sent. The sender stops
/// sending while they hold <see cref="MaxBytes"/>. They go again after a reconnect, or when their acknowledgement is
/// late.
/// </summary>
/// <remarks>Sender thread only.</remarks>
internal sealed class UnackedWindow(long maxBytes)
{
    /// <summary>How long a message may wait for its acknowledgement before it is sent again.</summary>
    public static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(5);

    private readonly LinkedList<Entry> _order = new();
    private readonly Dictionary<long, LinkedListNode<Entry>> _bySequence = [];

    public int Count => _order.Count;

    public long Bytes { get; private set; }

    /// <summary>The bytes of messages past which nothing more is sent until some are acknowledged.</summary>
    public long MaxBytes => maxBytes;

    /// <summary>Keeps a message just sent (its body, an array of its own, never written again).</summary>
    public void Add(long sequence, byte[] topic, byte[] stamp, byte[] body, int records, long[]? spooled = null)
    {
        var entry = new Entry(sequence, topic, stamp, body, records, spooled) { SentAt = Stopwatch.GetTimestamp() };
        _bySequence[sequence] = _order.AddLast(entry);
        Bytes += entry.Body.Length;
    }

    /// <summary>Forgets the messages distlogd acknowledged; how many records they held.</summary>
    /// <param name="sequences">The messages acknowledged.</param>
    /// <param name="spooled">Told the spool sequences of their records, when they have some.</param>
    public int Acknowledge(long[] sequences, Action<long[]>? spooled = null)
    {
        int records = 0;
        foreach (long sequence in sequences)
        {
            if (_bySequence.TryGetValue(sequence, out var node))
            {
                records += node.Value.Records;
                if (node.Value.Spooled is { } inSpool)
                {
                    spooled?.Invoke(inSpool);
                }

                Remove(node);
            }
        }

        return records;
    }

    /// <summary>Makes every message due to be sent again (distlogd restarted).</summary>
    public void ResendAll()
    {
        foreach (var entry in _order)
        {
            entry.SentAt = 0;
        }
    }

    /// <summary>Sends again, oldest first, the messages whose acknowledgement is late (or all after <see cref="ResendAll"/>),
    /// until <paramref name="send"/> cannot take one.</summary>
    /// <remarks>The list stays in the order the messages were last sent (a message sent again moves to the end), so
    /// the first one not yet due ends the walk: the sender calls this on every turn of its loop.</remarks>
    public void Resend(Func<Entry, bool> send)
    {
        long due = Stopwatch.GetTimestamp() - (long)(AckTimeout.TotalSeconds * Stopwatch.Frequency);
        for (int left = _order.Count; left > 0 && _order.First is { } node && node.Value.SentAt <= due; left--)
        {
            if (!send(node.Value))
            {
                return;
            }

            node.Value.SentAt = Stopwatch.GetTimestamp();
            _order.RemoveFirst();
            _order.AddLast(node);
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _order.Remove(node);
        _bySequence.Remove(node.Value.Sequence);
        Bytes -= node.Value.Body.Length;
    }

    /// <summary>One message kept for sending again.</summary>
    internal sealed record Entry(long Sequence, byte[] Topic, byte[] Stamp, byte[] Body, int Records, long[]? Spooled)
    {
        public long SentAt { get; set; }
    }
}
