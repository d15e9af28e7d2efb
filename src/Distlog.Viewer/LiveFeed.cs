using System.Threading.Channels;
using Distlog.Protocol;

namespace Distlog.Viewer;

/// <summary>
/// Records as they arrive, for the pages that are open: the daemon publishes every record, each open page reads
/// its own bounded channel. A page that cannot keep up loses its oldest unread records, never slows the daemon.
/// </summary>
/// <remarks>Thread-safe: <see cref="Publish"/> runs on the daemon's plugin worker, readers on request threads.</remarks>
public sealed class LiveFeed
{
    private readonly object _lock = new();
    private Channel<(char System, LogRecord Record)>[] _subscribers = [];

    /// <summary>Whether a page is open: the daemon builds records for the feed only then.</summary>
    public bool HasSubscribers => Volatile.Read(ref _subscribers).Length > 0;

    /// <summary>Hands <paramref name="record"/> to every open page.</summary>
    public void Publish(char system, LogRecord record)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Writer.TryWrite((system, record));
        }
    }

    /// <summary>A reader of what arrives from now on; dispose the subscription when the page goes.</summary>
    public Subscription Subscribe()
    {
        var channel = Channel.CreateBounded<(char, LogRecord)>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_lock)
        {
            _subscribers = [.. _subscribers, channel];
        }

        return new Subscription(this, channel);
    }

    private void Remove(Channel<(char, LogRecord)> channel)
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
        private readonly Channel<(char System, LogRecord Record)> _channel;

        internal Subscription(LiveFeed feed, Channel<(char System, LogRecord Record)> channel)
        {
            _feed = feed;
            _channel = channel;
        }

        /// <summary>The records, in arrival order.</summary>
        public ChannelReader<(char System, LogRecord Record)> Reader => _channel.Reader;

        /// <inheritdoc/>
        public void Dispose() => _feed.Remove(_channel);
    }
}
