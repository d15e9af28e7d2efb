using System.Threading.Channels;
using Distlog.Protocol;

namespace Distlog.Viewer;

/// <summary>
/// Records as they arrive, for the pages that are open: the daemon publishes every record, each open page reads
/// its own bounded channel. A page that cannot keep up loses its oldest unread records, never slows the daemon.
/// Records from distlogd's journal carry their place there (<see cref="JournalMark"/>), which a page that
/// reconnects sends back (<c>Last-Event-ID</c>): what it missed meanwhile is read from the journal's tail.
/// </summary>
/// <remarks>Thread-safe: <see cref="Publish(char, LogRecord)"/> runs on the daemon's receiving thread, readers on request threads.</remarks>
internal sealed class LiveFeed
{
    private readonly object _lock = new();
    private Channel<Item>[] _subscribers = [];

    /// <summary>Whether a page is open: the daemon builds records for the feed only then.</summary>
    public bool HasSubscribers => Volatile.Read(ref _subscribers).Length > 0;

    /// <summary>Reads the journal's records after a mark, oldest first (at most the number asked for); null when the
    /// daemon has no journal.</summary>
    internal Func<JournalMark, int, IReadOnlyList<Item>>? Tail { get; init; }

    /// <summary>Hands <paramref name="record"/> to every open page.</summary>
    public void Publish(char system, LogRecord record) => Publish(new Item(system, record, null));

    /// <summary>Hands a record, with its place in the journal when it has one, to every open page.</summary>
    internal void Publish(Item item)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Writer.TryWrite(item);
        }
    }

    /// <summary>The most pages open at once: each holds up to 10,000 records it has not read yet.</summary>
    public const int MaxSubscribers = 64;

    /// <summary>A reader of what arrives from now on; dispose the subscription when the page goes. Null when
    /// <see cref="MaxSubscribers"/> pages are open already.</summary>
    public Subscription? Subscribe()
    {
        var channel = Channel.CreateBounded<Item>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_lock)
        {
            if (_subscribers.Length >= MaxSubscribers)
            {
                return null;
            }

            _subscribers = [.. _subscribers, channel];
        }

        return new Subscription(this, channel);
    }

    private void Remove(Channel<Item> channel)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Where(c => c != channel).ToArray();
        }
    }

    /// <summary>One open page's share of the feed.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly LiveFeed _feed;
        private readonly Channel<Item> _channel;

        internal Subscription(LiveFeed feed, Channel<Item> channel)
        {
            _feed = feed;
            _channel = channel;
        }

        /// <summary>The records, in arrival order.</summary>
        internal ChannelReader<Item> Reader => _channel.Reader;

        /// <inheritdoc/>
        public void Dispose() => _feed.Remove(_channel);
    }
}

/// <summary>A record of the live feed, with its place in the journal when it has one.</summary>
internal readonly record struct Item(char System, LogRecord Record, JournalMark? Mark);

/// <summary>A record's place in distlogd's journal: its message's position and its index there; as text
/// <c>{position}-{index}</c>, the live feed's event id.</summary>
internal readonly record struct JournalMark(long Position, int Index) : IComparable<JournalMark>
{
    public int CompareTo(JournalMark other) => (Position, Index).CompareTo((other.Position, other.Index));

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Position}-{Index}");

    public static bool TryParse(string? text, out JournalMark mark)
    {
        mark = default;
        int dash = text?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (dash <= 0 ||
            !long.TryParse(text.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long position) ||
            !int.TryParse(text.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
        {
            return false;
        }

        mark = new JournalMark(position, index);
        return true;
    }
}
