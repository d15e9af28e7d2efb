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
    private readonly Arena _arena = new();

    public int Count => _order.Count;

    public long Bytes { get; private set; }

    /// <summary>The bytes of messages past which nothing more is sent until some are acknowledged.</summary>
    public long MaxBytes => maxBytes;

    /// <summary>Keeps a copy of a message just sent.</summary>
    public void Add(long sequence, byte[] topic, byte[] stamp, ReadOnlySpan<byte> body, int records, long[]? spooled = null)
    {
        var entry = new Entry(sequence, topic, stamp, _arena.Keep(body), records, spooled) { SentAt = Stopwatch.GetTimestamp() };
        _bySequence[sequence] = _order.AddLast(entry);
        Bytes += body.Length;
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
        _arena.Free(node.Value.Body);
    }

    /// <summary>One message kept for sending again.</summary>
    internal sealed record Entry(long Sequence, byte[] Topic, byte[] Stamp, Kept Body, int Records, long[]? Spooled)
    {
        public long SentAt { get; set; }
    }

    /// <summary>A message's bytes where the <see cref="Arena"/> keeps them: in one of its chunks, or an array of its own.</summary>
    internal readonly record struct Kept(Arena.Chunk? Chunk, int Offset, int Length, byte[]? Array)
    {
        public ReadOnlySpan<byte> Span => Chunk is { } chunk ? chunk.Data.AsSpan(Offset, Length) : Array;

        /// <summary>A copy the transport may keep (not zeroed first: it is overwritten).</summary>
        public byte[] ToArray()
        {
            byte[] copy = GC.AllocateUninitializedArray<byte>(Length);
            Span.CopyTo(copy);
            return copy;
        }
    }

    /// <summary>
    /// Where the window keeps its messages: 1 MiB chunks, filled in turn and reused once every message in them is
    /// acknowledged. Chunks live as long as the window, in the large object heap, so the garbage collector never
    /// copies them, where an array a message, kept until acknowledged, outlived the young generation and was copied
    /// into the old one (the largest part of acknowledged delivery's cost to the client). A message larger than a
    /// quarter chunk gets an array of its own.
    /// </summary>
    internal sealed class Arena
    {
        private const int ChunkBytes = 1024 * 1024;
        private const int MaxSpare = 4;
        private readonly Stack<Chunk> _spare = new();
        private Chunk? _current;

        public Kept Keep(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > ChunkBytes / 4)
            {
                return new Kept(null, 0, bytes.Length, bytes.ToArray());
            }

            if (_current is null || _current.Used + bytes.Length > ChunkBytes)
            {
                var full = _current;
                _current = _spare.TryPop(out var spare) ? spare : new Chunk();
                if (full is { Live: 0 })
                {
                    Release(full);
                }
            }

            var chunk = _current;
            bytes.CopyTo(chunk.Data.AsSpan(chunk.Used));
            var kept = new Kept(chunk, chunk.Used, bytes.Length, null);
            chunk.Used += bytes.Length;
            chunk.Live++;
            return kept;
        }

        public void Free(Kept kept)
        {
            if (kept.Chunk is { } chunk && --chunk.Live == 0 && chunk != _current)
            {
                Release(chunk);
            }
        }

        private void Release(Chunk chunk)
        {
            chunk.Used = 0;
            if (_spare.Count < MaxSpare)
            {
                _spare.Push(chunk);
            }
        }

        internal sealed class Chunk
        {
            public byte[] Data { get; } = GC.AllocateUninitializedArray<byte>(ChunkBytes);

            public int Used { get; set; }

            public int Live { get; set; }
        }
    }
}
